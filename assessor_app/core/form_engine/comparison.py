"""What changed between two records of one form: the questions whose answers differ.

A reassessment starts from the assessment it follows (REQUIREMENTS NA-29), so "what changed
since" is the previous record's answers beside the new one's, for the questions that differ,
in form order, each named by its section and its label and each answer worded as the PDF
words it (`answer_text.format_answer`). Only questions on show in a record count for it: one
another answer hid reads "Not asked", one on show but empty "Not answered". Signatures,
outcomes and notices are never compared.
A repeating group is compared item by item. Pure; imports no Qt.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assessor_app.core.form_engine.answer_text import format_answer
from assessor_app.core.form_engine.answers import is_visible, visible_answers
from assessor_app.core.form_engine.definition import FormDefinition
from assessor_app.core.form_engine.model import FieldDef, FieldType, is_answered

__all__ = ["NOT_ANSWERED", "NOT_ASKED", "Change", "changes_between"]

NOT_ANSWERED = "Not answered"
"""How an answer reads on one side when the question was on show but left empty."""

NOT_ASKED = "Not asked"
"""How an answer reads on one side when another answer hid the question (or its form has none)."""

_NOT_COMPARED = frozenset({FieldType.SIGNATURE, FieldType.OUTCOME, FieldType.NOTICE})


@dataclass(frozen=True)
class Change:
    """One question whose answer differs between the two records."""

    path: str
    """The question's path, e.g. ``"setting"`` or ``"contacts[1].contact_name"``."""

    section: str
    """The title of the section it is in."""

    question: str
    """Its label; inside a repeating group, prefixed with the item, e.g. "Contact 2: Name"."""

    before: str
    """The earlier record's answer, as a person reads it."""

    after: str
    """The later record's answer, as a person reads it."""


def _shown(field: FieldDef, value: Any, asked: bool = True) -> str:
    if not asked:
        return NOT_ASKED
    if not is_answered(value) and value is not False:
        return NOT_ANSWERED
    return format_answer(field, value)


def _asked(form: FormDefinition, field_id: str, shown: Mapping[str, Any]) -> bool:
    return form.has_field(field_id) and is_visible(form.field(field_id), shown)


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [i for i in value if isinstance(i, Mapping)] if isinstance(value, list) else []


def _group_changes(field: FieldDef, section: str, before: Any, after: Any) -> list[Change]:
    old, new = _items(before), _items(after)
    noun = field.item_label or "item"
    changes: list[Change] = []
    for n in range(max(len(old), len(new))):
        was = old[n] if n < len(old) else {}
        now = new[n] if n < len(new) else {}
        for sub in field.fields:
            if sub.type in _NOT_COMPARED or was.get(sub.id) == now.get(sub.id):
                continue
            changes.append(
                Change(
                    f"{field.id}[{n}].{sub.id}",
                    section,
                    f"{noun[:1].upper()}{noun[1:]} {n + 1}: {sub.label}",
                    _shown(sub, was.get(sub.id)),
                    _shown(sub, now.get(sub.id)),
                )
            )
    return changes


def changes_between(
    form: FormDefinition,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    skip: Collection[str] = (),
    before_form: FormDefinition | None = None,
) -> Sequence[Change]:
    """The questions of `form` whose answers differ between `before` and `after`.

    Args:
        form: The definition both sets of answers are read against (the later record's).
        before: The earlier record's answers (e.g. the assessment a reassessment follows).
        after: The later record's answers.
        skip: Question ids to leave out (e.g. the link from one record to the other).
        before_form: The earlier record's own definition, when it is another version; its
            visibility rules decide which of its answers were on show. Defaults to `form`.

    Returns:
        One `Change` for each differing question, in form order; empty when nothing differs.
    """
    was = visible_answers(before_form or form, before)
    now = visible_answers(form, after)
    changes: list[Change] = []
    for section in form.sections:
        for field in section.fields:
            if field.type in _NOT_COMPARED or field.id in skip:
                continue
            old, new = was.get(field.id), now.get(field.id)
            if old == new or (not is_answered(old) and not is_answered(new)):
                continue
            if field.type is FieldType.REPEATING_GROUP:
                changes.extend(_group_changes(field, section.title, old, new))
                continue
            asked_before = _asked(before_form or form, field.id, was)
            asked_now = _asked(form, field.id, now)
            before_text = _shown(field, old, asked_before)
            after_text = _shown(field, new, asked_now)
            changes.append(Change(field.id, section.title, field.label, before_text, after_text))
    return changes
