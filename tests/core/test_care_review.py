"""Reviews and reassessments, as an assessor walks them: needs assessment, plan, review, and
then the revised plan or the reassessment the review found is needed (Care Act s27; changed
needs are reassessed, NA-29).

A planned review is refused completion without the Client Level Data field
`Review_Outcomes_Achieved`; the review's "what happens next" says why; a reassessment starts
from the assessment it follows, names it by title and date, and shows what changed since.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from typing import Any

import pytest

from assessor_app.core.errors import ValidationError
from assessor_app.core.form_engine.comparison import changes_between
from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.form_engine.evaluation import evaluate
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.records import Assessment, AssessmentId, PersonId, RecordStatus
from assessor_app.core.rules.reviews import review_due
from assessor_app.core.services.care_plans import start_plan
from assessor_app.core.services.records import complete_record, start_record
from assessor_app.core.services.reviews import (
    changes_since,
    custody_review_reason,
    next_record_offer,
    plan_to_review,
    start_from_review,
    start_review,
)
from assessor_app.core.services.session import Session
from assessor_app.core.settings import Settings
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.conftest import REPO_ROOT
from tests.support import (
    CUSTODY_PLAN,
    community_person,
    complete_financial,
    poppler,
    prisoner,
    session_for,
    squash,
)

REGISTRY = load_forms_dir(default_forms_dir())
TODAY = dt.date(2027, 1, 20)
NEEDS: dict[str, Any] = json.loads(
    (REPO_ROOT / "tests/fixtures/forms/answers/needs_custody_eligible.json").read_text("utf-8")
)
SIGNED = {"typed": True, "name": "Alex Assessor", "signed_on": "2027-01-15"}


def _session(vault: Vault) -> Session:
    return session_for(vault, REGISTRY, today=TODAY)


def _save(session: Session, record_id: str, answers: dict[str, Any]) -> Assessment:
    for field_id, value in answers.items():
        session.records.save_field(record_id, field_id, value)
    return session.records.get(record_id)


def _needs_and_plan(session: Session) -> tuple[PersonId, str, Assessment]:
    """A person with a completed needs assessment and the completed plan made from it."""
    person = PersonId(PeopleRepository(session.vault).add(prisoner()).id)
    form = REGISTRY.latest("needs_assessment")
    needs_id = session.records.create(person, form.id, form.version, NEEDS).id
    complete_record(session, AssessmentId(needs_id))
    complete_financial(session, person)
    plan = start_plan(session, AssessmentId(needs_id))
    nutrition, hygiene = plan.answers["plan_needs"]
    common = {"prevention_offered": "Occupational therapy advice on aids."}
    _save(
        session,
        plan.id,
        {
            "plan_date": "2026-11-20",
            "strengths_and_support": "Keeps in touch with his sister by phone every week.",
            "plan_needs": [
                nutrition
                | common
                | {
                    "need_outcome": "To eat a hot meal without help cutting it.",
                    "how_met": "plan",
                    "met_how": "Adapted cutlery and help at the servery.",
                    "met_by": "Healthcare unit care team",
                    "met_often": "Each meal",
                    "weekly_cost": 8550,
                },
                hygiene
                | common
                | {
                    "need_outcome": "To shower without falling.",
                    "how_met": "otherwise",
                    "met_otherwise_by": "other_service",
                    "met_otherwise_reason": "Prison healthcare fitted rails and a shower chair.",
                },
            ],
            "person_signature": SIGNED | {"name": "Łukasz Brindlewood"},
            "assessor_signature": SIGNED,
            **CUSTODY_PLAN,
        },
    )
    return person, needs_id, complete_record(session, plan.id)


def _review_answers(**changes: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "review_date": "2027-01-15",
        "review_reason": "planned",
        "review_method": "face_to_face",
        "person_took_part": True,
        "participants": ["establishment"],
        "participants_named": "Sam Officer, wing custodial manager",
        "prevention_reconsidered": "Falls leaflet given again; grab rail checked.",
        "safeguarding_concern": False,
        "review_result": "revised_plan",
        "result_reason": "Meals are managed now, but he wants to use the gym showers.",
        "assessor_signature": SIGNED,
    }
    return answers | changes


def _outcomes(first: str, second: str) -> list[dict[str, Any]]:
    return [
        {
            "outcome_need": "Managing and maintaining nutrition",
            "outcome_wanted": "To eat a hot meal without help cutting it.",
            "outcome_result": first,
            "outcome_view": "I can cut my food with the new cutlery.",
        },
        {
            "outcome_need": "Maintaining personal hygiene",
            "outcome_wanted": "To shower without falling.",
            "outcome_result": second,
            "outcome_view": "The wing shower is fine, the gym shower is not.",
        },
    ]


def test_needs_assessment_plan_review_and_revised_plan_as_an_assessor_walks_them(vault):
    session = _session(vault)
    person, needs_id, plan = _needs_and_plan(session)
    assert review_due(plan, [], Settings()) == dt.date(2027, 1, 15)  # 8 weeks after 20 Nov

    review = start_record(session, REGISTRY.latest("care_review"), person)
    assert review.answers["plan_record"] == plan.id
    assert review.answers["plan_reviewed"] == "Care and support plan agreed 20 November 2026"
    assert review.answers["needs_reviewed"] == (
        "Care and support needs assessment of 16 November 2026"
    )
    assert review.answers["needs_record"] == needs_id
    assert review.answers["review_outcomes"] == [
        {
            "outcome_need": "Managing and maintaining nutrition",
            "outcome_wanted": "To eat a hot meal without help cutting it.",
        },
        {
            "outcome_need": "Maintaining personal hygiene",
            "outcome_wanted": "To shower without falling.",
        },
    ]

    # A planned review without Review_Outcomes_Achieved is refused, and nothing is lost.
    _save(session, review.id, _review_answers(review_outcomes=_outcomes("achieved", "partly")))
    with pytest.raises(ValidationError) as caught:
        complete_record(session, review.id)
    assert "Review_Outcomes_Achieved" in str(caught.value)
    assert "a planned review must record it" in str(caught.value)
    kept = session.records.get(review.id)
    assert kept.status is RecordStatus.DRAFT and kept.answers["review_method"] == "face_to_face"

    # "Fully achieved" beside an outcome only partly achieved is refused, naming it.
    _save(session, review.id, {"outcomes_achieved": "fully"})
    with pytest.raises(ValidationError, match="'Maintaining personal hygiene' was not fully"):
        complete_record(session, review.id)

    _save(session, review.id, {"outcomes_achieved": "partly"})
    form = REGISTRY.latest("care_review")
    outcome = evaluate(form, session.records.get(review.id).answers, today=TODAY).outcomes[
        "next_step"
    ]
    assert outcome.value == "revised_plan" and outcome.label == "Revise the plan"
    assert "s27(1)(b)" in " ".join(outcome.reasons)
    review = complete_record(session, review.id)
    assert review.status is RecordStatus.COMPLETED

    # The next review is now a year after this one; completing it offers the revised plan.
    assert review_due(plan, [review], Settings()) == dt.date(2028, 1, 15)
    offer = next_record_offer(review)
    assert offer is not None and "Start the revised plan now" in offer
    assert "Care and support plan agreed 20 November 2026" in offer

    revised = start_from_review(session, review.id)
    assert revised.form_id == "care_support_plan" and revised.status is RecordStatus.DRAFT
    assert revised.id != plan.id
    assert revised.answers["needs_record"] == needs_id
    assert revised.answers["plan_needs"] == plan.answers["plan_needs"]
    assert revised.answers["strengths_and_support"] == plan.answers["strengths_and_support"]
    assert "plan_date" not in revised.answers and "person_signature" not in revised.answers
    # The revised plan is a new plan: its first review again comes 8 weeks after it is agreed.
    # The custody section comes over too; only when the regime's limits were discussed is new.
    assert revised.answers["on_release"] == plan.answers["on_release"]
    assert "regime_discussed_date" not in revised.answers
    _save(
        session,
        revised.id,
        {
            "plan_date": "2027-01-18",
            "person_signature": SIGNED,
            "regime_discussed_date": "2027-01-18",
        },
    )
    _save(session, revised.id, {"assessor_signature": SIGNED})
    revised = complete_record(session, revised.id)
    assert review_due(revised, [review], Settings()) == dt.date(2027, 3, 15)


def test_an_unplanned_review_after_release_needs_no_overall_answer_and_says_why(vault):
    session = _session(vault)
    person, _needs_id, plan = _needs_and_plan(session)
    review = start_record(session, REGISTRY.latest("care_review"), person, from_record=plan.id)
    answers = _review_answers(
        review_reason="unplanned",
        unplanned_reason="custody_release",
        unplanned_detail="Released on licence on 10 January to approved premises.",
        review_outcomes=_outcomes("achieved", "achieved"),
        review_result="no_change",
    )
    _save(session, review.id, answers)
    evaluation = evaluate(
        REGISTRY.latest("care_review"), session.records.get(review.id).answers, today=TODAY
    )
    reasons = " ".join(evaluation.outcomes["next_step"].reasons)
    assert "the person was released from custody" in reasons and "chapter 17" in reasons
    done = complete_record(session, review.id)
    assert done.status is RecordStatus.COMPLETED
    assert next_record_offer(done) is None
    with pytest.raises(ValidationError, match="found no change"):
        start_from_review(session, done.id)


def test_a_review_is_refused_without_a_completed_plan(vault):
    session = _session(vault)
    person = PersonId(PeopleRepository(vault).add(prisoner()).id)
    with pytest.raises(ValidationError, match="no completed care and support plan"):
        start_record(session, REGISTRY.latest("care_review"), person)


def test_a_reassessment_starts_from_the_last_and_shows_what_changed_since(vault):
    session = _session(vault)
    person, needs_id, _plan = _needs_and_plan(session)
    needs_form = REGISTRY.latest("needs_assessment")

    again = start_record(session, needs_form, person, from_record=AssessmentId(needs_id))
    assert again.id != needs_id and again.status is RecordStatus.DRAFT
    assert again.answers["follows"] == "Care and support needs assessment of 16 November 2026"
    assert again.answers["follows_record"] == needs_id
    assert again.answers["desired_outcomes"] == NEEDS["desired_outcomes"]
    assert "assessment_date" not in again.answers
    assert "person_signature" not in again.answers and "assessor_signature" not in again.answers

    again = _save(
        session,
        again.id,
        {
            "assessment_date": "2027-01-18",
            "out_nutrition_status": "achieved",
            "desired_outcomes": "I want to use the gym showers safely.",
        },
    )
    title, changes = changes_since(session, again)
    assert title == "Care and support needs assessment of 16 November 2026"
    by_label = {c.question: (c.section, c.before, c.after) for c in changes}
    assert by_label["1. Managing and maintaining nutrition"] == (
        "Outcomes 1 to 4: daily living",
        "Unable to achieve this",
        "Can achieve this",
    )
    assert by_label["Date of this assessment"][1:] == ("16 November 2026", "18 January 2027")
    # Achieved now, the question of how they are unable to is no longer asked: said so.
    assert by_label["How they are unable to achieve it"][2] == "Not asked"
    assert by_label["The outcomes the person wants, in their own words"][2] == (
        "I want to use the gym showers safely."
    )
    # Unchanged answers, the link itself and the signatures are not listed.
    assert "Where the person is living now" not in by_label
    assert not {c.path for c in changes} & {"follows", "follows_record", "person_signature"}


def test_reassessment_is_refused_from_a_draft_or_another_persons_assessment(vault):
    session = _session(vault)
    person, needs_id, plan = _needs_and_plan(session)
    needs_form = REGISTRY.latest("needs_assessment")
    with pytest.raises(ValidationError, match="not a needs assessment"):
        start_record(session, needs_form, person, from_record=plan.id)
    other = PersonId(PeopleRepository(vault).add(prisoner(given_name="Ada")).id)
    with pytest.raises(ValidationError, match="about someone else"):
        start_record(session, needs_form, other, from_record=AssessmentId(needs_id))
    draft = start_record(session, needs_form, person)
    with pytest.raises(ValidationError, match="not complete yet"):
        start_record(session, needs_form, person, from_record=draft.id)
    with pytest.raises(ValidationError, match="Only a care and support plan, a review"):
        start_record(session, REGISTRY.latest("financial_assessment"), person, from_record=plan.id)


def test_the_comparison_reads_a_repeating_group_item_by_item_on_the_plan_form():
    form = REGISTRY.latest("care_support_plan")
    before = {
        "plan_date": "2026-11-20",
        "plan_needs": [
            {"need_domain": "nutrition", "how_met": "plan", "met_often": "Each meal"},
        ],
    }
    after = {
        "plan_date": "2026-11-20",
        "plan_needs": [
            {"need_domain": "nutrition", "how_met": "plan", "met_often": "Twice a day"},
            {"need_domain": "hygiene", "how_met": "otherwise"},
        ],
    }
    shown = [(c.question, c.before, c.after) for c in changes_between(form, before, after)]
    assert shown == [
        ("Need 1: How often", "Each meal", "Twice a day"),
        ("Need 2: The need", "Not answered", "Maintaining personal hygiene"),
        (
            "Need 2: How the need is met",
            "Not answered",
            "Otherwise: a carer, another service or the person's own arrangements",
        ),
    ]
    assert changes_between(form, before, before) == []


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_a_completed_review_finalises_to_a_pdf_that_names_the_plan(vault, tmp_path):
    from assessor_app.core.services.documents import finalise_record
    from assessor_app.core.storage.documents import DocumentRepository

    session = _session(vault)
    person, _needs_id, plan = _needs_and_plan(session)
    review = start_record(session, REGISTRY.latest("care_review"), person)
    _save(
        session,
        review.id,
        _review_answers(
            review_outcomes=_outcomes("achieved", "partly"), outcomes_achieved="partly"
        ),
    )
    done = finalise_record(session, review.id)
    text = squash(poppler("pdftotext", DocumentRepository(vault).data(done.document.id), tmp_path))
    assert "Review of the plan" in text
    assert "Care and support plan agreed 20 November 2026" in text
    assert "Partly achieved" in text and "Revise the plan" in text


def test_a_release_from_custody_starts_an_unplanned_review_with_its_reason(vault):
    session = _session(vault)
    person, _needs_id, plan = _needs_and_plan(session)
    reason = custody_review_reason(prisoner(), community_person())
    assert reason == "custody_release"
    assert custody_review_reason(community_person(), prisoner()) == "custody_entry"
    moved = prisoner(establishment_name="HMP Elsewhere (synthetic)")
    assert custody_review_reason(prisoner(), moved) == "custody_transfer"
    assert custody_review_reason(community_person(), community_person()) is None

    found = plan_to_review(session, person)
    assert found is not None and found.id == plan.id
    review = start_review(session, found.id, unplanned_reason=reason)
    assert review.answers["review_reason"] == "unplanned"
    assert review.answers["unplanned_reason"] == "custody_release"
    other = PersonId(PeopleRepository(vault).add(prisoner(given_name="Ada")).id)
    assert plan_to_review(session, other) is None
