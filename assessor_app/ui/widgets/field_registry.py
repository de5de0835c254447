"""The one typed mapping from `FieldType` to the factory that builds its editor.

Every form is rendered through `build_field_editor`; adding a field type means adding one
entry here (and a test parametrised over `FIELD_EDITORS`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from assessor_app.core.form_engine.model import FieldDef, FieldType

from assessor_app.ui.widgets import field_editors as fe
from assessor_app.ui.widgets.field_base import FieldEditor
from assessor_app.ui.widgets.repeating_group import RepeatingGroupEditor
from assessor_app.ui.widgets.signature import SignatureEditor

FieldEditorFactory = Callable[[FieldDef, str], FieldEditor]
"""Builds the editor for one field at one answer path."""


def _single_choice(field: FieldDef, path: str) -> FieldEditor:
    if len(field.choices()) > fe.MAX_RADIO_OPTIONS:
        return fe.ComboChoiceEditor(field, path)
    return fe.SingleChoiceEditor(field, path)


def _repeating_group(field: FieldDef, path: str) -> FieldEditor:
    return RepeatingGroupEditor(field, path, build=build_field_editor)


FIELD_EDITORS: Mapping[FieldType, FieldEditorFactory] = MappingProxyType(
    {
        FieldType.SHORT_TEXT: fe.ShortTextEditor,
        FieldType.LONG_TEXT: fe.LongTextEditor,
        FieldType.DATE: fe.DateEditor,
        FieldType.NUMBER: fe.NumberEditor,
        FieldType.MONEY: fe.MoneyEditor,
        FieldType.YES_NO: fe.YesNoEditor,
        FieldType.SINGLE_CHOICE: _single_choice,
        FieldType.MULTIPLE_CHOICE: fe.MultipleChoiceEditor,
        FieldType.RATING: fe.RatingEditor,
        FieldType.REPEATING_GROUP: _repeating_group,
        FieldType.SIGNATURE: SignatureEditor,
        FieldType.OUTCOME: fe.OutcomeEditor,
        FieldType.NOTICE: fe.NoticeEditor,
    }
)


def build_field_editor(field: FieldDef, path: str) -> FieldEditor:
    """The editor for `field` at answer path `path`."""
    return FIELD_EDITORS[field.type](field, path)
