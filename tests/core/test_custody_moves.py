"""Custody moves: a plan review is prompted on every entry to and exit from custody, and on a
transfer; a draft plan follows the move, keeping what the assessor wrote themselves."""

from __future__ import annotations

import datetime as dt

import pytest

from assessor_app.core.records import (
    Assessment,
    AssessmentId,
    ConvictionStatus,
    PersonDetails,
    PersonId,
    RecordStatus,
    Setting,
    custody_move_prompt,
)
from assessor_app.core.services.care_plans import start_plan
from assessor_app.core.services.custody_moves import CustodyMoveFollowUp, follow_custody_move
from assessor_app.core.services.records import complete_record
from assessor_app.core.services.session import Session
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.core.test_care_review import NEEDS, _needs_and_plan
from tests.core.test_care_review import _session as review_session
from tests.support import CUSTODY_PLAN, community_person, prisoner, session_for

TODAY = dt.date(2026, 11, 23)


def _session(vault: Vault) -> Session:
    return session_for(vault, today=TODAY)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (community_person(), prisoner(), "is now in custody (prison)"),
        (prisoner(), community_person(), "has left custody"),
        (
            prisoner(),
            prisoner(establishment_name="HMP Elsewhere (synthetic)"),
            "has moved to HMP Elsewhere (synthetic)",
        ),
        (
            prisoner(),
            prisoner(setting=Setting.APPROVED_PREMISES, establishment_name=""),
            "has moved to another establishment",
        ),
        (community_person(), community_person(setting=Setting.CARE_HOME), None),
        (prisoner(), prisoner(prison_number="Z9999ZZ"), None),
    ],
    ids=["enters", "leaves", "transfer", "to approved premises", "community move", "same place"],
)
def test_custody_moves_prompt_a_plan_review(before, after, expected) -> None:  # type: ignore[no-untyped-def]
    prompt = custody_move_prompt(before, after)
    if expected is None:
        assert prompt is None
    else:
        assert prompt is not None and expected in prompt and "Review" in prompt


def _moved(session: Session, person: PersonId, details: PersonDetails) -> CustodyMoveFollowUp:
    """Save the person's new details, as the details dialog does, and follow the move."""
    before = session.people.get(person).details
    session.people.update(person, details, today=TODAY)
    return follow_custody_move(session, person, before)


def _draft_plan(session: Session, person: PersonId) -> Assessment:
    form = session.forms.latest("needs_assessment")
    needs = session.records.create(person, form.id, form.version, NEEDS)
    complete_record(session, needs.id)
    return start_plan(session, needs.id)


def test_a_transfer_moves_a_draft_plans_establishment_and_keeps_the_custody_section(
    vault: Vault,
) -> None:
    session = _session(vault)
    person = PersonId(PeopleRepository(vault).add(prisoner()).id)
    plan = _draft_plan(session, person)
    assert plan.answers["establishment_name"] == "HMP Nowhere (synthetic)"
    for field_id, value in CUSTODY_PLAN.items():
        session.records.save_field(plan.id, field_id, value)

    done = _moved(session, person, prisoner(establishment_name="HMP Elsewhere (synthetic)"))

    saved = session.records.get(plan.id)
    assert saved.answers["establishment_name"] == "HMP Elsewhere (synthetic)"
    assert saved.answers["setting"] == "prison"
    for field_id, value in CUSTODY_PLAN.items():  # what the assessor planned stays
        assert saved.answers[field_id] == value
    assert saved.status is RecordStatus.DRAFT
    [draft] = done.drafts
    assert draft.plan.id == plan.id and draft.kept == ()
    message = done.message()
    assert "has moved to HMP Elsewhere (synthetic)" in message
    assert (
        "Name of the establishment: now HMP Elsewhere (synthetic) (was HMP Nowhere (synthetic))"
        in message
    )
    # No completed plan yet: nothing to review, only the draft to carry on with.
    assert done.review_reason == "custody_transfer" and done.plan_to_review is None


def test_an_establishment_the_assessor_wrote_themselves_is_kept_and_named(vault: Vault) -> None:
    session = _session(vault)
    person = PersonId(PeopleRepository(vault).add(prisoner()).id)
    plan = _draft_plan(session, person)
    session.records.save_field(plan.id, "establishment_name", "HMP Nowhere, healthcare unit")

    done = _moved(
        session,
        person,
        prisoner(
            establishment_name="HMP Elsewhere (synthetic)",
            conviction_status=ConvictionStatus.REMANDED,
        ),
    )

    saved = session.records.get(plan.id)
    assert saved.answers["establishment_name"] == "HMP Nowhere, healthcare unit"
    assert saved.answers["conviction_status"] == "remanded"  # carried, so it follows
    [draft] = done.drafts
    assert [a.question for a in draft.kept] == ["Name of the establishment"]
    assert [a.question for a in draft.followed] == ["Conviction status"]
    message = done.message()
    assert "you had written these yourself" in message
    assert (
        "Name of the establishment: kept as HMP Nowhere, healthcare unit (their details now "
        "say HMP Elsewhere (synthetic))" in message
    )
    assert "Conviction status: now Remanded in custody (was Sentenced)" in message


def test_a_release_clears_a_draft_plans_establishment_and_offers_the_completed_plans_review(
    vault: Vault,
) -> None:
    session = review_session(vault)
    person, needs_id, completed = _needs_and_plan(session)
    draft = start_plan(session, AssessmentId(needs_id))  # a new plan in the making

    done = _moved(session, person, community_person(given_name="Łukasz"))

    saved = session.records.get(draft.id)
    assert saved.answers["setting"] == "own_home"
    assert saved.answers.get("establishment_name") is None
    assert saved.answers.get("conviction_status") is None
    # The completed plan keeps what was agreed; it is the one to review.
    assert session.records.get(completed.id).answers == completed.answers
    assert done.plan_to_review is not None and done.plan_to_review.id == completed.id
    assert done.review_reason == "custody_release"
    message = done.message()
    assert "has left custody" in message
    assert "Where the person is living now: now Own home (was Prison)" in message
    assert "Name of the establishment: cleared (was HMP Nowhere (synthetic))" in message


def test_details_that_are_no_custody_change_leave_a_draft_plan_alone(vault: Vault) -> None:
    session = _session(vault)
    person = PersonId(PeopleRepository(vault).add(prisoner()).id)
    plan = _draft_plan(session, person)

    done = _moved(session, person, prisoner(address="Wing C, HMP Nowhere (synthetic)"))

    assert done.drafts == () and done.message() == "" and done.plan_to_review is None
    assert session.records.get(plan.id).answers == plan.answers


def test_a_completed_plan_is_never_changed_by_a_move(vault: Vault) -> None:
    session = review_session(vault)
    person, _needs_id, completed = _needs_and_plan(session)

    done = _moved(session, person, prisoner(establishment_name="HMP Elsewhere (synthetic)"))

    assert done.drafts == ()
    assert session.records.get(completed.id).answers["establishment_name"] == (
        "HMP Nowhere (synthetic)"
    )
    assert done.plan_to_review is not None and done.plan_to_review.id == completed.id
