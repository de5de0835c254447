"""The document outbox: every signed PDF, queued for the gateway after its record's revision.

Rows are written by the database itself (a trigger on ``signed_document``, schema 10), in the
transaction that keeps the PDF. The sync client moves them between the states of
``migrations/0010_document_outbox.sql`` with the functions here, each inside the caller's
transaction. A PDF is due only once the revision it was signed for is acknowledged, so the
gateway can check it against a record it holds; a held PDF holds back nothing else. A failed
send never deletes anything. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assessor_app.core.storage.database import Connection
from assessor_app.core.storage.outbox import SENT_BY_FILE, OutboxState, next_delay

__all__ = [
    "PendingDocument",
    "QueuedDocument",
    "due",
    "for_bundle",
    "mark_acknowledged",
    "mark_refused",
    "mark_unsent",
    "pending",
    "retry_quarantined",
    "state_of",
]


@dataclass(frozen=True)
class QueuedDocument:
    """One signed PDF due to be sent."""

    document_id: str
    assessment_id: str
    revision_hash: str
    attempts: int


@dataclass(frozen=True)
class PendingDocument:
    """A signed PDF not yet at the gateway, with what the status says about it."""

    document_id: str
    assessment_id: str
    form_id: str
    form_version: int
    person_name: str
    """The person the record is about, as the caseload shows them."""
    state: OutboxState
    reason: str
    """The last failure in words, or the gateway's refusal; "" when there is none."""
    revision_sent: bool
    """The revision it was signed for is at the gateway (else the PDF waits for it)."""


def due(conn: Connection, now: dt.datetime, *, limit: int = 50) -> list[QueuedDocument]:
    """The PDFs to send now, oldest first: their revision is acknowledged and their wait over."""
    rows = conn.execute(
        "SELECT d.document_id, d.assessment_id, d.revision_hash, d.attempts "
        "FROM document_outbox d JOIN outbox o ON o.revision_hash = d.revision_hash "
        "WHERE o.state = 'acknowledged' AND (d.state = 'queued' OR (d.state = 'retrying' "
        "AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= ?))) "
        "ORDER BY d.queued_at, d.document_id LIMIT ?",
        (now.isoformat(), max(limit, 0)),
    ).fetchall()
    return [QueuedDocument(str(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows]


def for_bundle(conn: Connection, sent: Iterable[str]) -> list[QueuedDocument]:
    """The PDFs to put in a bundle: waiting (whatever their retry time), oldest first.

    Each one's revision must be acknowledged already or be among `sent` (the bundle's own
    revisions, which the gateway stores before it takes the PDFs).
    """
    going = set(sent)
    rows = conn.execute(
        "SELECT d.document_id, d.assessment_id, d.revision_hash, d.attempts, o.state "
        "FROM document_outbox d JOIN outbox o ON o.revision_hash = d.revision_hash "
        "WHERE d.state IN ('queued', 'retrying') ORDER BY d.queued_at, d.document_id"
    ).fetchall()
    return [
        QueuedDocument(str(r[0]), str(r[1]), str(r[2]), int(r[3]))
        for r in rows
        if r[4] == "acknowledged" or str(r[2]) in going
    ]


def mark_acknowledged(conn: Connection, document_id: str, at: dt.datetime) -> bool:
    """The gateway holds the whole PDF; False when it was marked already."""
    cur = conn.execute(
        "UPDATE document_outbox SET state = 'acknowledged', acknowledged_at = ?, reason = '', "
        "next_attempt_at = NULL WHERE document_id = ? AND state <> 'acknowledged'",
        (at.isoformat(), document_id),
    )
    return cur.rowcount == 1


def mark_unsent(
    conn: Connection,
    document_id: str,
    reason: str,
    now: dt.datetime,
    rng: random.Random | None = None,
    *,
    answered: bool = True,
) -> None:
    """A send failed for a reason that passes: try again after a back-off (as revisions do).

    With ``answered=False`` (no answer came back), a PDF out on a stick keeps `SENT_BY_FILE`,
    as `outbox.mark_unsent` does for revisions.
    """
    row = conn.execute(
        "SELECT attempts, reason FROM document_outbox "
        "WHERE document_id = ? AND state <> 'acknowledged'",
        (document_id,),
    ).fetchone()
    if row is None:
        return
    attempts = int(row[0]) + 1
    kept = row[1] if not answered and row[1] == SENT_BY_FILE else reason
    conn.execute(
        "UPDATE document_outbox SET state = 'retrying', attempts = ?, next_attempt_at = ?, "
        "reason = ? WHERE document_id = ?",
        (attempts, (now + next_delay(attempts, rng)).isoformat(), kept, document_id),
    )


def mark_refused(conn: Connection, document_id: str, reason: str) -> None:
    """Refused for good: kept with the reason until someone puts it right and retries it."""
    conn.execute(
        "UPDATE document_outbox SET state = 'quarantined', attempts = attempts + 1, reason = ?, "
        "next_attempt_at = NULL WHERE document_id = ? AND state <> 'acknowledged'",
        (reason, document_id),
    )


def retry_quarantined(conn: Connection, document_id: str) -> bool:
    """Queue a held PDF again (once its problem is fixed); False if it is not held."""
    cur = conn.execute(
        "UPDATE document_outbox SET state = 'queued', next_attempt_at = NULL "
        "WHERE document_id = ? AND state = 'quarantined'",
        (document_id,),
    )
    return cur.rowcount == 1


def state_of(conn: Connection, document_id: str) -> OutboxState | None:
    """Where one PDF is in the queue (None: not queued)."""
    row = conn.execute(
        "SELECT state FROM document_outbox WHERE document_id = ?", (document_id,)
    ).fetchone()
    return None if row is None else OutboxState(str(row[0]))


def pending(conn: Connection) -> list[PendingDocument]:
    """Every signed PDF not yet at the gateway, in the order they were signed."""
    rows = conn.execute(
        "SELECT d.document_id, d.assessment_id, a.form_id, a.form_version, p.given_name, "
        "p.family_name, d.state, d.reason, COALESCE(o.state = 'acknowledged', 0) "
        "FROM document_outbox d JOIN assessment a ON a.id = d.assessment_id "
        "JOIN person p ON p.id = a.person_id "
        "LEFT JOIN outbox o ON o.revision_hash = d.revision_hash "
        "WHERE d.state <> 'acknowledged' ORDER BY d.queued_at, d.document_id"
    ).fetchall()
    return [_pending(r) for r in rows]


def _pending(r: Sequence[object]) -> PendingDocument:
    name = " ".join(str(part) for part in (r[4], r[5]) if part)
    return PendingDocument(
        str(r[0]),
        str(r[1]),
        str(r[2]),
        int(str(r[3])),
        name,
        OutboxState(str(r[6])),
        str(r[7]),
        bool(r[8]),
    )
