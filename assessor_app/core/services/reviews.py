"""Reviews of a care and support plan, and reassessments: records started from earlier ones.

- A **review** starts from a completed plan (`start_review`; `records.start_record` hands a
  review to `start_review_for`, with the plan named or the person's latest completed one). It
  names the plan and the needs assessment behind it by title and date, and carries over each
  need of the plan with the outcome the person wanted, to say whether it was achieved.
- Completing a review whose result is a revised plan or a reassessment offers to start that
  record from it (`next_record_offer`, then `start_from_review`).
- A custody move or release is a reason for an unplanned review (REQUIREMENTS CU-28):
  `custody_review_reason` says which, and `start_review(..., unplanned_reason=...)` starts the
  review with it filled in.
- A **reassessment** is a needs assessment started from the person's previous completed one
  (`start_reassessment`): its answers are the starting point, the person's details are
  filled in afresh, and it names the assessment it follows (`follows`, by title and date, with
  its reference in `follows_record`). `changes_since` gives the answers side by side for the
  questions that differ.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from assessor_app.core import answer_values as read
from assessor_app.core.errors import ValidationError
from assessor_app.core.form_engine.comparison import Change, changes_between
from assessor_app.core.form_engine.migration import migrate_answers
from assessor_app.core.form_engine.model import FieldType
from assessor_app.core.form_engine.prefill import prefill_answers
from assessor_app.core.records import Assessment, AssessmentId, PersonDetails, PersonId
from assessor_app.core.rules import option_label
from assessor_app.core.rules.reviews import REVIEW_FORM
from assessor_app.core.services import care_plans
from assessor_app.core.services.care_plans import record_title
from assessor_app.core.services.records import EDITABLE
from assessor_app.core.services.session import Session

__all__ = [
    "FOLLOWS_FIELDS",
    "REVIEW_FORM",
    "changes_since",
    "custody_review_reason",
    "plan_to_review",
    "latest_plan",
    "next_record_offer",
    "record_title",
    "start_from_review",
    "start_reassessment",
    "start_review",
    "start_review_for",
]

FOLLOWS_FIELDS = ("follows", "follows_record")
"""The needs assessment's link to the assessment it follows."""

_NOT_CARRIED = frozenset({"assessment_date", *FOLLOWS_FIELDS})
"""A reassessment's own date and link are its own, never the previous assessment's."""


def _finished(record: Assessment, form_id: str, what: str, instead: str) -> None:
    if record.form_id != form_id:
        raise ValidationError(f"This record is not {what}.", instead)
    if record.status in EDITABLE:
        raise ValidationError(
            f"This {what.removeprefix('a ').removeprefix('an ')} is not complete yet.",
            f"Complete it first, then start from it. {instead}",
        )


def latest_plan(session: Session, person_id: PersonId) -> Assessment:
    """The person's most recently changed completed care and support plan.

    Raises:
        ValidationError: They have none completed (the message says to complete one first).
    """
    for record in session.records.list_for_person(person_id):
        if record.form_id == care_plans.PLAN_FORM and record.status not in EDITABLE:
            return record
    raise ValidationError(
        "This person has no completed care and support plan, so there is no plan to review.",
        "Complete their plan first: the review starts from it.",
    )


def _outcomes_of(session: Session, plan: Assessment) -> list[dict[str, Any]]:
    """The plan's needs, each with the outcome the person wanted, as review items."""
    form = session.forms.get(plan.form_id, plan.form_version)
    labels: dict[Any, str] = {}
    if form.has_field("need_domain"):
        labels = {o.value: o.label for o in form.field("need_domain").options}
    items = []
    for entry in read.items(plan.answers, "plan_needs"):
        domain = read.choice(entry, "need_domain")
        name = read.text(entry, "need_other") if domain == "other" else labels.get(domain, "")
        item = {
            "outcome_need": name or "A need",
            "outcome_wanted": read.text(entry, "need_outcome"),
        }
        items.append({k: v for k, v in item.items() if v})
    return items


def plan_to_review(session: Session, person_id: PersonId) -> Assessment | None:
    """The person's latest completed plan, or None when they have none to review."""
    try:
        return latest_plan(session, person_id)
    except ValidationError:
        return None


def custody_review_reason(before: PersonDetails, after: PersonDetails) -> str | None:
    """The unplanned-review reason a change of the person's setting is, or None.

    ``"custody_entry"`` on going into custody, ``"custody_release"`` on leaving it, and
    ``"custody_transfer"`` on a move between establishments (as `custody_move_prompt` says).
    """
    was, now = before.setting.is_custody, after.setting.is_custody
    if not was and now:
        return "custody_entry"
    if was and not now:
        return "custody_release"
    if was and now and before.establishment_name != after.establishment_name:
        return "custody_transfer"
    return None


def start_review(
    session: Session, plan_id: AssessmentId, *, unplanned_reason: str | None = None
) -> Assessment:
    """Start a draft review of a completed care and support plan.

    Args:
        session: The unlocked profile.
        plan_id: The completed plan to review.
        unplanned_reason: Why an unplanned review is needed now (an option of the review's
            `unplanned_reason`, e.g. ``"custody_release"``), or None for the assessor to say.

    Raises:
        NotFoundError: No such record, or the review form is not installed.
        ValidationError: The record is not a completed plan.
    """
    plan = session.records.get(plan_id)
    _finished(plan, care_plans.PLAN_FORM, "a care and support plan", "Choose the person's plan.")
    form = session.forms.latest(REVIEW_FORM)
    person = session.people.get(plan.person_id)
    answers = prefill_answers(form, person, today=session.today())
    answers["plan_reviewed"] = record_title(session, plan)
    answers["plan_record"] = plan.id
    needs_id = read.text(plan.answers, "needs_record")
    if needs_id and session.records.exists(needs_id):
        answers["needs_reviewed"] = record_title(session, session.records.get(needs_id))
        answers["needs_record"] = needs_id
    answers["review_outcomes"] = _outcomes_of(session, plan)
    if unplanned_reason is not None:
        answers["review_reason"] = "unplanned"
        answers["unplanned_reason"] = unplanned_reason
    return session.records.create(plan.person_id, form.id, form.version, answers)


def start_review_for(
    session: Session, person_id: PersonId, from_record: AssessmentId | None = None
) -> Assessment:
    """Start a review for a person of the plan named, else of their latest completed plan.

    Raises:
        NotFoundError: No such record.
        ValidationError: The record is about someone else, or as for `start_review` and
            `latest_plan`.
    """
    if from_record is None:
        return start_review(session, latest_plan(session, person_id).id)
    if session.records.get(from_record).person_id != person_id:
        raise ValidationError(
            "That plan is about someone else.", "Choose a plan of the person under review."
        )
    return start_review(session, from_record)


def start_reassessment(session: Session, previous_id: AssessmentId) -> Assessment:
    """Start a needs assessment from the person's previous completed one (a reassessment).

    The previous answers (moved to the newest form version, if it is newer) are the starting
    point, except its signatures and its date; the person's details are filled in from their
    record as it is now; `follows` names the previous assessment by title and date.

    Raises:
        NotFoundError: No such record, or the needs assessment form is not installed.
        ValidationError: The record is not a completed needs assessment.
    """
    previous = session.records.get(previous_id)
    _finished(
        previous,
        care_plans.NEEDS_FORM,
        "a needs assessment",
        "Choose the person's previous needs assessment.",
    )
    form = session.forms.latest(care_plans.NEEDS_FORM)
    _, moved = migrate_answers(
        session.forms, previous.form_id, previous.form_version, copy.deepcopy(previous.answers)
    )
    carried = {
        f.id: moved[f.id]
        for f in form.top_fields()
        if f.id in moved
        and f.id not in _NOT_CARRIED
        and f.type not in (FieldType.SIGNATURE, FieldType.OUTCOME, FieldType.NOTICE)
    }
    person = session.people.get(previous.person_id)
    answers = {**carried, **prefill_answers(form, person, today=session.today())}
    answers["follows"] = record_title(session, previous)
    answers["follows_record"] = previous.id
    return session.records.create(previous.person_id, form.id, form.version, answers)


def changes_since(session: Session, record: Assessment) -> tuple[str, Sequence[Change]]:
    """What changed in a reassessment since the assessment it follows.

    Returns:
        The previous assessment's title and date, and the questions whose answers differ
        (previous, then now), in form order.

    Raises:
        NotFoundError: The assessment it follows is no longer on this laptop.
        ValidationError: The record follows no earlier assessment.
    """
    previous_id = read.text(record.answers, "follows_record")
    if not previous_id:
        raise ValidationError(
            "This assessment does not follow an earlier one, so there is nothing to compare.",
            "Start a reassessment from the person's previous needs assessment to compare them.",
        )
    previous = session.records.get(AssessmentId(previous_id))
    form = session.forms.get(record.form_id, record.form_version)
    before_form = session.forms.get(previous.form_id, previous.form_version)
    changes = changes_between(
        form, previous.answers, record.answers, skip=FOLLOWS_FIELDS, before_form=before_form
    )
    return record_title(session, previous), changes


def next_record_offer(review: Assessment) -> str | None:
    """The question to ask once a review is completed, or None when nothing follows it.

    A review that found the plan must change offers to start the revised plan; one that found
    the needs changed offers to start the reassessment. Both start from the review
    (`start_from_review`).
    """
    if review.form_id != REVIEW_FORM or review.status in EDITABLE:
        return None
    result = read.choice(review.answers, "review_result")
    plan = read.text(review.answers, "plan_reviewed") or "the plan"
    if result == "revised_plan":
        return f"The review found the plan must change. Start the revised plan now, from {plan}?"
    if result == "reassessment":
        needs = read.text(review.answers, "needs_reviewed") or "the previous needs assessment"
        return (
            "The review found the person's needs have changed. Start the reassessment now, "
            f"from the {needs[:1].lower()}{needs[1:]}?"
        )
    return None


def start_from_review(session: Session, review_id: AssessmentId) -> Assessment:
    """Start what a completed review found is needed: a revised plan, or a reassessment.

    Raises:
        NotFoundError: No such record, or the plan or assessment it names is not on this
            laptop.
        ValidationError: The review is not completed, or found no change.
    """
    review = session.records.get(review_id)
    _finished(review, REVIEW_FORM, "a review", "Choose the person's review.")
    result = read.choice(review.answers, "review_result")
    if result == "revised_plan":
        plan = session.records.get(AssessmentId(read.text(review.answers, "plan_record")))
        needs_id = read.text(plan.answers, "needs_record")
        return care_plans.start_plan(session, AssessmentId(needs_id), revising=plan)
    if result == "reassessment":
        needs_id = read.text(review.answers, "needs_record")
        if not needs_id:
            raise ValidationError(
                "This review names no needs assessment to reassess from.",
                "Start a needs assessment from the person's page instead.",
            )
        return start_reassessment(session, AssessmentId(needs_id))
    label = option_label({}, "review_result", result) if result else "nothing"
    raise ValidationError(
        f"This review found {label}, so there is no new record to start from it.",
        "The plan continues as it is; its next review is due within 12 months.",
    )
