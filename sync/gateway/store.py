"""The gateway's storage: PostgreSQL in production, SQLite as the embedded default.

One `Store` for both, opened from a URL (``postgresql://…`` or ``sqlite:///path``). Every
operation opens its own connection and transaction, and everything needed for correctness is
in the database: several gateway processes may serve one PostgreSQL database at once. A push
is idempotent by the revision's hash (``INSERT … ON CONFLICT DO NOTHING``): two processes
taking the same resent batch store each revision once, and the second answers "duplicate".

Schema migrations are numbered SQL files in ``migrations/``, written to run unchanged on both
databases, applied in order under a lock (a PostgreSQL advisory lock; SQLite's write lock) so
that two processes starting together do not both apply one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from sync.protocol import AckStatus, ItemAck, PushItem

__all__ = ["MIGRATIONS_DIR", "Store", "StoreError"]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION = re.compile(r"(\d{4})_[a-z0-9_]+\.sql\Z")
_LOCK_KEY = 0x4153_5359  # "ASSY": the advisory lock migrations hold on PostgreSQL


class StoreError(Exception):
    """The gateway's database cannot be used; the message says what to do."""


class _Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class _Tx:
    """One transaction on either database, with ``?`` placeholders on both."""

    def __init__(self, raw: Any, postgres: bool) -> None:
        self._raw = raw
        self._postgres = postgres

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        if self._postgres:
            sql = sql.replace("?", "%s")
        cursor: _Cursor = self._raw.execute(sql, tuple(params))
        return cursor

    def script(self, sql: str) -> None:
        if self._postgres:
            self._raw.execute(sql)
        else:
            for statement in _statements(sql):
                self._raw.execute(statement)


def _statements(sql: str) -> list[str]:
    """A migration's statements (they hold no semicolons inside strings)."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


class Store:
    """The gateway's database."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith(("postgresql://", "postgres://")):
            self.postgres = True
            self._sqlite_path: Path | None = None
        elif url.startswith("sqlite:///"):
            self.postgres = False
            self._sqlite_path = Path(url.removeprefix("sqlite:///"))
        else:
            raise StoreError(
                f"The database setting '{url}' is neither postgresql://… nor sqlite:///path."
            )

    @contextlib.contextmanager
    def transaction(self) -> Iterator[_Tx]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        if self.postgres:
            import psycopg  # only the gateway needs it, and only for PostgreSQL

            try:
                conn = psycopg.connect(self.url, autocommit=False)
            except psycopg.OperationalError as e:
                raise StoreError(
                    f"The gateway cannot reach its database: {str(e).strip()}. Check the "
                    "database setting and that PostgreSQL is running."
                ) from e
            try:
                with conn.transaction():
                    yield _Tx(conn, True)
            finally:
                conn.close()
            return
        assert self._sqlite_path is not None
        self._sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        raw = sqlite3.connect(self._sqlite_path, timeout=30, isolation_level=None)
        try:
            raw.execute("PRAGMA journal_mode = WAL")
            raw.execute("PRAGMA synchronous = FULL")
            raw.execute("BEGIN IMMEDIATE")
            try:
                yield _Tx(raw, False)
            except BaseException:
                raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")
        finally:
            raw.close()

    # -- schema ------------------------------------------------------------------------------

    def migrate(self) -> int:
        """Apply every migration not yet applied, in order; the schema version after."""
        steps = sorted(
            (int(m[1]), path)
            for path in MIGRATIONS_DIR.glob("*.sql")
            if (m := _MIGRATION.match(path.name))
        )
        with self.transaction() as tx:
            if self.postgres:
                tx.execute("SELECT pg_advisory_xact_lock(?)", (_LOCK_KEY,))
            tx.execute("CREATE TABLE IF NOT EXISTS gateway_schema (version INTEGER NOT NULL)")
            row = tx.execute("SELECT MAX(version) FROM gateway_schema").fetchone()
            current = int(row[0]) if row and row[0] is not None else 0
            newest = steps[-1][0] if steps else 0
            if current > newest:
                raise StoreError(
                    f"The gateway's database is at schema {current}, newer than this gateway "
                    f"({newest}). Update the gateway before starting it on this database."
                )
            for version, path in steps:
                if version > current:
                    tx.script(path.read_text(encoding="utf-8"))
                    tx.execute("INSERT INTO gateway_schema (version) VALUES (?)", (version,))
                    current = version
            return current

    def schema_version(self) -> int:
        """The schema the database is at (0 for an empty one)."""
        with self.transaction() as tx:
            tx.execute("CREATE TABLE IF NOT EXISTS gateway_schema (version INTEGER NOT NULL)")
            row = tx.execute("SELECT MAX(version) FROM gateway_schema").fetchone()
            return int(row[0]) if row and row[0] is not None else 0

    # -- push --------------------------------------------------------------------------------

    def push(self, device: str, items: Sequence[PushItem], now: dt.datetime) -> list[ItemAck]:
        """Store a batch from `device`; one answer per item, in order, in one transaction.

        Each revision is checked before it is kept: its hash must be the one its fields give,
        its predecessor must be held (or sent before it in this batch), and a first revision
        may not take an id another chain has. A revision already held is a duplicate and
        stores nothing.
        """
        with self.transaction() as tx:
            return [self._push_one(tx, device, item, now) for item in items]

    def _push_one(self, tx: _Tx, device: str, item: PushItem, now: dt.datetime) -> ItemAck:
        if not item.hash_holds():
            return ItemAck(
                item.hash,
                AckStatus.REFUSED,
                "The revision does not match its hash: it was changed after it was saved.",
            )
        held = tx.execute(
            "SELECT entity_type, entity_id, seq FROM revision WHERE hash = ?", (item.hash,)
        ).fetchone()
        if held is not None:
            return ItemAck(item.hash, AckStatus.DUPLICATE, "", self._others(tx, item))
        if item.first:
            # `hash <> ?`: another process may have stored this very revision since the check
            # above (a resent batch taken twice at once); that is a duplicate, not a clash.
            taken = tx.execute(
                "SELECT 1 FROM revision WHERE entity_type = ? AND entity_id = ? AND seq = 1 "
                "AND hash <> ?",
                (item.entity_type, item.entity_id, item.hash),
            ).fetchone()
            if taken is not None:
                return ItemAck(
                    item.hash,
                    AckStatus.REFUSED,
                    "Another record already has this id at the gateway. Tell IT: the record "
                    "is kept on the laptop.",
                )
        else:
            before = tx.execute(
                "SELECT 1 FROM revision WHERE hash = ? AND entity_type = ? AND entity_id = ? "
                "AND seq = ?",
                (item.prev_hash, item.entity_type, item.entity_id, item.seq - 1),
            ).fetchone()
            if before is None:
                return ItemAck(
                    item.hash,
                    AckStatus.RETRY_LATER,
                    "An earlier revision of this record has not reached the gateway yet.",
                )
        inserted = tx.execute(
            "INSERT INTO revision (hash, entity_type, entity_id, seq, prev_hash, created_at, "
            "author, body, device, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (hash) DO NOTHING",
            (
                item.hash,
                item.entity_type,
                item.entity_id,
                item.seq,
                item.prev_hash,
                item.created_at,
                item.author,
                json.dumps(dict(item.body), sort_keys=True, separators=(",", ":")),
                device,
                now.isoformat(),
            ),
        )
        status = AckStatus.STORED if inserted.rowcount == 1 else AckStatus.DUPLICATE
        return ItemAck(item.hash, status, "", self._others(tx, item))

    @staticmethod
    def _others(tx: _Tx, item: PushItem) -> int:
        row = tx.execute(
            "SELECT COUNT(*) FROM revision WHERE entity_type = ? AND entity_id = ? AND seq = ? "
            "AND hash <> ?",
            (item.entity_type, item.entity_id, item.seq, item.hash),
        ).fetchone()
        return int(row[0])

    # -- reading -----------------------------------------------------------------------------

    def count(self) -> int:
        """How many revisions the gateway holds."""
        with self.transaction() as tx:
            return int(tx.execute("SELECT COUNT(*) FROM revision").fetchone()[0])

    def held(self, hashes: Sequence[str]) -> set[str]:
        """Which of `hashes` the gateway holds."""
        with self.transaction() as tx:
            return {
                h
                for h in hashes
                if tx.execute("SELECT 1 FROM revision WHERE hash = ?", (h,)).fetchone()
            }
