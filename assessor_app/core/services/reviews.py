"""Reviews of a plan, and reassessments: records started from earlier ones.

- A **review** starts from a completed plan, a care and support plan or a carer's support plan
  (Care Act s27 applies to both; `start_review`; `records.start_record` hands a review to
  `start_review_for`, with the plan named or the person's latest completed one of either
  kind). It names the plan and the assessment behind it (the needs assessment, or the carer's
  assessment) by title and date, and carries over each need of the plan with the outcome the
  person (or carer) wanted, to say whether it was achieved.
- Completing a review whose result is a revised plan or a reassessment offers to start that
  record from it (`next_record_offer`, then `start_from_review`): a plan of the kind reviewed,
  or a reassessment from the assessment behind it.
- A custody move or release is a reason for an unplanned review (REQUIREMENTS CU-28):
  `custody_review_reason` says which, and `start_review(..., unplanned_reason=...)` starts the
  review with it filled in. Only a care and support plan is offered (`plan_to_review`): a
  carer is not in custody as a carer.
- A **reassessment** is a needs assessment, or a carer's assessment, started from the
  person's previous completed one of the same form (`start_reassessment`): its answers are
  the starting point, the person's details are filled in afresh, and it names the assessment
  it follows (`follows`, by title and date, with its reference in `follows_record`).
  `changes_since` gives the answers side by side for the questions that differ.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from typing import Any

from assessor_app.core import answer_values as read
from assessor_app.core.errors import NotFoundError, ValidationError
from assessor_app.core.form_engine.comparison import Change, changes_between
from assessor_app.core.form_engine.migration import migrate_answers
from assessor_app.core.form_engine.model import FieldType
from assessor_app.core.form_engine.prefill import prefill_answers
from assessor_app.core.records import Assessment, AssessmentId, Person, PersonDetails, PersonId
from assessor_app.core.rules import option_label
from assessor_app.core.rules.reviews import PLAN_FORMS, REVIEW_FORM
from assessor_app.core.services import care_plans
from assessor_app.core.services.care_plans import record_title
from assessor_app.core.services.records import EDITABLE
from assessor_app.core.services.session import Session

__all__ = [
    "FOLLOWS_FIELDS",
    "REASSESSED",
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
"""A needs (or carer's) assessment's link to the assessment it follows."""

REASSESSED = {
    care_plans.NEEDS_FORM: "a needs assessment",
    care_plans.CARERS_FORM: "a carer's assessment",
}
"""The assessments a reassessment starts from (form id -> its name in a sentence)."""

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


def latest_plan(
    session: Session, person_id: PersonId, forms: Collection[str] = PLAN_FORMS
) -> Assessment:
    """The person's most recently changed completed plan, of either kind unless `forms` says.

    A carer with a plan of their own has both kinds: the latest of them is the one reviewed.

    Args:
        session: The unlocked profile.
        person_id: Whose plan.
        forms: The plan forms that count (`PLAN_FORMS`: both kinds).

    Raises:
        ValidationError: They have none completed (the message says to complete one first).
    """
    for record in session.records.list_for_person(person_id):
        if record.form_id in forms and record.status not in EDITABLE:
            return record
    names = " or ".join(
        care_plans.PLAN_KINDS[f].plan_name.removeprefix("a ") for f in PLAN_FORMS if f in forms
    )
    raise ValidationError(
        f"This person has no completed {names}, so there is no plan to review.",
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
    """The person's latest completed care and support plan, or None when they have none.

    What a custody move offers to review: never a carer's support plan (a carer is not in
    custody as a carer; a carer in custody is assessed as a person in custody).
    """
    try:
        return latest_plan(session, person_id, (care_plans.PLAN_FORM,))
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
    """Start a draft review of a completed plan: a care and support plan or a carer's.

    Args:
        session: The unlocked profile.
        plan_id: The completed plan to review (either kind).
        unplanned_reason: Why an unplanned review is needed now (an option of the review's
            `unplanned_reason`, e.g. ``"custody_release"``), or None for the assessor to say.

    Raises:
        NotFoundError: No such record, or the review form is not installed.
        ValidationError: The record is not a completed plan of either kind.
    """
    plan = session.records.get(plan_id)
    kind = care_plans.PLAN_KINDS.get(plan.form_id)
    if kind is None:
        raise ValidationError(
            "This record is not a plan: a review starts from a care and support plan or a "
            "carer's support plan.",
            "Choose the person's plan.",
        )
    _finished(plan, kind.plan_form, kind.plan_name, "Choose the person's plan.")
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


def start_reassessment(
    session: Session, previous_id: AssessmentId, form_id: str | None = None
) -> Assessment:
    """Start an assessment from the person's previous completed one (a reassessment).

    A needs assessment from a needs assessment, a carer's assessment from a carer's
    assessment (`REASSESSED`). The previous answers (moved to the newest form version, if it
    is newer) are the starting point, except its signatures and its date; the person's details
    (and for a carer, those of the person cared for, if on the caseload) are filled in from
    their records as they are now; `follows` names the previous assessment by title and date.

    Args:
        session: The unlocked profile.
        previous_id: The completed assessment it follows.
        form_id: The form being started, which the previous one must be; None for the
            previous one's own form.

    Raises:
        NotFoundError: No such record, or the assessment's form is not installed.
        ValidationError: The record is not a completed assessment of that form (or of either).
    """
    previous = session.records.get(previous_id)
    wanted = form_id or previous.form_id
    what = REASSESSED.get(wanted, " or ".join(REASSESSED.values()))
    _finished(
        previous,
        wanted if wanted in REASSESSED else "",
        what,
        f"Choose the person's previous {what.removeprefix('a ')}.",
    )
    form = session.forms.latest(previous.form_id)
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
    cared_for = _cared_for(session, previous)
    answers = {
        **carried,
        **prefill_answers(form, person, cared_for=cared_for, today=session.today()),
    }
    answers["follows"] = record_title(session, previous)
    answers["follows_record"] = previous.id
    return session.records.create(previous.person_id, form.id, form.version, answers)


def _cared_for(session: Session, assessment: Assessment) -> Person | None:
    """The person a carer's assessment is about caring for, if still on the caseload."""
    cared_for_id = read.text(assessment.answers, "cared_for_record")
    if not cared_for_id:
        return None
    try:
        return session.people.get(PersonId(cared_for_id))
    except NotFoundError:  # gone from the caseload: the name carried over stays
        return None


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
            "Start a reassessment from the person's previous assessment to compare them.",
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
    the needs changed offers to start the reassessment (of the needs assessment, or the
    carer's assessment, behind the plan). Both start from the review (`start_from_review`).
    """
    if review.form_id != REVIEW_FORM or review.status in EDITABLE:
        return None
    result = read.choice(review.answers, "review_result")
    plan = read.text(review.answers, "plan_reviewed") or "the plan"
    if result == "revised_plan":
        return f"The review found the plan must change. Start the revised plan now, from {plan}?"
    if result == "reassessment":
        needs = read.text(review.answers, "needs_reviewed") or "the previous assessment"
        return (
            "The review found the needs have changed. Start the reassessment now, "
            f"from the {needs[:1].lower()}{needs[1:]}?"
        )
    return None


def start_from_review(session: Session, review_id: AssessmentId) -> Assessment:
    """Start what a completed review found is needed: a revised plan, or a reassessment.

    The revised plan is of the kind reviewed (a carer's support plan for a carer's), made from
    the assessment the plan was; the reassessment is of the assessment behind the plan (a
    needs assessment, or a carer's assessment).

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
        kind = care_plans.PLAN_KINDS.get(plan.form_id, care_plans.CARE_PLAN)
        return care_plans.start_plan(session, AssessmentId(needs_id), revising=plan, kind=kind)
    if result == "reassessment":
        needs_id = read.text(review.answers, "needs_record")
        if not needs_id:
            raise ValidationError(
                "This review names no assessment to reassess from.",
                "Start the assessment from the person's page instead.",
            )
        return start_reassessment(session, AssessmentId(needs_id))
    label = option_label({}, "review_result", result) if result else "nothing"
    raise ValidationError(
        f"This review found {label}, so there is no new record to start from it.",
        "The plan continues as it is; its next review is due within 12 months.",
    )
