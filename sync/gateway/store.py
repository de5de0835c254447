"""The gateway's storage: PostgreSQL in production, SQLite as the embedded default.

One `Store` for both, opened from a URL (``postgresql://…`` or ``sqlite:///path``). Every
operation runs in its own transaction (each thread keeps its connection between
transactions, since opening one costs more than most pushes), and everything needed for
correctness is in the database: several gateway processes may serve one PostgreSQL database
at once. A push
is idempotent by the revision's hash (``INSERT … ON CONFLICT DO NOTHING``): two processes
taking the same resent batch store each revision once, and the second answers "duplicate".

Schema migrations are numbered SQL files in ``migrations/``, written to run unchanged on both
databases, applied in order under a lock (a PostgreSQL advisory lock; SQLite's write lock) so
that two processes starting together do not both apply one.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sync.protocol import (
    REFERENCE_KINDS,
    SUPERSEDES,
    AckStatus,
    DeviceOrder,
    DocumentAnswer,
    DocumentOffer,
    DocumentStatus,
    HeldItem,
    ItemAck,
    OrderKind,
    PulledPerson,
    PullResponse,
    PushItem,
    QueueReport,
    RecordVersions,
)

__all__ = [
    "MIGRATIONS_DIR",
    "AllocationRefused",
    "Device",
    "EnrolmentRefused",
    "Store",
    "StoreError",
]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION = re.compile(r"(\d{4})_[a-z0-9_]+\.sql\Z")
_LOCK_KEY = 0x4153_5359  # "ASSY": the advisory lock migrations hold on PostgreSQL
_CHANGE_LOCK_KEY = 0x4153_4348  # "ASCH": held from numbering caseload changes to the commit
_OPEN_STATUSES = frozenset({"draft", "amended"})
"""A record in one of these is still being worked on: a pull always gives it."""


class StoreError(Exception):
    """The gateway's database cannot be used; the message says what to do."""


class AllocationRefused(Exception):
    """A team manager's allocation to, or from, an assessor outside their team."""

    def __init__(self, assessor: str, *, joining: bool) -> None:
        super().__init__(f"Assessor {assessor} is not in the team.")
        self.assessor = assessor
        """The assessor outside the team."""
        self.joining = joining
        """True: the assessor they were to join; False: the one whose caseload they are on."""


class EnrolmentRefused(Exception):
    """An enrolment code that cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class Device:
    """A laptop enrolled at this gateway."""

    id: str
    assessor_id: str
    cert_serial: str
    enrolled_at: str
    last_seen_at: str | None
    revoked_at: str | None
    wipe_ordered_at: str | None = None
    """When IT ordered a lost laptop wiped (its access is withdrawn at the same moment)."""
    order_told_at: str | None = None
    """When the laptop was last told of its revocation or wipe order (it then deletes its
    vault); None while it has not been in contact since."""

    def order(self, *, revoked_may_send: bool = False) -> DeviceOrder | None:
        """IT's order to this device (revoked, or wiped as lost); None for an active one.

        Args:
            revoked_may_send: The authority's policy: a revoked (not wiped) laptop may send
                its queued work before it deletes its vault.
        """
        if self.revoked_at is None:
            return None
        wipe = self.wipe_ordered_at is not None
        return DeviceOrder(
            OrderKind.WIPE if wipe else OrderKind.REVOKED,
            self.wipe_ordered_at or self.revoked_at,
            revoked_may_send and not wipe,
            "IT has ordered this laptop wiped: it was reported lost."
            if wipe
            else "This laptop's access to the council's gateway was withdrawn by IT.",
        )


_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Enrolment codes use no 0/O or 1/I, so they can be read over the phone."""


_NOT_AS_OFFERED = (
    "The signed PDF that arrived does not match the SHA-256 it was offered with, so the "
    "gateway did not keep it. Tell IT: the PDF is kept on the laptop."
)


def _select_in(tx: _Tx, sql: str, values: set[str], before: Sequence[Any] = ()) -> Iterator[Any]:
    """The rows of `sql` (whose ``{}`` is an IN list) for `values`, a few hundred at a time.

    `before` are the values of any ``?`` placeholders ahead of the list.
    """
    wanted = sorted(values)
    if tx.postgres and sql.count("IN ({})") == 1:
        # One array parameter: PostgreSQL plans it once, and psycopg need not rewrite a query
        # of hundreds of placeholders on every call.
        yield from tx.execute(sql.replace("IN ({})", "= ANY(?)"), [*before, wanted]).fetchall()
        return
    for start in range(0, len(wanted), 400):
        chunk = wanted[start : start + 400]
        sql_chunk = sql.format(", ".join("?" * len(chunk)))
        yield from tx.execute(sql_chunk, [*before, *chunk]).fetchall()


_ITEM_COLUMNS = "entity_id, seq, created_at, author, body, prev_hash, hash"
"""The columns of `revision` `_stored_item` reads, in its order."""


def _stored_item(entity_type: str, row: Sequence[Any]) -> PushItem:
    """A revision the gateway holds as it travels, from a row of `_ITEM_COLUMNS`."""
    return PushItem(
        entity_type,
        str(row[0]),
        int(row[1]),
        str(row[2]),
        str(row[3]),
        json.loads(str(row[4])),
        str(row[5]),
        str(row[6]),
    )


def _device(row: Sequence[Any]) -> Device:
    def text(v: Any) -> str | None:
        return None if v is None else str(v)

    return Device(
        str(row[0]),
        str(row[1]),
        str(row[2]),
        str(row[3]),
        text(row[4]),
        text(row[5]),
        text(row[6]),
        text(row[7]),
    )


_DEVICE_COLUMNS = (
    "id, assessor_id, cert_serial, enrolled_at, last_seen_at, revoked_at, wipe_ordered_at, "
    "order_told_at"
)


def _body_person(body: str) -> str:
    try:
        person = json.loads(body).get("person_id")
    except (ValueError, AttributeError):
        return ""
    return person if isinstance(person, str) else ""


def _person_of(item: PushItem) -> str:
    """The person a revision is about: the person themselves, or a record's person."""
    if item.entity_type == "person":
        return item.entity_id
    person = item.body.get("person_id")
    return person if isinstance(person, str) else ""


def _held_then(tx: _Tx, assessor: str, person: str, stamp: str) -> bool:
    """Whether `person` was on `assessor`'s caseload when `stamp` was made, and moved since.

    Work done while a person was on an assessor's caseload is still taken from their laptops
    after a reallocation (and flows down to the new holder): only then may the old holder's
    laptop let the person go without losing it.
    """
    row = tx.execute(
        "SELECT MAX(changed_at) FROM caseload_change "
        "WHERE assessor_id = ? AND person_id = ? AND kind = 'removed'",
        (assessor, person),
    ).fetchone()
    return row is not None and row[0] is not None and stamp <= str(row[0])


def _code_hash(code: str) -> str:
    normalised = "".join(code.split()).replace("-", "").upper()
    return hashlib.sha256(normalised.encode("ascii", "replace")).hexdigest()


class _Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class _Tx:
    """One transaction on either database, with ``?`` placeholders on both."""

    def __init__(self, raw: Any, postgres: bool) -> None:
        self._raw = raw
        self.postgres = postgres

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        if self.postgres:
            sql = sql.replace("?", "%s")
        cursor: _Cursor = self._raw.execute(sql, tuple(params))
        return cursor

    def script(self, sql: str) -> None:
        if self.postgres:
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
        # One connection per thread, kept between transactions: opening one (on PostgreSQL,
        # TCP and authentication) costs more than most pushes. Nothing needed for correctness
        # lives in it; a broken one is dropped and the next transaction opens another.
        self._local = threading.local()
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
            conn = self._postgres_connection()
            try:
                with conn.transaction():
                    yield _Tx(conn, True)
            except BaseException:
                # A connection that failed mid-transaction is not trusted again.
                self._local.conn = None
                conn.close()
                raise
            return
        raw = self._sqlite_connection()
        raw.execute("BEGIN IMMEDIATE")
        try:
            yield _Tx(raw, False)
        except BaseException:
            try:
                raw.execute("ROLLBACK")
            except sqlite3.Error:
                # Not rolled back cleanly: not trusted again (the next one opens another).
                self._local.sqlite = None
                raw.close()
            raise
        try:
            raw.execute("COMMIT")
        except BaseException:
            self._local.sqlite = None
            raw.close()
            raise

    def _sqlite_connection(self) -> sqlite3.Connection:
        """This thread's SQLite connection, opened on first use and kept, as for PostgreSQL.

        Opening one (and setting WAL and full sync) cost more than a small transaction. It
        holds nothing between transactions: each reads what the file holds when it begins.
        """
        raw: sqlite3.Connection | None = getattr(self._local, "sqlite", None)
        if raw is not None:
            return raw
        assert self._sqlite_path is not None
        self._sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        raw = sqlite3.connect(self._sqlite_path, timeout=30, isolation_level=None)
        raw.execute("PRAGMA journal_mode = WAL")
        raw.execute("PRAGMA synchronous = FULL")
        self._local.sqlite = raw
        return raw

    def _postgres_connection(self) -> Any:
        import psycopg  # only the gateway needs it, and only for PostgreSQL

        conn = getattr(self._local, "conn", None)
        if conn is not None and not conn.closed and not conn.broken:
            return conn
        try:
            conn = psycopg.connect(self.url, autocommit=False)
        except psycopg.OperationalError as e:
            raise StoreError(
                f"The gateway cannot reach its database: {str(e).strip()}. Check the "
                "database setting and that PostgreSQL is running."
            ) from e
        self._local.conn = conn
        return conn

    # -- schema ------------------------------------------------------------------------------

    def migrate(self, upto: int | None = None) -> int:
        """Apply every migration not yet applied (up to `upto`), in order; the version after."""
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
                if version > current and (upto is None or version <= upto):
                    tx.script(path.read_text(encoding="utf-8"))
                    if version == 10:
                        self._fill_record_person(tx)
                    tx.execute("INSERT INTO gateway_schema (version) VALUES (?)", (version,))
                    current = version
            return current

    @staticmethod
    def _fill_record_person(tx: _Tx) -> None:
        """Schema 10: each record held already, with the person its first revision names."""
        rows = tx.execute(
            "SELECT entity_id, body FROM revision WHERE entity_type = 'assessment' AND seq = 1"
        ).fetchall()
        pairs = [(str(r[0]), _body_person(str(r[1]))) for r in rows]
        for start in range(0, len(pairs), 200):
            chunk = [p for p in pairs[start : start + 200] if p[1]]
            if chunk:
                tx.execute(
                    "INSERT INTO record_person (record_id, person_id) VALUES "
                    + ", ".join(["(?, ?)"] * len(chunk))
                    + " ON CONFLICT (record_id) DO NOTHING",
                    [v for pair in chunk for v in pair],
                )

    def schema_version(self) -> int:
        """The schema the database is at (0 for an empty one)."""
        with self.transaction() as tx:
            tx.execute("CREATE TABLE IF NOT EXISTS gateway_schema (version INTEGER NOT NULL)")
            row = tx.execute("SELECT MAX(version) FROM gateway_schema").fetchone()
            return int(row[0]) if row and row[0] is not None else 0

    # -- push --------------------------------------------------------------------------------

    def push(
        self, device: str, items: Sequence[PushItem], now: dt.datetime, *, assessor: str
    ) -> list[ItemAck]:
        """Store a batch from `device` of `assessor`; one answer per item, in one transaction.

        Each revision is checked before it is kept: its hash must be the one its fields give,
        its predecessor must be held (or sent before it in this batch), a first revision may
        not take an id another chain has, and its person must be on the assessor's caseload
        (a person the assessor sends first joins it). A revision already held is a duplicate
        and stores nothing. What the checks read is fetched for the whole batch at once. The
        device's last contact is noted in the same transaction.
        """
        with self.transaction() as tx:
            known = self._rows(tx, {i.hash for i in items} | {i.prev_hash for i in items})
            firsts = self._first_revisions(tx, {(i.entity_type, i.entity_id) for i in items})
            caseload = self._allocations(tx, {_person_of(i) for i in items} - {""})
            bodies = [item.canonical_body() for item in items]
            self._claim(tx, items, bodies, known, firsts, assessor, caseload, now)
            answers: list[ItemAck | None] = []
            keep: list[tuple[PushItem, str]] = []
            for item, canonical in zip(items, bodies, strict=True):
                answer = self._check(item, canonical, known, firsts) or self._rights(
                    tx, item, assessor, caseload, now
                )
                if answer is None:
                    keep.append((item, canonical))
                    known[item.hash] = (item.entity_type, item.entity_id, item.seq)
                    if item.first:
                        firsts.setdefault(
                            (item.entity_type, item.entity_id), (item.hash, _person_of(item))
                        )
                answers.append(answer)
            stored = self._insert(tx, device, now, keep)
            # The device's last contact, in the push's own transaction: one commit, not two.
            tx.execute("UPDATE device SET last_seen_at = ? WHERE id = ?", (now.isoformat(), device))
            counts = self._versions_at(tx, items)
            lost = {i.hash for i, _ in keep} - stored
            held_now = set(self._rows(tx, lost)) if lost else set()
            kept = [i for i, _ in keep if i.hash in stored]
            self._note_records(tx, kept)
            # Last: the numbering lock is held from here to the commit, which follows at once.
            self._log_changes(
                tx,
                [
                    (caseload[_person_of(i)], _person_of(i), "revision", *chain, device)
                    for chain, i in {(i.entity_type, i.entity_id): i for i in kept}.items()
                ],
                now,
            )
        acks = []
        for item, answer in zip(items, answers, strict=True):
            if answer is None:
                if item.hash in stored:
                    status = AckStatus.STORED
                    # Only the first of a hash sent twice in one batch is stored.
                    stored.discard(item.hash)
                    answer = ItemAck(item.hash, status)
                elif item.hash in held_now or item.hash not in lost:
                    answer = ItemAck(item.hash, AckStatus.DUPLICATE)
                else:
                    # Another process stored a different first revision for this id meanwhile.
                    answer = ItemAck(
                        item.hash,
                        AckStatus.REFUSED,
                        "Another record already has this id at the gateway. Tell IT: the "
                        "record is kept on the laptop.",
                    )
            if answer.status.acknowledged:
                others = counts.get((item.entity_type, item.entity_id, item.seq), 1) - 1
                answer = ItemAck(answer.hash, answer.status, answer.reason, max(0, others))
            acks.append(answer)
        return acks

    @staticmethod
    def _note_records(tx: _Tx, stored: Sequence[PushItem]) -> None:
        """Keep the person of each new record (its first revision names them), for pulls."""
        pairs = [
            (i.entity_id, _person_of(i))
            for i in stored
            if i.entity_type == "assessment" and i.first and _person_of(i)
        ]
        for start in range(0, len(pairs), 200):
            chunk = pairs[start : start + 200]
            tx.execute(
                "INSERT INTO record_person (record_id, person_id) VALUES "
                + ", ".join(["(?, ?)"] * len(chunk))
                + " ON CONFLICT (record_id) DO NOTHING",
                [v for pair in chunk for v in pair],
            )

    def _log_changes(
        self, tx: _Tx, changes: Sequence[tuple[str, str, str, str, str, str]], now: dt.datetime
    ) -> None:
        """Number and keep caseload changes (assessor, person, kind, entity type, id, device).

        Call last in the transaction: the numbers are handed out under a lock held until the
        commit (decision 0008), so a change numbered n is visible before any numbered above
        it, and a pull that has read up to n never skips one that commits later.
        """
        self._number(
            tx,
            "caseload_change",
            ("assessor_id", "person_id", "kind", "entity_type", "entity_id", "device"),
            changes,
            now,
        )

    def log_dst_changes(
        self, tx: _Tx, changes: Sequence[tuple[str, str, str, str]], now: dt.datetime
    ) -> None:
        """Number and keep shared DST changes (record, kind, assessor, digest).

        Call last in the transaction, as `_log_changes`: the DST pull's cursor relies on the
        same numbering under the same lock (decision 0008).
        """
        self._number(tx, "dst_change", ("record_id", "kind", "assessor_id", "digest"), changes, now)

    def _number(
        self,
        tx: _Tx,
        table: str,
        columns: Sequence[str],
        changes: Sequence[Sequence[str]],
        now: dt.datetime,
    ) -> None:
        """Append `changes` to the log `table`, numbered from ``MAX(seq) + 1`` under the lock."""
        if not changes:
            return
        if self.postgres:
            # One key for both logs: a transaction numbering both (an allocation) cannot
            # deadlock with one numbering either.
            tx.execute("SELECT pg_advisory_xact_lock(?)", (_CHANGE_LOCK_KEY,))
        # SQLite: BEGIN IMMEDIATE already holds the one write lock until the commit.
        # `table` and `columns` are this module's own names, never a request's.
        row = tx.execute(f"SELECT MAX(seq) FROM {table}").fetchone()
        newest = int(row[0]) if row and row[0] is not None else 0
        stamp = now.isoformat()
        marks = "(" + ", ".join(["?"] * (len(columns) + 2)) + ")"
        for start in range(0, len(changes), 200):
            chunk = changes[start : start + 200]
            params: list[Any] = []
            for n, change in enumerate(chunk, start=newest + start + 1):
                params += [n, *change, stamp]
            tx.execute(
                f"INSERT INTO {table} (seq, {', '.join(columns)}, changed_at) VALUES "
                + ", ".join([marks] * len(chunk)),
                params,
            )

    @staticmethod
    def _allocations(tx: _Tx, people: set[str]) -> dict[str, str]:
        """Person id -> the assessor whose caseload they are on, for `people`."""
        return {
            str(row[0]): str(row[1])
            for row in _select_in(
                tx, "SELECT person_id, assessor_id FROM allocation WHERE person_id IN ({})", people
            )
        }

    @classmethod
    def _claim(
        cls,
        tx: _Tx,
        items: Sequence[PushItem],
        bodies: Sequence[str],
        known: dict[str, tuple[str, str, int]],
        firsts: dict[tuple[str, str], tuple[str, str]],
        assessor: str,
        caseload: dict[str, str],
        now: dt.datetime,
    ) -> None:
        """Put the people this push sends first on the assessor's caseload, in one statement.

        What `_rights` would do one person at a time (two statements each: a round trip each
        on PostgreSQL), for the people whose first revision will certainly be stored: sound
        hash, not held, no other first revision of that id. Another process may claim the
        same person at the same moment: who won is read back into `caseload`.
        """
        people = sorted(
            {
                item.entity_id
                for item, body in zip(items, bodies, strict=True)
                if item.entity_type == "person"
                and item.first
                and item.entity_id not in caseload
                and item.hash not in known
                and firsts.get((item.entity_type, item.entity_id), (item.hash, ""))[0] == item.hash
                and item.hash_holds(body)
            }
        )
        stamp = now.isoformat()
        for start in range(0, len(people), 300):
            chunk = people[start : start + 300]
            tx.execute(
                "INSERT INTO allocation (person_id, assessor_id, allocated_at) VALUES "
                + ", ".join(["(?, ?, ?)"] * len(chunk))
                + " ON CONFLICT (person_id) DO NOTHING",
                [value for person in chunk for value in (person, assessor, stamp)],
            )
        caseload.update(cls._allocations(tx, set(people)))

    @staticmethod
    def _rights(
        tx: _Tx, item: PushItem, assessor: str, caseload: dict[str, str], now: dt.datetime
    ) -> ItemAck | None:
        """Refuse a revision for someone on another assessor's caseload (None: allowed)."""
        person = _person_of(item)
        holder = caseload.get(person)
        if holder is None and item.entity_type == "person":
            # Made on this assessor's laptop and sent first by them: their caseload. Another
            # process may claim the same person at the same moment: read back who won.
            tx.execute(
                "INSERT INTO allocation (person_id, assessor_id, allocated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (person_id) DO NOTHING",
                (person, assessor, now.isoformat()),
            )
            row = tx.execute(
                "SELECT assessor_id FROM allocation WHERE person_id = ?", (person,)
            ).fetchone()
            caseload[person] = holder = str(row[0])
        if holder is None:
            return ItemAck(
                item.hash,
                AckStatus.RETRY_LATER,
                "The person's details have not reached the gateway yet.",
                missing=("person", person) if person else None,
            )
        if holder != assessor and not _held_then(tx, assessor, person, item.created_at):
            return ItemAck(
                item.hash,
                AckStatus.REFUSED,
                "This person is on another assessor's caseload at the council, so this laptop "
                "cannot send their records. Ask your manager to allocate them to you.",
            )
        return None

    @staticmethod
    def _insert(
        tx: _Tx, device: str, now: dt.datetime, keep: Sequence[tuple[PushItem, str]]
    ) -> set[str]:
        """Insert the checked revisions, a few hundred per statement; the hashes stored.

        ``ON CONFLICT DO NOTHING``: a revision another process stored meanwhile is left as it
        is and is not among those returned, so its answer is "duplicate".
        """
        stored: set[str] = set()
        stamp = now.isoformat()
        for start in range(0, len(keep), 200):
            chunk = keep[start : start + 200]
            rows = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
            params: list[Any] = []
            for item, canonical in chunk:
                params += [
                    item.hash,
                    item.entity_type,
                    item.entity_id,
                    item.seq,
                    item.prev_hash,
                    item.created_at,
                    item.author,
                    canonical,
                    device,
                    stamp,
                ]
            result = tx.execute(
                "INSERT INTO revision (hash, entity_type, entity_id, seq, prev_hash, "
                f"created_at, author, body, device, received_at) VALUES {rows} "
                "ON CONFLICT DO NOTHING RETURNING hash",
                params,
            )
            stored.update(str(r[0]) for r in result.fetchall())
        return stored

    @staticmethod
    def _rows(tx: _Tx, hashes: set[str]) -> dict[str, tuple[str, str, int]]:
        """(entity type, entity id, seq) of each of `hashes` the gateway holds."""
        return {
            str(row[0]): (str(row[1]), str(row[2]), int(row[3]))
            for row in _select_in(
                tx,
                "SELECT hash, entity_type, entity_id, seq FROM revision WHERE hash IN ({})",
                hashes,
            )
        }

    @staticmethod
    def _first_revisions(
        tx: _Tx, chains: set[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[str, str]]:
        """(hash, person id) of the first revision the gateway holds of each of `chains`.

        A record's person is the one its first revision names: a later revision may not move
        the record to someone else (rights are decided by the person).
        """
        found: dict[tuple[str, str], tuple[str, str]] = {}
        # By entity type and id, as the partial index on first revisions is keyed: without the
        # type the query scanned every revision the gateway holds, on every push.
        for entity_type in sorted({t for t, _ in chains}):
            for row in _select_in(
                tx,
                "SELECT entity_id, hash, body FROM revision WHERE entity_type = ? "
                "AND seq = 1 AND entity_id IN ({})",
                {entity_id for t, entity_id in chains if t == entity_type},
                (entity_type,),
            ):
                chain = (entity_type, str(row[0]))
                person = chain[1] if entity_type == "person" else _body_person(str(row[2]))
                found.setdefault(chain, (str(row[1]), person))
        return found

    @staticmethod
    def _versions_at(tx: _Tx, items: Sequence[PushItem]) -> dict[tuple[str, str, int], int]:
        """How many revisions the gateway holds at each (type, id, seq) of the batch."""
        counts: dict[tuple[str, str, int], int] = {}
        for entity_type in sorted({i.entity_type for i in items}):
            for row in _select_in(
                tx,
                "SELECT entity_id, seq, COUNT(*) FROM revision "
                "WHERE entity_type = ? AND entity_id IN ({}) GROUP BY entity_id, seq",
                {i.entity_id for i in items if i.entity_type == entity_type},
                (entity_type,),
            ):
                counts[(entity_type, str(row[0]), int(row[1]))] = int(row[2])
        return counts

    @staticmethod
    def _check(
        item: PushItem,
        canonical: str,
        known: dict[str, tuple[str, str, int]],
        firsts: dict[tuple[str, str], tuple[str, str]],
    ) -> ItemAck | None:
        """The answer for a revision that is not to be stored; None when it is to be."""
        if not item.hash_holds(canonical):
            return ItemAck(
                item.hash,
                AckStatus.REFUSED,
                "The revision does not match its hash: it was changed after it was saved.",
            )
        if item.hash in known:
            return ItemAck(item.hash, AckStatus.DUPLICATE)
        chain = (item.entity_type, item.entity_id)
        if item.first:
            # Another process may store this very revision between the reads and the insert
            # (a resent batch taken twice at once): the insert then does nothing and the
            # answer is "duplicate", not a clash.
            if firsts.get(chain, (item.hash, ""))[0] != item.hash:
                return ItemAck(
                    item.hash,
                    AckStatus.REFUSED,
                    "Another record already has this id at the gateway. Tell IT: the record "
                    "is kept on the laptop.",
                )
        elif known.get(item.prev_hash) != (*chain, item.seq - 1):
            return ItemAck(
                item.hash,
                AckStatus.RETRY_LATER,
                "An earlier revision of this record has not reached the gateway yet.",
                missing=chain,
            )
        elif chain in firsts and item.entity_type == "assessment":
            if _person_of(item) != firsts[chain][1]:
                return ItemAck(
                    item.hash,
                    AckStatus.REFUSED,
                    "This revision moves the record to another person, which a record "
                    "cannot do. Tell IT: the record is kept on the laptop.",
                )
        return None

    # -- signed PDFs ---------------------------------------------------------------------------

    def offer_document(
        self, device: str, offer: DocumentOffer, now: dt.datetime, *, assessor: str
    ) -> DocumentAnswer:
        """Take an offer of a signed PDF; the answer says from which byte to send it.

        The rights are those of the revision it was signed for: the gateway must hold that
        revision, of that record, and the record's person must be on the assessor's caseload.
        An offer repeated (a resumed upload) is answered with what is held so far; one that
        names a kept document with other contents is refused. An offer that carries the whole
        PDF (`DocumentOffer.content`) has it kept as its first and only chunk, unless some of
        it is held already (then the answer says from where to go on in chunks).
        """
        return self.offer_documents(device, [offer], now, assessor=assessor)[0]

    def offer_documents(
        self, device: str, offers: Sequence[DocumentOffer], now: dt.datetime, *, assessor: str
    ) -> list[DocumentAnswer]:
        """Take several offers as `offer_document` does, in one transaction: one commit.

        Each is answered on its own (one refused does not stop the others); the answers are
        in the order of the offers.
        """
        with self.transaction() as tx:
            return [self._offer(tx, device, offer, now, assessor) for offer in offers]

    def _offer(
        self, tx: _Tx, device: str, offer: DocumentOffer, now: dt.datetime, assessor: str
    ) -> DocumentAnswer:
        """`offer_document`'s work for one offer, in `tx`."""
        refusal = self._document_rights(tx, offer.document_id, offer, assessor)
        if refusal is not None:
            return refusal
        inserted = tx.execute(
            "INSERT INTO document (id, record_id, revision_hash, kind, variant, filename, "
            "size, sha256, assessor_id, device, offered_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id",
            (
                offer.document_id,
                offer.record_id,
                offer.revision_hash,
                offer.kind,
                offer.variant,
                offer.filename,
                offer.size,
                offer.sha256,
                assessor,
                device,
                now.isoformat(),
            ),
        )
        if inserted.fetchone() is not None:
            # New: the row is the offer, nothing received yet (as `_document_row` reads it).
            row: Any = (offer.record_id, offer.revision_hash, offer.size, offer.sha256)
            row += (assessor, 0, None)
        else:
            # Held already, or another process took the same offer meanwhile: read it back.
            row = self._document_row(tx, offer.document_id)
            assert row is not None
        if (row[0], row[1], int(row[2]), row[3]) != (
            offer.record_id,
            offer.revision_hash,
            offer.size,
            offer.sha256,
        ):
            return DocumentAnswer(
                offer.document_id,
                DocumentStatus.REFUSED,
                0,
                "Another signed PDF already has this id at the gateway. Tell IT: the PDF "
                "is kept on the laptop.",
            )
        if offer.content is not None and row[6] is None and int(row[5]) == 0:
            # The whole PDF came with its offer: kept (and checked whole) in the same
            # transaction, exactly as its one chunk would have been.
            return self._take_chunk(tx, offer.document_id, row, 0, offer.content, now)
        return self._document_state(offer.document_id, row, DocumentStatus.DUPLICATE)

    def put_chunk(
        self, document_id: str, offset: int, data: bytes, now: dt.datetime, *, assessor: str
    ) -> DocumentAnswer:
        """Keep one chunk of an offered PDF when it starts where the held bytes end.

        A chunk at any other offset (a resend after a lost answer, or one another process
        took) stores nothing; the answer says where to go on from. The chunk that makes the
        PDF whole has the whole checked against the size and SHA-256 offered: a mismatch is
        refused and its bytes dropped, so nothing unchecked is ever handed on.
        """
        with self.transaction() as tx:
            row = self._document_row(tx, document_id)
            if row is None:
                return DocumentAnswer(
                    document_id,
                    DocumentStatus.RETRY_LATER,
                    0,
                    "The gateway has no offer of this signed PDF; it will be offered again.",
                )
            refusal = self._document_rights(tx, document_id, None, assessor, record_id=row[0])
            if refusal is not None:
                return refusal
            return self._take_chunk(tx, document_id, row, offset, data, now)

    def _take_chunk(
        self, tx: _Tx, document_id: str, row: Any, offset: int, data: bytes, now: dt.datetime
    ) -> DocumentAnswer:
        """Keep one chunk of an offered PDF (`row`), rights already checked, in `tx`."""
        size, received = int(row[2]), int(row[5])
        if row[6] is not None or offset != received:
            return self._document_state(document_id, row, DocumentStatus.DUPLICATE)
        if offset + len(data) > size:
            return DocumentAnswer(
                document_id,
                DocumentStatus.REFUSED,
                received,
                "More of the signed PDF arrived than was offered. Tell IT: the PDF is "
                "kept on the laptop.",
            )
        if offset == 0 and len(data) == size:
            return self._take_whole(tx, document_id, row, data, now)
        # Compare-and-set: of two processes given this chunk at once, one keeps it.
        moved = tx.execute(
            "UPDATE document SET received = ? WHERE id = ? AND received = ?",
            (received + len(data), document_id, received),
        )
        if moved.rowcount != 1:
            fresh = self._document_row(tx, document_id)
            assert fresh is not None
            return self._document_state(document_id, fresh, DocumentStatus.DUPLICATE)
        tx.execute(
            "INSERT INTO document_chunk (document_id, at_offset, data) VALUES (?, ?, ?)",
            (document_id, offset, bytes(data)),
        )
        received += len(data)
        if received < size:
            return DocumentAnswer(document_id, DocumentStatus.RECEIVING, received)
        digest = hashlib.sha256(self._document_bytes(tx, document_id)).hexdigest()
        if digest != row[3]:
            tx.execute("DELETE FROM document_chunk WHERE document_id = ?", (document_id,))
            tx.execute("UPDATE document SET received = 0 WHERE id = ?", (document_id,))
            return DocumentAnswer(document_id, DocumentStatus.REFUSED, 0, _NOT_AS_OFFERED)
        tx.execute(
            "UPDATE document SET completed_at = ? WHERE id = ?", (now.isoformat(), document_id)
        )
        return DocumentAnswer(document_id, DocumentStatus.STORED, size, sha256=digest)

    def _take_whole(
        self, tx: _Tx, document_id: str, row: Any, data: bytes, now: dt.datetime
    ) -> DocumentAnswer:
        """`_take_chunk` for a PDF that came whole in one chunk: checked before it is kept.

        Two statements instead of four (a round trip each on PostgreSQL): nothing to read
        back, since the bytes are all here.
        """
        digest = hashlib.sha256(data).hexdigest()
        if digest != row[3]:
            return DocumentAnswer(document_id, DocumentStatus.REFUSED, 0, _NOT_AS_OFFERED)
        # Compare-and-set, as for any chunk: of two processes given it at once, one keeps it.
        moved = tx.execute(
            "UPDATE document SET received = ?, completed_at = ? WHERE id = ? AND received = 0",
            (len(data), now.isoformat(), document_id),
        )
        if moved.rowcount != 1:
            fresh = self._document_row(tx, document_id)
            assert fresh is not None
            return self._document_state(document_id, fresh, DocumentStatus.DUPLICATE)
        tx.execute(
            "INSERT INTO document_chunk (document_id, at_offset, data) VALUES (?, 0, ?)",
            (document_id, bytes(data)),
        )
        return DocumentAnswer(document_id, DocumentStatus.STORED, len(data), sha256=digest)

    @staticmethod
    def _document_row(tx: _Tx, document_id: str) -> Any:
        return tx.execute(
            "SELECT record_id, revision_hash, size, sha256, assessor_id, received, completed_at "
            "FROM document WHERE id = ?",
            (document_id,),
        ).fetchone()

    @staticmethod
    def _document_state(document_id: str, row: Any, whole: DocumentStatus) -> DocumentAnswer:
        """What the gateway holds of a document: whole (`whole`), or how many bytes."""
        if row[6] is not None:
            return DocumentAnswer(document_id, whole, int(row[2]), sha256=str(row[3]))
        return DocumentAnswer(document_id, DocumentStatus.RECEIVING, int(row[5]))

    @staticmethod
    def _document_bytes(tx: _Tx, document_id: str) -> bytes:
        rows = tx.execute(
            "SELECT data FROM document_chunk WHERE document_id = ? ORDER BY at_offset",
            (document_id,),
        ).fetchall()
        return b"".join(bytes(r[0]) for r in rows)

    def _document_rights(
        self,
        tx: _Tx,
        document_id: str,
        offer: DocumentOffer | None,
        assessor: str,
        *,
        record_id: str = "",
    ) -> DocumentAnswer | None:
        """Refuse (or put off) a document the device may not send; None when it may."""
        if offer is not None:
            named = tx.execute(
                "SELECT entity_type, entity_id FROM revision WHERE hash = ?",
                (offer.revision_hash,),
            ).fetchone()
            if named is None:
                return DocumentAnswer(
                    document_id,
                    DocumentStatus.RETRY_LATER,
                    0,
                    "The record revision this PDF was signed for has not reached the gateway yet.",
                )
            if (str(named[0]), str(named[1])) != ("assessment", offer.record_id):
                return DocumentAnswer(
                    document_id,
                    DocumentStatus.REFUSED,
                    0,
                    "The signed PDF names a revision of another record. Tell IT: the PDF is "
                    "kept on the laptop.",
                )
            record_id = offer.record_id
        # The record's person is the one its first revision names (as for its revisions); read
        # by the whole key, so the partial index on first revisions answers it.
        first = tx.execute(
            "SELECT body FROM revision WHERE entity_type = 'assessment' AND entity_id = ? "
            "AND seq = 1",
            (record_id,),
        ).fetchone()
        person = _body_person(str(first[0])) if first else ""
        holder = self._allocations(tx, {person}).get(person) if person else None
        if holder != assessor and not (
            person and self._signed_while_held(tx, document_id, offer, assessor, person)
        ):
            return DocumentAnswer(
                document_id,
                DocumentStatus.REFUSED,
                0,
                "This person is on another assessor's caseload at the council, so this laptop "
                "cannot send their signed PDFs. Ask your manager to allocate them to you.",
            )
        return None

    @staticmethod
    def _signed_while_held(
        tx: _Tx, document_id: str, offer: DocumentOffer | None, assessor: str, person: str
    ) -> bool:
        """A PDF signed for a revision made while the person was on the assessor's caseload."""
        if offer is not None:
            signed_for = offer.revision_hash
        else:
            named = tx.execute(
                "SELECT revision_hash FROM document WHERE id = ?", (document_id,)
            ).fetchone()
            if named is None:
                return False
            signed_for = str(named[0])
        row = tx.execute("SELECT created_at FROM revision WHERE hash = ?", (signed_for,)).fetchone()
        return row is not None and _held_then(tx, assessor, person, str(row[0]))

    def document(self, document_id: str) -> tuple[str, bytes] | None:
        """A whole, checked document's record id and bytes; None while it is not whole."""
        with self.transaction() as tx:
            row = self._document_row(tx, document_id)
            if row is None or row[6] is None:
                return None
            return str(row[0]), self._document_bytes(tx, document_id)

    def document_count(self) -> int:
        """How many whole signed PDFs the gateway holds."""
        with self.transaction() as tx:
            sql = "SELECT COUNT(*) FROM document WHERE completed_at IS NOT NULL"
            return int(tx.execute(sql).fetchone()[0])

    # -- reading -----------------------------------------------------------------------------

    def count(self) -> int:
        """How many revisions the gateway holds."""
        with self.transaction() as tx:
            return int(tx.execute("SELECT COUNT(*) FROM revision").fetchone()[0])

    def held(self, hashes: Sequence[str]) -> set[str]:
        """Which of `hashes` the gateway holds."""
        with self.transaction() as tx:
            rows = _select_in(tx, "SELECT hash FROM revision WHERE hash IN ({})", set(hashes))
            return {str(row[0]) for row in rows}

    def versions(
        self, assessor: str, record_ids: Sequence[str], entity_type: str = "assessment"
    ) -> list[RecordVersions]:
        """The unsettled versions of each record (or person, with `entity_type` 'person')
        asked for, on `assessor`'s caseload only.

        A version is a branch of the record's chain: its newest revision (a head) is one no
        other revision follows. A head that a revision of the record names in its body as
        superseded (`sync.protocol.SUPERSEDES`) has been settled by a choice and is left out.
        A record that is not on the assessor's caseload, or that the gateway does not hold,
        gets the same refusal, so a device learns nothing of records that are not its own.
        """
        wanted = set(record_ids)
        with self.transaction() as tx:
            firsts = self._first_revisions(tx, {(entity_type, r) for r in wanted})
            people = {person for _, person in firsts.values()}
            caseload = self._allocations(tx, people - {""})
            allowed = {
                chain[1]
                for chain, (_, person) in firsts.items()
                if chain[0] == entity_type
                and chain[1] in wanted
                and caseload.get(person) == assessor
            }
            chains: dict[str, list[PushItem]] = {r: [] for r in allowed}
            for row in _select_in(
                tx,
                f"SELECT {_ITEM_COLUMNS} FROM revision "
                "WHERE entity_type = ? AND entity_id IN ({})",
                allowed,
                (entity_type,),
            ):
                chains[str(row[0])].append(_stored_item(entity_type, row))
        what = "person" if entity_type == "person" else "record"
        answers = []
        for record_id in dict.fromkeys(record_ids):
            if record_id not in chains:
                answers.append(
                    RecordVersions(
                        record_id,
                        refused=f"The council's server holds no {what} with this id on your "
                        "caseload. If the person was moved to another assessor, ask your "
                        "manager; your copy is kept on this laptop.",
                        entity_type=entity_type,
                    )
                )
                continue
            revisions = chains[record_id]
            followed = {r.prev_hash for r in revisions}
            settled = {str(r.body.get(SUPERSEDES)) for r in revisions}
            heads = sorted(
                (r for r in revisions if r.hash not in followed and r.hash not in settled),
                key=lambda r: (r.created_at, r.hash),
            )
            answers.append(RecordVersions(record_id, tuple(heads), entity_type=entity_type))
        return answers

    # -- pull: the caseload flowing down (decision 0008) ---------------------------------------

    def pull(self, assessor: str, device: str, cursor: int, limit: int) -> PullResponse:
        """One page of what changed on `assessor`'s caseload after `cursor`, for `device`.

        At most `limit` changes are read, in the order they were numbered. What is given is
        decided by who holds each person now, not when the change was made: a person moved
        away since is only named as removed, and nothing of theirs is given. A person added
        comes with their own chain, their open records' chains and the newest finished
        record of each form (what a review builds on); a chain another device carried on
        comes whole (the laptop keeps what it lacks). A device's own pushes are left out.
        A cursor past every change (the database was restored from an older backup) starts
        again from the beginning, and the answer says so.
        """
        with self.transaction() as tx:
            reset = False
            if cursor:
                row = tx.execute("SELECT MAX(seq) FROM caseload_change").fetchone()
                if row is None or row[0] is None or int(row[0]) < cursor:
                    cursor, reset = 0, True
            rows = tx.execute(
                "SELECT seq, person_id, kind, entity_type, entity_id, device FROM caseload_change "
                "WHERE assessor_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                (assessor, cursor, limit + 1),
            ).fetchall()
            more = len(rows) > limit
            rows = rows[:limit]
            if not rows:
                return PullResponse((), (), cursor, False, reset)
            holders = self._allocations(tx, {str(r[1]) for r in rows})
            added: set[str] = set()
            removed: set[str] = set()
            chains: set[tuple[str, str]] = set()
            for _, person, kind, entity_type, entity_id, by in rows:
                person = str(person)
                if holders.get(person) != assessor:
                    if kind == "removed":
                        removed.add(person)
                    continue  # moved away since: a later change says removed
                removed.discard(person)
                if kind == "added":
                    added.add(person)
                elif kind == "revision" and by != device:
                    chains.add((str(entity_type), str(entity_id)))
            people = self._caseload_of(tx, added, chains)
        return PullResponse(people, tuple(sorted(removed)), int(rows[-1][0]), more, reset)

    def _caseload_of(
        self, tx: _Tx, added: set[str], chains: set[tuple[str, str]]
    ) -> tuple[PulledPerson, ...]:
        """The revisions a pull gives: whole chains, grouped by person, people first."""
        records: dict[str, str] = {}  # record id -> person
        for row in _select_in(
            tx, "SELECT record_id, person_id FROM record_person WHERE person_id IN ({})", added
        ):
            records[str(row[0])] = str(row[1])
        wanted_records = {i for t, i in chains if t == "assessment"} | set(records)
        people = added | {i for t, i in chains if t == "person"}
        found: dict[tuple[str, str], list[PushItem]] = {}
        for entity_type, ids in (("person", people), ("assessment", wanted_records)):
            for row in _select_in(
                tx,
                f"SELECT {_ITEM_COLUMNS} FROM revision "
                "WHERE entity_type = ? AND entity_id IN ({})",
                ids,
                (entity_type,),
            ):
                item = _stored_item(entity_type, row)
                found.setdefault((entity_type, item.entity_id), []).append(item)
        # Of a person added, only the records the laptop needs offline.
        changed = {i for t, i in chains if t == "assessment"}
        keep = {r for r in wanted_records if r in changed}
        newest_finished: dict[tuple[str, str], tuple[str, str]] = {}
        for record_id, person in records.items():
            chain = found.get(("assessment", record_id), [])
            if not chain:
                continue
            head = max(chain, key=lambda r: (r.seq, r.created_at, r.hash))
            if str(head.body.get("status")) in _OPEN_STATUSES:
                keep.add(record_id)
                continue
            key = (person, str(head.body.get("form_id")))
            if key not in newest_finished or newest_finished[key][0] < head.created_at:
                newest_finished[key] = (head.created_at, record_id)
        keep |= {record_id for _, record_id in newest_finished.values()}
        by_person: dict[str, list[PushItem]] = {}
        for (entity_type, entity_id), chain in sorted(found.items()):
            if entity_type == "assessment" and entity_id not in keep:
                continue
            person = entity_id if entity_type == "person" else _person_of(chain[0])
            ordered = sorted(chain, key=lambda r: (r.seq, r.created_at, r.hash))
            by_person.setdefault(person, [])
            if entity_type == "person":
                by_person[person][:0] = ordered
            else:
                by_person[person] += ordered
        return tuple(PulledPerson(p, tuple(items)) for p, items in sorted(by_person.items()))

    # -- assessors, enrolment codes and devices ------------------------------------------------

    def create_assessor(self, name: str, now: dt.datetime, *, organisation: str = "") -> str:
        """Add an assessor (of another organisation, such as an NHS trust's nurse); their id."""
        if not name.strip():
            raise ValueError("An assessor needs a name.")
        assessor_id = secrets.token_hex(8)
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO assessor (id, name, created_at, organisation) VALUES (?, ?, ?, ?)",
                (assessor_id, name.strip(), now.isoformat(), " ".join(organisation.split())),
            )
        return assessor_id

    def assessor_name(self, assessor_id: str) -> str | None:
        """The assessor's name, or None when there is no such assessor."""
        with self.transaction() as tx:
            row = tx.execute("SELECT name FROM assessor WHERE id = ?", (assessor_id,)).fetchone()
            return None if row is None else str(row[0])

    def assessors(self, *, team: str | None = None) -> list[tuple[str, str]]:
        """Every assessor as (id, name), by name; `team`: only its assessors (schema 17)."""
        where, params = ("WHERE team = ? ", (team,)) if team is not None else ("", ())
        with self.transaction() as tx:
            rows = tx.execute(
                f"SELECT id, name FROM assessor {where}ORDER BY name, id", params
            ).fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]

    def issue_code(self, assessor_id: str, now: dt.datetime, lifetime: dt.timedelta) -> str:
        """A one-time enrolment code for one of `assessor_id`'s laptops, shown once.

        Raises:
            ValueError: No such assessor.
        """
        if self.assessor_name(assessor_id) is None:
            raise ValueError(f"There is no assessor {assessor_id}.")
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO enrolment_code (code_hash, assessor_id, issued_at, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (_code_hash(code), assessor_id, now.isoformat(), (now + lifetime).isoformat()),
            )
        return "-".join(code[i : i + 4] for i in range(0, 12, 4))

    def enrol(
        self,
        code: str,
        now: dt.datetime,
        make_certificate: Any,
        *,
        contribution_key: str | None = None,
        inbound_key: str | None = None,
    ) -> tuple[Device, bytes]:
        """Spend a one-time code on a new device, in one transaction.

        Args:
            code: What the assessor typed (spaces, dashes and case do not matter).
            now: When.
            make_certificate: Called with (device id, assessor id, assessor name); returns the
                device certificate's DER bytes.
            contribution_key: The laptop's DST contribution-signing public key (Ed25519, raw,
                base64), kept with the device so the gateway knows who signs with it; None
                from a laptop that sent none (its DST contributions are then refused).
            inbound_key: The laptop's X25519 public key (base64) that files to it are
                encrypted to; None from a laptop that sent none.

        Raises:
            EnrolmentRefused: The code is unknown, already used, or expired.
        """
        digest = _code_hash(code)
        device_id = secrets.token_hex(8)
        lease_key = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
        with self.transaction() as tx:
            row = tx.execute(
                "SELECT assessor_id, expires_at, used_at, issued_at FROM enrolment_code "
                "WHERE code_hash = ?",
                (digest,),
            ).fetchone()
            if row is None:
                raise EnrolmentRefused(
                    "That enrolment code is not known here. Check it, or ask IT for a new one."
                )
            assessor_id, expires_at, used_at = str(row[0]), str(row[1]), row[2]
            if used_at is not None:
                raise EnrolmentRefused(
                    "That enrolment code has already been used. Ask IT for a new one."
                )
            if expires_at <= now.isoformat():
                raise EnrolmentRefused("That enrolment code has expired. Ask IT for a new one.")
            withdrawn = tx.execute(
                "SELECT MAX(revoked_at) FROM device WHERE assessor_id = ?", (assessor_id,)
            ).fetchone()
            if withdrawn and withdrawn[0] is not None and str(row[3]) <= str(withdrawn[0]):
                # The code may have travelled with the laptop that was withdrawn (a note in
                # its bag): no code issued before a withdrawal enrols anything after it.
                raise EnrolmentRefused(
                    "That enrolment code was issued before one of this assessor's laptops was "
                    "withdrawn, so it no longer enrols a laptop. Ask IT for a new one."
                )
            # Spend the code first: of two laptops racing with one code, exactly one gets it.
            spent = tx.execute(
                "UPDATE enrolment_code SET used_at = ?, device_id = ? "
                "WHERE code_hash = ? AND used_at IS NULL",
                (now.isoformat(), device_id, digest),
            )
            if spent.rowcount != 1:
                raise EnrolmentRefused(
                    "That enrolment code has already been used. Ask IT for a new one."
                )
            name = tx.execute("SELECT name FROM assessor WHERE id = ?", (assessor_id,)).fetchone()
            der: bytes = make_certificate(device_id, assessor_id, str(name[0]))
            from sync.gateway.ca import serial_of

            serial = serial_of(der)
            tx.execute(
                "INSERT INTO device (id, assessor_id, cert_serial, enrolled_at, lease_key, "
                "contribution_key, inbound_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    device_id,
                    assessor_id,
                    serial,
                    now.isoformat(),
                    lease_key,
                    contribution_key,
                    inbound_key,
                ),
            )
        return Device(device_id, assessor_id, serial, now.isoformat(), None, None), der

    def device_by_serial(self, serial: str) -> Device | None:
        """The device a certificate serial was issued to, or None."""
        with self.transaction() as tx:
            row = tx.execute(
                f"SELECT {_DEVICE_COLUMNS} FROM device WHERE cert_serial = ?",
                (serial,),
            ).fetchone()
        return None if row is None else _device(row)

    def devices(self) -> list[Device]:
        """Every enrolled device, newest first."""
        with self.transaction() as tx:
            rows = tx.execute(
                f"SELECT {_DEVICE_COLUMNS} FROM device ORDER BY enrolled_at DESC"
            ).fetchall()
        return [_device(r) for r in rows]

    def seen(self, device_id: str, now: dt.datetime) -> None:
        """Note a device's last contact."""
        with self.transaction() as tx:
            tx.execute(
                "UPDATE device SET last_seen_at = ? WHERE id = ?", (now.isoformat(), device_id)
            )

    def report_queue(self, device_id: str, now: dt.datetime, report: QueueReport) -> None:
        """Keep what a device says it still holds to send (the latest report replaces any)."""
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO device_queue (device_id, reported_at, waiting, held, "
                "documents_waiting, documents_held, app_version, held_items) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (device_id) DO UPDATE SET reported_at = excluded.reported_at, "
                "waiting = excluded.waiting, held = excluded.held, "
                "documents_waiting = excluded.documents_waiting, "
                "documents_held = excluded.documents_held, app_version = excluded.app_version, "
                "held_items = excluded.held_items",
                (
                    device_id,
                    now.isoformat(),
                    report.waiting,
                    report.held,
                    report.documents_waiting,
                    report.documents_held,
                    report.app_version,
                    json.dumps([i.to_json() for i in report.held_items]),
                ),
            )

    def queue_reports(self) -> dict[str, tuple[str, QueueReport]]:
        """Device id -> (when, the device's last report), for the devices that have reported."""
        with self.transaction() as tx:
            rows = tx.execute(
                "SELECT device_id, reported_at, waiting, held, documents_waiting, "
                "documents_held, app_version, held_items FROM device_queue"
            ).fetchall()
        return {
            str(r[0]): (
                str(r[1]),
                QueueReport(
                    int(r[2]),
                    int(r[3]),
                    int(r[4]),
                    int(r[5]),
                    str(r[6]),
                    tuple(HeldItem.from_json(i) for i in json.loads(str(r[7]))),
                ),
            )
            for r in rows
        }

    def order_wipe(self, device_id: str, now: dt.datetime) -> bool:
        """Order a lost laptop wiped (withdrawing its access too); False: no such device.

        An order given again is kept as first given. A revoked device may still be ordered
        wiped: it then sends nothing first, whatever the policy for revocations.
        """
        with self.transaction() as tx:
            cur = tx.execute(
                "UPDATE device SET wipe_ordered_at = COALESCE(wipe_ordered_at, ?), "
                "revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
                (now.isoformat(), now.isoformat(), device_id),
            )
            return cur.rowcount == 1

    def note_order_told(self, device_id: str, now: dt.datetime) -> None:
        """Note that a revoked or wiped device was told of its order (for IT's device list)."""
        with self.transaction() as tx:
            tx.execute(
                "UPDATE device SET order_told_at = ? WHERE id = ?", (now.isoformat(), device_id)
            )

    def lease_key(self, device_id: str) -> bytes | None:
        """The device's lease key; None for one enrolled before leases (or no such device)."""
        with self.transaction() as tx:
            row = tx.execute("SELECT lease_key FROM device WHERE id = ?", (device_id,)).fetchone()
        return None if row is None or row[0] is None else base64.b64decode(str(row[0]))

    def revoke(self, device_id: str, now: dt.datetime) -> bool:
        """Withdraw a device's access; False when there is no such device (or it was already)."""
        with self.transaction() as tx:
            cur = tx.execute(
                "UPDATE device SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (now.isoformat(), device_id),
            )
            return cur.rowcount == 1

    # -- sync bundles (issue 16) ---------------------------------------------------------------

    def last_bundle(self, device_id: str) -> tuple[int, str] | None:
        """The sequence and id of the newest bundle imported from `device_id`, or None."""
        with self.transaction() as tx:
            row = tx.execute(
                "SELECT sequence, bundle_id FROM bundle_import WHERE device_id = ?", (device_id,)
            ).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def note_bundle(self, device_id: str, sequence: int, bundle_id: str, now: dt.datetime) -> bool:
        """Keep `sequence` as the device's newest imported bundle; False if one as new is kept.

        Conditional in the database, so two imports of one bundle at once note it once.
        """
        with self.transaction() as tx:
            cur = tx.execute(
                "INSERT INTO bundle_import (device_id, sequence, bundle_id, imported_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET "
                "sequence = excluded.sequence, bundle_id = excluded.bundle_id, "
                "imported_at = excluded.imported_at "
                "WHERE bundle_import.sequence < excluded.sequence",
                (device_id, sequence, bundle_id, now.isoformat()),
            )
            return cur.rowcount == 1

    # -- the way down by file (decision 0011) --------------------------------------------------

    def inbound_key(self, device_id: str) -> str | None:
        """The device's X25519 public key (base64); None for one enrolled before files down."""
        with self.transaction() as tx:
            row = tx.execute("SELECT inbound_key FROM device WHERE id = ?", (device_id,)).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def last_inbound(self, device_id: str) -> tuple[int, int]:
        """The number of the last inbound bundle written for the device, and its end cursor.

        (0, 0) before the first.
        """
        with self.transaction() as tx:
            row = tx.execute(
                "SELECT sequence, cursor FROM inbound_bundle WHERE device_id = ?", (device_id,)
            ).fetchone()
        return (0, 0) if row is None else (int(row[0]), int(row[1]))

    def inbound_start(self, device_id: str) -> int:
        """The cursor the next inbound bundle for the device starts from.

        Where the last one ended; or, when the laptop's own latest bundle said it had not
        taken that one (it was lost), from the cursor the laptop said it holds.
        """
        with self.transaction() as tx:
            row = tx.execute(
                "SELECT sequence, cursor, confirmed_sequence, confirmed_cursor "
                "FROM inbound_bundle WHERE device_id = ?",
                (device_id,),
            ).fetchone()
        if row is None:
            return 0
        sent, cursor = int(row[0]), int(row[1])
        if row[2] is None or int(row[2]) >= sent:
            return cursor  # not told (no bundle from the laptop since), or it took the last
        return min(cursor, int(row[3]))

    def note_inbound_taken(self, device_id: str, sequence: int, cursor: int) -> None:
        """Keep what a laptop's bundle says it took: its newest inbound number and cursor.

        Only ever forward (an older outbound bundle imported late says less).
        """
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO inbound_bundle (device_id, sequence, cursor, confirmed_sequence, "
                "confirmed_cursor) VALUES (?, 0, 0, ?, ?) ON CONFLICT (device_id) DO UPDATE SET "
                "confirmed_sequence = excluded.confirmed_sequence, "
                "confirmed_cursor = excluded.confirmed_cursor "
                "WHERE inbound_bundle.confirmed_sequence IS NULL "
                "OR inbound_bundle.confirmed_sequence < excluded.confirmed_sequence "
                "OR (inbound_bundle.confirmed_sequence = excluded.confirmed_sequence "
                "AND inbound_bundle.confirmed_cursor < excluded.confirmed_cursor)",
                (device_id, sequence, cursor),
            )

    def note_inbound(self, device_id: str, cursor: int, now: dt.datetime) -> int:
        """Take the next inbound bundle number for the device, ending at `cursor`; the number.

        In one statement, so two bundles written at once never share a number.
        """
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO inbound_bundle (device_id, sequence, cursor, written_at) "
                "VALUES (?, 1, ?, ?) ON CONFLICT (device_id) DO UPDATE SET "
                "sequence = inbound_bundle.sequence + 1, cursor = excluded.cursor, "
                "written_at = excluded.written_at",
                (device_id, cursor, now.isoformat()),
            )
            row = tx.execute(
                "SELECT sequence FROM inbound_bundle WHERE device_id = ?", (device_id,)
            ).fetchone()
        return int(row[0])

    def device(self, device_id: str) -> Device | None:
        """The device with this id, or None."""
        with self.transaction() as tx:
            row = tx.execute(
                f"SELECT {_DEVICE_COLUMNS} FROM device WHERE id = ?",
                (device_id,),
            ).fetchone()
        return None if row is None else _device(row)

    def allocate(
        self,
        person_id: str,
        assessor_id: str,
        now: dt.datetime,
        *,
        within_team: str | None = None,
    ) -> None:
        """Put a person on an assessor's caseload (moving them from anyone else's).

        Args:
            person_id: The person.
            assessor_id: The assessor whose caseload they join.
            now: When.
            within_team: A team manager's team (schema 17): only to an assessor in it, and
                only a person on nobody's caseload or on one of its assessors'; None: any.
                Checked in the transaction that moves them, so a move or a change of team
                made meanwhile is not undone.

        Raises:
            ValueError: No such assessor.
            AllocationRefused: `within_team` is given and the assessor, or the person's
                present holder, is not in it.
        """
        if self.assessor_name(assessor_id) is None:
            raise ValueError(f"There is no assessor {assessor_id}.")
        with self.transaction() as tx:
            before = self._allocations(tx, {person_id}).get(person_id)
            if within_team is not None:
                for holder in (assessor_id, *([before] if before is not None else [])):
                    row = tx.execute("SELECT team FROM assessor WHERE id = ?", (holder,)).fetchone()
                    if row is None or row[0] != within_team:
                        raise AllocationRefused(holder, joining=holder == assessor_id)
            tx.execute(
                "INSERT INTO allocation (person_id, assessor_id, allocated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (person_id) DO UPDATE SET assessor_id = excluded.assessor_id, "
                "allocated_at = excluded.allocated_at",
                (person_id, assessor_id, now.isoformat()),
            )
            if before == assessor_id:
                return
            # The old holder's laptops let the person go; the new holder's take them.
            moves = [(assessor_id, person_id, "added", "", "", "")]
            if before is not None:
                moves.insert(0, (before, person_id, "removed", "", "", ""))
            self._log_changes(tx, moves, now)
            # The new holder's laptops take the person's shared DSTs whole (decision 0012).
            shared = tx.execute(
                "SELECT rp.record_id FROM record_person rp WHERE rp.person_id = ? AND "
                "(EXISTS (SELECT 1 FROM dst_invitation i WHERE i.record_id = rp.record_id) OR "
                "EXISTS (SELECT 1 FROM dst_contribution c WHERE c.record_id = rp.record_id)) "
                "ORDER BY rp.record_id",
                (person_id,),
            ).fetchall()
            self.log_dst_changes(tx, [(str(r[0]), "owner", assessor_id, "") for r in shared], now)

    def allocations(
        self, limit: int = 100, *, team: str | None = None
    ) -> list[tuple[str, str, str]]:
        """The newest `limit` allocations as (person id, assessor id, when), newest first.

        `team`: only those to its assessors (schema 17); None: everyone's.
        """
        where, params = ("WHERE assessor_id IN (SELECT id FROM assessor WHERE team = ?) ", [team])
        if team is None:
            where, params = "", []
        with self.transaction() as tx:
            rows = tx.execute(
                f"SELECT person_id, assessor_id, allocated_at FROM allocation {where}"
                "ORDER BY allocated_at DESC, person_id LIMIT ?",
                (*params, limit),
            ).fetchall()
        return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]

    # -- reference data (issue 15) -----------------------------------------------------------

    def reference_contents(self, kind: str) -> list[bytes]:
        """Every package of `kind` published, oldest first, exactly as signed."""
        with self.transaction() as tx:
            rows = tx.execute(
                "SELECT content FROM reference_package WHERE kind = ? ORDER BY version", (kind,)
            ).fetchall()
        return [bytes(r[0]) for r in rows]

    def next_reference_version(self, kind: str) -> int:
        """The version the next package of `kind` takes: one more than the newest published."""
        with self.transaction() as tx:
            row = tx.execute(
                "SELECT MAX(version) FROM reference_package WHERE kind = ?", (kind,)
            ).fetchone()
        return 1 if row is None or row[0] is None else int(row[0]) + 1

    def publish_reference(
        self, kind: str, version: int, description: str, content: bytes, now: dt.datetime
    ) -> bool:
        """Keep a signed package; False when `kind` already has `version` (nothing changes)."""
        with self.transaction() as tx:
            cur = tx.execute(
                "INSERT INTO reference_package (kind, version, published_at, description, "
                "sha256, size, content) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (kind, version) DO NOTHING",
                (
                    kind,
                    version,
                    now.isoformat(),
                    description,
                    hashlib.sha256(content).hexdigest(),
                    len(content),
                    content,
                ),
            )
            return cur.rowcount == 1

    def reference_newer(self, have: dict[str, int], limit_bytes: int) -> tuple[list[bytes], bool]:
        """The packages newer than `have` (kind to version), oldest first, about `limit_bytes`.

        Returns:
            The packages (always at least one when any is newer) and whether more are left.
        """
        with self.transaction() as tx:
            rows = tx.execute(
                "SELECT kind, version, size FROM reference_package ORDER BY kind, version"
            ).fetchall()
            wanted = [
                (str(r[0]), int(r[1]), int(r[2]))
                for r in rows
                if int(r[1]) > have.get(str(r[0]), 0)
            ]
            taken: list[tuple[str, int]] = []
            total = 0
            for kind, version, size in wanted:
                if taken and total + size > limit_bytes:
                    break
                taken.append((kind, version))
                total += size
            packages = [
                bytes(
                    tx.execute(
                        "SELECT content FROM reference_package WHERE kind = ? AND version = ?",
                        (kind, version),
                    ).fetchone()[0]
                )
                for kind, version in taken
            ]
        return packages, len(taken) < len(wanted)

    def reference_held(self, device_id: str) -> dict[str, int]:
        """What a device last said it holds of each kind ({} when it never said)."""
        with self.transaction() as tx:
            rows = tx.execute(
                "SELECT kind, version FROM reference_device WHERE device_id = ?", (device_id,)
            ).fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    def note_reference(self, device_id: str, have: dict[str, int], now: dt.datetime) -> None:
        """Keep what a device says it holds of each kind (0: none), and its contact.

        Every kind gets a row, so the console can tell a laptop that asked and holds nothing
        of a kind from one that never asked.
        """
        with self.transaction() as tx:
            for kind in REFERENCE_KINDS:
                version = have.get(kind, 0)
                tx.execute(
                    "INSERT INTO reference_device (device_id, kind, version, seen_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (device_id, kind) DO UPDATE SET "
                    "version = excluded.version, seen_at = excluded.seen_at",
                    (device_id, kind, version, now.isoformat()),
                )
            tx.execute(
                "UPDATE device SET last_seen_at = ? WHERE id = ?", (now.isoformat(), device_id)
            )

    def reference_packages(self) -> list[tuple[str, int, str, str, str, int]]:
        """Every published package as (kind, version, published, description, sha256, how many
        devices hold it or a newer one), newest first per kind."""
        with self.transaction() as tx:
            rows = tx.execute(
                "SELECT p.kind, p.version, p.published_at, p.description, p.sha256, "
                "(SELECT COUNT(*) FROM reference_device d WHERE d.kind = p.kind "
                "AND d.version >= p.version) FROM reference_package p "
                "ORDER BY p.kind, p.version DESC"
            ).fetchall()
        return [(str(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]), int(r[5])) for r in rows]
