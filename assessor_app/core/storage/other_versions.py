"""Other versions of this laptop's records and people, fetched from the gateway for a choice.

When the gateway reports that it holds another version of a record or of a person's details
(another laptop of the same assessor, or a restored copy of this one, carried it on from the
same point), the sync client fetches that version's newest revision and keeps it here (schema
11; people from schema 21), so the assessor can compare the two and choose later, offline.
Rows are never removed: the choice marks them settled, naming the revision that made it.
A chain is named by its id alone here: record and person ids are never the same. Imports no
Qt.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assessor_app.core.storage.database import Connection
from assessor_app.core.storage.history import canonical_json

__all__ = [
    "OtherVersion",
    "due_ids",
    "due_record_ids",
    "fetched",
    "keep",
    "mark_due",
    "open_chains",
    "open_record_ids",
    "open_versions",
    "settle",
]


@dataclass(frozen=True)
class OtherVersion:
    """The newest revision of another version of one of this laptop's records (or people)."""

    revision_hash: str
    record_id: str
    """The chain's id: the record's, or the person's when `entity_type` is 'person'."""
    seq: int
    created_at: str
    """When the other laptop saved it (ISO 8601, UTC), exactly as it was hashed."""
    author: str
    """Who saved it, as their profile names them."""
    body: dict[str, Any]
    """The record as that version has it: person, form, status and answers."""
    prev_hash: str
    mine_hash: str
    """This laptop's newest revision of the record when the other version was fetched."""
    fetched_at: str
    entity_type: str = "assessment"


_COLUMNS = (
    "revision_hash, record_id, seq, created_at, author, body, prev_hash, mine_hash, "
    "fetched_at, entity_type"
)


def _version(row: Sequence[Any]) -> OtherVersion:
    return OtherVersion(
        str(row[0]),
        str(row[1]),
        int(row[2]),
        str(row[3]),
        str(row[4]),
        json.loads(str(row[5])),
        str(row[6]),
        str(row[7]),
        str(row[8]),
        str(row[9]),
    )


def keep(conn: Connection, version: OtherVersion) -> bool:
    """Keep a fetched version (inside the caller's transaction); False if it was already kept.

    A version already kept, settled or not, is left as it is: fetching it again after a choice
    does not offer it again.
    """
    cur = conn.execute(
        f"INSERT INTO other_version ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (revision_hash) DO NOTHING",
        (
            version.revision_hash,
            version.record_id,
            version.seq,
            version.created_at,
            version.author,
            canonical_json(version.body),
            version.prev_hash,
            version.mine_hash,
            version.fetched_at,
            version.entity_type,
        ),
    )
    return bool(cur.rowcount == 1)


def open_versions(conn: Connection, record_id: str | None = None) -> list[OtherVersion]:
    """The versions not yet settled by a choice (of one record, or all), oldest first."""
    where, args = ("AND record_id = ?", (record_id,)) if record_id else ("", ())
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM other_version WHERE settled_at IS NULL {where} "
        "ORDER BY created_at, revision_hash",
        args,
    ).fetchall()
    return [_version(r) for r in rows]


def open_record_ids(conn: Connection) -> list[str]:
    """The records with a version not yet settled, in the order they were fetched."""
    return [i for kind, i in open_chains(conn) if kind == "assessment"]


def open_chains(conn: Connection) -> list[tuple[str, str]]:
    """Each record or person (entity type, id) with a version not yet settled.

    In the order they were fetched.
    """
    rows = conn.execute(
        "SELECT entity_type, record_id FROM other_version WHERE settled_at IS NULL "
        "GROUP BY entity_type, record_id ORDER BY MIN(fetched_at), record_id"
    ).fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]


def settle(
    conn: Connection, record_id: str, by_revision: str, at: dt.datetime, *, only: str = ""
) -> int:
    """Mark the open versions of a record (or `only` that one) settled; how many.

    Args:
        conn: The vault's connection, inside the caller's transaction.
        record_id: The record.
        by_revision: The revision on this laptop that made the choice; "" when the gateway no
            longer offers the version (it moved on, or a choice elsewhere settled it).
        at: When.
        only: One version's hash; "" for every open version of the record.
    """
    cur = conn.execute(
        "UPDATE other_version SET settled_at = ?, settled_by = ? "
        "WHERE record_id = ? AND settled_at IS NULL AND (? = '' OR revision_hash = ?)",
        (at.isoformat(), by_revision, record_id, only, only),
    )
    return int(cur.rowcount)


def mark_due(
    conn: Connection, record_ids: Sequence[str], at: dt.datetime, entity_type: str = "assessment"
) -> None:
    """The gateway reported other versions of these records: fetch them (at the next chance).

    People's ids with `entity_type` 'person'.
    """
    conn.executemany(
        "INSERT INTO other_version_due (record_id, reported_at, entity_type) VALUES (?, ?, ?) "
        "ON CONFLICT (record_id) DO NOTHING",
        [(r, at.isoformat(), entity_type) for r in record_ids],
    )


def due_record_ids(conn: Connection) -> list[str]:
    """The records whose other versions are still to be fetched, oldest report first."""
    return due_ids(conn, "assessment")


def due_ids(conn: Connection, entity_type: str) -> list[str]:
    """The records (or people) whose other versions are still to be fetched, oldest first."""
    rows = conn.execute(
        "SELECT record_id FROM other_version_due WHERE entity_type = ? "
        "ORDER BY reported_at, record_id",
        (entity_type,),
    ).fetchall()
    return [str(r[0]) for r in rows]


def fetched(conn: Connection, record_ids: Sequence[str]) -> None:
    """The gateway has answered for these records: they are no longer due."""
    conn.executemany(
        "DELETE FROM other_version_due WHERE record_id = ?", [(r,) for r in record_ids]
    )
