"""The DSTs this laptop holds by invitation (schema 18; decision 0012).

An invited MDT member (an NHS nurse) receives a DST through the gateway's DST pull: its
record and the person's identity, under the owner's ids. They are kept here only so the
member can contribute: their revisions are never queued for the gateway (`outbox.enqueue`
reads this table), since the owner's laptop holds the record; the member's own contributions
go signed through the DST exchange instead. The cursor of the last DST pull page kept
(schema 23) is here too, with the DSTs to ask for whole again. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt

from assessor_app.core.storage.database import Connection

__all__ = [
    "ask_again",
    "asked_again",
    "hold",
    "held",
    "held_records",
    "keep_pull_cursor",
    "pull_cursor",
    "taken_whole",
]


def hold(
    conn: Connection,
    record_id: str,
    person_id: str,
    *,
    owner_name: str,
    brought_person: bool,
    now: dt.datetime,
) -> None:
    """Note a DST held by invitation, before its record is written. Call in a transaction.

    Args:
        conn: The vault's connection, in the transaction that writes the record.
        record_id: The DST's record id (the owner's).
        person_id: Its person's id (the owner's).
        owner_name: Who holds the DST (the person's caseload), as the gateway names them.
        brought_person: The person came with the DST (not on this laptop's own caseload),
            so their revisions are not queued either.
        now: When.
    """
    conn.execute(
        "INSERT INTO shared_dst (record_id, person_id, owner_name, brought_person, "
        "received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (record_id) DO NOTHING",
        (record_id, person_id, owner_name, int(brought_person), now.isoformat()),
    )


def held(conn: Connection, record_id: str) -> bool:
    """True when this laptop holds the DST by invitation (not as its owner)."""
    row = conn.execute("SELECT 1 FROM shared_dst WHERE record_id = ?", (record_id,))
    return row.fetchone() is not None


def held_records(conn: Connection) -> list[str]:
    """Every DST held here by invitation."""
    return [str(r[0]) for r in conn.execute("SELECT record_id FROM shared_dst ORDER BY 1")]


def pull_cursor(conn: Connection) -> int:
    """The cursor of the last DST pull page kept (0 before the first)."""
    row = conn.execute("SELECT cursor FROM dst_pull_state WHERE one = 1").fetchone()
    return int(row[0]) if row else 0


def keep_pull_cursor(conn: Connection, cursor: int, now: dt.datetime) -> None:
    """Keep a DST pull page's cursor: call in the transaction that keeps the page."""
    conn.execute(
        "INSERT INTO dst_pull_state (one, cursor, pulled_at) VALUES (1, ?, ?) "
        "ON CONFLICT (one) DO UPDATE SET cursor = excluded.cursor, "
        "pulled_at = excluded.pulled_at",
        (cursor, now.isoformat()),
    )


def ask_again(conn: Connection, record_id: str, now: dt.datetime) -> None:
    """Ask for a DST whole at the next DST pull: not all of what came could be taken."""
    conn.execute(
        "INSERT INTO dst_pull_again (record_id, since) VALUES (?, ?) "
        "ON CONFLICT (record_id) DO NOTHING",
        (record_id, now.isoformat()),
    )


def asked_again(conn: Connection, most: int) -> list[str]:
    """The DSTs to ask for whole, longest waiting first (at most `most`)."""
    rows = conn.execute(
        "SELECT record_id FROM dst_pull_again ORDER BY since, record_id LIMIT ?", (most,)
    )
    return [str(r[0]) for r in rows]


def taken_whole(conn: Connection, record_id: str) -> None:
    """A DST came whole and all of it was taken: no need to ask for it again."""
    conn.execute("DELETE FROM dst_pull_again WHERE record_id = ?", (record_id,))
