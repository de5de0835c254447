"""Pension Credit qualifying age, worked out from a date of birth.

Pension Credit qualifying age is a woman's State Pension age, for men and women alike (State
Pension Credit Act 2002 s1(6)), so it needs no sex, only the date of birth. State Pension
age is set by date of birth in Schedule 4 to the Pensions Act 1995, as amended by the
Pensions Acts 2007, 2011 and 2014:

- born before 6 April 1950: 60;
- 6 April 1950 to 5 April 1953 (1995 Act): from 6 May 2010, two months later for each later
  month of birth (a "month of birth" runs from the 6th to the 5th);
- 6 April 1953 to 5 December 1953 (2011 Act): from 6 July 2016, four months later each;
- 6 December 1953 to 5 October 1954 (2011 Act): from 6 March 2019, two months later each;
- 6 October 1954 to 5 April 1960: 66;
- 6 April 1960 to 5 March 1961 (2014 Act): 66 years and 1 to 11 months, one more month for
  each later month of birth; where the month reached has no such day (born on the 31st), the
  last day of that month, as GOV.UK gives it;
- 6 March 1961 to 5 April 1977: 67;
- 6 April 1977 to 5 April 1978 (2007 Act): from 6 May 2044, two months later each;
- born on or after 6 April 1978: 68.

A birthday on 29 February falls on 1 March in other years, as `from_answers.age_on` counts
it. Increases proposed but not yet law are not included. Imports no Qt and no storage module.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

__all__ = ["QualifyingAge", "pension_credit_age"]


@dataclass(frozen=True)
class QualifyingAge:
    """When someone reaches Pension Credit qualifying age, and how the law puts it."""

    date: dt.date
    """The day they reach it."""

    age: str
    """The age it is, e.g. "66", "66 years and 4 months", or "" for a fixed date."""

    law: str
    """The Act that sets it, e.g. "Pensions Act 2014"."""

    def reached_by(self, on: dt.date) -> bool:
        """Whether it has been reached on `on` (it is reached on the day itself)."""
        return on >= self.date


def _band(born: dt.date) -> int:
    """Months since April 1950 of the "month of birth" (6th to 5th) `born` falls in."""
    year, month = (born.year, born.month) if born.day >= 6 else _month_before(born)
    return (year - 1950) * 12 + (month - 4)


def _month_before(day: dt.date) -> tuple[int, int]:
    return (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)


def _add_months(start: dt.date, months: int, *, clamp: bool) -> dt.date:
    """`start` moved on by `months`.

    A day the month lacks is its last day when `clamp`, else the first day of the next month
    (a 29 February birthday).
    """
    total = start.year * 12 + start.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    if start.day <= last:
        return dt.date(year, month, start.day)
    return dt.date(year, month, last) if clamp else dt.date(year, month, last) + dt.timedelta(1)


def _birthday(born: dt.date, years: int) -> dt.date:
    return _add_months(born, years * 12, clamp=False)


def pension_credit_age(born: dt.date) -> QualifyingAge:
    """When a person born on `born` reaches Pension Credit qualifying age.

    Args:
        born: Their date of birth.

    Returns:
        The date, the age it is and the Act that sets it.
    """
    band = _band(born)
    if born < dt.date(1950, 4, 6):
        return QualifyingAge(_birthday(born, 60), "60", "Pensions Act 1995")
    if born < dt.date(1953, 4, 6):
        return QualifyingAge(
            _add_months(dt.date(2010, 5, 6), 2 * band, clamp=True), "", "Pensions Act 1995"
        )
    if born < dt.date(1953, 12, 6):
        step = band - _band(dt.date(1953, 4, 6))
        return QualifyingAge(
            _add_months(dt.date(2016, 7, 6), 4 * step, clamp=True), "", "Pensions Act 2011"
        )
    if born < dt.date(1954, 10, 6):
        step = band - _band(dt.date(1953, 12, 6))
        return QualifyingAge(
            _add_months(dt.date(2019, 3, 6), 2 * step, clamp=True), "", "Pensions Act 2011"
        )
    if born < dt.date(1960, 4, 6):
        return QualifyingAge(_birthday(born, 66), "66", "Pensions Act 2011")
    if born < dt.date(1961, 3, 6):
        months = band - _band(dt.date(1960, 4, 6)) + 1
        age = f"66 years and {months} month{'s' if months > 1 else ''}"
        return QualifyingAge(
            _add_months(born, 66 * 12 + months, clamp=True), age, "Pensions Act 2014"
        )
    if born < dt.date(1977, 4, 6):
        return QualifyingAge(_birthday(born, 67), "67", "Pensions Act 2014")
    if born < dt.date(1978, 4, 6):
        step = band - _band(dt.date(1977, 4, 6))
        return QualifyingAge(
            _add_months(dt.date(2044, 5, 6), 2 * step, clamp=True), "", "Pensions Act 2007"
        )
    return QualifyingAge(_birthday(born, 68), "68", "Pensions Act 2007")
