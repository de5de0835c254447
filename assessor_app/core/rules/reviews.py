"""When a plan's next review is due (Care Act s27; the timing is local policy).

Both kinds of plan are reviewed alike: the care and support plan and the carer's support plan
(s27(1) asks for both to be kept under review), by the same review form and timing.

REQUIREMENTS sets no interval for reviewing a care and support plan: its CU-28 adds a review
on every entry to and release from custody (`services/custody_moves.py`), and RS-20 asks for
overdue reviews on the caseload (the to-do list); the intervals below are the authority's.

The API is small and stable (the to-do list imports it):

- ``review_due(plan, reviews, settings) -> date | None``: the date the plan's next review is
  due, or None when none is (the plan is still a draft, or its agreed date is not recorded);
- ``due_review(plan, reviews, settings) -> DueReview | None``: the same date with why (the
  reasons, as sentences, and the reference to quote);
- ``REVIEW_DUE_ANSWERS``: the only answers either reads, per form, so a caller at caseload
  scale can hand over records holding just these.

The first review is due a set number of weeks after the plan is agreed (its ``plan_date``):
the ``first_review_weeks`` setting, 8 by default. That period is **local policy, not
statute**: the Care Act asks only that plans are kept under review (s27(1)), and the statutory
guidance (13.32) expects a first "light-touch" review within 6 to 8 weeks of a new plan and
then at least every 12 months. After each completed review, the next is due within 12 months
of the latest review's date. A revised plan is a new plan, so its first review again comes
after the set number of weeks. A plan a newer one replaced is still answered for as it is:
the caller (the to-do list) asks about the person's latest completed plan. Pure over the
records and the settings; imports no Qt and no storage module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from assessor_app.core import answer_values as read
from assessor_app.core.records import RecordStatus
from assessor_app.core.rules import Reason
from assessor_app.core.settings import Settings

__all__ = [
    "CARER_PLAN_FORM",
    "PLAN_FORM",
    "PLAN_FORMS",
    "REVIEW_DUE_ANSWERS",
    "REVIEW_FORM",
    "DueReview",
    "Reviewed",
    "due_review",
    "review_due",
]

PLAN_FORM = "care_support_plan"
CARER_PLAN_FORM = "carers_support_plan"
PLAN_FORMS = (PLAN_FORM, CARER_PLAN_FORM)
"""The plans a review reviews: the care and support plan and the carer's support plan."""
REVIEW_FORM = "care_review"

REVIEW_DUE_ANSWERS: Mapping[str, tuple[str, ...]] = {
    PLAN_FORM: ("plan_date",),
    CARER_PLAN_FORM: ("plan_date",),
    REVIEW_FORM: ("plan_record", "review_date"),
}
"""Form id -> the answers `review_due` reads of its records (and no others)."""

_UNFINISHED = frozenset({RecordStatus.DRAFT, RecordStatus.AMENDED})
_REFERENCE = "Care Act 2014 s27; statutory guidance 13.32 (local policy sets the first review)"


class Reviewed(Protocol):
    """What `review_due` reads of a record: an `Assessment`, or just these parts of one."""

    @property
    def id(self) -> str: ...  # noqa: D102

    @property
    def form_id(self) -> str: ...  # noqa: D102

    @property
    def status(self) -> RecordStatus: ...  # noqa: D102

    @property
    def answers(self) -> Mapping[str, Any]: ...  # noqa: D102


@dataclass(frozen=True)
class DueReview:
    """A plan's next review: when it is due, and why."""

    due: dt.date
    """The date it is due by."""

    kind: str
    """``"first"`` (after the plan was agreed) or ``"yearly"`` (after the latest review)."""

    reasons: tuple[Reason, ...]
    """Why, in sentences for the assessor (`Reason.staff`) and the person (`Reason.person`)."""

    reference: str = _REFERENCE
    """The law and policy to quote beside the date."""

    @property
    def why(self) -> str:
        """The reasons as one paragraph for the assessor."""
        return " ".join(r.staff for r in self.reasons)


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _a_year_after(day: dt.date) -> dt.date:
    """The same day a year later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def due_review(plan: Reviewed, reviews: Iterable[Reviewed], settings: Settings) -> DueReview | None:
    """When the plan's next review is due, and why; None when no review is due.

    Args:
        plan: A care and support plan or carer's support plan record. A draft (or an
            amendment in progress) has no review due yet, nor has a plan whose agreed date is
            not recorded.
        reviews: Review records; only completed reviews of this plan count (others, and
            records of other forms, are passed over, so the person's records may be handed
            over as they are).
        settings: The settings in force; `first_review_weeks` sets the first review.

    Returns:
        The due date with its reasons, or None.
    """
    if plan.form_id not in PLAN_FORMS or plan.status in _UNFINISHED:
        return None
    agreed = read.date(plan.answers, "plan_date")
    if agreed is None:
        return None
    held = [
        day
        for r in reviews
        if r.form_id == REVIEW_FORM
        and r.status not in _UNFINISHED
        and read.text(r.answers, "plan_record") == plan.id
        and (day := read.date(r.answers, "review_date")) is not None
    ]
    if not held:
        weeks = settings.first_review_weeks
        due = agreed + dt.timedelta(weeks=weeks)
        staff = (
            f"The plan was agreed on {_day(agreed)} and has not been reviewed yet: its first "
            f"review is due by {_day(due)}, {weeks} week{'s' if weeks != 1 else ''} later "
            "(the authority's local policy, not statute)."
        )
        person = f"We will look at your plan with you by {_day(due)}, to check it is working."
        return DueReview(due, "first", (Reason("review.first", staff, person, {"weeks": weeks}),))
    latest = max(held)
    due = _a_year_after(latest)
    count = len(held)
    staff = (
        f"The plan was last reviewed on {_day(latest)} ({count} completed review"
        f"{'s' if count != 1 else ''}): the next review is due by {_day(due)}, because a plan "
        "is reviewed at least every 12 months."
    )
    person = f"We will look at your plan with you again by {_day(due)}."
    return DueReview(due, "yearly", (Reason("review.yearly", staff, person, {"reviews": count}),))


def review_due(plan: Reviewed, reviews: Iterable[Reviewed], settings: Settings) -> dt.date | None:
    """The date the plan's next review is due, or None when none is. Signature is stable.

    Args:
        plan: A care and support plan or carer's support plan record (see `due_review`).
        reviews: Review records; only completed reviews of this plan count.
        settings: The settings in force (`first_review_weeks`).

    Returns:
        The date, or None for a draft plan or one with no agreed date. `due_review` says why.
    """
    found = due_review(plan, reviews, settings)
    return found.due if found is not None else None
