"""Assessment records: field-level autosave, checkpoints into revisions, status, export/import.

`save_field` appends one row to the autosave journal and returns once it is on disk: that is
the keystroke guarantee. `checkpoint` folds the journal into one new revision of the record
(on focus change, section change, lock and close), so a long narrative makes one revision.
Reading a record always applies any journal rows not yet folded, so nothing typed is hidden
after a crash.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from assessor_app.core.answer_paths import set_answer
from assessor_app.core.errors import NotFoundError, ValidationError
from assessor_app.core.records import Assessment, AssessmentId, PersonId, RecordStatus, Revision
from assessor_app.core.storage import history, other_versions
from assessor_app.core.storage.database import Connection
from assessor_app.core.storage.people import PeopleRepository, details_to_body
from assessor_app.core.storage.vault import Vault

EXPORT_FORMAT = "assessor.record/1"
_PLAIN_ID = re.compile(r"[a-z][a-z0-9_]*\Z")
_EDITABLE = (RecordStatus.DRAFT, RecordStatus.AMENDED)
log = logging.getLogger("assessor.storage")


@dataclass(frozen=True)
class WatchedAnswers:
    """A few answers of one record, as last checkpointed, with whose and which form it is."""

    person_id: PersonId
    form_id: str
    status: RecordStatus
    answers: dict[str, Any] = field(default_factory=dict)
    """Only the answers asked for that the record has (an unanswered one is left out)."""


class Projected(NamedTuple):
    """A few answers of one record, read by SQLite from its JSON, with the record's columns.

    A tuple, not a dataclass: the to-do list makes tens of thousands at a time.
    """

    record_id: AssessmentId
    person_id: PersonId
    status: RecordStatus
    updated_at: str
    """When the record last changed (ISO text, as stored)."""
    values: dict[str, Any]
    """Each text, flag (1 or 0) and letters asked for: None when unanswered or of another
    type."""


@dataclass(frozen=True)
class OutcomeCodes:
    """How an eligibility rule reads each outcome, as plain ids, for SQLite to work out.

    `sql` is one expression giving a letter per outcome, in order: ``u`` unanswered (no
    status, one not known, or not achieved with no way chosen), ``n`` not achieved in a way
    that counts, ``a`` anything else. Kept in the `assessment_todo` index (schema 19), so the
    to-do list judges thousands of records without reading one record's JSON. The rule it
    mirrors supplies it (`services.todo`), and a test holds the two together.
    """

    prefix: str
    """Outcome answers are ``<prefix><key>_status`` and ``<prefix><key>_ways``."""
    outcomes: tuple[str, ...]
    statuses: tuple[str, ...]
    """The status values that count as answered."""
    unable: str
    """The status of an outcome not achieved (it counts when a way is chosen)."""
    ways: tuple[str, ...]
    read_ways: int = 8
    """How many items of a ways answer are looked at (the forms offer four ways)."""
    ignored: tuple[str, ...] = ()
    """Ways a form offers that the rule does not count (a carer's "takes longer"): an outcome
    not achieved in only such a way is answered (``a``), not waiting for a way (``u``)."""

    def names(self) -> tuple[str, ...]:
        """Every id written into the expression (each must be a plain id)."""
        return (
            self.unable,
            *self.statuses,
            *self.ways,
            *self.ignored,
            *(f"{self.prefix}{o}_status" for o in self.outcomes),
        )

    def sql(self) -> str:
        """The expression over the `answers` column."""
        statuses = ", ".join(f"'{v}'" for v in self.statuses)
        ways = ", ".join(f"'{v}'" for v in self.ways)
        letters = []
        for key in self.outcomes:
            status = f"answers ->> '$.{self.prefix}{key}_status'"
            items = " OR ".join(
                f"answers ->> '$.{self.prefix}{key}_ways[{n}]' IN ({ways})"
                for n in range(self.read_ways)
            )
            passed = ""
            if self.ignored:
                ignored = ", ".join(f"'{v}'" for v in self.ignored)
                passed = (
                    "WHEN "
                    + " OR ".join(
                        f"answers ->> '$.{self.prefix}{key}_ways[{n}]' IN ({ignored})"
                        for n in range(self.read_ways)
                    )
                    + " THEN 'a' "
                )
            letters.append(
                f"CASE WHEN {status} = '{self.unable}' THEN (CASE WHEN {items} THEN 'n' "
                f"{passed}ELSE 'u' END) WHEN {status} IN ({statuses}) THEN 'a' ELSE 'u' END"
            )
        return "(" + " || ".join(letters) + ")"


@dataclass(frozen=True)
class Only:
    """Which records `projected` returns, as plain data: those meeting every condition.

    Each answer named must also be one of those asked for; the conditions are read from the
    index like the answers, so only the records that matter are returned.
    """

    statuses: tuple[RecordStatus, ...] = ()
    """Only records in one of these statuses (none: any)."""
    equal: tuple[tuple[str, str | int], ...] = ()
    """(answer, value): the answer is this text, or this flag (1 or 0)."""
    not_equal: tuple[tuple[str, str | int], ...] = ()
    """(answer, value): the answer is anything else, or unanswered."""
    complete: tuple[str, ...] = ()
    """Outcome letters (`OutcomeCodes`) with none unanswered."""
    newest: bool = False
    """Only each person's most recently changed record of the form (of those statuses)."""


class AssessmentRepository:
    """Reads and writes assessment records in one vault."""

    def __init__(self, vault: Vault):
        self.vault = vault

    def create(
        self,
        person_id: PersonId,
        form_id: str,
        form_version: int,
        answers: dict[str, Any] | None = None,
    ) -> Assessment:
        """Start a draft of a form for a person, optionally with prefilled `answers`."""
        PeopleRepository(self.vault).get(person_id)
        assessment_id = AssessmentId(secrets.token_hex(8))
        draft = Assessment(
            assessment_id,
            person_id,
            form_id,
            form_version,
            RecordStatus.DRAFT,
            self.vault.profile.name,
            dict(answers or {}),
        )
        with self.vault.transaction() as conn:
            return self._append(conn, draft, "assessment.create", created=True)

    def import_new(self, record: Assessment) -> Assessment:
        """Store a record brought in from elsewhere as the first revision of a new record.

        Raises:
            ValidationError: a record with that id is already in this profile.
        """
        PeopleRepository(self.vault).get(record.person_id)
        with self.vault.transaction() as conn:
            if conn.execute("SELECT 1 FROM assessment WHERE id = ?", (record.id,)).fetchone():
                raise ValidationError(
                    f"Record {record.id} is already in this profile.",
                    "Nothing was imported. Export it again from the other system under a new id.",
                )
            return self._append(conn, record, "assessment.import", created=True)

    def record_provenance(
        self,
        assessment_id: str,
        source_record_id: str,
        source_revision: int,
        source_revision_hash: str,
        exported_by: str,
        exporter_fingerprint: str,
    ) -> None:
        """Keep where an imported record came from (append-only, schema 5)."""
        with self.vault.transaction() as conn:
            conn.execute(
                "INSERT INTO record_provenance (assessment_id, source_record_id, "
                "source_revision, source_revision_hash, exported_by, exporter_fingerprint, "
                "imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    assessment_id,
                    source_record_id,
                    source_revision,
                    source_revision_hash,
                    exported_by,
                    exporter_fingerprint,
                    history.now_utc().isoformat(),
                ),
            )

    def provenance(self, assessment_id: str) -> dict[str, Any] | None:
        """Where an imported record came from, or None for one made here."""
        row = self.vault.conn.execute(
            "SELECT source_record_id, source_revision, source_revision_hash, exported_by, "
            "exporter_fingerprint, imported_at FROM record_provenance WHERE assessment_id = ?",
            (assessment_id,),
        ).fetchone()
        if row is None:
            return None
        keys = (
            "source_record_id",
            "source_revision",
            "source_revision_hash",
            "exported_by",
            "exporter_fingerprint",
            "imported_at",
        )
        return dict(zip(keys, row, strict=True))

    def exists(self, assessment_id: str) -> bool:
        """True when the record is in this profile."""
        row = self.vault.conn.execute("SELECT 1 FROM assessment WHERE id = ?", (assessment_id,))
        return row.fetchone() is not None

    def get(self, assessment_id: str) -> Assessment:
        """The record with every autosaved field applied, including ones not yet checkpointed.

        Raises:
            NotFoundError: no such record in this profile.
        """
        conn = self.vault.conn
        base = self._get_saved(conn, assessment_id)
        if base.status not in _EDITABLE:
            return base  # autosave is for drafts: rows for a finished record are never shown
        return _replace(base, answers=_apply(base.answers, self._journal(conn, assessment_id)))

    def list_for_person(self, person_id: str) -> list[Assessment]:
        """A person's records, most recently changed first (answers as last checkpointed)."""
        rows = self.vault.conn.execute(
            f"{_SELECT} WHERE person_id = ? ORDER BY updated_at DESC", (person_id,)
        ).fetchall()
        return [_row_to_assessment(r) for r in rows]

    def list_for_forms(self, form_ids: Sequence[str]) -> list[Assessment]:
        """Every record of these forms (answers as last checkpointed), for caseload alerts."""
        marks = ", ".join("?" for _ in form_ids)
        rows = self.vault.conn.execute(
            f"{_SELECT} WHERE form_id IN ({marks}) ORDER BY updated_at DESC", tuple(form_ids)
        ).fetchall()
        return [_row_to_assessment(r) for r in rows]

    def watched_answers(
        self,
        form_ids: Sequence[str],
        answer_ids: Sequence[str],
        people: tuple[str | None, str | None] = (None, None),
    ) -> list[WatchedAnswers]:
        """These answers of every record of these forms, for the caseload's alerts.

        The same answers `list_for_forms` would give for those ids, without loading whole
        records: for the forms and answers the alerts read (`core.attention`), SQLite answers
        from the `assessment_watch` index alone (schema 9). For others it reads the table,
        which is correct but slower.

        Args:
            form_ids: Which forms' records.
            answer_ids: Which answers of them.
            people: Only the records of people whose id is at least the first and below the
                second (None: no bound), so the work can be done in parts that between them
                hold each person's records once.

        Raises:
            ValueError: a form or answer id is not a plain lower-case id (they are written
                into the query, as the index's expressions are, so that SQLite can match them).
        """
        for name in (*form_ids, *answer_ids):
            if not _PLAIN_ID.match(name):
                raise ValueError(f"not a plain form or answer id: {name!r}")
        if not form_ids:
            return []
        picks = "".join(f", answers -> '$.{a}'" for a in answer_ids)
        marks = ", ".join("?" for _ in form_ids)
        sql = f"SELECT person_id, form_id, status{picks} FROM assessment WHERE form_id IN ({marks})"
        params: list[str] = list(form_ids)
        low, high = people
        if low is not None:
            sql += " AND person_id >= ?"
            params.append(low)
        if high is not None:
            sql += " AND person_id < ?"
            params.append(high)
        rows = self.vault.conn.execute(sql, params)
        found = []
        for row in rows:
            answers = {
                a: json.loads(v) for a, v in zip(answer_ids, row[3:], strict=True) if v is not None
            }
            found.append(WatchedAnswers(PersonId(row[0]), row[1], RecordStatus(row[2]), answers))
        return found

    def projected(
        self,
        form_id: str,
        *,
        texts: Sequence[str] = (),
        flags: Sequence[str] = (),
        judged: dict[str, OutcomeCodes] | None = None,
        people: tuple[str | None, str | None] = (None, None),
        having: str | None = None,
        only: Only | None = None,
    ) -> list[Projected]:
        """Some answers of every record of one form, read by SQLite from the stored JSON.

        For the to-do list. For the forms and answers it reads (`services.todo`), SQLite
        answers from the `assessment_todo` index alone (schema 19), never reading a record's
        JSON: 20,000 records take milliseconds. For others it reads the table, which is
        correct but far slower (tests/core/test_todo.py checks the plan).

        Args:
            form_id: Which form's records.
            texts: Answers wanted as text (a date is its ISO text); None when not text.
            flags: Yes/no answers, as 1 (yes) or 0 (no); None when not a yes/no.
            judged: Names for outcome letters to work out in SQLite (`OutcomeCodes`).
            people: Only the records of people whose id is at least the first and below the
                second (None: no bound), so the work can be done in parts.
            having: Only the records of people who also have a record of this form.
            only: Only the records meeting these conditions (`Only`).

        Raises:
            ValueError: A form or answer id is not a plain lower-case id (they are written
                into the query).
        """
        judged = judged or {}
        names = [form_id, *texts, *flags, *judged, *([having] if having else [])]
        for shape in judged.values():
            names += shape.names()
        for name in names:
            if not _PLAIN_ID.match(name):
                raise ValueError(f"not a plain form or answer id: {name!r}")
        # Over the expressions the index holds, so SQLite reads them from it.
        picks = [
            f"CASE WHEN typeof(answers ->> '$.{a}') = 'text' THEN answers ->> '$.{a}' END"
            for a in texts
        ]
        picks += [
            f"CASE answers -> '$.{a}' WHEN 'true' THEN 1 WHEN 'false' THEN 0 END" for a in flags
        ]
        picks += [shape.sql() for shape in judged.values()]
        sql = (
            "SELECT id, person_id, status, updated_at"
            + "".join(f", {p}" for p in picks)
            + " FROM assessment WHERE form_id = ?"
        )
        params: list[Any] = [form_id]
        low, high = people
        if low is not None:
            sql += " AND person_id >= ?"
            params.append(low)
        if high is not None:
            sql += " AND person_id < ?"
            params.append(high)
        if having is not None:
            sql += (
                f" AND person_id IN (SELECT person_id FROM assessment WHERE form_id = '{having}')"
            )
        if only is not None:
            where, more = _only_sql(only, dict(zip((*texts, *flags, *judged), picks, strict=True)))
            sql += where
            params += more
        keys = (*texts, *flags, *judged)
        statuses = {status.value: status for status in RecordStatus}
        return [
            Projected(
                row[0], row[1], statuses[row[2]], row[3], dict(zip(keys, row[4:], strict=True))
            )
            for row in self.vault.conn.execute(sql, params).fetchall()
        ]

    def change_mark(self) -> int:
        """A number that moves on whenever any record or person is saved.

        It is the newest revision's row number: the caseload keeps it with the alerts it
        shows, to tell that they are still current.
        """
        row = self.vault.conn.execute("SELECT max(rowid) FROM revision").fetchone()
        return int(row[0] or 0)

    def save_field(self, assessment_id: str, path: str, value: Any) -> None:
        """Durably save one answer (autosave). Returns only once it is on disk.

        Raises:
            ValidationError: the path does not fit the record's answers (so it could never be
                applied), the value is not plain data, or the record is finished.
        """
        try:
            value_json = history.canonical_json(value)
        except (TypeError, ValueError) as e:
            raise ValidationError(
                f"The answer for {path} is not plain text, a number, a yes/no or a list."
            ) from e
        with self.vault.transaction() as conn:
            row = conn.execute(
                "SELECT status FROM assessment WHERE id = ?", (assessment_id,)
            ).fetchone()
            if row is None:
                self._get_saved(conn, assessment_id)  # raises the not-found message
            if row[0] not in _EDITABLE:
                raise ValidationError(
                    "This record is finished and can no longer be edited.",
                    "Start an amendment to change it.",
                )
            # Apply the change to the current state before storing it: a row that could never
            # be applied would otherwise make the record unreadable. A plain field id always
            # applies (set_answer still checks its form), so only repeating-group paths pay
            # for loading and replaying the record; this is the per-keystroke hot path.
            current: dict[str, Any] = {}
            if "[" in path:
                saved = self._get_saved(conn, assessment_id)
                current = _apply(saved.answers, self._journal(conn, assessment_id))
            set_answer(current, path, value)
            conn.execute(
                "INSERT INTO autosave_journal (assessment_id, path, value, saved_at) "
                "VALUES (?, ?, ?, ?)",
                (assessment_id, path, value_json, history.now_utc().isoformat()),
            )

    def checkpoint(self, assessment_id: str) -> Assessment:
        """Fold autosaved fields into one new revision (no revision when nothing changed)."""
        with self.vault.transaction() as conn:
            saved = self._get_saved(conn, assessment_id)
            if saved.status not in _EDITABLE:
                # Never folded into a finished record; `verify_chains` reports such rows.
                return saved
            journal = self._journal(conn, assessment_id)
            answers = _apply(saved.answers, journal)
            if journal:
                conn.execute(
                    "DELETE FROM autosave_journal WHERE assessment_id = ?", (assessment_id,)
                )
            if answers == saved.answers:
                return saved
            return self._append(conn, _replace(saved, answers=answers), "assessment.save")

    def set_status(self, assessment_id: str, status: RecordStatus) -> Assessment:
        """Move a record to a new life-cycle status, as a new revision."""
        current = self.checkpoint(assessment_id)
        if current.status == status:
            return current
        with self.vault.transaction() as conn:
            return self._append(conn, _replace(current, status=status), f"assessment.{status}")

    def change_form_version(
        self, assessment_id: str, form_version: int, answers: dict[str, Any]
    ) -> Assessment:
        """Store answers migrated to a newer version of the form definition."""
        current = self.checkpoint(assessment_id)
        with self.vault.transaction() as conn:
            moved = _replace(current, form_version=form_version, answers=answers)
            return self._append(conn, moved, "assessment.migrate_form")

    def settle_fork(
        self,
        assessment_id: str,
        chosen: dict[str, Any],
        supersedes: str,
        action: str,
    ) -> Assessment:
        """Write the choice between two versions of a record as one new revision.

        Autosaved answers are folded in first, so what was typed stays in the history. The
        new revision holds `chosen` (a version's form version, status and answers) and names
        the other version's newest revision in its body (`history.SUPERSEDES`); every
        version of the record kept from the gateway is marked settled by it, in the same
        transaction.
        """
        current = self.checkpoint(assessment_id)
        with self.vault.transaction() as conn:
            record = _replace(
                current,
                form_version=int(chosen["form_version"]),
                status=RecordStatus(chosen["status"]),
                answers=dict(chosen["answers"]),
            )
            saved = self._append(conn, record, action, extra={history.SUPERSEDES: supersedes})
            other_versions.settle(conn, assessment_id, saved.revision_hash, history.now_utc())
            return saved

    def history(self, assessment_id: str) -> list[Revision]:
        """Every revision of a record, oldest first."""
        self._get_saved(self.vault.conn, assessment_id)
        return history.list_revisions(self.vault.conn, "assessment", assessment_id)

    def export(self, assessment_id: str) -> dict[str, Any]:
        """The record, its person and its history as one JSON-able dict (`record export`)."""
        record = self.checkpoint(assessment_id)
        person = PeopleRepository(self.vault).get(record.person_id)
        return {
            "format": EXPORT_FORMAT,
            "person": {"id": person.id, **details_to_body(person.details)},
            "assessment": _to_body(record)
            | {"id": record.id, "revision": record.revision, "revision_hash": record.revision_hash}
            | self._fork_choice(assessment_id),
            "history": [
                {
                    "seq": r.seq,
                    "created_at": r.created_at.isoformat(),
                    "author": r.author,
                    "hash": r.hash,
                    "prev_hash": r.prev_hash,
                }
                for r in self.history(assessment_id)
            ],
        }

    # -- internals ----------------------------------------------------------------------

    def _fork_choice(self, assessment_id: str) -> dict[str, Any]:
        """The newest revision's fork choice (`history.SUPERSEDES`), which its hash covers."""
        row = self.vault.conn.execute(
            "SELECT body FROM revision WHERE entity_type = 'assessment' AND entity_id = ? "
            "ORDER BY seq DESC LIMIT 1",
            (assessment_id,),
        ).fetchone()
        head = json.loads(row[0]) if row else {}
        key = history.SUPERSEDES
        return {key: head[key]} if isinstance(head.get(key), str) else {}

    def _get_saved(self, conn: Connection, assessment_id: str) -> Assessment:
        row = conn.execute(f"{_SELECT} WHERE id = ?", (assessment_id,)).fetchone()
        if row is None:
            raise NotFoundError(
                f"There is no record with id {assessment_id} in this profile.",
                "Open the person's page to see their records.",
            )
        return _row_to_assessment(row)

    @staticmethod
    def _journal(conn: Connection, assessment_id: str) -> list[tuple[str, Any]]:
        rows = conn.execute(
            "SELECT path, value FROM autosave_journal WHERE assessment_id = ? ORDER BY id",
            (assessment_id,),
        ).fetchall()
        return [(r[0], json.loads(r[1])) for r in rows]

    def _append(
        self,
        conn: Connection,
        record: Assessment,
        action: str,
        *,
        created: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> Assessment:
        rev = history.append_revision(
            conn, "assessment", record.id, self.vault.profile.name, _to_body(record) | (extra or {})
        )
        stamp = rev.created_at.isoformat()
        answers = history.canonical_json(record.answers)
        if created:
            conn.execute(
                "INSERT INTO assessment (id, person_id, form_id, form_version, status, author, "
                "answers, revision, revision_hash, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.person_id,
                    record.form_id,
                    record.form_version,
                    record.status.value,
                    record.author,
                    answers,
                    rev.seq,
                    rev.hash,
                    stamp,
                    stamp,
                ),
            )
        else:
            conn.execute(
                "UPDATE assessment SET form_version = ?, status = ?, answers = ?, revision = ?, "
                "revision_hash = ?, updated_at = ?, usn = -1 WHERE id = ?",
                (
                    record.form_version,
                    record.status.value,
                    answers,
                    rev.seq,
                    rev.hash,
                    stamp,
                    record.id,
                ),
            )
        history.append_audit(
            conn, self.vault.profile.id, action, "assessment", record.id, revision_hash=rev.hash
        )
        return _replace(record, revision=rev.seq, revision_hash=rev.hash, updated_at=rev.created_at)


def _only_sql(only: Only, picked: dict[str, str]) -> tuple[str, list[Any]]:
    """The WHERE conditions for `only`, over the expressions picked (answer id to SQL).

    `Only.newest` is a NOT EXISTS over the same index (a newer record of the person), so the
    answers' conditions are checked on each person's newest record: an older record never
    stands in for a newer one.
    """
    sql, params = "", list[Any]()
    statuses = ""
    if only.statuses:
        statuses = f"status IN ({', '.join('?' for _ in only.statuses)})"
        sql += f" AND {statuses}"
        params += [s.value for s in only.statuses]
    for key, value in only.equal:
        sql += f" AND {picked[key]} = ?"
        params.append(value)
    for key, value in only.not_equal:
        sql += f" AND {picked[key]} IS NOT ?"
        params.append(value)
    for key in only.complete:
        sql += f" AND instr({picked[key]}, 'u') = 0"
    if only.newest:
        # `+status` keeps the status out of the index search: one seek to the person's few
        # records of the form, the statuses checked on them, rather than one seek for each
        # status (the newest check was most of the to-do list's time at caseload scale).
        sql += (
            " AND NOT EXISTS (SELECT 1 FROM assessment AS newer INDEXED BY assessment_todo "
            "WHERE newer.form_id = "
            "assessment.form_id AND newer.person_id = assessment.person_id"
            + (f" AND +newer.{statuses}" if statuses else "")
            + " AND newer.updated_at > assessment.updated_at)"
        )
        params += [s.value for s in only.statuses]
    return sql, params


_SELECT = (
    "SELECT id, person_id, form_id, form_version, status, author, answers, revision, "
    "revision_hash, updated_at FROM assessment"
)


def _apply(answers: dict[str, Any], journal: list[tuple[str, Any]]) -> dict[str, Any]:
    """Replay autosaved rows over saved answers.

    `save_field` refuses rows that cannot apply, so a failure here means a row written by an
    older version; it is skipped (and logged by record-free position) rather than making the
    whole record unreadable.
    """
    for position, (path, value) in enumerate(journal):
        try:
            answers = set_answer(answers, path, value)
        except ValidationError:
            log.warning("skipped autosave row %d that no longer applies", position)
    return answers


def _row_to_assessment(row: Any) -> Assessment:
    return Assessment(
        AssessmentId(row[0]),
        PersonId(row[1]),
        row[2],
        int(row[3]),
        RecordStatus(row[4]),
        row[5],
        json.loads(row[6]),
        int(row[7]),
        row[8],
        dt.datetime.fromisoformat(row[9]),
    )


def _to_body(record: Assessment) -> dict[str, Any]:
    return {
        "person_id": record.person_id,
        "form_id": record.form_id,
        "form_version": record.form_version,
        "status": record.status.value,
        "author": record.author,
        "answers": record.answers,
    }


def _replace(record: Assessment, **changes: Any) -> Assessment:
    return replace(record, **changes)
