"""Caseloads flow down (issue 15): people allocated at the gateway reach the assessor's laptop.

Real parts: SQLCipher vaults, each enrolled with its own device certificate, and the gateway
on loopback over mutual TLS with SQLite or PostgreSQL behind it. The people are seeded the
way a council's are: made on another assessor's laptop and sent, then allocated by IT.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.records import Role
from assessor_app.core.services.records import start_record
from assessor_app.core.storage import history, other_versions, outbox
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client import pull
from assessor_app.core.sync_client.client import enrol, sync_now, transport_for
from assessor_app.core.sync_client.transport import Transport, TransportError
from sync.gateway.store import Store
from sync.protocol import PullRequest, PullResponse, PushItem
from tests.support import community_person, session_for
from tests.sync.conftest import Gateway

FAMILIES = ("Quillfeather", "Brindlewood", "Ashcombe")


def _laptop(folder: Path, name: str = "Robin Testcase") -> Vault:
    return Vault.create(
        folder,
        name=name,
        role=Role.SOCIAL_WORKER,
        authority="Exampleshire County Council",
        passphrase="amber lantern orchard",
        kdf=FAST_KDF_FOR_TESTS,
    )


def _sync(vault: Vault) -> Any:
    transport = transport_for(vault, timeout=10.0)
    try:
        return sync_now(vault, transport)
    finally:
        transport.close()


def _names(vault: Vault) -> list[str]:
    return sorted(p.details.family_name for p in PeopleRepository(vault).search(""))


def _edit(vault: Vault, record_id: str, notes: str) -> None:
    records = session_for(vault).records
    records.save_field(record_id, "notes", notes)
    records.checkpoint(record_id)


@dataclass
class Council:
    gateway: Gateway
    seeded: dict[str, str]
    """Family name -> record id, for the three people allocated to the assessor."""
    people: dict[str, str]
    """Family name -> person id."""
    laptops: list[Vault]

    def laptop(self, folder: Path, assessor: str | None = None) -> Vault:
        """A new, empty laptop enrolled for `assessor` (by default the gateway's one)."""
        vault = _laptop(folder)
        self.laptops.append(vault)
        gw = self.gateway
        code = gw.store.issue_code(
            assessor or gw.assessor, dt.datetime.now(dt.UTC), dt.timedelta(minutes=15)
        )
        enrol(vault, gw.url, code, first_contact_ca=gw.ca.pem)
        return vault


@pytest.fixture
def council(gateway: Gateway, tmp_path: Path) -> Iterator[Council]:
    """Three people with a record each, made and sent from an intake worker's laptop, then
    allocated to the gateway's assessor (A)."""
    now = dt.datetime.now(dt.UTC)
    intake = gateway.store.create_assessor("Sam Intake", now)
    council = Council(gateway, {}, {}, [])
    seeder = council.laptop(tmp_path / "intake", intake)
    session = session_for(seeder, today=dt.date(2026, 12, 3))
    for family in FAMILIES:
        person = session.people.add(community_person(family_name=family))
        record = start_record(session, session.forms.latest("sample"), person.id)
        session.records.save_field(record.id, "notes", f"Referral for {family}.")
        session.records.checkpoint(record.id)
        council.seeded[family], council.people[family] = record.id, person.id
    assert _sync(seeder).finished
    for person_id in council.people.values():
        gateway.store.allocate(person_id, gateway.assessor, now)
    try:
        yield council
    finally:
        for vault in council.laptops:
            if vault.is_open:
                vault.close()


def test_an_empty_laptop_pulls_its_caseload_and_an_unchanged_one_pulls_a_few_bytes(
    council: Council, tmp_path: Path
) -> None:
    laptop = council.laptop(tmp_path / "a")
    report = _sync(laptop)
    assert report.finished, report.problem
    # Every revision the gateway holds of them: each person's, and their record's whole chain.
    assert (report.people_received, report.received) == (3, council.gateway.store.count())
    assert _names(laptop) == sorted(FAMILIES)
    record = session_for(laptop).records.get(council.seeded["Ashcombe"])
    assert record.answers["notes"] == "Referral for Ashcombe."
    # Kept as the history requires, and nothing of it is sent back.
    assert history.verify_chains(laptop.conn).ok
    assert outbox.summary(laptop.conn).waiting == 0
    assert report.sent == 0

    # Nothing changed since: the answer is a few bytes and quick.
    transport = transport_for(laptop)
    try:
        asked = pull.pull_request(laptop)
        assert asked.cursor > 0
        started = time.perf_counter()
        answer = transport.post(pull.PULL_PATH, asked.to_json())
        took = time.perf_counter() - started
    finally:
        transport.close()
    assert len(json.dumps(answer)) < 200
    assert PullResponse.from_json(answer, asked).people == ()
    assert took < 0.5
    again = _sync(laptop)
    assert again.finished and again.received == 0


def test_a_change_on_the_assessors_other_laptop_arrives(council: Council, tmp_path: Path) -> None:
    first, second = council.laptop(tmp_path / "a1"), council.laptop(tmp_path / "a2")
    assert _sync(first).finished and _sync(second).finished
    record_id = council.seeded["Brindlewood"]
    _edit(first, record_id, "Visited at home; needs a stair lift.")
    assert _sync(first).sent == 1
    report = _sync(second)
    assert report.finished and report.received == 1
    assert session_for(second).records.get(record_id).answers["notes"] == (
        "Visited at home; needs a stair lift."
    )
    assert history.verify_chains(second.conn).ok
    # The first laptop is not sent its own change back.
    assert _sync(first).received == 0


def test_a_change_that_meets_unsent_work_becomes_another_version(
    council: Council, tmp_path: Path
) -> None:
    first, second = council.laptop(tmp_path / "a1"), council.laptop(tmp_path / "a2")
    assert _sync(first).finished and _sync(second).finished
    record_id = council.seeded["Quillfeather"]
    _edit(first, record_id, "From the first laptop.")
    _edit(second, record_id, "From the second laptop, not yet sent.")
    assert _sync(first).sent == 1
    # Pulled before the second laptop's own change has gone: it is kept apart, for a choice.
    transport = transport_for(second)
    try:
        pulled = pull.pull_all(second, transport)
    finally:
        transport.close()
    assert (pulled.received, pulled.other_versions) == (0, 1)
    assert session_for(second).records.get(record_id).answers["notes"] == (
        "From the second laptop, not yet sent."
    )
    [theirs] = other_versions.open_versions(second.conn, record_id)
    assert theirs.body["answers"]["notes"] == "From the first laptop."
    assert outbox.summary(second.conn).waiting == 1  # its own work is still to send


def test_reallocation_moves_a_person_only_once_the_old_holders_work_is_at_the_gateway(
    council: Council, tmp_path: Path
) -> None:
    gw = council.gateway
    laptop_a = council.laptop(tmp_path / "a")
    assert _sync(laptop_a).finished
    record_id, person_id = council.seeded["Ashcombe"], council.people["Ashcombe"]
    _edit(laptop_a, record_id, "Last visit before the move.")  # unsent
    other = gw.store.create_assessor("Sam Exampleton", dt.datetime.now(dt.UTC))
    gw.store.allocate(person_id, other, dt.datetime.now(dt.UTC))

    # The pull alone (the push has not gone): the person stays, shown as moving.
    transport = transport_for(laptop_a)
    try:
        pulled = pull.pull_all(laptop_a, transport)
    finally:
        transport.close()
    assert (pulled.leaving, pulled.released) == (1, 0)
    assert pull.leaving(laptop_a.conn) == {person_id}
    assert "Ashcombe" in _names(laptop_a)

    # A whole sync: the work made while they were on A's caseload is taken, then they go.
    report = _sync(laptop_a)
    assert report.finished, report.problem
    assert (report.sent, report.released, report.moving) == (1, 1, 0)
    assert _names(laptop_a) == ["Brindlewood", "Quillfeather"]
    assert laptop_a.conn.execute(
        "SELECT COUNT(*) FROM revision WHERE entity_id IN (?, ?)", (person_id, record_id)
    ).fetchone() == (0,)
    assert history.verify_chains(laptop_a.conn).ok

    # The new holder's laptop has them, with A's last visit.
    laptop_b = council.laptop(tmp_path / "b", other)
    assert _sync(laptop_b).people_received == 1
    assert _names(laptop_b) == ["Ashcombe"]
    notes = session_for(laptop_b).records.get(record_id).answers["notes"]
    assert notes == "Last visit before the move."


def test_work_made_after_the_move_keeps_the_person_on_the_old_laptop(
    council: Council, tmp_path: Path
) -> None:
    gw = council.gateway
    laptop_a = council.laptop(tmp_path / "a")
    assert _sync(laptop_a).finished
    record_id, person_id = council.seeded["Ashcombe"], council.people["Ashcombe"]
    other = gw.store.create_assessor("Sam Exampleton", dt.datetime.now(dt.UTC))
    gw.store.allocate(person_id, other, dt.datetime.now(dt.UTC))
    time.sleep(0.01)
    _edit(laptop_a, record_id, "Written after the move.")  # the gateway will refuse it
    report = _sync(laptop_a)
    assert report.held == 1 and report.moving == 1 and report.released == 0
    assert "Ashcombe" in _names(laptop_a)  # nothing saved is lost


class _CutAfter:
    """A real transport that loses the network after `pages` pull answers."""

    def __init__(self, inner: Transport, pages: int) -> None:
        self.inner, self.pages = inner, pages

    def post(self, path: str, body: dict[str, object]) -> dict[str, Any]:
        if path == pull.PULL_PATH:
            if self.pages == 0:
                raise TransportError("Can't reach the council's server.", temporary=True)
            self.pages -= 1
        return self.inner.post(path, body)

    def put_bytes(self, path: str, data: bytes) -> dict[str, Any]:
        return self.inner.put_bytes(path, data)


def test_a_pull_cut_half_way_goes_on_from_the_last_page_kept(
    council: Council, tmp_path: Path
) -> None:
    laptop = council.laptop(tmp_path / "a")
    transport = transport_for(laptop)
    try:
        cut = _CutAfter(transport, pages=1)
        with pytest.raises(TransportError):
            pull.pull_all(laptop, cut, limit=1)  # type: ignore[arg-type]
        kept = pull.stored_cursor(laptop.conn)
        assert kept > 0 and len(_names(laptop)) == 1
        asked: list[int] = []
        original = transport.post

        def noting(path: str, body: dict[str, object]) -> dict[str, Any]:
            if path == pull.PULL_PATH:
                asked.append(int(body["cursor"]))  # type: ignore[call-overload]
            return original(path, body)

        transport.post = noting  # type: ignore[method-assign]
        resumed = pull.pull_all(laptop, transport, limit=1)
    finally:
        transport.close()
    assert asked[0] == kept  # from the page kept, not from the beginning
    assert resumed.people == 2 and _names(laptop) == sorted(FAMILIES)
    assert history.verify_chains(laptop.conn).ok


def _read_after(store: Store, assessor: str, cursor: int) -> list[int]:
    """The change numbers a pull reads after `cursor`: its own query, in one transaction."""
    with store.transaction() as tx:
        rows = tx.execute(
            "SELECT seq FROM caseload_change WHERE assessor_id = ? AND seq > ? "
            "ORDER BY seq LIMIT 5",
            (assessor, cursor),
        ).fetchall()
    return [int(r[0]) for r in rows]


def test_a_change_committed_late_is_never_overtaken_by_a_later_one(store_url: str) -> None:
    """Two gateway processes: one numbers a change and is slow to commit; the other writes
    meanwhile. The second change cannot become visible first, so a laptop that pulls in
    between never moves its cursor past the first."""
    now = dt.datetime.now(dt.UTC)
    slow, quick, reader = Store(store_url), Store(store_url), Store(store_url)
    slow.migrate()
    assessor = slow.create_assessor("Robin Testcase", now)
    numbered, release = threading.Event(), threading.Event()

    def slow_allocation() -> None:
        with slow.transaction() as tx:
            tx.execute(
                "INSERT INTO allocation (person_id, assessor_id, allocated_at) VALUES (?, ?, ?)",
                ("first", assessor, now.isoformat()),
            )
            slow._log_changes(tx, [(assessor, "first", "added", "", "", "")], now)
            numbered.set()
            release.wait(10)

    writer = threading.Thread(target=slow_allocation)
    writer.start()
    assert numbered.wait(10)
    other = threading.Thread(target=quick.allocate, args=("second", assessor, now))
    other.start()
    time.sleep(0.3)
    assert other.is_alive()  # the second waits for the first to commit
    if reader.postgres:  # (on SQLite every transaction waits for the one writer)
        for _ in range(3):
            assert _read_after(reader, assessor, 0) == []
            assert reader.pull(assessor, "laptop", 0, 10).cursor == 0
            time.sleep(0.1)
    release.set()
    writer.join(10)
    other.join(10)
    assert _read_after(reader, assessor, 0) == [1, 2]
    assert reader.pull(assessor, "laptop", 0, 10).cursor == 2


def test_concurrent_writers_and_a_pulling_laptop_see_every_change(store_url: str) -> None:
    now = dt.datetime.now(dt.UTC)
    stores = [Store(store_url) for _ in range(3)]
    stores[0].migrate()
    assessor = stores[0].create_assessor("Robin Testcase", now)
    done = threading.Event()

    def write(store: Store, prefix: str) -> None:
        for n in range(15):
            store.allocate(f"{prefix}{n}", assessor, now)

    writers = [
        threading.Thread(target=write, args=(s, p)) for s, p in zip(stores[:2], "ab", strict=True)
    ]
    for w in writers:
        w.start()
    numbers: list[int] = []

    def reader_loop() -> None:
        cursor = 0
        while True:
            finished = done.is_set()
            rows = _read_after(stores[2], assessor, cursor)
            numbers.extend(rows)
            cursor = rows[-1] if rows else cursor
            if finished and not rows:
                return

    reading = threading.Thread(target=reader_loop)
    reading.start()
    for w in writers:
        w.join(30)
    done.set()
    reading.join(30)
    assert numbers == list(range(1, 31))  # none skipped, none twice, in order


def test_a_pull_answer_that_was_changed_is_refused_whole() -> None:
    from sync.protocol import ProtocolError

    asked = PullRequest(5)
    with pytest.raises(ProtocolError, match="went back"):
        PullResponse.from_json(
            {
                "protocol": "assessor-sync/2",
                "cursor": 3,
                "more": False,
                "people": [],
                "removed": [],
            },
            asked,
        )
    item = {
        "entity_type": "person",
        "entity_id": "p1",
        "seq": 1,
        "created_at": "2026-12-03T10:00:00+00:00",
        "author": "Robin Testcase",
        "body": {"given_name": "Zoë"},
        "prev_hash": "0" * 64,
        "hash": "1" * 64,
    }
    with pytest.raises(ProtocolError, match="does not match its hash"):
        PullResponse.from_json(
            {
                "protocol": "assessor-sync/2",
                "cursor": 6,
                "more": False,
                "people": [{"person_id": "p1", "revisions": [item]}],
                "removed": [],
            },
            asked,
        )


def _chain(entity_type: str, entity_id: str, bodies: list[dict[str, Any]]) -> list[PushItem]:
    """Revisions as a laptop would have made them, hashed and linked."""
    items, prev = [], history.GENESIS_HASH
    for seq, body in enumerate(bodies, start=1):
        stamp = f"2026-12-0{seq}T10:00:00+00:00"
        digest = history.revision_hash(entity_type, entity_id, seq, stamp, "Sam Intake", body, prev)
        items.append(PushItem(entity_type, entity_id, seq, stamp, "Sam Intake", body, prev, digest))
        prev = digest
    return items


def _record(person: str, form: str, status: str) -> dict[str, Any]:
    return {
        "person_id": person,
        "form_id": form,
        "form_version": 1,
        "status": status,
        "author": "Sam Intake",
        "answers": {},
    }


def test_a_person_comes_with_open_records_and_the_newest_finished_one_of_each_form(
    store_url: str,
) -> None:
    store = Store(store_url)
    store.migrate()
    now = dt.datetime.now(dt.UTC)
    intake, assessor = (store.create_assessor(n, now) for n in ("Sam Intake", "Robin"))
    person = _chain("person", "p1", [{"given_name": "Zoë", "family_name": "Quillfeather"}])
    old = _chain(
        "assessment", "r-old", [_record("p1", "needs", "draft"), _record("p1", "needs", "signed")]
    )
    newer = _chain(
        "assessment",
        "r-new",
        [_record("p1", "needs", "draft"), _record("p1", "needs", "signed")]
        + [_record("p1", "needs", "signed")],
    )
    draft = _chain("assessment", "r-draft", [_record("p1", "carers", "draft")])
    acks = store.push("intake-laptop", person + old + newer + draft, now, assessor=intake)
    assert all(a.status.acknowledged for a in acks)
    store.allocate("p1", assessor, now)
    page = store.pull(assessor, "laptop", 0, 10)
    [given] = page.people
    chains = {(i.entity_type, i.entity_id) for i in given.revisions}
    # The open record, and the newest finished needs assessment (a review builds on it).
    assert chains == {("person", "p1"), ("assessment", "r-new"), ("assessment", "r-draft")}
    assert [i.seq for i in given.revisions if i.entity_id == "r-new"] == [1, 2, 3]
    assert given.revisions[0].entity_type == "person"  # before their records


def test_nothing_of_a_person_moved_away_is_given_and_a_late_cursor_starts_again(
    store_url: str,
) -> None:
    store = Store(store_url)
    store.migrate()
    now = dt.datetime.now(dt.UTC)
    intake, a, b = (store.create_assessor(n, now) for n in ("Sam Intake", "Robin", "Sam"))
    person = _chain("person", "p1", [{"given_name": "Zoë", "family_name": "Quillfeather"}])
    store.push("intake-laptop", person, now, assessor=intake)
    store.allocate("p1", a, now)
    first = store.pull(a, "laptop", 0, 10)
    assert [p.person_id for p in first.people] == ["p1"]
    # A's other laptop carries the person on; then IT moves them before this laptop asks.
    more = _chain(
        "person", "p1", [{"given_name": "Zoë", "family_name": "Quillfeather"}, {"given_name": "Z"}]
    )
    store.push("a-other-laptop", more[1:], now, assessor=a)
    store.allocate("p1", b, now)
    later = store.pull(a, "laptop", first.cursor, 10)
    assert (later.people, later.removed) == ((), ("p1",))
    # B's laptop gets them, with the other laptop's change.
    [for_b] = store.pull(b, "b-laptop", 0, 10).people
    assert [i.seq for i in for_b.revisions] == [1, 2]
    # A cursor past every change (the database restored from an older backup): from the start.
    restarted = store.pull(b, "b-laptop", 10_000, 10)
    assert restarted.reset and [p.person_id for p in restarted.people] == ["p1"]


def test_a_gateway_from_before_pulls_is_no_problem(council: Council, tmp_path: Path) -> None:
    laptop = council.laptop(tmp_path / "a")
    transport = transport_for(laptop)

    class Older:
        def post(self, path: str, body: dict[str, object]) -> dict[str, Any]:
            if path == pull.PULL_PATH:
                raise TransportError("Not found.", status=404, temporary=False)
            return transport.post(path, body)

        def put_bytes(self, path: str, data: bytes) -> dict[str, Any]:
            return transport.put_bytes(path, data)

    try:
        report = sync_now(laptop, Older())  # type: ignore[arg-type]
    finally:
        transport.close()
    assert report.finished and report.received == 0 and _names(laptop) == []


def test_a_person_open_in_the_window_is_not_removed_until_closed(
    council: Council, tmp_path: Path
) -> None:
    gw = council.gateway
    laptop = council.laptop(tmp_path / "a")
    assert _sync(laptop).finished
    person_id = council.people["Ashcombe"]
    other = gw.store.create_assessor("Sam Exampleton", dt.datetime.now(dt.UTC))
    gw.store.allocate(person_id, other, dt.datetime.now(dt.UTC))
    transport = transport_for(laptop)
    try:
        request = pull.pull_request(laptop)
        answer = transport.post(pull.PULL_PATH, request.to_json())
    finally:
        transport.close()
    now = dt.datetime.now(dt.UTC)
    kept = pull.apply_pull(laptop, request, answer, now, in_use=frozenset({person_id}))
    assert (kept.leaving, kept.released) == (1, 0) and "Ashcombe" in _names(laptop)
    with laptop.transaction() as conn:  # closed: the next sync lets them go
        assert pull.release_departed(conn, laptop.profile.id, now) == 1
    assert "Ashcombe" not in _names(laptop)
