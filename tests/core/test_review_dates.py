"""Review dates: a plan's first review after the set weeks, then at least yearly (Care Act s27).

The first-review period is the authority's local policy (the `first_review_weeks` setting, 8
by default); after each completed review the next falls due within 12 months of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.errors import ValidationError
from assessor_app.core.records import RecordStatus
from assessor_app.core.rules.reviews import due_review, review_due
from assessor_app.core.settings import Settings, load_settings


@dataclass(frozen=True)
class _Record:
    id: str
    form_id: str
    status: RecordStatus
    answers: dict[str, Any] = field(default_factory=dict)


PLAN = _Record("plan-1", "care_support_plan", RecordStatus.COMPLETED, {"plan_date": "2026-03-02"})


def _review(day: str, *, plan: str = "plan-1", status: RecordStatus = RecordStatus.COMPLETED):
    return _Record(
        f"review-{day}", "care_review", status, {"plan_record": plan, "review_date": day}
    )


def test_the_first_review_is_due_eight_weeks_after_the_plan_is_agreed() -> None:
    assert review_due(PLAN, [], Settings()) == dt.date(2026, 4, 27)
    found = due_review(PLAN, [], Settings())
    assert found is not None and found.kind == "first"
    assert "27 April 2026" in found.why and "local policy, not statute" in found.why
    assert "s27" in found.reference


def test_the_first_review_follows_the_authority_setting() -> None:
    assert review_due(PLAN, [], Settings(first_review_weeks=6)) == dt.date(2026, 4, 13)


def test_after_a_review_the_next_is_due_within_a_year_of_the_latest() -> None:
    reviews = [_review("2026-04-20"), _review("2027-01-10"), _review("2026-05-01")]
    assert review_due(PLAN, reviews, Settings()) == dt.date(2028, 1, 10)
    found = due_review(PLAN, reviews, Settings())
    assert found is not None and found.kind == "yearly" and "3 completed reviews" in found.why


def test_draft_reviews_and_reviews_of_another_plan_do_not_count() -> None:
    others = [_review("2026-04-20", status=RecordStatus.DRAFT), _review("2026-04-21", plan="x")]
    assert review_due(PLAN, others, Settings()) == dt.date(2026, 4, 27)


def test_a_draft_plan_has_no_review_due() -> None:
    draft = _Record("p", "care_support_plan", RecordStatus.DRAFT, {"plan_date": "2026-03-02"})
    assert review_due(draft, [], Settings()) is None


def test_a_review_on_29_february_is_next_due_on_28_february() -> None:
    assert review_due(PLAN, [_review("2028-02-29")], Settings()) == dt.date(2029, 2, 28)


def test_the_setting_is_read_from_the_settings_file_and_checked(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text("first_review_weeks = 6\n", "utf-8")
    assert load_settings({"ASSESSOR_SETTINGS_FILE": str(good)}).first_review_weeks == 6
    assert load_settings({"ASSESSOR_FIRST_REVIEW_WEEKS": "7"}).first_review_weeks == 7
    bad = tmp_path / "bad.toml"
    bad.write_text('first_review_weeks = "soon"\n', "utf-8")
    with pytest.raises(ValidationError, match="whole number from 1 to 520"):
        load_settings({"ASSESSOR_SETTINGS_FILE": str(bad)})


def test_a_bad_setting_is_said_by_the_command_line_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assessor_app.cli import main

    monkeypatch.setenv("ASSESSOR_FIRST_REVIEW_WEEKS", "six")
    assert main(["settings"]) != 0
    err = capsys.readouterr().err
    assert "'first_review_weeks' must be a whole number from 1 to 520, not 'six'" in err
    assert "Traceback" not in err
