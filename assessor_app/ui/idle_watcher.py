"""Auto-lock timer: an application-wide event filter restarts it on every key or mouse input.

Installed on the QApplication (not a window) so input in dialogs counts too, and only while
the countdown runs (unlocked): every event of the application passes through it, so on the
lock screen and at start-up it stays out of the way.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
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
            self._app.installEventFilter(self)
            self._filtering = True
        self._timer.start()

    def stop(self) -> None:
        """Stop counting (while locked)."""
        self._timer.stop()
        if self._filtering:
            self._app.removeEventFilter(self)
            self._filtering = False

    def remove(self) -> None:
        """Uninstall the event filter (on window close)."""
        self.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt virtual
        del watched
        if event.type() in INPUT_EVENTS and self._timer.isActive():
            self._timer.start()
        return False
