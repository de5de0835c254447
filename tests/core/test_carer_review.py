"""A carer's support plan reviewed like a care and support plan (Care Act s27 applies to both),
as an assessor walks it: carer's assessment, carer's support plan, its review due on the To do
list, the review started from it (naming the plan and the carer's assessment behind it), and
completed finding a reassessment, which starts a carer's assessment from the previous one; or
a revised plan, which starts a carer's support plan.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.errors import ValidationError
from assessor_app.core.records import Assessment, AssessmentId, PersonId, RecordStatus
from assessor_app.core.rules.reviews import review_due
from assessor_app.core.services.records import complete_record, start_record
from assessor_app.core.services.reviews import (
    changes_since,
    latest_plan,
    next_record_offer,
    plan_to_review,
    start_from_review,
)
from assessor_app.core.services.session import Session
from assessor_app.core.services.todo import TodoItem, TodoKind, work_out
from assessor_app.core.settings import Settings
from assessor_app.core.storage.vault import Vault
from tests.core.test_care_review import _needs_and_plan, _review_answers
from tests.core.test_carer_support_plan import (
    CARER,
    REGISTRY,
    SIGNED,
    _by_plan,
    _carer,
    _carers_assessment,
    _otherwise,
)
from tests.core.test_cli import PASS, cli, profile  # noqa: F401 - fixtures
from tests.support import session_for

AGREED = dt.date(2026, 11, 20)
REVIEW_DUE = dt.date(2027, 1, 15)  # 8 weeks after the plan was agreed (the default)
PLAN_TITLE = "Carer's support plan agreed 20 November 2026"
ASSESSMENT_TITLE = "Carer's assessment of 16 November 2026"


def _on(vault: Vault, day: dt.date) -> Session:
    return session_for(vault, REGISTRY, today=day)


def _save(session: Session, record_id: str, answers: dict[str, Any]) -> Assessment:
    for field_id, value in answers.items():
        session.records.save_field(record_id, field_id, value)
    return session.records.get(record_id)


def _carer_with_plan(session: Session) -> tuple[PersonId, AssessmentId, Assessment]:
    """A carer with a completed carer's assessment and the completed plan made from it."""
    carer = PersonId(_carer(session))
    source = _carers_assessment(session, carer)
    form = REGISTRY.latest("carers_support_plan")
    plan = start_record(session, form, carer, from_record=source)
    recreation, health = plan.answers["plan_needs"]
    _save(
        session,
        plan.id,
        {
            **SIGNED,
            "dp_choice": "declines",
            "plan_needs": [_by_plan(recreation, 6000), _otherwise(health)],
        },
    )
    return carer, source, complete_record(session, plan.id)


def _reviews_due(session: Session) -> list[TodoItem]:
    return [i for i in work_out(session) if i.kind is TodoKind.REVIEW]


def _carer_review_answers(result: str) -> dict[str, Any]:
    return _review_answers(
        review_date="2027-01-12",
        participants=["carer"],
        participants_named="Zoë Quillfeather, the person Ifeoma cares for",
        prevention_reconsidered="The carers' café and a carers' emergency card, again.",
        review_outcomes=[
            {
                "outcome_need": "Engaging in recreational activities",
                "outcome_wanted": "To get back to the walking group on Thursdays.",
                "outcome_result": "achieved",
                "outcome_view": "I walk every Thursday now.",
            },
            {
                "outcome_need": "The effect of caring on the carer's physical or mental health",
                "outcome_wanted": "To sleep through the night twice a week.",
                "outcome_result": "not_achieved",
                "outcome_view": "Zoë's nights are worse since October; I am up most nights.",
            },
        ],
        outcomes_achieved="partly",
        review_result=result,
        result_reason="Zoë now needs help at night most nights, so caring has changed.",
        assessor_signature={"typed": True, "name": "Alex Assessor", "signed_on": "2027-01-12"},
    )


def test_a_carers_plan_is_reviewed_and_a_reassessment_starts_from_the_carers_assessment(
    vault: Vault,
) -> None:
    session = _on(vault, dt.date(2026, 11, 23))
    carer, source, plan = _carer_with_plan(session)
    assert review_due(plan, [], Settings()) == REVIEW_DUE
    assert _reviews_due(session) == []  # not yet: it joins four weeks before it is due

    # Four weeks before: "Review the carer's support plan", and Enter starts it from the plan.
    session = _on(vault, dt.date(2027, 1, 10))
    [item] = _reviews_due(session)
    assert item.what == "Review the carer's support plan"
    assert (item.person_id, item.record_id, item.start_form, item.due) == (
        carer,
        plan.id,
        "care_review",
        REVIEW_DUE,
    )
    assert "agreed on 20 November 2026" in item.why and "Care Act 2014 s27" in item.why
    review = start_record(
        session, REGISTRY.latest("care_review"), carer, from_record=AssessmentId(plan.id)
    )
    assert review.answers["plan_reviewed"] == PLAN_TITLE
    assert review.answers["plan_record"] == plan.id
    assert review.answers["needs_reviewed"] == ASSESSMENT_TITLE
    assert review.answers["needs_record"] == source
    # Each need of the plan, with the outcome the carer wanted, by the carer plan's own names.
    assert review.answers["review_outcomes"] == [
        {
            "outcome_need": "Engaging in recreational activities",
            "outcome_wanted": "To get back to the walking group on Thursdays.",
        },
        {
            "outcome_need": "The effect of caring on the carer's physical or mental health",
            "outcome_wanted": "To sleep through the night twice a week.",
        },
    ]
    [item] = _reviews_due(session)
    assert (item.what, item.record_id, item.start_form) == (
        "Finish the review of the carer's support plan",
        review.id,
        None,
    )

    session = _on(vault, dt.date(2027, 1, 12))  # the day of the review
    _save(session, review.id, _carer_review_answers("reassessment"))
    done = complete_record(session, review.id)
    assert done.status is RecordStatus.COMPLETED
    assert _reviews_due(session) == []  # the next is a year after this review
    assert _reviews_due(_on(vault, dt.date(2027, 12, 20))) != []
    assert next_record_offer(done) == (
        "The review found the needs have changed. Start the reassessment now, from the "
        "carer's assessment of 16 November 2026?"
    )

    again = start_from_review(session, done.id)
    assert (again.form_id, again.person_id, again.status) == (
        "carers_assessment",
        carer,
        RecordStatus.DRAFT,
    )
    assert again.answers["follows"] == ASSESSMENT_TITLE
    assert again.answers["follows_record"] == source
    assert again.answers["cared_for_name"] == CARER["cared_for_name"]
    assert again.answers["c_recreation_narrative"] == CARER["c_recreation_narrative"]
    assert "assessment_date" not in again.answers
    assert "carer_signature" not in again.answers

    # "What changed since" compares it with the carer's assessment it follows.
    again = _save(
        session,
        again.id,
        {"assessment_date": "2027-01-12", "health_details": "Up most nights with Zoë."},
    )
    title, changes = changes_since(session, again)
    assert title == ASSESSMENT_TITLE
    by_path = {c.path: (c.before, c.after) for c in changes}
    assert by_path["assessment_date"] == ("16 November 2026", "12 January 2027")
    assert by_path["health_details"] == (CARER["health_details"], "Up most nights with Zoë.")
    assert not set(by_path) & {"follows", "follows_record", "cared_for_name"}


def test_a_review_finding_a_revised_plan_starts_a_carers_support_plan_from_it(
    vault: Vault,
) -> None:
    session = _on(vault, dt.date(2027, 1, 12))
    carer, source, plan = _carer_with_plan(session)
    review = start_record(session, REGISTRY.latest("care_review"), carer)  # their latest plan
    assert review.answers["plan_record"] == plan.id
    _save(session, review.id, _carer_review_answers("revised_plan"))
    done = complete_record(session, review.id)
    assert next_record_offer(done) == (
        f"The review found the plan must change. Start the revised plan now, from {PLAN_TITLE}?"
    )
    revised = start_from_review(session, done.id)
    assert (revised.form_id, revised.person_id) == ("carers_support_plan", carer)
    assert revised.answers["needs_record"] == source
    assert revised.answers["cared_for_name"] == CARER["cared_for_name"]
    # Its needs and how they are met come from the plan it revises, to check again.
    assert revised.answers["plan_needs"] == plan.answers["plan_needs"]
    assert "plan_date" not in revised.answers


def test_a_person_with_both_kinds_of_plan_has_each_reviewed_and_custody_offers_only_theirs(
    vault: Vault,
) -> None:
    session = _on(vault, dt.date(2027, 1, 15))  # the day the care plan's signatures give
    person, _needs_id, care_plan = _needs_and_plan(session)
    source = _carers_assessment(session, person)
    form = REGISTRY.latest("carers_support_plan")
    carer_plan = start_record(session, form, person, from_record=source)
    recreation, health = carer_plan.answers["plan_needs"]
    _save(
        session,
        carer_plan.id,
        {
            **SIGNED,
            "dp_choice": "declines",
            "plan_needs": [_by_plan(recreation, 6000), _otherwise(health)],
        },
    )
    carer_plan = complete_record(session, carer_plan.id)

    # Both reviews are due on the list, each starting from its own plan.
    due = {(i.what, i.record_id) for i in _reviews_due(session)}
    assert due == {
        ("Review the care and support plan", care_plan.id),
        ("Review the carer's support plan", carer_plan.id),
    }
    # The latest of either is the one a review starts from unless one is named.
    assert latest_plan(session, person).id == carer_plan.id
    review = start_record(
        session, REGISTRY.latest("care_review"), person, from_record=AssessmentId(care_plan.id)
    )
    assert review.answers["needs_reviewed"] == (
        "Care and support needs assessment of 16 November 2026"
    )
    # A custody move offers a review of their care and support plan, never of the carer's.
    plan = plan_to_review(session, person)
    assert plan is not None and plan.id == care_plan.id


def test_a_review_is_refused_from_an_assessment_and_a_reassessment_across_forms(
    vault: Vault,
) -> None:
    session = _on(vault, dt.date(2027, 1, 10))
    carer, source, plan = _carer_with_plan(session)
    review_form = REGISTRY.latest("care_review")
    with pytest.raises(ValidationError, match="is not a plan: a review starts from a care"):
        start_record(session, review_form, carer, from_record=source)
    # A needs assessment is never started from a carer's assessment, nor the other way.
    with pytest.raises(ValidationError, match="This record is not a needs assessment"):
        start_record(session, REGISTRY.latest("needs_assessment"), carer, from_record=source)
    with pytest.raises(ValidationError, match="This record is not a carer's assessment"):
        start_record(
            session, REGISTRY.latest("carers_assessment"), carer, from_record=AssessmentId(plan.id)
        )
    again = start_record(session, REGISTRY.latest("carers_assessment"), carer, from_record=source)
    assert again.answers["follows_record"] == source


def test_without_a_completed_plan_of_either_kind_no_review_starts(vault: Vault) -> None:
    session = _on(vault, dt.date(2027, 1, 10))
    carer = PersonId(_carer(session))
    _carers_assessment(session, carer)
    with pytest.raises(
        ValidationError,
        match="no completed care and support plan or carer's support plan, so there is no plan",
    ):
        start_record(session, REGISTRY.latest("care_review"), carer)


def test_the_cli_starts_a_review_from_a_carers_plan_and_the_reassessment_it_found(
    cli: Any,  # noqa: F811 - the fixture
    profile: str,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    vault = Vault.open(tmp_path / "data", profile, PASS)
    carer, source, plan = _carer_with_plan(_on(vault, dt.date(2027, 1, 12)))
    vault.close()
    code, out, err = cli("record", "start", "--from", plan.id)
    assert code == 0, err
    review_id = out.strip()
    vault = Vault.open(tmp_path / "data", profile, PASS)
    try:
        session = _on(vault, dt.date(2027, 1, 12))
        review = session.records.get(review_id)
        assert (review.form_id, review.person_id) == ("care_review", carer)
        assert review.answers["plan_reviewed"] == PLAN_TITLE
        _save(session, review_id, _carer_review_answers("reassessment"))
        complete_record(session, AssessmentId(review_id))
    finally:
        vault.close()
    code, out, err = cli("record", "start", "--from", review_id)
    assert code == 0, err
    vault = Vault.open(tmp_path / "data", profile, PASS)
    try:
        again = _on(vault, dt.date(2027, 1, 12)).records.get(out.strip())
    finally:
        vault.close()
    assert (again.form_id, again.answers["follows_record"]) == ("carers_assessment", source)
