"""Closing the window while an unlock is still running leaves no vault open behind it."""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from assessor_app.core.storage import history
from assessor_app.core.storage.vault import Vault
from tests.ui.conftest import UI_PASSPHRASE, WindowFactory, create_profile, press_ctrl_l

from assessor_app.ui.views.unlock import UnlockView

pytestmark = pytest.mark.gui


def test_an_unlock_that_finishes_after_close_is_locked_again(
    qtbot: QtBot, make_window: WindowFactory, tmp_path
) -> None:
    window = make_window()
    create_profile(qtbot, window)
    assert window.vault is not None
    profile_id = window.vault.profile.id
    press_ctrl_l(qtbot, window)
    view = window.stack.currentWidget()
    assert isinstance(view, UnlockView)
    release = threading.Event()
    window.ops.run(release.wait, 10)  # the worker is busy when Unlock is pressed
    qtbot.keyClicks(view.passphrase, UI_PASSPHRASE)
    qtbot.keyClick(view.passphrase, Qt.Key.Key_Return)
    threading.Timer(0.3, release.set).start()
    window.close()  # while the unlock is queued behind the busy worker
    assert window.vault is None
    reopened = Vault.open(tmp_path / "data", profile_id, UI_PASSPHRASE)
    try:
        actions = [e.action for e in history.list_audit(reopened.conn)]
    finally:
        reopened.close()
    # ... unlock (the late one), then lock at once, then this test's own unlock.
    assert actions[-3:] == ["vault.unlock", "vault.lock", "vault.unlock"]
