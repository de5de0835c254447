"""Marking a record as completed: refused, with the questions named, while answers are
missing; otherwise the record is completed with every edit in it, and shown read-only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QProgressDialog, QWidget

from assessor_app.core.form_engine.answers import Problem
from assessor_app.core.form_engine.definition import FormRegistry
from assessor_app.core.records import Assessment, RecordStatus
from assessor_app.core.storage.assessments import AssessmentRepository
from tests.conftest import REPO_ROOT
from tests.support import community_person
from tests.ui.conftest import WindowFactory, add_person, create_profile, wait_for_worker

from assessor_app.ui import dialogs
from assessor_app.ui.views import record_editor
from assessor_app.ui.views.main_window import MainWindow
from assessor_app.ui.views.record_completion import NOT_READY_TITLE, not_ready_message
from assessor_app.ui.views.record_editor import RecordEditorView

pytestmark = pytest.mark.gui

VALID_ANSWERS: dict[str, Any] = json.loads(
    (REPO_ROOT / "tests/fixtures/forms/answers/sample_v2.json").read_text()
)


def on_worker(qtbot: QtBot, window: MainWindow, fn: Any, *args: Any) -> Any:
    """Run a storage call on the app's one worker (the vault is not for the GUI thread)."""
    got: list[Any] = []
    window.ops.run(fn, *args, on_success=got.append)
    wait_for_worker(qtbot, window)
    return got[0]


def open_sample_record(
    qtbot: QtBot, make_window: WindowFactory, answers: dict[str, Any]
) -> tuple[MainWindow, RecordEditorView]:
    """A new sample-form draft holding `answers`, opened from its person's page."""
    window = make_window()
    create_profile(qtbot, window)
    person = add_person(qtbot, window, community_person())
    assert window.vault is not None
    records = AssessmentRepository(window.vault)

    def draft() -> Assessment:
        record = records.create(person.id, "sample", 2)
        for path, value in answers.items():
            records.save_field(record.id, path, value)
        return records.checkpoint(record.id)

    record = on_worker(qtbot, window, draft)
    window.show_person(person.id)
    window.show_record(record.id)
    editor = window.editor
    assert editor is not None
    qtbot.waitUntil(lambda: editor.defn is not None)
    return window, editor


def stored(qtbot: QtBot, window: MainWindow, assessment_id: str) -> Assessment:
    assert window.vault is not None
    return on_worker(qtbot, window, AssessmentRepository(window.vault).get, assessment_id)


def test_incomplete_record_is_refused_with_the_questions_named_and_stays_a_draft(
    qtbot: QtBot, make_window: WindowFactory, shown_messages: list[tuple[str, str, str]]
) -> None:
    window, editor = open_sample_record(qtbot, make_window, {"preferred_name": "Sam"})
    assert editor.complete_button.isVisible() and "&" in editor.complete_button.text()
    assert editor.complete_button.accessibleName() == "Finalise and sign"

    qtbot.mouseClick(editor.complete_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)

    [(title, text, detail)] = shown_messages
    assert title == NOT_READY_TITLE
    assert text.startswith("6 questions still need an answer")
    assert "About the person: Date of the visit" in detail
    assert "About the person: Is an interpreter needed?" in detail
    assert "and 3 more" in detail
    assert stored(qtbot, window, editor.assessment_id).status is RecordStatus.DRAFT
    assert editor.editable and editor.complete_button.isEnabled()
    assert "read only" not in editor.title.text()
    # The user is taken to the first unanswered question, and its message is shown.
    visit = editor.editor_for("visit_date")
    qtbot.waitUntil(visit.focus_widget().hasFocus)
    assert visit.problem.isVisible()


def test_valid_record_completes_with_its_last_edit_and_becomes_read_only(
    qtbot: QtBot,
    make_window: WindowFactory,
    shown_messages: list[tuple[str, str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = {k: v for k, v in VALID_ANSWERS.items() if k != "preferred_name"}
    window, editor = open_sample_record(qtbot, make_window, answers)
    # The last answer is typed and Alt+F pressed at once, before the autosave debounce: the
    # mnemonic leaves focus in the field, so no focus change saves the edit on its way out.
    name = editor.editor_for("preferred_name").focus_widget()
    name.setFocus()
    qtbot.waitUntil(name.hasFocus)
    qtbot.keyClicks(name, "Sam")
    assert editor.autosave.status == "Saving…"
    assessment_id = editor.assessment_id

    shown: list[tuple[QProgressDialog, bool]] = []
    real_progress = record_editor.finalising_progress

    def progress_shown(parent: QWidget) -> QProgressDialog:
        dialog = real_progress(parent)
        shown.append((dialog, editor.pages.currentWidget().isEnabled()))
        return dialog

    monkeypatch.setattr(record_editor, "finalising_progress", progress_shown)
    with qtbot.waitSignal(editor.completed, timeout=5000):
        qtbot.keyClick(name, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    # While it ran: progress was shown over the answers, which stayed in view, not blanked.
    [(progress, answers_in_view)] = shown
    assert answers_in_view
    assert progress.windowModality() == Qt.WindowModality.WindowModal
    assert "signing its PDF" in progress.labelText()
    qtbot.waitUntil(lambda: editor.defn is not None)
    wait_for_worker(qtbot, window)

    assert shown_messages == []
    assert editor._progress is None
    # And it ends with a word of what happened.
    assert editor.outcome_note.isVisible()
    assert editor.outcome_note.text().startswith("Finalised: revision")
    assert "signed by Robin Testcase" in editor.outcome_note.text()
    record = stored(qtbot, window, assessment_id)
    assert record.status is RecordStatus.COMPLETED
    # The completed revision itself holds the last edit (not just an unfolded autosave).
    assert window.vault is not None
    last = on_worker(qtbot, window, AssessmentRepository(window.vault).history, assessment_id)[-1]
    assert last.body["status"] == "completed"
    assert last.body["answers"]["preferred_name"] == "Sam"
    assert not editor.editable
    assert "finalised: read only" in editor.title.text()
    assert not editor.complete_button.isVisible()
    field = editor.editor_for("preferred_name")
    line = field.focus_widget()
    assert isinstance(line, QLineEdit)
    # Read-only at full contrast and selectable, not a disabled pale grey.
    assert field.read_only and field.isEnabled() and line.isReadOnly()
    assert line.text() == "Sam"
    qtbot.keyClicks(line, "uel")
    assert line.text() == "Sam"

    window.go_back()
    page = window.person
    assert page is not None
    wait_for_worker(qtbot, window)  # the page refreshes its list on the way back
    assert page.records.topLevelItemCount() == 1
    assert page.records.topLevelItem(0).text(1) == "Completed"


def test_not_ready_message_names_group_items_and_counts_each_question_once(
    registry: FormRegistry,
) -> None:
    defn = registry.get("sample", 2)
    problems = [
        Problem("income_sources[1].income_amount", "Enter an amount."),
        Problem("income_sources[1].income_amount", "Enter an amount."),
    ]
    text, detail = not_ready_message(defn, problems)
    assert text.startswith("1 question still needs an answer")
    assert "Money: Sources of income, income source 2: " in detail
    assert "more" not in detail


def test_unreadable_text_on_screen_blocks_completion(
    qtbot: QtBot, make_window: WindowFactory, shown_messages: list[tuple[str, str, str]]
) -> None:
    window, editor = open_sample_record(qtbot, make_window, VALID_ANSWERS)
    saved_date = VALID_ANSWERS["visit_date"]
    line = editor.editor_for("visit_date").focus_widget()
    line.setFocus()
    line.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(line, "31/06/2025")  # June has 30 days: never saved
    qtbot.keyClick(line, Qt.Key.Key_Tab)
    qtbot.mouseClick(editor.complete_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    assert [title for title, _, _ in shown_messages] == [NOT_READY_TITLE]
    assert "Date of the visit" in shown_messages[0][1]
    record = stored(qtbot, window, editor.assessment_id)
    assert record.status is RecordStatus.DRAFT and record.answers["visit_date"] == saved_date


def test_lock_while_the_not_ready_message_is_open_raises_no_error(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = {k: v for k, v in VALID_ANSWERS.items() if k != "mobility"}
    window, editor = open_sample_record(qtbot, make_window, answers)
    shown: list[str] = []

    def message_during_which_the_idle_lock_fires(
        _parent: object, title: str, _text: str, _detail: str = ""
    ) -> None:
        shown.append(title)
        if title == NOT_READY_TITLE:
            window.idle.idle_timed_out.emit()

    monkeypatch.setattr(dialogs, "show_message", message_during_which_the_idle_lock_fires)
    qtbot.mouseClick(editor.complete_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    assert window.vault is None  # locked
    assert shown == [NOT_READY_TITLE]  # and no "The records are locked" error after it
