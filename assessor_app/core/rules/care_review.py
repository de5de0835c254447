"""Rules for the review of a plan (care and support, or carer's): completion and next step.

A planned review cannot be completed without the Client Level Data field
`Review_Outcomes_Achieved` (the CLD data-quality rules make it mandatory for planned reviews;
domain RULES.md 6.2), and the overall answer may not contradict the outcomes one by one. What
the review found decides the next step (Care Act s27): no change keeps the plan, with the next
review within 12 months; a revised plan is made from the same assessment (the needs
assessment, or the carer's assessment); changed needs call for a reassessment (s27(4)), then a
plan made from it. Imports no Qt and no storage module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assessor_app.core import answer_values as read
from assessor_app.core.rules import (
    Blocker,
    Outcome,
    Reason,
    choice,
    group,
    option_label,
    register,
    register_check,
    text,
)

__all__ = ["CUSTODY_REASONS", "RESULTS", "next_step", "review_completion"]

RESULTS = ("no_change", "revised_plan", "reassessment")
"""What a review can find; the last two start another record from the review."""

CUSTODY_REASONS = ("custody_entry", "custody_release", "custody_transfer")
"""Unplanned-review reasons that are custody moves (REQUIREMENTS CU-28)."""

_OVERALL = ("fully", "partly", "not_achieved")
_EACH = ("achieved", "partly", "not_achieved")

COMPLETION_READS = {
    "review_reason": choice("planned", "unplanned", allowed=("planned", "unplanned")),
    "outcomes_achieved": choice(*_OVERALL, allowed=_OVERALL),
    "review_outcomes": group(outcome_need=text(), outcome_result=choice(*_EACH, allowed=_EACH)),
}
NEXT_STEP_READS = {
    "review_reason": choice("planned", "unplanned"),
    "unplanned_reason": choice(*CUSTODY_REASONS),
    "review_result": choice(*RESULTS, allowed=RESULTS),
}


@register_check("care_review.review_completion", reads=COMPLETION_READS)
def review_completion(answers: Mapping[str, Any]) -> list[Blocker]:
    """What stops a review being completed, beyond missing answers.

    A planned review must say overall whether the plan's outcomes were achieved (Client Level
    Data `Review_Outcomes_Achieved`). "Fully achieved" cannot stand beside an outcome not, or
    only partly, achieved; "not achieved" cannot stand when every outcome was achieved.

    Args:
        answers: The review's visible answers keyed by field id.
    """
    blockers: list[Blocker] = []
    overall = read.choice(answers, "outcomes_achieved", _OVERALL)
    if read.choice(answers, "review_reason") == "planned" and overall is None:
        blockers.append(
            Blocker(
                "outcomes_achieved",
                "Say overall whether the plan's outcomes were achieved: a planned review must "
                "record it (Client Level Data, Review_Outcomes_Achieved).",
            )
        )
    results = [
        (read.text(item, "outcome_need") or "an outcome", read.choice(item, "outcome_result"))
        for item in read.items(answers, "review_outcomes")
    ]
    short = [name for name, result in results if result in ("partly", "not_achieved")]
    if overall == "fully" and short:
        blockers.append(
            Blocker(
                "outcomes_achieved",
                f"'Fully achieved' does not fit: the outcome for '{short[0]}' was not fully "
                "achieved. Choose 'Partly achieved', or correct that outcome.",
                as_typed=True,
            )
        )
    answered = [result for _, result in results if result is not None]
    if overall == "not_achieved" and answered and all(r == "achieved" for r in answered):
        blockers.append(
            Blocker(
                "outcomes_achieved",
                "'Not achieved' does not fit: every outcome below was achieved. Choose 'Fully "
                "achieved', or correct the outcomes.",
                as_typed=True,
            )
        )
    return blockers


@register("care_review.next_step", reads=NEXT_STEP_READS)
def next_step(answers: Mapping[str, Any]) -> Outcome:
    """What follows the review, and why (Care Act s27).

    Args:
        answers: The review's visible answers keyed by field id.

    Returns:
        Value: the review's result (``"no_change"``, ``"revised_plan"`` or
        ``"reassessment"``), None until it is chosen.
    """
    reasons: list[Reason] = []
    unplanned = read.choice(answers, "unplanned_reason")
    if read.choice(answers, "review_reason") == "unplanned" and unplanned in CUSTODY_REASONS:
        why = option_label(answers, "unplanned_reason", unplanned)
        line = (
            f"An unplanned review because {why}: a plan is reviewed on every entry to custody, "
            "every release and every move between establishments (Care and support statutory "
            "guidance, chapter 17)."
        )
        reasons.append(Reason("review.custody", line, ""))
    result = read.choice(answers, "review_result", RESULTS)
    if result is None:
        return Outcome.explained(None, "Not enough answers yet", reasons)
    if result == "no_change":
        line = (
            "The plan still meets the person's needs, so it continues as it is. The next "
            "review is due within 12 months of this one (Care Act s27(1))."
        )
        person = "Your plan stays as it is. We will look at it with you again within a year."
        reasons.append(Reason("review.no_change", line, person))
        return Outcome.explained(result, "No change: the plan continues", reasons)
    if result == "revised_plan":
        line = (
            "The person's needs are the same but the plan must change, so a revised plan is "
            "made from the same assessment, starting from the current plan (Care Act "
            "s27(1)(b)). Completing this review offers to start it."
        )
        person = "We will change your plan with you."
        reasons.append(Reason("review.revised_plan", line, person))
        return Outcome.explained(result, "Revise the plan", reasons)
    line = (
        "The person's needs have changed, so their needs are assessed again (Care Act s27(4)); "
        "the reassessment starts from the last one, and a new plan is made from it. Completing "
        "this review offers to start it."
    )
    person = "Your needs have changed, so we will assess them again with you."
    reasons.append(Reason("review.reassessment", line, person))
    return Outcome.explained(result, "Reassess the person's needs", reasons)
