"""The care and support plan: made from a completed needs assessment, with its personal budget.

A person's eligible needs go from the needs assessment into the plan with what they said
about them; the plan cannot be completed while an eligible need is neither met by it nor
recorded as met otherwise (NA-39); the personal budget takes the weekly contribution the
person's completed financial assessment worked out, and says "charge not yet assessed", never
zero, before there is one (FC-13).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.errors import ValidationError
from assessor_app.core.form_engine.definition import FormDefinitionError, load_forms_dir
from assessor_app.core.form_engine.evaluation import evaluate
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.records import AssessmentId, PersonId, RecordStatus
from assessor_app.core.rules.care_plan import NOT_ASSESSED
from assessor_app.core.services.care_plans import latest_contribution, start_plan
from assessor_app.core.services.records import (
    complete_record,
    open_for_editing,
    start_record,
)
from assessor_app.core.services.session import Session
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.conftest import REPO_ROOT
from tests.support import CUSTODY_PLAN, complete_financial, poppler, prisoner, session_for, squash

REGISTRY = load_forms_dir(default_forms_dir())
TODAY = dt.date(2026, 11, 23)
ANSWERS = REPO_ROOT / "tests" / "fixtures" / "forms" / "answers"
SIGNED = {"typed": True, "name": "Łukasz Brindlewood", "signed_on": "2026-11-20"}


def _fixture(name: str) -> dict[str, Any]:
    return dict(json.loads((ANSWERS / name).read_text("utf-8")))


def _session(vault: Vault) -> Session:
    return session_for(vault, REGISTRY, today=TODAY)


def _person(session: Session) -> str:
    return PeopleRepository(session.vault).add(prisoner()).id


def _completed(session: Session, person_id: str, form_id: str, answers: dict[str, Any]) -> str:
    form = REGISTRY.latest(form_id)
    rid = session.records.create(person_id, form.id, form.version, answers).id
    complete_record(session, AssessmentId(rid))
    return rid


def _needs_done(session: Session, person_id: str) -> str:
    """A completed needs assessment whose eligible needs are nutrition and hygiene."""
    return _completed(
        session, person_id, "needs_assessment", _fixture("needs_custody_eligible.json")
    )


def _met_by_plan(item: dict[str, Any], cost_pence: int) -> dict[str, Any]:
    return {
        **item,
        "need_outcome": "I want to do this myself again.",
        "how_met": "plan",
        "met_how": "A care worker helps.",
        "met_by": "Healthcare unit care team",
        "met_often": "Daily",
        "weekly_cost": cost_pence,
        "prevention_offered": "Occupational therapy advice on aids.",
    }


def _plan_ready(session: Session, plan_id: str, items: list[dict[str, Any]]) -> None:
    for field_id, value in {
        "plan_date": "2026-11-20",
        "strengths_and_support": "Keeps in touch with his sister by phone every week.",
        "plan_needs": items,
        "person_signature": SIGNED,
        "assessor_signature": SIGNED | {"name": "Alex Assessor"},
        **CUSTODY_PLAN,
    }.items():
        session.records.save_field(plan_id, field_id, value)


def test_a_plan_from_a_completed_needs_assessment_carries_each_eligible_need(vault):
    session = _session(vault)
    needs_id = _needs_done(session, _person(session))

    plan = start_plan(session, AssessmentId(needs_id))

    said = _fixture("needs_custody_eligible.json")
    assert plan.form_id == "care_support_plan" and plan.status is RecordStatus.DRAFT
    assert plan.answers["needs_record"] == needs_id
    assert plan.answers["eligible_needs"] == ["nutrition", "hygiene"]
    assert [
        (i["need_domain"], i["need_basis"], i["need_said"]) for i in plan.answers["plan_needs"]
    ] == [
        ("nutrition", "eligible", said["out_nutrition_narrative"]),
        ("hygiene", "eligible", said["out_hygiene_narrative"]),
    ]
    assert plan.answers["person_outcomes"] == said["desired_outcomes"]
    assert plan.answers["person_name"] == "Łukasz Brindlewood"


def test_a_plan_is_refused_from_a_draft_an_ineligible_or_another_record(vault):
    session = _session(vault)
    person = _person(session)
    needs = REGISTRY.latest("needs_assessment")
    draft = session.records.create(
        person, needs.id, needs.version, _fixture("needs_custody_eligible.json")
    )
    with pytest.raises(ValidationError, match="not complete yet"):
        start_plan(session, draft.id)

    one_need = _fixture("needs_custody_eligible.json") | {"out_hygiene_status": "achieved"}
    ineligible = session.records.create(person, needs.id, needs.version, one_need)
    session.records.set_status(ineligible.id, RecordStatus.COMPLETED)
    with pytest.raises(ValidationError, match="no eligible needs"):
        start_plan(session, ineligible.id)

    financial = _completed(session, person, "financial_assessment", _fixture("financial_home.json"))
    with pytest.raises(ValidationError, match="not one"):
        start_plan(session, AssessmentId(financial))
    assert [r.form_id for r in session.records.list_for_person(person)].count(
        "care_support_plan"
    ) == 0


def test_starting_a_plan_for_a_person_uses_their_latest_completed_needs_assessment(vault):
    session = _session(vault)
    person_id = PersonId(_person(session))
    form = REGISTRY.latest("care_support_plan")
    with pytest.raises(ValidationError, match="no completed needs assessment") as caught:
        start_record(session, form, person_id)
    assert "Complete their needs assessment first" in (caught.value.next_step or "")

    needs_id = _needs_done(session, person_id)
    plan = start_record(session, form, person_id)
    assert plan.answers["needs_record"] == needs_id
    assert plan.answers["eligible_needs"] == ["nutrition", "hygiene"]

    someone_else = PersonId(_person(session))
    with pytest.raises(ValidationError, match="about someone else"):
        start_record(session, form, someone_else, from_record=AssessmentId(needs_id))
    with pytest.raises(ValidationError, match="Only a care and support plan"):
        start_record(
            session, REGISTRY.latest("financial_assessment"), person_id, from_record=plan.id
        )


def test_completing_is_refused_while_an_eligible_need_is_left_out_naming_it(vault):
    session = _session(vault)
    person = _person(session)
    complete_financial(session, person)
    plan = start_plan(session, AssessmentId(_needs_done(session, person)))
    nutrition, hygiene = plan.answers["plan_needs"]
    _plan_ready(session, plan.id, [_met_by_plan(nutrition, 8550)])

    with pytest.raises(ValidationError) as caught:
        complete_record(session, plan.id)
    assert "The eligible need 'maintaining personal hygiene' is neither met by this plan" in str(
        caught.value
    )
    assert "nutrition" not in str(caught.value)
    assert session.records.get(plan.id).status is RecordStatus.DRAFT

    # Unticking the need from the carried-over list does not get round it: it is filled in
    # again from the needs assessment.
    session.records.save_field(plan.id, "eligible_needs", ["nutrition"])
    with pytest.raises(ValidationError, match="maintaining personal hygiene"):
        complete_record(session, plan.id)

    # Met otherwise, with the reason, it completes.
    otherwise = hygiene | {
        "need_outcome": "To shower without falling.",
        "how_met": "otherwise",
        "met_otherwise_by": "other_service",
        "met_otherwise_reason": "Prison healthcare fits a shower chair and rails this week.",
        "prevention_offered": "Advice on non-slip mats.",
    }
    session.records.save_field(plan.id, "plan_needs[1]", otherwise)
    assert complete_record(session, plan.id).status is RecordStatus.COMPLETED


def test_a_need_is_marked_truly_as_eligible_or_chosen_to_meet(vault):
    session = _session(vault)
    plan = start_plan(session, AssessmentId(_needs_done(session, _person(session))))
    nutrition, hygiene = plan.answers["plan_needs"]
    chosen_wrongly = _met_by_plan({"need_domain": "community", "need_basis": "eligible"}, 0)
    _plan_ready(
        session,
        plan.id,
        [_met_by_plan(nutrition, 0), _met_by_plan(hygiene, 0), chosen_wrongly],
    )
    problems = [p.message for p in _evaluation(session, plan.id).completion_problems()]
    assert any("was not found eligible" in m and "chooses to meet" in m for m in problems)


def _evaluation(session: Session, plan_id: str):  # type: ignore[no-untyped-def]
    record = open_for_editing(session, AssessmentId(plan_id)).record
    return evaluate(REGISTRY.get(record.form_id, record.form_version), record.answers, today=TODAY)


def test_the_personal_budget_against_a_hand_worked_example(vault):
    session = _session(vault)
    person = _person(session)
    # The financial assessment works out £153.90 a week (tests/fixtures: financial_home.json).
    _completed(session, person, "financial_assessment", _fixture("financial_home.json"))
    plan = start_plan(session, AssessmentId(_needs_done(session, person)))
    nutrition, hygiene = plan.answers["plan_needs"]
    community = {"need_domain": "community", "need_basis": "chosen_to_meet"}
    _plan_ready(
        session,
        plan.id,
        [
            _met_by_plan(nutrition, 8550),
            _met_by_plan(hygiene, 12000),
            _met_by_plan(community, 3000),
        ],
    )

    budget = _evaluation(session, plan.id).outcomes["personal_budget"]

    # Cost: £85.50 + £120.00 + £30.00 = £235.50 a week. The person pays £153.90 (their charge,
    # below the cost, so all of it counts); the authority pays £235.50 - £153.90 = £81.60.
    assert budget.value == 8160
    assert budget.label == "£235.50 a week (the person pays £153.90, the authority £81.60)"
    assert budget.reasons == (
        "Managing and maintaining nutrition: £85.50 a week.",
        "Maintaining personal hygiene: £120.00 a week.",
        "Making use of facilities or services in the local community (not eligible: the "
        "authority chooses to meet it): £30.00 a week.",
        "Cost to the authority of meeting the needs: £235.50 a week.",
        "The person's contribution, from their financial assessment effective 2 June 2025 "
        "(Adult social care charging, England, 2025-26, version 1: in force from 6 April 2025 "
        "to 5 April 2026): £153.90 a week.",
        "The authority's share: £81.60 a week.",
    )


def test_a_contribution_above_the_cost_is_charged_only_up_to_the_cost():
    form = REGISTRY.latest("care_support_plan")
    answers = {
        "plan_needs": [_met_by_plan({"need_domain": "hygiene", "need_basis": "eligible"}, 10000)],
        "contribution_weekly": 15390,
        "contribution_rates": "England 2025-26",
    }
    budget = evaluate(form, answers, today=TODAY).outcomes["personal_budget"]
    # Cost £100.00; the charge of £153.90 counts only up to it: the person pays £100.00, the
    # authority £0.00.
    assert budget.value == 0
    assert "Only £100.00 a week of it is charged" in " ".join(budget.reasons)
    assert budget.label == "£100.00 a week (the person pays £100.00, the authority £0.00)"


def test_before_the_financial_assessment_is_complete_the_charge_is_not_yet_assessed(vault):
    session = _session(vault)
    person = _person(session)
    financial = REGISTRY.latest("financial_assessment")
    draft = session.records.create(
        person, financial.id, financial.version, _fixture("financial_home.json")
    )
    plan = start_plan(session, AssessmentId(_needs_done(session, person)))
    nutrition, hygiene = plan.answers["plan_needs"]
    _plan_ready(session, plan.id, [_met_by_plan(nutrition, 8550), _met_by_plan(hygiene, 12000)])

    budget = _evaluation(session, plan.id).outcomes["personal_budget"]
    assert budget.value is None and budget.label == NOT_ASSESSED
    assert "Cost to the authority of meeting the needs: £205.50 a week." in budget.reasons
    assert "£0.00" not in budget.label + " ".join(budget.reasons)
    assert "charge not yet assessed" in budget.reasons[-1]

    # Once that financial assessment is completed, opening the plan picks its charge up.
    complete_record(session, draft.id)
    budget = _evaluation(session, plan.id).outcomes["personal_budget"]
    assert budget.value == 20550 - 15390


def test_a_completed_plan_keeps_the_contribution_it_was_completed_with(vault):
    session = _session(vault)
    person = _person(session)
    _completed(session, person, "financial_assessment", _fixture("financial_home.json"))
    plan = start_plan(session, AssessmentId(_needs_done(session, person)))
    nutrition, hygiene = plan.answers["plan_needs"]
    _plan_ready(session, plan.id, [_met_by_plan(nutrition, 8550), _met_by_plan(hygiene, 12000)])
    complete_record(session, plan.id)

    dearer = _fixture("financial_home.json") | {"housing_costs": 0}
    _completed(session, person, "financial_assessment", dearer)
    # The newer assessment charges £25.00 a week more (no housing costs to deduct) ...
    assert latest_contribution(session, PersonId(person))["contribution_weekly"] == 15390 + 2500
    # ... but the completed plan keeps the charge it was completed with.
    kept = open_for_editing(session, plan.id).record
    assert kept.answers["contribution_weekly"] == 15390


def test_the_form_contract_catches_a_renamed_budget_question(tmp_path: Path):
    folder = tmp_path / "forms" / "care_support_plan"
    folder.mkdir(parents=True)
    text = (default_forms_dir() / "care_support_plan" / "v1.yaml").read_text("utf-8")
    (folder / "v1.yaml").write_text(text.replace("id: weekly_cost", "id: cost_a_week"), "utf-8")
    with pytest.raises(FormDefinitionError) as caught:
        load_forms_dir(tmp_path / "forms")
    assert "care_plan.personal_budget" in str(caught.value)
    assert "weekly_cost" in str(caught.value)


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils is not installed")
def test_a_completed_plan_finalises_to_a_signed_pdf(vault, tmp_path):
    from assessor_app.core.pdf.verify import verify_pdf
    from assessor_app.core.services.documents import finalise_record
    from assessor_app.core.storage.documents import DocumentRepository

    session = _session(vault)
    person = _person(session)
    financial = _completed(session, person, "financial_assessment", _fixture("financial_home.json"))
    needs = _needs_done(session, person)
    plan = start_plan(session, AssessmentId(needs))
    nutrition, hygiene = plan.answers["plan_needs"]
    _plan_ready(session, plan.id, [_met_by_plan(nutrition, 8550), _met_by_plan(hygiene, 12000)])

    done = finalise_record(session, plan.id)

    data = DocumentRepository(vault).data(done.document.id)
    assert verify_pdf(data).ok
    assert "Signature is Valid" in poppler("pdfsig", data, tmp_path)
    text = squash(poppler("pdftotext", data, tmp_path))
    assert "Care and support plan" in text
    assert "The authority's share: £51.60 a week." in text  # £205.50 - £153.90
    assert "Cost to the authority of meeting the needs: £205.50 a week." in text
    # The records the plan was made from are named by title and date, never by their ids.
    assert "Care and support needs assessment of 16 November 2026" in text
    assert "Financial assessment effective 2 June 2025" in text
    bare = text.replace(" ", "")
    for record_id in (needs, financial):  # the plan's own reference is on every page
        assert record_id[:8] not in bare, record_id
    # The custody section is printed, and why there are no direct payments.
    assert "Direct payments not available" in text
    assert CUSTODY_PLAN["on_release"] in text


def _plan_answers(**answers: Any) -> dict[str, Any]:
    """A plan's answers meeting one eligible need (£100.00 a week), with the contribution."""
    return {
        "eligible_needs": ["hygiene"],
        "plan_needs": [_met_by_plan({"need_domain": "hygiene", "need_basis": "eligible"}, 10000)],
        "contribution_weekly": 2500,
        "contribution_rates": "England 2025-26",
        **answers,
    }


@pytest.mark.parametrize(
    ("setting", "conviction", "offered", "because"),
    [
        ("prison", "sentenced", "not_available", "is in a prison (sentenced)"),
        ("prison", "remanded", "not_available", "(remanded in custody)"),
        ("young_offender_institution", "unconvicted_on_bail", "not_available", "youth custody"),
        ("approved_premises", "sentenced", "not_available", "in approved premises (sentenced)"),
        ("approved_premises", "unconvicted_on_bail", "available", "unconvicted and on bail"),
        ("bail_accommodation", "unconvicted_on_bail", "available", "unconvicted and on bail"),
        ("own_home", None, "available", "lives in the community"),
    ],
)
def test_direct_payments_are_offered_by_the_custody_rules_with_the_reason(
    setting: str, conviction: str | None, offered: str, because: str
):
    form = REGISTRY.latest("care_support_plan")
    answers = _plan_answers(setting=setting, conviction_status=conviction)
    result = evaluate(form, answers, today=TODAY)

    offer = result.outcomes["direct_payments"]
    assert offer.value == offered
    assert because in offer.reasons[0]
    choice_asked = [b.message for b in result.blockers if b.path == "dp_choice"]
    if offered == "available":
        # Offered: completing waits for the person's choice, and says why it is asked.
        assert choice_asked and "Record the person's choice" in choice_asked[0]
        chosen = evaluate(form, {**answers, "dp_choice": "thinking"}, today=TODAY)
        assert not [b for b in chosen.blockers if b.path == "dp_choice"]
    else:
        assert choice_asked == []


def test_a_plan_in_prison_never_records_a_direct_payment_choice():
    form = REGISTRY.latest("care_support_plan")
    # In prison the question is not even shown, so an old answer is not kept ...
    prison = _plan_answers(setting="prison", conviction_status="sentenced", dp_choice="wants")
    assert "dp_choice" not in [p.path for p in evaluate(form, prison, today=TODAY).problems]
    assert not [b for b in evaluate(form, prison, today=TODAY).blockers if b.path == "dp_choice"]
    # ... and in approved premises after conviction, a recorded "yes" is refused, with why.
    convicted = {**prison, "setting": "approved_premises"}
    [refused] = [
        b.message for b in evaluate(form, convicted, today=TODAY).blockers if b.path == "dp_choice"
    ]
    assert "Care Act s76" in refused and "cannot be offered" in refused


def test_the_custody_section_is_asked_only_in_custody_and_needs_the_personal_budget():
    form = REGISTRY.latest("care_support_plan")
    custody_fields = {"custody_participants", "regime_limits", "on_transfer", "on_release"}

    home = evaluate(form, _plan_answers(setting="own_home"), today=TODAY)
    assert not custody_fields & {p.path for p in home.problems}

    prison = _plan_answers(setting="prison", conviction_status="sentenced")
    missing = {p.path for p in evaluate(form, prison, today=TODAY).problems}
    assert custody_fields <= missing
    answered = evaluate(form, {**prison, **CUSTODY_PLAN}, today=TODAY)
    assert not custody_fields & {p.path for p in answered.problems}
    assert not [b for b in answered.blockers if b.path == "personal_budget"]

    # A safeguarding issue must say how it is addressed (CU-26).
    concern = evaluate(form, {**prison, **CUSTODY_PLAN, "plan_safeguarding": True}, today=TODAY)
    assert "plan_safeguarding_how" in {p.path for p in concern.problems}

    # Without the person's contribution the budget is not complete: in custody that blocks
    # completing, saying why and what to do; at home the plan can go ahead (FC-12).
    unassessed = {**prison, **CUSTODY_PLAN, "contribution_weekly": None}
    [blocked] = [
        b.message
        for b in evaluate(form, unassessed, today=TODAY).blockers
        if b.path == "personal_budget"
    ]
    assert "must still contain the personal budget" in blocked
    assert "complete their financial assessment" in blocked
    at_home = evaluate(
        form, {**_plan_answers(setting="own_home"), "contribution_weekly": None}, today=TODAY
    )
    assert not [b for b in at_home.blockers if b.path == "personal_budget"]
