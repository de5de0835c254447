"""Locking while the Add person or Edit details dialog is open: Ctrl+L works from the dialog
(it blocks the main window's own shortcut), and the unlock screen does not claim that what was
typed in the dialog was saved.
"""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtWidgets import QApplication

from tests.support import community_person
from tests.ui.conftest import (
    WindowFactory,
    add_person,
    create_profile,
    new_profile_caseload,
    open_add_person_dialog,
    press_ctrl_l,
    unlock,
    wait_for_worker,
)

from assessor_app.ui.views.main_window import MainWindow
from assessor_app.ui.views.person_form import PersonDialog
from assessor_app.ui.views.unlock import UnlockView

pytestmark = pytest.mark.gui

NOT_SAVED = "The person's details you were typing were not saved."


def unlock_note(window: MainWindow) -> str:
    gate = window.stack.currentWidget()
    assert isinstance(gate, UnlockView)
    return gate.note.text()


def shown_dialogs() -> list[PersonDialog]:
    """Person dialogs still on screen (a disposed one may already be deleted)."""
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, PersonDialog) and w.isVisible()
    ]


def activate(qtbot: QtBot, dialog: PersonDialog) -> None:
    """Offscreen has no window manager to make the dialog the active window."""
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)


def open_edit_details(qtbot: QtBot, make_window: WindowFactory) -> tuple[MainWindow, PersonDialog]:
    window = make_window()
    create_profile(qtbot, window)
    person = add_person(qtbot, window, community_person())
    window.show_person(person.id)
    page = window.person
    assert page is not None
    qtbot.waitUntil(page.edit_button.isEnabled)
    page.edit_details()
    dialog = page.edit_dialog
    assert dialog is not None
    activate(qtbot, dialog)
    return window, dialog


def test_ctrl_l_in_edit_details_locks_and_says_the_typing_was_not_saved(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window, dialog = open_edit_details(qtbot, make_window)
    old_address = dialog.address.toPlainText()
    dialog.address.setFocus()
    qtbot.waitUntil(dialog.address.hasFocus)
    dialog.address.selectAll()
    qtbot.keyClicks(dialog.address, "New address after move")

    press_ctrl_l(qtbot, window)
    wait_for_worker(qtbot, window)

    assert window.vault is None
    assert shown_dialogs() == []
    assert NOT_SAVED in unlock_note(window)
    assert "Your work is saved" not in unlock_note(window)
    unlock(qtbot, window)
    wait_for_worker(qtbot, window)
    assert window.person is not None and window.person.person is not None
    assert window.person.person.details.address == old_address  # as the note said


def test_ctrl_l_in_edit_details_with_nothing_typed_says_work_is_saved(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window, dialog = open_edit_details(qtbot, make_window)
    press_ctrl_l(qtbot, window)
    wait_for_worker(qtbot, window)
    assert shown_dialogs() == []
    assert "Your work is saved." in unlock_note(window)


def test_ctrl_l_in_add_person_locks_and_says_the_typing_was_not_saved(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window, caseload = new_profile_caseload(qtbot, make_window)
    dialog = open_add_person_dialog(caseload)
    activate(qtbot, dialog)
    qtbot.keyClicks(dialog.given_name, "Zed")
    assert QApplication.focusWidget() is dialog.given_name

    press_ctrl_l(qtbot, window)
    wait_for_worker(qtbot, window)

    assert window.vault is None
    assert shown_dialogs() == []
    assert NOT_SAVED in unlock_note(window)


def test_idle_lock_with_add_person_open_says_the_typing_was_not_saved(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window, caseload = new_profile_caseload(qtbot, make_window)
    dialog = open_add_person_dialog(caseload)
    qtbot.keyClicks(dialog.family_name, "Zimmer")

    with qtbot.waitSignal(window.did_lock):
        window.idle.idle_timed_out.emit()
    wait_for_worker(qtbot, window)

    assert shown_dialogs() == []
    assert NOT_SAVED in unlock_note(window)


def test_lock_after_add_person_was_cancelled_says_work_is_saved(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window, caseload = new_profile_caseload(qtbot, make_window)
    dialog = open_add_person_dialog(caseload)
    qtbot.keyClicks(dialog.family_name, "Zimmer")
    dialog.reject()  # the user chose to discard it

    window.lock()
    wait_for_worker(qtbot, window)

    assert "Your work is saved." in unlock_note(window)
