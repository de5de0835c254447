"""Two laptops of one assessor carry a record on from the same point: both versions are kept,
the second laptop fetches the other, the assessor chooses, and the gateway holds the choice.

Real parts: two SQLCipher vaults (the second a restored copy of the first, so both hold the
record's same first revisions), each enrolled with its own device certificate, and the
gateway on loopback over mutual TLS with SQLite or PostgreSQL behind it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.services import sync_problems
from assessor_app.core.services.records import start_record
from assessor_app.core.storage import history, other_versions
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import enrol, sync_now, transport_for
from assessor_app.core.sync_client.transport import TransportError
from sync.protocol import (
    SUPERSEDES,
    ProtocolError,
    PushItem,
    RecordVersions,
    VersionsRequest,
    VersionsResponse,
)
from tests.conftest import PASSPHRASE
from tests.support import community_person, session_for
from tests.sync.conftest import Gateway


@dataclass
class Laptops:
    first: Vault
    second: Vault
    record_id: str


@pytest.fixture
def laptops(gateway: Gateway, vault: Vault, data_dir: Path, tmp_path: Path) -> Iterator[Laptops]:
    """Two enrolled laptops of one assessor holding the same record, already at the gateway."""
    session = session_for(vault, today=dt.date(2026, 12, 3))
    person = session.people.add(community_person())
    record = start_record(session, session.forms.latest("sample"), person.id)
    session.records.save_field(record.id, "notes", "First visit.")
    session.records.checkpoint(record.id)
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    assert sync_now(vault, transport_for(vault)).sent == 3
    profile = vault.profile.id
    vault.close()
    # The assessor's second laptop, restored from a copy of the first and enrolled on its own.
    copy = tmp_path / "second"
    shutil.copytree(data_dir, copy)
    first = Vault.open(data_dir, profile, PASSPHRASE)
    second = Vault.open(copy, profile, PASSPHRASE)
    try:
        enrol(second, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
        yield Laptops(first, second, record.id)
    finally:
        for v in (first, second):
            if v.is_open:
                v.close()


def _edit(vault: Vault, record_id: str, notes: str) -> None:
    records = session_for(vault).records
    records.save_field(record_id, "notes", notes)
    records.checkpoint(record_id)


def test_both_versions_reach_the_gateway_and_the_choice_settles_them(
    gateway: Gateway, laptops: Laptops
) -> None:
    _edit(laptops.first, laptops.record_id, "Second visit, on the first laptop.")
    _edit(laptops.second, laptops.record_id, "Second visit, on the second laptop.")
    first_report = sync_now(laptops.first, transport_for(laptops.first))
    assert (first_report.sent, first_report.other_versions) == (1, 0)

    report = sync_now(laptops.second, transport_for(laptops.second))
    assert report.finished and report.sent == 1
    assert report.other_versions == 1
    session = session_for(laptops.second)
    comparison = sync_problems.compare_versions(session, laptops.record_id)
    assert [(d.question, d.mine, d.theirs) for d in comparison.differences] == [
        ("Notes", "Second visit, on the second laptop.", "Second visit, on the first laptop.")
    ]
    their_head = comparison.record.theirs.revision_hash

    # Chosen offline, sent at the next sync.
    chosen = sync_problems.take_theirs(session, laptops.record_id)
    again = sync_now(laptops.second, transport_for(laptops.second))
    assert again.finished and (again.sent, again.other_versions) == (1, 0)
    [entry] = gateway.store.versions(gateway.assessor, [laptops.record_id])
    [head] = entry.heads
    assert head.hash == chosen.revision_hash
    assert head.body[SUPERSEDES] == their_head
    assert head.body["answers"]["notes"] == "Second visit, on the first laptop."
    # The second laptop's own version is still in its history, and at the gateway.
    mine = history.list_revisions(laptops.second.conn, "assessment", laptops.record_id)[-2]
    assert mine.body["answers"]["notes"] == "Second visit, on the second laptop."
    assert gateway.store.held([mine.hash, their_head]) == {mine.hash, their_head}
    assert other_versions.open_record_ids(laptops.second.conn) == []


def test_keeping_mine_is_held_at_the_gateway_as_the_record(
    gateway: Gateway, laptops: Laptops
) -> None:
    _edit(laptops.first, laptops.record_id, "On the first laptop.")
    _edit(laptops.second, laptops.record_id, "On the second laptop.")
    sync_now(laptops.first, transport_for(laptops.first))
    sync_now(laptops.second, transport_for(laptops.second))
    session = session_for(laptops.second)
    kept = sync_problems.keep_mine(session, laptops.record_id)
    sync_now(laptops.second, transport_for(laptops.second))
    [entry] = gateway.store.versions(gateway.assessor, [laptops.record_id])
    assert [h.hash for h in entry.heads] == [kept.revision_hash]
    assert entry.heads[0].body["answers"]["notes"] == "On the second laptop."


def test_a_laptop_of_another_assessor_gets_nothing_of_the_record(
    gateway: Gateway, laptops: Laptops, tmp_path: Path
) -> None:
    other = gateway.store.create_assessor("Sam Otherperson", dt.datetime.now(dt.UTC))
    code = gateway.store.issue_code(other, dt.datetime.now(dt.UTC), dt.timedelta(minutes=5))
    outsider = Vault.create(
        tmp_path / "outsider",
        name="Sam Otherperson",
        role=laptops.first.profile.role,
        authority="Exampleshire County Council",
        passphrase=PASSPHRASE,
        kdf=_fast_kdf(),
    )
    try:
        enrol(outsider, gateway.url, code, first_contact_ca=gateway.ca.pem)
        ask = VersionsRequest((laptops.record_id, "0123456789abcdef"))
        answer = transport_for(outsider).post("/v1/versions", ask.to_json())
    finally:
        outsider.close()
    response = VersionsResponse.from_json(answer, ask.record_ids)
    assert [r.heads for r in response.records] == [(), ()]
    # A record of someone else's caseload and a record that does not exist read the same.
    assert response.records[0].refused == response.records[1].refused
    assert "no record with this id on your caseload" in response.records[0].refused
    assert laptops.record_id not in str(answer["records"][0].get("heads", ""))


def test_versions_and_choose_from_the_command_line(
    gateway: Gateway,
    laptops: Laptops,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from assessor_app.cli import main

    _edit(laptops.first, laptops.record_id, "On the first laptop.")
    _edit(laptops.second, laptops.record_id, "On the second laptop.")
    sync_now(laptops.first, transport_for(laptops.first))
    laptops.second.close()
    monkeypatch.setenv("ASSESSOR_PASSPHRASE", PASSPHRASE)
    where = ["--data-dir", str(tmp_path / "second")]

    assert main([*where, "sync", "now"]) == 0
    assert "1 record has another version" in capsys.readouterr().out
    assert main([*where, "sync", "versions"]) == 0
    out = capsys.readouterr().out
    assert f"{laptops.record_id}\tSample form – every field type for Zoë Quillfeather" in out
    assert "  Notes\n    this laptop:   On the second laptop.\n" in out
    assert "    other version: On the first laptop.\n" in out
    with pytest.raises(SystemExit):
        main([*where, "sync", "choose", laptops.record_id])  # neither --mine nor --theirs
    assert "one of the arguments --mine --theirs is required" in capsys.readouterr().err
    assert main([*where, "sync", "choose", laptops.record_id, "--theirs"]) == 0
    assert "Kept the other version" in capsys.readouterr().out
    assert main([*where, "sync", "choose", laptops.record_id, "--mine"]) != 0
    assert "no other version waiting" in capsys.readouterr().err
    assert main([*where, "sync", "now"]) == 0
    assert main([*where, "sync", "versions"]) == 0
    assert "No record has another version." in capsys.readouterr().out
    [entry] = gateway.store.versions(gateway.assessor, [laptops.record_id])
    assert entry.heads[0].body["answers"]["notes"] == "On the first laptop."


def test_a_malformed_request_for_versions_is_refused_with_the_reason(laptops: Laptops) -> None:
    with pytest.raises(TransportError, match="record_ids"):
        transport_for(laptops.first).post(
            "/v1/versions", {"protocol": "assessor-sync/1", "record_ids": ["not an id!"]}
        )


def _fast_kdf() -> Any:
    from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS

    return FAST_KDF_FOR_TESTS


def _item(record_id: str, notes: str) -> PushItem:
    body = {"person_id": "p1", "answers": {"notes": notes}}
    stamp = "2026-12-03T10:00:00+00:00"
    digest = history.revision_hash("assessment", record_id, 2, stamp, "Robin", body, "0" * 64)
    return PushItem("assessment", record_id, 2, stamp, "Robin", body, "0" * 64, digest)


def test_the_laptop_refuses_a_version_that_was_changed_or_is_of_another_record() -> None:
    good = _item("r1", "As saved.")
    asked = ("r1",)
    answer = VersionsResponse((RecordVersions("r1", (good,)),)).to_json()
    assert VersionsResponse.from_json(answer, asked).records[0].heads == (good,)

    changed = VersionsResponse((RecordVersions("r1", (good,)),)).to_json()
    changed["records"][0]["heads"][0]["body"]["answers"]["notes"] = "Changed on the way."
    with pytest.raises(ProtocolError, match="does not match its hash"):
        VersionsResponse.from_json(changed, asked)

    elsewhere = VersionsResponse((RecordVersions("r1", (_item("r2", "x"),)),)).to_json()
    with pytest.raises(ProtocolError, match="another record"):
        VersionsResponse.from_json(elsewhere, asked)
    with pytest.raises(ProtocolError, match="every record"):
        VersionsResponse.from_json({"protocol": "assessor-sync/1", "records": []}, asked)


def test_the_window_says_a_record_has_another_version_after_the_sync_that_found_it(
    qtbot: Any, laptops: Laptops
) -> None:
    from assessor_app.ui.operations import BackgroundOps
    from assessor_app.ui.sync_status import SyncController, problems_text

    _edit(laptops.first, laptops.record_id, "On the first laptop.")
    _edit(laptops.second, laptops.record_id, "On the second laptop.")
    sync_now(laptops.first, transport_for(laptops.first))
    ops = BackgroundOps()
    controller = SyncController(ops, session_for(laptops.second))
    try:
        with qtbot.waitSignal(controller.finished, timeout=10_000) as done:
            controller.sync_now()
        assert done.args[0].other_versions == 1
        assert controller.problems == "1 record has another version — choose"
        assert other_versions.open_record_ids(laptops.second.conn) == [laptops.record_id]
    finally:
        controller.stop()
        ops.shutdown()
    assert problems_text(2, 1) == (
        "2 records have another version — choose · 1 change held by the council's server"
    )


def test_versions_that_could_not_be_fetched_are_fetched_at_the_next_sync(
    laptops: Laptops,
) -> None:
    _edit(laptops.first, laptops.record_id, "On the first laptop.")
    _edit(laptops.second, laptops.record_id, "On the second laptop.")
    sync_now(laptops.first, transport_for(laptops.first))

    real = transport_for(laptops.second)

    class VersionsDown:
        def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
            if path == "/v1/versions":
                raise TransportError("No connection to the council's server.", temporary=True)
            return real.post(path, body)

    report = sync_now(laptops.second, VersionsDown())
    assert report.sent == 1 and "could not be fetched" in report.problem
    # The pull brought the other version; the record reported is still to be asked about.
    assert other_versions.due_record_ids(laptops.second.conn) == [laptops.record_id]
    # Nothing is left to send, but the record the gateway reported is still asked about.
    again = sync_now(laptops.second, transport_for(laptops.second))
    assert again.finished and (again.sent, again.other_versions) == (0, 1)
    assert other_versions.open_record_ids(laptops.second.conn) == [laptops.record_id]
    assert other_versions.due_record_ids(laptops.second.conn) == []


def _move(vault: Vault, record_id: str, address: str) -> str:
    """The person's address changed on this laptop; their id."""
    session = session_for(vault)
    person = session.people.get(session.records.get(record_id).person_id)
    session.people.update(person.id, replace(person.details, address=address))
    return person.id


def test_a_persons_details_changed_on_both_laptops_are_both_kept_and_the_choice_settles_them(
    gateway: Gateway, laptops: Laptops
) -> None:
    person_id = _move(laptops.first, laptops.record_id, "1 First Laptop Road, Exampleton")
    _move(laptops.second, laptops.record_id, "2 Second Laptop Road, Exampleton")
    assert sync_now(laptops.first, transport_for(laptops.first)).sent == 1
    report = sync_now(laptops.second, transport_for(laptops.second))
    assert report.finished and report.sent == 1 and report.other_versions == 1

    session = session_for(laptops.second)
    [forked] = sync_problems.records_with_other_versions(session)
    assert (forked.entity_type, forked.record_id, forked.form_title) == (
        "person",
        person_id,
        sync_problems.PERSON_DETAILS,
    )
    comparison = sync_problems.compare_versions(session, person_id)
    assert [(d.question, d.mine, d.theirs) for d in comparison.differences] == [
        ("Address", "2 Second Laptop Road, Exampleton", "1 First Laptop Road, Exampleton")
    ]
    their_head = forked.theirs.revision_hash

    chosen = sync_problems.take_theirs(session, person_id)
    assert session.people.get(person_id).details.address == "1 First Laptop Road, Exampleton"
    assert chosen.details.address == "1 First Laptop Road, Exampleton"
    assert history.verify_chains(laptops.second.conn).ok  # the choice's note is not a detail
    again = sync_now(laptops.second, transport_for(laptops.second))
    # The choice, then the details plainly: the newest revision is details alone, which an
    # app from before people forked can read.
    assert again.finished and (again.sent, again.other_versions) == (2, 0)
    [entry] = gateway.store.versions(gateway.assessor, [person_id], "person")
    [head] = entry.heads
    assert SUPERSEDES not in head.body
    assert head.body["address"] == "1 First Laptop Road, Exampleton"
    choice = history.list_revisions(laptops.second.conn, "person", person_id)[-2]
    assert choice.body[SUPERSEDES] == their_head and head.prev_hash == choice.hash
    assert other_versions.open_chains(laptops.second.conn) == []
    # This laptop's own version stays in the person's history.
    mine = history.list_revisions(laptops.second.conn, "person", person_id)[-3]
    assert mine.body["address"] == "2 Second Laptop Road, Exampleton"


def test_keeping_my_details_is_what_the_gateway_then_holds(
    gateway: Gateway, laptops: Laptops
) -> None:
    person_id = _move(laptops.first, laptops.record_id, "1 First Laptop Road, Exampleton")
    _move(laptops.second, laptops.record_id, "2 Second Laptop Road, Exampleton")
    sync_now(laptops.first, transport_for(laptops.first))
    sync_now(laptops.second, transport_for(laptops.second))
    session = session_for(laptops.second)
    sync_problems.keep_mine(session, person_id)
    assert session.people.get(person_id).details.address == "2 Second Laptop Road, Exampleton"
    sync_now(laptops.second, transport_for(laptops.second))
    [entry] = gateway.store.versions(gateway.assessor, [person_id], "person")
    assert [h.body["address"] for h in entry.heads] == ["2 Second Laptop Road, Exampleton"]


def test_a_gateway_that_does_not_answer_for_people_leaves_them_to_ask_again() -> None:
    request = VersionsRequest((), person_ids=("p1",))
    assert request.to_json()["person_ids"] == ["p1"]
    assert VersionsRequest.from_json(request.to_json()) == request
    # An answer for the records alone (a gateway before people could fork): nothing refused.
    older = {"protocol": "assessor-sync/2", "records": []}
    assert VersionsResponse.from_json(older, (), ("p1",)).people is None
    # One that answers for people is checked as records' answers are.
    stamp = "2026-12-04T10:00:00+00:00"
    body = {"given_name": "Zoë", "family_name": "Quillfeather", "address": "Elsewhere"}
    digest = history.revision_hash("person", "p2", 2, stamp, "Robin", body, "0" * 64)
    someone_else = PushItem("person", "p2", 2, stamp, "Robin", body, "0" * 64, digest)
    answer = VersionsResponse(
        (), people=(RecordVersions("p1", (someone_else,), entity_type="person"),)
    ).to_json()
    with pytest.raises(ProtocolError, match="another person"):
        VersionsResponse.from_json(answer, (), ("p1",))
