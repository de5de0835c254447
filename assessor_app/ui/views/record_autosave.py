"""Autosave for one open record: debounce field edits, save them with `save_field`, and fold
them into a revision with `checkpoint`.

Why a debounce and not a save per keystroke: `save_field` fsyncs, so typing a paragraph would
queue hundreds of writes; 600 ms after the last keystroke (or at once on focus change) keeps
every edit on disk within a second. All writes go through `BackgroundOps`, which runs them in
the order queued, so a checkpoint always sees the field saves queued before it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from assessor_app.core.storage.assessments import AssessmentRepository

from assessor_app.ui import error_display
from assessor_app.ui.operations import BackgroundOps

DEBOUNCE_MS = 600
SAVED, SAVING, NOT_SAVED = "Saved", "Saving…", "Not saved"


class RecordAutosave(QObject):
    """Emits `status_changed("Saved" | "Saving…" | "Not saved")` as writes go and land."""

    status_changed = Signal(str)

    def __init__(
        self,
        ops: BackgroundOps,
        records: AssessmentRepository,
        assessment_id: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._ops = ops
        self._records = records
        self.assessment_id = assessment_id
        self._pending: dict[str, Any] = {}
        self._in_flight = 0
        self.status = SAVED
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.flush)

    @property
    def has_unsaved(self) -> bool:
        """Edits waiting for the debounce or still being written."""
        return bool(self._pending) or self._in_flight > 0

    def queue(self, path: str, value: Any) -> None:
        """Note an edit; it is written when the user pauses (or on `flush`)."""
        self._pending[path] = value
        self._timer.start()
        self._set_status(SAVING)

    def flush(self) -> None:
        """Write every pending edit now (one `save_field` each, in order)."""
        self._timer.stop()
        pending, self._pending = self._pending, {}
        for path, value in pending.items():
            self._in_flight += 1
            self._ops.run(
                self._records.save_field,
                self.assessment_id,
                path,
                value,
                owner=self,
                on_success=self._landed,
                on_failure=self._failed,
            )

    def checkpoint(self) -> None:
        """Flush, then fold the autosaved edits into one revision."""
        self.flush()
        self._in_flight += 1
        self._ops.run(
            self._records.checkpoint,
            self.assessment_id,
            owner=self,
            on_success=self._landed,
            on_failure=self._failed,
        )

    def _landed(self, _result: object) -> None:
        self._in_flight -= 1
        if not self.has_unsaved:
            self._set_status(SAVED)

    def _failed(self, error: BaseException) -> None:
        self._in_flight -= 1
        self._set_status(NOT_SAVED)
        error_display.show_error(None, error)

    def _set_status(self, status: str) -> None:
        if status != self.status:
            self.status = status
            self.status_changed.emit(status)
