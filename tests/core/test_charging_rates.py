"""Rates tables and authority overrides: loading, checking, finding by date and by version."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from assessor_app.core.charging import (
    ChargingInputs,
    Income,
    PersonCircumstances,
    RatesTableError,
    calculate_charge,
    default_rates_dir,
    load_override,
    load_rates_dir,
    load_rates_table,
)
from assessor_app.core.charging.rates import FIGURE_LABELS, REQUIRED_FIGURES
from assessor_app.core.errors import AssessorError, NotFoundError, ValidationError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rates"
EXAMPLE_OVERRIDE = FIXTURES / "overrides" / "exampleshire-2025.yaml"
SHIPPED = default_rates_dir()
TABLE_2025 = SHIPPED / "england-2025-26-v1.yaml"


def _read(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    return path


@pytest.fixture
def rates_dir(tmp_path: Path) -> Path:
    """A copy of the shipped tables (without overrides) that a test may break."""
    folder = tmp_path / "rates"
    folder.mkdir()
    for path in SHIPPED.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    return folder


def _override(tmp_path: Path, **changes: Any) -> Path:
    data = _read(EXAMPLE_OVERRIDE)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    folder = tmp_path / "overrides"
    folder.mkdir(exist_ok=True)
    return _write(folder / "council.yaml", data)


# --- The shipped tables -----------------------------------------------------------------------


def test_the_shipped_tables_load_and_cover_three_years() -> None:
    registry = load_rates_dir()
    assert [(t.id, t.version) for t in registry.tables] == [
        ("england-2024-25", 1),
        ("england-2025-26", 1),
        ("england-2026-27", 1),
    ]
    assert registry.overrides == ()  # none shipped active
    for table in registry.tables:
        assert set(table.figures) == REQUIRED_FIGURES
        assert table.sha256 == hashlib.sha256(table.source_path.read_bytes()).hexdigest()  # type: ignore[union-attr]
        assert table.policies["cap_on_care_costs"]["enabled"] is False


def test_the_shipped_figures_that_never_change() -> None:
    # RULES.md 4.2: £23,250 / £14,250, £1 for every £250; 4.1: 6 weeks, £1,000; 4.6: £10.
    for table in load_rates_dir().tables:
        values = {name: f.value for name, f in table.figures.items()}
        assert values["upper_capital_limit"] == 2_325_000
        assert values["lower_capital_limit"] == 1_425_000
        assert values["tariff_step"] == 25_000
        assert values["tariff_per_step"] == 100
        assert values["war_widow_pension_disregard"] == 1_000
        assert values["minor_adaptation_limit"] == 100_000
        assert values["free_intermediate_care_weeks"] == 6
        assert values["property_disregard_weeks"] == 12


def test_shipped_2025_26_figures_match_rules_md() -> None:
    figures = load_rates_dir().get("england-2025-26", 1).figures
    # Secondary sources citing the 2025-26 circular (RULES.md 4.3, 4.4): confirmed.
    for name, pence in {
        "personal_expenses_allowance": 3065,
        "mig_single_18_24": 8915,
        "mig_single_25_to_pension_age": 11250,
        "mig_disability_premium_single": 4965,
        "mig_enhanced_disability_premium_single": 2425,
    }.items():
        assert (figures[name].value, figures[name].confirmed) == (pence, True), name
    # Derived or not found (RULES.md 4.4, 4.5): must never be marked confirmed.
    for name in (
        "mig_single_pension_age",
        "mig_dependent_child",
        "mig_couple_18_plus",
        "mig_couple_pension_age",
        "mig_carer_premium",
        "mig_disability_premium_couple",
        "mig_enhanced_disability_premium_couple",
        "savings_credit_disregard_single",
        "savings_credit_disregard_couple",
    ):
        assert figures[name].confirmed is False, name


def test_every_2026_27_figure_that_changes_yearly_is_unconfirmed() -> None:
    # RULES.md 4.3/4.4/section 7: the 2026-27 PEA, MIG and capital limits are not confirmed.
    table = load_rates_dir().get("england-2026-27", 1)
    assert table.figures["personal_expenses_allowance"].value == 3180
    for name, figure in table.figures.items():
        if name.startswith(("mig_", "savings_")) or name in (
            "personal_expenses_allowance",
            "upper_capital_limit",
            "lower_capital_limit",
        ):
            assert figure.confirmed is False, name


def test_every_figure_says_where_it_came_from() -> None:
    for table in load_rates_dir().tables:
        for name, figure in table.figures.items():
            if figure.confirmed:
                assert "http" in figure.source, f"{table.id} {name}"
            else:
                assert figure.source.startswith("UNCONFIRMED"), f"{table.id} {name}"


# --- Finding a table --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "table_id"),
    [
        (dt.date(2025, 4, 5), "england-2024-25"),
        (dt.date(2025, 4, 6), "england-2025-26"),
        (dt.date(2026, 4, 5), "england-2025-26"),
        (dt.date(2026, 4, 6), "england-2026-27"),
        (dt.date(2024, 4, 6), "england-2024-25"),
        (dt.date(2027, 4, 5), "england-2026-27"),
    ],
)
def test_for_date_boundaries_5_and_6_april(day: dt.date, table_id: str) -> None:
    assert load_rates_dir().for_date(day).id == table_id


def test_for_date_with_no_table_says_which_date_and_what_to_do() -> None:
    with pytest.raises(NotFoundError) as caught:
        load_rates_dir().for_date(dt.date(2019, 3, 3))
    assert caught.value.user_message == "No charging rates table covers 3 March 2019."
    assert "install" in caught.value.next_step.lower()


def test_a_newer_version_wins_by_date_and_get_still_finds_the_old_one(rates_dir: Path) -> None:
    data = _read(rates_dir / "england-2025-26-v1.yaml")
    data["version"] = 2
    data["figures"]["personal_expenses_allowance"]["value"] = 3100
    _write(rates_dir / "england-2025-26-v2.yaml", data)
    registry = load_rates_dir(rates_dir)
    latest = registry.for_date(dt.date(2025, 6, 1))
    assert (latest.version, latest.figures["personal_expenses_allowance"].value) == (2, 3100)
    old = registry.get("england-2025-26", 1)
    assert (old.version, old.figures["personal_expenses_allowance"].value) == (1, 3065)
    assert old.sha256 != latest.sha256


def test_get_an_uninstalled_version() -> None:
    with pytest.raises(NotFoundError) as caught:
        load_rates_dir().get("england-2025-26", 7)
    assert "england-2025-26 (version 7)" in caught.value.user_message


# --- Broken tables ----------------------------------------------------------------------------


def test_a_broken_table_reports_every_problem_with_file_and_key(rates_dir: Path) -> None:
    path = rates_dir / "england-2025-26-v1.yaml"
    data = _read(path)
    del data["figures"]["mig_carer_premium"]
    data["figures"]["mig_single_18_24"]["value"] = "£89.15"
    data["figures"]["personal_expenses_allowance"]["value"] = 30.65
    data["figures"]["tariff_step"]["unit"] = "pounds"
    data["figures"]["free_intermediate_care_weeks"]["unit"] = "pence"
    data["figures"]["lower_capital_limit"]["status"] = "probably"
    data["figures"]["upper_capital_limit"]["source"] = ""
    data["figures"]["mig_singel_25"] = {
        "value": 1,
        "unit": "pence",
        "source": "x",
        "status": "confirmed",
    }
    data["figures"]["standard_dre_allowance"] = {
        "value": 1,
        "unit": "pence",
        "source": "x",
        "status": "confirmed",
    }
    data["effective_to"] = "5 April 2026"
    _write(path, data)
    with pytest.raises(RatesTableError) as caught:
        load_rates_dir(rates_dir)
    problems = caught.value.problems
    name = "england-2025-26-v1.yaml"
    expected = [
        f"{name}: figures.mig_carer_premium: missing",
        f"{name}: figures.mig_single_18_24.value: must be a whole number",
        f"{name}: figures.personal_expenses_allowance.value: must be a whole number",
        f"{name}: figures.tariff_step.unit: must be one of pence, weeks or days",
        f"{name}: figures.free_intermediate_care_weeks.unit: must be weeks",
        f"{name}: figures.lower_capital_limit.status: must be confirmed or unconfirmed",
        f"{name}: figures.upper_capital_limit.source",
        f"{name}: figures.mig_singel_25: not a figure the charging rules use",
        f"{name}: figures.standard_dre_allowance: only an authority override can add it",
        f"{name}: effective_to: must be a date",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)
    assert len(problems) == len(expected)
    error = caught.value
    assert isinstance(error, AssessorError) and isinstance(error, ValidationError)
    assert "10 problems" in error.user_message
    assert "finance team" in error.next_step


def test_not_yaml_and_not_a_mapping(rates_dir: Path) -> None:
    (rates_dir / "england-2025-26-v1.yaml").write_text("id: [unclosed\n", "utf-8")
    (rates_dir / "england-2026-27-v1.yaml").write_text("- just\n- a list\n", "utf-8")
    with pytest.raises(RatesTableError) as caught:
        load_rates_dir(rates_dir)
    assert any(
        "england-2025-26-v1.yaml: the file is not valid YAML" in p for p in caught.value.problems
    )
    assert any(
        "england-2026-27-v1.yaml: the file must be a mapping" in p for p in caught.value.problems
    )


def test_an_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(RatesTableError, match="no rates tables"):
        load_rates_dir(tmp_path)


def test_file_name_must_match_id_and_version(rates_dir: Path) -> None:
    (rates_dir / "england-2025-26-v1.yaml").rename(rates_dir / "england-2025-26.yaml")
    with pytest.raises(RatesTableError) as caught:
        load_rates_dir(rates_dir)
    assert caught.value.problems == (
        "england-2025-26.yaml: the file name must be england-2025-26-v1.yaml to match its id "
        "and version",
    )


def test_lower_limit_must_be_below_upper_limit(rates_dir: Path) -> None:
    path = rates_dir / "england-2024-25-v1.yaml"
    data = _read(path)
    data["figures"]["lower_capital_limit"]["value"] = 2_325_000
    _write(path, data)
    with pytest.raises(RatesTableError, match="lower_capital_limit: must be below"):
        load_rates_dir(rates_dir)


def test_overlapping_periods_between_different_tables_are_refused(rates_dir: Path) -> None:
    data = _read(rates_dir / "england-2025-26-v1.yaml")
    data["id"] = "england-2025-26-interim"
    data["effective_from"] = dt.date(2026, 1, 1)
    data["effective_to"] = dt.date(2026, 6, 30)
    _write(rates_dir / "england-2025-26-interim-v1.yaml", data)
    with pytest.raises(RatesTableError) as caught:
        load_rates_dir(rates_dir)
    problems = caught.value.problems
    assert len(problems) == 2  # overlaps 2025-26 and 2026-27
    assert any("overlaps england-2025-26 (6 April 2025 to 5 April 2026)" in p for p in problems)
    assert any(
        "overlaps england-2026-27" in p or "england-2026-27 (6 April 2026" in p for p in problems
    )


def test_two_files_with_the_same_id_and_version(rates_dir: Path) -> None:
    shutil.copy(rates_dir / "england-2025-26-v1.yaml", rates_dir / "england-2025-26-v1.yml.yaml")
    with pytest.raises(RatesTableError) as caught:
        load_rates_dir(rates_dir)
    assert any("version 1 is also in" in p for p in caught.value.problems)


def test_versions_of_one_table_must_cover_the_same_dates(rates_dir: Path) -> None:
    data = _read(rates_dir / "england-2025-26-v1.yaml")
    data["version"] = 2
    data["effective_to"] = dt.date(2025, 12, 31)
    _write(rates_dir / "england-2025-26-v2.yaml", data)
    with pytest.raises(RatesTableError, match="every version of england-2025-26 must cover"):
        load_rates_dir(rates_dir)


@pytest.mark.parametrize("policy", ["cap_on_care_costs", "care_accounts"])
def test_a_table_enabling_an_unimplemented_policy_is_refused(rates_dir: Path, policy: str) -> None:
    path = rates_dir / "england-2026-27-v1.yaml"
    data = _read(path)
    data["policies"] = {policy: {"enabled": True, "note": "switched on"}}
    _write(path, data)
    with pytest.raises(RatesTableError) as caught:
        load_rates_dir(rates_dir)
    assert caught.value.problems == (
        f"england-2026-27-v1.yaml: policies.{policy}: switches on a policy this version of the "
        "app does not implement, so no charge can be worked out from this table",
    )


def test_a_disabled_policy_is_kept_for_later() -> None:
    table = load_rates_table(TABLE_2025)
    assert "not taken forward" in table.policies["cap_on_care_costs"]["note"]


def test_the_engine_refuses_a_table_built_with_an_enabled_policy() -> None:
    table = load_rates_table(TABLE_2025)
    enabled = dataclasses.replace(table, policies={"cap_on_care_costs": {"enabled": True}})
    inputs = ChargingInputs(
        care_type="home",
        weekly_cost_of_care=10_000,
        effective_date=dt.date(2025, 6, 1),
        person=PersonCircumstances(age=40),
    )
    with pytest.raises(RatesTableError, match="cap_on_care_costs"):
        calculate_charge(inputs, enabled)


# --- Authority overrides ----------------------------------------------------------------------


def test_the_example_override_loads_and_applies_from_its_date() -> None:
    registry = load_rates_dir(overrides=EXAMPLE_OVERRIDE.parent)
    assert registry.override_for(dt.date(2025, 4, 5)) is None
    override = registry.override_for(dt.date(2025, 4, 6))
    assert override is not None
    assert override.authority == "Exampleshire County Council"
    assert override.figures["mig_single_25_to_pension_age"].value == 12_000
    assert override.sha256 == hashlib.sha256(EXAMPLE_OVERRIDE.read_bytes()).hexdigest()
    assert registry.override_for(dt.date(2026, 6, 1)) is override  # until a later one starts


def test_overrides_are_read_from_the_overrides_folder_by_default(rates_dir: Path) -> None:
    (rates_dir / "overrides").mkdir()
    shutil.copy(EXAMPLE_OVERRIDE, rates_dir / "overrides" / "ours.yaml")
    (rates_dir / "overrides" / "README.md").write_text("not an override", "utf-8")
    registry = load_rates_dir(rates_dir)
    assert len(registry.overrides) == 1


def test_a_less_generous_override_is_refused(tmp_path: Path) -> None:
    path = _override(
        tmp_path,
        figures={
            "mig_single_18_24": {"value": 8000, "reason": "saving money"},
            "personal_expenses_allowance": {"value": 2500, "reason": "saving money"},
        },
    )
    with pytest.raises(RatesTableError) as caught:
        load_rates_dir(overrides=[path])
    problems = caught.value.problems
    # It applies from 6 April 2025, so it is checked against 2025-26, the table in force then.
    assert (
        "council.yaml: figures.mig_single_18_24: £80.00 is less than the national £89.15 in "
        "rates table england-2025-26 (version 1); an authority may only set this figure higher"
    ) in problems
    assert any(
        "personal_expenses_allowance: £25.00 is less than the national £30.65 in rates table "
        "england-2025-26" in p
        for p in problems
    )
    assert len(problems) == 2


def test_an_override_overtaken_by_a_later_national_rise_loads_and_the_higher_figure_applies(
    tmp_path: Path,
) -> None:
    # £90.00 beats 2025-26's £89.15 (in force on 6 April 2025, when it was signed to apply), but
    # not 2026-27's estimated £92.55: it still loads, and 2026-27 charges use £92.55.
    path = _override(tmp_path, figures={"mig_single_18_24": {"value": 9000, "reason": "local"}})
    registry = load_rates_dir(overrides=[path])
    override = registry.override_for(dt.date(2026, 6, 1))
    assert override is not None and override.figures["mig_single_18_24"].value == 9_000

    def young(day: dt.date) -> ChargingInputs:
        # £150.00 a week of ESA, aged 20, care at home costing £500.00.
        return ChargingInputs(
            care_type="home",
            weekly_cost_of_care=50_000,
            effective_date=day,
            person=PersonCircumstances(age=20),
            incomes=(Income("esa", 15_000),),
        )

    later_day = dt.date(2026, 6, 1)
    later = calculate_charge(young(later_day), registry.for_date(later_day), override)
    mig = next(ln for ln in later.lines if ln.label == "Less Minimum Income Guarantee")
    assert mig.pence == 9_255
    assert (
        "national figure applies: it is higher than the local one "
        "(Exampleshire County Council's £90.00)"
    ) in mig.note
    assert later.weekly_charge_pence == 15_000 - 9_255
    assert later.overrides_used == ()
    assert later.override_sha256 is None
    assert any("92.55" in w for w in later.warnings)  # the national figure is unconfirmed

    day = dt.date(2025, 6, 2)
    earlier = calculate_charge(young(day), registry.for_date(day), override)
    mig = next(ln for ln in earlier.lines if ln.label == "Less Minimum Income Guarantee")
    assert mig.pence == 9_000
    assert "Exampleshire County Council's own figure" in mig.note
    assert earlier.overrides_used == ("mig_single_18_24",)


def test_an_override_less_generous_than_the_table_in_force_on_its_start_is_refused(
    tmp_path: Path,
) -> None:
    # The same £90.00, but applying from 6 April 2026, when the national figure is £92.55.
    path = _override(
        tmp_path,
        applies_from=dt.date(2026, 4, 6),
        figures={"mig_single_18_24": {"value": 9000, "reason": "local"}},
    )
    with pytest.raises(RatesTableError) as caught:
        load_rates_dir(overrides=[path])
    assert len(caught.value.problems) == 1
    assert "£90.00 is less than the national £92.55" in caught.value.problems[0]
    assert "england-2026-27" in caught.value.problems[0]
    override = load_override(path)
    table = load_rates_dir().for_date(dt.date(2026, 6, 1))
    inputs = ChargingInputs(
        care_type="home",
        weekly_cost_of_care=50_000,
        effective_date=dt.date(2026, 6, 1),
        person=PersonCircumstances(age=20),
    )
    with pytest.raises(RatesTableError, match="less than the national"):
        calculate_charge(inputs, table, override)


@pytest.mark.parametrize("missing", ["signed_off_by", "signed_off_on"])
def test_an_unsigned_override_is_refused(tmp_path: Path, missing: str) -> None:
    path = _override(tmp_path, **{missing: None})
    with pytest.raises(RatesTableError) as caught:
        load_override(path)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"council.yaml: {missing}: missing")
    assert "signed" in caught.value.problems[0]


def test_an_override_cannot_change_other_figures(tmp_path: Path) -> None:
    path = _override(
        tmp_path,
        figures={
            "tariff_per_step": {"value": 50, "reason": "cheaper tariff"},
            "mig_pink": {"value": 50, "reason": "typo"},
            "mig_carer_premium": {"value": 9000},
        },
    )
    with pytest.raises(RatesTableError) as caught:
        load_override(path)
    assert caught.value.problems == (
        "council.yaml: figures.tariff_per_step: an authority override cannot change this figure",
        "council.yaml: figures.mig_pink: not a figure the charging rules use (check the spelling)",
        "council.yaml: figures.mig_carer_premium.reason: say why the authority chose this figure",
    )


def test_an_override_lower_limit_must_stay_below_the_upper(tmp_path: Path) -> None:
    path = _override(
        tmp_path, figures={"lower_capital_limit": {"value": 2_400_000, "reason": "generous"}}
    )
    with pytest.raises(RatesTableError, match="must be below the upper capital limit"):
        load_rates_dir(overrides=[path])


def test_overrides_from_two_authorities_or_one_start_date_are_refused(tmp_path: Path) -> None:
    first = _override(tmp_path)
    data = _read(first)
    data["authority"] = "Otherborough Council"
    second = _write(tmp_path / "overrides" / "other.yaml", data)
    with pytest.raises(RatesTableError) as caught:
        load_rates_dir(overrides=[first, second])
    problems = caught.value.problems
    assert any("more than one authority" in p for p in problems)
    assert any("another override also starts on 6 April 2025" in p for p in problems)


def test_labels_cover_every_figure() -> None:
    assert REQUIRED_FIGURES < set(FIGURE_LABELS)
