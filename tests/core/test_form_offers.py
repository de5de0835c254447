"""Which forms a person's page offers to start: the usual ones in the usual order, the sample
only to developers, and a form whose start check refuses the person last, with the reason."""

from __future__ import annotations

import datetime as dt

from assessor_app.core.records import Person, PersonDetails, PersonId
from assessor_app.core.services.records import forms_to_offer
from assessor_app.core.storage.vault import Vault
from tests.support import community_person, prisoner, session_for

USUAL = [
    "needs_assessment",
    "care_support_plan",
    "care_review",
    "carers_assessment",
    "carers_support_plan",
    "financial_assessment",
    "chc_checklist",
    "chc_dst",
    "chc_fast_track",
]


def _person(details: PersonDetails) -> Person:
    return Person(PersonId("p-1"), details, dt.datetime(2026, 1, 15, tzinfo=dt.UTC))


def test_someone_at_home_is_offered_every_usual_form(vault: Vault) -> None:
    session = session_for(vault, today=dt.date(2026, 1, 15))
    offers = forms_to_offer(session, _person(community_person()))
    assert [o.form.id for o in offers] == USUAL
    assert all(o.refusal is None for o in offers)


def test_developers_are_offered_the_sample_after_the_usual_forms(vault: Vault) -> None:
    session = session_for(vault, today=dt.date(2026, 1, 15))
    offers = forms_to_offer(session, _person(community_person()), developer_forms=True)
    assert [o.form.id for o in offers] == [*USUAL, "sample"]


def test_forms_that_do_not_apply_come_last_with_the_reason(vault: Vault) -> None:
    session = session_for(vault, today=dt.date(2026, 1, 15))
    young = _person(community_person(date_of_birth=dt.date(2010, 6, 1)))
    offers = forms_to_offer(session, young)
    refused = [
        "carers_assessment",
        "carers_support_plan",
        "chc_checklist",
        "chc_dst",
        "chc_fast_track",
    ]
    assert [o.form.id for o in offers] == [f for f in USUAL if f not in refused] + refused
    assert all(o.refusal is None for o in offers[:4])
    for offer in offers[4:]:
        assert offer.refusal is not None and offer.refusal.next_step
    assert "young carers are assessed under the Children Act" in offers[4].refusal.message


def test_a_prisoner_is_offered_the_carers_assessment_whose_block_a_reason_lifts(
    vault: Vault,
) -> None:
    # CA-11: in general not a carer in custody, but the assessor may record why they assess.
    session = session_for(vault, today=dt.date(2026, 1, 15))
    offers = forms_to_offer(session, _person(prisoner()))
    assert [o.form.id for o in offers] == USUAL
    assert all(o.refusal is None for o in offers)
