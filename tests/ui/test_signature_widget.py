"""The signature editor: strokes drawn with the mouse are saved with the printed name and today's
date, "unable to sign" is a keyboard-operable list of reasons with details, a representative
says what authority they sign with, and answers saved in older shapes are shown and kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QPoint, Qt

from assessor_app.core.form_engine.model import FieldDef, FieldType
from assessor_app.core.form_engine.signatures import REPRESENTATIVE_CAPACITIES, UNABLE_REASONS
from assessor_app.core.form_engine.value_checks import value_messages

from assessor_app.ui.widgets.signature import SignatureEditor

pytestmark = pytest.mark.gui

TODAY = dt.date.today()


def make(qtbot: QtBot, signer: str | None = "person") -> tuple[SignatureEditor, list[Any]]:
    field = FieldDef(
        id="sig",
        type=FieldType.SIGNATURE,
        label="Signature of the person",
        required=True,
        signer=signer,
    )
    editor = SignatureEditor(field, "sig")
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    edits: list[Any] = []
    editor.value_edited.connect(lambda _path, value: edits.append(value))
    return editor, edits


def draw(qtbot: QtBot, editor: SignatureEditor, dx: int = 0) -> None:
    pad = editor.pad
    start = pad.rect().center() + QPoint(dx - 60, 0)
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(pad, start + QPoint(20, -15))
    qtbot.mouseMove(pad, start + QPoint(40, 10))
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=start + QPoint(40, 10))


def problems(editor: SignatureEditor, value: Any) -> list[str]:
    return value_messages(editor.field, value, TODAY)


def choose(qtbot: QtBot, combo: Any, data: str) -> None:
    """Pick an item with the keyboard, as someone without a mouse would."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    while combo.currentData() != data:
        before = combo.currentIndex()
        qtbot.keyClick(combo, Qt.Key.Key_Down)
        assert combo.currentIndex() != before, f"{data} is not in the list"


def test_drawing_saves_the_strokes_the_name_and_todays_date(qtbot: QtBot) -> None:
    editor, edits = make(qtbot)
    assert editor.date_label.text() == "Not signed yet"
    qtbot.keyClicks(editor.name_edit, "Jordan Example")
    draw(qtbot, editor)
    draw(qtbot, editor, dx=70)
    value = edits[-1]
    assert value == editor.value()
    assert value["name"] == "Jordan Example"
    assert value["signed_on"] == TODAY.isoformat()
    assert len(value["strokes"]) == 2 and all(len(s) >= 3 for s in value["strokes"])
    assert all(isinstance(c, int) for s in value["strokes"] for p in s for c in p)
    assert set(value) == {"strokes", "name", "signed_on"}
    assert problems(editor, value) == []
    assert editor.date_label.text().startswith("Signed on ")


def test_a_drawing_without_a_name_asks_for_the_name(qtbot: QtBot) -> None:
    editor, edits = make(qtbot)
    draw(qtbot, editor)
    assert problems(editor, edits[-1]) == ["Enter the name of the person assessed."]


def test_clear_removes_the_signature_and_its_date(qtbot: QtBot) -> None:
    editor, edits = make(qtbot)
    draw(qtbot, editor)
    qtbot.mouseClick(editor.clear_button, Qt.MouseButton.LeftButton)
    assert edits[-1] is None and editor.value() is None
    assert editor.date_label.text() == "Not signed yet"
    qtbot.keyClicks(editor.name_edit, "Jordan Example")
    # A name with nothing signed is kept, and the check asks for the signature or a reason.
    assert problems(editor, edits[-1]) == [
        "Ask the person assessed to sign in the box, or choose why they are unable to sign."
    ]


def test_unable_to_sign_for_another_reason_needs_the_detail(qtbot: QtBot) -> None:
    editor, edits = make(qtbot)
    assert editor.reason.accessibleName() == "Signature of the person: unable to sign: reason"
    assert editor.detail.accessibleName().endswith("details of why they cannot sign")
    assert [editor.reason.itemData(i) for i in range(1, editor.reason.count())] == list(
        UNABLE_REASONS
    )
    qtbot.keyClicks(editor.name_edit, "Jordan Example")
    choose(qtbot, editor.reason, "other")
    assert not editor.pad.isEnabled() and editor.detail.isEnabled() and editor.detail.isVisible()
    assert editor.focus_widget() is editor.reason
    value = edits[-1]
    assert value == {
        "unable_to_sign": "other",
        "name": "Jordan Example",
        "signed_on": TODAY.isoformat(),
    }
    assert problems(editor, value) == ["Describe the reason the person assessed is unable to sign."]
    qtbot.keyClicks(editor.detail, "Was asleep after a night shift")
    assert edits[-1]["detail"] == "Was asleep after a night shift"
    assert problems(editor, edits[-1]) == []
    assert editor.date_label.text().startswith("Reason recorded on ")


def test_choosing_no_reason_again_goes_back_to_the_pad(qtbot: QtBot) -> None:
    editor, edits = make(qtbot)
    choose(qtbot, editor.reason, "declined")
    choose(qtbot, editor.reason, None)  # type: ignore[arg-type]
    assert editor.pad.isEnabled() and not editor.detail.isEnabled()
    assert not editor.detail.isVisible()  # the details line shows only with a reason
    assert edits[-1] is None


def test_a_representatives_authority_round_trips(qtbot: QtBot) -> None:
    editor, edits = make(qtbot, "representative")
    assert editor.capacity.isVisible()
    assert [editor.capacity.itemData(i) for i in range(1, editor.capacity.count())] == list(
        REPRESENTATIVE_CAPACITIES
    )
    qtbot.keyClicks(editor.name_edit, "Sam Example")
    draw(qtbot, editor)
    assert problems(editor, edits[-1]) == [
        "Choose the authority their representative signs with, for example a Lasting Power of "
        "Attorney."
    ]
    choose(qtbot, editor.capacity, "lpa_health_welfare")
    assert edits[-1]["capacity"] == "lpa_health_welfare"
    assert not editor.capacity_detail.isEnabled()
    assert problems(editor, edits[-1]) == []

    saved = {
        "strokes": [[[10, 20], [30, 40]]],
        "name": "Sam Example",
        "signed_on": "2026-11-16",
        "capacity": "other",
        "capacity_detail": "Litigation friend",
    }
    editor.set_value(saved)
    assert editor.capacity.currentData() == "other"
    assert editor.capacity_detail.isEnabled() and editor.capacity_detail.isVisible()
    assert editor.capacity_detail.text() == "Litigation friend"
    assert editor.value() == saved
    qtbot.keyClicks(editor.name_edit, " Jr")  # an edit writes the same shape back
    assert edits[-1] == {**saved, "name": "Sam Example Jr"}


def test_only_a_representative_is_asked_for_an_authority(qtbot: QtBot) -> None:
    editor, _ = make(qtbot, "assessor")
    assert not editor.capacity.isVisible()


def test_set_value_shows_a_new_shape_without_emitting(qtbot: QtBot) -> None:
    editor, edits = make(qtbot)
    saved = {
        "unable_to_sign": "custody_not_permitted",
        "detail": "Segregation unit rules",
        "name": "Łukasz Brindlewood",
        "signed_on": "2026-11-16",
    }
    editor.set_value(saved)
    assert edits == []
    assert editor.reason.currentText() == UNABLE_REASONS["custody_not_permitted"]
    assert editor.detail.text() == "Segregation unit rules"
    assert editor.name_edit.text() == "Łukasz Brindlewood"
    assert editor.date_label.text() == "Reason recorded on 16 November 2026"
    assert editor.value() == saved
    editor.set_value(None)
    assert editor.value() is None and editor.reason.currentData() is None
    assert editor.name_edit.text() == "" and editor.pad.strokes == []


@pytest.mark.parametrize(
    "old",
    [
        {"unable_to_sign": "Has a broken wrist."},
        {"strokes": [[[0, 0], [10, 12.5], [20, 8]], [[30, 5], [31, 6]]]},
    ],
    ids=["free-text-reason", "strokes-only"],
)
def test_an_old_shape_is_shown_and_kept(qtbot: QtBot, old: dict[str, Any]) -> None:
    editor, edits = make(qtbot, None)
    editor.set_value(old)
    editor.repaint()  # float points from an old answer still paint
    assert edits == []
    assert editor.value() == old  # saved back unchanged until someone edits it
    assert problems(editor, old) == []
    if "unable_to_sign" in old:
        assert editor.reason.currentData() == "other"
        assert editor.detail.text() == "Has a broken wrist."
        assert not editor.pad.isEnabled()
    else:
        assert len(editor.pad.strokes) == 2 and editor.pad.isEnabled()
        assert editor.date_label.text() == "Date signed not recorded"
