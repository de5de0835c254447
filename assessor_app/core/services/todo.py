"""The to-do list: what is due for each person, worked out from their records every time.

Never a hand-kept list: each item is read off the records as they are (SQLite reads the few
answers needed, `AssessmentRepository.projected`), so it appears when the records make it due
and goes by itself once the record that settles it is completed or answered. Each item says
what is due, by when, why (the rule and its REQUIREMENTS reference), whose it is, and which
record settles it: one to open, or a form to start (a plan, from its needs assessment).

What the forms record decides what can be listed (README, "To do"):

- a care and support plan not yet made (or not completed) for a completed needs assessment
  with eligible needs (NA-39), and a carer's support plan for a completed carer's assessment
  with eligible needs (Care Act s20);
- the next review of each person's latest completed plan of each kind, care and support plan
  or carer's support plan (`rules.reviews.due_review`: the authority's `first_review_weeks`
  after it was agreed, then a year after each completed review of it), from four weeks
  before it is due;
- a CHC decision past the 28 days with no decision date yet (CH-34);
- a needs assessment still to finish after the person declined prevention (NA-23);
- written information still to give for needs that are not eligible (NA-55);
- a financial assessment still to complete for a person with a plan (FC-13);
- another authority still to tell before a release date (CU-30).

A carer's eligibility is judged from the index too (schema 22): the carer's outcome letters
(`carer_outcome_codes`) and the four answers `carer_eligibility` reads, for each carer's latest
completed carer's assessment, so no record is read however many carers wait for a plan.

Left out for now because no form records it: the reason a CHC decision was late (the DST has
no field for it, so a decision made late cannot be listed as still missing its reason).

Imports no Qt: the caseload's "To do" view shows what `work_out` returns.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from assessor_app.core.records import AssessmentId, PersonId, RecordStatus

if TYPE_CHECKING:
    from assessor_app.core.services.session import Session
    from assessor_app.core.settings import Settings
    from assessor_app.core.storage.assessments import OutcomeCodes, Projected

# The rules and the plan service are imported where the list is worked out (on the worker),
# not here: the caseload imports this module for its labels before its first page shows.

__all__ = [
    "adult_eligibility",
    "adult_outcome_codes",
    "KIND_LABELS",
    "REVIEW_FORM",
    "REVIEW_SHOWN_DAYS",
    "TodoItem",
    "TodoKind",
    "soonest_first",
    "work_out",
]

DST_FORM = "chc_dst"
REVIEW_FORM = "care_review"
REVIEW_SHOWN_DAYS = 28
"""How long before a review is due it joins the list."""
CHC_DAYS = 28
_EDITABLE = frozenset({RecordStatus.DRAFT, RecordStatus.AMENDED})


@functools.cache
def adult_outcome_codes() -> OutcomeCodes:
    """How `care_act.adult_eligibility` reads the ten outcomes (reg 2(2) and 2(3)), for SQLite.

    `adult_eligibility` below finishes the judgement from these letters and two answers;
    tests/core/test_todo.py holds the two together against the rule.
    """
    from assessor_app.core.rules.care_act import ADULT_OUTCOMES, ADULT_WAYS
    from assessor_app.core.storage.assessments import OutcomeCodes

    return OutcomeCodes(
        prefix="out_",
        outcomes=tuple(key for key, _ in ADULT_OUTCOMES),
        statuses=("achieved", "not_achieved", "not_applicable"),
        unable="not_achieved",
        ways=tuple(way for way, _ in ADULT_WAYS),
    )


_SIGNIFICANT = {"significant": True, "likely": True, "not_significant": False}
"""How each `wellbeing_impact` answer reads for condition 3 (built once: a caseload's list
asks it of every completed needs assessment)."""

ELIGIBILITY_TEXTS = ("wellbeing_impact",)
ELIGIBILITY_FLAGS = ("needs_from_impairment",)


def adult_eligibility(values: Mapping[str, Any]) -> str | None:
    """`care_act.adult_eligibility`'s value from a needs record's projection.

    The three conditions of reg 2(1): the needs arise from an impairment or illness, the
    person is unable to achieve two or more outcomes (``n`` letters; none unanswered) and
    there is, or is likely to be, a significant impact on wellbeing. None while any is
    unanswered, as the rule says.

    Args:
        values: ``needs_from_impairment``, ``wellbeing_impact`` and ``outcomes`` (the letters
            of `adult_outcome_codes`), as `AssessmentRepository.projected` reads them.
    """
    from_impairment = values.get("needs_from_impairment")
    impact = values.get("wellbeing_impact")
    codes = values.get("outcomes")
    wellbeing = _SIGNIFICANT.get(impact) if isinstance(impact, str) else None
    if from_impairment is None or wellbeing is None or not isinstance(codes, str):
        return None
    if "u" in codes:
        return None
    eligible = from_impairment == 1 and wellbeing and codes.count("n") >= 2
    return "eligible" if eligible else "not_eligible"


@functools.cache
def carer_outcome_codes() -> OutcomeCodes:
    """How `care_act.carer_eligibility` reads the eight carer outcomes, for SQLite.

    As the adult's, with the carer's three ways (reg 3(3)): "takes longer" is not counted.
    """
    from assessor_app.core.rules.care_act import CARER_OUTCOMES, CARER_WAYS
    from assessor_app.core.storage.assessments import OutcomeCodes

    return OutcomeCodes(
        prefix="c_",
        outcomes=tuple(key for key, _ in CARER_OUTCOMES),
        statuses=("achieved", "not_achieved", "not_applicable"),
        unable="not_achieved",
        ways=tuple(way for way, _ in CARER_WAYS),
        ignored=("takes_longer",),
    )


_NOT_CARERS = frozenset({"fellow_prisoner", "establishment_staff"})
"""Relationships that make someone no carer under the Act (`care_act._NOT_CARER_RELATIONSHIPS`;
tests/core/test_todo.py holds the two the same)."""


def carer_eligibility(values: Mapping[str, Any]) -> str | None:
    """`care_act.carer_eligibility`'s value from a carer's assessment's projection.

    The three conditions of reg 3(1): (a) the needs arise from providing necessary care;
    (b) the carer's health is deteriorating or at risk, or they are unable to achieve an
    outcome (an ``n`` letter, none unanswered), and not when the health answer is "no" and no
    outcome is unable; (c) a significant (or likely) impact on wellbeing. None while a
    condition is unanswered; "not_a_carer" for a fellow prisoner or a member of staff.

    Args:
        values: ``relationship``, ``care_necessary``, ``health_deteriorating``,
            ``wellbeing_impact`` and ``outcomes`` (the letters of `carer_outcome_codes`), as
            `AssessmentRepository.projected` reads them.
    """
    if values.get("relationship") in _NOT_CARERS:
        return "not_a_carer"
    necessary = values.get("care_necessary")
    codes = values.get("outcomes")
    if not isinstance(codes, str):
        return None
    health = values.get("health_deteriorating")
    unanswered, unable = "u" in codes, "n" in codes
    effect: bool | None = None
    if health in ("deteriorating", "at_risk") or (unable and not unanswered):
        effect = True
    elif health == "no" and not unanswered:
        effect = False
    impact = values.get("wellbeing_impact")
    wellbeing = {"significant": True, "likely": True, "not_significant": False}.get(
        impact if isinstance(impact, str) else ""
    )
    conditions = (None if necessary is None else necessary == 1, effect, wellbeing)
    if None in conditions:
        return None
    return "eligible" if all(conditions) else "not_eligible"


NEEDS_TEXTS = (
    "consent",
    "prevention_response",
    "assessment_date",
    "expected_release_date",
    "notify_date",
    "notify_authority_name",
    *ELIGIBILITY_TEXTS,
)
NEEDS_FLAGS = ("ineligible_info_given", "notify_other_authority", *ELIGIBILITY_FLAGS)
PLAN_TEXTS = ("needs_record", "plan_date")
CARER_TEXTS = (
    "assessment_date",
    "wellbeing_impact",
    "relationship",
    "health_deteriorating",
    "cared_for_record",
    "cared_for_name",
)
CARER_FLAGS = ("care_necessary",)
REVIEW_TEXTS = ("plan_record", "review_date")
"""What `rules.reviews.due_review` reads of a review (its `REVIEW_DUE_ANSWERS`)."""
DST_TEXTS = ("icb_referral_received", "icb_decision_date", "icb_delay_reason")
"""The answers the list reads of each form: the `assessment_todo` index (schema 19) holds
each of them, so a change here needs a migration that changes the index with it."""


class TodoKind(StrEnum):
    """What sort of thing is due."""

    PLAN = "plan"
    REVIEW = "review"
    CHC_DECISION = "chc_decision"
    ASSESSMENT_OFFERED = "assessment_offered"
    WRITTEN_INFORMATION = "written_information"
    FINANCIAL = "financial"
    RELEASE_NOTICE = "release_notice"


KIND_LABELS: dict[TodoKind, str] = {
    TodoKind.PLAN: "Plan",
    TodoKind.REVIEW: "Review",
    TodoKind.CHC_DECISION: "CHC decision",
    TodoKind.ASSESSMENT_OFFERED: "Assessment after prevention declined",
    TodoKind.WRITTEN_INFORMATION: "Written information",
    TodoKind.FINANCIAL: "Financial assessment",
    TodoKind.RELEASE_NOTICE: "Notice before release",
}
"""How each kind is named in the list and its filter."""


class TodoItem(NamedTuple):
    """One thing due for one person, and the record that settles it.

    A tuple, not a dataclass: a caseload's list can hold thousands.
    """

    kind: TodoKind
    person_id: PersonId
    what: str
    """What is due, as an instruction ("Make the care and support plan")."""
    due: dt.date
    """By when: for kinds with no set time limit, the day it became due."""
    deadline: bool
    """True when `due` is a time limit (late after it), False when it is "from this day"."""
    why: str
    """The rule, in a sentence, with its REQUIREMENTS reference."""
    record_id: AssessmentId | None
    """The record to open: the one that settles the item, else the one to start from."""
    start_form: str | None = None
    """When the settling record does not exist yet: the form to start (from `record_id`, if
    set)."""

    def overdue(self, today: dt.date) -> bool:
        """Past its time limit."""
        return self.deadline and today > self.due


def _day(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _changed_on(record: Projected) -> dt.date:
    return _day(record.updated_at) or dt.date.min


def _since(record: Projected) -> dt.date:
    """When a needs assessment's item became due: its assessment date, else its last change."""
    return _day(record.values.get("assessment_date")) or _changed_on(record)


def _care_of(record: Projected) -> tuple[str, str]:
    """A carer's assessment's carer and the care it is about (whom, by id, else by name)."""
    whom = record.values.get("cared_for_record") or record.values.get("cared_for_name") or ""
    return record.person_id, str(whom).strip().casefold()


def _newest_by(
    records: Iterable[Projected], key: Callable[[Projected], Any]
) -> dict[Any, Projected]:
    """The most recently changed record of each `key`."""
    newest: dict[Any, Projected] = {}
    for record in records:
        k = key(record)
        kept = newest.get(k)
        if kept is None or record.updated_at > kept.updated_at:
            newest[k] = record
    return newest


def _latest(records: Iterable[Projected]) -> dict[PersonId, Projected]:
    """Each person's most recently changed record of those given."""
    latest: dict[PersonId, Projected] = {}
    for record in records:
        kept = latest.get(record.person_id)
        if kept is None or record.updated_at > kept.updated_at:
            latest[record.person_id] = record
    return latest


class _Record(NamedTuple):
    """A projected record as `rules.reviews.due_review` reads one (its `Reviewed`)."""

    id: str
    form_id: str
    status: RecordStatus
    answers: Mapping[str, Any]


def work_out(
    session: Session, people: tuple[str | None, str | None] = (None, None)
) -> list[TodoItem]:
    """Everything due for the people in `people` (all by default), soonest first.

    Args:
        session: The unlocked profile; its clock says what is due today.
        people: Only people whose id is at least the first and below the second (None: no
            bound), so the caseload can work the list out in parts.
    """
    from assessor_app.core.services.care_plans import (
        CARER_PLAN_FORM,
        CARERS_FORM,
        FINANCIAL_FORM,
        NEEDS_FORM,
        PLAN_FORM,
    )
    from assessor_app.core.storage.assessments import Only

    today = session.today()
    repo = session.records
    editable = tuple(_EDITABLE)
    done = tuple(s for s in RecordStatus if s not in _EDITABLE)
    not_refused = (("consent", "refused"),)

    def needs(only: Only, texts: tuple[str, ...], flags: tuple[str, ...] = ()) -> list[Projected]:
        # Only the needs assessments that can make an item, and only the answers it reads:
        # SQLite picks both from the index.
        judged = {"outcomes": adult_outcome_codes()} if "wellbeing_impact" in texts else {}
        return repo.projected(
            NEEDS_FORM, texts=texts, flags=flags, judged=judged, people=people, only=only
        )

    eligibility = ("consent", "assessment_date", *ELIGIBILITY_TEXTS)
    # Each person's latest completed assessment, where its needs may be eligible.
    latest_done = needs(
        Only(
            statuses=done,
            newest=True,
            equal=(("needs_from_impairment", 1),),
            not_equal=not_refused,
            complete=("outcomes",),
        ),
        eligibility,
        ELIGIBILITY_FLAGS,
    )
    declined = needs(
        Only(
            statuses=editable,
            equal=(("prevention_response", "declined"),),
            not_equal=not_refused,
        ),
        ("consent", "prevention_response", "assessment_date"),
    )
    uninformed = needs(
        Only(
            statuses=editable,
            not_equal=(("ineligible_info_given", 1), *not_refused),
            complete=("outcomes",),
        ),
        eligibility,
        ("ineligible_info_given", *ELIGIBILITY_FLAGS),
    )
    to_tell = needs(
        Only(newest=True, equal=(("notify_other_authority", 1),)),
        ("expected_release_date", "notify_date", "notify_authority_name"),
        ("notify_other_authority",),
    )
    plans = repo.projected(PLAN_FORM, texts=PLAN_TEXTS, people=people)
    # Every completed carer's assessment: a carer of two people has one for each, and each is
    # the latest of its own (a reassessment of the same care replaces the one before).
    carers_done = repo.projected(
        CARERS_FORM,
        texts=CARER_TEXTS,
        flags=CARER_FLAGS,
        judged={"outcomes": carer_outcome_codes()},
        people=people,
        only=Only(statuses=done),
    )
    carers = list(_newest_by(carers_done, _care_of).values())
    care_of: dict[str, tuple[str, str]] = {str(c.record_id): _care_of(c) for c in carers_done}
    carer_plans = repo.projected(CARER_PLAN_FORM, texts=PLAN_TEXTS, people=people)
    reviews = repo.projected(REVIEW_FORM, texts=REVIEW_TEXTS, people=people)
    money = repo.projected(FINANCIAL_FORM, people=people, having=PLAN_FORM)
    dsts = repo.projected(DST_FORM, texts=DST_TEXTS, people=people)
    items: list[TodoItem] = []
    care_plan = _PlanDue(
        PLAN_FORM,
        "care and support plan",
        "The needs assessment found eligible needs, and the authority must meet them "
        "(Care Act s18; REQUIREMENTS NA-39).",
    )
    carer_plan = _PlanDue(
        CARER_PLAN_FORM,
        "carer's support plan",
        "The carer's assessment found eligible needs, and the authority must meet them "
        "(Care Act s20; REQUIREMENTS NA-39).",
    )
    items += _plan_items(latest_done, plans, _needs_eligible, care_plan)
    items += _plan_items(carers, carer_plans, _carer_eligible, carer_plan)
    items += _needs_items(declined, uninformed, to_tell)
    items += _review_items(plans, reviews, session.settings, today, care_plan)
    items += _review_items(
        carer_plans,
        reviews,
        session.settings,
        today,
        carer_plan,
        # A carer's plans are told apart by the care they are for (one plan each).
        lambda plan: care_of.get(str(plan.values.get("needs_record")), (str(plan.person_id), "")),
    )
    items += _financial_items(plans, money, FINANCIAL_FORM)
    items += _chc_items(dsts, today)
    return soonest_first(items)


def soonest_first(items: Iterable[TodoItem]) -> list[TodoItem]:
    """The items by due date, then kind and person (so parts worked out apart merge alike)."""
    order = {kind: n for n, kind in enumerate(TodoKind)}
    return sorted(items, key=lambda i: (i.due, order[i.kind], i.person_id, i.record_id or ""))


class _PlanDue(NamedTuple):
    """One kind of plan as the list names it."""

    form: str
    plan: str
    why: str


def _plan_items(
    candidates: list[Projected],
    plans: list[Projected],
    eligible: Callable[[Projected], bool],
    due: _PlanDue,
) -> list[TodoItem]:
    """A plan for each assessment of `candidates` with eligible needs and none made (NA-39).

    `eligible` is asked only of an assessment with no completed plan: for a carer's
    assessment it reads the record (`_carer_eligible`).
    """
    made, drafts = _plans_made(plans)
    items = []
    for record in candidates:
        if record.record_id in made or not eligible(record):
            continue
        draft = drafts.get(record.record_id)
        items.append(
            TodoItem(
                TodoKind.PLAN,
                record.person_id,
                f"Make the {due.plan}" if draft is None else f"Finish the {due.plan}",
                _since(record),
                False,
                due.why,
                draft.record_id if draft is not None else record.record_id,
                None if draft is not None else due.form,
            )
        )
    return items


def _needs_eligible(record: Projected) -> bool:
    return adult_eligibility(record.values) == "eligible"


def _carer_eligible(record: Projected) -> bool:
    return carer_eligibility(record.values) == "eligible"


def _plans_made(plans: list[Projected]) -> tuple[set[str], dict[str, Projected]]:
    """The assessments with a plan completed (even if now amended), and each one's draft plan."""
    made: set[str] = set()
    drafts: dict[str, Projected] = {}
    for plan in plans:
        source = plan.values.get("needs_record")
        if not isinstance(source, str):
            continue
        if plan.status is not RecordStatus.DRAFT:
            made.add(source)
        elif source not in drafts or plan.updated_at > drafts[source].updated_at:
            drafts[source] = plan
    return made, drafts


def _needs_items(
    declined: list[Projected], uninformed: list[Projected], to_tell: list[Projected]
) -> list[TodoItem]:
    """From the needs assessments' own answers: NA-23, NA-55 and CU-30."""
    items = []
    for record in declined:
        items.append(
            TodoItem(
                TodoKind.ASSESSMENT_OFFERED,
                record.person_id,
                "Finish the needs assessment: the person declined prevention",
                _since(record),
                False,
                "Prevention was declined but needs still appear, so the assessment must be "
                "offered and its outcome recorded (Care Act s2; REQUIREMENTS NA-23).",
                record.record_id,
            )
        )
    for record in uninformed:
        if adult_eligibility(record.values) == "not_eligible":
            items.append(
                TodoItem(
                    TodoKind.WRITTEN_INFORMATION,
                    record.person_id,
                    "Give written information and advice: no needs are eligible",
                    _since(record),
                    False,
                    "Anyone whose needs are not eligible must be given written information on "
                    "meeting or reducing them and on preventing or delaying needs (Care Act "
                    "s13(5); REQUIREMENTS NA-55).",
                    record.record_id,
                )
            )
    for record in to_tell:
        values = record.values
        release = _day(values.get("expected_release_date"))
        if release is None:
            continue
        if _day(values.get("notify_date")) is not None:
            continue
        authority = values.get("notify_authority_name") or "the other authority"
        items.append(
            TodoItem(
                TodoKind.RELEASE_NOTICE,
                record.person_id,
                f"Tell {authority} before the release on {release:%-d %B %Y}, and record "
                "the date told",
                release,
                True,
                "When a person is released or moves to another authority's area, the first "
                "authority must tell the second (REQUIREMENTS CU-30).",
                record.record_id,
            )
        )
    return items


def _review_items(
    plans: list[Projected],
    reviews: list[Projected],
    settings: Settings,
    today: dt.date,
    kind: _PlanDue,
    group: Callable[[Projected], Any] | None = None,
) -> list[TodoItem]:
    """The next review of each person's latest completed plan of `kind`, once near (`due_review`).

    `group` says which plans replace one another (default: a person's plans do; a carer's
    are grouped by the care each is for).

    Only each person's latest plan (agreed last, then changed last): a plan a revised plan
    replaced is reviewed no more, even if it was changed since. A plan being amended, or one
    with no agreed date, has no review due (the rule says so). The item opens the review of
    the plan in progress, if there is one, else starts one from the plan; once a completed
    review of the plan exists, the next is a year on, so it leaves the list until then. A
    person with both kinds of plan (a carer with a plan of their own) has an item for each.
    """
    from assessor_app.core.rules.reviews import due_review

    key = group or (lambda plan: plan.person_id)
    latest: dict[Any, Projected] = {}
    for plan in plans:
        if plan.status is RecordStatus.DRAFT:
            continue
        kept = latest.get(key(plan))
        if kept is None or _agreed_order(plan) > _agreed_order(kept):
            latest[key(plan)] = plan
    wanted = {plan.record_id for plan in latest.values()}
    held: dict[str, list[_Record]] = {}
    open_review: dict[str, Projected] = {}  # plan id -> its review in progress (the newest)
    for review in reviews:
        plan_id = review.values.get("plan_record")
        if plan_id not in wanted:
            continue
        if review.status in _EDITABLE:
            kept = open_review.get(plan_id)
            if kept is None or review.updated_at > kept.updated_at:
                open_review[plan_id] = review
        else:
            held.setdefault(plan_id, []).append(
                _Record(review.record_id, REVIEW_FORM, review.status, review.values)
            )
    items = []
    for plan in latest.values():
        found = due_review(
            _Record(plan.record_id, kind.form, plan.status, plan.values),
            held.get(plan.record_id, ()),
            settings,
        )
        if found is None or (found.due - today).days > REVIEW_SHOWN_DAYS:
            continue
        draft = open_review.get(plan.record_id)
        what = (
            f"Review the {kind.plan}" if draft is None else f"Finish the review of the {kind.plan}"
        )
        items.append(
            TodoItem(
                TodoKind.REVIEW,
                plan.person_id,
                what + (" (overdue)" if today > found.due else ""),
                found.due,
                True,
                f"{found.why} See {found.reference}.",
                draft.record_id if draft is not None else plan.record_id,
                None if draft is not None else REVIEW_FORM,
            )
        )
    return items


def _agreed_order(plan: Projected) -> tuple[dt.date, str]:
    """Which of a person's plans is the latest: agreed last, then changed last."""
    return (_day(plan.values.get("plan_date")) or _changed_on(plan), plan.updated_at)


def _financial_items(plans: list[Projected], money: list[Projected], form: str) -> list[TodoItem]:
    """A financial assessment for everyone with a plan and none completed (FC-13)."""
    assessed = {m.person_id for m in money if m.status not in _EDITABLE}
    drafts = _latest(m for m in money if m.status in _EDITABLE)
    items = []
    for plan in _latest(plans).values():
        if plan.person_id in assessed:
            continue
        draft = drafts.get(plan.person_id)
        items.append(
            TodoItem(
                TodoKind.FINANCIAL,
                plan.person_id,
                "Complete the financial assessment: the plan's charge is not yet assessed"
                if draft is not None
                else "Start the financial assessment: the plan's charge is not yet assessed",
                _day(plan.values.get("plan_date")) or _changed_on(plan),
                False,
                "The personal budget shows what the person pays, which needs a completed "
                'financial assessment; until then the plan says "charge not yet assessed" '
                "(Care Act s26; REQUIREMENTS FC-13).",
                draft.record_id if draft is not None else None,
                None if draft is not None else form,
            )
        )
    return items


def _chc_items(dsts: list[Projected], today: dt.date) -> list[TodoItem]:
    """CHC decisions past the 28 days (CH-34).

    One with no decision date yet; and, on each person's newest DST, one made after the 28
    days with no reason for the delay recorded.
    """
    from assessor_app.core.rules.chc import dst_due_dates

    why = (
        f"The ICB should decide within {CHC_DAYS} days of receiving the referral, and the "
        "reason for any delay is recorded (REQUIREMENTS CH-34)."
    )
    newest: dict[str, Projected] = {}
    for dst in dsts:
        if dst.person_id not in newest or dst.updated_at > newest[dst.person_id].updated_at:
            newest[dst.person_id] = dst
    items = []
    for dst in dsts:
        due = dst_due_dates(dst.values).get("decision")
        if due is None or today <= due:
            late = _late_unexplained(dst) if newest[dst.person_id] is dst else None
            if late is not None:
                days, due = late
                items.append(
                    TodoItem(
                        TodoKind.CHC_DECISION,
                        dst.person_id,
                        f"CHC decision took {days} days, more than {CHC_DAYS}: record why "
                        "(ask the ICB)",
                        due,
                        True,
                        why,
                        dst.record_id,
                    )
                )
            continue
        days = (today - due).days
        items.append(
            TodoItem(
                TodoKind.CHC_DECISION,
                dst.person_id,
                f"CHC decision {days} day{'s' if days != 1 else ''} past the 28 days: ask the "
                "ICB, record why it is late, and its decision date",
                due,
                True,
                why,
                dst.record_id,
            )
        )
    return items


def _late_unexplained(dst: Projected) -> tuple[int, dt.date] | None:
    """(days taken, day it was due) for a decision made after the 28 days with no reason."""
    values = dst.values
    if values.get("icb_delay_reason"):
        return None
    try:
        received = dt.date.fromisoformat(str(values.get("icb_referral_received")))
        decided = dt.date.fromisoformat(str(values.get("icb_decision_date")))
    except ValueError:
        return None
    days = (decided - received).days
    return (days, received + dt.timedelta(days=CHC_DAYS)) if days > CHC_DAYS else None
