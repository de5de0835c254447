"""The outbox: every revision queued with it, in its transaction; failures keep everything."""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

import pytest

from assessor_app.core.services.records import start_record
from assessor_app.core.storage import outbox
from assessor_app.core.storage.outbox import OutboxState
from assessor_app.core.storage.vault import Vault
from tests.support import community_person, session_for

TODAY = dt.date(2026, 12, 3)
NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "db"
GOLDEN_PASSPHRASE = "golden fixture passphrase"


def _record_with_revisions(vault: Vault, n: int) -> str:
    session = session_for(vault, today=TODAY)
    person = session.people.add(community_person())
    record = start_record(session, session.forms.latest("sample"), person.id)
    for i in range(n - 1):
        session.records.save_field(record.id, "notes", f"Visit {i + 2}.")
        session.records.checkpoint(record.id)
    return record.id


def _chain(vault: Vault, record_id: str) -> list[outbox.OutboxItem]:
    return [i for i in outbox.items(vault.conn) if i.entity_id == record_id]


def test_every_saved_revision_is_queued_with_its_hash(vault: Vault) -> None:
    rid = _record_with_revisions(vault, 3)
    queued = _chain(vault, rid)
    history = {r.seq: r.hash for r in session_for(vault).records.history(rid)}
    assert [(i.seq, i.revision_hash) for i in queued] == sorted(history.items())
    assert all(i.state is OutboxState.QUEUED for i in queued)
    people = [i for i in outbox.items(vault.conn) if i.entity_type == "person"]
    assert len(people) == 1  # the person's details go too: the record needs them


def test_a_rolled_back_transaction_takes_its_outbox_rows_with_it(vault: Vault) -> None:
    session = session_for(vault, today=TODAY)
    before = outbox.items(vault.conn)
    with pytest.raises(RuntimeError), vault.transaction():
        session.people.add(community_person(family_name="Rolledback"))
        assert len(outbox.items(vault.conn)) == len(before) + 1  # queued inside the transaction
        raise RuntimeError("crash before commit")
    assert outbox.items(vault.conn) == before


def test_a_quarantined_revision_holds_back_only_its_own_record(vault: Vault) -> None:
    held, other = _record_with_revisions(vault, 3), _record_with_revisions(vault, 2)
    one, two, three = _chain(vault, held)
    with vault.transaction() as conn:
        outbox.mark_acknowledged(conn, [one.revision_hash], NOW)
        outbox.mark_refused(conn, two.revision_hash, "The record's person is not on your caseload.")
    due = outbox.due(vault.conn, NOW)
    assert [i.entity_id for i in due if i.entity_type == "assessment"] == [other, other]
    assert [i.seq for i in due if i.entity_id == other] == [1, 2]
    refused = _chain(vault, held)[1]
    assert refused.state is OutboxState.QUARANTINED
    assert refused.reason == "The record's person is not on your caseload."
    # Put right and retried: the held record's chain goes, in order.
    with vault.transaction() as conn:
        assert outbox.retry_quarantined(conn, two.revision_hash)
        assert not outbox.retry_quarantined(conn, two.revision_hash)  # only a held one
    assert [i.seq for i in outbox.due(vault.conn, NOW) if i.entity_id == held] == [2, 3]
    assert three.state is OutboxState.QUEUED


def test_a_failure_that_passes_is_retried_after_a_growing_wait(vault: Vault) -> None:
    rid = _record_with_revisions(vault, 1)
    (first,) = _chain(vault, rid)
    rng = random.Random(7)
    with vault.transaction() as conn:
        outbox.mark_unsent(conn, [first.revision_hash], "No connection to the server.", NOW, rng)
    waiting = _chain(vault, rid)[0]
    assert (waiting.state, waiting.attempts, waiting.reason) == (
        OutboxState.RETRYING,
        1,
        "No connection to the server.",
    )
    assert waiting.revision_hash not in {i.revision_hash for i in outbox.due(vault.conn, NOW)}
    later = NOW + outbox.LONGEST_WAIT
    assert waiting.revision_hash in {i.revision_hash for i in outbox.due(vault.conn, later)}


def test_the_wait_doubles_is_jittered_and_never_exceeds_the_cap() -> None:
    rng = random.Random(1)
    for attempts in range(1, 30):
        ceiling = min(outbox.FIRST_RETRY * 2 ** (attempts - 1), outbox.LONGEST_WAIT)
        waits = {outbox.next_delay(attempts, rng) for _ in range(50)}
        assert all(
            outbox.FIRST_RETRY / 2 <= w <= max(ceiling, outbox.FIRST_RETRY / 2) for w in waits
        )
        assert len(waits) > 1  # jittered, so a team's laptops do not retry in step


def test_an_acknowledgement_is_final_and_repeating_it_changes_nothing(vault: Vault) -> None:
    rid = _record_with_revisions(vault, 1)
    (first,) = _chain(vault, rid)
    with vault.transaction() as conn:
        assert outbox.mark_acknowledged(conn, [first.revision_hash], NOW) == 1
        assert outbox.mark_acknowledged(conn, [first.revision_hash], NOW) == 0
        outbox.mark_refused(conn, first.revision_hash, "late refusal")
        outbox.mark_unsent(conn, [first.revision_hash], "late failure", NOW)
    assert _chain(vault, rid)[0].state is OutboxState.ACKNOWLEDGED
    with pytest.raises(Exception) as refused, vault.transaction() as conn:
        conn.execute("UPDATE outbox SET state = 'queued'")
    assert "stays acknowledged" in str(refused.value.__cause__)
    summary = outbox.summary(vault.conn)
    assert summary.acknowledged == 1 and summary.last_acknowledged_at == NOW.isoformat()
    assert summary.waiting == summary.queued == 1  # the person's revision


def test_work_done_before_sync_existed_is_queued_once_on_upgrade(tmp_path: Path) -> None:
    folder = tmp_path / "golden"
    shutil.copytree(GOLDEN / "schema-0005", folder)
    (profile,) = (folder / "profiles").iterdir()
    vault = Vault.open(folder, profile.name, GOLDEN_PASSPHRASE)
    try:
        revisions = vault.conn.execute(
            "SELECT hash FROM revision WHERE entity_type IN ('person', 'assessment')"
        ).fetchall()
        queued = outbox.items(vault.conn)
        assert sorted(i.revision_hash for i in queued) == sorted(r[0] for r in revisions)
        assert len(queued) == len(revisions) >= 4
        assert all(i.state is OutboxState.QUEUED for i in queued)
    finally:
        vault.close()


def test_choosing_a_batch_reads_the_batch_not_the_whole_queue(vault: Vault) -> None:
    # After a seeded caseload 200,000 revisions wait; reading them all to pick 500 took 3 s a
    # batch on the vault's one worker, with every save queued behind it.
    now = dt.datetime.now(dt.UTC)
    plan = vault.conn.execute(
        "EXPLAIN QUERY PLAN " + outbox._DUE, {"now": now.isoformat(), "limit": 500}
    ).fetchall()
    steps = " | ".join(str(row[-1]) for row in plan)
    assert "USING INDEX outbox_waiting" in steps or "USING COVERING INDEX outbox_waiting" in steps
    assert "TEMP B-TREE" not in steps, steps  # no sort of the whole queue
    last = vault.conn.execute(
        "EXPLAIN QUERY PLAN SELECT MAX(acknowledged_at) FROM outbox"
    ).fetchall()
    assert "outbox_acknowledged_at" in " ".join(str(r[-1]) for r in last)


def test_a_batch_is_oldest_first_and_each_record_in_order_up_to_its_size(vault: Vault) -> None:
    session = session_for(vault, today=dt.date(2026, 12, 3))
    records = []
    for _ in range(3):
        person = session.people.add(community_person())
        record = start_record(session, session.forms.latest("sample"), person.id)
        for i in range(3):
            session.records.save_field(record.id, "notes", f"Visit {i}.")
            session.records.checkpoint(record.id)
        records.append(record.id)
    now = dt.datetime.now(dt.UTC)
    everything = outbox.due(vault.conn, now, limit=500)
    assert len(everything) == len(outbox.items(vault.conn)) == 3 * (1 + 4)
    assert [i.queued_at for i in everything] == sorted(i.queued_at for i in everything)
    few = outbox.due(vault.conn, now, limit=4)
    assert [(i.entity_id, i.seq) for i in few] == [(i.entity_id, i.seq) for i in everything[:4]]
    # A record whose first revision is held sends nothing after it; the others still go.
    (held,) = [i for i in everything if i.entity_id == records[0] and i.seq == 1]
    with vault.transaction() as conn:
        outbox.mark_refused(conn, held.revision_hash, "Refused for the test.")
    after = outbox.due(vault.conn, now, limit=500)
    assert records[0] not in {i.entity_id for i in after}
    assert {records[1], records[2]} <= {i.entity_id for i in after}


def test_a_bulk_write_queues_exactly_what_one_at_a_time_would(vault: Vault) -> None:
    """`enqueue_many` (a caseload's seeding) and `enqueue` (every save) agree, down to a DST held
    by invitation and the person brought with it, which neither queues."""
    from assessor_app.core.records import Revision

    conn = vault.conn
    conn.execute(
        "INSERT INTO shared_dst (record_id, person_id, brought_person, received_at) VALUES "
        "('dst-held', 'person-brought', 1, ?), ('dst-own-person', 'person-own', 0, ?)",
        (NOW.isoformat(), NOW.isoformat()),
    )
    revisions = [
        Revision(kind, entity, 1, NOW, "A", {}, "0" * 64, f"{n:064x}")
        for n, (kind, entity) in enumerate(
            [
                ("assessment", "dst-held"),
                ("person", "person-brought"),
                ("assessment", "dst-own-person"),
                ("person", "person-own"),
                ("assessment", "an-ordinary-record"),
                ("person", "an-ordinary-person"),
            ]
        )
    ]

    def queued() -> set[str]:
        ours = {r.hash for r in revisions}
        rows = conn.execute("SELECT entity_id, revision_hash FROM outbox").fetchall()
        return {entity for entity, digest in rows if digest in ours}

    with vault.transaction():
        outbox.enqueue_many(conn, revisions)
    in_bulk = queued()
    with vault.transaction():
        conn.execute(
            "DELETE FROM outbox WHERE entity_id IN ('person-own', 'an-ordinary-record', "
            "'an-ordinary-person')"
        )
        for revision in revisions:
            outbox.enqueue(conn, revision)
    # A held DST is never queued; its person only when they did not come with it.
    assert queued() == in_bulk == {"person-own", "an-ordinary-record", "an-ordinary-person"}
