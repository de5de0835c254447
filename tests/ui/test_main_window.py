"""The main window's frame: a busy indicator while the worker is slow, a status bar that says
nothing about records once locked, and Ctrl+F to the caseload search from anywhere."""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QMargins, QRect, Qt
from PySide6.QtWidgets import QApplication, QLabel

from assessor_app.core.storage.assessments import AssessmentRepository
from tests.support import community_person
from tests.ui.conftest import (
    WindowFactory,
    add_person,
    create_profile,
    new_profile_caseload,
    press_ctrl_l,
    wait_for_worker,
)

from assessor_app.ui.views.main_window import MainWindow, initial_geometry
from assessor_app.ui.views.unlock import UnlockView

pytestmark = pytest.mark.gui


def status_bar_text(window: MainWindow) -> str:
    """Everything the status bar shows: its message and the text of its visible labels."""
    bar = window.statusBar()
    texts = [bar.currentMessage()]
    texts += [label.text() for label in bar.findChildren(QLabel) if label.isVisibleTo(window)]
    return " ".join(t for t in texts if t)


def open_person_and_record(qtbot: QtBot, window: MainWindow) -> None:
    person = add_person(qtbot, window, community_person())
    assert window.vault is not None
    records = AssessmentRepository(window.vault)
    created: list[object] = []
    window.ops.run(records.create, person.id, "sample", 2, on_success=created.append)
    wait_for_worker(qtbot, window)
    window.show_person(person.id)
    window.show_record(created[0].id)  # type: ignore[attr-defined]
    editor = window.editor
    assert editor is not None
    qtbot.waitUntil(lambda: editor.defn is not None)


def test_busy_indicator_shows_while_an_operation_is_slow(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    create_profile(qtbot, window)
    wait_for_worker(qtbot, window)
    assert not window.busy_indicator.isVisible()
    assert window.busy_indicator.accessibleName() == "Working"

    release = threading.Event()
    window.ops.run(release.wait, 10)  # a slow operation: holds the worker until released
    qtbot.waitUntil(window.busy_indicator.isVisible, timeout=3000)
    assert "Working…" in status_bar_text(window)
    release.set()
    qtbot.waitUntil(lambda: not window.busy_indicator.isVisible(), timeout=3000)
    assert "Working…" not in status_bar_text(window)


def test_quick_operations_do_not_flash_the_busy_indicator(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    create_profile(qtbot, window)
    wait_for_worker(qtbot, window)
    shown: list[bool] = []

    def drained() -> bool:
        shown.append(window.busy_indicator.isVisible())  # sampled all through the wait
        return window.ops.pending == 0

    for _ in range(5):
        window.ops.run(lambda: None)
        qtbot.waitUntil(drained)
    assert shown and not any(shown)


def test_lock_leaves_no_save_status_on_the_unlock_screen(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    create_profile(qtbot, window)
    open_person_and_record(qtbot, window)
    editor = window.editor
    assert editor is not None
    field = editor.editor_for("preferred_name").focus_widget()
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClicks(field, "Sam")  # unsaved: the lock flushes it, and it lands after the lock
    assert window.save_status.text() == "Saving…"

    press_ctrl_l(qtbot, window)
    wait_for_worker(qtbot, window)

    assert isinstance(window.stack.currentWidget(), UnlockView)
    assert "Sav" not in status_bar_text(window)
    assert window.save_status.text() == ""


def test_lock_with_a_save_result_already_queued_leaves_no_save_status(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    create_profile(qtbot, window)
    open_person_and_record(qtbot, window)
    editor = window.editor
    assert editor is not None
    qtbot.keyClicks(editor.editor_for("preferred_name").focus_widget(), "Sam")
    editor.autosave.flush()
    # The save has run and its result waits in the GUI queue when the lock comes.
    window.ops.wait_for_idle()
    window.lock()
    wait_for_worker(qtbot, window)
    assert "Sav" not in status_bar_text(window)


def test_ctrl_f_goes_to_the_caseload_search_from_a_record(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    create_profile(qtbot, window)
    open_person_and_record(qtbot, window)
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    caseload = window.caseload
    assert caseload is not None
    assert window.stack.currentWidget() is caseload
    assert window.editor is None and window.person is None
    qtbot.waitUntil(caseload.search.hasFocus)


def test_ctrl_f_selects_what_was_typed_in_the_search(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window, caseload = new_profile_caseload(qtbot, make_window)
    qtbot.keyClicks(caseload.search, "quill")
    caseload.results.setFocus()
    qtbot.waitUntil(caseload.results.hasFocus)
    qtbot.keyClick(caseload.results, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(caseload.search.hasFocus)
    assert caseload.search.selectedText() == "quill"  # typing replaces the old search


def test_ctrl_f_does_nothing_while_locked(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    create_profile(qtbot, window)
    press_ctrl_l(qtbot, window)
    unlock_view = window.stack.currentWidget()
    assert isinstance(unlock_view, UnlockView)
    qtbot.keyClick(
        QApplication.focusWidget() or window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier
    )
    assert window.stack.currentWidget() is unlock_view
    assert window.caseload is None


def test_slow_imports_are_warmed_off_the_vault_worker_once(tmp_path, monkeypatch, qtbot) -> None:
    import sys
    import threading

    from assessor_app.ui.operations import BackgroundOps

    (tmp_path / "warm_probe_module.py").write_text(
        "import threading\nTHREAD = threading.current_thread().name\n"
        "import builtins\n"
        "builtins.warm_probe_count = getattr(builtins, 'warm_probe_count', 0) + 1\n"
        "DONE = True\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    ops = BackgroundOps()
    gate = threading.Event()
    ops.run(gate.wait)  # the vault worker is busy: a warm-up must not queue behind it
    ops.warm("warm_probe_module")
    ops.warm("warm_probe_module")
    # In sys.modules from the moment its import starts: wait for its last line to have run.
    qtbot.waitUntil(
        lambda: getattr(sys.modules.get("warm_probe_module"), "DONE", False), timeout=5000
    )
    import builtins

    assert sys.modules["warm_probe_module"].THREAD.startswith("assessor-warm")
    assert builtins.warm_probe_count == 1
    gate.set()
    ops.shutdown()
    del builtins.warm_probe_count
    del sys.modules["warm_probe_module"]


def test_file_and_help_menus_and_ctrl_q(
    qtbot: QtBot, make_window, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assessor_app.ui import dialogs

    window = make_window()
    create_profile(qtbot, window)
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["File", "&Tools", "Help"]  # Alt+F stays the editor's Finalise
    about: list[tuple[str, str, str]] = []
    monkeypatch.setattr(
        dialogs, "inform", lambda _p, t, text, detail="": about.append((t, text, detail))
    )
    window.about_action.trigger()
    [(title, text, detail)] = about
    assert title == "About Assessor" and text.startswith("Assessor ")
    assert str(window.ctx.data_dir) in detail
    vault = window.vault
    assert vault is not None
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    window.quit_action.trigger()  # offscreen has no window manager to route the key
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert not vault.is_open  # quitting locked the records


FRAME = QMargins(4, 28, 4, 4)


@pytest.mark.parametrize(
    ("available", "outer"),
    [
        # A laptop: most of the screen, centred.
        (QRect(0, 0, 1920, 1040), QRect(96, 52, 1728, 936)),
        # A small laptop screen: no smaller than 1024×640 where the screen allows...
        (QRect(0, 0, 1100, 700), QRect(38, 30, 1024, 640)),
        # ...and never bigger than the screen (a second screen to the right, a top panel).
        (QRect(1920, 30, 800, 570), QRect(1920, 30, 800, 570)),
    ],
)
def test_first_window_takes_most_of_the_screen(available: QRect, outer: QRect) -> None:
    assert initial_geometry(available, FRAME) == outer.marginsRemoved(FRAME)


def test_window_opens_within_the_screen(make_window: WindowFactory) -> None:
    window = make_window()
    available = window.screen().availableGeometry()
    shown = window.frameGeometry()
    assert available.contains(shown), (available, shown)
    # The title bar's height is guessed before the window is shown: allow for a wrong guess.
    slack = 40
    assert shown.width() >= min(available.width(), 1024) - slack
    assert shown.height() >= min(available.height(), 640) - slack
