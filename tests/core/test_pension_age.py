"""Pension Credit qualifying age from the date of birth, at every boundary of the Pensions Acts.

The expected dates are those GOV.UK and the Acts' tables give, written out by hand rather than
worked out, so a slip in the arithmetic shows.
"""

from __future__ import annotations

import datetime as dt

import pytest

from assessor_app.core.charging.pension_age import pension_credit_age

D = dt.date


@pytest.mark.parametrize(
    ("born", "reaches", "age"),
    [
        # Before the 1995 Act's rise: 60.
        (D(1950, 4, 5), D(2010, 4, 5), "60"),
        (D(1940, 2, 29), D(2000, 2, 29), "60"),
        # Pensions Act 1995: 6 May 2010, then two months later for each month of birth.
        (D(1950, 4, 6), D(2010, 5, 6), ""),
        (D(1950, 5, 5), D(2010, 5, 6), ""),
        (D(1950, 5, 6), D(2010, 7, 6), ""),
        (D(1953, 4, 5), D(2016, 3, 6), ""),
        # Pensions Act 2011, women born 6 April to 5 December 1953: four months each.
        (D(1953, 4, 6), D(2016, 7, 6), ""),
        (D(1953, 5, 6), D(2016, 11, 6), ""),
        (D(1953, 12, 5), D(2018, 11, 6), ""),
        # Pensions Act 2011, everyone born 6 December 1953 to 5 October 1954: two months each.
        (D(1953, 12, 6), D(2019, 3, 6), ""),
        (D(1954, 1, 5), D(2019, 3, 6), ""),
        (D(1954, 1, 6), D(2019, 5, 6), ""),
        (D(1954, 10, 5), D(2020, 9, 6), ""),
        # 66.
        (D(1954, 10, 6), D(2020, 10, 6), "66"),
        (D(1956, 2, 29), D(2022, 3, 1), "66"),
        (D(1960, 4, 5), D(2026, 4, 5), "66"),
        # Pensions Act 2014: 66 years and 1 to 11 months.
        (D(1960, 4, 6), D(2026, 5, 6), "66 years and 1 month"),
        (D(1960, 5, 5), D(2026, 6, 5), "66 years and 1 month"),
        (D(1960, 5, 6), D(2026, 7, 6), "66 years and 2 months"),
        (D(1960, 7, 31), D(2026, 11, 30), "66 years and 4 months"),
        (D(1960, 12, 31), D(2027, 9, 30), "66 years and 9 months"),
        (D(1961, 1, 31), D(2027, 11, 30), "66 years and 10 months"),
        (D(1961, 3, 5), D(2028, 2, 5), "66 years and 11 months"),
        # 67.
        (D(1961, 3, 6), D(2028, 3, 6), "67"),
        (D(1967, 8, 14), D(2034, 8, 14), "67"),
        (D(1977, 4, 5), D(2044, 4, 5), "67"),
        # Pensions Act 2007: 6 May 2044, then two months later each.
        (D(1977, 4, 6), D(2044, 5, 6), ""),
        (D(1977, 5, 6), D(2044, 7, 6), ""),
        (D(1978, 4, 5), D(2046, 3, 6), ""),
        # 68.
        (D(1978, 4, 6), D(2046, 4, 6), "68"),
        (D(1990, 1, 1), D(2058, 1, 1), "68"),
    ],
    ids=str,
)
def test_qualifying_date_at_each_boundary(born: dt.date, reaches: dt.date, age: str) -> None:
    worked_out = pension_credit_age(born)
    assert (worked_out.date, worked_out.age) == (reaches, age)


def test_it_is_reached_on_the_day_itself_not_the_day_before() -> None:
    qualifying = pension_credit_age(D(1960, 4, 6))
    assert not qualifying.reached_by(D(2026, 5, 5))
    assert qualifying.reached_by(D(2026, 5, 6))


def test_every_day_of_birth_for_a_century_gives_a_date_that_never_goes_backwards() -> None:
    # Someone born later never qualifies earlier, and nobody qualifies before they are 60.
    day, previous = D(1930, 1, 1), D(1, 1, 1)
    while day < D(2030, 1, 1):
        reaches = pension_credit_age(day).date
        assert reaches >= previous and reaches >= day.replace(year=day.year + 60, day=1)
        previous, day = reaches, day + dt.timedelta(1)
