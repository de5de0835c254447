"""The carer's support plan, walked as an assessor walks it, on a real vault.

A carer's completed carer's assessment with eligible needs puts "Make the carer's support
plan" on the to-do list; the plan starts from it with each eligible need the carer
eligibility rule found (the outcome caring leaves them unable to achieve, and the effect of
caring on their health) and what the carer said about it; completing is refused while one is
left out, naming it, and while the carer's direct-payment choice is not recorded where direct
payments can be offered; once completed and finalised it is a signed PDF with its easy-read
and large-print editions, and the to-do item has gone.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.errors import ValidationError
from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.form_engine.evaluation import evaluate
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.records import (
    AssessmentId,
    ConvictionStatus,
    PersonId,
    RecordStatus,
    Setting,
)
from assessor_app.core.rules.care_plan import NOT_ASSESSED, carer_personal_budget
from assessor_app.core.services.records import complete_record, start_record
from assessor_app.core.services.session import Session
from assessor_app.core.services.todo import TodoItem, TodoKind, work_out
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.conftest import REPO_ROOT
from tests.core.test_cli import PASS, cli, profile  # noqa: F401 - fixtures
from tests.support import community_person, complete_financial, poppler, session_for, squash

REGISTRY = load_forms_dir(default_forms_dir())
TODAY = dt.date(2026, 11, 23)
CARER: dict[str, Any] = json.loads(
    (REPO_ROOT / "tests/fixtures/forms/answers/carers_eligible.json").read_text("utf-8")
)
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils is not installed"
)


def _session(vault: Vault) -> Session:
    return session_for(vault, REGISTRY, today=TODAY)


def _carer(session: Session) -> PersonId:
    return PeopleRepository(session.vault).add(community_person(given_name="Ifeoma")).id


def _carers_assessment(session: Session, person: str, **changes: Any) -> AssessmentId:
    form = REGISTRY.latest("carers_assessment")
    rid = session.records.create(person, form.id, form.version, CARER | changes).id
    complete_record(session, AssessmentId(rid))
    return AssessmentId(rid)


def _plan_items(session: Session) -> list[TodoItem]:
    return [i for i in work_out(session) if i.kind is TodoKind.PLAN]


def _start(session: Session, person: str, source: str | None = None) -> str:
    form = REGISTRY.latest("carers_support_plan")
    return start_record(
        session, form, PersonId(person), from_record=AssessmentId(source) if source else None
    ).id


def _answer(session: Session, plan_id: str, answers: dict[str, Any]) -> None:
    for field_id, value in answers.items():
        session.records.save_field(plan_id, field_id, value)


def _by_plan(item: dict[str, Any], cost: int) -> dict[str, Any]:
    return {
        **item,
        "need_outcome": "To get back to the walking group on Thursdays.",
        "how_met": "plan",
        "support_kinds": ["breaks"],
        "met_how": "A sitter stays with Zoë while Ifeoma walks.",
        "met_by": "Demotown Carers' Sitting Service",
        "met_often": "Thursday mornings, 3 hours",
        "weekly_cost": cost,
        "prevention_offered": "Details of the carers' café and a carers' emergency card.",
    }


def _otherwise(item: dict[str, Any]) -> dict[str, Any]:
    return {
        **item,
        "need_outcome": "To sleep through the night twice a week.",
        "how_met": "otherwise",
        "met_otherwise_by": "cared_for_support",
        "met_otherwise_reason": "Zoë's own plan now has two nights' care a week; if it stops, "
        "we review this plan.",
        "prevention_offered": "Moving and handling training booked for January.",
    }


SIGNED = {
    "strengths_and_support": "Her brother visits on Sundays.",
    "plan_date": "2026-11-20",
    "carer_signature": {"typed": True, "name": "Ifeoma Quillfeather", "signed_on": "2026-11-20"},
    "assessor_signature": {"typed": True, "name": "Alex Assessor", "signed_on": "2026-11-20"},
}


@needs_poppler
def test_a_carer_walks_from_assessment_to_signed_support_plan_and_the_todo_closes(
    vault: Vault, tmp_path: Path
) -> None:
    from assessor_app.core.pdf.verify import verify_pdf
    from assessor_app.core.services.documents import finalise_record
    from assessor_app.core.storage.documents import DocumentRepository

    session = _session(vault)
    carer = _carer(session)
    source = _carers_assessment(session, carer)

    # The to-do list asks for the plan, and Enter would start it from that assessment.
    [item] = _plan_items(session)
    assert item.what == "Make the carer's support plan"
    assert (item.person_id, item.record_id, item.start_form) == (
        carer,
        source,
        "carers_support_plan",
    )
    assert "Care Act s20" in item.why
    plan_id = _start(session, item.person_id, item.record_id)

    plan = session.records.get(plan_id)
    answers = plan.answers
    # The carer's eligible needs: the outcome caring stops, and the effect on their health.
    assert answers["eligible_needs"] == ["recreation", "carer_health"]
    assert [(i["need_domain"], i["need_said"]) for i in answers["plan_needs"]] == [
        ("recreation", CARER["c_recreation_narrative"]),
        ("carer_health", CARER["health_details"]),
    ]
    assert answers["person_outcomes"] == CARER["carer_desired_outcomes"]
    assert answers["cared_for_name"] == CARER["cared_for_name"]
    assert answers["needs_made_from"] == "Carer's assessment of 16 November 2026"
    [item] = _plan_items(session)
    assert (item.what, item.record_id, item.start_form) == (
        "Finish the carer's support plan",
        plan_id,
        None,
    )

    # The health need left out of the plan: completing is refused, naming it.
    recreation, _health = answers["plan_needs"]
    _answer(session, plan_id, {**SIGNED, "plan_needs": [_by_plan(recreation, 6000)]})
    with pytest.raises(ValidationError, match="physical or mental health' is neither met") as e:
        complete_record(session, AssessmentId(plan_id))
    assert "Care Act s20" in str(e.value)
    assert session.records.get(plan_id).status is RecordStatus.DRAFT

    # Recorded as met otherwise, with the reason: it completes and finalises, signed.
    _answer(
        session,
        plan_id,
        {
            "plan_needs": [_by_plan(recreation, 6000), _otherwise(answers["plan_needs"][1])],
            "dp_choice": "declines",
        },
    )
    done = finalise_record(session, AssessmentId(plan_id))
    assert done.record.status is RecordStatus.COMPLETED
    repo = DocumentRepository(vault)
    kept = {d.variant: repo.data(d.id) for d in repo.list_for_assessment(plan_id)}
    assert sorted(kept) == ["easy_read", "large_print", "standard"]
    for data in kept.values():
        assert verify_pdf(data).ok

    standard = squash(poppler("pdftotext", kept["standard"], tmp_path))
    assert "Carer's support plan" in standard
    assert "Cost to the authority of meeting the needs: £60.00 a week." in standard
    assert "The carer's contribution: charge not yet assessed" in standard
    assert "may be charged for only after one (Care Act s14)" in standard
    assert "A break from caring (respite, replacement care)" in standard
    easy = squash(poppler("pdftotext", kept["easy_read"], tmp_path))
    assert "Your support plan as a carer" in easy
    assert "Doing things you enjoy" in easy and "Your health" in easy
    assert "The help for the person you care for also helps you with this." in easy
    assert "You signed it on 20 November 2026." in easy
    large = squash(poppler("pdftotext", kept["large_print"], tmp_path))
    assert "Edition Large print" in large
    assert "Need 2: The effect of caring on the carer's physical or mental health" in large

    assert _plan_items(session) == []


def test_the_carers_contribution_comes_from_their_own_financial_assessment(vault: Vault) -> None:
    session = _session(vault)
    carer = _carer(session)
    complete_financial(session, carer)
    plan_id = _start(session, carer, _carers_assessment(session, carer))
    plan = session.records.get(plan_id)
    assert plan.answers["contribution_weekly"] == 15390
    recreation, health = plan.answers["plan_needs"]
    budget = carer_personal_budget(
        {**plan.answers, "plan_needs": [_by_plan(recreation, 6000), _otherwise(health)]}
    )
    # Never charged more than the support costs: £153.90 assessed, £60.00 charged.
    assert budget.value == 0
    assert budget.label == "£60.00 a week (the carer pays £60.00, the authority £0.00)"
    assert any(
        r.startswith("The carer's contribution, from their financial") for r in budget.reasons
    )


def test_without_a_financial_assessment_the_carers_charge_is_not_yet_assessed_never_zero() -> None:
    budget = carer_personal_budget(
        {
            "plan_needs": [
                {"need_domain": "recreation", "how_met": "plan", "weekly_cost": 6000},
            ]
        }
    )
    assert (budget.value, budget.label) == (None, NOT_ASSESSED)
    assert "£0.00" not in " ".join(budget.reasons)


@pytest.mark.parametrize(
    ("changes", "complete", "message"),
    [
        ({}, False, "This carer's assessment is not complete yet"),
        (
            {
                "health_deteriorating": "no",
                "c_recreation_status": "achieved",
                "c_recreation_ways": [],
                "ineligible_info_given": True,
                "ineligible_info_content": "The carers' centre's leaflet on breaks.",
                "ineligible_info_date": "2026-11-16",
                "ineligible_info_method": "in_person",
                "ineligible_info_format": CARER["preferred_format"],
            },
            True,
            "This carer's assessment found no eligible needs",
        ),
    ],
)
def test_a_support_plan_is_refused_from_a_draft_or_ineligible_carers_assessment(
    vault: Vault, changes: dict[str, Any], complete: bool, message: str
) -> None:
    session = _session(vault)
    carer = _carer(session)
    form = REGISTRY.latest("carers_assessment")
    rid = session.records.create(carer, form.id, form.version, CARER | changes).id
    if complete:
        complete_record(session, AssessmentId(rid))
    with pytest.raises(ValidationError, match=message):
        _start(session, carer, rid)
    assert _plan_items(session) == []


def test_a_support_plan_is_not_made_from_a_needs_assessment_or_with_none_to_start_from(
    vault: Vault,
) -> None:
    session = _session(vault)
    carer = _carer(session)
    with pytest.raises(ValidationError, match="no completed carer's assessment"):
        _start(session, carer)
    needs = json.loads(
        (REPO_ROOT / "tests/fixtures/forms/answers/needs_custody_eligible.json").read_text("utf-8")
    )
    form = REGISTRY.latest("needs_assessment")
    rid = session.records.create(carer, form.id, form.version, needs).id
    complete_record(session, AssessmentId(rid))
    with pytest.raises(ValidationError, match="made from a carer's assessment"):
        _start(session, carer, rid)


def test_the_cli_starts_the_support_plan_that_follows_a_carers_assessment(
    cli: Any,  # noqa: F811 - the fixture
    profile: str,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    vault = Vault.open(tmp_path / "data", profile, PASS)
    session = _session(vault)
    carer = _carer(session)
    source = _carers_assessment(session, carer)
    vault.close()
    code, out, err = cli("record", "start", "--from", source)
    assert code == 0, err
    vault = Vault.open(tmp_path / "data", profile, PASS)
    try:
        plan = _session(vault).records.get(out.strip())
    finally:
        vault.close()
    assert (plan.form_id, plan.person_id) == ("carers_support_plan", carer)
    assert plan.answers["needs_record"] == source


@pytest.mark.parametrize(
    ("changes", "needs"),
    [
        ({"health_deteriorating": "no"}, ["recreation"]),  # one outcome is enough (reg 3)
        (
            {"c_recreation_status": "achieved", "c_recreation_ways": []},
            ["carer_health"],  # so is the effect on their health alone
        ),
        ({"health_deteriorating": "deteriorating"}, ["recreation", "carer_health"]),
    ],
)
def test_the_plan_carries_the_needs_the_carer_rule_found_eligible(
    vault: Vault, changes: dict[str, Any], needs: list[str]
) -> None:
    session = _session(vault)
    carer = _carer(session)
    plan = session.records.get(
        _start(session, carer, _carers_assessment(session, carer, **changes))
    )
    assert plan.answers["eligible_needs"] == needs
    assert [i["need_domain"] for i in plan.answers["plan_needs"]] == needs


@needs_poppler
def test_a_carer_at_home_is_offered_direct_payments_and_the_plan_records_their_choice(
    vault: Vault, tmp_path: Path
) -> None:
    from assessor_app.core.services.documents import finalise_record
    from assessor_app.core.storage.documents import DocumentRepository

    session = _session(vault)
    carer = _carer(session)
    plan_id = _start(session, carer, _carers_assessment(session, carer))
    plan = session.records.get(plan_id)
    # Where the carer lives is the carer's own, from their person record.
    assert plan.answers["setting"] == "own_home"
    recreation, health = plan.answers["plan_needs"]
    _answer(
        session,
        plan_id,
        {**SIGNED, "plan_needs": [_by_plan(recreation, 6000), _otherwise(health)]},
    )
    offer = evaluate(
        REGISTRY.latest("carers_support_plan"), session.records.get(plan_id).answers, today=TODAY
    ).outcomes["direct_payments"]
    assert (offer.value, offer.label) == ("available", "Direct payments can be offered")
    assert offer.reasons == (
        "The carer lives in the community (own home), so direct payments can be offered (Care "
        "Act ss31-33).",
    )
    [told] = [d.person for d in offer.details]
    assert told == (
        "You can choose to have direct payments: money from us, so that you can arrange your "
        "support as a carer."
    )

    # Every need planned, but no choice recorded: completing is refused, saying why.
    with pytest.raises(ValidationError, match="Record the carer's choice: yes, no, or") as e:
        complete_record(session, AssessmentId(plan_id))
    assert "The carer lives in the community" in str(e.value)
    assert "need" not in str(e.value).split("Record the carer's choice")[0].lower()
    assert session.records.get(plan_id).status is RecordStatus.DRAFT

    _answer(
        session,
        plan_id,
        {"dp_choice": "wants", "dp_manager": "nominated", "dp_manager_name": "Tobias Quillfeather"},
    )
    assert finalise_record(session, AssessmentId(plan_id)).record.status is RecordStatus.COMPLETED
    repo = DocumentRepository(vault)
    kept = {d.variant: repo.data(d.id) for d in repo.list_for_assessment(plan_id)}
    for variant in ("standard", "large_print"):
        printed = squash(poppler("pdftotext", kept[variant], tmp_path))
        assert "Where the carer lives, and direct payments" in printed, variant
        assert "The carer lives in the community (own home), so direct payments" in printed
        assert "Yes, the carer wants direct payments" in printed, variant
        assert "A nominated person" in printed and "Tobias Quillfeather" in printed, variant
        assert "the person" not in printed.lower().replace("the person cared for", ""), variant


@pytest.mark.parametrize(
    ("setting", "conviction", "offered", "because"),
    [
        ("own_home", None, "available", "The carer lives in the community (own home)"),
        ("hospital", None, "available", "The carer lives in the community (hospital)"),
        ("bail_accommodation", "unconvicted_on_bail", "available", "The carer is unconvicted"),
        ("approved_premises", "unconvicted_on_bail", "available", "The carer is unconvicted"),
        ("approved_premises", "sentenced", "not_available", "The carer is in approved premises"),
        ("bail_accommodation", "remanded", "not_available", "The carer is in bail accommodation"),
        ("prison", "remanded", "not_available", "The carer is in a prison (remanded"),
    ],
)
def test_the_carers_direct_payments_follow_the_custody_rules_told_of_the_carer(
    setting: str, conviction: str | None, offered: str, because: str
) -> None:
    form = REGISTRY.latest("carers_support_plan")
    answers: dict[str, Any] = {"setting": setting, "conviction_status": conviction}
    result = evaluate(form, {k: v for k, v in answers.items() if v}, today=TODAY)
    offer = result.outcomes["direct_payments"]
    assert offer.value == offered
    assert offer.reasons[0].startswith(because)
    asked = [b.message for b in result.blockers if b.path == "dp_choice"]
    chosen = evaluate(form, {**answers, "dp_choice": "wants"}, today=TODAY)
    refused = [b.message for b in chosen.blockers if b.path == "dp_choice"]
    if offered == "available":
        assert len(asked) == 1 and "Record the carer's choice" in asked[0]
        assert refused == []
    else:
        # In prison the question is hidden (so no answer is kept); in approved premises or
        # bail accommodation after conviction or on remand, a recorded "yes" is refused.
        assert asked == []
        if setting != "prison":
            assert len(refused) == 1 and "Clear the carer's choice" in refused[0]
            assert "Care Act s76" in refused[0]


def test_without_a_setting_the_carers_plan_asks_where_the_carer_lives() -> None:
    result = evaluate(REGISTRY.latest("carers_support_plan"), {}, today=TODAY)
    offer = result.outcomes["direct_payments"]
    assert (offer.value, offer.reasons) == (None, ("Record where the carer lives.",))


def test_a_carer_on_bail_is_offered_direct_payments_from_their_own_person_record(
    vault: Vault,
) -> None:
    session = _session(vault)
    carer = (
        PeopleRepository(session.vault)
        .add(
            community_person(
                given_name="Ifeoma",
                setting=Setting.BAIL_ACCOMMODATION,
                establishment_name="Demotown Bail Hostel (synthetic)",
                conviction_status=ConvictionStatus.UNCONVICTED_ON_BAIL,
            )
        )
        .id
    )
    plan = session.records.get(_start(session, carer, _carers_assessment(session, carer)))
    # The plan's setting is the carer's (the record's person), not the person cared for's.
    assert (plan.answers["setting"], plan.answers["conviction_status"]) == (
        "bail_accommodation",
        "unconvicted_on_bail",
    )
    result = evaluate(REGISTRY.latest("carers_support_plan"), plan.answers, today=TODAY)
    offer = result.outcomes["direct_payments"]
    assert offer.value == "available"
    assert offer.reasons[0].startswith(
        "The carer is unconvicted and on bail, living in bail accommodation"
    )
    assert [d.person for d in offer.details] == [
        "Because you have not been convicted and are on bail, living in bail accommodation, you "
        "can choose to have direct payments: money from us, so that you can arrange your "
        "support as a carer."
    ]


def test_a_carer_of_two_people_has_a_plan_to_make_for_each_care(vault: Vault) -> None:
    """One carer's assessment for each person cared for: each eligible one wants its own plan,
    and a reassessment of the same care replaces the one before on the list."""
    session = _session(vault)
    carer = _carer(session)
    zoe = _carers_assessment(session, carer)
    tobias = _carers_assessment(session, carer, cared_for_name="Tobias Quillfeather")
    assert {i.record_id for i in _plan_items(session)} == {zoe, tobias}
    # Zoë's care assessed again: the plan is to be made from the newer assessment only.
    again = _carers_assessment(session, carer)
    assert {i.record_id for i in _plan_items(session)} == {again, tobias}
