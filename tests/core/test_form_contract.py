"""The contract between the forms and the rules: what each rule reads, checked on every form.

A council's forms team may edit `forms/`; a rule reads answers by field id. These tests edit a
copy of the real forms the way a forms team would (rename a question, drop an option, change
a type, add an option the calculation does not know) and check that `forms check` refuses
the copy, naming the file, the field and the rule, instead of eligibility reading "Not yet
answered" for ever.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core import rules
from assessor_app.core.form_engine.definition import check_forms_dir, load_forms_dir
from assessor_app.core.form_engine.evaluation import evaluate
from assessor_app.core.rules import Outcome, register, text
from tests.support import registered_for_tests

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "forms"


@pytest.fixture
def forms_copy(tmp_path: Path) -> Path:
    """A copy of the shipped forms that a test may edit."""
    copy = tmp_path / "forms"
    shutil.copytree(FORMS, copy)
    return copy


def _edit(folder: Path, form: str, old: str, new: str) -> None:
    path = folder / form / "v1.yaml"
    source = path.read_text(encoding="utf-8")
    assert old in source, f"{old!r} is not in {path}"
    path.write_text(source.replace(old, new), encoding="utf-8")


def test_the_shipped_forms_keep_every_rule_contract() -> None:
    assert check_forms_dir(FORMS) == []


def test_every_registered_rule_and_check_declares_what_it_reads() -> None:
    names = rules.rule_names() + rules.check_names()
    assert names
    undeclared = [n for n in names if not n.startswith("tests.") and not rules.reads_of(n)]
    assert undeclared == []


def test_renaming_a_question_a_rule_reads_names_the_file_the_field_and_the_rule(
    forms_copy: Path,
) -> None:
    _edit(forms_copy, "needs_assessment", "id: needs_from_impairment", "id: needs_from_illness")
    _edit(
        forms_copy,
        "needs_assessment",
        "field: needs_from_impairment",
        "field: needs_from_illness",
    )
    problems = check_forms_dir(forms_copy)
    assert (
        "forms/needs_assessment/v1.yaml: needs_from_impairment: rule "
        "'care_act.adult_eligibility' reads 'needs_from_impairment', but the form has no such "
        "question"
    ) in problems
    # The completion check that reruns eligibility is named too, and nothing else is blamed.
    assert all("needs_assessment" in p and "needs_from_impairment" in p for p in problems)
    assert any("'care_act.needs_completion'" in p for p in problems)


def test_forms_check_on_the_command_line_fails_on_the_renamed_field(forms_copy: Path) -> None:
    _edit(forms_copy, "chc_checklist", "id: cl_breathing\n", "id: cl_breath\n")
    done = subprocess.run(
        [sys.executable, "-m", "assessor_app.cli", "forms", "check", str(forms_copy)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode != 0
    assert "chc_checklist/v1.yaml" in done.stderr
    assert "'chc.checklist_outcome' reads 'cl_breathing'" in done.stderr
    assert "are valid" not in done.stdout


def test_a_question_of_the_wrong_type_is_refused(forms_copy: Path) -> None:
    # The rule reads the answer as true/false; as a choice it would never be True.
    _edit(
        forms_copy,
        "carers_assessment",
        "      - id: care_necessary\n        type: yes_no",
        "      - id: care_necessary\n        type: short_text",
    )
    problems = check_forms_dir(forms_copy)
    assert any(
        "carers_assessment/v1.yaml" in p
        and "'care_act.carer_eligibility' reads 'care_necessary' as yes_no, but it is short_text"
        in p
        for p in problems
    ), problems


def test_dropping_an_option_a_rule_compares_with_is_refused(forms_copy: Path) -> None:
    _edit(forms_copy, "carers_assessment", "{value: at_risk,", "{value: at_some_risk,")
    problems = check_forms_dir(forms_copy)
    assert any(
        "health_deteriorating" in p
        and "relies on option 'at_risk' of 'health_deteriorating', which it does not offer" in p
        for p in problems
    ), problems


def test_an_option_the_charge_does_not_know_is_refused(forms_copy: Path) -> None:
    _edit(
        forms_copy,
        "financial_assessment",
        "              - {value: weekly, label: Weekly}\n",
        "              - {value: weekly, label: Weekly}\n"
        "              - {value: daily, label: Daily}\n",
    )
    problems = check_forms_dir(forms_copy)
    assert any(
        "'charging.weekly_charge' does not know option 'daily' of 'income_frequency'" in p
        for p in problems
    ), problems


def test_a_question_renamed_inside_a_group_names_the_group(forms_copy: Path) -> None:
    _edit(forms_copy, "needs_assessment", "      - id: lead_name", "      - id: lead_person")
    problems = check_forms_dir(forms_copy)
    assert any(
        "(named_leads)" in p and "reads 'lead_name' in each item of 'named_leads'" in p
        for p in problems
    ), problems


def test_a_reason_names_an_option_as_the_form_words_it(forms_copy: Path) -> None:
    _edit(
        forms_copy,
        "needs_assessment",
        "{value: sensory, label: Sensory impairment}",
        "{value: sensory, label: Sight or hearing loss}",
    )
    form = load_forms_dir(forms_copy).latest("needs_assessment")
    result = evaluate(
        form,
        {"consent": "consented", "needs_from_impairment": True, "impairment_types": ["sensory"]},
        today=dt.date(2026, 12, 3),
    )
    reasons = " ".join(result.outcomes["eligibility"].reasons)
    assert "recorded as sight or hearing loss" in reasons


def _reads_more_than_it_says(answers: Mapping[str, Any]) -> Outcome:
    return Outcome(answers.get("secret"), "Peeks")


def test_a_rule_is_handed_only_what_it_declared() -> None:
    with registered_for_tests():
        peek = register("tests.peeks", reads={"detail": text()})(_reads_more_than_it_says)
        with pytest.raises(rules.UndeclaredRead, match="tests.peeks read 'secret'"):
            peek({"detail": "x", "secret": "y"})
        # In the app (outside strict_reads) the undeclared answer is simply not there.
        before = rules._STRICT
        rules._STRICT = False
        try:
            assert peek({"detail": "x", "secret": "y"}).value is None
        finally:
            rules._STRICT = before


def test_every_named_layout_is_printed_by_the_record_document() -> None:
    from assessor_app.core.form_engine.model import LAYOUTS
    from assessor_app.core.pdf import record_document

    # dst_domain is not a renderer of its own: it marks where the domain-level table goes.
    assert set(record_document._SECTION_RENDERERS) | {"dst_domain"} == LAYOUTS


def test_forms_name_their_letters_extras_and_layouts_not_generic_code() -> None:
    registry = load_forms_dir(FORMS)
    dst = registry.latest("chc_dst")
    assert dst.extras == ("contribution_exchange",)
    assert sum(s.layout == "dst_domain" for s in dst.sections) == 12
    assert registry.latest("needs_assessment").letters == (
        "eligibility_record",
        "ineligible_advice",
    )
    assert registry.latest("sample").letters == () and registry.latest("sample").extras == ()


def test_an_unknown_layout_or_extra_is_reported(forms_copy: Path) -> None:
    _edit(forms_copy, "chc_checklist", "layout: checklist_domains", "layout: checklist_domain")
    _edit(forms_copy, "chc_dst", "extras: [contribution_exchange]", "extras: [exchange]")
    problems = check_forms_dir(forms_copy)
    assert any(
        "chc_checklist/v1.yaml" in p
        and "unknown layout 'checklist_domain' (did you mean 'checklist_domains'?)" in p
        for p in problems
    ), problems
    assert any("chc_dst/v1.yaml: extras: unknown extra 'exchange'" in p for p in problems)
