"""Reading one answer as the type a rule or calculation wants: the one set of answer readers.

Answers come from the editor, from files other people made (an MDT contribution, a record
file) and from older form versions, so any answer may be missing, blank or of the wrong type.
Each reader here says what it gives back in those cases, and never raises unless asked to
(`date(..., strict=True)`, for calculations that must not guess). Every rule and calculation
reads answers through these, so that a blank, a stray space or a datetime means the same
thing everywhere. Knows no form; imports only `errors`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from assessor_app.core.errors import ValidationError

__all__ = ["choice", "date", "flag", "items", "strings", "text", "whole_number"]


def text(answers: Mapping[str, Any], key: str) -> str:
    """The answer as text with the surrounding spaces removed; "" when blank or not text."""
    value = answers.get(key)
    return value.strip() if isinstance(value, str) else ""


def flag(answers: Mapping[str, Any], key: str) -> bool | None:
    """A yes/no answer: True or False, or None when unanswered (or not a yes/no)."""
    value = answers.get(key)
    return value if isinstance(value, bool) else None


def choice(
    answers: Mapping[str, Any], key: str, allowed: Collection[str] | None = None
) -> str | None:
    """A single-choice answer, or None when unanswered, not text or not one of `allowed`."""
    value = answers.get(key)
    if not isinstance(value, str) or not value:
        return None
    return value if allowed is None or value in allowed else None


def strings(answers: Mapping[str, Any], key: str) -> list[str]:
    """A multiple-choice answer as a list of its text values; [] when unanswered."""
    value = answers.get(key)
    if not isinstance(value, list | tuple):
        return []
    return [item for item in value if isinstance(item, str)]


def items(answers: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """A repeating group's items (only those that are mappings); [] when unanswered."""
    value = answers.get(key)
    if not isinstance(value, list | tuple):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def date(answers: Mapping[str, Any], key: str, *, strict: bool = False) -> dt.date | None:
    """A date answer (an ISO ``YYYY-MM-DD`` string, a date or a datetime), or None.

    Blank or missing gives None. Text that is not a real date gives None, or with `strict`
    raises `ValidationError` naming the answer.
    """
    value = answers.get(key)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        if strict:
            raise ValidationError(
                f"The answer to '{key}' ({value}) is not a date.", "Enter a real date."
            ) from exc
        return None


def whole_number(answers: Mapping[str, Any], key: str, *, strict: bool = False) -> int | None:
    """A whole-number answer (``3``, or ``3.0`` from a number question), or None when blank.

    Anything else (a fraction, text, a yes/no) gives None, or with `strict` raises
    `ValidationError` naming the answer.
    """
    value = answers.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if strict:
        raise ValidationError(
            f"The answer to '{key}' must be a whole number (money in pence).", "Enter it again."
        )
    return None
