"""Dates as assessors type them: day/month/year, and nothing a slip of the finger makes."""

from __future__ import annotations

import datetime as dt

import pytest

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


@pytest.mark.parametrize("typed", ["03/07/195", "03/07/50", "31/06/2025", "29/02/2023", "3/7"])
def test_slips_and_impossible_dates_are_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="is not a date"):
        parse_date(typed)


def test_dates_are_shown_day_first() -> None:
    assert format_date(dt.date(1950, 7, 3)) == "03/07/1950"
