"""The unlock window's "Forgotten your passphrase?": what IT can do, and whether it can here."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from assessor_app.core.records import Role
from assessor_app.core.storage import recovery_key
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.vault import Vault
from tests.ui.conftest import UI_PASSPHRASE, WindowFactory

from assessor_app.ui.views.unlock import UnlockView

pytestmark = pytest.mark.gui


def _profile(data_dir, *, recoverable: bool) -> tuple[str, str | None]:
    vault = Vault.create(
        data_dir,
        name="Robin Testcase",
        role=Role.NURSE,
        authority="Example NHS Trust",
        passphrase=UI_PASSPHRASE,
        kdf=FAST_KDF_FOR_TESTS,
    )
    fingerprint = None
    if recoverable:
        key = recovery_key.generate()
        vault.set_recovery_key(recovery_key.public_key_text(key.public_key()))
        fingerprint = recovery_key.fingerprint(key.public_key())
    profile_id = vault.profile.id
    vault.close()
    return profile_id, fingerprint


@pytest.mark.parametrize("recoverable", [True, False], ids=["enrolled", "never enrolled"])
def test_forgotten_passphrase_says_how_it_can_be_recovered(
    qtbot: QtBot, make_window: WindowFactory, tmp_path, recoverable: bool
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    profile_id, fingerprint = _profile(data_dir, recoverable=recoverable)
    window = make_window(data_dir=data_dir)
    view = window.stack.currentWidget()
    assert isinstance(view, UnlockView)
    assert view.forgotten_button.isVisible() and not view.recovery_help.isVisible()
    qtbot.mouseClick(view.forgotten_button, Qt.MouseButton.LeftButton)
    assert view.recovery_help.isVisible()
    text = view.recovery_help.text()
    assert profile_id in text
    if recoverable:
        assert "IT can recover your records" in text and "council's recovery key" in text
        assert f"assessor-cli vault recover --profile {profile_id} --recovery-key FILE" in text
        assert fingerprint is not None and fingerprint in text
    else:
        assert "IT cannot recover it" in text and "only its passphrase opens it" in text
    assert "new profile" in text  # don't replace it: the records are still in it
    assert window.vault is None
