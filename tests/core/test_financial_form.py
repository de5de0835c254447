"""The financial assessment form end to end in the core: the charge and its statement through
`forms evaluate`, and a completed record keeping its rates table so it never changes."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.editing import complete_record, start_record
from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.form_engine.evaluation import evaluate
from assessor_app.core.paths import default_forms_dir, resources_dir
from assessor_app.core.rules import charging as charging_rules
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.conftest import REPO_ROOT
from tests.core.test_cli import PASS, cli, profile  # noqa: F401 - fixtures
from tests.support import community_person

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
    assert any(r.startswith("Check: ") for r in charge["reasons"])  # an unconfirmed figure
    assert result["outcomes"]["charge_rates"]["value"].startswith("england-2025-26@1#")


@pytest.fixture
def rates_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "rates"
    shutil.copytree(resources_dir() / "rates", folder)
    monkeypatch.setenv(charging_rules.RATES_DIR_ENV, str(folder))
    return folder


def test_a_completed_record_keeps_its_table_and_refuses_a_changed_one(
    vault: Vault, rates_copy: Path
) -> None:
    registry = load_forms_dir(default_forms_dir())
    form = registry.latest("financial_assessment")
    records = AssessmentRepository(vault)
    person = PeopleRepository(vault).add(community_person())
    record = start_record(records, form, person.id, today=dt.date(2025, 6, 2))
    for key, value in ANSWERS.items():
        if key not in record.answers:
            records.save_field(record.id, key, value)
    done = complete_record(records, registry, record.id, today=dt.date(2025, 6, 9))
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
    ("born", "pension_age", "blocked"),
    [("1990-01-01", True, True), ("1990-01-01", False, False), ("1950-01-01", False, True),
     ("1950-01-01", True, False), ("1959-01-01", False, False)],
    ids=["35-says-pension-age", "35-working-age", "75-says-working-age", "75-pension-age",
         "66-either"],
)
def test_pension_age_must_fit_the_date_of_birth(
    born: str, pension_age: bool, blocked: bool
) -> None:
    form = load_forms_dir(default_forms_dir()).latest("financial_assessment")
    answers = {**ANSWERS, "date_of_birth": born, "pension_age": pension_age}
    result = evaluate(form, answers, today=dt.date(2025, 6, 2))
    assert ("pension_age" in [b.path for b in result.blockers]) is blocked


def test_a_charge_that_cannot_be_worked_out_blocks_completion() -> None:
    form = load_forms_dir(default_forms_dir()).latest("financial_assessment")
    answers = {**ANSWERS, "dre_standard": True}  # no authority standard allowance installed
    del answers["dre_items"]
    result = evaluate(form, answers, today=dt.date(2025, 6, 2))
    assert result.outcomes["charge"].value is None
    assert [b.path for b in result.blockers] == ["charge"]
