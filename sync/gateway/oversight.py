"""What the web console reads of the gateway's work: received records, their PDFs, the queue.

Reads only, over `Store.transaction` as `accounts.py` does; nothing here changes the database.
The received records are the assessment chains laptops pushed (newest received first, a page
at a time), each with its revisions and its whole signed PDFs. A signed PDF is checked when
it is shown (`check_document`): its bytes against the SHA-256 kept when it arrived, and its
signature, offline, against the council's document signing CA, by the app's own checker
(`assessor_app.core.pdf.verify`, pyHanko's validation). The team's queue is, per assessor, what
their laptops last reported still to send, and the people on their caseload with the records
still open at the gateway; an open record whose newest revision held here was made more than
`OVERDUE_AFTER` ago is overdue (docs/gateway.md says what the gateway cannot see). Given a
``team`` (schema 17), the records and the queue are cut to that team's (a team manager's).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assessor_app.core.errors import ValidationError
from assessor_app.core.pdf.verify import verify_pdf
from sync.gateway.store import Store, _select_in
from sync.protocol import QueueReport

__all__ = [
    "OPEN_STATUSES",
    "OVERDUE_AFTER",
    "AssessorQueue",
    "DocumentCheck",
    "OpenRecord",
    "ReceivedRecord",
    "RecordDetail",
    "RevisionRow",
    "StoredPdf",
    "check_document",
    "leased_devices",
    "received_records",
    "record_detail",
    "record_in_team",
    "stored_pdf",
    "team_queue",
]

OPEN_STATUSES = frozenset({"draft", "amended"})
"""A record in one of these is still being worked on (as the pull counts them)."""
OVERDUE_AFTER = dt.timedelta(days=14)
"""An open record untouched (at the gateway) for longer than this is overdue."""


@dataclass(frozen=True)
class ReceivedRecord:
    """One record the gateway holds, as the list shows it."""

    record_id: str
    person_id: str
    person_name: str
    form_id: str
    status: str
    revisions: int
    last_received_at: str
    documents: int


@dataclass(frozen=True)
class RevisionRow:
    """One revision of a record: who made it, when, on which laptop, and when it arrived."""

    seq: int
    hash: str
    created_at: str
    author: str
    device: str
    device_assessor: str
    """The name of the assessor the laptop is enrolled for ('' for a laptop not known)."""
    received_at: str
    status: str


@dataclass(frozen=True)
class StoredPdf:
    """A whole signed PDF the gateway holds."""

    id: str
    record_id: str
    revision_hash: str
    kind: str
    variant: str
    filename: str
    size: int
    sha256: str
    device: str
    completed_at: str


@dataclass(frozen=True)
class DocumentCheck:
    """A signed PDF checked on the page: 'valid', 'not confirmed' or 'not valid', and why."""

    verdict: str
    message: str
    bytes_match: bool

    @property
    def valid(self) -> bool:
        """The bytes are those that arrived and the signature checks against the council's CA."""
        return self.verdict == "valid"


@dataclass(frozen=True)
class RecordDetail:
    """A record with its revisions (oldest first) and its whole signed PDFs."""

    record: ReceivedRecord
    revisions: tuple[RevisionRow, ...]
    documents: tuple[StoredPdf, ...]


@dataclass(frozen=True)
class OpenRecord:
    """A record on a caseload that is still open at the gateway."""

    record_id: str
    form_id: str
    status: str
    last_changed_at: str
    overdue: bool


@dataclass(frozen=True)
class AssessorQueue:
    """One assessor's laptops (with their last reports) and caseload (with open records)."""

    assessor_id: str
    name: str
    laptops: tuple[tuple[str, str | None, tuple[str, QueueReport] | None], ...]
    """(device id, revoked at, (reported at, report) or None) for each laptop."""
    people: tuple[tuple[str, str, tuple[OpenRecord, ...]], ...]
    """(person id, name, open records) for each person on the caseload: those with overdue
    work first, then by name."""

    @property
    def overdue(self) -> int:
        """How many of the caseload's open records are overdue."""
        return sum(r.overdue for _, _, records in self.people for r in records)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _name(body: dict[str, Any]) -> str:
    return " ".join(str(body.get(k) or "").strip() for k in ("given_name", "family_name")).strip()


def _before(stamp: str, cutoff: dt.datetime) -> bool:
    """Whether a revision's time is before `cutoff` (a time without a zone is read as UTC)."""
    try:
        at = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return False
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)) < cutoff


def _head(rows: Sequence[Any]) -> Any:
    """The newest revision of a chain (rows of seq, created_at, hash, ...), as a pull takes it."""
    return max(rows, key=lambda r: (int(r[0]), str(r[1]), str(r[2])))


def _people_names(tx: Any, people: set[str]) -> dict[str, str]:
    """Person id -> the name their newest revision held here gives."""
    chains: dict[str, list[Any]] = {}
    for row in _select_in(
        tx,
        "SELECT entity_id, seq, created_at, hash, body FROM revision "
        "WHERE entity_type = 'person' AND entity_id IN ({})",
        people,
    ):
        chains.setdefault(str(row[0]), []).append(row[1:])
    names = {}
    for person, rows in chains.items():
        try:
            names[person] = _name(json.loads(str(_head(rows)[3])))
        except ValueError:
            names[person] = ""
    return names


_TEAM_RECORD = (
    "({column} IN (SELECT s.entity_id FROM revision s JOIN device d ON d.id = s.device "
    "JOIN assessor a ON a.id = d.assessor_id WHERE s.entity_type = 'assessment' AND a.team = ?) "
    "OR {column} IN (SELECT p.record_id FROM record_person p JOIN allocation l "
    "ON l.person_id = p.person_id JOIN assessor a ON a.id = l.assessor_id WHERE a.team = ?))"
)
"""A record is a team's when a laptop of one of its assessors sent a revision of it, or its
person is on one of its assessors' caseloads now (two ``?``: the team, twice)."""


def received_records(
    store: Store,
    *,
    assessor: str = "",
    person: str = "",
    offset: int = 0,
    limit: int = 25,
    team: str | None = None,
) -> tuple[list[ReceivedRecord], bool]:
    """A page of the records received, newest received first; and whether there are more.

    Args:
        store: The gateway's database.
        assessor: Only records a laptop of this assessor sent a revision of ('' for all).
        person: Only this person's records ('' for all).
        offset: How many of the newest to skip.
        limit: How many to give at most.
        team: Only the team's records (`_TEAM_RECORD`; schema 17); None: everyone's.
    """
    where, params = ["r.entity_type = 'assessment'"], []
    if team is not None:
        where.append(_TEAM_RECORD.format(column="r.entity_id"))
        params += [team, team]
    if person:
        where.append("r.entity_id IN (SELECT record_id FROM record_person WHERE person_id = ?)")
        params.append(person)
    if assessor:
        where.append(
            "r.entity_id IN (SELECT s.entity_id FROM revision s JOIN device d ON d.id = s.device "
            "WHERE s.entity_type = 'assessment' AND d.assessor_id = ?)"
        )
        params.append(assessor)
    with store.transaction() as tx:
        rows = tx.execute(
            "SELECT r.entity_id, MAX(r.received_at) AS last_received, COUNT(*) FROM revision r "
            f"WHERE {' AND '.join(where)} GROUP BY r.entity_id "
            "ORDER BY last_received DESC, r.entity_id LIMIT ? OFFSET ?",
            [*params, limit + 1, offset],
        ).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        found = _summaries(tx, {str(r[0]): (str(r[1]), int(r[2])) for r in rows})
    return [found[str(r[0])] for r in rows], more


def _summaries(tx: Any, wanted: dict[str, tuple[str, int]]) -> dict[str, ReceivedRecord]:
    """The list's line for each record in `wanted` (id -> (last received, revisions))."""
    chains: dict[str, list[Any]] = {}
    for row in _select_in(
        tx,
        "SELECT entity_id, seq, created_at, hash, body FROM revision "
        "WHERE entity_type = 'assessment' AND entity_id IN ({})",
        set(wanted),
    ):
        chains.setdefault(str(row[0]), []).append(row[1:])
    people = {
        str(r[0]): str(r[1])
        for r in _select_in(
            tx,
            "SELECT record_id, person_id FROM record_person WHERE record_id IN ({})",
            set(wanted),
        )
    }
    documents: dict[str, int] = {}
    for r in _select_in(
        tx,
        "SELECT record_id, COUNT(*) FROM document WHERE completed_at IS NOT NULL "
        "AND record_id IN ({}) GROUP BY record_id",
        set(wanted),
    ):
        documents[str(r[0])] = int(r[1])
    heads = {}
    for record_id, rows in chains.items():
        try:
            heads[record_id] = json.loads(str(_head(rows)[3]))
        except ValueError:
            heads[record_id] = {}
    names = _people_names(tx, set(people.values()))
    found = {}
    for record_id, (last, count) in wanted.items():
        head = heads.get(record_id, {})
        person = people.get(record_id) or _text(head.get("person_id"))
        found[record_id] = ReceivedRecord(
            record_id,
            person,
            names.get(person, ""),
            _text(head.get("form_id")),
            _text(head.get("status")),
            count,
            last,
            documents.get(record_id, 0),
        )
    return found


def record_detail(store: Store, record_id: str) -> RecordDetail | None:
    """A record with every revision held and its whole signed PDFs; None if none is held."""
    with store.transaction() as tx:
        rows = tx.execute(
            "SELECT r.seq, r.created_at, r.hash, r.body, r.author, r.device, r.received_at, "
            "a.name FROM revision r LEFT JOIN device d ON d.id = r.device "
            "LEFT JOIN assessor a ON a.id = d.assessor_id "
            "WHERE r.entity_type = 'assessment' AND r.entity_id = ? "
            "ORDER BY r.seq, r.created_at, r.hash",
            (record_id,),
        ).fetchall()
        if not rows:
            return None
        last = max(str(r[6]) for r in rows)
        summary = _summaries(tx, {record_id: (last, len(rows))})[record_id]
        documents = tx.execute(
            "SELECT id, record_id, revision_hash, kind, variant, filename, size, sha256, device, "
            "completed_at FROM document WHERE record_id = ? AND completed_at IS NOT NULL "
            "ORDER BY completed_at, id",
            (record_id,),
        ).fetchall()
    revisions = []
    for r in rows:
        try:
            status = _text(json.loads(str(r[3])).get("status"))
        except (ValueError, AttributeError):
            status = ""
        revisions.append(
            RevisionRow(
                int(r[0]),
                str(r[2]),
                str(r[1]),
                str(r[4]),
                str(r[5]),
                _text(r[7]),
                str(r[6]),
                status,
            )
        )
    return RecordDetail(summary, tuple(revisions), tuple(_pdf(d) for d in documents))


def _pdf(row: Any) -> StoredPdf:
    return StoredPdf(
        str(row[0]),
        str(row[1]),
        str(row[2]),
        str(row[3]),
        str(row[4]),
        str(row[5]),
        int(row[6]),
        str(row[7]),
        str(row[8]),
        str(row[9]),
    )


def stored_pdf(store: Store, document_id: str) -> tuple[StoredPdf, bytes] | None:
    """A whole signed PDF's details and the bytes held now; None while it is not whole."""
    with store.transaction() as tx:
        row = tx.execute(
            "SELECT id, record_id, revision_hash, kind, variant, filename, size, sha256, device, "
            "completed_at FROM document WHERE id = ? AND completed_at IS NOT NULL",
            (document_id,),
        ).fetchone()
        if row is None:
            return None
        chunks = tx.execute(
            "SELECT data FROM document_chunk WHERE document_id = ? ORDER BY at_offset",
            (document_id,),
        ).fetchall()
    return _pdf(row), b"".join(bytes(c[0]) for c in chunks)


def check_document(pdf: StoredPdf, data: bytes, signing_ca_der: bytes) -> DocumentCheck:
    """Check a held PDF: its bytes against the SHA-256 kept, its signature against the CA.

    Args:
        pdf: The PDF's details, with the SHA-256 it arrived with.
        data: The bytes the gateway holds now.
        signing_ca_der: The council's document signing CA, the one root trusted.
    """
    match = hashlib.sha256(data).hexdigest() == pdf.sha256
    try:
        report = verify_pdf(data, [signing_ca_der])
    except ValidationError as e:
        return DocumentCheck("not valid", e.user_message, match)
    verdict = report.lines()[0]
    if not match:
        return DocumentCheck(
            "not valid",
            "The bytes held are not the ones that arrived (their SHA-256 differs from the one "
            f"kept): the PDF was changed in the gateway's store. {verdict}",
            False,
        )
    if not report.ok:
        return DocumentCheck("not valid", verdict, True)
    if not report.trusted:
        return DocumentCheck("not confirmed", verdict, True)
    return DocumentCheck("valid", verdict, True)


def leased_devices(store: Store) -> set[str]:
    """The devices that have a lease key (those enrolled before leases have none)."""
    with store.transaction() as tx:
        rows = tx.execute("SELECT id FROM device WHERE lease_key IS NOT NULL").fetchall()
    return {str(r[0]) for r in rows}


def record_in_team(store: Store, record_id: str, team: str) -> bool:
    """Whether a record is the team's to see (`_TEAM_RECORD`)."""
    with store.transaction() as tx:
        row = tx.execute(
            "SELECT 1 FROM revision r WHERE r.entity_type = 'assessment' AND r.entity_id = ? "
            f"AND {_TEAM_RECORD.format(column='r.entity_id')} LIMIT 1",
            (record_id, team, team),
        ).fetchone()
    return row is not None


def team_queue(store: Store, now: dt.datetime, *, team: str | None = None) -> list[AssessorQueue]:
    """Per assessor, by name: their laptops' last reports and their caseload's open records.

    Args:
        store: The gateway's database.
        now: The gateway's time, from which `OVERDUE_AFTER` is counted back.
        team: Only the team's assessors (schema 17); None: every assessor.
    """
    cutoff = now - OVERDUE_AFTER
    mine, params = ("a.team = ?", (team,)) if team is not None else ("1 = 1", ())
    with store.transaction() as tx:
        assessors = tx.execute(
            f"SELECT a.id, a.name FROM assessor a WHERE {mine} ORDER BY a.name, a.id", params
        ).fetchall()
        devices = tx.execute(
            "SELECT d.id, d.assessor_id, d.revoked_at FROM device d "
            f"JOIN assessor a ON a.id = d.assessor_id WHERE {mine} ORDER BY d.enrolled_at",
            params,
        ).fetchall()
        allocations = tx.execute(
            "SELECT l.person_id, l.assessor_id FROM allocation l "
            f"JOIN assessor a ON a.id = l.assessor_id WHERE {mine} ORDER BY l.person_id",
            params,
        ).fetchall()
        people = {str(r[0]) for r in allocations}
        records: dict[str, list[str]] = {}
        for row in _select_in(
            tx, "SELECT record_id, person_id FROM record_person WHERE person_id IN ({})", people
        ):
            records.setdefault(str(row[1]), []).append(str(row[0]))
        chains: dict[str, list[Any]] = {}
        for row in _select_in(
            tx,
            "SELECT entity_id, seq, created_at, hash, body FROM revision "
            "WHERE entity_type = 'assessment' AND entity_id IN ({})",
            {r for ids in records.values() for r in ids},
        ):
            chains.setdefault(str(row[0]), []).append(row[1:])
        names = _people_names(tx, people)
    reports = store.queue_reports()
    open_records: dict[str, tuple[OpenRecord, ...]] = {}
    for person, ids in records.items():
        found = []
        for record_id in sorted(ids):
            if record_id not in chains:
                continue
            head = _head(chains[record_id])
            try:
                body = json.loads(str(head[3]))
            except ValueError:
                continue
            status = _text(body.get("status"))
            if status in OPEN_STATUSES:
                changed = str(head[1])
                found.append(
                    OpenRecord(
                        record_id,
                        _text(body.get("form_id")),
                        status,
                        changed,
                        _before(changed, cutoff),
                    )
                )
        open_records[person] = tuple(sorted(found, key=lambda r: r.last_changed_at))
    queues = []
    for assessor_id, name in assessors:
        laptops = tuple(
            (str(d[0]), None if d[2] is None else str(d[2]), reports.get(str(d[0])))
            for d in devices
            if str(d[1]) == str(assessor_id)
        )
        caseload = tuple(
            sorted(
                (
                    (str(p), names.get(str(p), ""), open_records.get(str(p), ()))
                    for p, holder in allocations
                    if str(holder) == str(assessor_id)
                ),
                # Whoever has overdue work first, then by name.
                key=lambda c: (not any(r.overdue for r in c[2]), c[1].casefold(), c[0]),
            )
        )
        queues.append(AssessorQueue(str(assessor_id), str(name), laptops, caseload))
    return queues
