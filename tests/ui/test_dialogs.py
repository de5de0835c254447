"""File dialogs open where a user keeps files, not where the app happened to be started."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtWidgets import QFileDialog

from assessor_app.ui import dialogs


def test_file_dialogs_start_in_documents_then_in_the_last_folder_used(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    del qtbot  # a QApplication must exist
    monkeypatch.chdir(tmp_path)  # as if started from a checkout
    monkeypatch.setattr(dialogs, "_last_folder", None)
    asked: list[str] = []
    usb = tmp_path / "usb"
    usb.mkdir()

    def save(_parent: object, _title: str, where: str, _filter: str) -> tuple[str, str]:
        asked.append(where)
        return str(usb / "chosen.pdf"), ""

    def open_(_parent: object, _title: str, where: str, _filter: str) -> tuple[str, str]:
        asked.append(where)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", open_)
    assert dialogs.save_file(None, "Export", "record.pdf", "PDF (*.pdf)") == usb / "chosen.pdf"
    first = Path(asked[0])
    assert first.name == "record.pdf" and first.parent != Path(os.getcwd())
    assert dialogs.open_file(None, "Import", "Files (*)") is None
    assert Path(asked[1]) == usb  # the folder used last
