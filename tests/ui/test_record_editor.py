"""The record editor renders any definition: every field type of the sample form gets its
editor, conditions show and hide fields live, bad values get inline messages, and outcomes
are re-evaluated as answers change."""

from __future__ import annotations

import datetime as dt

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QPoint, Qt

from assessor_app.core.form_engine.answers import SectionStatus
from assessor_app.core.form_engine.definition import FormRegistry, load_forms_dir
from assessor_app.core.form_engine.model import FieldType
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.support import community_person, session_for

from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.views.record_editor import RecordEditorView
from assessor_app.ui.widgets import field_editors as fe
from assessor_app.ui.widgets.field_registry import FIELD_EDITORS
from assessor_app.ui.widgets.repeating_group import RepeatingGroupEditor
from assessor_app.ui.widgets.signature import SignatureEditor

pytestmark = pytest.mark.gui

SAMPLE_TYPES = sorted(
    {f.type for f in load_forms_dir(default_forms_dir()).latest("sample").all_fields()}
)

EXPECTED_EDITOR = {
    FieldType.SHORT_TEXT: fe.ShortTextEditor,
    FieldType.LONG_TEXT: fe.LongTextEditor,
    FieldType.DATE: fe.DateEditor,
    FieldType.NUMBER: fe.NumberEditor,
    FieldType.MONEY: fe.MoneyEditor,
    FieldType.YES_NO: fe.YesNoEditor,
    FieldType.SINGLE_CHOICE: fe.SingleChoiceEditor,
    FieldType.MULTIPLE_CHOICE: fe.MultipleChoiceEditor,
    FieldType.RATING: fe.RatingEditor,
    FieldType.REPEATING_GROUP: RepeatingGroupEditor,
    FieldType.SIGNATURE: SignatureEditor,
    FieldType.OUTCOME: fe.OutcomeEditor,
    FieldType.NOTICE: fe.NoticeEditor,
}


@pytest.fixture
def editor(qtbot: QtBot, vault: Vault, registry: FormRegistry, shown_messages):
    """A record editor on a new draft of the sample form, with a fixed 'today'."""
    del shown_messages
    ops = BackgroundOps()
    person = PeopleRepository(vault).add(community_person())
    form = registry.latest("sample")
    record = AssessmentRepository(vault).create(person.id, form.id, form.version)
    view = RecordEditorView(
        ops, session_for(vault, registry, today=dt.date(2026, 1, 15)), record.id
    )
    view.ops = ops
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.defn is not None)
    yield view
    view.save_and_close()
    ops.wait_for_idle()
    qtbot.waitUntil(lambda: ops.pending == 0)


def test_every_field_type_has_an_editor() -> None:
    assert set(FIELD_EDITORS) == set(FieldType)


@pytest.mark.parametrize("field_type", SAMPLE_TYPES, ids=str)
def test_sample_form_renders_each_field_type(editor: RecordEditorView, field_type) -> None:
    fields = [f for f in editor.defn.all_fields() if f.type is field_type]
    assert fields
    for field in fields:
        if field.parent is None:
            widget = editor.editor_for(field.id)
        else:
            group = editor.editor_for(field.parent)
            group.add_item()
            widget = group.item_editors[0][[f.id for f in group.field.fields].index(field.id)]
        assert isinstance(widget, EXPECTED_EDITOR[field_type])
        assert widget.focus_widget().accessibleName()


def test_conditional_field_appears_when_its_condition_is_met(
    qtbot: QtBot, editor: RecordEditorView
) -> None:
    carer = editor.editor_for("carer_name")
    assert not carer.isVisible()
    has_carer = editor.editor_for("has_carer")
    qtbot.keyClick(has_carer.group.button(0), Qt.Key.Key_Space)  # Yes, by keyboard
    assert carer.isVisible()
    assert editor.answers["has_carer"] is True
    qtbot.keyClick(has_carer.group.button(1), Qt.Key.Key_Space)  # No
    assert not carer.isVisible()


def test_bad_value_shows_inline_message(qtbot: QtBot, editor: RecordEditorView) -> None:
    name = editor.editor_for("preferred_name")
    qtbot.keyClicks(name.focus_widget(), "R2D2")
    assert name.problem.isVisible()
    assert "digits" in name.problem.text()
    visit = editor.editor_for("visit_date")
    qtbot.keyClicks(visit.focus_widget(), "31/02/2025")
    visit.focus_widget().editingFinished.emit()
    assert "not a real date: February 2025 has 28 days" in visit.problem.text()


def test_an_empty_question_says_nothing_until_the_user_leaves_it(
    qtbot: QtBot, editor: RecordEditorView
) -> None:
    visit = editor.editor_for("visit_date")
    name = editor.editor_for("preferred_name")
    visit.focus_widget().setFocus()
    qtbot.waitUntil(lambda: visit.focus_widget().hasFocus())
    # Something else changes while the user is in the empty date: it must not speak yet.
    editor.editor_for("has_carer").group.button(0).click()
    assert not visit.problem.isVisible(), visit.problem.text()
    name.focus_widget().setFocus()
    qtbot.waitUntil(lambda: name.focus_widget().hasFocus())
    assert visit.problem.isVisible()
    assert "date" in visit.problem.text().lower()
    assert not name.problem.isVisible()


def test_outcome_panel_follows_answers(qtbot: QtBot, editor: RecordEditorView) -> None:
    editor.sections.setCurrentRow(1)
    mobility = editor.editor_for("mobility")
    qtbot.keyClick(mobility.group.button(2), Qt.Key.Key_Space)  # C
    qtbot.keyClicks(editor.editor_for("hours").focus_widget(), "20")
    assert editor.answers["hours"] == 20
    assert editor.outcomes.labels["score_band"].text() == "High support"
    assert "High support" in editor.editor_for("score_band").shown.text()


def test_money_is_shown_in_pounds_and_autosaved_in_pence(
    qtbot: QtBot, editor: RecordEditorView, vault: Vault
) -> None:
    editor.sections.setCurrentRow(2)
    qtbot.keyClicks(editor.editor_for("weekly_rent").focus_widget(), "120.50")
    assert editor.answers["weekly_rent"] == 12050
    qtbot.waitUntil(lambda: editor.autosave.status == "Saved")
    found: list[object] = []
    editor.ops.run(AssessmentRepository(vault).get, editor.assessment_id, on_success=found.append)
    qtbot.waitUntil(lambda: bool(found))
    assert found[0].answers["weekly_rent"] == 12050


def test_signature_strokes_are_captured_from_the_mouse(
    qtbot: QtBot, editor: RecordEditorView
) -> None:
    editor.sections.setCurrentRow(3)
    signature = editor.editor_for("person_signature")
    pad = signature.pad
    start = pad.rect().center()
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(pad, QPoint(start.x() + 30, start.y() + 5))
    qtbot.mouseMove(pad, QPoint(start.x() + 60, start.y() - 5))
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(start.x() + 60, start.y() - 5))
    value = editor.answers["person_signature"]
    assert len(value["strokes"]) == 1 and len(value["strokes"][0]) >= 2


def test_editor_always_names_the_person(editor: RecordEditorView) -> None:
    text = editor.who.text()
    assert "Quillfeather" in text and "943 476 5919" in text and "14/03/1948" in text
    assert editor.who.isVisibleTo(editor)


def test_a_read_only_question_shows_its_answer_at_full_contrast_and_takes_no_edits(
    qtbot: QtBot, editor: RecordEditorView
) -> None:
    has_carer = editor.editor_for("has_carer")
    qtbot.keyClick(has_carer.group.button(0), Qt.Key.Key_Space)
    assert editor.answers["has_carer"] is True
    for field_id in ("has_carer", "preferred_name"):
        editor.editor_for(field_id).set_read_only()
    # Enabled (so drawn in the normal text colour), but it takes no mouse and no keyboard.
    no = has_carer.group.button(1)
    assert no.isEnabled()
    assert no.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    no.setFocus()
    qtbot.keyClick(no, Qt.Key.Key_Space)
    assert not no.isChecked()
    name = editor.editor_for("preferred_name").focus_widget()
    qtbot.keyClicks(name, "Sam")
    assert name.text() == "" and "preferred_name" not in editor.answers


def test_a_keystroke_redraws_only_the_section_rows_whose_state_changed(
    qtbot: QtBot, editor: RecordEditorView
) -> None:
    assert editor.defn is not None
    ids = [s.id for s in editor.defn.sections]
    needs = ids.index("needs")
    rows = editor.sections
    before = [rows.item(r).text() for r in range(rows.count())]
    assert not before[needs].startswith("✓")
    changed: list[int] = []
    rows.model().dataChanged.connect(
        lambda top, bottom, _roles: changed.extend(range(top.row(), bottom.row() + 1))
    )
    updated: list[list[int]] = []
    set_statuses = rows.set_statuses

    def watched(statuses: list[SectionStatus]) -> list[int]:
        updated.append(set_statuses(statuses))
        return updated[-1]

    rows.set_statuses = watched  # type: ignore[method-assign]
    editor.sections.setCurrentRow(needs)
    mobility = editor.editor_for("mobility")
    qtbot.keyClick(mobility.group.button(0), Qt.Key.Key_Space)  # the Needs section's last required
    # The Needs row now says it is complete; no other row was touched.
    assert rows.item(needs).text() == "✓ Needs"
    assert updated[-1] == [needs]
    assert set(changed) == {needs}
    after = [rows.item(r).text() for r in range(rows.count())]
    assert [t for r, t in enumerate(after) if r != needs] == [
        t for r, t in enumerate(before) if r != needs
    ]
    # A key that changes no section's state updates no row.
    changed.clear()
    qtbot.keyClicks(editor.editor_for("hours").focus_widget(), "7")
    assert editor.answers["hours"] == 7
    assert updated[-1] == [] and changed == []
    assert rows.item(needs).text() == "✓ Needs"
