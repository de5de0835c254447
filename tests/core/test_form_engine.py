"""Form engine behaviour on real definition files: loading, answers, navigation, evaluation."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.errors import FormDefinitionError, NotFoundError, ValidationError
from assessor_app.core.form_engine.answers import (
    Problem,
    is_visible,
    next_section,
    previous_section,
    section_status,
    set_answer,
    validate_answers,
    visible_answers,
)
from assessor_app.core.form_engine.definition import (
    FieldType,
    FormDefinition,
    check_forms_dir,
    load_definition,
    load_forms_dir,
)
from assessor_app.core.form_engine.evaluation import evaluate
from assessor_app.core.form_engine.migration import migrate_answers
from assessor_app.core.rules import Outcome, register
from tests.support import registered_for_tests

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "forms"
FIXTURES = ROOT / "tests" / "fixtures" / "forms"
TODAY = dt.date(2024, 6, 1)


def _always_raises(answers: Mapping[str, Any]) -> Outcome:
    """A rule with a bug, registered for this module's tests only."""
    raise ZeroDivisionError(f"boom with {len(answers)} answers")


@pytest.fixture(autouse=True, scope="module")
def _test_rules() -> Iterator[None]:
    with registered_for_tests():
        register("tests.always_raises", reads={})(_always_raises)
        yield


@pytest.fixture
def sample() -> FormDefinition:
    """The latest sample form, loaded from the real file every test."""
    return load_forms_dir(FORMS).latest("sample")


@pytest.fixture
def good_answers() -> dict[str, Any]:
    """Answers to sample v2 that break no rule; tests change one thing each."""
    data: dict[str, Any] = json.loads((FIXTURES / "answers" / "sample_v2.json").read_text())
    return data


# --- definitions -------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(FORMS.glob("*/v*.yaml")), ids=lambda p: p.stem)
def test_every_form_file_loads(path: Path) -> None:
    defn = load_definition(path)
    assert defn.id == path.parent.name
    assert f"v{defn.version}.yaml" == path.name


def test_forms_folder_has_no_problems() -> None:
    assert check_forms_dir(FORMS) == []


def test_sample_form_uses_every_field_type(sample: FormDefinition) -> None:
    assert {f.type for f in sample.all_fields()} == set(FieldType)


def test_registry_lists_versions_and_latest() -> None:
    registry = load_forms_dir(FORMS)
    assert registry.versions("sample") == [1, 2]
    assert registry.latest("sample").version == 2
    assert [d.id for d in registry.forms()] == [
        "care_review",
        "care_support_plan",
        "carers_assessment",
        "carers_support_plan",
        "chc_checklist",
        "chc_dst",
        "chc_fast_track",
        "financial_assessment",
        "needs_assessment",
        "sample",
    ]
    assert registry.get("sample", 1).field("living_situation").type is FieldType.SINGLE_CHOICE
    # As offered to start: what is usual first, the developers' sample (no `order`) last.
    assert [d.id for d in registry.usual_order()] == [
        "needs_assessment",
        "care_support_plan",
        "care_review",
        "carers_assessment",
        "carers_support_plan",
        "financial_assessment",
        "chc_checklist",
        "chc_dst",
        "chc_fast_track",
        "sample",
    ]
    assert [d.id for d in registry.forms() if d.developers_only] == ["sample"]
    with pytest.raises(NotFoundError, match="Version 9 of the form 'sample'"):
        registry.get("sample", 9)


def test_nested_fields_name_their_group(sample: FormDefinition) -> None:
    assert sample.field("income_amount").parent == "income_sources"
    assert sample.field("income_sources").parent is None
    with pytest.raises(ValidationError, match="no question 'nope'"):
        sample.field("nope")


MALFORMED = {
    "typo_key": "sections[0].fields[1] (age): unknown key 'requird' (did you mean 'required'?)",
    "duplicate_id": "sections[1].fields[1] (preferred_name): duplicate field id "
    "'preferred_name' (also used at sections[0].fields[0] (preferred_name))",
    "unknown_type": "sections[0].fields[0] (visit_date): unknown field type 'datetime' "
    "(did you mean 'date'?)",
    "bad_show_when": "sections[0].fields[3] (carer_name): show_when refers to unknown field "
    "'has_carr'",
    "show_when_loop": "sections[0].fields[0] (first): show_when makes a loop: "
    "first → second → first",
    # libyaml's wording (the C parser the app uses where PyYAML has it).
    "yaml_syntax": "line 9, column 1: this is not valid YAML (did not find expected ',' or "
    "'}', while parsing a flow mapping that starts on line 8)",
    "unknown_rule": "sections[0].fields[0] (band): unknown rule 'sample.support_bands' "
    "(did you mean 'sample.support_band'?)",
    "bad_regex": "sections[0].fields[0] (postcode): pattern '[A-Z' is not a valid regular "
    "expression (unterminated character set)",
    "duplicate_option": "sections[0].fields[0] (living).options[2]: duplicate option value 'alone'",
    "empty_options": "sections[0].fields[0] (aids): 'options' must be a non-empty list",
    "missing_label": "sections[0].fields[0] (notes): missing required key 'label'",
    "version_mismatch": "version: version 2 does not match the file name v1.yaml",
    "unknown_migration_field": "migrations[0].steps[0]: rename: 'to' names unknown field 'livng'",
    "bad_order": "order: 'order' must be a whole number of 1 or more",
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_definition_names_file_and_path(case: str) -> None:
    (path,) = (FIXTURES / "malformed" / case).glob("v*.yaml")
    with pytest.raises(FormDefinitionError) as caught:
        load_definition(path)
    # Exact equality: the one problem, no "(and N more problems)" tail.
    assert caught.value.user_message == f"malformed/{case}/{path.name}: {MALFORMED[case]}"


def test_check_reports_every_problem_in_every_file() -> None:
    problems = check_forms_dir(FIXTURES / "malformed")
    for case, message in MALFORMED.items():
        assert any(p.startswith(f"malformed/{case}/") and p.endswith(message) for p in problems)
    with pytest.raises(FormDefinitionError, match=r"\(and \d+ more problems\)"):
        load_forms_dir(FIXTURES / "malformed")


def test_check_compares_migration_with_the_version_it_reads() -> None:
    assert check_forms_dir(FIXTURES / "cross") == [
        "cross/leftover/v2.yaml: migrations[0].steps[0]: drop: 'old_cod' is not a field in "
        "version 1",
        "cross/leftover/v2.yaml: migrations[0]: field 'old_code' of version 1 is not in "
        "version 2; add a rename or drop step for it",
    ]


def test_missing_forms_folder_is_a_problem(tmp_path: Path) -> None:
    assert check_forms_dir(tmp_path / "absent") == [
        f"{tmp_path / 'absent'}: the forms folder does not exist"
    ]


# --- answers -----------------------------------------------------------------------------


def test_sample_answers_are_valid(sample: FormDefinition, good_answers: dict[str, Any]) -> None:
    assert validate_answers(sample, good_answers, today=TODAY) == []


BROKEN = [
    ("preferred_name", "Sam 2", "preferred_name", "Names do not contain digits."),
    ("preferred_name", "x" * 81, "preferred_name", "Enter no more than 80 characters."),
    ("preferred_name", 7, "preferred_name", "Enter the answer as text."),
    ("visit_date", "2024-06-02", "visit_date", "Enter a date that is not in the future."),
    ("visit_date", "2023-02-30", "visit_date", "Enter a real date – 2023-02-30 does not exist."),
    ("visit_date", "01/05/2024", "visit_date",
     "Enter the date as year-month-day, for example 2024-03-31."),
    ("visit_date", "1999-12-31", "visit_date", "Enter a date on or after 1 January 2000."),
    ("weekly_rent", "125.00", "weekly_rent", "Enter an amount of money in pounds and pence."),
    ("weekly_rent", 125.5, "weekly_rent", "Enter an amount of money in pounds and pence."),
    ("weekly_rent", -1, "weekly_rent", "Enter an amount of at least £0.00."),
    ("weekly_rent", 100001, "weekly_rent", "Enter an amount no more than £1,000.00."),
    ("hours", 200, "hours", "Enter a number no more than 168."),
    ("hours", True, "hours", "Enter a number."),
    ("nights", 2.5, "nights", "Enter a whole number."),
    ("living", "with_family", "living", "Choose one of the listed options."),
    ("mobility", "D", "mobility", "Choose one of the listed levels."),
    ("aids", ["stick", "crutch"], "aids", "Choose only from the listed options."),
    ("aids", ["stick", "stick"], "aids", "Choose each option only once."),
    ("has_carer", "yes", "has_carer", "Choose yes or no."),
    ("income_sources[1].income_amount", "5", "income_sources[1].income_amount",
     "Enter an amount of money in pounds and pence."),
    ("income_sources[0].income_source", "lottery", "income_sources[0].income_source",
     "Choose one of the listed options."),
    ("income_sources[0].nickname", "x", "income_sources[0].nickname",
     "This answer is for a question that is not on this form."),
    ("income_sources", [], "income_sources", "Add at least 1 income source."),
    ("person_signature", {"strokes": []}, "person_signature",
     "The signature could not be read. Ask the person to sign again."),
    ("person_signature", {"unable_to_sign": " "}, "person_signature",
     "Say why the person is unable to sign."),
    ("score_band", "high", "score_band", "This is worked out by the form and cannot be entered."),
    ("favourite_colour", "blue", "favourite_colour",
     "This answer is for a question that is not on this form."),
    ("preferred_name", None, "preferred_name", "Enter an answer."),
    ("mobility", None, "mobility", "Choose one of the listed levels."),
    ("income_sources[1].income_other", None, "income_sources[1].income_other", "Enter an answer."),
]  # fmt: skip


@pytest.mark.parametrize(("path", "value", "where", "message"), BROKEN)
def test_broken_answer_is_reported_at_its_path(
    sample: FormDefinition,
    good_answers: dict[str, Any],
    path: str,
    value: Any,
    where: str,
    message: str,
) -> None:
    answers = set_answer(good_answers, path, value)
    assert validate_answers(sample, answers, today=TODAY) == [Problem(where, message)]


def test_too_many_group_items(sample: FormDefinition, good_answers: dict[str, Any]) -> None:
    item = {"income_source": "pension", "income_amount": 100}
    answers = set_answer(good_answers, "income_sources", [item] * 11)
    assert validate_answers(sample, answers, today=TODAY) == [
        Problem("income_sources", "Add no more than 10 income sources.")
    ]


def test_hidden_required_field_is_not_reported(
    sample: FormDefinition, good_answers: dict[str, Any]
) -> None:
    answers = set_answer(good_answers, "has_carer", False)
    answers = set_answer(answers, "carer_name", None)
    answers = set_answer(answers, "living", "alone")
    answers = set_answer(answers, "care_home_name", None)
    assert validate_answers(sample, answers, today=TODAY) == []


def test_field_behind_a_hidden_field_is_hidden_too(
    sample: FormDefinition, good_answers: dict[str, Any]
) -> None:
    # carer_phone shows when carer_name is set; carer_name is hidden once has_carer is False,
    # so its stale answer must not keep carer_phone (with a bad number) visible.
    answers = set_answer(good_answers, "has_carer", False)
    answers = set_answer(answers, "carer_phone", "not a phone")
    assert validate_answers(sample, answers, today=TODAY) == []
    shown = visible_answers(sample, answers)
    assert "carer_name" not in shown and "carer_phone" not in shown
    assert answers["carer_name"] == "Jo Bloggs"  # hidden answers stay in the draft


def test_visible_required_field_is_reported(
    sample: FormDefinition, good_answers: dict[str, Any]
) -> None:
    answers = set_answer(good_answers, "carer_name", None)
    assert validate_answers(sample, answers, today=TODAY) == [
        Problem("carer_name", "Enter an answer.")
    ]


def test_is_visible_follows_each_condition_kind(sample: FormDefinition) -> None:
    assert is_visible(sample.field("preferred_name"), {})
    assert is_visible(sample.field("carer_name"), {"has_carer": True})
    assert not is_visible(sample.field("carer_name"), {"has_carer": 1})
    assert is_visible(sample.field("carer_phone"), {"carer_name": "Jo"})
    assert not is_visible(sample.field("carer_phone"), {"carer_name": "  "})
    assert is_visible(sample.field("care_home_name"), {"living": "care_home"})
    assert not is_visible(sample.field("care_home_name"), {"living": "alone"})


def test_section_status_counts(sample: FormDefinition, good_answers: dict[str, Any]) -> None:
    empty = {s.section_id: s for s in section_status(sample, {}, today=TODAY)}
    assert list(empty) == ["about", "needs", "money", "sign"]
    about = empty["about"]
    assert (about.complete, about.answered, about.required_missing, about.problems) == (
        False, 0, 4, 0,
    )  # fmt: skip
    full = section_status(sample, good_answers, today=TODAY)
    assert all(s.complete for s in full)
    assert [s.answered for s in full] == [8, 5, 2, 1]
    broken = set_answer(good_answers, "hours", -3)
    needs = section_status(sample, broken, today=TODAY)[1]
    assert (needs.complete, needs.required_missing, needs.problems) == (False, 0, 1)


def test_navigation_moves_through_sections(sample: FormDefinition) -> None:
    assert next_section(sample, "about") == sample.sections[1]
    assert previous_section(sample, "needs") == sample.sections[0]
    assert next_section(sample, "sign") is None
    assert previous_section(sample, "about") is None
    with pytest.raises(NotFoundError, match="no section 'nowhere'"):
        next_section(sample, "nowhere")


def test_navigation_skips_a_section_with_every_question_hidden() -> None:
    defn = load_definition(FIXTURES / "valid" / "skipping" / "v1.yaml")
    start, pet, finish = defn.sections
    assert next_section(defn, "start", answers={"has_pet": False}) == finish
    assert next_section(defn, "start", answers={"has_pet": True}) == pet
    assert previous_section(defn, "finish", answers={}) == start
    assert next_section(defn, "start") == pet  # without answers nothing is skipped


def test_set_answer_returns_a_new_dict(good_answers: dict[str, Any]) -> None:
    before = copy.deepcopy(good_answers)
    changed = set_answer(good_answers, "income_sources[2].income_amount", 300)
    assert good_answers == before
    assert changed["income_sources"][2] == {"income_amount": 300}
    removed = set_answer(changed, "income_sources[0]", None)
    assert [i["income_amount"] for i in removed["income_sources"]] == [500, 300]
    with pytest.raises(ValidationError, match="no item 6 of 'income_sources'"):
        set_answer(good_answers, "income_sources[5].income_amount", 1)
    with pytest.raises(ValidationError, match="not a question path"):
        set_answer(good_answers, "income_sources.1", 1)


# --- migration ---------------------------------------------------------------------------


def test_sample_v1_answers_migrate_to_v2() -> None:
    registry = load_forms_dir(FORMS)
    v1_answers = json.loads((FIXTURES / "answers" / "sample_v1.json").read_text())
    before = copy.deepcopy(v1_answers)
    assert validate_answers(registry.get("sample", 1), v1_answers, today=TODAY) == []
    version, migrated = migrate_answers(registry, "sample", 1, v1_answers)
    assert v1_answers == before
    assert version == 2
    assert migrated == {
        "preferred_name": "Sam",
        "visit_date": "2024-05-01",
        "has_carer": False,
        "living": "family",
        "interpreter_needed": False,
        "mobility": "C",
        "hours": 20,
        "income_sources": [{"income_source": "benefits", "income_amount": 9000}],
        "person_signature": {"unable_to_sign": "Has a broken wrist."},
    }
    assert validate_answers(registry.get("sample", 2), migrated, today=TODAY) == []


@pytest.mark.parametrize(
    ("start", "answers", "end", "expected"),
    [
        (1, {"name": "Ann"}, 2, {"full_name": "Ann"}),
        (2, {"full_name": "Ann"}, 2, {"full_name": "Ann"}),
        (3, {"given_name": "Ann"}, 4, {"given_name": "Ann", "consent": False}),
        (4, {"consent": True}, 4, {"consent": True}),
    ],
)
def test_a_version_gap_does_not_strand_a_draft(
    start: int, answers: dict[str, Any], end: int, expected: dict[str, Any]
) -> None:
    registry = load_forms_dir(FIXTURES / "valid")
    assert migrate_answers(registry, "gappy", start, answers) == (end, expected)


def test_unknown_form_keeps_its_answers() -> None:
    registry = load_forms_dir(FORMS)
    assert migrate_answers(registry, "retired", 3, {"a": 1}) == (3, {"a": 1})


# --- evaluation --------------------------------------------------------------------------


def test_evaluate_gives_json_with_outcome_and_reasons(
    sample: FormDefinition, good_answers: dict[str, Any]
) -> None:
    result = evaluate(sample, good_answers, today=TODAY).to_json()
    assert json.loads(json.dumps(result)) == result
    assert result == {
        "form": "sample",
        "version": 2,
        "valid": True,
        "completable": True,
        "problems": [],
        "blockers": [],
        "outcomes": {
            "score_band": {
                "rule": "sample.support_band",
                "value": "medium",
                "label": "Medium support",
                "reasons": [
                    "Mobility was rated B (the person needs some help).",
                    "The person needs 10 hours of help each week.",
                    "Together these score 2 out of 4, which suggests medium support.",
                ],
            }
        },
    }


def test_evaluate_reports_problems_and_missing_rule_inputs(sample: FormDefinition) -> None:
    result = evaluate(sample, {"mobility": "A", "hours": "lots"}, today=TODAY)
    assert not result.valid
    assert Problem("hours", "Enter a number.") in result.problems
    assert result.outcomes["score_band"] == Outcome(
        None,
        "Not enough answers yet",
        ("Answer the hours of help needed each week to see a suggested band.",),
    )
    assert result.to_json()["problems"][0] == {
        "path": "preferred_name",
        "message": "Enter an answer.",
    }


def test_a_rule_that_raises_does_not_crash_evaluate() -> None:
    defn = load_definition(FIXTURES / "plugins" / "raising" / "v1.yaml")
    result = evaluate(defn, {"hours": 3}, today=TODAY)
    outcome = result.to_json()["outcomes"]["broken"]
    assert outcome["value"] is None
    assert outcome["rule"] == "tests.always_raises"
    assert outcome["label"] == "Could not be worked out"
    assert "The rule 'tests.always_raises' went wrong" in outcome["reasons"][0]
    assert result.valid
