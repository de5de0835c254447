"""Making a plan from a completed assessment with eligible needs, and keeping it in step.

Two kinds of plan (`PLAN_KINDS`): the care and support plan, made from a needs assessment, and
the carer's support plan, made from a carer's assessment (its record is about the carer).
`start_plan` is the only way either starts (`records.start_record` hands a plan to it, from
the record named or the person's latest completed assessment of the kind): from a completed
assessment whose needs the eligibility rule found eligible. The plan carries over each
eligible need with what the person (or carer) said about it, and the outcomes they want.
While the plan is a draft, `refresh_plan` (run on opening and on completing it) fills in again
the eligible needs from that assessment (so an amended assessment is followed, and the list
cannot be edited away) and the person's (or carer's) weekly contribution from their latest completed
financial assessment, as its own charging rules worked it out, with the rates table it used.
A completed plan keeps what it was completed with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from assessor_app.core import answer_values as read
from assessor_app.core.errors import NotFoundError, ValidationError
from assessor_app.core.form_engine.answer_text import format_date
from assessor_app.core.form_engine.prefill import prefill_answers
from assessor_app.core.records import Assessment, AssessmentId, PersonId
from assessor_app.core.rules.care_act import ADULT_OUTCOMES, CARER_OUTCOMES
from assessor_app.core.rules.care_plan import CARER_HEALTH
from assessor_app.core.rules.reviews import REVIEW_FORM
from assessor_app.core.services.records import EDITABLE, evaluate_record
from assessor_app.core.services.session import Session

__all__ = [
    "CARER_PLAN",
    "CARERS_FORM",
    "CARER_PLAN_FORM",
    "CARE_PLAN",
    "FINANCIAL_FORM",
    "NEEDS_FORM",
    "PLAN_FORM",
    "PLAN_KINDS",
    "Contribution",
    "PlanKind",
    "eligible_domains",
    "latest_contribution",
    "latest_source",
    "record_title",
    "refresh_plan",
    "start_plan",
    "start_plan_for",
]

PLAN_FORM = "care_support_plan"
NEEDS_FORM = "needs_assessment"
CARER_PLAN_FORM = "carers_support_plan"
CARERS_FORM = "carers_assessment"
FINANCIAL_FORM = "financial_assessment"
_CONTRIBUTION_FIELDS = (
    "contribution_record",
    "contribution_from",
    "contribution_weekly",
    "contribution_rates",
)
_DATED = {
    PLAN_FORM: ("plan_date", "agreed"),
    NEEDS_FORM: ("assessment_date", "of"),
    CARER_PLAN_FORM: ("plan_date", "agreed"),
    CARERS_FORM: ("assessment_date", "of"),
    FINANCIAL_FORM: ("effective_date", "effective"),
    REVIEW_FORM: ("review_date", "held"),
}


def record_title(session: Session, record: Assessment) -> str:
    """A record as a person names it: its form's title and its date.

    E.g. "Care and support plan agreed 20 November 2026": the record's own date (the plan's
    agreed date, the assessment's date), else the day it was last changed. Printed wherever a
    record names another, never its id.

    Args:
        session: The unlocked profile (for the form's title).
        record: The record to name.
    """
    try:
        title = session.forms.get(record.form_id, record.form_version).title
    except NotFoundError:  # a form not installed still has a name to show
        title = record.form_id.replace("_", " ").capitalize()
    field_id, word = _DATED.get(record.form_id, ("", "of"))
    day = read.date(record.answers, field_id) if field_id else None
    if day is not None:
        return f"{title} {word} {format_date(day.isoformat())}"
    if record.updated_at is not None:
        return f"{title} last changed {format_date(record.updated_at.date().isoformat())}"
    return title


def _what_they_said(answers: Mapping[str, Any], key: str) -> str:
    base = f"out_{key}"
    parts = [read.text(answers, f"{base}_narrative")]
    varies = read.text(answers, f"{base}_fluctuation")
    if read.flag(answers, f"{base}_fluctuates") is True and varies:
        parts.append(f"It varies: {varies}")
    if read.flag(answers, f"{base}_carer") is True:
        parts.append("Someone currently helps with this.")
    return " ".join(p for p in parts if p)


def _what_the_carer_said(answers: Mapping[str, Any], key: str) -> str:
    if key == CARER_HEALTH:
        return read.text(answers, "health_details")
    return read.text(answers, f"c_{key}_narrative")


@dataclass(frozen=True)
class PlanKind:
    """One kind of plan: the form it is, the assessment it is made from, and their words."""

    plan_form: str
    """The plan's form id."""
    source_form: str
    """The form id of the assessment a plan of this kind is made from."""
    plan_name: str
    """The plan, in a sentence ("a care and support plan")."""
    source_name: str
    """That assessment, in a sentence ("needs assessment")."""
    who: str
    """Whom the record is about, in a sentence ("person", "carer")."""
    outcomes: tuple[tuple[str, str], ...]
    """The eligibility rule's outcomes as (key, label): its facts name them by label."""
    said: Callable[[Mapping[str, Any], str], str]
    """What the person said about the need with this key, from the assessment's answers."""
    wanted_field: str
    """The assessment's answer holding the outcomes they want, in their own words."""
    not_eligible_step: str
    """What to do when the assessment found no eligible needs."""


CARE_PLAN = PlanKind(
    PLAN_FORM,
    NEEDS_FORM,
    "a care and support plan",
    "needs assessment",
    "person",
    ADULT_OUTCOMES,
    _what_they_said,
    "desired_outcomes",
    "Give the person written information and advice instead (Care Act s13(5)); the "
    "authority may still choose to meet needs by starting a plan from an assessment "
    "with eligible needs.",
)
CARER_PLAN = PlanKind(
    CARER_PLAN_FORM,
    CARERS_FORM,
    "a carer's support plan",
    "carer's assessment",
    "carer",
    CARER_OUTCOMES,
    _what_the_carer_said,
    "carer_desired_outcomes",
    "Give the carer written information and advice on meeting, reducing, preventing or "
    "delaying their needs instead (Care Act s13(5)).",
)
PLAN_KINDS: dict[str, PlanKind] = {kind.plan_form: kind for kind in (CARE_PLAN, CARER_PLAN)}
"""Each kind of plan by its form id."""


def eligible_domains(session: Session, needs: Assessment, kind: PlanKind = CARE_PLAN) -> list[str]:
    """The need keys (e.g. ``"hygiene"``) of the needs the eligibility rule found eligible.

    Read from the rule's own outcome on the record (its "unable to achieve" facts, and for a
    carer whether caring affects their health), never worked out again here.

    Args:
        session: The unlocked profile.
        needs: The assessment the plan is made from.
        kind: The kind of plan (which assessment it must be).

    Raises:
        ValidationError: The record is not a completed assessment of the kind's, or its needs
            are not eligible (the message says what to do instead).
    """
    source = kind.source_name
    if needs.form_id != kind.source_form:
        raise ValidationError(
            f"{kind.plan_name.capitalize()} is made from a {source}, and this record is not one.",
            f"Choose the {kind.who}'s completed {source}.",
        )
    if needs.status in EDITABLE:
        raise ValidationError(
            f"This {source} is not complete yet, so its eligible needs are not settled.",
            f"Complete the {source} first, then make the plan from it.",
        )
    outcome = evaluate_record(session, needs).outcomes.get("eligibility")
    if outcome is None or outcome.value != "eligible":
        raise ValidationError(
            f"This {source} found no eligible needs, so there is no plan to make.",
            kind.not_eligible_step,
        )
    labels: tuple[str, ...] = ()
    health = False
    for detail in outcome.details:
        if detail.code == "condition.2":
            labels = tuple(detail.facts.get("unable", ()))
            health = detail.facts.get("health") is True
    key_of = {label: key for key, label in kind.outcomes}
    keys = [key_of[label] for label in labels if label in key_of]
    return [*keys, CARER_HEALTH] if health else keys


class Contribution(dict[str, Any]):
    """The plan's contribution answers: record id, weekly pence and rates table (or none)."""


def latest_contribution(session: Session, person_id: PersonId) -> Contribution:
    """The person's weekly contribution from their most recent completed financial assessment.

    The charge and the rates table are that assessment's own outcomes (`charging.weekly_charge`
    and `charging.rates_used`, on the table it kept). With none completed, or one whose charge
    cannot be reproduced, every answer is None: the plan then says "charge not yet assessed".
    """
    empty = Contribution({name: None for name in _CONTRIBUTION_FIELDS})
    for record in session.records.list_for_person(person_id):
        if record.form_id != FINANCIAL_FORM or record.status in EDITABLE:
            continue
        full = session.records.get(record.id)
        outcomes = evaluate_record(session, full).outcomes
        charge, rates = outcomes.get("charge"), outcomes.get("charge_rates")
        if charge is None or not isinstance(charge.value, int) or isinstance(charge.value, bool):
            return empty
        table = None
        if rates is not None and rates.value is not None:
            # The table's title, version and dates, as the financial assessment names it.
            table = rates.reasons[0].rstrip(".") if rates.reasons else rates.label
        return Contribution(
            contribution_record=record.id,
            contribution_from=record_title(session, full),
            contribution_weekly=charge.value,
            contribution_rates=table,
        )
    return empty


def latest_source(session: Session, person_id: PersonId, kind: PlanKind = CARE_PLAN) -> Assessment:
    """The person's most recently changed completed assessment a plan of `kind` starts from.

    Raises:
        ValidationError: They have none completed (the message says to complete one first).
    """
    for record in session.records.list_for_person(person_id):
        if record.form_id == kind.source_form and record.status not in EDITABLE:
            return record
    raise ValidationError(
        f"This {kind.who} has no completed {kind.source_name}, so there are no eligible needs "
        "to plan for yet.",
        f"Complete their {kind.source_name} first: the plan is made from it.",
    )


_REVISED = (
    "person_outcomes",
    "strengths_and_support",
    "dp_choice",
    "dp_manager",
    "dp_manager_name",
    "custody_participants",
    "regime_limits",
    "custody_equipment",
    "plan_sharing_consent",
    "plan_sharing_basis",
    "plan_sharing_with",
    "plan_sharing_what",
    "plan_safeguarding",
    "plan_safeguarding_how",
    "on_transfer",
    "on_release",
)
"""Answers a revised plan carries over from the plan it revises, besides its needs: the
person's direct-payment choice and the custody section, to check again with them (the date
the regime's limits were discussed is given again)."""


def start_plan(
    session: Session,
    needs_record_id: AssessmentId,
    *,
    revising: Assessment | None = None,
    kind: PlanKind = CARE_PLAN,
) -> Assessment:
    """Start a draft plan from a completed assessment with eligible needs.

    Each eligible need becomes an entry with what the person (or carer) said about it; the
    outcomes they want and their contribution (if a financial assessment of theirs is
    complete) come too, and for a carer the name of the person cared for. A revised plan
    (`revising`, after a review) starts from the plan it revises instead: its entries (for
    each need still eligible, or met by choice), the outcomes and strengths; a need newly
    eligible gets a new entry, and the dates and signatures are left to give again.

    Args:
        session: The unlocked profile.
        needs_record_id: The completed assessment the plan is made from (a needs assessment,
            or for a carer's support plan a carer's assessment).
        revising: The plan a review found must change, or None for a new plan.
        kind: Which kind of plan (`PLAN_KINDS`).

    Raises:
        NotFoundError: No such record, or the plan form is not installed.
        ValidationError: Not a completed assessment of the kind's, or no eligible needs.
    """
    needs = session.records.get(needs_record_id)
    domains = eligible_domains(session, needs, kind)
    form = session.forms.latest(kind.plan_form)
    person = session.people.get(needs.person_id)
    answers = prefill_answers(form, person, today=session.today())
    answers["needs_record"] = needs.id
    answers["needs_made_from"] = record_title(session, needs)
    if kind is CARE_PLAN:
        concern = needs.answers.get("safeguarding_concern")
        if isinstance(concern, bool):
            answers["plan_safeguarding"] = concern
    else:
        cared_for = read.text(needs.answers, "cared_for_name")
        if cared_for:
            answers["cared_for_name"] = cared_for
    answers["eligible_needs"] = domains
    outcomes = read.text(needs.answers, kind.wanted_field)
    if outcomes:
        answers["person_outcomes"] = outcomes
    answers["plan_needs"] = [
        {
            "need_domain": key,
            "need_basis": "eligible",
            "need_said": kind.said(needs.answers, key),
        }
        for key in domains
    ]
    if revising is not None:
        _carry_revised(answers, revising.answers, domains)
    contribution = latest_contribution(session, needs.person_id)
    answers.update({k: v for k, v in contribution.items() if v is not None})
    return session.records.create(needs.person_id, form.id, form.version, answers)


def _carry_revised(answers: dict[str, Any], old: dict[str, Any], domains: list[str]) -> None:
    """Fill a new plan's `answers` from the plan it revises (see `start_plan`)."""
    for field_id in _REVISED:
        if old.get(field_id) not in (None, "", []):
            answers[field_id] = old[field_id]
    kept: list[dict[str, Any]] = []
    for item in read.items(old, "plan_needs"):
        domain = read.choice(item, "need_domain")
        chosen = read.choice(item, "need_basis") == "chosen_to_meet"
        if domain in domains or (chosen and domain not in domains):
            kept.append(dict(item))
    planned = {read.choice(item, "need_domain") for item in kept}
    fresh = [item for item in answers["plan_needs"] if item["need_domain"] not in planned]
    answers["plan_needs"] = kept + fresh


def refresh_plan(session: Session, plan: Assessment) -> Assessment:
    """Fill in again what a draft plan carries from other records; the plan as it is now.

    The eligible needs follow the assessment the plan was made from while it is complete
    (an amendment in progress leaves them as they were); the contribution follows the latest
    completed financial assessment. Only answers that changed are saved. A finished plan, or
    a record that is not a plan, is left alone.
    """
    kind = PLAN_KINDS.get(plan.form_id)
    if kind is None or plan.status not in EDITABLE:
        return plan
    wanted: dict[str, Any] = dict(latest_contribution(session, plan.person_id))
    source = read.text(plan.answers, "needs_record")
    if source and session.records.exists(source):
        needs = session.records.get(source)
        if needs.status not in EDITABLE and needs.person_id == plan.person_id:
            wanted["needs_made_from"] = record_title(session, needs)
            try:
                wanted["eligible_needs"] = eligible_domains(session, needs, kind)
            except ValidationError:
                wanted["eligible_needs"] = []
    changed = {k: v for k, v in wanted.items() if plan.answers.get(k) != v}
    for field_id, value in changed.items():
        session.records.save_field(plan.id, field_id, value)
    return session.records.get(plan.id) if changed else plan


def start_plan_for(
    session: Session,
    person_id: PersonId,
    from_record: AssessmentId | None = None,
    kind: PlanKind = CARE_PLAN,
) -> Assessment:
    """Start a plan for a person from the assessment named, else from their latest.

    Raises:
        NotFoundError: No such record.
        ValidationError: The record is about someone else, or as for `start_plan` and
            `latest_source`.
    """
    if from_record is None:
        return start_plan(session, latest_source(session, person_id, kind).id, kind=kind)
    needs = session.records.get(from_record)
    if needs.person_id != person_id:
        raise ValidationError(
            f"That {kind.source_name} is about someone else.",
            f"Choose a {kind.source_name} of the {kind.who} the plan is for.",
        )
    return start_plan(session, needs.id, kind=kind)
