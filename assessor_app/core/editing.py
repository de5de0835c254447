"""Opening a record for editing: the right form definition, with older drafts moved forward.

A draft started on an older version of a form is never stranded. If the installed definitions
carry a migration chain from its version, its answers are migrated (a pure data step) and saved
as a new revision on the newer version; otherwise it opens on its own version, which stays
installed and editable. Finished records are never migrated: they are shown as they were.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessor_app.core.errors import NotFoundError
from assessor_app.core.form_engine.definition import FormDefinition, FormRegistry
from assessor_app.core.form_engine.migration import migrate_answers
from assessor_app.core.nhs_number import format_nhs_number
from assessor_app.core.records import Assessment, Person, RecordStatus
from assessor_app.core.storage import history
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.people import PeopleRepository

EDITABLE = frozenset({RecordStatus.DRAFT, RecordStatus.AMENDED})


@dataclass(frozen=True)
class OpenRecord:
    """A record ready for the editor."""

    record: Assessment
    """The record at its latest state (with any unfolded autosaves applied)."""
    form: FormDefinition
    """The definition its answers belong to."""
    migrated_from: int | None
    """The version it was moved on from, when opening it migrated it; else None."""
    person: Person
    """Who the record is about, shown on every screen of it so nobody edits the wrong one."""

    @property
    def who(self) -> str:
        """One line naming the person: name, date of birth, NHS number, setting, prison number."""
        d = self.person.details
        parts = [f"{d.given_name} {d.family_name}"]
        if d.date_of_birth:
            parts.append(f"born {d.date_of_birth:%d/%m/%Y}")
        parts.append(f"NHS {format_nhs_number(d.nhs_number)}" if d.nhs_number else "no NHS number")
        place = d.setting.label + (f": {d.establishment_name}" if d.establishment_name else "")
        parts.append(place)
        if d.prison_number:
            parts.append(f"prison no. {d.prison_number}")
        return " · ".join(parts)

    @property
    def editable(self) -> bool:
        """True for drafts and amendments."""
        return self.record.status in EDITABLE


def open_for_editing(
    records: AssessmentRepository, registry: FormRegistry, assessment_id: str
) -> OpenRecord:
    """Load a record and its form, migrating an editable record to the newest reachable version.

    Raises:
        NotFoundError: no such record, or its form version is not installed and no migration
            leads anywhere (the message says which definition to install).
    """
    record = records.get(assessment_id)
    old_version = record.form_version
    migrated_from = None
    if record.status in EDITABLE:
        version, answers = migrate_answers(registry, record.form_id, old_version, record.answers)
        if version != old_version:
            record = records.change_form_version(record.id, version, answers)
            migrated_from = old_version
    try:
        form = registry.get(record.form_id, record.form_version)
    except NotFoundError as e:
        raise NotFoundError(
            f"This record uses form '{record.form_id}' version {record.form_version}, "
            "which is not installed.",
            "Install that form definition (ask your forms team); the record is safe meanwhile.",
        ) from e
    person = PeopleRepository(records.vault).get(record.person_id)
    # Who looked at which record, and when: reviews and complaints ask about access, not
    # only changes. Ids only, like every audit entry.
    with records.vault.transaction() as conn:
        history.append_audit(
            conn, records.vault.profile.id, "assessment.view", "assessment", record.id
        )
    return OpenRecord(record, form, migrated_from, person)
