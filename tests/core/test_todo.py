"""The to-do list, worked out from real records in a real vault.

Each kind appears when the records make it due, says what, by when, why and which record
settles it, and goes by itself when that record is completed (or the answer that settles it is
recorded). The eligibility SQLite works out for thousands of records at once is held to the
Care Act rule it mirrors.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.records import AssessmentId, PersonId, RecordStatus
from assessor_app.core.rules import reviews as reviews_rules
from assessor_app.core.rules.care_act import (
    ADULT_OUTCOMES,
    ADULT_WAYS,
    CARER_OUTCOMES,
    CARER_WAYS,
    adult_eligibility,
    carer_eligibility,
)
from assessor_app.core.services import todo
from assessor_app.core.services.care_plans import start_plan
from assessor_app.core.services.records import amend_record, complete_record
from assessor_app.core.services.reviews import start_from_review, start_review
from assessor_app.core.services.session import Session
from assessor_app.core.services.todo import TodoItem, TodoKind, work_out
from assessor_app.core.settings import Settings
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.conftest import REPO_ROOT
from tests.support import CUSTODY_PLAN, complete_financial, prisoner, session_for

REGISTRY = load_forms_dir(default_forms_dir())
TODAY = dt.date(2026, 11, 23)
ANSWERS = REPO_ROOT / "tests" / "fixtures" / "forms" / "answers"
SIGNED = {"typed": True, "name": "Łukasz Brindlewood", "signed_on": "2026-11-20"}


def _fixture(name: str) -> dict[str, Any]:
    return dict(json.loads((ANSWERS / name).read_text("utf-8")))


def _session(vault: Vault, today: dt.date = TODAY) -> Session:
    return session_for(vault, REGISTRY, today=today)


def _person(session: Session) -> PersonId:
    return PeopleRepository(session.vault).add(prisoner()).id


def _create(session: Session, person: str, form_id: str, answers: dict[str, Any]) -> AssessmentId:
    form = REGISTRY.latest(form_id)
    return session.records.create(person, form.id, form.version, answers).id


REVIEW = TodoKind.REVIEW


def _of(session: Session, kind: TodoKind) -> list[TodoItem]:
    return [i for i in work_out(session) if i.kind is kind]


def _plan_ready(session: Session, plan_id: str, plan_date: str = "2026-11-20") -> None:
    items = [
        {
            **item,
            "need_outcome": "I want to do this myself again.",
            "how_met": "plan",
            "met_how": "A care worker helps.",
            "met_by": "Healthcare unit care team",
            "met_often": "Daily",
            "weekly_cost": 8000,
            "prevention_offered": "Occupational therapy advice on aids.",
        }
        for item in session.records.get(plan_id).answers["plan_needs"]
    ]
    for field_id, value in {
        "plan_date": plan_date,
        "strengths_and_support": "Keeps in touch with his sister by phone every week.",
        "plan_needs": items,
        "person_signature": SIGNED,
        "assessor_signature": SIGNED | {"name": "Alex Assessor"},
        **CUSTODY_PLAN,
    }.items():
        session.records.save_field(plan_id, field_id, value)
    plan = session.records.get(plan_id)
    complete_financial(session, plan.person_id)  # a plan in custody needs its budget


def test_a_plan_is_due_for_eligible_needs_and_goes_when_the_plan_is_completed(vault):
    session = _session(vault)
    person = _person(session)
    needs = _create(session, person, "needs_assessment", _fixture("needs_custody_eligible.json"))
    assert _of(session, TodoKind.PLAN) == []  # a draft: its needs are not settled yet

    complete_record(session, needs)
    [item] = _of(session, TodoKind.PLAN)
    assert (item.person_id, item.record_id, item.start_form) == (
        person,
        needs,
        "care_support_plan",
    )
    assert item.what == "Make the care and support plan"
    assert item.due == dt.date(2026, 11, 16) and not item.deadline  # from the assessment
    assert "NA-39" in item.why

    plan = start_plan(session, needs)
    [item] = _of(session, TodoKind.PLAN)  # a draft plan: open it to finish it
    assert (item.record_id, item.start_form) == (plan.id, None)
    assert item.what == "Finish the care and support plan"

    _plan_ready(session, plan.id)
    complete_record(session, plan.id)
    assert _of(session, TodoKind.PLAN) == []


def test_no_plan_is_due_when_no_needs_are_eligible(vault):
    session = _session(vault)
    answers = _fixture("needs_custody_eligible.json") | {"out_hygiene_status": "achieved"}
    record = _create(session, _person(session), "needs_assessment", answers)
    session.records.set_status(record, RecordStatus.COMPLETED)
    assert _of(session, TodoKind.PLAN) == []


def test_a_financial_assessment_is_due_for_a_plan_until_one_is_completed(vault):
    session = _session(vault)
    person = _person(session)
    needs = _create(session, person, "needs_assessment", _fixture("needs_custody_eligible.json"))
    complete_record(session, needs)
    assert _of(session, TodoKind.FINANCIAL) == []  # no plan yet

    plan = start_plan(session, needs)
    [item] = _of(session, TodoKind.FINANCIAL)
    assert (item.record_id, item.start_form) == (None, "financial_assessment")
    assert "charge is not yet assessed" in item.what and "FC-13" in item.why

    financial = _create(session, person, "financial_assessment", _fixture("financial_home.json"))
    [item] = _of(session, TodoKind.FINANCIAL)  # started: open it to finish it
    assert (item.record_id, item.start_form) == (financial, None)
    assert item.what.startswith("Complete the financial assessment")

    complete_record(session, financial)
    assert _of(session, TodoKind.FINANCIAL) == []
    assert plan.id  # the plan stays; only the item went


def _completed_plan(session: Session, plan_date: str = "2026-11-20") -> AssessmentId:
    """A person with a completed needs assessment and the plan agreed from it on `plan_date`."""
    needs = _create(
        session, _person(session), "needs_assessment", _fixture("needs_custody_eligible.json")
    )
    complete_record(session, needs)
    plan = start_plan(session, needs)
    _plan_ready(session, plan.id, plan_date=plan_date)
    complete_record(session, plan.id)
    return plan.id


def _hold_review(session: Session, review_id: str, held: str, result: str = "no_change") -> None:
    """Answer a started review as held on `held`, with `result`, and complete it."""
    outcomes = [
        item | {"outcome_result": "achieved", "outcome_view": "It works for me."}
        for item in session.records.get(review_id).answers["review_outcomes"]
    ]
    for field_id, value in {
        "review_date": held,
        "review_reason": "planned",
        "review_method": "face_to_face",
        "person_took_part": True,
        "participants": ["establishment"],
        "participants_named": "Sam Officer, wing custodial manager",
        "review_outcomes": outcomes,
        "outcomes_achieved": "fully",
        "prevention_reconsidered": "Falls leaflet given again; grab rail checked.",
        "safeguarding_concern": False,
        "review_result": result,
        "result_reason": "The plan still meets his needs.",
        "assessor_signature": SIGNED | {"name": "Alex Assessor", "signed_on": held},
    }.items():
        session.records.save_field(review_id, field_id, value)
    complete_record(session, review_id)


def test_a_plans_first_review_shows_four_weeks_ahead_and_is_overdue_after_eight(vault):
    plan = _completed_plan(_session(vault), plan_date="2026-11-20")

    assert _of(_session(vault), TodoKind.REVIEW) == []  # due 15 January 2027: not yet near
    near = _session(vault, dt.date(2026, 12, 20))
    [item] = _of(near, TodoKind.REVIEW)
    assert item.due == dt.date(2027, 1, 15) and item.deadline
    assert item.what == "Review the care and support plan"
    assert not item.overdue(near.today())
    # Enter starts the review from the plan; why is the rule's own reason.
    assert (item.record_id, item.start_form) == (plan, "care_review")
    assert item.why.startswith("The plan was agreed on 20 November 2026 and has not been")
    assert "8 weeks later (the authority's local policy, not statute)" in item.why
    assert "Care Act 2014 s27" in item.why
    late = _session(vault, dt.date(2027, 1, 16))
    [item] = _of(late, TodoKind.REVIEW)
    assert item.overdue(late.today()) and item.what.endswith("(overdue)")


def test_the_first_review_follows_the_authoritys_setting(vault):
    _completed_plan(_session(vault), plan_date="2026-11-20")

    def review_with(weeks: int) -> list[TodoItem]:
        settings = Settings(first_review_weeks=weeks)
        return _of(Session(vault, REGISTRY, lambda: dt.date(2026, 12, 20), settings), REVIEW)

    [six] = review_with(6)
    assert six.due == dt.date(2027, 1, 1) and "6 weeks later" in six.why
    assert [i.due for i in review_with(8)] == [dt.date(2027, 1, 15)]
    assert review_with(12) == []  # due 12 February 2027: not yet near


def test_a_review_in_progress_is_opened_and_a_completed_one_moves_it_a_year_on(vault):
    plan = _completed_plan(_session(vault), plan_date="2026-11-20")
    session = _session(vault, dt.date(2027, 1, 12))
    review = start_review(session, plan)
    [item] = _of(session, TodoKind.REVIEW)  # started: Enter opens it to finish it
    assert (item.record_id, item.start_form) == (review.id, None)
    assert item.what == "Finish the review of the care and support plan"

    _hold_review(session, review.id, held="2027-01-10")
    assert _of(session, TodoKind.REVIEW) == []  # the review closed it
    assert _of(_session(vault, dt.date(2027, 12, 12)), TodoKind.REVIEW) == []  # 29 days ahead
    a_year_on = _session(vault, dt.date(2027, 12, 20))
    [item] = _of(a_year_on, TodoKind.REVIEW)
    assert item.due == dt.date(2028, 1, 10) and (item.record_id, item.start_form) == (
        plan,
        "care_review",
    )
    assert item.why.startswith("The plan was last reviewed on 10 January 2027 (1 completed")
    assert "at least every 12 months" in item.why


def test_a_plan_replaced_by_a_revised_plan_has_no_review_due(vault):
    plan = _completed_plan(_session(vault), plan_date="2026-11-20")
    session = _session(vault, dt.date(2027, 1, 12))
    review = start_review(session, plan)
    _hold_review(session, review.id, held="2027-01-10", result="revised_plan")
    revised = start_from_review(session, review.id)
    # While the revised plan is a draft, the reviewed plan stands: its next review is a year on.
    assert _of(_session(vault, dt.date(2027, 12, 20)), TodoKind.REVIEW)[0].record_id == plan

    _plan_ready(session, revised.id, plan_date="2027-01-11")
    complete_record(session, revised.id)
    # Only the revised plan is reviewed: 8 weeks after it was agreed, never the one it replaced.
    for day in (dt.date(2027, 2, 20), dt.date(2027, 12, 20), dt.date(2028, 2, 1)):
        [item] = _of(_session(vault, day), TodoKind.REVIEW)
        assert item.record_id == revised.id and item.due == dt.date(2027, 3, 8), day

    # Even when the replaced plan is the one changed last (a typo corrected by an amendment).
    amend_record(session, plan)
    session.records.save_field(plan, "strengths_and_support", "Phones his sister weekly.")
    session.records.save_field(plan, "person_signature", SIGNED)
    session.records.save_field(plan, "assessor_signature", SIGNED | {"name": "Alex Assessor"})
    complete_record(session, plan)
    [item] = _of(_session(vault, dt.date(2027, 2, 20)), TodoKind.REVIEW)
    assert item.record_id == revised.id


def test_the_list_reads_what_the_review_rules_read():
    # The index holds these answers (schema 19); the rule must not read others.
    assert todo.REVIEW_FORM == reviews_rules.REVIEW_FORM
    # Both kinds of plan are projected with the same texts (the carer's keeps the care plan's
    # question ids).
    read = {
        todo.REVIEW_FORM: todo.REVIEW_TEXTS,
        reviews_rules.PLAN_FORM: todo.PLAN_TEXTS,
        reviews_rules.CARER_PLAN_FORM: todo.PLAN_TEXTS,
    }
    for form_id, answers in reviews_rules.REVIEW_DUE_ANSWERS.items():
        assert set(answers) <= set(read[form_id]), form_id


def test_a_chc_decision_past_28_days_is_due_until_the_decision_is_recorded(vault):
    session = _session(vault)
    dst = _fixture("chc_dst_two_members.json")
    dst = {k: v for k, v in dst.items() if not k.startswith("icb_")}
    record = _create(
        session,
        _person(session),
        "chc_dst",
        dst | {"icb_referral_received": "2026-10-20"},
    )
    assert _of(_session(vault, dt.date(2026, 11, 17)), TodoKind.CHC_DECISION) == []  # day 28

    [item] = _of(session, TodoKind.CHC_DECISION)
    assert item.due == dt.date(2026, 11, 17) and item.overdue(TODAY)
    assert item.what.startswith("CHC decision 6 days past the 28 days")
    assert item.record_id == record and "CH-34" in item.why

    session.records.save_field(record, "icb_decision", "eligible")
    session.records.save_field(record, "icb_decision_date", "2026-11-22")
    session.records.checkpoint(record)
    # Decided on day 33: what is left is the reason for the delay (CH-34), until it is given.
    [late] = _of(session, TodoKind.CHC_DECISION)
    assert late.what.startswith("CHC decision took 33 days, more than 28: record why")
    assert late.record_id == record and late.due == dt.date(2026, 11, 17)
    session.records.save_field(record, "icb_delay_reason", "The ICB panel met monthly.")
    session.records.checkpoint(record)
    assert _of(session, TodoKind.CHC_DECISION) == []


def test_a_decision_within_28_days_needs_no_reason_and_only_the_newest_dst_counts(vault):
    session = _session(vault)
    person = _person(session)
    dst = {
        k: v
        for k, v in _fixture("chc_dst_two_members.json").items()
        if k.startswith("icb_") is False
    }
    late = {"icb_referral_received": "2025-01-06", "icb_decision": "eligible"}
    _create(session, person, "chc_dst", dst | late | {"icb_decision_date": "2025-03-03"})
    assert len(_of(session, TodoKind.CHC_DECISION)) == 1
    on_time = {"icb_referral_received": "2026-10-01", "icb_decision": "eligible"}
    _create(session, person, "chc_dst", dst | on_time | {"icb_decision_date": "2026-10-28"})
    assert _of(session, TodoKind.CHC_DECISION) == []  # the newer DST was decided on day 27


def test_the_timeline_asks_for_the_reason_for_a_late_decision():
    from assessor_app.core.rules.chc import dst_timeline

    late = {"icb_referral_received": "2026-10-20", "icb_decision_date": "2026-11-22"}
    assert "record why it took longer" in " ".join(dst_timeline(late).reasons)
    given = late | {"icb_delay_reason": "The ICB panel met monthly."}
    assert "the reason for the delay is recorded" in " ".join(dst_timeline(given).reasons)
    on_time = {"icb_referral_received": "2026-10-20", "icb_decision_date": "2026-11-10"}
    assert "The decision took 21 days." in dst_timeline(on_time).reasons


def test_declined_prevention_keeps_the_assessment_on_the_list_until_it_is_completed(vault):
    session = _session(vault)
    answers = _fixture("needs_custody_eligible.json") | {"prevention_response": "declined"}
    record = _create(session, _person(session), "needs_assessment", answers)
    [item] = _of(session, TodoKind.ASSESSMENT_OFFERED)
    assert item.record_id == record and "NA-23" in item.why

    complete_record(session, record)
    assert _of(session, TodoKind.ASSESSMENT_OFFERED) == []


def test_written_information_is_due_for_needs_not_eligible_until_it_is_given(vault):
    session = _session(vault)
    answers = _fixture("needs_custody_eligible.json") | {"wellbeing_impact": "not_significant"}
    record = _create(session, _person(session), "needs_assessment", answers)
    [item] = _of(session, TodoKind.WRITTEN_INFORMATION)
    assert item.record_id == record and "NA-55" in item.why

    for field_id, value in {
        "ineligible_info_given": True,
        "ineligible_info_content": "Leaflets on the wing's peer support and the gym.",
        "ineligible_info_date": "2026-11-20",
        "ineligible_info_method": "in_person",
        "ineligible_info_format": "standard",
    }.items():
        session.records.save_field(record, field_id, value)
    session.records.checkpoint(record)
    assert _of(session, TodoKind.WRITTEN_INFORMATION) == []


def test_another_authority_is_to_be_told_before_the_release_date(vault):
    session = _session(vault)
    answers = _fixture("needs_custody_eligible.json") | {
        "notify_other_authority": True,
        "notify_authority_name": "Westshire Council",
    }
    record = _create(session, _person(session), "needs_assessment", answers)
    [item] = _of(session, TodoKind.RELEASE_NOTICE)
    assert item.due == dt.date(2027, 6, 30) and item.deadline and item.record_id == record
    assert item.what.startswith("Tell Westshire Council before the release on 30 June 2027")
    assert "CU-30" in item.why

    session.records.save_field(record, "notify_date", "2026-11-21")
    session.records.checkpoint(record)
    assert _of(session, TodoKind.RELEASE_NOTICE) == []


def test_the_list_is_soonest_first_and_can_be_worked_out_in_parts(vault):
    session = _session(vault)
    for _ in range(6):
        person = _person(session)
        needs = _create(
            session, person, "needs_assessment", _fixture("needs_custody_eligible.json")
        )
        complete_record(session, needs)
        start_plan(session, needs)
    whole = work_out(session)
    assert [i.due for i in whole] == sorted(i.due for i in whole)
    assert len(whole) == 12  # a plan to finish and a financial assessment each
    bounds = [None, "4", "8", "c", None]
    parts = [work_out(session, (lo, hi)) for lo, hi in zip(bounds, bounds[1:], strict=False)]
    assert sorted(map(repr, (i for p in parts for i in p))) == sorted(map(repr, whole))


# -- The eligibility SQLite works out is the rule's ----------------------------------------

# Mostly well-formed answers (so that most examples reach a decision), with some of each
# kind of odd one: missing, empty, unknown, of another type.
_STATUS = st.sampled_from(
    ["achieved"] * 4 + ["not_achieved"] * 5 + ["not_applicable"] * 2 + ["", "other", 3, None]
)
_WAY = st.sampled_from([w for w, _ in ADULT_WAYS] * 3 + ["made_up", 7])
_OUTCOME = st.fixed_dictionaries(
    {
        "status": _STATUS,
        "ways": st.one_of(
            st.lists(_WAY, max_size=4), st.lists(_WAY, max_size=4), st.just("endangers")
        ),
    }
)
_ANSWERS = st.fixed_dictionaries(
    {
        "outcomes": st.lists(_OUTCOME, min_size=len(ADULT_OUTCOMES), max_size=len(ADULT_OUTCOMES)),
        "needs_from_impairment": st.sampled_from([True, True, False, "yes", None]),
        "wellbeing_impact": st.sampled_from(
            ["significant", "likely", "not_significant", "not_significant", "x", None]
        ),
    }
)


def _flat(drawn: dict[str, Any]) -> dict[str, Any]:
    answers = {k: v for k, v in drawn.items() if k != "outcomes" and v is not None}
    for (key, _), outcome in zip(ADULT_OUTCOMES, drawn["outcomes"], strict=True):
        if outcome["status"] is not None:
            answers[f"out_{key}_status"] = outcome["status"]
        answers[f"out_{key}_ways"] = outcome["ways"]
    return answers


def _judged(session: Session) -> str | None:
    [row] = session.records.projected(
        "needs_assessment",
        texts=todo.ELIGIBILITY_TEXTS,
        flags=todo.ELIGIBILITY_FLAGS,
        judged={"outcomes": todo.adult_outcome_codes()},
    )
    return todo.adult_eligibility(row.values)


def test_the_eligibility_worked_out_from_the_index_is_the_rules(vault):
    session = _session(vault)
    person = _person(session)
    form = REGISTRY.latest("needs_assessment")
    # One record whose answers each example rewrites (stored as a save stores them).
    record = session.records.create(person, form.id, form.version, {}).id
    conn = vault.conn

    def store(answers: dict[str, Any]) -> None:
        conn.execute(
            "UPDATE assessment SET answers = ? WHERE id = ?", (json.dumps(answers), record)
        )

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_ANSWERS)
    def check(drawn: dict[str, Any]) -> None:
        answers = _flat(drawn)
        store(answers)
        expected = adult_eligibility(answers).value
        assert _judged(session) == expected, answers
        decided.append(expected)

    decided: list[str | None] = []

    check()
    assert {"not_eligible", None} <= set(decided)  # both reached (eligible: fixtures below)
    eligible = _fixture("needs_custody_eligible.json")
    store(eligible)
    assert _judged(session) == "eligible"
    store(eligible | {"needs_from_impairment": False})
    assert _judged(session) == "not_eligible"


_CARER_WAY = st.sampled_from([w for w, _ in CARER_WAYS] * 3 + ["takes_longer"] * 2 + ["made_up", 7])
_CARER_OUTCOME = st.fixed_dictionaries(
    {
        "status": _STATUS,
        "ways": st.one_of(st.lists(_CARER_WAY, max_size=3), st.just("endangers")),
    }
)
_CARER_ANSWERS = st.fixed_dictionaries(
    {
        "outcomes": st.lists(
            _CARER_OUTCOME, min_size=len(CARER_OUTCOMES), max_size=len(CARER_OUTCOMES)
        ),
        "relationship": st.sampled_from(
            ["partner", "child", "friend_neighbour", "fellow_prisoner", "establishment_staff", None]
        ),
        "care_necessary": st.sampled_from([True, True, False, "yes", None]),
        "health_deteriorating": st.sampled_from(
            ["deteriorating", "at_risk", "no", "no", "x", None]
        ),
        "wellbeing_impact": st.sampled_from(
            ["significant", "likely", "not_significant", "x", None]
        ),
    }
)


def _carer_flat(drawn: dict[str, Any]) -> dict[str, Any]:
    answers = {k: v for k, v in drawn.items() if k != "outcomes" and v is not None}
    for (key, _), outcome in zip(CARER_OUTCOMES, drawn["outcomes"], strict=True):
        if outcome["status"] is not None:
            answers[f"c_{key}_status"] = outcome["status"]
        answers[f"c_{key}_ways"] = outcome["ways"]
    return answers


def test_a_carers_eligibility_worked_out_from_the_index_is_the_rules(vault):
    """The carer's support plan item judges eligibility from the index alone (schema 22):
    the same value as `care_act.carer_eligibility` over the same answers, whatever they are."""
    session = _session(vault)
    form = REGISTRY.latest("carers_assessment")
    record = session.records.create(_person(session), form.id, form.version, {}).id
    conn = vault.conn

    def judged(answers: dict[str, Any]) -> str | None:
        conn.execute(
            "UPDATE assessment SET answers = ? WHERE id = ?", (json.dumps(answers), record)
        )
        [row] = session.records.projected(
            "carers_assessment",
            texts=todo.CARER_TEXTS,
            flags=todo.CARER_FLAGS,
            judged={"outcomes": todo.carer_outcome_codes()},
        )
        return todo.carer_eligibility(row.values)

    decided: list[str | None] = []

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_CARER_ANSWERS)
    def check(drawn: dict[str, Any]) -> None:
        answers = _carer_flat(drawn)
        expected = carer_eligibility(answers).value
        assert judged(answers) == expected, answers
        decided.append(expected)

    check()
    assert {"eligible", "not_eligible", "not_a_carer", None} <= set(decided)
    eligible = _fixture("carers_eligible.json")
    assert judged(eligible) == carer_eligibility(eligible).value == "eligible"
    assert judged(eligible | {"care_necessary": False}) == "not_eligible"


def test_the_list_knows_the_same_relationships_that_make_someone_no_carer():
    from assessor_app.core.rules import care_act

    assert todo._NOT_CARERS == care_act._NOT_CARER_RELATIONSHIPS


def test_the_list_reads_only_its_index_never_the_records(vault):
    session = _session(vault)
    _create(session, _person(session), "needs_assessment", _fixture("needs_custody_eligible.json"))
    seen: list[str] = []
    vault.conn.set_trace_callback(seen.append)
    try:
        work_out(session, ("0", "8"))
    finally:
        vault.conn.set_trace_callback(None)
    queries = [q for q in seen if q.lstrip().upper().startswith("SELECT")]
    # Four of needs assessments, then plans, carers' assessments, carers' support plans,
    # reviews, financial, CHC: carers are judged from the index too (schema 22).
    assert len(queries) == 10
    for query in queries:
        plan = " ".join(str(r) for r in vault.conn.execute(f"EXPLAIN QUERY PLAN {query}"))
        # If the answers the list reads change, a migration must change the index with them.
        assert "COVERING INDEX assessment_todo" in plan, (query[:200], plan)
