"""Answers as people type them, turned into the values a record stores.

The app's boxes and the command line read typed text the same way: numbers ('2.5', '1,200'),
money in pounds ('£12.50' is stored as 1250 pence), dates day first or ISO (`typed_dates`),
yes or no, and choices by their value or their label. Imports no Qt.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from assessor_app.core.form_engine.model import DISPLAY_ONLY, FieldDef, FieldType
from assessor_app.core.typed_dates import read_typed_date

__all__ = ["parse_money", "parse_number", "read_typed_answer"]

_YES = {"yes", "y", "true"}
_NO = {"no", "n", "false"}


def parse_number(text: str) -> int | float | None:
    """'12' → 12, '2.5' → 2.5, '' → None. Raises ValueError with a user message."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation as e:
        raise ValueError(f"'{text}' is not a number.") from e
    if not number.is_finite():
        raise ValueError(f"'{text}' is not a number.")
    if number == number.to_integral_value() and "." not in text:
        return int(number)
    return float(number)


def parse_money(text: str) -> int | None:
    """'£12.50' → 1250 pence, '' → None. Raises ValueError with a user message."""
    cleaned = text.strip().replace("£", "").replace(",", "").strip()
    if not cleaned:
        return None
    if not re.fullmatch(r"-?\d+(\.\d{1,2})?", cleaned):
        raise ValueError(f"'{text.strip()}' is not an amount of money. Type it like 12.50.")
    return int((Decimal(cleaned) * 100).to_integral_value())


def _option(field: FieldDef, typed: str) -> Any:
    wanted = typed.strip().casefold()
    for option in field.choices():
        if str(option.value).casefold() == wanted or option.label.casefold() == wanted:
            return option.value
    known = "; ".join(f"{o.value} ({o.label})" for o in field.choices())
    raise ValueError(f"'{typed.strip()}' is not one of the answers to '{field.label}': {known}.")


def read_typed_answer(field: FieldDef, typed: str) -> Any:
    """The stored value for `typed` as the answer to `field`; None for blank (clears it).

    Raises:
        ValueError: with a message to show the user, naming what would do.
    """
    if not typed.strip():
        return None
    kind = field.type
    if kind in (FieldType.SHORT_TEXT, FieldType.LONG_TEXT):
        return typed.strip()
    if kind is FieldType.DATE:
        day = read_typed_date(typed)
        return day.isoformat() if day else None
    if kind is FieldType.NUMBER:
        return parse_number(typed)
    if kind is FieldType.MONEY:
        return parse_money(typed)
    if kind is FieldType.YES_NO:
        word = typed.strip().casefold()
        if word in _YES | _NO:
            return word in _YES
        raise ValueError(f"Answer '{field.label}' with yes or no, not '{typed.strip()}'.")
    if kind in (FieldType.SINGLE_CHOICE, FieldType.RATING):
        return _option(field, typed)
    if kind is FieldType.MULTIPLE_CHOICE:
        return [_option(field, part) for part in typed.split(",") if part.strip()]
    if kind in DISPLAY_ONLY:
        raise ValueError(f"'{field.label}' is worked out or shown by the form, not answered.")
    raise ValueError(
        f"'{field.label}' is not answered by typing"
        + (": sign with 'record sign'." if kind is FieldType.SIGNATURE else ".")
    )
