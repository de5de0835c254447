"""Moving records in and out as JSON: `record export` writes, `record import` reads the same shape.

Import checks the file's shape and the answers against the form definition before anything
is written; a file that does not fit changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from assessor_app.core.errors import AssessorError, ValidationError
from assessor_app.core.form_engine.answers import validate_answers
from assessor_app.core.form_engine.definition import FormRegistry
from assessor_app.core.records import Assessment, AssessmentId, PersonId, RecordStatus
from assessor_app.core.storage.assessments import EXPORT_FORMAT, AssessmentRepository
from assessor_app.core.storage.people import PeopleRepository, details_from_body
from assessor_app.core.storage.vault import Vault

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def import_record(
    vault: Vault, registry: FormRegistry, data: Any, *, today: dt.date | None = None
) -> Assessment:
    """Import one exported record (and its person, if new to this profile).

    Raises:
        ValidationError: the file is not an exported record, or its answers do not fit the form.
    """
    today = today or dt.date.today()
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise ValidationError(
            "This file is not a record exported by Assessor.",
            f'Expected a JSON object with "format": "{EXPORT_FORMAT}". Nothing was imported.',
        )
    person_part, record_part = data.get("person"), data.get("assessment")
    if not isinstance(person_part, dict) or not isinstance(record_part, dict):
        raise ValidationError("The file has no person or no assessment.", "Nothing was imported.")
    person_id = str(person_part.get("id", ""))
    record_id = str(record_part.get("id", ""))
    if not _ID.match(person_id) or not _ID.match(record_id):
        raise ValidationError(
            "The file's person or record id is missing or malformed.", "Nothing was imported."
        )
    details = details_from_body({k: v for k, v in person_part.items() if k != "id"})
    try:
        form_id = str(record_part["form_id"])
        version = int(record_part["form_version"])
        status = RecordStatus(record_part.get("status", "draft"))
        answers = record_part["answers"]
    except (KeyError, TypeError, ValueError) as e:
        raise ValidationError(
            f"The record in the file is incomplete: {e}.", "Nothing was imported."
        ) from e
    if not isinstance(answers, dict):
        raise ValidationError(
            "The record's answers are not a JSON object.", "Nothing was imported."
        )
    try:
        form = registry.get(form_id, version)
    except AssessorError as e:
        raise ValidationError(
            f"The record uses form '{form_id}' version {version}, which this app does not have.",
            "Install the form definition first. Nothing was imported.",
        ) from e
    problems = validate_answers(form, answers, today=today)
    if status == RecordStatus.DRAFT:
        # A draft may lack answers; what it does contain must still fit the form.
        problems = [p for p in problems if re.split(r"[.\[]", p.path)[0] in answers]
    if problems:
        listed = "; ".join(f"{p.path}: {p.message}" for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ValidationError(
            f"The answers do not fit form '{form_id}' version {version}: {listed}{more}",
            "Correct the file and import it again. Nothing was imported.",
        )
    records = AssessmentRepository(vault)
    if records.exists(record_id):
        raise ValidationError(
            f"Record {record_id} is already in this profile.", "Nothing was imported."
        )
    people = PeopleRepository(vault)
    if not people.exists(person_id):
        people.add(details, today=today, person_id=PersonId(person_id))
    record = Assessment(
        AssessmentId(record_id),
        PersonId(person_id),
        form_id,
        version,
        status,
        _author(record_part.get("author"), vault.profile.name),
        answers,
    )
    return records.import_new(record)


def _author(value: Any, default: str) -> str:
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        raise ValidationError("The record's author must be text.", "Nothing was imported.")
    return value
