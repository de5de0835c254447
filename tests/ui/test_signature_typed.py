"""A signature typed on the command line (`assessor-cli record sign`), opened in the editor: it
says the name was typed, is saved back unchanged, and drawing replaces it."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QPoint, Qt

from assessor_app.core.form_engine.model import FieldDef, FieldType

from assessor_app.ui.widgets.signature import SignatureEditor

pytestmark = pytest.mark.gui

TYPED = {"typed": True, "name": "Jordan Example", "signed_on": "2026-11-16"}


def test_a_typed_signature_is_shown_as_typed_kept_and_replaced_by_drawing(qtbot: QtBot) -> None:
    field = FieldDef(id="sig", type=FieldType.SIGNATURE, label="Signature", signer="person")
    editor = SignatureEditor(field, "sig")
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    editor.set_value(dict(TYPED))
    assert editor.date_label.text() == "Typed name, signed on 16 November 2026"
    assert editor.name_edit.text() == "Jordan Example"
    assert editor.value() == TYPED

    qtbot.mousePress(editor.pad, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    qtbot.mouseMove(editor.pad, QPoint(40, 30))
    qtbot.mouseRelease(editor.pad, Qt.MouseButton.LeftButton, pos=QPoint(40, 30))
    drawn = editor.value()
    assert "typed" not in drawn and drawn["strokes"] and drawn["name"] == "Jordan Example"
    assert drawn["signed_on"] == "2026-11-16"
    assert editor.date_label.text() == "Signed on 16 November 2026"
