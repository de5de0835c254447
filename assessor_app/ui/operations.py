"""The one background-work helper: every storage call the UI makes runs through `BackgroundOps`.

Why one worker thread: the vault's SQLCipher connection may be used from only one thread at a
time, so all vault work (unlock, search, autosave, checkpoint, lock) is serialised on a single
worker, in the order it was asked for. Results come back to the GUI thread through a Qt signal;
callbacks never run on the worker, so views never touch widgets from a background thread.
Failures go to `error_display` unless the caller handles them. Imports no view module.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from assessor_app.ui import error_display

log = logging.getLogger(__name__)

_OK, _FAILED, _SKIPPED = "ok", "failed", "skipped"

SuccessCallback = Callable[[Any], None]
FailureCallback = Callable[[BaseException], None]


@dataclass
class _Op:
    fn: Callable[[], Any]
    on_success: SuccessCallback | None
    on_failure: FailureCallback | None
    owner: QObject | None
    latest_key: str | None
    generation: int
    counted: bool = True
    when_free: bool = False


class BackgroundOps(QObject):
    """Runs callables on one worker thread and hands results back on the GUI thread.

    `busy_changed(True)` fires when the queue goes from empty to busy and `busy_changed(False)`
    when it drains, so a status line can show "Saving…" / "Saved".
    """

    busy_changed = Signal(bool)
    _op_did_finish = Signal(object)

    def __init__(self, error_parent: Callable[[], QWidget | None] | None = None) -> None:
        super().__init__()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assessor-db")
        # Never touches the vault: only `warm`'s imports run here.
        self._side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assessor-warm")
        # Never touches the vault either: network calls (sync), so that a slow or absent
        # server never delays a save queued behind it on the vault's worker.
        self._network = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assessor-net")
        self._warmed: set[str] = set()
        self._pending = 0
        self.closing = False
        """Set as the window closes: failures are logged from then on, not shown."""
        self._waiting = 0  # ops queued on the worker, not yet started, that go first
        self._deferred = 0  # `when_free` ops queued and not yet started
        self._latest: dict[str, int] = {}
        self._lock = threading.Lock()
        self._error_parent = error_parent or (lambda: None)
        # A queued connection: emitted on the worker, delivered on the GUI thread.
        self._op_did_finish.connect(self._deliver)

    @property
    def pending(self) -> int:
        """Operations queued or running and not yet delivered."""
        return self._pending

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_success: SuccessCallback | None = None,
        on_failure: FailureCallback | None = None,
        owner: QObject | None = None,
        latest_key: str | None = None,
        when_free: bool = False,
        **kwargs: Any,
    ) -> None:
        """Queue `fn(*args, **kwargs)` on the worker.

        Args:
            on_success: called on the GUI thread with the result.
            on_failure: called on the GUI thread with the exception; without it the error
                goes to `error_display.show_error`.
            owner: a widget the callbacks belong to; once it is disposed (see `dispose`) or
                deleted, its callbacks are skipped (errors are still shown).
            latest_key: only the newest op with this key matters ("latest query wins"): older
                ones are skipped if not started and their results are dropped if they were.
            when_free: a read that may wait: any op asked for after it that has not started
                yet goes first (a search typed while the caseload's alerts wait their turn).
                It is skipped if its owner is disposed before it starts. Never for writes:
                those keep the order they were asked for.
        """
        generation = 0
        if latest_key is not None:
            with self._lock:
                generation = self._latest.get(latest_key, 0) + 1
                self._latest[latest_key] = generation
        op = _Op(
            lambda: fn(*args, **kwargs),
            on_success,
            on_failure,
            owner,
            latest_key,
            generation,
            when_free=when_free,
        )
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        with self._lock:
            if when_free:
                self._deferred += 1
            else:
                self._waiting += 1
        self._pool.submit(self._work_when_free if when_free else self._work_in_order, op)

    def _work_in_order(self, op: _Op) -> None:
        with self._lock:
            self._waiting -= 1
        self._work(op)

    def _work_when_free(self, op: _Op) -> None:
        # On the worker: while ops asked for later are still waiting, go back behind them.
        with self._lock:
            later = self._waiting > 0
        if later:
            try:
                self._pool.submit(self._work_when_free, op)
                return
            except RuntimeError:
                pass  # shutting down: run it now rather than never
        with self._lock:
            self._deferred -= 1
        if not self._owner_alive(op):
            self._op_did_finish.emit((op, _SKIPPED, None))
            return
        self._work(op)

    def run_network(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_success: SuccessCallback | None = None,
        on_failure: FailureCallback | None = None,
        owner: QObject | None = None,
        **kwargs: Any,
    ) -> None:
        """Queue `fn(*args, **kwargs)` on the network lane, which never touches the vault.

        Callbacks come back on the GUI thread as for `run`. Not counted in `pending` (the
        "Saving…" indicator is about the vault); `fn` must not use the vault.
        """
        op = _Op(lambda: fn(*args, **kwargs), on_success, on_failure, owner, None, 0, False)
        self._network.submit(self._work, op)

    def _is_stale(self, op: _Op) -> bool:
        if op.latest_key is None:
            return False
        with self._lock:
            return self._latest.get(op.latest_key) != op.generation

    def _work(self, op: _Op) -> None:
        # Runs on the worker thread: no widget access here. Always emits exactly once, so
        # `pending` always drains.
        if self._is_stale(op):
            self._op_did_finish.emit((op, _SKIPPED, None))
            return
        try:
            result: tuple[str, Any] = (_OK, op.fn())
        except BaseException as e:  # noqa: BLE001 - handed to the GUI thread, never dropped
            result = (_FAILED, e)
        self._op_did_finish.emit((op, *result))

    def _deliver(self, payload: tuple[_Op, str, Any]) -> None:
        op, outcome, value = payload
        try:
            if outcome == _OK:
                if op.on_success is not None and self._owner_alive(op) and not self._is_stale(op):
                    op.on_success(value)
            elif outcome == _FAILED:
                if self.closing:
                    # The window is going: a dialog now would wait for a click nobody can give
                    # (at logout the app must end), and each would deliver the next failure.
                    log.warning("failed while closing: %s", type(value).__name__)
                elif op.on_failure is not None and self._owner_alive(op):
                    op.on_failure(value)
                else:
                    error_display.show_error(self._error_parent(), value)
        finally:
            if op.counted:
                self._finish_one()

    def _finish_one(self) -> None:
        self._pending -= 1
        if self._pending == 0:
            self.busy_changed.emit(False)

    @staticmethod
    def _owner_alive(op: _Op) -> bool:
        owner = op.owner
        if owner is None:
            return True
        return shiboken6.isValid(owner) and not getattr(owner, "disposed", False)

    def warm(self, module: str) -> None:
        """Import `module` on a side thread, once: code that never touches the vault and is
        slow to import (pyHanko), so the worker stays free for the first search."""
        with self._lock:
            if module in self._warmed:
                return
            self._warmed.add(module)
        self._side.submit(importlib.import_module, module)

    def wait_for_idle(self) -> None:
        """Block until every queued op has run on the worker (used on quit, never in views)."""
        while True:
            self._pool.submit(lambda: None).result()
            with self._lock:
                if not self._deferred:  # none went back behind the marker
                    return

    def shutdown(self) -> None:
        """Finish queued work and stop the worker thread."""
        self._pool.shutdown(wait=True)
        self._side.shutdown(wait=True)
        self._network.shutdown(wait=False, cancel_futures=True)


def dispose(widget: QWidget) -> None:
    """Mark a widget's pending callbacks as void and schedule it for deletion."""
    if not shiboken6.isValid(widget):
        return
    widget.disposed = True  # type: ignore[attr-defined]
    widget.hide()
    widget.setParent(None)
    widget.deleteLater()
