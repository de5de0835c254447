"""The one set of answer readers: what a blank, a stray space or the wrong type reads as."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assessor_app.core import answer_values as read
from assessor_app.core.errors import ValidationError


@pytest.mark.parametrize(
    ("value", "expected"),
    [("  Leeds ", "Leeds"), ("", ""), ("   ", ""), (None, ""), (3, ""), (["a"], "")],
)
def test_text_is_trimmed_and_anything_else_is_blank(value: Any, expected: str) -> None:
    assert read.text({"k": value}, "k") == expected
    assert read.text({}, "k") == ""


@pytest.mark.parametrize(
    ("value", "expected"), [(True, True), (False, False), (None, None), ("yes", None), (1, None)]
)
def test_a_flag_is_only_a_real_yes_or_no(value: Any, expected: bool | None) -> None:
    assert read.flag({"k": value}, "k") is expected


def test_a_choice_must_be_one_of_those_allowed() -> None:
    assert read.choice({"k": "prison"}, "k") == "prison"
    assert read.choice({"k": "prison"}, "k", {"prison", "own_home"}) == "prison"
    assert read.choice({"k": "palace"}, "k", {"prison", "own_home"}) is None
    assert read.choice({"k": ""}, "k") is None
    assert read.choice({"k": 2}, "k") is None


def test_strings_and_items_keep_only_what_they_can_read() -> None:
    assert read.strings({"k": ["a", 3, "b", None]}, "k") == ["a", "b"]
    assert read.strings({"k": "a"}, "k") == []
    assert read.items({"k": [{"x": 1}, "junk", {"y": 2}]}, "k") == [{"x": 1}, {"y": 2}]
    assert read.items({"k": {"x": 1}}, "k") == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-03", dt.date(2026, 12, 3)),
        (" 2026-12-03 ", dt.date(2026, 12, 3)),
        (dt.date(2026, 12, 3), dt.date(2026, 12, 3)),
        (dt.datetime(2026, 12, 3, 9, 30), dt.date(2026, 12, 3)),
        ("", None),
        (None, None),
        ("2026-02-30", None),
        ("03/12/2026", None),
    ],
)
def test_a_date_reads_iso_text_dates_and_datetimes(value: Any, expected: dt.date | None) -> None:
    assert read.date({"k": value}, "k") == expected


def test_a_strict_date_refuses_what_is_not_a_date_and_names_the_answer() -> None:
    with pytest.raises(ValidationError, match="'admission_date' \\(2026-02-30\\) is not a date"):
        read.date({"admission_date": "2026-02-30"}, "admission_date", strict=True)
    assert read.date({"admission_date": ""}, "admission_date", strict=True) is None


@pytest.mark.parametrize(
    ("value", "expected"), [(3, 3), (3.0, 3), (0, 0), (None, None), ("", None), (2.5, None)]
)
def test_a_whole_number_accepts_a_number_questions_float(value: Any, expected: int | None) -> None:
    assert read.whole_number({"k": value}, "k") == expected


@pytest.mark.parametrize("value", [2.5, "12", True])
def test_a_strict_whole_number_refuses_fractions_text_and_yes_no(value: Any) -> None:
    assert read.whole_number({"k": value}, "k") is None
    with pytest.raises(ValidationError, match="'k' must be a whole number"):
        read.whole_number({"k": value}, "k", strict=True)
