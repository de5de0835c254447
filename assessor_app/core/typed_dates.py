"""Dates as people type them, read the same way in the app and the command line.

Day first, as assessors write them (``03/07/1950``, ``3.7.1950``, ``3-7-1950``), or ISO
(``1950-07-03``). A date that cannot be read says which part was wrong: the way it was written
(``31 Jan 1950``, a two-digit year) or a day that does not exist (``31/02/2026``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

__all__ = ["DateFormError", "ImpossibleDateError", "TypedDateError", "read_typed_date"]

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_FIRST = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d+)")
HOW_TO_TYPE = "Type it as day/month/year, like 03/07/1950 (or year-month-day, 1950-07-03)."


class TypedDateError(ValueError):
    """A typed date that could not be read; `str()` is a message to show the user."""


class DateFormError(TypedDateError):
    """What was typed is not written as a date."""


class ImpossibleDateError(TypedDateError):
    """Written as a date, but no such day exists."""


def read_typed_date(text: str) -> dt.date | None:
    """The date `text` names, or None when it is blank.

    Raises:
        DateFormError: it is not written as a date (the message says how to type one).
        ImpossibleDateError: it is written as a date that does not exist (the message says
            which part is wrong).
    """
    typed = text.strip()
    if not typed:
        return None
    iso, day_first = _ISO.fullmatch(typed), _DAY_FIRST.fullmatch(typed)
    if iso:
        year, month, day = int(iso[1]), int(iso[2]), int(iso[3])
    elif day_first:
        if len(day_first[4]) != 4:
            # A year of 2 or 3 digits is a slip (03/07/195), not a date in antiquity.
            raise DateFormError(f"'{typed}' needs a four-digit year. {HOW_TO_TYPE}")
        day, month, year = int(day_first[1]), int(day_first[3]), int(day_first[4])
    else:
        raise DateFormError(f"'{typed}' is not written as a date. {HOW_TO_TYPE}")
    if not 1 <= month <= 12:
        raise ImpossibleDateError(
            f"{typed} is not a real date: there is no month {month}. Check the day and the "
            "month (day first, then month)."
        )
    if not 1 <= year:
        raise ImpossibleDateError(f"{typed} is not a real date: there is no year {year}.")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise ImpossibleDateError(
            f"{typed} is not a real date: {calendar.month_name[month]} {year} has {days} days. "
            "Check the day."
        )
    return dt.date(year, month, day)
