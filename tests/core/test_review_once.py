"""`review` works out visibility and validation once per edit and gives the same answers as
`visible_answers`, `evaluate` and `section_status` called one by one (the record editor calls
it on every keystroke)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from assessor_app.core.demo import demo_answers
from assessor_app.core.form_engine import answers as answers_module
from assessor_app.core.form_engine.answers import section_status, visible_answers
from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.form_engine.evaluation import evaluate, review
from assessor_app.core.paths import default_forms_dir

TODAY = dt.date(2026, 12, 1)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms" / "answers"
REGISTRY = load_forms_dir(default_forms_dir())

CASES = [
    ("needs_assessment", "needs_custody_eligible.json"),
    ("carers_assessment", "carers_eligible.json"),
    ("financial_assessment", "financial_home.json"),
    ("chc_checklist", "chc_checklist_positive.json"),
    ("chc_dst", "chc_dst_two_members.json"),
    ("chc_dst", None),
    ("needs_assessment", None),
    ("chc_fast_track", None),
]


def _answers(form_id: str, fixture: str | None) -> dict[str, object]:
    if fixture is None:
        return demo_answers(form_id)
    loaded: dict[str, object] = json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize(("form_id", "fixture"), CASES)
def test_review_says_what_the_three_calls_say(form_id: str, fixture: str | None) -> None:
    defn = REGISTRY.latest(form_id)
    answers = _answers(form_id, fixture)
    # A half-typed record too: its problems and empty sections are where the marks differ.
    for given in (answers, dict(list(answers.items())[: len(answers) // 3]), {}):
        once = review(defn, given, today=TODAY)
        evaluation = evaluate(defn, given, today=TODAY)
        assert once.shown == visible_answers(defn, given)
        assert once.evaluation == evaluation
        assert once.sections == section_status(
            defn, given, today=TODAY, also=evaluation.contradictions
        )


def test_review_checks_the_answers_once(monkeypatch: pytest.MonkeyPatch) -> None:
    defn = REGISTRY.latest("chc_dst")
    answers = _answers("chc_dst", "chc_dst_two_members.json")
    calls: list[int] = []
    real = answers_module._issues

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(answers_module, "_issues", counted)
    review(defn, answers, today=TODAY)
    assert len(calls) == 1
