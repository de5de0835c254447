"""Answering a draft's questions from typed text, as the command line does.

The app's editor turns what is typed into stored values in its boxes; `answer_record` does the
same from ``path = text`` pairs (``consent = consented``, ``income_sources[0].income_amount =
£95.50``), checks each answer with the editor's own value checks, and saves them together as
one revision. Imports no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence

from assessor_app.core.answer_paths import PATH_RE
from assessor_app.core.errors import ValidationError
from assessor_app.core.form_engine.model import FieldDef, FieldType, FormDefinition
from assessor_app.core.form_engine.value_checks import value_messages
from assessor_app.core.records import Assessment, AssessmentId
from assessor_app.core.services.records import open_for_editing
from assessor_app.core.services.session import Session
from assessor_app.core.typed_answers import read_typed_answer

__all__ = ["answer_record", "question_at"]


def question_at(form: FormDefinition, path: str) -> FieldDef:
    """The question a path names: ``field`` or ``group[2].field``.

    Raises:
        ValidationError: The path is malformed, names no question of the form, or names a
            whole group item (answer its questions one by one).
    """
    match = PATH_RE.match(path)
    if match is None:
        raise ValidationError(
            f"'{path}' is not a question: use its id (consent) or, in a repeating group, "
            "group[number].id (income_sources[0].income_amount, counting from 0)."
        )
    top, index, nested = match.groups()
    field = next((f for f in form.top_fields() if f.id == top), None)
    if field is None:
        raise ValidationError(
            f"The form '{form.title}' has no question '{top}'"
            + (" outside a list of items." if top in {f.id for f in form.all_fields()} else "."),
            "The form's file in the forms folder lists its questions' ids.",
        )
    if field.type is FieldType.REPEATING_GROUP:
        inner = {f.id: f for f in field.fields}
        if index is None or nested is None or nested not in inner:
            raise ValidationError(
                f"'{path}': '{top}' is a list of items; answer one question of one item, e.g. "
                f"{top}[0].{next(iter(inner), 'id')}.",
                "Its questions are: " + ", ".join(inner) + ".",
            )
        return inner[nested]
    if index is not None:
        raise ValidationError(f"'{path}': '{top}' is a single question, not a list of items.")
    return field


def answer_record(
    session: Session, assessment_id: AssessmentId, typed: Sequence[tuple[str, str]]
) -> Assessment:
    """Save typed answers to a draft together, as one revision; a blank one clears it.

    Raises:
        NotFoundError: No such record, or its form is not installed.
        ValidationError: The record is finalised; a path names no question; an answer cannot
            be read (the message says what would do) or fails the editor's check. Nothing is
            saved then.
    """
    opened = open_for_editing(session, assessment_id)
    if not opened.editable:
        raise ValidationError(
            f"This record is {opened.record.status.value}: its answers stay as they were signed.",
            "Amend it first ('record amend'), then answer.",
        )
    values = []
    for path, text in typed:
        field = question_at(opened.form, path)
        try:
            value = read_typed_answer(field, text)
        except ValueError as e:
            raise ValidationError(f"{path}: {e}", "Nothing was saved.") from e
        problems = value_messages(field, value, session.today()) if value is not None else []
        if problems:
            raise ValidationError(f"{path}: {problems[0]}", "Nothing was saved.")
        values.append((path, value))
    records = session.records
    with records.vault.transaction():
        for path, value in values:
            records.save_field(opened.record.id, path, value)
        return records.checkpoint(opened.record.id)
