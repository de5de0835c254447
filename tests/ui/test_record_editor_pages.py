"""Opening a record builds only the page on screen; the rest are built when first shown.
Everything that reaches every question still does: focus to a field on a page not built yet,
finalise naming unreadable text and showing every missing answer, and a keystroke updating
the section marks (and giving new problems only to the questions whose problems changed)."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea

from tests.ui.test_record_editor import editor  # noqa: F401 - the fixture

from assessor_app.ui.views.record_completion import NOT_READY_TITLE
from assessor_app.ui.views.record_editor import RecordEditorView
from assessor_app.ui.widgets.field_base import FieldEditor

pytestmark = pytest.mark.gui

# The sample form: About (preferred_name, visit_date, ...), Needs (mobility, hours, ...),
# Money (weekly_rent, income_sources), Sign (person_signature, score_band).


def _built(view: RecordEditorView) -> list[bool]:
    pages = [view.pages.widget(i) for i in range(view.pages.count())]
    assert all(isinstance(p, QScrollArea) for p in pages)
    return [p.widget() is not None for p in pages]  # type: ignore[union-attr]


def test_opening_a_record_builds_only_the_page_on_screen(editor: RecordEditorView) -> None:  # noqa: F811
    assert _built(editor) == [True, False, False, False]
    assert "preferred_name" in editor.editors and "mobility" not in editor.editors
    editor.sections.setCurrentRow(2)
    assert _built(editor) == [True, False, True, False]
    assert editor.pages.currentWidget().widget().isVisible()  # type: ignore[union-attr]
    assert editor.editor_for("weekly_rent").isVisible()


def test_focus_reaches_a_field_on_a_page_not_built_yet(
    qtbot: QtBot,
    editor: RecordEditorView,  # noqa: F811
) -> None:
    editor.activateWindow()
    editor.focus_field("hours")
    assert editor.sections.currentRow() == 1
    hours = editor.editors["hours"]
    qtbot.waitUntil(hours.focus_widget().hasFocus)
    assert editor.current_path == "hours"


def test_a_page_built_later_shows_its_answers_and_its_outcome(
    qtbot: QtBot,
    editor: RecordEditorView,  # noqa: F811
) -> None:
    editor.sections.setCurrentRow(1)
    mobility = editor.editor_for("mobility")
    qtbot.keyClick(mobility.group.button(2), Qt.Key.Key_Space)  # type: ignore[attr-defined]
    qtbot.keyClicks(editor.editor_for("hours").focus_widget(), "20")
    editor.sections.setCurrentRow(3)  # built now, after the answers that decide its outcome
    assert "High support" in editor.editors["score_band"].shown.text()  # type: ignore[attr-defined]


def test_a_keystroke_updates_the_section_mark_and_only_the_problems_that_changed(
    qtbot: QtBot,
    editor: RecordEditorView,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    editor.sections.setCurrentRow(1)
    editor.sections.setCurrentRow(0)  # two pages built
    before = editor.sections.item(0).text()
    given: list[str] = []
    real = FieldEditor.set_core_problems

    def counted(self: FieldEditor, problems: dict[str, str]) -> None:
        given.append(self.path)
        real(self, problems)

    monkeypatch.setattr(FieldEditor, "set_core_problems", counted)
    name = editor.editors["preferred_name"]
    qtbot.keyClicks(name.focus_widget(), "R")
    assert editor.sections.item(0).text() != before  # one fewer missing
    assert "missing" in before
    qtbot.keyClicks(name.focus_widget(), "2")  # a digit: a problem with this answer only
    assert "digits" in name.problem.text()
    assert set(given) == {"preferred_name"}


def test_finalise_names_unreadable_text_on_a_page_no_longer_on_screen(
    qtbot: QtBot,
    editor: RecordEditorView,  # noqa: F811
    shown_messages: list[tuple[str, str, str]],
) -> None:
    line = editor.editors["visit_date"].focus_widget()
    line.setFocus()
    qtbot.keyClicks(line, "31/06/2025")  # June has 30 days: never saved
    qtbot.keyClick(line, Qt.Key.Key_Tab)
    editor.sections.setCurrentRow(2)
    editor.finalise()
    assert [title for title, _, _ in shown_messages] == [NOT_READY_TITLE]
    assert "Date of the visit" in shown_messages[0][1]
    assert editor.sections.currentRow() == 0  # taken back to it


def test_after_a_refused_finalise_a_page_built_later_shows_what_is_missing(
    editor: RecordEditorView,  # noqa: F811
    shown_messages: list[tuple[str, str, str]],
) -> None:
    editor.sections.setCurrentRow(1)
    mobility = editor.editors["mobility"]
    assert not mobility.problem.text()  # nobody has been into it yet
    editor.sections.setCurrentRow(0)
    editor.finalise()
    assert [title for title, _, _ in shown_messages] == [NOT_READY_TITLE]
    assert mobility.problem.text()
    signature = editor.editor_for("person_signature")  # its page is built only now
    assert signature.problem.text()
