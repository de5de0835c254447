"""The idle lock's watcher: input to any of the app's windows postpones the lock, the lock
still fires once input stops, and events Qt passes between widgets (paints, layouts) never
reach it (they ran Python tens of thousands of times while a record opened).

Key presses here go to the window (`QTest.keyClick` on a `QWindow`), the way the system
delivers them; a key sent straight to a widget skips the window, as no real key press does.
"""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from tests.ui.conftest import WindowFactory, create_profile

from assessor_app.ui.idle_watcher import IdleWatcher

pytestmark = pytest.mark.gui

MINUTE_MS = 60_000


def _app() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app


def _shown(qtbot: QtBot, widget: QWidget) -> QWidget:
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    return widget


def _key_into(widget: QWidget) -> None:
    handle = widget.windowHandle()
    assert handle is not None
    QTest.keyClick(handle, Qt.Key.Key_A)


def test_a_key_press_in_the_window_puts_the_lock_off(qtbot: QtBot) -> None:
    window = _shown(qtbot, QLineEdit())
    watcher = IdleWatcher(_app(), minutes=1)
    watcher.start()
    try:
        qtbot.wait(300)
        assert watcher._timer.remainingTime() <= MINUTE_MS - 250
        _key_into(window)
        assert watcher._timer.remainingTime() > MINUTE_MS - 200
    finally:
        watcher.stop()


def test_a_key_press_in_a_dialog_opened_later_puts_the_lock_off(qtbot: QtBot) -> None:
    window = _shown(qtbot, QLineEdit())
    watcher = IdleWatcher(_app(), minutes=1)
    watcher.start()
    try:
        dialog = QDialog(window)
        QVBoxLayout(dialog).addWidget(QLineEdit())
        _shown(qtbot, dialog)
        qtbot.wait(300)
        assert watcher._timer.remainingTime() <= MINUTE_MS - 250
        _key_into(dialog)
        assert watcher._timer.remainingTime() > MINUTE_MS - 200
    finally:
        watcher.stop()


def test_the_lock_fires_once_input_stops_and_not_while_it_goes_on(qtbot: QtBot) -> None:
    window = _shown(qtbot, QLineEdit())
    watcher = IdleWatcher(_app(), minutes=0.6 / 60)  # 600 ms
    fired: list[bool] = []
    watcher.idle_timed_out.connect(lambda: fired.append(True))
    watcher.start()
    try:
        for _ in range(8):  # 8 x 150 ms of typing: longer than the 600 ms it waits for
            qtbot.wait(150)
            _key_into(window)
        assert not fired
        with qtbot.waitSignal(watcher.idle_timed_out, timeout=5000):
            pass
    finally:
        watcher.stop()


def test_stopped_it_neither_fires_nor_watches(qtbot: QtBot) -> None:
    window = _shown(qtbot, QLineEdit())
    watcher = IdleWatcher(_app(), minutes=0.2 / 60)
    seen: list[object] = []
    watcher.eventFilter = lambda _watched, event: bool(seen.append(event))  # type: ignore[method-assign]
    watcher.start()
    watcher.stop()
    _key_into(window)
    qtbot.wait(400)
    assert not watcher.active and not seen


def test_painting_a_page_of_widgets_does_not_run_the_watcher(qtbot: QtBot) -> None:
    window = QScrollArea()
    window.setWidgetResizable(True)
    window.resize(800, 600)
    _shown(qtbot, window)
    watcher = IdleWatcher(_app(), minutes=1)
    calls: list[int] = []
    real = watcher.eventFilter

    def counted(watched: object, event: object) -> bool:
        calls.append(1)
        return real(watched, event)  # type: ignore[arg-type]

    watcher.eventFilter = counted  # type: ignore[method-assign]
    watcher.start()
    try:
        # As the record editor builds a page: into a scroll area on screen, then scrolled.
        page = QWidget()
        column = QVBoxLayout(page)
        for i in range(200):
            column.addWidget(QLabel(f"Question {i}"))
            column.addWidget(QLineEdit())
        window.setWidget(page)
        page.show()
        qtbot.wait(100)
        window.verticalScrollBar().setValue(2000)
        qtbot.wait(100)
        # An application-wide filter saw several events per widget (over a thousand here).
        assert len(calls) < 50
    finally:
        watcher.stop()


def test_typing_in_the_app_puts_the_idle_lock_off_until_it_stops(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window(idle_minutes=0.6 / 60)  # 600 ms
    create_profile(qtbot, window)
    for _ in range(8):  # 1.2 s of typing into the caseload's search
        qtbot.wait(150)
        _key_into(window)
    assert window.vault is not None, "locked while the user was typing"
    with qtbot.waitSignal(window.did_lock, timeout=5000):
        pass
    assert window.vault is None
