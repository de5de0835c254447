"""The financial assessment form end to end in the core: the charge and its statement through
`forms evaluate`, and a completed record keeping its rates table so it never changes."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.form_engine.evaluation import evaluate
from assessor_app.core.paths import default_forms_dir, resources_dir
from assessor_app.core.rules import charging as charging_rules
from assessor_app.core.services.records import complete_record, start_record
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.conftest import REPO_ROOT
from tests.core.test_cli import PASS, cli, profile  # noqa: F401 - fixtures
from tests.support import community_person, session_for

ANSWERS: dict[str, Any] = json.loads(
    (REPO_ROOT / "tests/fixtures/forms/answers/financial_home.json").read_text(encoding="utf-8")
)
assert PASS


def test_forms_evaluate_gives_the_charge_and_its_breakdown(cli) -> None:  # noqa: F811
    path = REPO_ROOT / "tests/fixtures/forms/answers/financial_home.json"
    code, out, _ = cli("forms", "evaluate", "financial_assessment", str(path))
    result = json.loads(out)
    assert code == 0 and result["completable"] is True
    charge = result["outcomes"]["charge"]
    # Hand-checked: £17,500 capital -> 13 steps of £250 above £14,250 -> £13 tariff.
    # £230 + £433.33 x 12 / 52 (= £100.00) + £73 + £13 = £416.00;
    # less MIG £232.60, housing £25.00 and DRE £4.50 = £153.90, under the £320 cost.
    assert charge["value"] == 15_390
    assert charge["label"] == "£153.90 a week"
    assert "Tariff income: £13.00" in charge["reasons"][3]
    # The charge's reasons are the person's statement only; checks for staff are apart.
    assert not any("Check" in r or "not confirmed" in r for r in charge["reasons"])
    checks = result["outcomes"]["charge_checks"]
    assert checks["value"] == 1 and checks["label"] == "1 thing to check"
    assert checks["reasons"] == [
        "The figure 'Minimum Income Guarantee, single person at Pension Credit age' (£232.60) "
        "in table england-2025-26 version 1 is not confirmed; check it before telling the "
        "person."
    ]
    assert result["outcomes"]["charge_rates"]["value"].startswith("england-2025-26@1#")
    assert result["outcomes"]["charge_rates"]["value"].endswith("+none")


FORM = load_forms_dir(default_forms_dir()).latest("financial_assessment")
TODAY = dt.date(2025, 6, 2)


def _evaluate(answers: dict[str, Any]) -> Any:
    return evaluate(FORM, answers, today=TODAY)


def _reason(outcome: Any, start: str) -> str:
    found = [r for r in outcome.reasons if r.startswith(start)]
    assert len(found) == 1, (start, outcome.reasons)
    return str(found[0])


@pytest.fixture
def rates_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "rates"
    shutil.copytree(resources_dir() / "rates", folder)
    monkeypatch.setenv("ASSESSOR_RATES_DIR", str(folder))
    return folder


WORKING_AGE = {**ANSWERS, "date_of_birth": "1985-01-01", "pension_age": False}
"""Aged 40, so the Exampleshire override's £120.00 MIG would apply: £416.00 - £25.00 - £4.50
less the national MIG £112.50 is £274.00; less the local £120.00 it is £266.50."""

EXAMPLE_OVERRIDE = REPO_ROOT / "tests/fixtures/rates/overrides/exampleshire-2025.yaml"


def _complete(vault: Vault, answers: dict[str, Any]) -> Any:
    registry = load_forms_dir(default_forms_dir())
    form = registry.latest("financial_assessment")
    records = AssessmentRepository(vault)
    person = PeopleRepository(vault).add(community_person())
    record = start_record(session_for(records, today=dt.date(2025, 6, 2)), form, person.id)
    for key, value in answers.items():
        if record.answers.get(key) != value:
            records.save_field(record.id, key, value)
    return complete_record(session_for(records, registry, today=dt.date(2025, 6, 9)), record.id)


def _charge_later(answers: dict[str, Any]) -> Any:
    charging_rules._registry.cache_clear()
    return evaluate(FORM, answers, today=dt.date(2027, 1, 1)).outcomes["charge"]


def test_an_override_added_after_completion_never_changes_the_charge(
    vault: Vault, rates_copy: Path
) -> None:
    done = _complete(vault, WORKING_AGE)
    assert done.answers["rates_table_used"].endswith("+none")
    assert _charge_later(done.answers).value == 27_400
    # The council signs off a more generous MIG afterwards, applying from before the charge.
    (rates_copy / "overrides").mkdir(exist_ok=True)
    shutil.copy(EXAMPLE_OVERRIDE, rates_copy / "overrides" / "exampleshire-2025.yaml")
    assert _charge_later(done.answers).value == 27_400
    # A new record for the same date does use it.
    fresh = {k: v for k, v in done.answers.items() if k != "rates_table_used"}
    assert _charge_later(fresh).value == 26_650


def test_a_completed_record_keeps_its_override_and_refuses_a_changed_or_missing_one(
    vault: Vault, rates_copy: Path
) -> None:
    overrides = rates_copy / "overrides"
    overrides.mkdir(exist_ok=True)
    installed = overrides / "exampleshire-2025.yaml"
    shutil.copy(EXAMPLE_OVERRIDE, installed)
    charging_rules._registry.cache_clear()
    done = _complete(vault, WORKING_AGE)
    pin = done.answers["rates_table_used"]
    assert "+exampleshire-county-council@2025-04-06#" in pin
    assert _charge_later(done.answers).value == 26_650
    text = EXAMPLE_OVERRIDE.read_text(encoding="utf-8")

    # A later override (from a later date) is added: the record keeps the one it used.
    later = text.replace("applies_from: 2025-04-06", "applies_from: 2025-05-01").replace(
        "value: 12000", "value: 13000"
    )
    (overrides / "exampleshire-2025-05.yaml").write_text(later, encoding="utf-8")
    assert _charge_later(done.answers).value == 26_650
    (overrides / "exampleshire-2025-05.yaml").unlink()

    # Rewording a reason changes no penny: still reproducible.
    installed.write_text(text.replace("Local policy:", "Local policy (reworded):"), "utf-8")
    assert _charge_later(done.answers).value == 26_650

    # Changing a value in place: refused, never a different figure.
    installed.write_text(text.replace("value: 12000", "value: 12500"), encoding="utf-8")
    outcome = _charge_later(done.answers)
    assert outcome.value is None
    assert "local charging figures applying from 6 April 2025 have changed" in outcome.reasons[0]

    # Adding a figure to it also changes what the record could be worked out with: refused.
    added = text + "  mig_single_pension_age:\n    value: 25000\n    reason: Local.\n"
    installed.write_text(added, encoding="utf-8")
    assert _charge_later(done.answers).value is None

    # Removed: refused.
    installed.unlink()
    outcome = _charge_later(done.answers)
    assert outcome.value is None
    assert "are no longer installed" in outcome.reasons[0]
    rates = evaluate(FORM, done.answers, today=dt.date(2027, 1, 1)).outcomes["charge_rates"]
    assert rates.value is None


@pytest.mark.usefixtures("rates_copy")
def test_a_pin_kept_before_overrides_were_pinned_is_refused() -> None:
    # Whether local figures were used then is unknown, so no figure is safer than a guess.
    charging_rules._registry.cache_clear()
    pinned = _evaluate(ANSWERS).outcomes["charge_rates"].value
    assert isinstance(pinned, str)
    old_style = pinned.partition("+")[0]
    outcome = _charge_later({**ANSWERS, "rates_table_used": old_style})
    assert outcome.value is None
    assert "before the app kept the authority's local figures" in outcome.reasons[0]
    assert _charge_later({**ANSWERS, "rates_table_used": pinned}).value == 15_390
    broken = _charge_later({**ANSWERS, "rates_table_used": old_style + "+someone@2025-13-01#ab"})
    assert broken.value is None and "cannot be read" in broken.reasons[0]


def test_a_completed_record_keeps_its_table_and_refuses_a_changed_one(
    vault: Vault, rates_copy: Path
) -> None:
    registry = load_forms_dir(default_forms_dir())
    form = registry.latest("financial_assessment")
    records = AssessmentRepository(vault)
    person = PeopleRepository(vault).add(community_person())
    record = start_record(session_for(records, today=dt.date(2025, 6, 2)), form, person.id)
    for key, value in ANSWERS.items():
        if key not in record.answers:
            records.save_field(record.id, key, value)
    done = complete_record(session_for(records, registry, today=dt.date(2025, 6, 9)), record.id)
    pin = done.answers["rates_table_used"]
    assert pin.startswith("england-2025-26@1#")
    later = dt.date(2027, 1, 1)
    assert evaluate(form, done.answers, today=later).outcomes["charge"].value == 15_390

    # An administrator confirms a figure: the record is still reproducible.
    table = rates_copy / "england-2025-26-v1.yaml"
    text = table.read_text(encoding="utf-8")
    table.write_text(text.replace("status: unconfirmed", "status: confirmed", 1), encoding="utf-8")
    charging_rules._registry.cache_clear()
    assert evaluate(form, done.answers, today=later).outcomes["charge"].value == 15_390

    # Someone changes a value in place: the old record must not silently change.
    table.write_text(text.replace("value: 23260", "value: 23270"), encoding="utf-8")
    charging_rules._registry.cache_clear()
    outcome = evaluate(form, done.answers, today=later).outcomes["charge"]
    assert outcome.value is None
    assert "has changed since this record was completed" in outcome.reasons[0]


@pytest.mark.parametrize(
    ("born", "pension_age", "refused"),
    [
        ("1967-08-14", True, "reaches Pension Credit qualifying age at 67 on 14 August 2034"),
        ("1967-08-14", False, None),
        ("1990-01-01", True, "at 68 on 1 January 2058, after the charge takes effect"),
        ("1948-03-14", False, "reached Pension Credit qualifying age at 60 on 14 March 2008"),
        ("1951-09-20", False, "reached Pension Credit qualifying age on 6 March 2013"),
        ("1948-03-14", True, None),
        # 66 on 1 January 2025, before the 2 June 2025 charge date.
        ("1959-01-01", False, "at 66 on 1 January 2025, by the time the charge takes effect"),
        ("1959-01-01", True, None),
        # 66 on 2 June 2025, the charge date itself: reached.
        ("1959-06-02", True, None),
        ("1959-06-03", True, "at 66 on 3 June 2025, after the charge takes effect"),
    ],
    ids=str,
)
def test_pension_age_is_refused_at_the_question_when_it_contradicts_the_date_of_birth(
    born: str, pension_age: bool, refused: str | None
) -> None:
    answers = {**ANSWERS, "date_of_birth": born, "pension_age": pension_age}
    result = _evaluate(answers)
    at_question = [p.message for p in result.problems if p.path == "pension_age"]
    if refused is None:
        assert at_question == [] and result.completable
        assert result.outcomes["charge"].value is not None
        return
    # A problem with the answers, so the editor shows it as it is typed, not only on finalising.
    [message] = at_question
    assert refused in message and "it decides the Minimum Income Guarantee" in message
    assert not result.completable and result.blockers == ()
    # No charge is shown with the wrong Minimum Income Guarantee.
    charge = result.outcomes["charge"]
    assert charge.value is None and charge.reasons[0] == message


def test_the_worked_out_qualifying_age_is_shown_with_the_law_it_comes_from() -> None:
    shown = _evaluate({**ANSWERS, "date_of_birth": "1960-07-31"}).outcomes["pension_credit_age"]
    assert shown.value is False
    assert shown.label == "Not reached: reached on 30 November 2026 (66 years and 4 months)"
    assert shown.reasons[0].startswith(
        "Born 31 July 1960: Pension Credit qualifying age at 66 years and 4 months on 30 "
        "November 2026, a woman's State Pension age for that date of birth (Pensions Act 2014"
    )
    assert shown.reasons[1] == "The charge takes effect on 2 June 2025, before that day."
    reached = _evaluate(ANSWERS).outcomes["pension_credit_age"]
    assert (reached.value, reached.label) == (True, "Reached on 14 March 2008 (60)")
    unknown = _evaluate({k: v for k, v in ANSWERS.items() if k != "date_of_birth"})
    assert unknown.outcomes["pension_credit_age"].value is None


def test_a_member_of_a_couple_past_qualifying_age_cannot_say_neither_has_reached_it() -> None:
    couple = {k: v for k, v in ANSWERS.items() if k not in ("pension_age", "lone_parent")}
    couple |= {"couple": True, "partner_pension_age": False}
    result = _evaluate(couple)
    [problem] = [p for p in result.problems if p.path == "partner_pension_age"]
    assert "reached Pension Credit qualifying age at 60 on 14 March 2008" in problem.message
    assert "so the answer is Yes whatever their partner's age" in problem.message
    # Younger than qualifying age: the partner may be older, so either answer stands.
    younger = {**couple, "date_of_birth": "1980-05-05"}
    assert "partner_pension_age" not in [p.path for p in _evaluate(younger).problems]
    assert "partner_pension_age" not in [
        p.path for p in _evaluate({**younger, "partner_pension_age": True}).problems
    ]


def test_a_charge_that_cannot_be_worked_out_blocks_completion() -> None:
    form = load_forms_dir(default_forms_dir()).latest("financial_assessment")
    answers = {**ANSWERS, "dre_standard": True}  # no authority standard allowance installed
    del answers["dre_items"]
    result = evaluate(form, answers, today=dt.date(2025, 6, 2))
    assert result.outcomes["charge"].value is None
    assert [b.path for b in result.blockers] == ["charge"]


# --- Reablement after week 6 (FC-02) ----------------------------------------------------------

REABLEMENT = {**ANSWERS, "free_service": "reablement", "service_start_date": "2025-04-01"}
"""Started 1 April: the free 6 weeks ended on 12 May, before the 2 June charge date."""


def test_reablement_after_week_6_stays_free_without_a_recorded_decision() -> None:
    result = _evaluate(REABLEMENT)
    charge = result.outcomes["charge"]
    assert (charge.value, charge.label) == (0, "£0.00 a week (No charge: the service must be free)")
    assert "has not recorded a decision to charge for it from week 7, so it stays free" in (
        _reason(charge, "Free service")
    )
    assert result.completable


def test_reablement_after_week_6_is_charged_from_a_recorded_decision() -> None:
    decided = {**REABLEMENT, "charge_from_week_7": True}
    missing = _evaluate(decided)
    assert [p.path for p in missing.problems] == ["charge_decision_date"]
    charged = _evaluate({**decided, "charge_decision_date": "2025-05-20"})
    assert charged.outcomes["charge"].value == 15_390  # the usual calculation
    assert "decided on 20 May 2025" in _reason(charged.outcomes["charge"], "Free period ended")
    assert charged.completable
    later = _evaluate({**decided, "charge_decision_date": "2025-06-02"}).outcomes["charge"]
    assert later.value == 15_390  # on the decision date itself
    early = {**decided, "charge_decision_date": "2025-06-01", "effective_date": "2025-05-31"}
    assert _evaluate(early).outcomes["charge"].value == 0
    # The questions are only for reablement and intermediate care.
    other = _evaluate({**ANSWERS, "charge_from_week_7": True})
    assert "charge_decision_date" not in [p.path for p in other.problems]
    assert other.outcomes["charge"].value == 15_390


# --- Housing costs in a temporary stay ---------------------------------------------------------


def test_housing_costs_are_asked_and_taken_off_for_a_temporary_care_home_stay() -> None:
    # SI 2014/2672 Sch 1 para 2. Temporary: the home is not counted, AA is disregarded.
    # £230.00 + £100.00 + £13.00 tariff = £343.00, less PEA £30.65 and housing £25.00
    # = £287.35, under the £320.00 cost. Disability-related expenses are not asked.
    temporary = {k: v for k, v in ANSWERS.items() if k not in ("dre_standard", "dre_items")} | {
        "care_type": "temporary_care_home"
    }
    result = _evaluate(temporary)
    assert result.problems == ()
    charge = result.outcomes["charge"]
    assert _reason(charge, "Less housing costs").startswith("Less housing costs: £25.00")
    assert charge.value == 28_735
    without = {k: v for k, v in temporary.items() if k != "housing_costs"}
    assert [p.path for p in _evaluate(without).problems] == ["housing_costs"]
    # Care at home asks both; a permanent place asks neither.
    home = _evaluate({k: v for k, v in ANSWERS.items() if k != "dre_standard"})
    assert [p.path for p in home.problems] == ["dre_standard"]
    permanent = {k: v for k, v in without.items()} | {
        "care_type": "permanent_care_home",
        "first_permanent_admission": False,
    }
    assert _evaluate(permanent).problems == ()


# --- Couples and Pension Credit age -------------------------------------------------------------


def test_a_60_year_old_whose_partner_is_70_gets_the_couple_pension_age_amount() -> None:
    couple = {k: v for k, v in ANSWERS.items() if k not in ("pension_age", "lone_parent")} | {
        "date_of_birth": "1965-01-01",
        "couple": True,
        "partner_pension_age": True,
    }
    result = _evaluate(couple)
    assert result.problems == () and result.blockers == ()
    mig = _reason(result.outcomes["charge"], "Less Minimum Income Guarantee")
    assert "member of a couple at Pension Credit age" in mig
    # The person's own answer is not asked for a couple, so their age cannot block it.
    assert _evaluate({**couple, "pension_age": True}).blockers == ()
    # Neither has reached it: the couple (18 or over) amount, still not blocked.
    younger = _evaluate({**couple, "partner_pension_age": False})
    assert younger.blockers == ()
    assert "member of a couple aged 18 or over" in _reason(
        younger.outcomes["charge"], "Less Minimum Income Guarantee"
    )
    # A couple must answer it.
    unanswered = {k: v for k, v in couple.items() if k != "partner_pension_age"}
    assert [p.path for p in _evaluate(unanswered).problems] == ["partner_pension_age"]
    # A single 60-year-old recorded at Pension Credit age is still refused, at the question.
    single = _evaluate({**ANSWERS, "date_of_birth": "1965-01-01"})
    assert [p.path for p in single.problems] == ["pension_age"] and not single.completable


# --- Capital: joint owners and other disregards -------------------------------------------------


def test_30000_owned_by_3_people_counts_10000() -> None:
    joint = {"asset_kind": "savings", "asset_value": 3_000_000, "asset_joint": True}
    result = _evaluate({**ANSWERS, "assets": [{**joint, "asset_owners": 3}]})
    assert result.problems == ()
    charge = result.outcomes["charge"]
    assert _reason(charge, "Capital: Savings") == (
        "Capital: Savings: £10,000.00 (1/3 share of £30,000.00; counted)"
    )
    assert _reason(charge, "Total capital counted").startswith("Total capital counted: £10,000.00")
    # A per cent share, when evidence shows one, replaces the equal share.
    half = {**joint, "asset_owners": 3, "asset_share_percent": 50}
    shared = _evaluate({**ANSWERS, "assets": [half]})
    assert _reason(shared.outcomes["charge"], "Capital: Savings").startswith(
        "Capital: Savings: £15,000.00"
    )
    # The number of owners is needed, is at least 2, and a share is at least 1 per cent.
    paths = [p.path for p in _evaluate({**ANSWERS, "assets": [joint]}).problems]
    assert paths == ["assets[0].asset_owners"]
    bad = {**joint, "asset_owners": 1, "asset_share_percent": 0}
    paths = [p.path for p in _evaluate({**ANSWERS, "assets": [bad]}).problems]
    assert paths == ["assets[0].asset_owners", "assets[0].asset_share_percent"]


def test_capital_not_counted_for_another_reason_shows_the_reason() -> None:
    trust = {
        "asset_kind": "investments",
        "asset_description": "Compensation",
        "asset_value": 5_000_000,
        "asset_joint": False,
        "asset_disregard_other": True,
    }
    assert [p.path for p in _evaluate({**ANSWERS, "assets": [trust]}).problems] == [
        "assets[0].asset_disregard_reason"
    ]
    trust["asset_disregard_reason"] = "Held in a personal injury trust"
    result = _evaluate({**ANSWERS, "assets": [*ANSWERS["assets"], trust]})
    assert result.problems == ()
    charge = result.outcomes["charge"]
    assert _reason(charge, "Capital: Compensation") == (
        "Capital: Compensation: £50,000.00 (not counted, for another reason: Held in a personal "
        "injury trust)"
    )
    assert charge.value == 15_390  # as without it


# --- Income ------------------------------------------------------------------------------------


def test_war_pension_constant_attendance_allowance_is_a_counted_income() -> None:
    kinds = {o.value: o for o in FORM.field("income_kind").options}
    assert kinds["war_pension_caa"].label == "War pension: Constant Attendance Allowance"
    assert "Constant Attendance Allowance" in (kinds["war_pension"].help or "")
    caa = {"income_kind": "war_pension_caa", "income_amount": 1_000, "income_frequency": "weekly"}
    result = _evaluate({**ANSWERS, "incomes": [*ANSWERS["incomes"], caa]})
    assert result.problems == ()
    charge = result.outcomes["charge"]
    assert _reason(charge, "Income: War Pension Constant") == (
        "Income: War Pension Constant Attendance Allowance: £10.00 (counted in full)"
    )
    assert charge.value == 15_390 + 1_000


def test_child_benefit_is_an_income_kind_that_is_not_counted() -> None:
    kinds = {o.value: o for o in FORM.field("income_kind").options}
    assert kinds["child_benefit"].label == (
        "Child Benefit, Child Tax Credit or Guardian's Allowance"
    )
    child = {"income_kind": "child_benefit", "income_amount": 8_000, "income_frequency": "weekly"}
    result = _evaluate({**ANSWERS, "incomes": [*ANSWERS["incomes"], child]})
    assert result.problems == ()
    charge = result.outcomes["charge"]
    assert _reason(charge, "Income: Child Benefit") == (
        "Income: Child Benefit, Child Tax Credit or Guardian's Allowance: £0.00 "
        "(disregarded in full)"
    )
    assert charge.value == 15_390  # as without it


def _half_to_spouse(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers with the occupational pension (the second income) half paid to a spouse."""
    incomes = [dict(item) for item in answers["incomes"]]
    incomes[1]["income_half_to_spouse"] = True
    return {**answers, "incomes": incomes}


def test_half_a_pension_paid_to_a_spouse_at_home_through_the_form() -> None:
    question = FORM.field("income_half_to_spouse")
    assert question.label == (
        "Is half of this pension paid to a spouse or civil partner who still lives at home?"
    )
    assert "care at home the answer is ignored" in (question.help or "")
    # A permanent place; the spouse still lives in the home, so it is not counted. Capital
    # £17,500 -> £13 tariff. £230.00 State Pension + £433.33 a month occupational pension
    # (x 12 / 52 = £100.00 a week, half counted: £50.00) + £73.00 AA + £13.00 tariff
    # = £366.00, less PEA £30.65 = £335.35, under the £900.00 cost.
    permanent = {
        k: v for k, v in ANSWERS.items() if k not in ("housing_costs", "dre_standard", "dre_items")
    } | {
        "care_type": "permanent_care_home",
        "first_permanent_admission": False,
        "weekly_cost_of_care": 90_000,
        "assets": [ANSWERS["assets"][0], {**ANSWERS["assets"][1], "asset_occupied": True}],
    }
    result = _evaluate(_half_to_spouse(permanent))
    assert result.problems == () and result.blockers == ()
    charge = result.outcomes["charge"]
    assert _reason(charge, "Income: Occupational pension") == (
        "Income: Occupational pension: £50.00 (£433.33 a month is £100.00 a week; half "
        "disregarded because it is paid to a spouse or civil partner at home)"
    )
    assert charge.value == 33_535
    # Not answered is no: £416.00 - £30.65 = £385.35.
    assert _evaluate(permanent).outcomes["charge"].value == 38_535
    # Care at home ignores the answer: the usual £153.90.
    home = _evaluate(_half_to_spouse(ANSWERS)).outcomes["charge"]
    assert _reason(home, "Income: Occupational pension").endswith("counted in full)")
    assert home.value == 15_390
    # Asked only for an occupational or private pension: on a State Pension it is hidden,
    # so a stale answer there changes nothing.
    stale = [{**ANSWERS["incomes"][0], "income_half_to_spouse": True}]
    state_only = _evaluate({**permanent, "incomes": stale}).outcomes["charge"]
    assert _reason(state_only, "Income: State Pension").endswith("(counted in full)")


def test_the_wording_of_amounts_and_help() -> None:
    amount = FORM.field("income_amount")
    assert amount.label == "Amount received, after tax"
    assert "tax" in (amount.help or "") and "disregarded" in (amount.help or "")
    assert "(list not yet confirmed against Schedule 2; check before relying on it)" in (
        FORM.field("asset_occupied").help or ""
    )
    assert "excluding any NHS-funded Nursing Care" in (FORM.field("weekly_cost_of_care").help or "")


# --- Checks for staff are not part of the statement ---------------------------------------------


def test_checks_for_staff_are_kept_out_of_the_statement() -> None:
    checks = FORM.field("charge_checks")
    assert checks.label == "Checks before telling the person"
    assert checks.rule == "charging.charge_checks"
    result_section = next(section for section in FORM.sections if section.id == "result")
    assert "charge_checks" in [f.id for f in result_section.fields]
    answers = {**ANSWERS, "dre_standard": True}  # no authority standard allowance installed
    del answers["dre_items"]
    result = _evaluate(answers)
    assert not any("Check" in r for r in result.outcomes["charge"].reasons)
    checks_outcome = result.outcomes["charge_checks"]
    assert any(r.startswith("No charge was worked out.") for r in checks_outcome.reasons)
    confirmed = _evaluate({**WORKING_AGE}).outcomes["charge_checks"]
    assert (confirmed.value, confirmed.label, confirmed.reasons) == (0, "Nothing to check", ())


@pytest.mark.usefixtures("rates_copy")
def test_a_failure_while_completing_leaves_a_draft_without_a_kept_table(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = load_forms_dir(default_forms_dir())
    records = AssessmentRepository(vault)
    person = PeopleRepository(vault).add(community_person())
    form = registry.latest("financial_assessment")
    record = start_record(session_for(records, today=dt.date(2025, 6, 2)), form, person.id)
    for key, value in WORKING_AGE.items():
        if record.answers.get(key) != value:
            records.save_field(record.id, key, value)

    def power_cut(*_: Any) -> Any:
        raise OSError("disk unplugged")

    monkeypatch.setattr(AssessmentRepository, "set_status", power_cut)
    with pytest.raises(OSError):
        complete_record(session_for(records, registry, today=dt.date(2025, 6, 9)), record.id)
    monkeypatch.undo()
    after = records.get(record.id)
    assert after.status.value == "draft"
    assert "rates_table_used" not in after.answers  # kept with the completion, or not at all
    done = complete_record(session_for(records, registry, today=dt.date(2025, 6, 9)), record.id)
    assert done.answers["rates_table_used"].endswith("+none")
