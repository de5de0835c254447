"""Writing many new people and records at once, for a caseload the authority seeds.

The rows are exactly those the one-at-a-time repositories write: each person's and record's
revisions hash-chained from the first (`history.chain_hash`), the `person` and `assessment`
projections of the newest revision, an audit entry naming every revision (chained on from
the log's head), and whatever the revision hooks add (the outbox row), run through
`history.run_revision_hooks`. They are gathered in memory and inserted a few thousand at a
time with `executemany`, inside the caller's transaction, so a refused or interrupted import
writes nothing. Only for people and records new to the vault: every chain starts at
revision 1 (the table's unique key refuses one that does not).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from assessor_app.core.records import Assessment, PersonDetails, RecordStatus, Revision
from assessor_app.core.storage import history
from assessor_app.core.storage.database import Connection
from assessor_app.core.storage.people import details_to_body, person_search_text
from assessor_app.core.storage.vault import Vault

__all__ = ["BulkWriter", "assessment_body_json"]

_REVISION_SQL = (
    "INSERT INTO revision (entity_type, entity_id, seq, created_at, author, body, prev_hash, "
    "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_PERSON_SQL = (
    "INSERT INTO person (id, family_name, given_name, search_text, body, revision, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_ASSESSMENT_SQL = (
    "INSERT INTO assessment (id, person_id, form_id, form_version, status, author, answers, "
    "revision, revision_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_AUDIT_SQL = (
    "INSERT INTO audit (seq, at, actor, action, entity_type, entity_id, prev_hash, hash, "
    "revision_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def assessment_body_json(record: Assessment, status: RecordStatus, answers_json: str) -> str:
    """`history.canonical_json` of a record revision's body, around its answers' JSON.

    The body's keys in sorted order, each value encoded as `json.dumps` encodes it (without
    escaping non-ASCII), so the text, and the hash over it, are the same either way.
    """
    text = _TEXT
    return (
        f'{{"answers":{answers_json},"author":{text(record.author)},'
        f'"form_id":{text(record.form_id)},"form_version":{int(record.form_version)},'
        f'"person_id":{text(record.person_id)},"status":{text(status.value)}}}'
    )


_TEXT: Callable[[str], str] = json.encoder.encode_basestring


class BulkWriter:
    """Appends new people and records in batches, inside one transaction of the caller's.

    Call `flush` (or leave it to `add_*`, which flush every `batch_rows` revisions) before
    the transaction commits.
    """

    def __init__(self, vault: Vault, conn: Connection, *, batch_rows: int = 4000):
        self.conn = conn
        self.author = vault.profile.name
        self.actor = vault.profile.id
        self.batch_rows = batch_rows
        self.revisions_written = 0
        self._audit_seq, self._audit_prev = history.audit_head(conn)
        self._revision_rows: list[tuple[Any, ...]] = []
        self._revisions: list[Revision] = []
        self._people: list[tuple[Any, ...]] = []
        self._records: list[tuple[Any, ...]] = []
        self._audit: list[tuple[Any, ...]] = []

    def add_person(self, person_id: str, details: PersonDetails) -> Revision:
        """A new person (details already validated) as their first revision."""
        body = details_to_body(details)
        rev, body_json = self._revision("person", person_id, 1, history.GENESIS_HASH, body)
        stamp = rev.created_at.isoformat()
        self._people.append(
            (
                person_id,
                details.family_name,
                details.given_name,
                person_search_text(details),
                body_json,
                1,
                stamp,
            )
        )
        self._audit_entry("person.create", "person", person_id, rev.hash)
        self._maybe_flush()
        return rev

    def add_record(
        self,
        record: Assessment,
        states: Sequence[tuple[RecordStatus, dict[str, Any]]],
        answers_json: Sequence[str] | None = None,
    ) -> Revision:
        """A new record with one revision for each of `states` (status, answers), oldest first.

        `record` gives the id, person, form, version and author; its own status and answers
        are ignored. The first revision is audited as an import (as `record import` does),
        each later one as a save or as its change of status (as `set_status` does).
        `answers_json`, when given, is each state's answers as `history.canonical_json` writes
        them, made already elsewhere (a worker process): the bodies are built around them,
        and the answers in `states` are not read (a worker sends them as `{}`; the returned
        revision's `body` holds what `states` held).
        """
        prev = history.GENESIS_HASH
        first_stamp = ""
        rev: Revision | None = None
        last_status: RecordStatus | None = None
        for seq, (status, answers) in enumerate(states, start=1):
            body = {
                "person_id": record.person_id,
                "form_id": record.form_id,
                "form_version": record.form_version,
                "status": status.value,
                "author": record.author,
                "answers": answers,
            }
            made = None
            if answers_json is not None:
                made = assessment_body_json(record, status, answers_json[seq - 1])
            rev, _ = self._revision("assessment", record.id, seq, prev, body, made)
            prev = rev.hash
            if seq == 1:
                action = "assessment.import"
                first_stamp = rev.created_at.isoformat()
            elif status != last_status:
                action = f"assessment.{status}"
            else:
                action = "assessment.save"
            last_status = status
            self._audit_entry(action, "assessment", record.id, rev.hash)
        if rev is None or last_status is None:
            raise ValueError("a record needs at least one revision")
        self._records.append(
            (
                record.id,
                record.person_id,
                record.form_id,
                record.form_version,
                last_status.value,
                record.author,
                answers_json[-1] if answers_json else history.canonical_json(states[-1][1]),
                rev.seq,
                rev.hash,
                first_stamp,
                rev.created_at.isoformat(),
            )
        )
        self._maybe_flush()
        return rev

    def add_audit(self, action: str) -> None:
        """An audit entry about the vault as a whole (e.g. that a caseload was imported)."""
        self._audit_entry(action, "", "", "")

    def flush(self) -> None:
        """Insert everything gathered so far and run the revision hooks on it."""
        conn = self.conn
        if self._revision_rows:
            conn.executemany(_REVISION_SQL, self._revision_rows)
        if self._people:
            conn.executemany(_PERSON_SQL, self._people)
        if self._records:
            conn.executemany(_ASSESSMENT_SQL, self._records)
        if self._audit:
            conn.executemany(_AUDIT_SQL, self._audit)
        if self._revisions:
            history.run_revision_hooks(conn, self._revisions)
        self.revisions_written += len(self._revisions)
        self._revision_rows, self._revisions = [], []
        self._people, self._records, self._audit = [], [], []

    # -- internals ----------------------------------------------------------------------

    def _maybe_flush(self) -> None:
        if len(self._revisions) >= self.batch_rows:
            self.flush()

    def _revision(
        self,
        entity_type: str,
        entity_id: str,
        seq: int,
        prev: str,
        body: dict[str, Any],
        body_json: str | None = None,
    ) -> tuple[Revision, str]:
        created_at = history.now_utc()
        stamp = created_at.isoformat()
        if body_json is None:
            body_json = history.canonical_json(body)
        digest = history.chain_hash(
            entity_type, entity_id, seq, stamp, self.author, body_json, prev
        )
        self._revision_rows.append(
            (entity_type, entity_id, seq, stamp, self.author, body_json, prev, digest)
        )
        rev = Revision(entity_type, entity_id, seq, created_at, self.author, body, prev, digest)
        self._revisions.append(rev)
        return rev, body_json

    def _audit_entry(
        self, action: str, entity_type: str, entity_id: str, revision_hash: str
    ) -> None:
        seq = self._audit_seq + 1
        at = history.now_utc().isoformat()
        digest = history.audit_entry_hash(
            seq, at, self.actor, action, entity_type, entity_id, self._audit_prev, revision_hash
        )
        self._audit.append(
            (
                seq,
                at,
                self.actor,
                action,
                entity_type,
                entity_id,
                self._audit_prev,
                digest,
                revision_hash,
            )
        )
        self._audit_seq, self._audit_prev = seq, digest
