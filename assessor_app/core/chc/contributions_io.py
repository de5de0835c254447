"""Sending and receiving one MDT member's DST contribution between vaults, by file.

The author exports their own contribution from their draft DST, signed with their profile's
key and encrypted under the passphrase the MDT agreed; another member imports it into their
own DST of the same person. Importing merges by contribution id and revision
(`merge.merge_contributions`), so importing the same file twice, or files in any order,
gives the same DST, and nobody's contribution overwrites another's. Imports no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assessor_app.core.chc.exchange import (
    check_same_person,
    export_contribution,
    read_contribution,
    record_person_from,
)
from assessor_app.core.chc.merge import merge_contributions, validate_contribution
from assessor_app.core.errors import NotFoundError, ValidationError
from assessor_app.core.records import Assessment, RecordStatus
from assessor_app.core.storage import history
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.device_keys import contribution_signing_key
from assessor_app.core.storage.people import PeopleRepository

__all__ = ["ImportResult", "export_member_contribution", "import_member_contribution"]

DST_FORM = "chc_dst"
_EDITABLE = {RecordStatus.DRAFT, RecordStatus.AMENDED}


@dataclass(frozen=True)
class ImportResult:
    """What importing a contribution file did."""

    outcome: str
    """"added", "updated" (a newer revision replaced an older one) or "unchanged"."""

    contributor: str
    """Whose contribution it is."""

    record: Assessment
    """The DST as saved."""


def _dst(records: AssessmentRepository, record_id: str) -> Assessment:
    record = records.checkpoint(record_id)
    if record.form_id != DST_FORM:
        raise ValidationError(
            "This record is not a Decision Support Tool.",
            "Open the person's DST and try again.",
        )
    return record


def _items(record: Assessment) -> list[dict[str, Any]]:
    value = record.answers.get("contributions")
    return [dict(i) for i in value if isinstance(i, dict)] if isinstance(value, list) else []


def export_member_contribution(
    records: AssessmentRepository,
    record_id: str,
    contribution_id: str,
    path: Path,
    *,
    passphrase: str,
) -> None:
    """Write one contribution of a DST to a signed, encrypted file (atomically).

    Raises:
        NotFoundError: no such record, or no contribution with that reference in it.
        ValidationError: the record is not a DST, or the contribution is not complete.
    """
    record = _dst(records, record_id)
    item = next((i for i in _items(record) if i.get("contribution_id") == contribution_id), None)
    if item is None:
        raise NotFoundError(
            f"This DST has no contribution with the reference {contribution_id}.",
            "Check the reference shown on the 'Members' contributions' page.",
        )
    person = PeopleRepository(records.vault).get(record.person_id)
    export_contribution(
        path,
        validate_contribution(item),
        record_person_from(person.details),
        passphrase=passphrase,
        signing_key=contribution_signing_key(records.vault),
    )
    with records.vault.transaction() as conn:
        history.append_audit(
            conn, records.vault.profile.id, "chc.contribution.export", "assessment", record.id
        )


def import_member_contribution(
    records: AssessmentRepository, record_id: str, path: Path, *, passphrase: str
) -> ImportResult:
    """Merge a colleague's contribution file into this DST, as a new revision.

    Raises:
        ContributionFileError: the file is not a contribution, the passphrase is wrong, or it
            was changed after it was signed (nothing is imported).
        DifferentPersonError: the file is about someone else.
        ValidationError: the record is not a DST draft.
    """
    record = _dst(records, record_id)
    if record.status not in _EDITABLE:
        raise ValidationError(
            f"This DST is {record.status.value}, so contributions cannot be added.",
            "Amend it first, then import the contribution.",
        )
    imported = read_contribution(path, passphrase=passphrase)
    person = PeopleRepository(records.vault).get(record.person_id)
    check_same_person(record_person_from(person.details), imported.record_person)
    before = merge_contributions(_items(record))
    after = merge_contributions(before, [imported.contribution])
    contributor = str(imported.contribution.get("contributor_name", ""))
    if after == before:
        return ImportResult("unchanged", contributor, record)
    known = {i["contribution_id"] for i in before}
    outcome = "updated" if imported.contribution["contribution_id"] in known else "added"
    records.save_field(record.id, "contributions", after)
    saved = records.checkpoint(record.id)
    with records.vault.transaction() as conn:
        history.append_audit(
            conn, records.vault.profile.id, "chc.contribution.import", "assessment", record.id
        )
    return ImportResult(outcome, contributor, saved)
