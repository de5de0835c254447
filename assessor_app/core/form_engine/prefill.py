"""Answers a new record starts with, carried over from the person's details.

Assessors should not re-key what the app already knows (setting, conviction status, date of
birth, communication needs), and a record must keep what was true when it was made, so the
values are copied into the answers at the start rather than read live. A form names its
sources with ``prefill: person.setting``; for a carer's assessment ``cared_for.*`` reads the
person cared for, when one was chosen. Imports no Qt and no storage module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from assessor_app.core.form_engine.model import FieldDef, FieldType, FormDefinition
from assessor_app.core.form_engine.value_checks import value_messages
from assessor_app.core.records import Person, PersonDetails

__all__ = ["PREFILL_SOURCES", "prefill_answers"]


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _enum(value: Any) -> str | None:
    return None if value is None else str(value.value)


_DETAILS: Mapping[str, Callable[[PersonDetails], Any]] = {
    "setting": lambda d: _enum(d.setting),
    "conviction_status": lambda d: _enum(d.conviction_status),
    "expected_release_date": lambda d: _date(d.expected_release_date),
    "establishment_name": lambda d: d.establishment_name,
    "date_of_birth": lambda d: _date(d.date_of_birth),
    "communication_needs": lambda d: d.communication_needs,
    "preferred_format": lambda d: d.preferred_format,
    "prison_number": lambda d: d.prison_number,
    "address": lambda d: d.address,
    "name": lambda d: f"{d.given_name} {d.family_name}".strip(),
}

PREFILL_SOURCES: frozenset[str] = frozenset(
    [f"person.{key}" for key in _DETAILS]
    + [f"cared_for.{key}" for key in _DETAILS]
    + ["cared_for.id"]
)
"""Every name a form's ``prefill`` may use."""


def _value(source: str, person: Person, cared_for: Person | None) -> Any:
    whose, _, key = source.partition(".")
    target = person if whose == "person" else cared_for
    if target is None:
        return None
    if key == "id":
        return str(target.id)
    return _DETAILS[key](target.details)


def _fits(field: FieldDef, value: Any, today: dt.date) -> bool:
    """Whether `value` is a valid answer for `field` (free-text details may not match options)."""
    if field.type is FieldType.SINGLE_CHOICE and isinstance(value, str):
        # Free text such as "Large print" still matches the option large_print.
        value = _option_value(field, value)
        if value is None:
            return False
    return not value_messages(field, value, today)


def _option_value(field: FieldDef, text: str) -> str | None:
    wanted = text.strip().casefold().replace(" ", "_").replace("-", "_")
    for option in field.options:
        label = option.label.casefold().replace(" ", "_").replace("-", "_")
        if wanted in (str(option.value).casefold(), label):
            return str(option.value)
    return None


def prefill_answers(
    defn: FormDefinition, person: Person, *, cared_for: Person | None = None, today: dt.date
) -> dict[str, Any]:
    """The answers a new record of `defn` about `person` starts with.

    A value that is empty, or is not a valid answer to its question (free text that matches
    none of a choice's options, say), is left out, so the assessor answers it instead.

    Args:
        defn: The form version being started.
        person: Who the record is about.
        cared_for: For a carer's assessment, the person cared for, when chosen.
        today: The date the record is started (for date checks).
    """
    answers: dict[str, Any] = {}
    for field in defn.top_fields():
        if field.prefill is None:
            continue
        value = _value(field.prefill, person, cared_for)
        if value is None or value == "":
            continue
        if not _fits(field, value, today):
            continue
        if field.type is FieldType.SINGLE_CHOICE and isinstance(value, str):
            value = _option_value(field, value)
        answers[field.id] = value
    return answers
