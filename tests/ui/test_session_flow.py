"""The whole journey an assessor relies on: create a profile, lock, unlock, add a person, find
them, start the sample form, type, autosave, lock with Ctrl+L, unlock, and carry on where they
were with nothing lost.
"""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.vault import Vault
from tests.ui.conftest import (
    WindowFactory,
    create_profile,
    open_add_person_dialog,
    press_ctrl_l,
    reactivate,
    unlock,
    wait_for_worker,
)

from assessor_app.ui.views.caseload import CaseloadView
from assessor_app.ui.views.record_editor import RecordEditorView
from assessor_app.ui.views.unlock import UnlockView

pytestmark = pytest.mark.gui


def test_profile_to_autosaved_record_survives_lock_and_refocuses(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window(developer_forms=True)  # the sample form uses every field type
    create_profile(qtbot, window)
    assert window.vault is not None and window.vault.profile.name == "Robin Testcase"

    window.lock()
    unlock(qtbot, window)

    caseload = window.stack.currentWidget()
    assert isinstance(caseload, CaseloadView)
    dialog = open_add_person_dialog(caseload)
    qtbot.keyClicks(dialog.given_name, "Zoe")  # QTest types ASCII only
    qtbot.keyClicks(dialog.family_name, "Quillfeather")
    qtbot.keyClicks(dialog.date_of_birth, "14/03/1948")
    qtbot.keyClicks(dialog.nhs_number, "943 476 5919")
    with qtbot.waitSignal(dialog.person_saved, timeout=5000):
        dialog.submit()
    wait_for_worker(qtbot, window)
    reactivate(qtbot, window)

    # Back on the caseload, search as you type finds her.
    window.show_caseload()
    caseload = window.caseload
    assert caseload is not None
    qtbot.keyClicks(caseload.search, "quill")
    qtbot.waitUntil(
        lambda: caseload.results.topLevelItemCount() == 1 and caseload.search.text() == "quill"
    )
    row = caseload.results.topLevelItem(0)
    assert row.text(0) == "Quillfeather, Zoe"
    assert row.text(1) == "14/03/1948"
    assert row.text(2) == "943 476 5919"
    assert row.text(3) == "Own home"

    caseload.results.itemActivated.emit(row, 0)
    person = window.person
    assert person is not None
    qtbot.waitUntil(lambda: person.title.text() == "Quillfeather, Zoe")
    person.form_choice.setCurrentIndex(person.form_choice.findData("sample"))
    qtbot.mouseClick(person.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.editor is not None)
    editor: RecordEditorView = window.editor
    qtbot.waitUntil(lambda: "preferred_name" in editor.editors)

    field = editor.editor_for("preferred_name").focus_widget()
    assert isinstance(field, QLineEdit)
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClicks(field, "Zo")
    assert editor.autosave.status == "Saving…"
    # Debounced: on disk within a second of the last keystroke, without leaving the field.
    qtbot.waitUntil(lambda: editor.autosave.status == "Saved", timeout=1000)
    assert field.hasFocus()

    # The autosave is in the database: read it back on the worker, as the UI would.
    vault: Vault = window.vault
    found: list[object] = []
    window.ops.run(AssessmentRepository(vault).get, editor.assessment_id, on_success=found.append)
    wait_for_worker(qtbot, window)
    assert found[0].answers["preferred_name"] == "Zo"

    # Keep typing, then lock at once: the pending edit is flushed before the vault closes.
    qtbot.keyClicks(field, "e")
    assessment_id = editor.assessment_id
    press_ctrl_l(qtbot, window)
    assert window.vault is None and window.editor is None and window.caseload is None
    assert isinstance(window.stack.currentWidget(), UnlockView)

    unlock(qtbot, window)
    qtbot.waitUntil(lambda: window.editor is not None and window.editor.defn is not None)
    editor = window.editor
    assert editor.assessment_id == assessment_id
    reopened = editor.editor_for("preferred_name").focus_widget()
    assert reopened.text() == "Zoe"
    qtbot.waitUntil(reopened.hasFocus)
