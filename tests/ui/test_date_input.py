"""Dates as assessors type them: day/month/year, and nothing a slip of the finger makes."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from assessor_app.core.typed_dates import DateFormError, ImpossibleDateError

from assessor_app.ui.widgets.date_input import format_date, parse_date


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("03/07/1950", dt.date(1950, 7, 3)),
        ("3.7.1950", dt.date(1950, 7, 3)),
        ("1950-07-03", dt.date(1950, 7, 3)),
        ("  ", None),
    ],
)
def test_dates_typed_the_usual_ways(typed: str, expected: dt.date | None) -> None:
    assert parse_date(typed) == expected


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("03/07/195", "'03/07/195' needs a four-digit year. Type it as day/month/year"),
        ("03/07/50", "needs a four-digit year"),
        ("3/7", "'3/7' is not written as a date. Type it as day/month/year, like 03/07/1950"),
        ("31 Jan 1950", "is not written as a date"),
        ("03/07-1950", "is not written as a date"),
    ],
)
def test_a_date_written_wrongly_is_told_how_to_type_one(typed: str, said: str) -> None:
    with pytest.raises(DateFormError, match=re.escape(said)):
        parse_date(typed)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        # Typed day/month/year as asked: the day is wrong, not the way it was written.
        ("31/02/2026", "31/02/2026 is not a real date: February 2026 has 28 days. Check the day."),
        ("29/02/2023", "February 2023 has 28 days"),
        ("31/06/2025", "June 2025 has 30 days"),
        ("2025-06-31", "June 2025 has 30 days"),
        ("12/13/2025", "there is no month 13"),
    ],
)
def test_an_impossible_date_is_told_which_part_is_wrong(typed: str, said: str) -> None:
    with pytest.raises(ImpossibleDateError, match=re.escape(said)) as caught:
        parse_date(typed)
    assert "Type it as day/month/year" not in str(caught.value)


def test_a_leap_day_is_a_real_date() -> None:
    assert parse_date("29/02/2024") == dt.date(2024, 2, 29)


def test_dates_are_shown_day_first() -> None:
    assert format_date(dt.date(1950, 7, 3)) == "03/07/1950"
