"""The one worker: ops keep the order they were asked for, except a `when_free` read, which lets
ops asked for after it go first (a keystroke's search before the caseload's alerts)."""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtWidgets import QWidget

from assessor_app.ui.operations import BackgroundOps, dispose

pytestmark = pytest.mark.gui


def held_worker(ops: BackgroundOps) -> threading.Event:
    """Keep the worker busy until the returned event is set, so ops queue up behind it."""
    gate = threading.Event()
    ops.run(lambda: gate.wait(10))
    return gate


def test_a_when_free_read_waits_for_ops_asked_for_after_it(qtbot: QtBot) -> None:
    ops = BackgroundOps()
    ran: list[str] = []
    gate = held_worker(ops)
    ops.run(ran.append, "alerts", when_free=True)
    ops.run(ran.append, "search m")
    ops.run(ran.append, "search ma")
    ops.run(ran.append, "save")
    gate.set()
    ops.wait_for_idle()  # waits for the deferred read too
    assert ran == ["search m", "search ma", "save", "alerts"]
    qtbot.waitUntil(lambda: ops.pending == 0)
    ops.shutdown()


def test_writes_keep_their_order_and_a_free_worker_runs_the_read_at_once(qtbot: QtBot) -> None:
    ops = BackgroundOps()
    ran: list[str] = []
    ops.run(ran.append, "alerts", when_free=True)
    ops.wait_for_idle()
    assert ran == ["alerts"]
    gate = held_worker(ops)
    for n in range(5):
        ops.run(ran.append, f"save {n}")
    gate.set()
    ops.wait_for_idle()
    assert ran == ["alerts"] + [f"save {n}" for n in range(5)]
    qtbot.waitUntil(lambda: ops.pending == 0)
    ops.shutdown()


def test_a_deferred_read_whose_screen_went_is_skipped(qtbot: QtBot) -> None:
    """Locking disposes the caseload and queues the vault's close: its alerts, still waiting,
    must not then run against a closed vault (and show an error)."""
    ops = BackgroundOps()
    view = QWidget()
    ran: list[str] = []
    delivered: list[object] = []
    gate = held_worker(ops)
    ops.run(ran.append, "alerts", when_free=True, owner=view, on_success=delivered.append)
    dispose(view)
    ops.run(ran.append, "close the vault")
    gate.set()
    ops.wait_for_idle()
    qtbot.waitUntil(lambda: ops.pending == 0)
    assert ran == ["close the vault"]
    assert delivered == []
    ops.shutdown()


def test_a_failure_while_the_window_closes_is_logged_not_shown(
    qtbot: QtBot, shown_messages: list[tuple[str, str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    # At logout (SIGTERM) a dialog nobody can answer kept the app from ending.
    def fails() -> None:
        raise RuntimeError("the vault was closed under it")

    ops = BackgroundOps()
    ops.run(fails)
    qtbot.waitUntil(lambda: ops.pending == 0)
    assert len(shown_messages) == 1  # while open, a failure is shown
    ops.closing = True
    with caplog.at_level("WARNING"):
        ops.run(fails)
        qtbot.waitUntil(lambda: ops.pending == 0)
    assert len(shown_messages) == 1
    assert "failed while closing: RuntimeError" in caplog.text
    ops.shutdown()
