"""Answers as a person reads them: option labels, pounds and pence, dates in words, Yes/No.

One wording for every place that shows an answer outside its editor: the record's PDF and the
"what changed since" comparison of two records. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from assessor_app.core.form_engine.model import FieldDef, FieldType, is_answered

__all__ = ["NOT_ANSWERED", "format_answer", "format_date"]

NOT_ANSWERED = "Not yet answered"


def format_date(value: Any) -> str:
    """An ISO date as '23 November 2026'; anything else as given."""
    try:
        return dt.date.fromisoformat(str(value)).strftime("%-d %B %Y")
    except ValueError:
        return str(value)


def _money(pence: Any) -> str:
    try:
        amount = int(pence)
    except (TypeError, ValueError):
        return str(pence)
    sign = "-" if amount < 0 else ""
    pounds, p = divmod(abs(amount), 100)
    return f"{sign}£{pounds:,}.{p:02d}"


def format_answer(field: FieldDef, value: Any) -> str:
    """An answer as a person reads it: option labels, £ and pence, dates in words, Yes/No."""
    if not is_answered(value) and value is not False:
        return NOT_ANSWERED
    kind = field.type
    if kind is FieldType.YES_NO:
        return "Yes" if value is True else "No" if value is False else str(value)
    if kind is FieldType.DATE:
        return format_date(value)
    if kind is FieldType.MONEY:
        return _money(value)
    if kind in (FieldType.SINGLE_CHOICE, FieldType.RATING):
        labels = {o.value: o.label for o in field.choices()}
        return labels.get(value, str(value))
    if kind is FieldType.MULTIPLE_CHOICE:
        labels = {o.value: o.label for o in field.options}
        items = value if isinstance(value, list) else [value]
        return "\n".join(f"• {labels.get(v, str(v))}" for v in items)
    return str(value)
