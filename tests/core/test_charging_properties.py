"""Properties of the charge that hold for any inputs (hypothesis).

Never negative, never above the cost of care, never lower when a counted income rises, and the
same inputs with the same table always give the same pennies. Plus the two money conversions
against an exact Fraction reference.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from fractions import Fraction
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from assessor_app.core.charging import (
    Asset,
    ChargingInputs,
    Income,
    PersonCircumstances,
    calculate_charge,
    load_override,
    load_rates_dir,
    load_rates_table,
    tariff_income,
    weekly_amount,
)
from assessor_app.core.charging.calculation import (
    ASSET_KINDS,
    FREQUENCIES,
    INCOME_KINDS,
    INCOME_TREATMENT,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rates"
REGISTRY = load_rates_dir()
OVERRIDE = load_override(FIXTURES / "overrides" / "exampleshire-2025.yaml")
SETTINGS = settings(max_examples=150, deadline=None, database=None)
INCREASING_KINDS = sorted(k for k, t in INCOME_TREATMENT.items() if t != "disregarded")
"""Counted and partly counted kinds: more of them never lowers the charge."""

pence = st.integers(min_value=0, max_value=5_000_000)
days = st.dates(min_value=dt.date(2024, 4, 6), max_value=dt.date(2027, 4, 5))


@st.composite
def people(draw: st.DrawFn) -> PersonCircumstances:
    couple = draw(st.booleans())
    return PersonCircumstances(
        age=draw(st.integers(min_value=18, max_value=105)),
        pension_age=draw(st.booleans()),
        couple=couple,
        lone_parent=False if couple else draw(st.booleans()),
        dependent_children=draw(st.integers(min_value=0, max_value=4)),
        disability_premium=draw(st.booleans()),
        enhanced_disability_premium=draw(st.booleans()),
        carer_premium=draw(st.booleans()),
    )


@st.composite
def assets(draw: st.DrawFn) -> Asset:
    kind = draw(st.sampled_from(sorted(ASSET_KINDS)))
    reasons = (
        [
            "none",
            "twelve_week",
            "occupied_by_partner_or_relative",
            "other",
            "main_home_care_at_home",
        ]
        if kind == "property_main_home"
        else ["none", "other"]
    )
    share = draw(st.sampled_from([None, (1, 2), (1, 3), (2, 3), (1, 1)]))
    return Asset(
        kind=kind,
        value_pence=draw(st.integers(min_value=0, max_value=50_000_000)),
        joint=draw(st.booleans()),
        share_numerator=share[0] if share else None,
        share_denominator=share[1] if share else None,
        disregard=draw(st.sampled_from(reasons)),
        disregard_reason=draw(st.sampled_from(["", "Personal injury trust"])),
    )


@st.composite
def incomes(draw: st.DrawFn, kinds: list[str] | None = None) -> Income:
    return Income(
        kind=draw(st.sampled_from(kinds or sorted(INCOME_KINDS))),
        amount_pence=draw(st.integers(min_value=0, max_value=400_000)),
        frequency=draw(st.sampled_from(sorted(FREQUENCIES))),
        joint=draw(st.booleans()),
    )


@st.composite
def charging_inputs(draw: st.DrawFn) -> ChargingInputs:
    day = draw(days)
    kind = draw(st.sampled_from(["full", "full", "full", "light_touch"]))
    basis = draw(st.sampled_from(["refused", "clearly_over", "clearly_under"]))
    free = draw(st.sampled_from([None, None, None, "reablement", "minor_adaptation", "aids"]))
    first_admission = draw(st.booleans())
    dre_standard = draw(st.booleans())
    decided = draw(st.booleans())
    return ChargingInputs(
        care_type=draw(st.sampled_from(["home", "permanent_care_home", "temporary_care_home"])),
        weekly_cost_of_care=draw(st.integers(min_value=0, max_value=300_000)),
        effective_date=day,
        person=draw(people()),
        assets=tuple(draw(st.lists(assets(), max_size=4))),
        incomes=tuple(draw(st.lists(incomes(), max_size=5))),
        notional_capital_pence=draw(st.none() | pence),
        first_admission=first_admission,
        first_permanent_admission_date=(
            day - dt.timedelta(days=draw(st.integers(min_value=-10, max_value=200)))
            if first_admission
            else None
        ),
        free_service=free,
        service_start_date=day - dt.timedelta(days=draw(st.integers(0, 100))),
        charge_after_free_weeks=decided,
        charge_decision_date=(
            day - dt.timedelta(days=draw(st.integers(-30, 100))) if decided else None
        ),
        adaptation_cost=draw(pence),
        assessment_kind=kind,
        light_touch_basis=basis if kind == "light_touch" else None,
        light_touch_no_contribution=draw(st.booleans()),
        agreed_weekly_charge=draw(pence),
        housing_costs_weekly=draw(st.integers(min_value=0, max_value=50_000)),
        use_standard_dre=dre_standard,
        dre_items=()
        if dre_standard
        else tuple(
            draw(st.lists(st.tuples(st.just("Expense"), st.integers(0, 10_000)), max_size=3))
        ),
    )


def _charge(inputs: ChargingInputs, with_override: bool) -> int:
    table = REGISTRY.for_date(inputs.effective_date)
    override = (
        OVERRIDE if with_override and inputs.effective_date >= OVERRIDE.applies_from else None
    )
    return calculate_charge(inputs, table, override).weekly_charge_pence


@SETTINGS
@given(charging_inputs(), st.booleans())
def test_the_charge_is_never_negative_nor_above_the_cost(
    inputs: ChargingInputs, with_override: bool
) -> None:
    charge = _charge(inputs, with_override)
    assert 0 <= charge <= inputs.weekly_cost_of_care


@SETTINGS
@given(charging_inputs(), incomes(INCREASING_KINDS), st.booleans())
def test_more_counted_income_never_lowers_the_charge(
    inputs: ChargingInputs, extra: Income, with_override: bool
) -> None:
    before = _charge(inputs, with_override)
    more = dataclasses.replace(inputs, incomes=(*inputs.incomes, extra))
    assert _charge(more, with_override) >= before


@SETTINGS
@given(charging_inputs(), st.integers(min_value=1, max_value=100_000), st.booleans())
def test_raising_one_counted_income_never_lowers_the_charge(
    inputs: ChargingInputs, rise: int, with_override: bool
) -> None:
    counted = [i for i, inc in enumerate(inputs.incomes) if inc.kind in INCREASING_KINDS]
    if not counted:
        inputs = dataclasses.replace(inputs, incomes=(*inputs.incomes, Income("esa", 0)))
        counted = [len(inputs.incomes) - 1]
    index = counted[0]
    raised = list(inputs.incomes)
    raised[index] = dataclasses.replace(
        raised[index], amount_pence=raised[index].amount_pence + rise
    )
    before = _charge(inputs, with_override)
    assert _charge(dataclasses.replace(inputs, incomes=tuple(raised)), with_override) >= before


@SETTINGS
@given(charging_inputs())
def test_same_inputs_and_same_table_give_the_same_pennies(inputs: ChargingInputs) -> None:
    table = REGISTRY.for_date(inputs.effective_date)
    first = calculate_charge(inputs, table)
    again = calculate_charge(inputs, table)
    assert first == again
    # The same table read afresh from its file (as when reproducing an old charge).
    reread = load_rates_table(table.source_path)  # type: ignore[arg-type]
    fresh = calculate_charge(dataclasses.replace(inputs), reread)
    assert (fresh.weekly_charge_pence, fresh.lines, fresh.table_sha256) == (
        first.weekly_charge_pence,
        first.lines,
        first.table_sha256,
    )


@SETTINGS
@given(
    st.integers(min_value=0, max_value=10**12),
    st.sampled_from(sorted(FREQUENCIES)),
    st.booleans(),
)
def test_weekly_amount_is_the_exact_value_rounded_once_half_up(
    amount: int, frequency: str, joint: bool
) -> None:
    times, per = FREQUENCIES[frequency]
    exact = Fraction(amount * times, per * (2 if joint else 1))
    assert weekly_amount(amount, frequency, joint=joint) == math.floor(exact + Fraction(1, 2))


@SETTINGS
@given(st.integers(min_value=0, max_value=10**10), st.integers(min_value=0, max_value=10**6))
def test_tariff_is_one_pound_per_250_or_part_and_never_falls(capital: int, more: int) -> None:
    tariff = tariff_income(capital, 1_425_000, 2_325_000, 25_000, 100)
    excess = min(capital, 2_325_000) - 1_425_000
    assert tariff == (math.ceil(Fraction(excess, 25_000)) * 100 if excess > 0 else 0)
    assert 0 <= tariff <= 3_600
    assert tariff_income(capital + more, 1_425_000, 2_325_000, 25_000, 100) >= tariff
