"""Whose DST a contribution belongs to: the person's identity a contribution carries, checked.

A contribution names the person by family name, date of birth and NHS number and/or council
person id (`record_person`), signed with it, so it cannot be imported into another person's
DST (`check_same_person`). Used by contribution files (`chc.exchange`) and the gateway's shared
DSTs alike. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from assessor_app.core.errors import AssessorError, ValidationError
from assessor_app.core.nhs_number import normalise_nhs_number
from assessor_app.core.records import PersonDetails

__all__ = [
    "DifferentPersonError",
    "check_same_person",
    "person_problems",
    "record_person_from",
    "validate_record_person",
]

_PERSON_KEYS = ("nhs_number", "authority_person_id", "date_of_birth", "family_name")
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_NOTHING_IMPORTED = "Nothing has been imported."


class DifferentPersonError(AssessorError):
    """The contribution is for a different person from the record it is being imported into."""

    exit_code = 2


def record_person_from(details: PersonDetails) -> dict[str, str]:
    """The `record_person` of a file from a person's details in this profile.

    Raises:
        ValidationError: the details lack what a file needs (see `validate_record_person`).
    """
    person: dict[str, str] = {"family_name": details.family_name}
    if details.date_of_birth is not None:
        person["date_of_birth"] = details.date_of_birth.isoformat()
    if details.nhs_number:
        person["nhs_number"] = details.nhs_number
    if details.authority_person_id:
        person["authority_person_id"] = details.authority_person_id
    return validate_record_person(person)


def person_problems(person: Any) -> tuple[list[str], dict[str, str]]:
    """What is wrong with an identity a file carries, in words, and what of it is well formed."""
    if not isinstance(person, Mapping):
        return ["The person's details are missing."], {}
    problems: list[str] = []
    out: dict[str, str] = {}
    unknown = sorted(str(k) for k in person if k not in _PERSON_KEYS)
    if unknown:
        problems.append(f"Unknown person details: {', '.join(unknown)}.")
    family = person.get("family_name")
    if not isinstance(family, str) or not family.strip():
        problems.append("The person's family name is missing.")
    else:
        out["family_name"] = " ".join(family.split())
    dob = person.get("date_of_birth")
    if not isinstance(dob, str) or not _ISO_DATE_RE.match(dob):
        problems.append("The person's date of birth is missing.")
    else:
        try:
            out["date_of_birth"] = dt.date.fromisoformat(dob).isoformat()
        except ValueError:
            problems.append(f"The person's date of birth {dob} does not exist.")
    nhs = person.get("nhs_number")
    if nhs is not None and nhs != "":
        if not isinstance(nhs, str):
            problems.append("The person's NHS number is not valid.")
        else:
            try:
                out["nhs_number"] = normalise_nhs_number(nhs)
            except ValidationError:
                problems.append("The person's NHS number is not valid.")
    local = person.get("authority_person_id")
    if local is not None and local != "":
        if not isinstance(local, str) or not local.strip():
            problems.append("The council's person id is not valid.")
        else:
            out["authority_person_id"] = local.strip()
    if (
        "nhs_number" not in out
        and "authority_person_id" not in out
        and not any("NHS number" in p or "person id" in p for p in problems)
    ):
        problems.append("The person has neither an NHS number nor a council person id.")
    return problems, out


def validate_record_person(person: Any) -> dict[str, str]:
    """Check and normalise the identity a file carries.

    The NHS number becomes ten digits, the family name's spaces are collapsed, the date of
    birth is year-month-day.

    Raises:
        ValidationError: a family name, date of birth, or one of NHS number and council
            person id is missing, or one of them is malformed.
    """
    problems, out = person_problems(person)
    if problems:
        raise ValidationError(
            "The person's details are not enough to match a contribution file to them: "
            + " ".join(problems),
            "Add the person's family name, date of birth and NHS number (or the council's "
            "person id) to their details, then try again. Nothing has been changed.",
        )
    return out


def check_same_person(
    record_person_here: Mapping[str, Any], record_person_in_file: Mapping[str, Any]
) -> None:
    """Refuse to import a contribution into another person's DST.

    The family names (ignoring case and spacing) and dates of birth must match, and at least
    one identifier (NHS number, council person id) must be on both sides; every identifier
    on both sides must match. Error messages name the detail that differs, never its value.

    Raises:
        ValidationError: the details here are incomplete.
        DifferentPersonError: the file is for someone else, or it cannot be told.
    """
    here = validate_record_person(record_person_here)
    problems, there = person_problems(record_person_in_file)
    if problems:
        raise DifferentPersonError(
            "The contribution file does not say clearly whose DST it belongs to: "
            + " ".join(problems),
            f"Ask the sender to check the person's details and send it again. {_NOTHING_IMPORTED}",
        )
    differ: list[str] = []
    if here["family_name"].casefold() != there["family_name"].casefold():
        differ.append("family name")
    if here["date_of_birth"] != there["date_of_birth"]:
        differ.append("date of birth")
    shared = [k for k in ("nhs_number", "authority_person_id") if k in here and k in there]
    names = {"nhs_number": "NHS number", "authority_person_id": "council person id"}
    differ += [names[k] for k in shared if here[k] != there[k]]
    if differ:
        raise DifferentPersonError(
            "This contribution is for a different person: the "
            + " and ".join(differ)
            + (" does" if len(differ) == 1 else " do")
            + " not match this record.",
            "Open the right person's Decision Support Tool, or ask the sender to check the "
            f"details. {_NOTHING_IMPORTED}",
        )
    if not shared:
        raise DifferentPersonError(
            "It cannot be confirmed that this contribution is for this person: the file and "
            "this record share no NHS number or council person id.",
            "Add the person's NHS number to their details (or ask the sender to), then import "
            f"again. {_NOTHING_IMPORTED}",
        )
