"""The one choke point sync hooks into: every revision appended, in the same transaction."""

from __future__ import annotations

import datetime as dt

import pytest

from assessor_app.core.records import Revision
from assessor_app.core.services.records import start_record
from assessor_app.core.storage import history
from assessor_app.core.storage.database import Connection
from assessor_app.core.storage.vault import Vault
from tests.support import community_person, session_for

TODAY = dt.date(2026, 12, 3)


def _outbox(conn: Connection) -> list[tuple[str, int]]:
    return [(r[0], r[1]) for r in conn.execute("SELECT entity_id, seq FROM temp.hook_rows")]


def _enqueue(conn: Connection, revision: Revision) -> None:
    """What sync's outbox does: a row per revision, on the revision's own connection."""
    conn.execute(
        "INSERT INTO temp.hook_rows (entity_id, seq) VALUES (?, ?)",
        (revision.entity_id, revision.seq),
    )


def test_every_revision_a_use_case_appends_reaches_the_hook_in_its_transaction(
    vault: Vault,
) -> None:
    vault.conn.execute("CREATE TEMP TABLE hook_rows (entity_id TEXT, seq INTEGER)")
    session = session_for(vault, today=TODAY)
    person = session.people.add(community_person())
    with history.revision_hook(_enqueue):
        record = start_record(session, session.forms.latest("sample"), person.id)
        session.records.save_field(record.id, "mobility", "B")
        session.records.checkpoint(record.id)
    queued = _outbox(vault.conn)
    kept = [(record.id, r.seq) for r in session.records.history(record.id)]
    assert len(kept) >= 2 and queued == kept  # one row for each revision, in order


def test_a_hook_that_fails_leaves_no_revision_and_no_row(vault: Vault) -> None:
    vault.conn.execute("CREATE TEMP TABLE hook_rows (entity_id TEXT, seq INTEGER)")
    session = session_for(vault, today=TODAY)
    person = session.people.add(community_person())
    record = start_record(session, session.forms.latest("sample"), person.id)
    revisions = len(session.records.history(record.id))

    def enqueue_then_fail(conn: Connection, revision: Revision) -> None:
        _enqueue(conn, revision)
        raise OSError("the outbox could not be written")

    session.records.save_field(record.id, "mobility", "C")
    with history.revision_hook(enqueue_then_fail), pytest.raises(OSError):
        session.records.checkpoint(record.id)
    assert len(session.records.history(record.id)) == revisions
    assert _outbox(vault.conn) == []
    # The keystroke is not lost: it is still waiting to be folded into a revision.
    assert session.records.get(record.id).answers["mobility"] == "C"
    assert session.records.checkpoint(record.id).revision == revisions + 1
