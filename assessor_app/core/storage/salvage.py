"""Salvage: copy everything that can still be read from a damaged vault into a new profile.

When part of `vault.db` is damaged and there is no good backup, the rest must not be lost
with it. `salvage` reads each person and record on its own (so one bad page costs only what
is on it), taking the current state where it can be read and otherwise the newest readable
revision, and writes them into a fresh profile under the same passphrase: nothing is ever
written out in plain text. The profile's keys, its MDT members' keys and its signed PDFs are
copied as they are where they can be read. The damaged profile is left untouched. Imports no
Qt.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from assessor_app.core.errors import AssessorError
from assessor_app.core.records import (
    Assessment,
    AssessmentId,
    PersonDetails,
    PersonId,
    RecordStatus,
)
from assessor_app.core.storage import database
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.atomic import write_atomic
from assessor_app.core.storage.keyslots import KdfParams
from assessor_app.core.storage.people import PeopleRepository, details_from_body
from assessor_app.core.storage.vault import Vault

__all__ = ["SalvageReport", "salvage"]

_COPIED_AS_IS = (
    "device_key",
    "trusted_root",
    "mdt_member_key",
    "contribution_signer",
    "signed_document",
)


@dataclass
class SalvageReport:
    """What `salvage` saved."""

    profile_id: str
    """The new profile (same passphrase)."""
    people: int = 0
    """People copied."""
    records: int = 0
    """Records copied."""
    from_history: int = 0
    """Of those, how many came from an older revision because their current state was lost."""
    documents: int = 0
    """Signed PDFs copied."""
    lost: list[str] = field(default_factory=list)
    """Ids of people and records that could not be read at all."""


def salvage(
    source: Vault, data_dir: Path, passphrase: str, *, kdf: KdfParams | None = None
) -> SalvageReport:
    """Copy what can be read from `source` into a new profile; report what was saved.

    Raises:
        WrongPassphraseError: `passphrase` is not the source profile's (checked first).
    """
    source._check_passphrase(passphrase)
    profile = source.profile
    target = Vault.create(
        data_dir,
        name=profile.name,
        role=profile.role,
        authority=profile.authority,
        passphrase=passphrase,
        kdf=kdf,
    )
    report = SalvageReport(target.profile.id)
    try:
        _copy_people(source, target, report)
        _copy_records(source, target, report)
        _copy_tables(source, target, report)
    finally:
        target.close()
    label = f"{profile.name} (salvaged {dt.date.today():%d/%m/%Y})"
    with contextlib.suppress(OSError):
        write_atomic(
            target.folder / "profile.json",
            json.dumps({"label": label, "created_at": dt.date.today().isoformat()}).encode(),
        )
    return report


def _ids(vault: Vault, *queries: str) -> list[str]:
    """Ids from several places, each read as far as it can be."""
    found: dict[str, None] = {}
    for sql in queries:
        try:
            for (value,) in vault.conn.execute(sql):
                found[str(value)] = None
        except database.DatabaseError:
            continue
    return list(found)


def _newest_body(vault: Vault, entity_type: str, entity_id: str) -> dict[str, Any] | None:
    """The newest revision of a record whose body can still be read."""
    try:
        seqs = [
            int(r[0])
            for r in vault.conn.execute(
                "SELECT seq FROM revision WHERE entity_type = ? AND entity_id = ? "
                "ORDER BY seq DESC",
                (entity_type, entity_id),
            ).fetchall()
        ]
    except database.DatabaseError:
        return None
    for seq in seqs:
        try:
            row = vault.conn.execute(
                "SELECT body FROM revision WHERE entity_type = ? AND entity_id = ? AND seq = ?",
                (entity_type, entity_id, seq),
            ).fetchone()
            body = json.loads(row[0])
            if isinstance(body, dict):
                return body
        except (database.DatabaseError, ValueError, TypeError):
            continue
    return None


def _copy_people(source: Vault, target: Vault, report: SalvageReport) -> None:
    people, into = PeopleRepository(source), PeopleRepository(target)
    for pid in _ids(
        source,
        "SELECT id FROM person",
        "SELECT DISTINCT entity_id FROM revision WHERE entity_type = 'person'",
    ):
        details: PersonDetails | None
        try:
            details = people.get(pid).details
        except (AssessorError, database.DatabaseError):
            body = _newest_body(source, "person", pid)
            try:
                details = details_from_body(body) if body is not None else None
            except AssessorError:
                details = None
        if details is None:
            report.lost.append(f"person {pid}")
            continue
        try:
            into.add(details, today=dt.date.today(), person_id=PersonId(pid))
            report.people += 1
        except AssessorError:
            report.lost.append(f"person {pid}")


def _copy_records(source: Vault, target: Vault, report: SalvageReport) -> None:
    records, into = AssessmentRepository(source), AssessmentRepository(target)
    people_here = PeopleRepository(target)
    for rid in _ids(
        source,
        "SELECT id FROM assessment",
        "SELECT DISTINCT entity_id FROM revision WHERE entity_type = 'assessment'",
    ):
        record: Assessment | None
        try:
            record = records.get(rid)
        except (AssessorError, database.DatabaseError):
            record = _record_from(rid, _newest_body(source, "assessment", rid))
            if record is not None:
                report.from_history += 1
        if record is None or not people_here.exists(record.person_id):
            report.lost.append(f"record {rid}")
            continue
        try:
            into.import_new(replace(record, revision=0, revision_hash="", updated_at=None))
            report.records += 1
        except AssessorError:
            report.lost.append(f"record {rid}")


def _record_from(rid: str, body: dict[str, Any] | None) -> Assessment | None:
    if body is None:
        return None
    try:
        return Assessment(
            AssessmentId(rid),
            PersonId(str(body["person_id"])),
            str(body["form_id"]),
            int(body["form_version"]),
            RecordStatus(body["status"]),
            str(body["author"]),
            dict(body["answers"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _copy_tables(source: Vault, target: Vault, report: SalvageReport) -> None:
    """Keys, trust roots, member keys and signed PDFs, row by row as they are."""
    for table in _COPIED_AS_IS:
        columns = [r[1] for r in target.conn.execute(f"PRAGMA table_info({table})")]
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        for row in _rows(source, table, names):
            try:
                with target.transaction() as conn:
                    conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", row)
                if table == "signed_document":
                    report.documents += 1
            except (AssessorError, database.DatabaseError):
                continue


def _rows(vault: Vault, table: str, names: str) -> list[tuple[Any, ...]]:
    """Every readable row of `table`, one at a time where the table has rowids."""
    try:
        rowids = [r[0] for r in vault.conn.execute(f"SELECT rowid FROM {table}").fetchall()]
    except database.DatabaseError:
        rowids = None  # WITHOUT ROWID, or the table's pages are lost: read what comes
    if rowids is None:
        try:
            return [tuple(r) for r in vault.conn.execute(f"SELECT {names} FROM {table}")]
        except database.DatabaseError:
            return []
    rows = []
    for rowid in rowids:
        try:
            row = vault.conn.execute(
                f"SELECT {names} FROM {table} WHERE rowid = ?", (rowid,)
            ).fetchone()
        except database.DatabaseError:
            continue
        if row is not None:
            rows.append(tuple(row))
    return rows
