"""The outbox: every revision of a person or a record, queued for the authority's gateway.

A row is written by the revision hook below, on the revision's own connection, so a revision
and its outbox row commit together or not at all: nothing saved can miss the queue, and
nothing rolled back can be sent. The states and why they exist are in
``migrations/0006_outbox.sql``; the sync client moves rows between them with the functions
here, each inside the caller's transaction. A failed send never deletes anything.

Sending order: a record's revisions go in sequence, so its chain reaches the gateway whole. A
revision is due once the one before it (of the same record) is acknowledged or in the same
batch. A quarantined revision holds back only the later revisions of its own record, never
anyone else's. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from assessor_app.core.records import Revision
from assessor_app.core.storage import history
from assessor_app.core.storage.database import Connection, in_chunks

__all__ = [
    "QUEUED_TYPES",
    "SENT_BY_FILE",
    "acknowledged_in",
    "HeldRow",
    "OutboxItem",
    "OutboxState",
    "OutboxSummary",
    "due",
    "enqueue",
    "enqueue_many",
    "held",
    "items",
    "mark_acknowledged",
    "mark_refused",
    "mark_unsent",
    "next_delay",
    "sent_before",
    "retry_quarantined",
    "summary",
]

QUEUED_TYPES = frozenset({"person", "assessment"})
"""The revisions that are sent: people and records (nothing else has revisions today)."""

SENT_BY_FILE = "Sent by file, awaiting receipt."
"""The reason an exported revision (or signed PDF) shows until its receipt, or an online
sync's answer, comes back. A failed online attempt leaves it: it is still true, and it is how
the laptop tells what is out on a memory stick (`mark_unsent` with ``answered=False``)."""

FIRST_RETRY = dt.timedelta(seconds=5)
"""The wait before the first retry after a failure that passes."""
LONGEST_WAIT = dt.timedelta(minutes=15)
"""Back-off never waits longer than this between tries."""


class OutboxState(StrEnum):
    """Where a queued revision is (see the migration for what each means)."""

    QUEUED = "queued"
    RETRYING = "retrying"
    QUARANTINED = "quarantined"
    ACKNOWLEDGED = "acknowledged"


@dataclass(frozen=True)
class OutboxItem:
    """One queued revision, and why it is where it is."""

    revision_hash: str
    entity_type: str
    entity_id: str
    seq: int
    queued_at: str
    state: OutboxState
    attempts: int
    next_attempt_at: str | None
    reason: str
    """The last failure in words, or the gateway's refusal; "" when there is none."""


@dataclass(frozen=True)
class OutboxSummary:
    """What the sync status shows: how many are waiting, held, sent, and since when.

    Counts revisions; the signed PDFs still to send are counted apart (`documents_waiting`).
    """

    queued: int
    retrying: int
    quarantined: int
    acknowledged: int
    last_acknowledged_at: str | None
    documents_waiting: int = 0
    """Signed PDFs not yet at the gateway (held ones included)."""
    documents_held: int = 0
    """Of those, the ones the gateway refused for good."""

    @property
    def waiting(self) -> int:
        """Revisions not yet at the gateway, held ones included."""
        return self.queued + self.retrying + self.quarantined


_HELD_FOR_A_DST = (
    "SELECT 1 FROM shared_dst WHERE (? = 'assessment' AND record_id = ?) "
    "OR (? = 'person' AND person_id = ? AND brought_person = 1) LIMIT 1"
)
"""A DST held by invitation, or the person brought with it (schema 18): never queued, as the
owner's laptop holds the record; the member's contributions go by the DST exchange."""


def _held_for_a_dst(conn: Connection, entity_type: str, entity_id: str) -> bool:
    row = conn.execute(_HELD_FOR_A_DST, (entity_type, entity_id, entity_type, entity_id))
    return row.fetchone() is not None


def enqueue(conn: Connection, revision: Revision) -> None:
    """Queue one revision; the revision hook calls this inside the revision's transaction.

    Not a DST held by invitation, nor the person brought with it (`_HELD_FOR_A_DST`).
    """
    if revision.entity_type not in QUEUED_TYPES or _held_for_a_dst(
        conn, revision.entity_type, revision.entity_id
    ):
        return
    conn.execute(
        "INSERT INTO outbox (revision_hash, entity_type, entity_id, seq, queued_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (
            revision.hash,
            revision.entity_type,
            revision.entity_id,
            revision.seq,
            revision.created_at.isoformat(),
        ),
    )


def enqueue_many(conn: Connection, revisions: Sequence[Revision]) -> None:
    """`enqueue` for many revisions at once (bulk imports), in the caller's transaction.

    What is held for a DST is read once for the lot, not asked of the database per revision.
    """
    held = {("assessment", r) for (r,) in conn.execute("SELECT record_id FROM shared_dst")}
    held |= {
        ("person", p)
        for (p,) in conn.execute("SELECT person_id FROM shared_dst WHERE brought_person = 1")
    }
    conn.executemany(
        "INSERT INTO outbox (revision_hash, entity_type, entity_id, seq, queued_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (r.hash, r.entity_type, r.entity_id, r.seq, r.created_at.isoformat())
            for r in revisions
            if r.entity_type in QUEUED_TYPES and (r.entity_type, r.entity_id) not in held
        ],
    )


history.add_revision_hook(enqueue, batch=enqueue_many)

_COLUMNS = (
    "revision_hash, entity_type, entity_id, seq, queued_at, state, attempts, next_attempt_at, "
    "reason"
)


def _item(row: Sequence[object]) -> OutboxItem:
    return OutboxItem(
        str(row[0]),
        str(row[1]),
        str(row[2]),
        int(str(row[3])),
        str(row[4]),
        OutboxState(str(row[5])),
        int(str(row[6])),
        None if row[7] is None else str(row[7]),
        str(row[8]),
    )


_READY = (
    "({t}.state = 'queued' OR ({t}.state = 'retrying' AND "
    "({t}.next_attempt_at IS NULL OR {t}.next_attempt_at <= :now)))"
)
_DUE = (
    f"SELECT {', '.join('o.' + c.strip() for c in _COLUMNS.split(','))} FROM outbox o "
    # Named, not left to the planner: with the queue's state split over an OR it would take
    # `outbox_due` and sort the whole queue, which is what this is here to avoid.
    "INDEXED BY outbox_waiting "
    f"WHERE o.state <> 'acknowledged' AND {_READY.format(t='o')} "
    "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.entity_type = o.entity_type "
    "AND p.entity_id = o.entity_id AND p.seq < o.seq AND p.state <> 'acknowledged' "
    f"AND NOT {_READY.format(t='p')}) "
    "ORDER BY o.queued_at, o.entity_type, o.entity_id, o.seq LIMIT :limit"
)
"""Ready rows in the order they were queued, none behind a row of its record that waits.

Walks the `outbox_waiting` index (schema 12) and stops at the limit: the cost is the batch's,
not the queue's."""


def due(conn: Connection, now: dt.datetime, *, limit: int = 200) -> list[OutboxItem]:
    """The revisions to send now, oldest first, each record's in sequence.

    A revision is due when it is queued, or retrying and its wait is over, and every earlier
    revision of its record is acknowledged or due in this same list. So a record whose
    revision is quarantined (or waiting to retry) sends nothing past it, and other records
    are not held back.
    """
    if limit <= 0:
        return []
    rows = conn.execute(_DUE, {"now": now.isoformat(), "limit": limit}).fetchall()
    # Keep each record's revisions a gap-free run: a revision goes only if the one before it
    # is acknowledged or goes first in this same batch.
    sent: set[tuple[str, str, int]] = set()
    batch: list[OutboxItem] = []
    for row in rows:
        item = _item(row)
        before = (item.entity_type, item.entity_id, item.seq - 1)
        if item.seq > 1 and before not in sent and not _acknowledged(conn, *before):
            continue
        sent.add((item.entity_type, item.entity_id, item.seq))
        batch.append(item)
    return batch


def _acknowledged(conn: Connection, entity_type: str, entity_id: str, seq: int) -> bool:
    row = conn.execute(
        "SELECT state FROM outbox WHERE entity_type = ? AND entity_id = ? AND seq = ?",
        (entity_type, entity_id, seq),
    ).fetchone()
    # A revision older than the outbox (none: schema 6 queues them all) counts as sent.
    return row is None or row[0] == OutboxState.ACKNOWLEDGED.value


def sent_before(conn: Connection, entity_type: str, entity_id: str, below: int) -> list[str]:
    """The hashes of a chain's revisions before `below`, in order, if all are acknowledged.

    Empty when any of them is not (a chain still being sent has lost nothing at the gateway).

    Args:
        conn: The vault's connection.
        entity_type: The chain's kind ("person", "assessment").
        entity_id: The chain's id.
        below: The seq to stop before.
    """
    rows = conn.execute(
        "SELECT revision_hash, state FROM outbox WHERE entity_type = ? AND entity_id = ? "
        "AND seq < ? ORDER BY seq",
        (entity_type, entity_id, below),
    ).fetchall()
    if not rows or any(r[1] != OutboxState.ACKNOWLEDGED.value for r in rows):
        return []
    return [str(r[0]) for r in rows]


def acknowledged_in(conn: Connection, entity_type: str, entity_id: str) -> list[str]:
    """The hashes of a chain's revisions the gateway has acknowledged, in order."""
    rows = conn.execute(
        "SELECT revision_hash FROM outbox WHERE entity_type = ? AND entity_id = ? "
        "AND state = 'acknowledged' ORDER BY seq",
        (entity_type, entity_id),
    ).fetchall()
    return [str(r[0]) for r in rows]


def mark_acknowledged(conn: Connection, hashes: Iterable[str], at: dt.datetime) -> int:
    """The gateway stored these revisions; how many rows changed (a repeat changes none)."""
    changed = 0
    for chunk, marks in in_chunks(sorted(set(hashes))):
        cur = conn.execute(
            "UPDATE outbox SET state = 'acknowledged', acknowledged_at = ?, reason = '', "
            f"next_attempt_at = NULL WHERE state <> 'acknowledged' AND revision_hash IN ({marks})",
            (at.isoformat(), *chunk),
        )
        changed += cur.rowcount
    return changed


def next_delay(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """How long to wait before try number `attempts` + 1: doubling, capped, fully jittered.

    Full jitter (a random wait up to the doubled ceiling) spreads the laptops of a whole team
    that lost the network together, so they do not all come back at the same second.
    """
    ceiling = min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)
    share = (rng or random.SystemRandom()).random()
    wait: dt.timedelta = max(FIRST_RETRY / 2, ceiling * share)
    return wait


def mark_unsent(
    conn: Connection,
    hashes: Iterable[str],
    reason: str,
    now: dt.datetime,
    rng: random.Random | None = None,
    *,
    at_once: bool = False,
    answered: bool = True,
) -> None:
    """A send failed for a reason that passes (network, time-out, 5xx): try again later.

    Args:
        conn: The vault's connection, inside the caller's transaction.
        hashes: The revisions that were not acknowledged.
        reason: What went wrong, in words the status shows ("No connection to the council's
            server.").
        now: When it failed; the next try is after a back-off from then.
        rng: The jitter's source (tests pass a seeded one).
        at_once: Due again now, with no back-off (what it waited for is being sent first).
        answered: The gateway answered for these revisions (online or in a receipt). False
            for a send that never got an answer: a revision out on a stick then keeps
            `SENT_BY_FILE`, since its bundle may still reach the gateway.
    """
    # Read a chunk at a time and write with one executemany: a bundle of 1,000 revisions
    # marked one statement pair at a time took half of `export_bundle` (bench.bundle).
    for chunk, marks in in_chunks(hashes):
        rows = conn.execute(
            "SELECT revision_hash, attempts, reason FROM outbox "
            f"WHERE state <> 'acknowledged' AND revision_hash IN ({marks})",
            chunk,
        ).fetchall()
        found = {str(r[0]): (int(r[1]), str(r[2])) for r in rows}
        changes = []
        for digest in chunk:  # in the caller's order, so a seeded jitter stays as it was
            if digest not in found:
                continue
            attempts, had = found[digest][0] + 1, found[digest][1]
            wait = dt.timedelta(0) if at_once else next_delay(attempts, rng)
            kept = had if not answered and had == SENT_BY_FILE else reason
            changes.append((attempts, (now + wait).isoformat(), kept, digest))
        conn.executemany(
            "UPDATE outbox SET state = 'retrying', attempts = ?, next_attempt_at = ?, reason = ? "
            "WHERE revision_hash = ?",
            changes,
        )


def mark_refused(conn: Connection, digest: str, reason: str) -> None:
    """The gateway refused this revision for good (its content or the device's rights).

    It is kept, with the gateway's reason, until someone puts it right and retries it.
    """
    conn.execute(
        "UPDATE outbox SET state = 'quarantined', attempts = attempts + 1, reason = ?, "
        "next_attempt_at = NULL WHERE revision_hash = ? AND state <> 'acknowledged'",
        (reason, digest),
    )


def retry_quarantined(conn: Connection, digest: str) -> bool:
    """Queue a quarantined revision again (once its problem is fixed); False if it is not."""
    cur = conn.execute(
        "UPDATE outbox SET state = 'queued', next_attempt_at = NULL "
        "WHERE revision_hash = ? AND state = 'quarantined'",
        (digest,),
    )
    return cur.rowcount == 1


def items(conn: Connection, state: OutboxState | None = None) -> list[OutboxItem]:
    """Every row (or those in `state`), in the order they were queued."""
    where, args = ("WHERE state = ?", (state.value,)) if state else ("", ())
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM outbox {where} ORDER BY queued_at, entity_id, seq", args
    ).fetchall()
    return [_item(r) for r in rows]


@dataclass(frozen=True)
class HeldRow:
    """A change or signed PDF the gateway refused for good, with whose record it is."""

    kind: str
    """"person" (a person's details), "record" (a record's revision) or "pdf"."""
    item_id: str
    """The person's, record's or signed PDF's id."""
    seq: int
    """The revision's number (0 for a PDF)."""
    person_id: str
    record_id: str
    """'' for a person's details."""
    form_id: str
    """'' for a person's details."""
    form_version: int
    reason: str


def held(conn: Connection, *, limit: int) -> list[HeldRow]:
    """The held changes, then the held signed PDFs, oldest first, at most `limit` in all."""
    changes = conn.execute(
        "SELECT o.entity_type, o.entity_id, o.seq, COALESCE(a.person_id, o.entity_id), "
        "COALESCE(a.form_id, ''), COALESCE(a.form_version, 0), o.reason FROM outbox o "
        "LEFT JOIN assessment a ON o.entity_type = 'assessment' AND a.id = o.entity_id "
        "WHERE o.state = 'quarantined' ORDER BY o.queued_at, o.entity_id, o.seq LIMIT ?",
        (limit,),
    ).fetchall()
    documents = conn.execute(
        "SELECT d.document_id, a.person_id, d.assessment_id, a.form_id, a.form_version, "
        "d.reason FROM document_outbox d JOIN assessment a ON a.id = d.assessment_id "
        "WHERE d.state = 'quarantined' ORDER BY d.queued_at, d.document_id LIMIT ?",
        (max(0, limit - len(changes)),),
    ).fetchall()
    rows = [
        HeldRow(
            "record" if r[0] == "assessment" else "person",
            str(r[1]),
            int(r[2]),
            str(r[3]),
            str(r[1]) if r[0] == "assessment" else "",
            str(r[4]),
            int(r[5]),
            str(r[6]),
        )
        for r in changes
    ]
    rows += [
        HeldRow("pdf", str(r[0]), 0, str(r[1]), str(r[2]), str(r[3]), int(r[4]), str(r[5]))
        for r in documents
    ]
    return rows


def summary(conn: Connection) -> OutboxSummary:
    """Counts by state and the time of the last acknowledgement."""
    counts = dict.fromkeys(OutboxState, 0)
    for state, count in conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state"):
        counts[OutboxState(state)] = int(count)
    last = conn.execute("SELECT MAX(acknowledged_at) FROM outbox").fetchone()[0]
    documents = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(state = 'quarantined'), 0) FROM document_outbox "
        "WHERE state <> 'acknowledged'"
    ).fetchone()
    return OutboxSummary(
        counts[OutboxState.QUEUED],
        counts[OutboxState.RETRYING],
        counts[OutboxState.QUARANTINED],
        counts[OutboxState.ACKNOWLEDGED],
        last,
        int(documents[0]),
        int(documents[1]),
    )
