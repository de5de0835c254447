"""Auto-lock timer: key and mouse input to any of the app's windows restarts it.

The event filter sits on the top-level windows (`QWindow`s: the main window and every dialog),
not on the QApplication: input from the system arrives at a window before Qt hands it to a
widget, so every key press and click passes the window, while the far more numerous events
Qt sends between widgets (paints, layouts, timers, child events: tens of thousands while a
record opens) never reach Python. A window that appears later (a dialog) is watched from the
moment it takes focus, and on every focus change the list of windows is looked at again.
Installed only while the countdown runs (unlocked).
"""

from __future__ import annotations

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import QApplication

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class IdleWatcher(QObject):
    """Emits `idle_timed_out` after `minutes` without input while started."""

    idle_timed_out = Signal()

    def __init__(self, app: QApplication, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        # QTimer takes a signed 32-bit millisecond count (about 24 days).
        self._timer.setInterval(min(2**31 - 1, max(1, round(minutes * 60_000))))
        self._timer.timeout.connect(self.idle_timed_out)
        self._filtering = False

    @property
    def active(self) -> bool:
        """True while counting down."""
        return self._timer.isActive()

    def start(self) -> None:
        """Begin (or restart) the countdown."""
        if not self._filtering:
            # Precise: a coarse timer may fire up to 5% early or late (15 s in 5 minutes).
            # Set here, at unlock, not when built: touching `Qt` costs start-up ~35 ms, and
            # so does importing it by name (`from PySide6.QtCore import Qt` builds it).
            self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
            self._app.focusWindowChanged.connect(self._watch_windows)
            self._filtering = True
        self._watch_windows()
        self._timer.start()

    def stop(self) -> None:
        """Stop counting (while locked)."""
        self._timer.stop()
        if self._filtering:
            self._app.focusWindowChanged.disconnect(self._watch_windows)
            for window in QGuiApplication.topLevelWindows():
                window.removeEventFilter(self)
            self._filtering = False

    def remove(self) -> None:
        """Uninstall the event filters (on window close)."""
        self.stop()

    def _watch_windows(self, _focused: QWindow | None = None) -> None:
        # Installing again on a window already watched moves the filter, never doubles it.
        for window in QGuiApplication.topLevelWindows():
            window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt virtual
        del watched
        if event.type() in INPUT_EVENTS and self._timer.isActive():
            self._timer.start()
        return False
