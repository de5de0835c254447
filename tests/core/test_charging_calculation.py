"""The weekly charge, worked examples with the arithmetic shown.

Unless a test says otherwise: care at home, the 2025-26 table, a single person aged 40 (MIG
£112.50, confirmed), cost of care £500.00 a week, and no housing costs or DRE.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.charging import (
    Asset,
    ChargeResult,
    ChargingInputs,
    Income,
    Line,
    PersonCircumstances,
    calculate_charge,
    format_pounds,
    load_override,
    load_rates_dir,
    tariff_income,
    weekly_amount,
)
from assessor_app.core.charging.calculation import INCOME_KINDS, INCOME_TREATMENT
from assessor_app.core.charging.from_answers import age_on, inputs_from_answers
from assessor_app.core.errors import AssessorError, ValidationError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rates"
REGISTRY = load_rates_dir()
T2025 = REGISTRY.get("england-2025-26", 1)
OVERRIDE = load_override(FIXTURES / "overrides" / "exampleshire-2025.yaml")
DAY = dt.date(2025, 6, 2)
COST = 50_000


def fig(name: str) -> int:
    return T2025.figures[name].value


def person(**changes: Any) -> PersonCircumstances:
    return PersonCircumstances(**{"age": 40, **changes})


def inputs(**changes: Any) -> ChargingInputs:
    base: dict[str, Any] = {
        "care_type": "home",
        "weekly_cost_of_care": COST,
        "effective_date": DAY,
        "person": person(),
    }
    return ChargingInputs(**{**base, **changes})


def charge(**changes: Any) -> ChargeResult:
    override = changes.pop("override", None)
    return calculate_charge(inputs(**changes), T2025, override)


def line(result: ChargeResult, label: str) -> Line:
    found = [ln for ln in result.lines if ln.label.startswith(label)]
    assert len(found) == 1, (label, result.statement())
    return found[0]


ESA_150 = Income("esa", 15_000)
"""£150.00 a week, counted: with the £112.50 MIG it leaves £37.50 before tariff income."""


# --- Money -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pence", "text"),
    [
        (0, "£0.00"),
        (5, "£0.05"),
        (123_456, "£1,234.56"),
        (100_000_000, "£1,000,000.00"),
        (-5, "-£0.05"),
    ],
)
def test_format_pounds(pence: int, text: str) -> None:
    assert format_pounds(pence) == text


@pytest.mark.parametrize(
    ("amount", "frequency", "joint", "weekly"),
    [
        (1_234, "weekly", False, 1_234),
        (10_000, "fortnightly", False, 5_000),
        (10_001, "fortnightly", False, 5_001),  # 5000.5 rounds half up
        (10_000, "four_weekly", False, 2_500),
        (10_002, "four_weekly", False, 2_501),  # 2500.5 rounds half up
        (10_000, "monthly", False, 2_308),  # £100/month x 12 / 52 = £23.0769 -> £23.08
        (100_000, "monthly", False, 23_077),  # £1,000 x 12 / 52 = £230.769 -> £230.77
        (520_000, "yearly", False, 10_000),  # £5,200 / 52 = £100.00
        (26, "yearly", False, 1),  # 0.5p rounds up
        (25, "yearly", False, 0),  # 0.48p rounds down
        (1_001, "weekly", True, 501),  # half of £10.01 = 500.5p -> 501p
        # Rounded ONCE: 11p/month x 12 / 52 / 2 = 1.27p -> 1p. Rounding the weekly 2.54p to 3p
        # first and then halving (1.5p -> 2p) would give 2p.
        (11, "monthly", True, 1),
        (10_000, "monthly", True, 1_154),  # £100 x 12 / 52 / 2 = £11.538 -> £11.54
    ],
)
def test_weekly_amount(amount: int, frequency: str, joint: bool, weekly: int) -> None:
    assert weekly_amount(amount, frequency, joint=joint) == weekly


def test_an_unknown_frequency() -> None:
    with pytest.raises(ValidationError, match="not a way an income can be paid"):
        weekly_amount(100, "daily")


# --- Capital and tariff income ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("capital", "tariff"),
    [
        (0, 0),
        (1_000_000, 0),  # £10,000: under the lower limit
        (1_425_000, 0),  # exactly £14,250: no tariff
        (1_425_001, 100),  # £14,250.01: 1p over = part of £250 -> £1
        (1_450_000, 100),  # £14,500: exactly one £250 -> £1
        (1_450_001, 200),  # £14,500.01: one £250 and part of another -> £2
        (1_575_000, 600),  # £15,750: £1,500 over / £250 = 6 -> £6 (Cheshire West's example)
        (2_325_000, 3_600),  # exactly £23,250: £9,000 / £250 = 36 -> £36
    ],
)
def test_tariff_income(capital: int, tariff: int) -> None:
    assert tariff_income(capital, 1_425_000, 2_325_000, 25_000, 100) == tariff
    # The same through the whole calculation: £150.00 ESA - £112.50 MIG = £37.50, plus tariff.
    result = charge(assets=(Asset("savings", capital),), incomes=(ESA_150,))
    assert result.outcome == "means_tested"
    assert line(result, "Total capital counted").pence == capital
    assert line(result, "Tariff income").pence == tariff
    assert result.weekly_charge_pence == 3_750 + tariff
    assert result.warnings == ()  # every figure used is confirmed


def test_capital_exactly_at_the_upper_limit_is_still_means_tested() -> None:
    # £23,250: tariff £36; £150.00 + £36.00 - £112.50 = £73.50.
    result = charge(assets=(Asset("savings", 2_325_000),), incomes=(ESA_150,))
    assert (result.outcome, result.weekly_charge_pence) == ("means_tested", 7_350)


def test_a_penny_over_the_upper_limit_pays_the_full_cost_at_home() -> None:
    result = charge(assets=(Asset("savings", 2_325_001),), incomes=(ESA_150,))
    assert (result.outcome, result.weekly_charge_pence) == ("full_cost", COST)
    assert line(result, "Capital above the upper limit").pence == 1
    assert not any(ln.label == "Deferred payment agreement" for ln in result.lines)


def test_capital_adds_up_counted_assets_and_notional_capital() -> None:
    # £5,000 bank + £6,000 savings + £3,250.01 notional = £14,250.01 -> £1 tariff.
    result = charge(
        assets=(Asset("bank", 500_000), Asset("savings", 600_000)),
        notional_capital_pence=325_001,
        incomes=(ESA_150,),
    )
    assert line(result, "Notional capital").pence == 325_001
    assert line(result, "Total capital counted").pence == 1_425_001
    assert result.weekly_charge_pence == 3_750 + 100


def test_the_reason_an_asset_is_not_counted_is_on_its_statement_line() -> None:
    trust = Asset(
        "investments",
        5_000_000,
        disregard="other",
        label="Compensation",
        disregard_reason="held in a personal injury trust",
    )
    result = charge(assets=(trust,), incomes=(ESA_150,))
    assert line(result, "Capital: Compensation").text() == (
        "Capital: Compensation: £50,000.00 (not counted, for another reason: held in a personal "
        "injury trust)"
    )
    assert line(result, "Total capital counted").pence == 0


def test_an_asset_disregarded_for_another_reason_is_listed_but_not_counted() -> None:
    result = charge(
        assets=(Asset("investments", 5_000_000, disregard="other", label="Personal injury trust"),),
        incomes=(ESA_150,),
    )
    assert line(result, "Capital: Personal injury trust").note.startswith("not counted")
    assert line(result, "Total capital counted").pence == 0
    assert result.weekly_charge_pence == 3_750


# --- Joint assets and couples ----------------------------------------------------------------


def test_joint_assets_count_half_unless_a_share_is_given() -> None:
    # Joint £40,000 -> £20,000; tariff: (£20,000 - £14,250) / £250 = 23 -> £23.
    # Thirds of £45,000 -> £15,000; tariff: £750 / £250 = 3 -> £3. Total £35,000 > UCL though,
    # so test them apart.
    joint = charge(assets=(Asset("savings", 4_000_000, joint=True),), incomes=(ESA_150,))
    assert line(joint, "Tariff income").pence == 2_300
    assert "1/2 share of £40,000.00" in line(joint, "Capital: Savings").note
    third = charge(
        assets=(Asset("investments", 4_500_000, share_numerator=1, share_denominator=3),),
        incomes=(ESA_150,),
    )
    assert line(third, "Total capital counted").pence == 1_500_000
    assert line(third, "Tariff income").pence == 300


def test_a_half_share_drops_the_part_penny_in_the_persons_favour() -> None:
    # Half of £28,500.01 is £14,250.005 -> £14,250.00: no tariff (rounding up would give £1).
    result = charge(assets=(Asset("savings", 2_850_001, joint=True),), incomes=(ESA_150,))
    assert line(result, "Total capital counted").pence == 1_425_000
    assert line(result, "Tariff income").pence == 0


def test_a_couple_at_home() -> None:
    # Joint Universal Credit £300.00 -> £150.00 each; joint savings £40,000 -> £20,000, tariff
    # £23. Assessable £173.00, less the couple (18+) MIG for one member.
    result = charge(
        person=person(couple=True),
        incomes=(Income("universal_credit", 30_000, joint=True),),
        assets=(Asset("savings", 4_000_000, joint=True),),
    )
    assert line(result, "Income: Universal Credit").pence == 15_000
    mig = fig("mig_couple_18_plus")  # £88.30 each, unconfirmed
    assert line(result, "Less Minimum Income Guarantee").pence == mig
    assert result.weekly_charge_pence == 15_000 + 2_300 - mig
    assert any("member of a couple aged 18 or over" in w for w in result.warnings)


# --- Income treatment ------------------------------------------------------------------------

COUNTED_OF_200: dict[str, int] = {
    **{k: 0 for k, t in INCOME_TREATMENT.items() if t == "disregarded"},
    **{k: 20_000 for k, t in INCOME_TREATMENT.items() if t == "counted"},
    "war_widows_pension": 20_000 - 1_000,  # first £10 disregarded
    "savings_credit": 20_000 - fig("savings_credit_disregard_single"),  # up to £7.05 (unconf.)
}


@pytest.mark.parametrize("kind", sorted(INCOME_KINDS))
def test_each_income_treatment(kind: str) -> None:
    # £200.00 a week of one kind; charge = counted - £112.50 MIG, never below £0.
    result = charge(incomes=(Income(kind, 20_000),))
    counted = COUNTED_OF_200[kind]
    income_line = line(result, "Income:")
    assert income_line.pence == counted
    treatment = INCOME_TREATMENT[kind]
    expected_words = {
        "disregarded": "disregarded in full",
        "counted": "counted in full",
        "partly": "disregarded (up to",
    }[treatment]
    assert expected_words in income_line.note
    assert result.weekly_charge_pence == max(0, counted - 11_250)


def test_child_benefit_is_not_counted() -> None:
    assert INCOME_KINDS["child_benefit"] == (
        "Child Benefit, Child Tax Credit or Guardian's Allowance"
    )
    # £150.00 ESA counted plus £50.00 Child Benefit disregarded: £150.00 - £112.50 = £37.50.
    result = charge(incomes=(ESA_150, Income("child_benefit", 5_000)))
    child = line(result, "Income: Child Benefit")
    assert (child.pence, child.note) == (0, "disregarded in full")
    assert result.weekly_charge_pence == 3_750


def test_the_income_kinds_are_the_specs() -> None:
    assert {k for k, t in INCOME_TREATMENT.items() if t == "disregarded"} == {
        "earnings",
        "dla_mobility",
        "pip_mobility",
        "direct_payments",
        "armed_forces_gip",
        "war_pension",
        "charitable",
        "child_benefit",
    }
    assert {k for k, t in INCOME_TREATMENT.items() if t == "partly"} == {
        "war_widows_pension",
        "savings_credit",
    }
    assert INCOME_TREATMENT["war_pension_caa"] == "counted"
    assert set(INCOME_TREATMENT) == set(INCOME_KINDS)


def test_war_pension_constant_attendance_allowance_is_counted() -> None:
    # War Pension Scheme payments are disregarded, except Constant Attendance Allowance.
    # £60.00 War Pension + £80.00 CAA + £100.00 ESA: £180.00 counted - £112.50 MIG = £67.50.
    result = charge(
        incomes=(
            Income("war_pension", 6_000),
            Income("war_pension_caa", 8_000),
            Income("esa", 10_000),
        )
    )
    assert line(result, "Income: War Pension Constant").pence == 8_000
    assert line(result, "Income: War Pension Constant").note == "counted in full"
    war_pension = [ln for ln in result.lines if ln.label == "Income: War Pension"]
    assert [ln.pence for ln in war_pension] == [0]
    assert result.weekly_charge_pence == 6_750


def test_a_partial_disregard_is_given_once_across_lines() -> None:
    # Two War Widow's pension lines of £6.00: £10 disregarded in all, £2.00 counted.
    result = charge(
        incomes=(
            Income("war_widows_pension", 600, label="Widow's pension A"),
            Income("war_widows_pension", 600, label="Widow's pension B"),
            Income("state_pension", 12_000),
        )
    )
    assert line(result, "Income: Widow's pension A").pence == 0
    assert line(result, "Income: Widow's pension B").pence == 200
    # £2.00 + £120.00 - £112.50 = £9.50
    assert result.weekly_charge_pence == 950


def test_savings_credit_disregard_uses_the_couple_figure_for_a_couple() -> None:
    result = charge(person=person(couple=True), incomes=(Income("savings_credit", 5_000),))
    assert line(result, "Income: Pension Credit (Savings").pence == 5_000 - fig(
        "savings_credit_disregard_couple"
    )


def test_income_line_shows_the_conversion() -> None:
    result = charge(incomes=(Income("occupational_pension", 10_000, "monthly"),))
    note = line(result, "Income: Occupational pension").note
    assert note == "£100.00 a month is £23.08 a week; counted in full"


# --- Minimum Income Guarantee ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("circumstances", "mig"),
    [
        ({"age": 18}, 8_915),
        ({"age": 24}, 8_915),
        ({"age": 25}, 11_250),
        ({"age": 40, "disability_premium": True}, 11_250 + 4_965),
        (
            {"age": 40, "disability_premium": True, "enhanced_disability_premium": True},
            11_250 + 4_965 + 2_425,
        ),
    ],
)
def test_mig_from_confirmed_figures(circumstances: dict[str, Any], mig: int) -> None:
    # £300.00 a week counted income, so the charge is £300.00 - MIG.
    result = charge(person=person(**circumstances), incomes=(Income("esa", 30_000),))
    assert line(result, "Less Minimum Income Guarantee").pence == mig
    assert result.weekly_charge_pence == 30_000 - mig
    assert result.warnings == ()


@pytest.mark.parametrize(
    ("circumstances", "names"),
    [
        ({"age": 70, "pension_age": True}, ["mig_single_pension_age"]),
        ({"age": 30, "lone_parent": True}, ["mig_lone_parent"]),
        (
            {"age": 30, "lone_parent": True, "dependent_children": 2},
            ["mig_lone_parent", "mig_dependent_child", "mig_dependent_child"],
        ),
        ({"age": 70, "pension_age": True, "couple": True}, ["mig_couple_pension_age"]),
        (
            {"age": 40, "couple": True, "disability_premium": True, "carer_premium": True},
            ["mig_couple_18_plus", "mig_disability_premium_couple", "mig_carer_premium"],
        ),
        # A lone parent at Pension Credit age gets the (higher) pension age amount.
        ({"age": 70, "pension_age": True, "lone_parent": True}, ["mig_single_pension_age"]),
    ],
)
def test_mig_components(circumstances: dict[str, Any], names: list[str]) -> None:
    result = charge(person=person(**circumstances), incomes=(Income("esa", 60_000),))
    mig = sum(fig(n) for n in names)
    assert line(result, "Less Minimum Income Guarantee").pence == mig
    assert result.weekly_charge_pence == 60_000 - mig


def test_an_unconfirmed_figure_used_gives_a_warning() -> None:
    result = charge(
        person=person(age=70, pension_age=True), incomes=(Income("state_pension", 30_000),)
    )
    assert result.warnings == (
        "The figure 'Minimum Income Guarantee, single person at Pension Credit age' (£232.60) "
        "in table england-2025-26 version 1 is not confirmed; check it before telling the "
        "person.",
    )


# --- Housing and disability-related expenditure ----------------------------------------------


def test_housing_and_dre_are_taken_off_at_home() -> None:
    # £200.00 - £112.50 MIG - £20.00 housing - (£5.00 + £7.50) DRE = £55.00
    result = charge(
        incomes=(Income("esa", 20_000),),
        housing_costs_weekly=2_000,
        dre_items=(("Community alarm", 500), ("Extra heating", 750)),
    )
    assert line(result, "Less housing costs").pence == 2_000
    dre = line(result, "Less disability-related expenditure")
    assert (dre.pence, dre.note) == (1_250, "Community alarm £5.00, Extra heating £7.50")
    assert result.weekly_charge_pence == 5_500


def test_counted_disability_benefits_without_dre_get_a_reminder() -> None:
    result = charge(incomes=(Income("attendance_allowance", 11_460),))
    assert "must be considered" in line(result, "Less disability-related expenditure").note


def test_standard_dre_without_an_override_is_not_worked_out() -> None:
    result = charge(incomes=(Income("esa", 20_000),), use_standard_dre=True)
    assert result.outcome == "incomplete"
    assert result.weekly_charge_pence == 0
    dre = line(result, "Less disability-related expenditure")
    assert dre.pence is None and "no signed-off authority override" in dre.note
    assert line(result, "Weekly charge").pence is None
    assert any("No charge was worked out" in w for w in result.warnings)


def test_the_statement_reads_in_order() -> None:
    result = charge(
        assets=(Asset("savings", 1_575_000),),
        incomes=(Income("esa", 20_000), Income("occupational_pension", 10_000, "monthly")),
        housing_costs_weekly=1_000,
        dre_items=(("Careline", 500),),
    )
    assert [ln.label for ln in result.lines] == [
        "Capital: Savings",
        "Total capital counted",
        "Tariff income",
        "Income: Employment and Support Allowance",
        "Income: Occupational pension",
        "Total weekly income assessed",
        "Less Minimum Income Guarantee",
        "Less housing costs",
        "Less disability-related expenditure",
        "Amount available towards care",
        "Weekly cost of care",
        "Weekly charge",
    ]
    # £200.00 + £23.08 + £6.00 tariff - £112.50 - £10.00 - £5.00 = £101.58
    assert result.weekly_charge_pence == 10_158
    assert "Weekly charge: £101.58" in result.statement()


# --- Care homes ------------------------------------------------------------------------------

PENSIONER = {"age": 70, "pension_age": True}
PENSIONS = (Income("state_pension", 23_000), Income("occupational_pension", 10_000, "monthly"))
"""£230.00 + £23.08 = £253.08 a week."""


def test_care_home_uses_the_personal_expenses_allowance() -> None:
    # £253.08 - £30.65 PEA = £222.43
    result = charge(
        care_type="permanent_care_home",
        weekly_cost_of_care=90_000,
        person=person(**PENSIONER),
        incomes=PENSIONS,
        housing_costs_weekly=1_500,
    )
    assert line(result, "Less Personal Expenses Allowance").pence == 3_065
    assert not any(ln.label.startswith("Less Minimum") for ln in result.lines)
    assert line(result, "Housing costs").pence is None  # not taken off in a permanent place
    assert result.weekly_charge_pence == 22_243
    assert result.warnings == ()


def test_the_same_person_at_home_uses_the_mig() -> None:
    # £253.08 - £232.60 MIG (pension age, unconfirmed) = £20.48
    result = charge(person=person(**PENSIONER), incomes=PENSIONS)
    assert result.weekly_charge_pence == 25_308 - fig("mig_single_pension_age") == 2_048


def test_temporary_care_home_keeps_housing_costs_and_disregards_disability_benefits() -> None:
    # £253.08 pensions + £108.55 AA (disregarded, Annex F) - £30.65 PEA - £40.00 rent = £182.43
    result = charge(
        care_type="temporary_care_home",
        weekly_cost_of_care=90_000,
        person=person(**PENSIONER),
        incomes=(*PENSIONS, Income("attendance_allowance", 10_855)),
        housing_costs_weekly=4_000,
        assets=(Asset("property_main_home", 30_000_000),),
    )
    assert line(result, "Income: Attendance Allowance").pence == 0
    assert line(result, "Capital: Main home").note.startswith("not counted")
    assert result.outcome == "means_tested"
    assert result.weekly_charge_pence == 18_243


# --- Half a pension paid to a spouse or civil partner at home (RULES.md 4.6) ------------------

HALF_NOTE = "half disregarded because it is paid to a spouse or civil partner at home"


def spouse_pension(
    care_type: str, amount: int, kind: str = "occupational_pension", frequency: str = "weekly"
) -> ChargeResult:
    """A pensioner with £230.00 State Pension and a pension half paid to their spouse."""
    return charge(
        care_type=care_type,
        weekly_cost_of_care=90_000,
        person=person(**PENSIONER),
        incomes=(
            Income("state_pension", 23_000),
            Income(kind, amount, frequency, half_to_spouse=True),
        ),
    )


@pytest.mark.parametrize("care_type", ["permanent_care_home", "temporary_care_home"])
def test_half_a_pension_paid_to_a_spouse_at_home_is_disregarded_in_a_care_home(
    care_type: str,
) -> None:
    # £230.00 State Pension counted in full; £100.00 occupational pension, half (£50.00)
    # counted. £230.00 + £50.00 = £280.00, less PEA £30.65 = £249.35, under the £900 cost.
    result = spouse_pension(care_type, 10_000)
    assert line(result, "Income: State Pension").pence == 23_000
    pension = line(result, "Income: Occupational pension")
    assert pension.text() == (
        "Income: Occupational pension: £50.00 (£100.00 a week; half disregarded because it "
        "is paid to a spouse or civil partner at home)"
    )
    assert line(result, "Total weekly income assessed").pence == 28_000
    assert result.weekly_charge_pence == 28_000 - 3_065 == 24_935
    assert result.warnings == ()


def test_half_a_pension_paid_to_a_spouse_is_counted_in_full_for_care_at_home() -> None:
    # The answer is ignored at home: £230.00 + £100.00 = £330.00, less the £232.60 MIG at
    # Pension Credit age (unconfirmed) = £97.40.
    result = spouse_pension("home", 10_000)
    pension = line(result, "Income: Occupational pension")
    assert pension.pence == 10_000
    assert pension.note == "counted in full"
    assert HALF_NOTE not in result.statement()
    assert result.weekly_charge_pence == 33_000 - fig("mig_single_pension_age") == 9_740


def test_half_a_pension_to_a_spouse_rounds_an_odd_penny_up() -> None:
    # £100.01 a week: half is 5,000.5p, rounded half up to £50.01 counted (£50.00 ignored).
    # £230.00 + £50.01 - £30.65 PEA = £249.36.
    result = spouse_pension("permanent_care_home", 10_001)
    pension = line(result, "Income: Occupational pension")
    assert pension.pence == 5_001
    assert pension.note == f"£100.01 a week; {HALF_NOTE}"
    assert result.weekly_charge_pence == 24_936


def test_half_a_private_pension_paid_monthly_halves_the_weekly_amount() -> None:
    # £433.33 a month x 12 / 52 = £99.9992 -> £100.00 a week; half = £50.00 counted.
    # £230.00 + £50.00 - £30.65 PEA = £249.35.
    result = spouse_pension(
        "permanent_care_home", 43_333, kind="private_pension", frequency="monthly"
    )
    pension = line(result, "Income: Private pension")
    assert pension.pence == 5_000
    assert pension.note == f"£433.33 a month is £100.00 a week; {HALF_NOTE}"
    assert result.weekly_charge_pence == 24_935


def test_the_charge_is_capped_at_the_cost_of_care() -> None:
    # £253.08 - £30.65 = £222.43 worked out, but the care costs £150.00.
    result = charge(
        care_type="permanent_care_home",
        weekly_cost_of_care=15_000,
        person=person(**PENSIONER),
        incomes=PENSIONS,
    )
    assert line(result, "Amount available towards care").pence == 22_243
    assert result.weekly_charge_pence == 15_000
    assert "more than the cost of the care" in line(result, "Weekly charge").note


def test_the_charge_is_never_below_zero() -> None:
    # £50.00 - £112.50 MIG: nothing to pay.
    result = charge(incomes=(Income("esa", 5_000),))
    assert result.weekly_charge_pence == 0
    assert "£62.50 more than the income" in line(result, "Amount available towards care").note


# --- The 12-week property disregard and deferred payments -------------------------------------

ADMITTED = dt.date(2025, 5, 1)
HOME = Asset("property_main_home", 20_000_000)
SAVINGS_5K = Asset("savings", 500_000)


def care_home(day: dt.date, **changes: Any) -> ChargeResult:
    base: dict[str, Any] = {
        "care_type": "permanent_care_home",
        "weekly_cost_of_care": 90_000,
        "effective_date": day,
        "person": person(**PENSIONER),
        "assets": (HOME, SAVINGS_5K),
        "incomes": (Income("state_pension", 23_000),),
        "first_admission": True,
        "first_permanent_admission_date": ADMITTED,
    }
    return calculate_charge(ChargingInputs(**{**base, **changes}), T2025)


def test_12_week_disregard_inside_on_day_83() -> None:
    # 1 May + 83 days = 23 July: home disregarded; capital £5,000; £230.00 - £30.65 = £199.35.
    result = care_home(ADMITTED + dt.timedelta(days=83))
    assert result.outcome == "means_tested"
    assert result.weekly_charge_pence == 19_935
    assert "up to and including 23 July 2025" in line(result, "Capital: Main home").note
    assert "deferred payment agreement" in line(result, "When the property disregard ends").note


def test_12_week_disregard_over_on_day_84_offers_a_deferred_payment() -> None:
    # 24 July: home £200,000 counts; capital £205,000 > £23,250, but £5,000 without the home.
    result = care_home(ADMITTED + dt.timedelta(days=84))
    assert result.outcome == "full_cost_dpa_offer"
    assert result.weekly_charge_pence == 90_000
    assert "ended on 23 July 2025" in line(result, "Capital: Main home").note
    dpa = line(result, "Deferred payment agreement").note
    assert "must offer a deferred payment agreement" in dpa
    assert "not written off" in line(result, "What it costs").note
    assert "security" in line(result, "What it needs").note


def test_a_deferred_payment_statement_splits_income_now_from_the_deferred_rest() -> None:
    # Hand-checked: home £200,000 counts (day 84), savings £15,000 other than the home.
    # Tariff on £15,000: (£15,000 - £14,250) = £750 = 3 x £250 -> £3.00.
    # State Pension £230.00 + £3.00 tariff - £30.65 PEA = £202.35 paid from income now;
    # £900.00 - £202.35 = £697.65 can be deferred. The charge owed is still £900.00.
    result = care_home(ADMITTED + dt.timedelta(days=84), assets=(HOME, Asset("savings", 1_500_000)))
    assert result.outcome == "full_cost_dpa_offer"
    assert result.weekly_charge_pence == 90_000
    assert line(result, "Tariff income on capital other than the home").pence == 300
    assert line(result, "Income: State Pension").pence == 23_000
    assert line(result, "Less Personal Expenses Allowance").pence == 3_065
    now = line(result, "Paid from income now")
    assert now.pence == 20_235
    assert now.text().startswith("Paid from income now: £202.35 (a week")
    later = line(result, "Can be deferred under a deferred payment agreement")
    assert later.pence == 69_765
    assert later.text().startswith(
        "Can be deferred under a deferred payment agreement: £697.65 (a week"
    )
    weekly = line(result, "Weekly charge")
    assert weekly.pence == 90_000
    assert "full cost of the care is what is owed each week" in weekly.note


def test_a_deferred_payment_income_contribution_is_capped_at_cost_and_floored_at_zero() -> None:
    rich = care_home(ADMITTED + dt.timedelta(days=84), incomes=(Income("state_pension", 100_000),))
    assert line(rich, "Paid from income now").pence == 90_000
    assert line(rich, "Can be deferred under").pence == 0
    poor = care_home(ADMITTED + dt.timedelta(days=84), incomes=(Income("state_pension", 2_000),))
    assert line(poor, "Paid from income now").pence == 0
    assert line(poor, "Can be deferred under").pence == 90_000
    assert poor.weekly_charge_pence == 90_000


def test_no_12_week_disregard_when_not_a_first_admission() -> None:
    result = care_home(
        ADMITTED + dt.timedelta(days=10),
        first_admission=False,
        assets=(
            Asset("property_main_home", 20_000_000, disregard="twelve_week"),
            SAVINGS_5K,
        ),
    )
    assert result.outcome == "full_cost_dpa_offer"
    assert "only from a first permanent admission" in line(result, "Capital: Main home").note


def test_no_deferred_payment_when_other_capital_is_over_the_limit() -> None:
    result = care_home(
        ADMITTED + dt.timedelta(days=100), assets=(HOME, Asset("savings", 2_325_001))
    )
    assert result.outcome == "full_cost"
    assert not any(ln.label == "Deferred payment agreement" for ln in result.lines)


def test_no_deferred_payment_when_other_capital_alone_is_under_the_limit_and_home_occupied() -> (
    None
):
    occupied = Asset("property_main_home", 20_000_000, disregard="occupied_by_partner_or_relative")
    result = care_home(ADMITTED + dt.timedelta(days=100), assets=(occupied, SAVINGS_5K))
    assert result.outcome == "means_tested"
    assert line(result, "Total capital counted").pence == 500_000


def test_no_deferred_payment_for_someone_with_no_home() -> None:
    result = care_home(ADMITTED + dt.timedelta(days=100), assets=(Asset("savings", 3_000_000),))
    assert result.outcome == "full_cost"


def test_the_home_is_never_counted_for_care_at_home() -> None:
    result = charge(assets=(HOME,), incomes=(ESA_150,))
    assert result.outcome == "means_tested"
    assert line(result, "Total capital counted").pence == 0


# --- Light-touch assessments -----------------------------------------------------------------


def test_light_touch_refused_is_treated_as_over_the_limit() -> None:
    result = charge(assessment_kind="light_touch", light_touch_basis="refused")
    assert (result.outcome, result.weekly_charge_pence) == ("full_cost", COST)
    assert (
        "treated as having resources over the upper limit (reg 10)"
        in line(result, "Light-touch").note
    )
    assert "at any time" in line(result, "Full assessment").note


def test_light_touch_clearly_over_is_the_full_cost() -> None:
    result = charge(assessment_kind="light_touch", light_touch_basis="clearly_over")
    assert (result.outcome, result.weekly_charge_pence) == ("full_cost", COST)
    assert "at any time" in line(result, "Full assessment").note


def test_light_touch_clearly_under_with_no_contribution() -> None:
    result = charge(
        assessment_kind="light_touch",
        light_touch_basis="clearly_under",
        light_touch_no_contribution=True,
        incomes=(Income("state_pension", 90_000),),  # not looked at
    )
    assert (result.outcome, result.weekly_charge_pence) == ("no_contribution", 0)
    assert "at any time" in line(result, "Full assessment").note


@pytest.mark.parametrize(("agreed", "expected"), [(2_000, 2_000), (60_000, COST)])
def test_light_touch_clearly_under_with_an_agreed_charge(agreed: int, expected: int) -> None:
    result = charge(
        assessment_kind="light_touch",
        light_touch_basis="clearly_under",
        agreed_weekly_charge=agreed,
    )
    assert (result.outcome, result.weekly_charge_pence) == ("agreed_charge", expected)


def test_light_touch_needs_a_basis_and_an_answer() -> None:
    with pytest.raises(ValidationError, match="light-touch"):
        charge(assessment_kind="light_touch")
    with pytest.raises(ValidationError, match="weekly charge agreed"):
        charge(assessment_kind="light_touch", light_touch_basis="clearly_under")


# --- Free services ---------------------------------------------------------------------------

STARTED = dt.date(2025, 5, 1)
RICH = {"assets": (Asset("savings", 10_000_000),), "incomes": (Income("esa", 90_000),)}


@pytest.mark.parametrize("service", ["reablement", "intermediate_care"])
def test_reablement_is_free_on_day_41(service: str) -> None:
    # 1 May + 41 days = 11 June: still inside the first 6 weeks (42 days).
    result = charge(
        free_service=service,
        service_start_date=STARTED,
        effective_date=STARTED + dt.timedelta(days=41),
        **RICH,
    )
    assert (result.outcome, result.weekly_charge_pence) == ("free", 0)
    assert "up to and including 11 June 2025" in line(result, "Free service").note


@pytest.mark.parametrize("service", ["reablement", "intermediate_care"])
def test_reablement_after_week_6_stays_free_without_a_recorded_decision(service: str) -> None:
    # FC-02: day 42 (12 June) is in week 7, but the council has recorded no decision to charge
    # from week 7, so it stays free (this was wrongly charged, with only a warning, before).
    result = charge(
        free_service=service,
        service_start_date=STARTED,
        effective_date=STARTED + dt.timedelta(days=42),
        incomes=(ESA_150,),
    )
    assert (result.outcome, result.weekly_charge_pence) == ("free", 0)
    note = line(result, "Free service").note
    assert "the free 6 weeks ended on 11 June 2025" in note
    assert "has not recorded a decision to charge for it from week 7, so it stays free" in note
    assert line(result, "Weekly charge").pence == 0
    assert result.warnings == ()


@pytest.mark.parametrize("service", ["reablement", "intermediate_care"])
def test_reablement_after_week_6_is_charged_from_the_recorded_decision(service: str) -> None:
    week_7 = STARTED + dt.timedelta(days=42)  # 12 June
    decided = {
        "free_service": service,
        "service_start_date": STARTED,
        "charge_after_free_weeks": True,
        "incomes": (ESA_150,),
    }
    # Decided on 12 June, charge from 12 June: the usual rules, £150.00 - £112.50 = £37.50.
    result = charge(effective_date=week_7, charge_decision_date=week_7, **decided)
    assert (result.outcome, result.weekly_charge_pence) == ("means_tested", 3_750)
    assert (
        "decided on 12 June 2025 to charge for it from week 7"
        in line(result, "Free period ended").note
    )
    # Decided on 13 June: no charge starts before the decision.
    early = charge(
        effective_date=week_7, charge_decision_date=week_7 + dt.timedelta(days=1), **decided
    )
    assert (early.outcome, early.weekly_charge_pence) == ("free", 0)
    assert "no charge starts before that decision" in line(early, "Free service").note
    # A decision never cuts the first 6 weeks short.
    inside = charge(
        effective_date=week_7 - dt.timedelta(days=1), charge_decision_date=STARTED, **decided
    )
    assert (inside.outcome, inside.weekly_charge_pence) == ("free", 0)
    with pytest.raises(ValidationError, match="date the council decided to charge"):
        charge(effective_date=week_7, **decided)


@pytest.mark.parametrize("service", ["aids", "information_advice", "s117_aftercare", "cjd"])
def test_always_free_services(service: str) -> None:
    result = charge(free_service=service, assessment_kind="light_touch", **RICH)
    assert (result.outcome, result.weekly_charge_pence) == ("free", 0)
    assert line(result, "Free service").note


@pytest.mark.parametrize(
    ("cost", "outcome"), [(100_000, "free"), (99_999, "free"), (100_001, "full_cost")]
)
def test_minor_adaptation_free_up_to_1000(cost: int, outcome: str) -> None:
    result = charge(free_service="minor_adaptation", adaptation_cost=cost, **RICH)
    assert result.outcome == outcome


def test_free_services_need_their_dates_and_costs() -> None:
    with pytest.raises(ValidationError, match="reablement started"):
        charge(free_service="reablement")
    with pytest.raises(ValidationError, match="cost of the adaptation"):
        charge(free_service="minor_adaptation")


# --- Authority overrides ---------------------------------------------------------------------


def test_an_override_mig_is_used_and_shown_as_such() -> None:
    # £150.00 - £120.00 local MIG = £30.00
    result = charge(incomes=(ESA_150,), override=OVERRIDE)
    mig = line(result, "Less Minimum Income Guarantee")
    assert mig.pence == 12_000
    assert "Exampleshire County Council's own figure; the national figure is £112.50" in mig.note
    assert result.weekly_charge_pence == 3_000
    assert result.overrides_used == ("upper_capital_limit", "mig_single_25_to_pension_age")
    assert result.override_sha256 == OVERRIDE.sha256


def test_an_override_upper_limit_applies_to_care_at_home_only() -> None:
    savings = (Asset("savings", 2_500_000),)  # £25,000
    # At home the local limit is £30,000: tariff (£25,000 - £14,250) / £250 = 43 -> £43;
    # £150.00 + £43.00 - £120.00 local MIG = £73.00.
    home = charge(assets=savings, incomes=(ESA_150,), override=OVERRIDE)
    assert (home.outcome, home.weekly_charge_pence) == ("means_tested", 7_300)
    assert "upper_capital_limit" in home.overrides_used
    # In a care home the national £23,250 applies: full cost.
    care = charge(
        care_type="permanent_care_home", assets=savings, incomes=(ESA_150,), override=OVERRIDE
    )
    assert care.outcome == "full_cost"
    assert care.overrides_used == ()
    assert care.override_sha256 is None


def test_the_standard_dre_allowance_from_an_override() -> None:
    # £150.00 - £120.00 MIG - £20.00 standard DRE = £10.00
    result = charge(incomes=(ESA_150,), use_standard_dre=True, override=OVERRIDE)
    assert result.weekly_charge_pence == 1_000
    assert "standard_dre_allowance" in result.overrides_used


def test_an_override_that_does_not_apply_yet_is_refused() -> None:
    later = dataclasses.replace(OVERRIDE, applies_from=dt.date(2025, 7, 1))
    with pytest.raises(ValidationError, match="apply from 1 July 2025"):
        charge(incomes=(ESA_150,), override=later)


def test_a_table_for_another_year_is_refused() -> None:
    with pytest.raises(ValidationError, match="not 1 June 2026"):
        charge(effective_date=dt.date(2026, 6, 1))


# --- Inputs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda: person(age=17), "18 or over"),
        (lambda: person(couple=True, lone_parent=True), "both a member of a couple"),
        (lambda: inputs(care_type="hospital"), "type of care"),
        (lambda: inputs(weekly_cost_of_care=-1), "weekly cost of care"),
        (lambda: inputs(weekly_cost_of_care=12.5), "weekly cost of care"),
        (lambda: Asset("savings", 100, share_numerator=3, share_denominator=2), "share"),
        (lambda: Asset("savings", 100, share_numerator=1), "both parts"),
        (lambda: Asset("property_other", 100, disregard="twelve_week"), "not the main home"),
        (lambda: Asset("gold", 100), "kind of capital"),
        (lambda: Income("lottery", 100), "kind of income"),
        (lambda: Income("esa", 100, "daily"), "way of paying"),
        (lambda: Income("state_pension", 100, half_to_spouse=True), "not an occupational"),
        (lambda: Income("private_pension", 100, half_to_spouse=1), "spouse or civil partner"),
        (lambda: inputs(first_admission=True), "first permanent admission"),
        (lambda: inputs(use_standard_dre=True, dre_items=(("x", 1),)), "Use one or the other"),
    ],
)
def test_bad_inputs_are_refused_in_plain_english(build: Any, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        build()
    error = caught.value
    assert isinstance(error, AssessorError)
    assert words in error.one_line()
    assert error.user_message.endswith(".") and error.next_step


# --- From answers ----------------------------------------------------------------------------


def test_age_on() -> None:
    assert age_on(dt.date(1985, 6, 3), dt.date(2025, 6, 2)) == 39
    assert age_on(dt.date(1985, 6, 2), dt.date(2025, 6, 2)) == 40
    assert age_on(dt.date(2004, 2, 29), dt.date(2025, 2, 28)) == 20
    assert age_on(dt.date(2004, 2, 29), dt.date(2025, 3, 1)) == 21


def test_inputs_from_answers_end_to_end() -> None:
    answers = {
        "care_type": "home",
        "weekly_cost_of_care": 50_000,
        "effective_date": "2025-06-02",
        "date_of_birth": "1985-06-03",
        "free_service": "none",
        "assessment_kind": "full",
        "assets": [
            {"asset_kind": "savings", "asset_value": 4_000_000, "asset_joint": True},
            {"asset_kind": "main_home", "asset_value": 20_000_000},
        ],
        "incomes": [
            {"income_kind": "esa", "income_amount": 15_000, "income_frequency": "weekly"},
            {
                "income_kind": "occupational_pension",
                "income_amount": 10_000,
                "income_frequency": "monthly",
            },
        ],
        "housing_costs": 1_000,
        "dre_items": [{"dre_label": "Careline", "dre_weekly": 500}],
    }
    built = inputs_from_answers(answers)
    assert built.person.age == 39
    assert built.free_service is None
    assert built.assets[0].share() == (1, 2)
    # £150.00 + £23.08 + £23 tariff (£20,000) - £112.50 - £10.00 - £5.00 = £68.58
    result = calculate_charge(built, REGISTRY.for_date(built.effective_date))
    assert result.weekly_charge_pence == 6_858


BASE_ANSWERS: dict[str, Any] = {
    "care_type": "home",
    "weekly_cost_of_care": 50_000,
    "effective_date": "2025-06-02",
    "date_of_birth": "1985-06-02",
    "free_service": "none",
    "assessment_kind": "full",
    "incomes": [{"income_kind": "esa", "income_amount": 15_000, "income_frequency": "weekly"}],
}
"""Aged 40, £150.00 ESA: £150.00 - £112.50 MIG = £37.50 before tariff income."""


@pytest.mark.parametrize(
    ("share", "counted", "tariff"),
    [
        ({"asset_owners": 3}, 1_000_000, 0),  # £30,000 / 3 = £10,000: under the lower limit
        ({"asset_owners": 2}, 1_500_000, 300),  # £15,000: £750 over -> £3
        ({"asset_owners": 3.0}, 1_000_000, 0),  # the number editor may keep a float
        ({"asset_owners": 3, "asset_share_percent": 60}, 1_800_000, 1_500),  # £18,000 -> £15
        ({}, 1_500_000, 300),  # owners not given: a half
    ],
)
def test_a_joint_asset_is_shared_equally_among_all_its_owners(
    share: dict[str, Any], counted: int, tariff: int
) -> None:
    asset = {"asset_kind": "savings", "asset_value": 3_000_000, "asset_joint": True, **share}
    built = inputs_from_answers({**BASE_ANSWERS, "assets": [asset]})
    result = calculate_charge(built, T2025)
    assert line(result, "Total capital counted").pence == counted
    assert result.weekly_charge_pence == 3_750 + tariff


def test_answers_for_an_asset_not_counted_for_another_reason() -> None:
    asset = {
        "asset_kind": "investments",
        "asset_description": "Compensation",
        "asset_value": 5_000_000,
        "asset_joint": False,
        "asset_disregard_other": True,
        "asset_disregard_reason": "Personal injury trust",
    }
    built = inputs_from_answers({**BASE_ANSWERS, "assets": [asset]})
    assert (built.assets[0].disregard, built.assets[0].disregard_reason) == (
        "other",
        "Personal injury trust",
    )
    counted = inputs_from_answers(
        {**BASE_ANSWERS, "assets": [{**asset, "asset_disregard_other": False}]}
    )
    assert (counted.assets[0].disregard, counted.assets[0].disregard_reason) == ("none", "")


@pytest.mark.parametrize(
    ("answers", "pension_age"),
    [
        # A couple: 60, partner 70. The couple amount turns on either of them (reg 7).
        ({"couple": True, "partner_pension_age": True, "pension_age": False}, True),
        ({"couple": True, "partner_pension_age": False, "pension_age": True}, False),
        ({"couple": False, "partner_pension_age": True, "pension_age": False}, False),
        ({"couple": False, "pension_age": True}, True),
    ],
)
def test_a_couples_pension_age_answer_is_for_either_of_them(
    answers: dict[str, Any], pension_age: bool
) -> None:
    built = inputs_from_answers({**BASE_ANSWERS, "date_of_birth": "1965-01-01", **answers})
    assert built.person.age == 60
    assert built.person.pension_age is pension_age


def test_answers_for_half_a_pension_paid_to_a_spouse() -> None:
    pension = {
        "income_kind": "occupational_pension",
        "income_amount": 10_000,
        "income_frequency": "weekly",
    }
    stale = {"income_kind": "esa", "income_amount": 100, "income_half_to_spouse": True}
    built = inputs_from_answers(
        {
            **BASE_ANSWERS,
            "incomes": [{**pension, "income_half_to_spouse": True}, pension, stale],
        }
    )
    # Carried for a pension; not answered is no; a stale answer on another kind is ignored.
    assert [i.half_to_spouse for i in built.incomes] == [True, False, False]


def test_answers_for_a_decision_to_charge_reablement_from_week_7() -> None:
    built = inputs_from_answers(
        {
            **BASE_ANSWERS,
            "free_service": "reablement",
            "service_start_date": "2025-04-01",
            "charge_from_week_7": True,
            "charge_decision_date": "2025-05-20",
        }
    )
    assert built.charge_after_free_weeks is True
    assert built.charge_decision_date == dt.date(2025, 5, 20)
    assert inputs_from_answers(BASE_ANSWERS).charge_after_free_weeks is False


@pytest.mark.parametrize(
    ("answers", "words"),
    [
        ({"effective_date": "2025-06-02", "weekly_cost_of_care": 1}, "date of birth"),
        ({"date_of_birth": "1980-01-01", "weekly_cost_of_care": 1}, "date the charge starts"),
        ({"date_of_birth": "1980-01-01", "effective_date": "2025-06-02"}, "weekly cost"),
        (
            {
                "date_of_birth": "1980-13-01",
                "effective_date": "2025-06-02",
                "weekly_cost_of_care": 1,
            },
            "not a date",
        ),
        (
            {
                "date_of_birth": "1980-01-01",
                "effective_date": "2025-06-02",
                "weekly_cost_of_care": "£5",
            },
            "whole number",
        ),
    ],
)
def test_inputs_from_answers_names_what_is_missing(answers: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        inputs_from_answers({"care_type": "home", **answers})
