"""Tools → Send by file… and Import a receipt from file…, over a real vault and gateway store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtWidgets import QWidget

from assessor_app.core.storage import outbox
from assessor_app.core.storage.outbox import OutboxState
from assessor_app.core.storage.vault import Vault
from tests.sync.test_bundles import Authority, _enrol, _work, authority  # noqa: F401 - fixture

from assessor_app.ui import dialogs
from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.views.send_by_file import import_receipt_file, send_by_file

pytestmark = pytest.mark.gui


@pytest.fixture
def ops() -> Any:
    helper = BackgroundOps()
    yield helper
    helper.shutdown()


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_send_by_file_then_import_the_receipt_from_the_tools_menu(
    qtbot: QtBot,
    ops: BackgroundOps,
    vault: Vault,
    authority: Authority,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _work(vault)
    _enrol(vault, authority)
    window = QWidget()
    qtbot.addWidget(window)
    said: list[str] = []
    target = tmp_path / "records.bundle"
    monkeypatch.setattr(dialogs, "save_file", lambda *_a: target)
    monkeypatch.setattr(dialogs, "inform", lambda _p, _t, text, *_a: said.append(text))

    send_by_file(window, ops, vault)
    qtbot.waitUntil(lambda: len(said) == 1)
    assert "4 change(s) and 0 signed PDF(s) were written to records.bundle" in said[0]
    assert target.exists()

    receipt = tmp_path / "records.receipt"
    receipt.write_bytes(authority.take(target.read_bytes()).receipt)
    monkeypatch.setattr(dialogs, "open_file", lambda *_a: receipt)
    import_receipt_file(window, ops, vault)
    qtbot.waitUntil(lambda: len(said) == 2)
    assert "4 change(s) and 0 signed PDF(s) are now at the council" in said[1]
    ops.run(lambda: None)  # the vault is read after the worker is done with it
    qtbot.waitUntil(
        lambda: {i.state for i in outbox.items(vault.conn)} == {OutboxState.ACKNOWLEDGED}
    )
