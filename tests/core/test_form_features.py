"""Form engine features the Care Act forms need: notices, combined and section-wide conditions,
prefill from the person, completion checks (blockers) and start checks."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.errors import FormDefinitionError, ValidationError
from assessor_app.core.form_engine.answers import (
    SectionStatus,
    section_status,
    validate_answers,
    visible_answers,
)
from assessor_app.core.form_engine.definition import (
    FieldType,
    FormDefinition,
    check_forms_dir,
    load_forms_dir,
)
from assessor_app.core.form_engine.evaluation import evaluate
from assessor_app.core.form_engine.prefill import prefill_answers
from assessor_app.core.records import RecordStatus
from assessor_app.core.rules import (
    Blocker,
    Outcome,
    Refusal,
    StartContext,
    register,
    register_check,
    register_start_check,
    text,
    yes_no,
)
from assessor_app.core.services.records import complete_record, start_record
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.support import community_person, prisoner, registered_for_tests, session_for

TODAY = dt.date(2026, 11, 23)


def _needs_reason(answers: Mapping[str, Any]) -> list[Blocker]:
    if answers.get("agreed") is False and not answers.get("reason"):
        return [Blocker("reason", "Say why they did not agree: a refusal needs a reason.")]
    return []


def _broken_check(answers: Mapping[str, Any]) -> list[Blocker]:
    raise RuntimeError(f"bug with {len(answers)} answers")


def _community_only(ctx: StartContext) -> Refusal | None:
    if ctx.person.setting.is_custody:
        return Refusal("This form is for people living in the community.", "Use another form.")
    return None


@pytest.fixture(autouse=True, scope="module")
def _test_rules() -> Iterator[None]:
    """This module's rules and checks, registered for its tests only."""
    with registered_for_tests():
        register_check("tests.needs_reason_when_no", reads={"agreed": yes_no(), "reason": text()})(
            _needs_reason
        )
        register_check("tests.broken_check", reads={})(_broken_check)
        register_start_check("tests.community_only")(_community_only)
        register("tests.echo_detail", reads={"detail": text()})(_echo_detail)
        yield


FORM = """
id: demo
version: 1
title: Demo
completion_checks: [tests.needs_reason_when_no]
start_check: tests.community_only
sections:
  - id: first
    title: First
    fields:
      - id: setting
        type: single_choice
        label: Setting
        prefill: person.setting
        options:
          - {value: own_home, label: Own home}
          - {value: prison, label: Prison}
      - id: format
        type: single_choice
        label: Format
        prefill: person.preferred_format
        options:
          - {value: standard, label: Standard print}
          - {value: large_print, label: Large print}
      - id: release
        type: date
        label: Release
        prefill: person.expected_release_date
      - id: agreed
        type: yes_no
        label: Agreed?
        required: true
      - id: reason
        type: short_text
        label: Reason
        show_when: {field: agreed, equals: false}
      - id: custody_note
        type: notice
        label: In custody
        help: Custody changes who is responsible, not the threshold.
        show_when: {field: setting, equals: prison}
      - id: both
        type: short_text
        label: Only in prison when they refused
        required: true
        show_when:
          all_of:
            - {field: setting, equals: prison}
            - {field: agreed, equals: false}
  - id: later
    title: Later
    show_when: {field: agreed, equals: true}
    fields:
      - id: detail
        type: short_text
        label: Detail
        required: true
      - id: more
        type: short_text
        label: More
        show_when: {field: detail, is_set: true}
"""


def _write(folder: Path, text: str, form_id: str = "demo") -> Path:
    target = folder / form_id
    target.mkdir(parents=True, exist_ok=True)
    (target / "v1.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


@pytest.fixture
def demo(tmp_path: Path) -> FormDefinition:
    return load_forms_dir(_write(tmp_path, FORM)).latest("demo")


def test_all_of_shows_a_field_only_when_every_condition_holds(demo: FormDefinition) -> None:
    assert "both" not in visible_answers(demo, {"setting": "prison", "both": "x"})
    assert "both" not in visible_answers(demo, {"agreed": False, "both": "x"})
    shown = visible_answers(demo, {"setting": "prison", "agreed": False, "both": "x"})
    assert shown["both"] == "x"
    problems = validate_answers(demo, {"setting": "prison", "agreed": False}, today=TODAY)
    assert [p.path for p in problems] == ["both"]


def test_a_section_condition_hides_and_unrequires_all_its_questions(demo: FormDefinition) -> None:
    assert validate_answers(demo, {"agreed": False, "reason": "r"}, today=TODAY) == []
    assert "detail" not in visible_answers(demo, {"agreed": False, "detail": "kept"})
    problems = validate_answers(demo, {"agreed": True}, today=TODAY)
    assert [p.path for p in problems] == ["detail"]
    # A field's own condition still applies inside a shown section.
    assert "more" not in visible_answers(demo, {"agreed": True, "more": "m"})
    later = next(
        s for s in section_status(demo, {"agreed": False}, today=TODAY) if s.section_id == "later"
    )
    assert later.required_missing == 0


def test_a_section_with_no_question_shown_is_never_complete_and_says_why(
    demo: FormDefinition,
) -> None:
    def later(answers: dict[str, object]) -> SectionStatus:
        return next(
            s for s in section_status(demo, answers, today=TODAY) if s.section_id == "later"
        )

    waiting = later({})
    assert not waiting.complete
    assert waiting.not_asked is not None
    assert waiting.not_asked.short == "not asked yet"
    assert "once \u201cAgreed?\u201d is answered" in waiting.not_asked.detail
    assert waiting.not_asked.section_id == "first"
    refused = later({"agreed": False})
    assert not refused.complete
    assert refused.not_asked is not None
    assert "the answer to \u201cAgreed?\u201d (in \u201cFirst\u201d) is \u201cNo\u201d" in (
        refused.not_asked.detail
    )
    asked = later({"agreed": True, "detail": "d"})
    assert asked.complete and asked.not_asked is None


def test_a_notice_shows_text_and_never_takes_an_answer(demo: FormDefinition) -> None:
    notice = demo.field("custody_note")
    assert notice.type is FieldType.NOTICE
    assert notice.help == "Custody changes who is responsible, not the threshold."
    problems = validate_answers(
        demo,
        {"setting": "prison", "agreed": True, "detail": "d", "custody_note": "typed"},
        today=TODAY,
    )
    assert [p.path for p in problems] == ["custody_note"]
    status = section_status(demo, {"setting": "prison", "agreed": True}, today=TODAY)
    assert status[0].answered == 2  # setting and agreed; the notice is not an answer


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        (
            "      - {id: n, type: notice, label: N, required: true}",
            "a notice only shows text, so it cannot be required",
        ),
        (
            "      - {id: n, type: short_text, label: N, prefill: person.shoe_size}",
            "unknown prefill source 'person.shoe_size'",
        ),
        (
            "      - {id: n, type: short_text, label: N, "
            "show_when: {all_of: [{field: a, is_set: 1}]}}".replace("is_set: 1", "equals: x"),
            "'all_of' must be a list of at least two conditions",
        ),
        (
            "      - {id: n, type: short_text, label: N, show_when: {field: n, is_set: true}}",
            "depends on its own answer",
        ),
        (
            "      - {id: n, type: short_text, label: N, show_when: {field: note, is_set: true}}",
            "cannot depend on 'note', which is notice",
        ),
    ],
)
def test_mistakes_in_the_new_keys_are_reported(tmp_path: Path, snippet: str, message: str) -> None:
    text = (
        "id: bad\nversion: 1\ntitle: Bad\nsections:\n  - id: s\n    title: S\n    fields:\n"
        "      - {id: a, type: short_text, label: A}\n"
        "      - {id: note, type: notice, label: Note, help: Text}\n" + snippet + "\n"
    )
    problems = check_forms_dir(_write(tmp_path, text, "bad"))
    assert any(message in p for p in problems), problems


def test_unknown_check_names_are_reported(tmp_path: Path) -> None:
    text = (
        "id: bad\nversion: 1\ntitle: Bad\ncompletion_checks: [tests.needs_reason_when_nope]\n"
        "start_check: tests.nobody\nsections:\n  - id: s\n    title: S\n    fields:\n"
        "      - {id: a, type: short_text, label: A}\n"
    )
    problems = check_forms_dir(_write(tmp_path, text, "bad"))
    assert any(
        "unknown completion check 'tests.needs_reason_when_nope' (did you mean "
        "'tests.needs_reason_when_no'?)" in p
        for p in problems
    ), problems
    assert any("unknown start check 'tests.nobody'" in p for p in problems), problems
    with pytest.raises(FormDefinitionError):
        load_forms_dir(tmp_path)


def test_a_loop_through_an_all_of_condition_is_reported(tmp_path: Path) -> None:
    text = (
        "id: bad\nversion: 1\ntitle: Bad\nsections:\n  - id: s\n    title: S\n    fields:\n"
        "      - {id: a, type: yes_no, label: A, show_when: {field: b, equals: true}}\n"
        "      - id: b\n        type: yes_no\n        label: B\n        show_when:\n"
        "          all_of: [{field: c, is_set: true}, {field: a, equals: true}]\n"
        "      - {id: c, type: short_text, label: C}\n"
    )
    problems = check_forms_dir(_write(tmp_path, text, "bad"))
    assert any("show_when makes a loop: a → b → a" in p for p in problems), problems


def test_prefill_copies_what_fits_and_leaves_out_what_does_not(demo: FormDefinition) -> None:
    from assessor_app.core.records import Person, PersonId

    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    inside = Person(PersonId("p1"), prisoner(preferred_format="Large print"), when)
    assert prefill_answers(demo, inside, today=TODAY) == {
        "setting": "prison",
        "format": "large_print",  # free text matched to the option by its label
        "release": "2027-06-30",
    }
    home = Person(PersonId("p2"), community_person(preferred_format="Moon type"), when)
    assert prefill_answers(demo, home, today=TODAY) == {"setting": "own_home"}


def test_blockers_stop_completion_and_are_reported_with_the_evaluation(
    demo: FormDefinition,
) -> None:
    result = evaluate(demo, {"setting": "own_home", "agreed": False}, today=TODAY)
    assert result.valid and not result.completable
    assert result.blockers == (
        Blocker("reason", "Say why they did not agree: a refusal needs a reason."),
    )
    assert result.to_json()["blockers"] == [
        {"path": "reason", "message": "Say why they did not agree: a refusal needs a reason."}
    ]
    fixed = evaluate(demo, {"setting": "own_home", "agreed": False, "reason": "r"}, today=TODAY)
    assert fixed.completable


def test_a_check_that_crashes_blocks_completion_instead_of_letting_it_through(
    tmp_path: Path,
) -> None:
    text = FORM.replace("[tests.needs_reason_when_no]", "[tests.broken_check]")
    form = load_forms_dir(_write(tmp_path, text)).latest("demo")
    result = evaluate(form, {"agreed": False, "reason": "r"}, today=TODAY)
    assert not result.completable
    assert "went wrong" in result.blockers[0].message


def test_start_record_prefills_and_the_start_check_refuses(
    vault: Vault, demo: FormDefinition
) -> None:
    people = PeopleRepository(vault)
    records = AssessmentRepository(vault)
    home = people.add(community_person(preferred_format="standard print"))
    inside = people.add(prisoner())
    record = start_record(session_for(records, today=TODAY), demo, home.id)
    assert records.get(record.id).answers == {"setting": "own_home", "format": "standard"}
    with pytest.raises(ValidationError, match="for people living in the community") as caught:
        start_record(session_for(records, today=TODAY), demo, inside.id)
    assert caught.value.next_step == "Use another form."
    assert records.list_for_person(inside.id) == []
    with pytest.raises(ValidationError, match="caring for themselves"):
        start_record(session_for(records, today=TODAY), demo, home.id, cared_for_id=home.id)


def test_complete_record_refuses_with_the_blocker_then_completes(
    vault: Vault, tmp_path: Path
) -> None:
    registry = load_forms_dir(_write(tmp_path, FORM))
    records = AssessmentRepository(vault)
    person = PeopleRepository(vault).add(community_person())
    record = start_record(session_for(records, today=TODAY), registry.latest("demo"), person.id)
    records.save_field(record.id, "agreed", False)
    with pytest.raises(ValidationError, match="a refusal needs a reason") as caught:
        complete_record(session_for(records, registry, today=TODAY), record.id)
    assert "nothing was lost" in (caught.value.next_step or "")
    assert records.get(record.id).status is RecordStatus.DRAFT
    records.save_field(record.id, "reason", "Did not want to talk today")
    done = complete_record(session_for(records, registry, today=TODAY), record.id)
    assert done.status is RecordStatus.COMPLETED
    with pytest.raises(ValidationError, match="cannot be completed again"):
        complete_record(session_for(records, registry, today=TODAY), record.id)


def _echo_detail(answers: Mapping[str, Any]) -> Outcome:
    detail = answers.get("detail")
    return Outcome(f"kept:{detail}" if detail else None, "Echo")


def test_record_on_complete_keeps_an_outcome_in_the_answers(vault: Vault, tmp_path: Path) -> None:
    text = FORM.replace(
        "completion_checks: [tests.needs_reason_when_no]\n",
        ("completion_checks: [tests.needs_reason_when_no]\nrecord_on_complete: {kept: echo}\n"),
    ).replace(
        "      - id: more\n",
        (
            "      - {id: echo, type: outcome, label: Echo, rule: tests.echo_detail}\n"
            "      - {id: kept, type: short_text, label: Kept}\n"
            "      - id: more\n"
        ),
    )
    registry = load_forms_dir(_write(tmp_path, text))
    records = AssessmentRepository(vault)
    person = PeopleRepository(vault).add(community_person())
    record = start_record(session_for(records, today=TODAY), registry.latest("demo"), person.id)
    records.save_field(record.id, "agreed", True)
    records.save_field(record.id, "detail", "abc")
    assert "kept" not in records.get(record.id).answers
    done = complete_record(session_for(records, registry, today=TODAY), record.id)
    assert done.answers["kept"] == "kept:abc"


def test_record_on_complete_must_name_an_answer_and_an_outcome(tmp_path: Path) -> None:
    text = FORM.replace(
        "start_check: tests.community_only\n",
        ("start_check: tests.community_only\nrecord_on_complete: {agreed: detail}\n"),
    )
    problems = check_forms_dir(_write(tmp_path, text))
    assert any("'agreed' must be a top-level short_text question" in p for p in problems)
    assert any("'detail' must be an outcome field" in p for p in problems)
