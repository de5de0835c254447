"""The Tools menu's send-by-file items: there once a profile is unlocked, and cancel is silent."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.ui.conftest import WindowFactory, create_profile

from assessor_app.ui import dialogs


def test_send_by_file_items_are_offered_only_while_a_profile_is_unlocked(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    window = make_window()
    assert not window.send_file_action.isEnabled() and not window.receipt_action.isEnabled()
    create_profile(qtbot, window)
    assert window.send_file_action.isEnabled() and window.receipt_action.isEnabled()
    [tools] = [a for a in window.menuBar().actions() if a.text() == "&Tools"]
    menu = tools.menu()
    assert menu is not None
    assert {window.send_file_action, window.receipt_action} <= set(menu.actions())
    told: list[str] = []
    monkeypatch.setattr(dialogs, "save_file", lambda *_a: None)  # the assessor cancels
    monkeypatch.setattr(dialogs, "open_file", lambda *_a: None)
    monkeypatch.setattr(dialogs, "inform", lambda *a: told.append(str(a)))
    window.send_file_action.trigger()
    window.receipt_action.trigger()
    assert told == [] and not list(tmp_path.rglob("*.bundle"))
