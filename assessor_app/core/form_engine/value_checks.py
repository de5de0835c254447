"""Checks of one given answer against its field's type and limits, with assessor-facing messages.

Every message an assessor can see about an answer is written here, so they can be reviewed
together. `answers.py` decides which fields are visible and walks repeating groups; this module
only judges single values. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from assessor_app.core.form_engine.model import FieldDef, FieldType, same_value
from assessor_app.core.form_engine.signatures import (
    OTHER,
    REPRESENTATIVE_CAPACITIES,
    signer_phrase,
)

UNKNOWN_FIELD = "This answer is for a question that is not on this form."
COMPUTED_FIELD = "This is worked out by the form and cannot be entered."
UNREADABLE_ITEMS = "The items for this question could not be read. Add them again."

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_MISSING = {
    FieldType.SHORT_TEXT: "Enter an answer.",
    FieldType.LONG_TEXT: "Enter an answer.",
    FieldType.DATE: "Enter a date.",
    FieldType.NUMBER: "Enter a number.",
    FieldType.MONEY: "Enter an amount.",
    FieldType.YES_NO: "Choose yes or no.",
    FieldType.SINGLE_CHOICE: "Choose one of the listed options.",
    FieldType.MULTIPLE_CHOICE: "Choose at least one of the listed options.",
    FieldType.RATING: "Choose one of the listed levels.",
}
_SIGNATURE_NAME_MAX = 200
_DRAWN_KEYS = frozenset({"strokes", "name", "signed_on"})
_REPRESENTATIVE_KEYS = frozenset({"capacity", "capacity_detail"})
_TYPED_KEYS = frozenset({"typed", "name", "signed_on"})
_UNABLE_KEYS = frozenset({"unable_to_sign", "detail", "name", "signed_on"})


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _pounds(pence: float) -> str:
    sign = "-" if pence < 0 else ""
    return f"{sign}£{abs(pence) / 100:,.2f}"


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def missing_message(f: FieldDef) -> str:
    """What to tell the assessor when a required field has no answer."""
    if f.type is FieldType.REPEATING_GROUP:
        return f"Add at least {_plural(max(f.min_items or 0, 1), f.item_label or 'item')}."
    if f.type is FieldType.SIGNATURE:
        who = signer_phrase(f.signer, f.label)
        return f"Add a signature, or record why {who} is unable to sign."
    return _MISSING.get(f.type, "Enter an answer.")


def not_signed_message(signers: list[str]) -> str:
    """What stops completing while required signatures are missing, naming who has not signed.

    Args:
        signers: Who has not signed, as named in a sentence ("the assessor").
    """
    return (
        f"Not signed by: {', '.join(signers)}. Add each signature, or record why they are "
        "unable to sign."
    )


def item_count_messages(f: FieldDef, count: int) -> list[str]:
    """Problems with the number of items in a repeating group."""
    noun = f.item_label or "item"
    if f.min_items is not None and count < f.min_items:
        return [f"Add at least {_plural(f.min_items, noun)}."]
    if f.max_items is not None and count > f.max_items:
        return [f"Add no more than {_plural(f.max_items, noun)}."]
    return []


def _text(f: FieldDef, value: Any) -> list[str]:
    if not isinstance(value, str):
        return ["Enter the answer as text."]
    if f.max_length is not None and len(value) > f.max_length:
        return [f"Enter no more than {_plural(f.max_length, 'character')}."]
    if f.pattern is not None and not re.fullmatch(f.pattern, value):
        return [f.pattern_message or "Enter the answer in the format asked for."]
    return []


def _date(f: FieldDef, value: Any, today: dt.date) -> list[str]:
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        return ["Enter the date as year-month-day, for example 2024-03-31."]
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return [f"Enter a real date – {value} does not exist."]
    if f.not_in_future and day > today:
        return ["Enter a date that is not in the future."]
    if f.not_before is not None and day < dt.date.fromisoformat(f.not_before):
        return [f"Enter a date on or after {_long_date(dt.date.fromisoformat(f.not_before))}."]
    return []


def _number(f: FieldDef, value: Any) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return ["Enter a number."]
    if f.integer_only and value != int(value):
        return ["Enter a whole number."]
    if f.min is not None and value < f.min:
        return [f"Enter a number of at least {f.min:g}."]
    if f.max is not None and value > f.max:
        return [f"Enter a number no more than {f.max:g}."]
    return []


def _money(f: FieldDef, value: Any) -> list[str]:
    # Money is stored as whole pence so sums never pick up floating-point errors.
    if isinstance(value, bool) or not isinstance(value, int):
        return ["Enter an amount of money in pounds and pence."]
    if f.min is not None and value < f.min:
        return [f"Enter an amount of at least {_pounds(f.min)}."]
    if f.max is not None and value > f.max:
        return [f"Enter an amount no more than {_pounds(f.max)}."]
    return []


def _allowed(f: FieldDef, value: Any) -> bool:
    return not isinstance(value, list | dict) and any(
        same_value(value, o.value) for o in f.choices()
    )


def _multiple(f: FieldDef, value: Any) -> list[str]:
    if not isinstance(value, list):
        return ["Choose from the listed options."]
    if not all(_allowed(f, v) for v in value):
        return ["Choose only from the listed options."]
    if len({repr(v) for v in value}) != len(value):
        return ["Choose each option only once."]
    return []


def _point(p: Any) -> bool:
    return (
        isinstance(p, list)
        and len(p) == 2
        and all(
            isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c) for c in p
        )
    )


def _strokes_ok(strokes: Any) -> bool:
    return (
        isinstance(strokes, list)
        and bool(strokes)
        and all(isinstance(s, list) and s and all(map(_point, s)) for s in strokes)
    )


def _blank(value: Any) -> bool:
    return not isinstance(value, str) or not value.strip()


def _signed_on(value: Any, verb: str, today: dt.date) -> list[str]:
    if value is None:
        return [f"Enter the date it was {verb}."]
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        return ["Enter the date as year-month-day, for example 2024-03-31."]
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return [f"Enter a real date – {value} does not exist."]
    if day > today:
        return [f"Enter the day it was {verb}: it cannot be after today."]
    return []


def _signature(f: FieldDef, value: Any, today: dt.date) -> list[str]:
    who = signer_phrase(f.signer, f.label)
    unreadable = [f"The signature could not be read. Ask {who} to sign again."]
    if not isinstance(value, dict):
        return unreadable
    keys = set(value)
    if f.signer is None and keys in ({"strokes"}, {"unable_to_sign"}):
        # Saved before names and dates were kept (only questions without a signer have these).
        if keys == {"strokes"}:
            return [] if _strokes_ok(value["strokes"]) else unreadable
        return [f"Say why {who} is unable to sign."] if _blank(value["unable_to_sign"]) else []
    drawn, unable = "strokes" in value, "unable_to_sign" in value
    typed = "typed" in value and not drawn  # drawn strokes and a typed name: one signature
    if (drawn or typed) and unable:
        return [
            f"Keep either the signature or the reason {who} is unable to sign, not both. "
            "Clear one of them."
        ]
    if not drawn and not typed and not unable:
        return [f"Ask {who} to sign in the box, or choose why they are unable to sign."]
    representative = f.signer == "representative"
    signed_keys = _TYPED_KEYS if typed else _DRAWN_KEYS
    allowed = (
        (signed_keys | (_REPRESENTATIVE_KEYS if representative else set()))
        if drawn or typed
        else (_UNABLE_KEYS)
    )
    if (
        keys - allowed
        or (drawn and not _strokes_ok(value["strokes"]))
        or (typed and value["typed"] is not True)
    ):
        return unreadable
    reason = value.get("unable_to_sign")
    if unable and _blank(reason):
        return [f"Say why {who} is unable to sign."]
    name = value.get("name")
    if not isinstance(name, str) or not name.strip():
        return [f"Enter the name of {who}."]
    if len(name) > _SIGNATURE_NAME_MAX:
        return [f"Enter a name of no more than {_plural(_SIGNATURE_NAME_MAX, 'character')}."]
    if (drawn or typed) and representative:
        capacity = value.get("capacity")
        if capacity not in REPRESENTATIVE_CAPACITIES:
            return [
                "Choose the authority their representative signs with, for example a Lasting "
                "Power of Attorney."
            ]
        if capacity == OTHER and _blank(value.get("capacity_detail")):
            return ["Say what authority their representative has to sign for them."]
    if unable and reason == OTHER and _blank(value.get("detail")):
        return [f"Describe the reason {who} is unable to sign."]
    return _signed_on(value.get("signed_on"), "recorded" if unable else "signed", today)


def value_messages(f: FieldDef, value: Any, today: dt.date) -> list[str]:
    """Problems with a given (non-empty) answer to a field other than a repeating group."""
    match f.type:
        case FieldType.SHORT_TEXT | FieldType.LONG_TEXT:
            return _text(f, value)
        case FieldType.DATE:
            return _date(f, value, today)
        case FieldType.NUMBER:
            return _number(f, value)
        case FieldType.MONEY:
            return _money(f, value)
        case FieldType.YES_NO:
            return [] if isinstance(value, bool) else ["Choose yes or no."]
        case FieldType.SINGLE_CHOICE | FieldType.RATING:
            return [] if _allowed(f, value) else [missing_message(f)]
        case FieldType.MULTIPLE_CHOICE:
            return _multiple(f, value)
        case FieldType.SIGNATURE:
            return _signature(f, value, today)
        case FieldType.OUTCOME | FieldType.NOTICE:
            return [COMPUTED_FIELD]
        case FieldType.REPEATING_GROUP:
            return []
