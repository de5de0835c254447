"""Hash-chained history: revisions of people and assessments, and the audit log.

Each revision carries the hash of the one before it for the same record; each audit entry
carries the hash of the entry before it. Changing or removing any entry breaks the chain,
and `verify_chains` reports the first break. The audit log holds ids, never names or answers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from assessor_app.core.records import AuditEntry, Revision
from assessor_app.core.storage.database import Connection, in_chunks

GENESIS_HASH = "0" * 64

SUPERSEDES = "supersedes"
"""The key in a record revision's body that settles a fork (decision 0004): the hash of the
other version's newest revision, which the revision carrying it replaces. It is not part of
the record shown (the projection), so `verify_chains` compares the rest of the body."""


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def now_utc() -> dt.datetime:
    """The current time in UTC, to the microsecond."""
    return dt.datetime.now(dt.UTC)


_TEXT: Callable[[str], str] = json.encoder.encode_basestring
"""A string as `canonical_json` writes it (json's own C escaping, non-ASCII kept)."""


def _material(fields: list[Any]) -> str:
    """`canonical_json(fields)` for a list of strings and whole numbers, built directly.

    Every revision and audit entry is hashed over such a list (a bulk import hashes 400,000),
    and `json.dumps` spends more time setting itself up than escaping them. The text is the
    same, character for character (`tests/core/test_history_material.py`); anything else in
    the list goes through `canonical_json` itself.
    """
    parts = []
    text = _TEXT
    for value in fields:
        kind = type(value)
        if kind is str:
            parts.append(text(value))
        elif kind is int:
            parts.append(str(value))
        else:
            return canonical_json(fields)
    return "[" + ",".join(parts) + "]"


def chain_hash(
    entity_type: str, entity_id: str, seq: int, created_at: str, author: str, body: str, prev: str
) -> str:
    """A revision's hash from its fields, with the body already in canonical JSON."""
    material = _material([entity_type, entity_id, seq, created_at, author, body, prev])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def revision_hash(
    entity_type: str,
    entity_id: str,
    seq: int,
    created_at: str,
    author: str,
    body: dict[str, Any],
    prev: str,
) -> str:
    """The hash a revision with these fields has (to check one that arrived in a file)."""
    return chain_hash(entity_type, entity_id, seq, created_at, author, canonical_json(body), prev)


def audit_entry_hash(
    seq: int,
    at: str,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    prev: str,
    revision_hash: str = "",
) -> str:
    """The hash an audit entry with these fields has (its writers, its checker, bulk writes)."""
    # Entries from before schema 5 name no revision; their material is unchanged.
    fields: list[Any] = [seq, at, actor, action, entity_type, entity_id, prev]
    if revision_hash:
        fields.append(revision_hash)
    return hashlib.sha256(_material(fields).encode("utf-8")).hexdigest()


RevisionHook = Callable[[Connection, Revision], None]
"""Called with every revision appended, inside the same transaction, before it commits."""

BatchRevisionHook = Callable[[Connection, Sequence[Revision]], None]
"""The same hook for many revisions at once (`storage.bulk` writes them in batches)."""

_REVISION_HOOKS: list[RevisionHook] = []
_BATCH_FORMS: dict[RevisionHook, BatchRevisionHook] = {}


def add_revision_hook(hook: RevisionHook, *, batch: BatchRevisionHook | None = None) -> None:
    """Run `hook` for every revision appended from now on (the outbox registers itself).

    `batch`, when given, does for a list of revisions exactly what `hook` does for each one;
    `run_revision_hooks` uses it for batches.
    """
    if hook not in _REVISION_HOOKS:
        _REVISION_HOOKS.append(hook)
    if batch is not None:
        _BATCH_FORMS[hook] = batch


def run_revision_hooks(conn: Connection, revisions: Sequence[Revision]) -> None:
    """Run every revision hook for revisions already written, oldest first, in one go.

    For a writer that inserts many revisions at once (`storage.bulk`): each hook sees every
    revision, as if each had been appended by `append_revision`, through its batch form when
    it has one. Call inside the transaction that wrote them.
    """
    for hook in tuple(_REVISION_HOOKS):
        batch = _BATCH_FORMS.get(hook)
        if batch is not None:
            batch(conn, revisions)
        else:
            for revision in revisions:
                hook(conn, revision)


@contextlib.contextmanager
def revision_hook(hook: RevisionHook) -> Iterator[None]:
    """Run `hook` for every revision appended inside the block.

    This is where sync enqueues a record for the authority: the hook writes its outbox row on
    the same connection, so the row and the revision commit together or not at all, and a
    hook that raises rolls the revision back with the rest of the use case's transaction.
    """
    _REVISION_HOOKS.append(hook)
    try:
        yield
    finally:
        _REVISION_HOOKS.remove(hook)


def append_revision(
    conn: Connection, entity_type: str, entity_id: str, author: str, body: dict[str, Any]
) -> Revision:
    """Append the next revision of a record, then run the revision hooks.

    Call inside a transaction: every revision of a person or a record is appended here and
    nowhere else, so a hook sees them all.
    """
    row = conn.execute(
        "SELECT seq, hash FROM revision WHERE entity_type = ? AND entity_id = ? "
        "ORDER BY seq DESC LIMIT 1",
        (entity_type, entity_id),
    ).fetchone()
    seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS_HASH)
    created_at = now_utc()
    body_json = canonical_json(body)
    stamp = created_at.isoformat()
    digest = chain_hash(entity_type, entity_id, seq, stamp, author, body_json, prev)
    conn.execute(
        "INSERT INTO revision (entity_type, entity_id, seq, created_at, author, body, "
        "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (entity_type, entity_id, seq, stamp, author, body_json, prev, digest),
    )
    revision = Revision(entity_type, entity_id, seq, created_at, author, body, prev, digest)
    for hook in tuple(_REVISION_HOOKS):
        hook(conn, revision)
    return revision


def list_revisions(conn: Connection, entity_type: str, entity_id: str) -> list[Revision]:
    """Every revision of one record, oldest first."""
    rows = conn.execute(
        "SELECT seq, created_at, author, body, prev_hash, hash FROM revision "
        "WHERE entity_type = ? AND entity_id = ? ORDER BY seq",
        (entity_type, entity_id),
    ).fetchall()
    return [
        Revision(
            entity_type,
            entity_id,
            r[0],
            dt.datetime.fromisoformat(r[1]),
            r[2],
            json.loads(r[3]),
            r[4],
            r[5],
        )
        for r in rows
    ]


def revisions_by_hash(conn: Connection, hashes: Sequence[str]) -> dict[str, tuple[Revision, str]]:
    """The revisions named by `hashes` (those this vault holds), each with its stored stamp.

    The stamp is its time exactly as stored (see `stored_stamps`). Read a few hundred at a
    time by the unique index on the hash, so sending a queue reads each revision once rather
    than every chain it touches whole.
    """
    found: dict[str, tuple[Revision, str]] = {}
    for chunk, marks in in_chunks(hashes):
        rows = conn.execute(
            "SELECT entity_type, entity_id, seq, created_at, author, body, prev_hash, hash "
            f"FROM revision WHERE hash IN ({marks})",
            chunk,
        ).fetchall()
        for r in rows:
            revision = Revision(
                r[0],
                r[1],
                r[2],
                dt.datetime.fromisoformat(r[3]),
                r[4],
                json.loads(r[5]),
                r[6],
                r[7],
            )
            found[str(r[7])] = (revision, str(r[3]))
    return found


def stored_stamps(conn: Connection, entity_type: str, entity_id: str) -> dict[str, str]:
    """Each revision's time exactly as it was stored (its hash covers this text), by hash.

    `Revision.created_at` is that text parsed; sending it on re-serialised would change the
    hash of any stamp not written the way `datetime.isoformat` writes it.
    """
    return dict(
        conn.execute(
            "SELECT hash, created_at FROM revision WHERE entity_type = ? AND entity_id = ?",
            (entity_type, entity_id),
        ).fetchall()
    )


def append_audit(
    conn: Connection,
    actor: str,
    action: str,
    entity_type: str = "",
    entity_id: str = "",
    *,
    revision_hash: str = "",
) -> AuditEntry:
    """Append one audit entry (ids only, never personal data). Call inside a transaction.

    An entry that records a new revision names its hash (`revision_hash`), so the audit chain,
    whose head is anchored outside the file (`storage.anchor`), commits to every revision.
    """
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS_HASH)
    at = now_utc()
    digest = audit_entry_hash(
        seq, at.isoformat(), actor, action, entity_type, entity_id, prev, revision_hash
    )
    conn.execute(
        "INSERT INTO audit (seq, at, actor, action, entity_type, entity_id, prev_hash, hash, "
        "revision_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at.isoformat(), actor, action, entity_type, entity_id, prev, digest, revision_hash),
    )
    return AuditEntry(seq, at, actor, action, entity_type, entity_id, prev, digest)


def audit_head(conn: Connection) -> tuple[int, str]:
    """The newest audit entry's number and hash; (0, GENESIS_HASH) for an empty log."""
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


def list_audit(conn: Connection, entity_id: str | None = None) -> list[AuditEntry]:
    """Audit entries, oldest first, optionally for one record."""
    sql = "SELECT seq, at, actor, action, entity_type, entity_id, prev_hash, hash FROM audit"
    params: tuple[str, ...] = ()
    if entity_id is not None:
        sql += " WHERE entity_id = ?"
        params = (entity_id,)
    rows = conn.execute(sql + " ORDER BY seq", params).fetchall()
    return [
        AuditEntry(r[0], dt.datetime.fromisoformat(r[1]), r[2], r[3], r[4], r[5], r[6], r[7])
        for r in rows
    ]


@dataclass(frozen=True)
class ChainReport:
    """What `verify_chains` found."""

    revisions_checked: int
    """How many revisions were rehashed."""
    audit_entries_checked: int
    """How many audit entries were rehashed."""
    first_break: str | None
    """Plain description of the first break, or None when both chains are whole."""
    kind: str | None = None
    """What kind of break: "changed" (content edited after it was saved), "missing"
    (entries removed), "unlinked" (an entry that does not follow the one before),
    "projection" (what is shown is not the history), "journal" (autosaved changes to a
    finished record), "rolled_back" (the file is older than the last one this profile
    saved, see `storage.anchor`), "damaged" (the file itself is damaged). None when whole."""
    last_good: str | None = None
    """The last point known good before the break, e.g. "audit entry 41 of 2026-12-01"."""

    @property
    def ok(self) -> bool:
        """True when no break was found."""
        return self.first_break is None


def _found(kind: str, what: str) -> tuple[str, str]:
    return kind, what


def verify_chains(conn: Connection) -> ChainReport:
    """Rehash every revision and audit entry and check each link to the one before.

    Also checks that what users see is the head of each chain, that every revision an audit
    entry names is still there (and, since schema 5, that every revision is named by one),
    and that no finished record has autosaved changes waiting. The anchor outside the file
    is checked by `storage.anchor.check_anchor`.
    """
    checked = 0
    last_good: str | None = None
    expected_prev: dict[tuple[str, str], tuple[int, str]] = {}
    head_bodies: dict[tuple[str, str], str] = {}
    revision_times: dict[str, tuple[str, str, str]] = {}
    by_entity: dict[tuple[str, str], list[str]] = {}
    found: tuple[str, str] | None = None
    rows = conn.execute(
        "SELECT entity_type, entity_id, seq, created_at, author, body, prev_hash, hash "
        "FROM revision ORDER BY entity_type, entity_id, seq"
    )
    for etype, eid, seq, created_at, author, body, prev, digest in rows:
        checked += 1
        revision_times[digest] = (created_at, etype, f"{etype} {eid} revision {seq}")
        by_entity.setdefault((etype, eid), []).append(digest)
        if found:
            continue
        last_seq, last_hash = expected_prev.get((etype, eid), (0, GENESIS_HASH))
        where = f"{etype} {eid} revision {seq}"
        last_good = f"{etype} {eid} revision {last_seq}" if last_seq else f"{etype} {eid}: none"
        if seq != last_seq + 1:
            found = _found("missing", f"{where}: revision {last_seq + 1} is missing")
        elif prev != last_hash:
            found = _found("unlinked", f"{where}: does not link to the revision before it")
        elif chain_hash(etype, eid, seq, created_at, author, body, prev) != digest:
            found = _found("changed", f"{where}: its content was changed after it was saved")
        expected_prev[(etype, eid)] = (seq, digest)
        head_bodies[(etype, eid)] = body
    if found is None:
        problem = _check_projections(conn, expected_prev, head_bodies)
        found = _found("projection", problem) if problem else None
    audit_checked = 0
    last_hash = GENESIS_HASH
    last_seq = 0
    if found is None:
        last_good = None
    released = _released(conn)
    named: set[str] = set()
    for seq, at, actor, action, etype, eid, prev, digest, rev_hash in conn.execute(
        "SELECT seq, at, actor, action, entity_type, entity_id, prev_hash, hash, revision_hash "
        "FROM audit ORDER BY seq"
    ):
        audit_checked += 1
        if found:
            continue
        if seq != last_seq + 1:
            found = _found("missing", f"audit entry {last_seq + 1} is missing")
        elif prev != last_hash:
            found = _found("unlinked", f"audit entry {seq} does not link to the entry before it")
        elif audit_entry_hash(seq, at, actor, action, etype, eid, prev, rev_hash) != digest:
            found = _found("changed", f"audit entry {seq} was changed after it was written")
        elif rev_hash and rev_hash not in revision_times and (etype, eid) not in released:
            found = _found(
                "missing",
                f"audit entry {seq} records a revision of {etype} {eid} that is no longer in "
                "the history",
            )
        if found:
            continue
        if rev_hash:
            named.add(rev_hash)
        last_seq, last_hash = seq, digest
        last_good = f"audit entry {seq} of {at[:10]}"
    if found is None and named:
        # Since schema 5 every revision is named by the audit entry written with it: once a
        # record has one named revision, every later one must be named too. (Order by the
        # chain, not by the clock, which may have been wrong.)
        for digests in by_entity.values():
            first = next((i for i, d in enumerate(digests) if d in named), None)
            unnamed = [d for d in digests[first or 0 :] if d not in named]
            if first is not None and unnamed:
                where = revision_times[unnamed[0]][2]
                found = _found("changed", f"{where} was added without an audit entry")
                break
    if found is None:
        problem = _check_journal(conn)
        found = _found("journal", problem) if problem else None
    if found is None:
        return ChainReport(checked, audit_checked, None, None, last_good)
    return ChainReport(checked, audit_checked, found[1], found[0], last_good)


def _released(conn: Connection) -> set[tuple[str, str]]:
    """People and records let go of when they left this caseload (schema 14).

    Their audit entries name revisions this vault no longer holds, by design.
    """
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'caseload_released'"
    ).fetchone()
    if exists is None:
        return set()
    rows = conn.execute("SELECT entity_type, entity_id FROM caseload_released").fetchall()
    return {(str(r[0]), str(r[1])) for r in rows}


def _check_journal(conn: Connection) -> str | None:
    """Autosaved rows may wait only on drafts; on a finished record they would be folded in."""
    row = conn.execute(
        "SELECT j.assessment_id, a.status FROM autosave_journal j "
        "LEFT JOIN assessment a ON a.id = j.assessment_id "
        "WHERE a.status IS NULL OR a.status NOT IN ('draft', 'amended') LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    if row[1] is None:
        return f"the autosave journal holds changes to record {row[0]}, which does not exist"
    return f"the autosave journal holds changes to record {row[0]}, which is {row[1]}"


def shown_body(body: str) -> str:
    """A revision's body (JSON) as its projection shows it: without a fork choice's note."""
    if f'"{SUPERSEDES}"' not in body:
        return body
    parsed = json.loads(body)
    parsed.pop(SUPERSEDES, None)
    return canonical_json(parsed)


def _check_projections(
    conn: Connection,
    heads: dict[tuple[str, str], tuple[int, str]],
    bodies: dict[tuple[str, str], str],
) -> str | None:
    """What users see (the current-state rows) must be exactly the head of each chain."""
    for eid, revision, body in conn.execute("SELECT id, revision, body FROM person"):
        head = heads.get(("person", eid))
        if head is None or head[0] != revision:
            have = head[0] if head else 0
            return f"person {eid}: shows revision {revision} but history holds {have}"
        if body != shown_body(bodies[("person", eid)]):
            return f"person {eid}: the details shown differ from revision {revision}"
    for row in conn.execute(
        "SELECT id, revision, revision_hash, person_id, form_id, form_version, status, author, "
        "answers FROM assessment"
    ):
        eid, revision, revision_hash = row[0], row[1], row[2]
        head = heads.get(("assessment", eid))
        if head is None or head[0] != revision:
            have = head[0] if head else 0
            return f"assessment {eid}: shows revision {revision} but history holds {have}"
        shown = {
            "person_id": row[3],
            "form_id": row[4],
            "form_version": row[5],
            "status": row[6],
            "author": row[7],
            "answers": json.loads(row[8]),
        }
        if revision_hash != head[1] or canonical_json(shown) != shown_body(
            bodies[("assessment", eid)]
        ):
            return f"assessment {eid}: the record shown differs from revision {revision}"
    return None
