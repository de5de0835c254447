"""Answers against a form definition: validation, visibility, section progress and navigation.

Answers are a plain dict keyed by field id (a repeating group holds a list of such dicts). All
functions here are pure: they never change the answers they are given. Skip logic and section
order live here as data-driven functions so that Qt only renders the current step. Imports no
Qt.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assessor_app.core.answer_paths import set_answer
from assessor_app.core.errors import NotFoundError
from assessor_app.core.form_engine.model import (
    DISPLAY_ONLY,
    Condition,
    FieldDef,
    FieldType,
    FormDefinition,
    Section,
    is_answered,
)
from assessor_app.core.form_engine.value_checks import (
    COMPUTED_FIELD,
    UNKNOWN_FIELD,
    UNREADABLE_ITEMS,
    item_count_messages,
    missing_message,
    value_messages,
)

__all__ = [
    "AnswerCheck",
    "NotAsked",
    "Problem",
    "SectionStatus",
    "is_answered",
    "check_answers",
    "is_visible",
    "next_section",
    "previous_section",
    "section_status",
    "set_answer",
    "validate_answers",
    "visible_answers",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the answers, placed at a field path."""

    path: str
    """Where: a field id, or ``group[index].field`` inside a repeating group (index from 0)."""

    message: str
    """What to do about it, in plain English."""


@dataclass(frozen=True)
class SectionStatus:
    """How far a section has got, for the form's contents list."""

    section_id: str
    """The section's id."""

    title: str
    """The section's title."""

    complete: bool
    """No required answer is missing and no answer has a problem."""

    answered: int
    """Visible top-level questions with an answer (outcomes are not counted)."""

    required_missing: int
    """Visible required questions (including inside group items) with no answer."""

    problems: int
    """Other problems with the section's answers."""

    not_asked: NotAsked | None = None
    """Why none of the section's questions are shown yet, or None when some are."""


@dataclass(frozen=True)
class NotAsked:
    """Why a section shows no question: the answer it waits for, and where that is asked."""

    short: str
    """For the contents list, under the title: 'not asked yet' (waiting for an answer) or 'not
    asked' (an answer rules it out); `detail` says which."""

    detail: str
    """For the empty page: which question decides it and what its answer is."""

    section_id: str
    """The section asking the question that decides it (to take the user there)."""


@dataclass(frozen=True)
class _Issue:
    problem: Problem
    top: str
    missing: bool


@dataclass(frozen=True)
class AnswerCheck:
    """One pass over a form's answers: which questions are shown, and everything wrong.

    Validation, the section marks and evaluation all need both; the record editor works
    them out once per keystroke (`check_answers`) and hands this to each.
    """

    shown_ids: frozenset[str]
    """Ids of the top-level questions currently shown."""

    shown: dict[str, Any]
    """`visible_answers` of the answers (a copy: changing it changes nothing else)."""

    issues: tuple[_Issue, ...]
    """Every problem with the answers, in form order, with its top-level question."""


def check_answers(
    defn: FormDefinition, answers: Mapping[str, Any], *, today: dt.date
) -> AnswerCheck:
    """Work out once what `validate_answers`, `section_status` and `visible_answers` share."""
    shown_ids = _visible_ids(list(defn.top_fields()), answers, {})
    return AnswerCheck(
        shown_ids=frozenset(shown_ids),
        shown=_visible_answers(defn, answers, shown_ids),
        issues=tuple(_issues(defn, answers, today, shown_ids)),
    )


def is_visible(field: FieldDef, answers: Mapping[str, Any]) -> bool:
    """Whether `field`'s own show_when condition holds for `answers`.

    For a field inside a repeating group, pass the item's answers merged over the top-level
    ones. This checks one condition only: to hide a field whose controlling field is itself
    hidden, pass `visible_answers(defn, answers)` (validation and evaluation do this).
    """
    return field.show_when is None or field.show_when.holds(answers)


def _visible_ids(
    fields: Sequence[FieldDef], values: Mapping[str, Any], outer: Mapping[str, Any]
) -> set[str]:
    """Ids of the `fields` shown, following show_when chains among them in any order.

    A condition on a sibling sees its answer only if that sibling is itself shown; a condition
    on a field outside the group sees `outer` (already reduced to visible answers).

    Which fields are shown depends only on the answers the conditions read, and records share
    a few combinations of those (yes/no, a choice), so the result is remembered by them: this
    runs several times per validation, and for every record of a caseload import.
    """
    plan = _plan(fields)
    try:
        key = (
            tuple(_frozen(values.get(ref, _MISSING)) for ref in plan.inner),
            tuple(_frozen(outer.get(ref, _MISSING)) for ref in plan.outer),
        )
    except TypeError:  # a controlling answer that is not plain (a group's items): not kept
        return _compute_visible_ids(fields, values, outer)
    found = plan.shown.get(key)
    if found is None:
        if len(plan.shown) >= _SHOWN_LIMIT:
            plan.shown.clear()
        found = plan.shown[key] = frozenset(_compute_visible_ids(fields, values, outer))
    return set(found)


_MISSING = object()
_PLAN_LIMIT = 512
_SHOWN_LIMIT = 4096


@dataclass(frozen=True)
class _VisibilityPlan:
    """The answers a list of fields' conditions read, and the results seen so far."""

    fields: tuple[FieldDef, ...]
    """Held so that the ids the plan is found by stay theirs while it is kept."""
    inner: tuple[str, ...]
    """Fields of the list that some condition reads."""
    outer: tuple[str, ...]
    """Fields outside the list that some condition reads."""
    shown: dict[tuple[Any, ...], frozenset[str]]
    """The fields shown, by the values of `inner` and `outer`."""


_PLANS: dict[tuple[int, ...], _VisibilityPlan] = {}


def _plan(fields: Sequence[FieldDef]) -> _VisibilityPlan:
    key = tuple(map(id, fields))
    plan = _PLANS.get(key)
    if plan is None:
        if len(_PLANS) >= _PLAN_LIMIT:
            _PLANS.clear()
        ids = {f.id for f in fields}
        refs = dict.fromkeys(r for f in fields if f.show_when for r in f.show_when.fields())
        plan = _VisibilityPlan(
            tuple(fields),
            tuple(r for r in refs if r in ids),
            tuple(r for r in refs if r not in ids),
            {},
        )
        _PLANS[key] = plan
    return plan


def _frozen(value: Any) -> Any:
    """A hashable stand-in for an answer that keeps apart what conditions keep apart.

    The type goes with the value, since `same_value` tells True from 1 (equal, with equal
    hashes, in Python). Raises TypeError for a mapping, which is never cached.
    """
    if isinstance(value, list):
        return (list, tuple(_frozen(v) for v in value))
    if isinstance(value, dict):
        raise TypeError("not cached")
    return (type(value), value)


def _compute_visible_ids(
    fields: Sequence[FieldDef], values: Mapping[str, Any], outer: Mapping[str, Any]
) -> set[str]:
    """`_visible_ids` worked out afresh."""
    by_id = {f.id: f for f in fields}
    memo: dict[str, bool] = {}

    def visible(fid: str) -> bool:
        if fid not in memo:
            memo[fid] = False  # a loop (rejected when loading) reads as hidden, not recursion
            cond = by_id[fid].show_when
            if cond is None:
                memo[fid] = True
            else:
                seen: dict[str, Any] = {}
                for ref in cond.fields():
                    if ref in by_id:
                        if visible(ref) and ref in values:
                            seen[ref] = values[ref]
                    elif ref in outer:
                        seen[ref] = outer[ref]
                memo[fid] = cond.holds(seen)
        return memo[fid]

    return {fid for fid in by_id if visible(fid)}


def visible_answers(defn: FormDefinition, answers: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `answers` holding only the answers to questions currently shown.

    Hidden answers are left out (not deleted from the draft, so turning a question back on
    restores them); so are answers to unknown fields.
    """
    return _visible_answers(defn, answers, _visible_ids(list(defn.top_fields()), answers, {}))


def _visible_answers(
    defn: FormDefinition, answers: Mapping[str, Any], shown: set[str]
) -> dict[str, Any]:
    top = list(defn.top_fields())
    result = {f.id: copy.deepcopy(answers[f.id]) for f in top if f.id in shown and f.id in answers}
    for f in top:
        items = result.get(f.id)
        if f.type is FieldType.REPEATING_GROUP and isinstance(items, list):
            result[f.id] = [_shown_in_item(f, item, result) for item in items]
    return result


def _shown_in_item(group: FieldDef, item: Any, outer: Mapping[str, Any]) -> Any:
    """An item of `group` with only its answers to questions shown (worked out once)."""
    if not isinstance(item, dict):
        return item
    shown = _visible_ids(group.fields, item, outer)
    return {k: v for k, v in item.items() if k in shown}


def _check(
    f: FieldDef, value: Any, path: str, outer: Mapping[str, Any], today: dt.date, top: str
) -> list[_Issue]:
    def issue(message: str, missing: bool = False, at: str = path) -> _Issue:
        return _Issue(Problem(at, message), top, missing)

    if f.type in DISPLAY_ONLY:
        return [issue(COMPUTED_FIELD)] if value is not None else []
    needed = f.required or (f.type is FieldType.REPEATING_GROUP and bool(f.min_items))
    if not is_answered(value):
        return [issue(missing_message(f), missing=True)] if needed else []
    if f.type is not FieldType.REPEATING_GROUP:
        return [issue(m) for m in value_messages(f, value, today)]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return [issue(UNREADABLE_ITEMS)]
    found = [issue(m) for m in item_count_messages(f, len(value))]
    known = {nested.id for nested in f.fields}
    for i, item in enumerate(value):
        found += [issue(UNKNOWN_FIELD, at=f"{path}[{i}].{k}") for k in item if k not in known]
        shown = _visible_ids(f.fields, item, outer)
        for nested in f.fields:
            if nested.id in shown:
                found += _check(
                    nested, item.get(nested.id), f"{path}[{i}].{nested.id}", outer, today, top
                )
    return found


def _issues(
    defn: FormDefinition, answers: Mapping[str, Any], today: dt.date, shown: set[str]
) -> list[_Issue]:
    top = list(defn.top_fields())
    known = {f.id for f in top}
    found = [_Issue(Problem(k, UNKNOWN_FIELD), k, False) for k in answers if k not in known]
    outer = {k: answers[k] for k in shown if k in answers}
    for f in top:
        if f.id in shown:
            found += _check(f, answers.get(f.id), f.id, outer, today, f.id)
    return found


def validate_answers(
    defn: FormDefinition,
    answers: Mapping[str, Any],
    *,
    today: dt.date,
    checked: AnswerCheck | None = None,
) -> list[Problem]:
    """Every problem with `answers` for `defn`, in form order; empty when they are fine.

    Reports missing required answers to visible questions (hidden ones are never required),
    answers of the wrong type, unknown field ids, numbers out of range, text too long or not in
    the asked-for format, impossible or future dates, values not among the options, and too
    few or too many items in a repeating group.

    Args:
        defn: The form version the answers belong to.
        answers: Field id to answer; not changed.
        today: The date that "not in the future" is measured against.
        checked: `check_answers` of the same answers, when already worked out.
    """
    checked = checked or check_answers(defn, answers, today=today)
    return [i.problem for i in checked.issues]


def section_status(
    defn: FormDefinition,
    answers: Mapping[str, Any],
    *,
    today: dt.date,
    also: Sequence[Problem] = (),
    checked: AnswerCheck | None = None,
) -> list[SectionStatus]:
    """Progress of every section, in form order, for the form's contents list.

    Args:
        defn: The form.
        answers: Its answers.
        today: The day "not in the future" is measured against.
        also: Problems found beyond the answers' own checks (the contradictions of an
            `evaluation.Evaluation`), each counted in the section of its question.
        checked: `check_answers` of the same answers, when already worked out.
    """
    checked = checked or check_answers(defn, answers, today=today)
    issues = list(checked.issues) + [
        _Issue(problem, problem.path.split("[", 1)[0].split(".", 1)[0], False) for problem in also
    ]
    shown = checked.shown_ids
    statuses = []
    for section in defn.sections:
        ids = {f.id for f in section.fields}
        mine = [i for i in issues if i.top in ids]
        missing = sum(1 for i in mine if i.missing)
        asked = [f for f in section.fields if f.type not in DISPLAY_ONLY]
        not_asked = (
            _why_not_asked(defn, section, asked, checked.shown)
            if asked and not any(f.id in shown for f in asked)
            else None
        )
        answered = sum(
            1
            for f in section.fields
            if f.id in shown and f.type not in DISPLAY_ONLY and is_answered(answers.get(f.id))
        )
        statuses.append(
            SectionStatus(
                section_id=section.id,
                title=section.title,
                complete=not mine and not_asked is None,
                answered=answered,
                required_missing=missing,
                problems=len(mine) - missing,
                not_asked=not_asked,
            )
        )
    return statuses


def _why_not_asked(
    defn: FormDefinition, section: Section, asked: list[FieldDef], shown: Mapping[str, Any]
) -> NotAsked | None:
    """The first condition keeping `section`'s questions hidden, in words.

    `shown` holds the visible answers (`visible_answers`).
    """
    leaves = [
        leaf
        for condition in (section.show_when, asked[0].show_when)
        if condition is not None
        for leaf in _leaves(condition)
    ]
    failing = next((c for c in leaves if not c.holds(shown)), None)
    if failing is None:
        return None
    question = defn.field(failing.field)
    where = next((s for s in defn.sections if any(f.id == question.id for f in s.fields)), section)
    if not is_answered(shown.get(question.id)):
        return NotAsked(
            short="not asked yet",
            detail=(
                f"These questions are asked once “{question.label}” is answered, "
                f"in “{where.title}”."
            ),
            section_id=where.id,
        )
    given = shown[question.id]
    labels = {o.value: o.label for o in question.choices()}
    said = ", ".join(labels.get(v, str(v)) for v in (given if isinstance(given, list) else [given]))
    if isinstance(given, bool):
        said = "Yes" if given else "No"
    return NotAsked(
        short="not asked",
        detail=(
            f"These questions are not asked, because the answer to “{question.label}” "
            f"(in “{where.title}”) is “{said}”."
        ),
        section_id=where.id,
    )


def _leaves(condition: Condition) -> list[Condition]:
    if condition.all_of is None:
        return [condition]
    return [leaf for part in condition.all_of for leaf in _leaves(part)]


def _neighbour(
    defn: FormDefinition, current_id: str, step: int, answers: Mapping[str, Any] | None
) -> Section | None:
    index = next((i for i, s in enumerate(defn.sections) if s.id == current_id), None)
    if index is None:
        raise NotFoundError(f"The form '{defn.id}' has no section '{current_id}'.")
    shown = None if answers is None else _visible_ids(list(defn.top_fields()), answers, {})
    index += step
    while 0 <= index < len(defn.sections):
        section = defn.sections[index]
        if shown is None or any(f.id in shown for f in section.fields):
            return section
        index += step
    return None


def next_section(
    defn: FormDefinition, current_id: str, *, answers: Mapping[str, Any] | None = None
) -> Section | None:
    """The section after `current_id`, or None at the end.

    With `answers`, sections whose questions are all hidden are skipped.

    Raises:
        NotFoundError: The form has no section `current_id`.
    """
    return _neighbour(defn, current_id, 1, answers)


def previous_section(
    defn: FormDefinition, current_id: str, *, answers: Mapping[str, Any] | None = None
) -> Section | None:
    """The section before `current_id`, or None at the start (skipping as `next_section`).

    Raises:
        NotFoundError: The form has no section `current_id`.
    """
    return _neighbour(defn, current_id, -1, answers)
