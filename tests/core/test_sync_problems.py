"""Choosing between two versions of a record, and held changes, as the use cases do them.

Two real SQLCipher vaults hold the same record: the second is a restored copy of the first
(decision 0004's "restored laptop"), and each carries the record on from the same point. The
other version reaches the second as the gateway would send it (`apply_versions`); the
gateway itself is in tests/sync/test_forks.py.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from assessor_app.core.errors import ValidationError
from assessor_app.core.records import AssessmentId, RecordStatus
from assessor_app.core.services import sync_problems
from assessor_app.core.services.records import start_record
from assessor_app.core.services.session import Session
from assessor_app.core.storage import history, other_versions, outbox
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import apply_versions
from sync.protocol import PushItem, RecordVersions, VersionsRequest, VersionsResponse
from tests.conftest import PASSPHRASE
from tests.support import community_person, session_for

NOW = dt.datetime(2026, 12, 3, 10, tzinfo=dt.UTC)


@dataclass
class Pair:
    mine: Session
    theirs: Session
    record_id: str


@pytest.fixture
def pair(vault: Vault, data_dir: Path, tmp_path: Path) -> Iterator[Pair]:
    """This laptop and a restored copy of it, both with the same record, each edited."""
    session = session_for(vault, today=dt.date(2026, 12, 3))
    person = session.people.add(community_person())
    record = start_record(session, session.forms.latest("sample"), person.id)
    session.records.save_field(record.id, "notes", "First visit.")
    session.records.save_field(record.id, "hours", 4)
    session.records.checkpoint(record.id)
    profile = vault.profile.id
    vault.close()
    copy = tmp_path / "restored"
    shutil.copytree(data_dir, copy)
    mine = Vault.open(data_dir, profile, PASSPHRASE)
    theirs = Vault.open(copy, profile, PASSPHRASE)
    try:
        a, b = session_for(mine), session_for(theirs)
        a.records.save_field(record.id, "notes", "Second visit, on this laptop.")
        a.records.checkpoint(record.id)
        b.records.save_field(record.id, "notes", "Second visit, on the other laptop.")
        b.records.save_field(record.id, "hours", 6)
        b.records.checkpoint(record.id)
        yield Pair(a, b, record.id)
    finally:
        mine.close()
        theirs.close()


def _head(session: Session, record_id: str) -> PushItem:
    return PushItem.from_revision(
        history.list_revisions(session.vault.conn, "assessment", record_id)[-1]
    )


def _deliver(pair: Pair) -> int:
    """The gateway's answer naming both versions, applied on this laptop."""
    request = VersionsRequest((pair.record_id,))
    heads = (_head(pair.mine, pair.record_id), _head(pair.theirs, pair.record_id))
    answer = VersionsResponse((RecordVersions(pair.record_id, heads),)).to_json()
    return apply_versions(pair.mine.vault, request, answer, NOW)


def test_the_other_version_is_kept_and_compared_question_by_question(pair: Pair) -> None:
    assert sync_problems.records_with_other_versions(pair.mine) == []
    assert _deliver(pair) == 1
    [forked] = sync_problems.records_with_other_versions(pair.mine)
    assert forked.record_id == pair.record_id
    assert forked.person_name == "Zoë Quillfeather"
    assert forked.theirs.author == "Robin Testcase"
    comparison = sync_problems.compare_versions(pair.mine, pair.record_id)
    rows = {d.question: (d.mine, d.theirs) for d in comparison.differences}
    assert rows == {
        "Hours of help needed each week": ("4", "6"),
        "Notes": ("Second visit, on this laptop.", "Second visit, on the other laptop."),
    }
    # Fetched twice, it is kept once.
    assert _deliver(pair) == 1
    assert len(other_versions.open_versions(pair.mine.vault.conn)) == 1


def test_taking_theirs_writes_a_queued_revision_and_keeps_mine_in_history(pair: Pair) -> None:
    _deliver(pair)
    their_head = _head(pair.theirs, pair.record_id)
    my_head = _head(pair.mine, pair.record_id)
    chosen = sync_problems.take_theirs(pair.mine, pair.record_id)
    assert chosen.answers["notes"] == "Second visit, on the other laptop."
    assert chosen.answers["hours"] == 6
    revisions = history.list_revisions(pair.mine.vault.conn, "assessment", pair.record_id)
    assert revisions[-1].body[history.SUPERSEDES] == their_head.hash
    assert revisions[-1].prev_hash == my_head.hash
    assert revisions[-2].body["answers"]["notes"] == "Second visit, on this laptop."
    queued = {i.revision_hash: i.state for i in outbox.items(pair.mine.vault.conn)}
    assert queued[revisions[-1].hash] is outbox.OutboxState.QUEUED
    assert sync_problems.records_with_other_versions(pair.mine) == []
    assert history.verify_chains(pair.mine.vault.conn).ok
    # A second choice has nothing to choose between.
    with pytest.raises(ValidationError, match="no other version"):
        sync_problems.keep_mine(pair.mine, pair.record_id)
    # Fetching the same version again after the choice does not offer it again.
    assert _deliver(pair) == 0


def test_keeping_mine_names_theirs_as_superseded(pair: Pair) -> None:
    _deliver(pair)
    kept = sync_problems.keep_mine(pair.mine, pair.record_id)
    assert kept.answers["notes"] == "Second visit, on this laptop."
    [last] = history.list_revisions(pair.mine.vault.conn, "assessment", pair.record_id)[-1:]
    assert last.body[history.SUPERSEDES] == _head(pair.theirs, pair.record_id).hash
    assert pair.mine.records.get(pair.record_id).answers["hours"] == 4
    assert history.verify_chains(pair.mine.vault.conn).ok


def test_unsaved_typing_is_kept_in_history_before_the_other_version_is_taken(
    pair: Pair,
) -> None:
    _deliver(pair)
    pair.mine.records.save_field(pair.record_id, "preferred_name", "Zo")  # not checkpointed
    sync_problems.take_theirs(pair.mine, pair.record_id)
    bodies = [
        r.body["answers"]
        for r in history.list_revisions(pair.mine.vault.conn, "assessment", pair.record_id)
    ]
    assert bodies[-2].get("preferred_name") == "Zo"
    assert "preferred_name" not in bodies[-1]


def test_a_completed_record_may_be_settled_and_its_status_follows_the_choice(
    pair: Pair,
) -> None:
    pair.mine.records.set_status(pair.record_id, RecordStatus.COMPLETED)
    _deliver(pair)
    comparison = sync_problems.compare_versions(pair.mine, pair.record_id)
    assert any("completed" in n and "draft" in n for n in comparison.notes)
    assert comparison.record.mine.status is RecordStatus.COMPLETED
    taken = sync_problems.take_theirs(pair.mine, pair.record_id)
    # Their version is a draft: it is taken as it is, so the record can be completed again.
    assert taken.status is RecordStatus.DRAFT
    assert history.verify_chains(pair.mine.vault.conn).ok


def test_a_version_about_another_person_is_not_kept(pair: Pair) -> None:
    request = VersionsRequest((pair.record_id,))
    head = _head(pair.theirs, pair.record_id)
    body = dict(head.body) | {"person_id": "0123456789abcdef"}
    forged = PushItem(
        head.entity_type,
        head.entity_id,
        head.seq,
        head.created_at,
        head.author,
        body,
        head.prev_hash,
        history.revision_hash(
            head.entity_type,
            head.entity_id,
            head.seq,
            head.created_at,
            head.author,
            body,
            head.prev_hash,
        ),
    )
    answer = VersionsResponse((RecordVersions(pair.record_id, (forged,)),)).to_json()
    assert apply_versions(pair.mine.vault, request, answer, NOW) == 0


def test_held_changes_name_whose_they_are_and_try_again_queues_them(vault: Vault) -> None:
    session = session_for(vault, today=dt.date(2026, 12, 3))
    person = session.people.add(community_person())
    record = start_record(session, session.forms.latest("sample"), person.id)
    items = {i.entity_type: i for i in outbox.items(vault.conn)}
    with vault.transaction() as conn:
        outbox.mark_refused(conn, items["assessment"].revision_hash, "Not on your caseload.")
    [held] = sync_problems.held_changes(session)
    assert held.what == "Record: Sample form – every field type for Zoë Quillfeather"
    assert held.reason == "Not on your caseload."
    assert held.entity_id == record.id
    assert sync_problems.try_again(session, held.revision_hash)
    assert sync_problems.held_changes(session) == []
    assert not sync_problems.try_again(session, held.revision_hash)
    states = {i.revision_hash: i.state for i in outbox.items(vault.conn)}
    assert states[held.revision_hash] is outbox.OutboxState.QUEUED


def test_a_signed_pdf_stays_with_the_revision_it_was_signed_for(pair: Pair) -> None:
    import io

    from reportlab.pdfgen.canvas import Canvas

    from assessor_app.core.pdf.signing import sign_pdf
    from assessor_app.core.services.signing import profile_signing_identity

    completed = pair.mine.records.set_status(pair.record_id, RecordStatus.COMPLETED)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.drawString(72, 720, "The record as completed on this laptop.")
    canvas.showPage()
    canvas.save()
    identity = profile_signing_identity(pair.mine.vault)
    signed = sign_pdf(buffer.getvalue(), identity, placement=None, reason="Test", location="Here")
    pair.mine.documents.add(
        pair.record_id,
        completed.revision,
        completed.revision_hash,
        "record",
        "standard",
        "record.pdf",
        signed,
        signer=identity.common_name,
    )
    _deliver(pair)
    comparison = sync_problems.compare_versions(pair.mine, pair.record_id)
    assert comparison.record.signed_documents == 1
    assert any("signed PDF" in n and "stays with the revision" in n for n in comparison.notes)

    taken = sync_problems.take_theirs(pair.mine, pair.record_id)
    [kept] = pair.mine.documents.list_for_assessment(pair.record_id)
    assert (kept.revision, kept.revision_hash) == (completed.revision, completed.revision_hash)
    assert taken.revision_hash != kept.revision_hash
    assert pair.mine.documents.data(kept.id) == signed


def test_a_record_exported_after_a_choice_imports_elsewhere(pair: Pair, tmp_path: Path) -> None:
    from assessor_app.core.records import Role
    from assessor_app.core.services.record_files import (
        UnconfirmedExporterKeyError,
        export_record,
        import_record,
    )
    from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS

    _deliver(pair)
    sync_problems.take_theirs(pair.mine, pair.record_id)
    data = export_record(pair.mine, AssessmentId(pair.record_id))
    assert data["assessment"][history.SUPERSEDES] == _head(pair.theirs, pair.record_id).hash
    elsewhere = Vault.create(
        tmp_path / "elsewhere",
        name="Sam Colleague",
        role=Role.SOCIAL_WORKER,
        authority="Exampleshire County Council",
        passphrase=PASSPHRASE,
        kdf=FAST_KDF_FOR_TESTS,
    )
    try:
        session = session_for(elsewhere)
        try:
            import_record(session, data)
        except UnconfirmedExporterKeyError as e:
            imported = import_record(session, data, confirmed_fingerprint=e.fingerprint)
        assert imported.answers["notes"] == "Second visit, on the other laptop."
    finally:
        elsewhere.close()


def _person_versions(pair: Pair, their_address: str, *, body_extra: dict | None = None) -> str:  # type: ignore[type-arg]
    """Both laptops changed the person's address from the same point; the other's version
    delivered to this one as the gateway sends it. The person's id."""
    person_id = pair.mine.records.get(pair.record_id).person_id
    for session, address in ((pair.mine, "1 This Laptop Road"), (pair.theirs, their_address)):
        person = session.people.get(person_id)
        session.people.update(person.id, replace(person.details, address=address))
    head = history.list_revisions(pair.theirs.vault.conn, "person", person_id)[-1]
    if body_extra:
        body = dict(head.body) | body_extra
        digest = history.revision_hash(
            "person", person_id, head.seq, head.created_at.isoformat(), head.author, body,
            head.prev_hash,
        )  # fmt: skip
        item = PushItem(
            "person", person_id, head.seq, head.created_at.isoformat(), head.author, body,
            head.prev_hash, digest,
        )  # fmt: skip
    else:
        item = PushItem.from_revision(head)
    request = VersionsRequest((), person_ids=(person_id,))
    answer = VersionsResponse(
        (), people=(RecordVersions(person_id, (item,), entity_type="person"),)
    ).to_json()
    assert apply_versions(pair.mine.vault, request, answer, NOW) == 1
    return person_id


def test_a_persons_other_details_are_compared_detail_by_detail_and_taken(pair: Pair) -> None:
    person_id = _person_versions(pair, "2 Other Laptop Road")
    comparison = sync_problems.compare_versions(pair.mine, person_id)
    assert [(d.question, d.mine, d.theirs) for d in comparison.differences] == [
        ("Address", "1 This Laptop Road", "2 Other Laptop Road")
    ]
    assert comparison.record.mine.status is None
    sync_problems.take_theirs(pair.mine, person_id)
    assert pair.mine.people.get(person_id).details.address == "2 Other Laptop Road"
    assert sync_problems.records_with_other_versions(pair.mine) == []
    [last] = outbox.items(pair.mine.vault.conn)[-1:]
    assert (last.entity_type, last.entity_id) == ("person", person_id)  # queued for sync


def test_details_this_app_cannot_read_can_only_be_kept_mine(pair: Pair) -> None:
    person_id = _person_versions(pair, "2 Other Laptop Road", body_extra={"pet_name": "Rex"})
    comparison = sync_problems.compare_versions(pair.mine, person_id)
    assert comparison.differences == ()
    assert "cannot be read" in comparison.notes[0]
    with pytest.raises(ValidationError, match="cannot be taken"):
        sync_problems.take_theirs(pair.mine, person_id)
    assert pair.mine.people.get(person_id).details.address == "1 This Laptop Road"
    sync_problems.keep_mine(pair.mine, person_id)
    assert sync_problems.records_with_other_versions(pair.mine) == []
