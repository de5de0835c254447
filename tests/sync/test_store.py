"""The gateway keeps each revision once, checks its chain, and keeps forks; on both databases."""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
from typing import Any

import pytest

from assessor_app.core.services.records import start_record
from assessor_app.core.storage import history
from assessor_app.core.storage.history import GENESIS_HASH, revision_hash
from assessor_app.core.storage.vault import Vault
from sync.gateway.store import MIGRATIONS_DIR, Store, StoreError
from sync.protocol import AckStatus, PushItem
from tests.support import community_person, session_for

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)


ASSESSOR = "a1"
"""The assessor every laptop in these tests belongs to (made by `_store`)."""


def _chain(vault: Vault, revisions: int = 3) -> list[PushItem]:
    """A real record's revisions from a real vault, as the laptop sends them (the person is
    on the assessor's caseload already: `_push` allocates them)."""
    return _with_person(vault, revisions)[1:]


def _with_person(vault: Vault, revisions: int = 3) -> list[PushItem]:
    session = session_for(vault, today=dt.date(2026, 12, 3))
    person = session.people.add(community_person())
    record = start_record(session, session.forms.latest("sample"), person.id)
    for i in range(revisions - 1):
        session.records.save_field(record.id, "notes", f"Visit {i + 2}.")
        session.records.checkpoint(record.id)
    people = history.list_revisions(vault.conn, "person", person.id)
    return [PushItem.from_revision(r) for r in (*people, *session.records.history(record.id))]


def _store(url: str) -> Store:
    store = Store(url)
    store.migrate()
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO assessor (id, name, created_at) VALUES (?, ?, ?)",
            (ASSESSOR, "Robin Testcase", NOW.isoformat()),
        )
    return store


def _push(store: Store, device: str, items: list[PushItem]) -> list[Any]:
    for item in items:
        if item.entity_type == "assessment":
            store.allocate(str(item.body["person_id"]), ASSESSOR, NOW)
    return store.push(device, items, NOW, assessor=ASSESSOR)


def _statuses(acks: list[Any]) -> list[AckStatus]:
    return [a.status for a in acks]


def _rehash(item: PushItem, **changes: Any) -> PushItem:
    """The item with fields changed and its hash made afresh (a genuine other revision)."""
    changed = dataclasses.replace(item, **changes)
    digest = revision_hash(
        changed.entity_type,
        changed.entity_id,
        changed.seq,
        changed.created_at,
        changed.author,
        dict(changed.body),
        changed.prev_hash,
    )
    return dataclasses.replace(changed, hash=digest)


RELEASED = sorted(int(p.name[:4]) for p in MIGRATIONS_DIR.glob("*.sql"))
"""Every schema number (branches merged at different times may leave a number unused)."""
NEWEST = RELEASED[-1]


def test_migrations_run_from_empty_once_and_refuse_a_newer_database(store_url: str) -> None:
    store = Store(store_url)
    assert store.schema_version() == 0
    assert store.migrate() == NEWEST >= 2
    assert store.migrate() == NEWEST  # a second start changes nothing
    with store.transaction() as tx:
        tx.execute("INSERT INTO gateway_schema (version) VALUES (?)", (99,))
    with pytest.raises(StoreError, match="newer than this gateway"):
        store.migrate()


# Every schema before the newest: the numbers that exist (a branch may leave a gap for
# another's migrations until a merge).
@pytest.mark.parametrize("released", RELEASED[:-1])
def test_a_database_at_every_released_schema_upgrades_keeping_what_it_holds(
    store_url: str, vault: Vault, released: int
) -> None:
    store, items = Store(store_url), _with_person(vault, 2)
    assert store.migrate(upto=released) == released
    with store.transaction() as tx:  # what a gateway at that schema had stored
        for i in items:
            tx.execute(
                "INSERT INTO revision (hash, entity_type, entity_id, seq, prev_hash, "
                "created_at, author, body, device, received_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    i.hash,
                    i.entity_type,
                    i.entity_id,
                    i.seq,
                    i.prev_hash,
                    i.created_at,
                    i.author,
                    i.canonical_body(),
                    "laptop-1",
                    NOW.isoformat(),
                ),
            )
    assert store.migrate() == NEWEST
    assert store.count() == len(items) == 3
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO assessor (id, name, created_at) VALUES (?, ?, ?)",
            (ASSESSOR, "Robin Testcase", NOW.isoformat()),
        )
    assert _statuses(_push(store, "laptop-1", items)) == [AckStatus.DUPLICATE] * 3


def test_a_resent_batch_is_acknowledged_again_and_stores_nothing_twice(
    store_url: str, vault: Vault
) -> None:
    store, items = _store(store_url), _chain(vault)
    assert _statuses(_push(store, "laptop-1", items)) == [AckStatus.STORED] * 3
    assert _statuses(_push(store, "laptop-1", items)) == [AckStatus.DUPLICATE] * 3
    assert store.count() == 3
    assert store.held([i.hash for i in items]) == {i.hash for i in items}


def test_a_changed_revision_is_refused_for_good(store_url: str, vault: Vault) -> None:
    store, items = _store(store_url), _chain(vault, 1)
    forged = dataclasses.replace(items[0], body={**items[0].body, "status": "completed"})
    (ack,) = _push(store, "laptop-1", [forged])
    assert ack.status is AckStatus.REFUSED and "changed after it was saved" in ack.reason
    assert store.count() == 0


def test_a_revision_whose_predecessor_is_missing_waits_and_then_goes(
    store_url: str, vault: Vault
) -> None:
    store, (one, two, three) = _store(store_url), _chain(vault)
    acks = _push(store, "laptop-1", [two, three])
    assert _statuses(acks) == [AckStatus.RETRY_LATER] * 2
    assert "earlier revision" in acks[0].reason
    # In order, in one batch, the chain is taken whole.
    assert _statuses(_push(store, "laptop-1", [one, two, three])) == [AckStatus.STORED] * 3


def test_two_devices_carrying_a_record_on_from_one_point_are_both_kept(
    store_url: str, vault: Vault
) -> None:
    store, (one, two, _three) = _store(store_url), _chain(vault)
    _push(store, "laptop-1", [one, two])
    other = _rehash(two, author="Robin Testcase (old laptop)", body={**two.body, "notes": "x"})
    (ack,) = _push(store, "laptop-2", [other])
    assert ack.status is AckStatus.STORED and ack.other_versions == 1
    assert store.count() == 3


def test_a_first_revision_may_not_take_another_records_id(store_url: str, vault: Vault) -> None:
    store, (one,) = _store(store_url), _chain(vault, 1)
    _push(store, "laptop-1", [one])
    stranger = _rehash(one, author="Somebody Else", prev_hash=GENESIS_HASH)
    (ack,) = _push(store, "laptop-2", [stranger])
    assert ack.status is AckStatus.REFUSED and "already has this id" in ack.reason


def _push_in_another_process(url: str, items: list[dict[str, Any]], start: Any) -> list[str]:
    store = Store(url)
    store.migrate()
    parsed = [PushItem.from_json(i, f"items[{n}]") for n, i in enumerate(items)]
    start.wait()  # every process pushes at the same moment
    return [a.status.value for a in _push(store, "laptop-1", parsed)]


def test_a_laptop_sends_only_for_its_own_caseload(store_url: str, vault: Vault) -> None:
    store = _store(store_url)
    other = store.create_assessor("Sam Otherworker", NOW)
    mine = _with_person(vault, 2)  # a person made on this laptop, and their record
    person = mine[0].entity_id
    # The record cannot go before its person: the gateway does not know whose they are yet.
    assert (
        _statuses(store.push("laptop-1", mine[1:], NOW, assessor=ASSESSOR))
        == [AckStatus.RETRY_LATER] * 2
    )
    # The person first sent by this assessor joins their caseload; then the record goes.
    assert _statuses(store.push("laptop-1", mine, NOW, assessor=ASSESSOR)) == [AckStatus.STORED] * 3
    # Another assessor's laptop may not send for them, nor may this one once IT moves them.
    more = _with_person(vault, 1)
    store.allocate(more[0].entity_id, other, NOW)
    refused = store.push("laptop-1", more, NOW, assessor=ASSESSOR)
    assert _statuses(refused) == [AckStatus.REFUSED] * 2
    assert "another assessor's caseload" in refused[0].reason
    store.allocate(person, other, NOW)
    later = _with_person(vault, 1)  # unrelated; then a new revision of the moved person's record
    assert (
        _statuses(store.push("laptop-1", later, NOW, assessor=ASSESSOR)) == [AckStatus.STORED] * 2
    )


def test_gateway_processes_taking_the_same_batch_at_once_store_it_once(
    store_url: str, vault: Vault
) -> None:
    items = [item for _ in range(8) for item in _chain(vault, 3)]
    batch = [i.to_json() for i in items]
    _store(store_url)
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(4) as pool:
        start = manager.Barrier(4)
        results = pool.starmap(_push_in_another_process, [(store_url, batch, start)] * 4)
    for statuses in results:
        assert set(statuses) <= {"stored", "duplicate"}, statuses  # all acknowledged to all
    stored = sum(s == "stored" for statuses in results for s in statuses)
    assert stored == len(items) == Store(store_url).count() == 24


def test_a_record_cannot_be_moved_to_another_person(store_url: str, vault: Vault) -> None:
    store = _store(store_url)
    mine = _with_person(vault, 2)
    assert _statuses(store.push("laptop-1", mine, NOW, assessor=ASSESSOR)) == [AckStatus.STORED] * 3
    theirs = _with_person(vault, 1)
    store.push("laptop-1", theirs[:1], NOW, assessor=ASSESSOR)
    # The next revision of my record, saying it is about someone else now.
    moved = _rehash(
        dataclasses.replace(mine[2], seq=3, prev_hash=mine[2].hash),
        body={**mine[2].body, "person_id": theirs[0].entity_id},
    )
    (ack,) = store.push("laptop-1", [moved], NOW, assessor=ASSESSOR)
    assert ack.status is AckStatus.REFUSED and "another person" in ack.reason


def test_a_person_whose_revision_is_refused_does_not_join_the_caseload(
    store_url: str, vault: Vault
) -> None:
    store = _store(store_url)
    other = store.create_assessor("Sam Otherworker", NOW)
    person, *_ = _with_person(vault, 1)
    changed = dataclasses.replace(person, body={**person.body, "family_name": "Altered"})
    (ack,) = store.push("laptop-1", [changed], NOW, assessor=ASSESSOR)
    assert ack.status is AckStatus.REFUSED and "does not match its hash" in ack.reason
    # The person is nobody's yet: the assessor whose laptop made them may still send them.
    (theirs,) = store.push("laptop-2", [person], NOW, assessor=other)
    assert theirs.status is AckStatus.STORED


def test_many_new_people_in_one_push_all_join_the_assessors_caseload(
    store_url: str, vault: Vault
) -> None:
    store = _store(store_url)
    pushed = [item for _ in range(12) for item in _with_person(vault, 2)]
    assert set(_statuses(store.push("laptop-1", pushed, NOW, assessor=ASSESSOR))) == {
        AckStatus.STORED
    }
    # Each is now this assessor's caseload: their records went in the same push.
    people = {i.entity_id for i in pushed if i.entity_type == "person"}
    with store.transaction() as tx:
        rows = tx.execute("SELECT person_id, assessor_id FROM allocation").fetchall()
    assert {(str(r[0]), str(r[1])) for r in rows} == {(p, ASSESSOR) for p in people}
    assert len(people) == 12
