"""The demo is the first thing a council sees: every demo person's records must fit them.

Checked generally, over many invented people and every form with demo answers, rather than for
a few known people: custody wording only for people in custody, an interpreter exactly when the
person's communication needs call for one, a conviction status and prison number the person's
details accept, and no answer the form's own checks call a contradiction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from assessor_app.core.demo import answers_for, populate_demo, synthetic_people
from assessor_app.core.form_engine.answers import visible_answers
from assessor_app.core.form_engine.evaluation import evaluate
from assessor_app.core.form_engine.prefill import prefill_answers
from assessor_app.core.records import (
    SECURE_SETTINGS,
    Person,
    PersonDetails,
    PersonId,
    conviction_status_misfit,
)
from assessor_app.core.rules import StartContext, get_start_check
from assessor_app.core.storage.people import validate_person_details
from assessor_app.core.storage.vault import Vault
from tests.support import _shipped_forms, session_for

TODAY = dt.date(2026, 11, 23)
CUSTODY_WORDS = re.compile(r"\b(wing|prison\w*|cell|custody|servery|listener|inmate)\b", re.I)
SECURE_WORDS = re.compile(r"\b(wing|cell|servery|listener|inmate)\b", re.I)
CUSTODY_REFERRALS = {"prison_reception", "prison_healthcare", "probation"}
CUSTODY_REFERRALS |= {"youth_custody_professional"}
NEEDS_AN_INTERPRETER = re.compile(r"interpreter|\bBSL\b", re.I)


def texts(value: Any) -> Iterator[str]:
    """Every string inside an answer (repeating groups and choices included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def contradictions(details: PersonDetails, form_id: str, answers: dict[str, Any]) -> list[str]:
    """What in a demo draft does not fit the person it is about."""
    found = []
    custody, secure = details.setting.is_custody, details.setting in SECURE_SETTINGS
    for key, value in answers.items():
        for text in texts(value):
            if not custody and CUSTODY_WORDS.search(text):
                found.append(f"custody wording for someone in {details.setting}: {key}={text!r}")
            elif custody and not secure and SECURE_WORDS.search(text):
                found.append(f"prison wording for someone in {details.setting}: {key}={text!r}")
    if not custody and answers.get("referral_source") in CUSTODY_REFERRALS:
        found.append(f"referral from {answers['referral_source']} for {details.setting}")
    if "interpreter_needed" in answers:
        wanted = bool(NEEDS_AN_INTERPRETER.search(details.communication_needs))
        if answers["interpreter_needed"] is not wanted:
            found.append(
                f"interpreter_needed={answers['interpreter_needed']} for communication needs "
                f"{details.communication_needs!r}"
            )
        if wanted and not answers.get("interpreter_language"):
            found.append("an interpreter with no language")
    if form_id == "carers_assessment":
        cared_for = str(answers.get("cared_for_name", "")).split(" ")[0]
        if cared_for and cared_for not in str(answers.get("carer_desired_outcomes", cared_for)):
            found.append("the carer's outcomes name someone other than the person cared for")
    form = _shipped_forms().latest(form_id)
    evaluation = evaluate(form, answers, today=TODAY)
    # Missing answers are fine in a draft; a contradiction the form's checks find is not.
    found += [
        f"{p.path}: {p.message}"
        for p in evaluation.problems
        if p.path in ("pension_age", "partner_pension_age")
    ]
    found += [
        f"{b.path}: {b.message}" for b in evaluation.blockers if b.path == "conviction_status"
    ]
    return found


def draft(form_id: str, details: PersonDetails) -> dict[str, Any] | None:
    """A demo draft's answers as `populate_demo` makes them (None: not used for this person)."""
    form = _shipped_forms().latest(form_id)
    canned = answers_for(form, details)
    if canned is None:
        return None
    person = Person(PersonId("demo"), details, dt.datetime(2026, 11, 23, tzinfo=dt.UTC))
    return visible_answers(form, canned | prefill_answers(form, person, today=TODAY))


PEOPLE = list(synthetic_people(300, seed=11, today=TODAY))
FORMS_WITH_ANSWERS = ["needs_assessment", "carers_assessment", "financial_assessment"]
FORMS_WITH_ANSWERS += ["chc_checklist", "chc_dst"]


def test_every_demo_person_passes_the_checks_on_a_persons_details() -> None:
    for details in PEOPLE:
        assert validate_person_details(details, today=TODAY).prison_number == details.prison_number
        if details.conviction_status is not None:
            assert conviction_status_misfit(details.setting, details.conviction_status) is None
    # The demo shows every kind of person the checks are about.
    assert {d.setting.is_custody for d in PEOPLE} == {True, False}
    assert any(NEEDS_AN_INTERPRETER.search(d.communication_needs) for d in PEOPLE)


@pytest.mark.parametrize("form_id", FORMS_WITH_ANSWERS)
def test_every_demo_draft_fits_the_person_it_is_about(form_id: str) -> None:
    form = _shipped_forms().latest(form_id)
    used = 0
    for details in PEOPLE:
        if form.start_check and get_start_check(form.start_check)(StartContext(details, TODAY)):
            continue
        answers = draft(form_id, details)
        if answers is None:
            continue
        used += 1
        assert contradictions(details, form_id, answers) == [], details
    assert used >= 50  # the demo uses every form for many kinds of person


def test_the_checks_find_what_the_old_demo_got_wrong() -> None:
    # A woman at home referred by prison healthcare, whose meals wing staff prompted, with a
    # BSL interpreter and no interpreter needed: each is found.
    at_home = PersonDetails(
        "Zoë", "Testington", dt.date(1967, 5, 1), communication_needs="BSL interpreter"
    )
    old = {
        "referral_source": "prison_healthcare",
        "urgent_needs_met": "Wing staff prompted meals.",
        "interpreter_needed": False,
    }
    found = " / ".join(contradictions(at_home, "needs_assessment", old))
    assert "referral from prison_healthcare for own_home" in found
    assert "custody wording for someone in own_home: urgent_needs_met='Wing staff" in found
    assert "interpreter_needed=False for communication needs 'BSL interpreter'" in found
    pension = {"date_of_birth": "1967-05-01", "effective_date": "2025-06-02"}
    pension |= {"assessment_kind": "full", "couple": False, "pension_age": True}
    assert len(contradictions(at_home, "financial_assessment", pension)) == 1


def test_the_demo_vault_holds_only_records_that_fit_their_people(vault: Vault) -> None:
    session = session_for(vault, today=TODAY)
    populate_demo(session, people=40)
    people = session.people.search("", limit=100)
    assert len(people) == 40
    checked = 0
    for person in people:
        for record in session.records.list_for_person(person.id):
            form = session.forms.get(record.form_id, record.form_version)
            assert not form.developers_only, "the demo shows what staff see: no sample form"
            if form.start_check:
                assert (
                    get_start_check(form.start_check)(StartContext(person.details, TODAY)) is None
                )
            answers = session.records.get(record.id).answers
            assert contradictions(person.details, record.form_id, answers) == []
            checked += 1
    assert checked >= 10
