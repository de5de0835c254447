"""The Add person dialog's problem lines: each shows whole however many lines it wraps to, and
the "put right the problems above" line goes once they are put right."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QWidget

from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault

from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.views.person_form import PUT_RIGHT, PersonDialog

pytestmark = pytest.mark.gui


@pytest.fixture
def dialog(qtbot: QtBot, vault: Vault) -> PersonDialog:
    shown = PersonDialog(BackgroundOps(), PeopleRepository(vault))
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def retype(qtbot: QtBot, box: QLineEdit, text: str) -> None:
    box.selectAll()
    qtbot.keyClick(box, Qt.Key.Key_Delete)
    qtbot.keyClicks(box, text)
    box.editingFinished.emit()  # as leaving the box does


def shown_whole(dialog: PersonDialog, label: QWidget) -> bool:
    """The label is on screen, inside the dialog, and tall enough for its wrapped text."""
    assert label.parentWidget() is dialog
    inside = dialog.rect().contains(label.geometry())
    return label.isVisible() and inside and label.height() >= label.heightForWidth(label.width())


def test_a_long_nhs_number_problem_shows_whole(qtbot: QtBot, dialog: PersonDialog) -> None:
    retype(qtbot, dialog.nhs_number, "123 456 7890")
    retype(qtbot, dialog.date_of_birth, "31/02/1950")
    qtbot.wait(10)  # let the layout settle
    assert "check digit is wrong" in dialog.nhs_problem.text()
    assert shown_whole(dialog, dialog.nhs_problem)
    assert shown_whole(dialog, dialog.dob_problem)


def test_the_summary_goes_once_the_problems_are_put_right(
    qtbot: QtBot, dialog: PersonDialog
) -> None:
    dialog.given_name.setText("Zoë")
    dialog.family_name.setText("Quillfeather")
    retype(qtbot, dialog.nhs_number, "123 456 7890")
    retype(qtbot, dialog.date_of_birth, "31/02/1950")
    dialog.submit()
    assert dialog.problem.text() == PUT_RIGHT and dialog.problem.isVisible()
    retype(qtbot, dialog.nhs_number, "943 476 5919")
    assert dialog.problem.isVisible()  # the date of birth is still wrong
    retype(qtbot, dialog.date_of_birth, "28/02/1950")
    assert not dialog.problem.isVisible()
    assert dialog.problem.text() == ""
    qtbot.wait(10)
    assert shown_whole(dialog, dialog.nhs_number)  # and the dialog shrank back around the boxes
