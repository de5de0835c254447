"""The person page: an assessor corrects a person's details (a new surname, a move) and every
screen that names them follows; the core's validation keeps the dialog open with its message.
"""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel

from tests.support import community_person
from tests.ui.conftest import (
    WindowFactory,
    add_person,
    create_profile,
    reactivate,
    wait_for_worker,
)

from assessor_app.ui.views.main_window import MainWindow
from assessor_app.ui.views.person import PersonView
from assessor_app.ui.views.person_form import PersonDialog

pytestmark = pytest.mark.gui


def shown_detail(page: PersonView, name: str) -> str:
    """The value shown beside a detail's label on the person page ('' when not shown)."""
    for label in page.findChildren(QLabel):
        if label.accessibleName() == name and label.isVisibleTo(page):
            return label.text()
    return ""


def open_person_page(qtbot: QtBot, make_window: WindowFactory) -> tuple[MainWindow, PersonView]:
    window = make_window()
    create_profile(qtbot, window)
    person = add_person(qtbot, window, community_person())
    window.show_person(person.id)
    page = window.person
    assert page is not None
    qtbot.waitUntil(page.edit_button.isEnabled)
    return window, page


def open_edit_dialog(qtbot: QtBot, page: PersonView) -> PersonDialog:
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    dialog = page.edit_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def save(dialog: PersonDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def test_a_person_without_records_is_told_how_to_start_one(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window, page = open_person_page(qtbot, make_window)
    qtbot.waitUntil(lambda: page.no_records.isVisibleTo(page))
    assert page.records.topLevelItemCount() == 0
    assert "choose a form below, then Start form" in page.no_records.text()
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.editor is not None and window.editor.defn is not None)
    window.go_back()
    page = window.person
    assert page is not None
    qtbot.waitUntil(lambda: page.records.topLevelItemCount() == 1)
    assert not page.no_records.isVisibleTo(page)


def test_edit_details_button_has_a_mnemonic_and_a_name(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    _window, page = open_person_page(qtbot, make_window)
    assert "&" in page.edit_button.text()
    assert page.edit_button.accessibleName() == "Edit details"


def test_edited_surname_and_address_show_on_the_page_and_in_search(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window, page = open_person_page(qtbot, make_window)
    dialog = open_edit_dialog(qtbot, page)
    assert dialog.windowTitle() == "Edit details"
    # Pre-filled with what is stored.
    assert dialog.family_name.text() == "Quillfeather"
    assert dialog.date_of_birth.text() == "14/03/1948"
    assert dialog.nhs_number.text() == "943 476 5919"
    assert dialog.address.toPlainText() == "12 Nowhere Lane, Demotown"

    dialog.family_name.clear()
    qtbot.keyClicks(dialog.family_name, "Marchbank")
    dialog.address.clear()
    qtbot.keyClicks(dialog.address, "3 Harbour Row, Newtown")
    with qtbot.waitSignal(dialog.person_saved, timeout=5000):
        qtbot.mouseClick(save(dialog), Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    reactivate(qtbot, window)

    assert not dialog.isVisible()
    assert page.title.text() == "Marchbank, Zoë"
    assert shown_detail(page, "Address") == "3 Harbour Row, Newtown"
    # What the dialog does not show is kept, not blanked.
    assert shown_detail(page, "Council person id") == "LA900001"
    assert shown_detail(page, "NHS number") == "943 476 5919"

    window.show_caseload()
    caseload = window.caseload
    assert caseload is not None
    # The kept caseload list follows without the user searching again...
    qtbot.waitUntil(lambda: caseload.results.topLevelItemCount() == 1)
    assert caseload.results.topLevelItem(0).text(0) == "Marchbank, Zoë"
    # ...and a fresh search finds the new surname, not the old one.
    qtbot.keyClicks(caseload.search, "marchbank")
    qtbot.waitUntil(lambda: caseload.search.text() == "marchbank" and window.ops.pending == 0)
    assert caseload.results.topLevelItemCount() == 1
    caseload.search.clear()
    qtbot.keyClicks(caseload.search, "quillfeather")
    wait_for_worker(qtbot, window)
    assert caseload.results.topLevelItemCount() == 0
    assert caseload.count.text() == "No one matches."


def test_core_validation_error_shows_inline_and_keeps_the_dialog_open(
    qtbot: QtBot, make_window: WindowFactory, shown_messages: list[tuple[str, str, str]]
) -> None:
    window, page = open_person_page(qtbot, make_window)
    dialog = open_edit_dialog(qtbot, page)
    dialog.family_name.clear()  # the core requires a surname; the dialog does not check it
    qtbot.mouseClick(save(dialog), Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    assert dialog.isVisible()
    assert dialog.problem.isVisible()
    assert "first name and surname" in dialog.problem.text()
    assert save(dialog).isEnabled()
    assert shown_messages == []
    assert page.title.text() == "Quillfeather, Zoë"


def test_a_conviction_status_that_does_not_fit_the_setting_is_refused_in_the_dialog(
    qtbot: QtBot, make_window: WindowFactory, shown_messages: list[tuple[str, str, str]]
) -> None:
    window, page = open_person_page(qtbot, make_window)
    dialog = open_edit_dialog(qtbot, page)
    dialog.setting.setCurrentIndex(dialog.setting.findData("prison"))
    # The status reads as the forms give it, so the message's words are on screen.
    dialog.conviction.setCurrentIndex(dialog.conviction.findText("Not convicted (on bail)"))
    dialog.prison_number.setText("hello")
    qtbot.mouseClick(save(dialog), Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    assert dialog.isVisible() and shown_messages == []
    assert dialog.problem.text() == (
        "'Not convicted (on bail)' does not fit someone in prison: it fits only approved "
        "premises or bail accommodation. Change the setting or the conviction status."
    )
    dialog.conviction.setCurrentIndex(dialog.conviction.findText("Remanded in custody"))
    qtbot.mouseClick(save(dialog), Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    assert "'hello' is not one letter, four digits and two letters" in dialog.problem.text()
    assert page.title.text() == "Quillfeather, Zoë"


def test_forms_are_offered_in_the_usual_order_without_the_sample(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    _window, page = open_person_page(qtbot, make_window)
    offered = [page.form_choice.itemData(i) for i in range(page.form_choice.count())]
    assert offered == [
        "needs_assessment",
        "care_support_plan",
        "care_review",
        "carers_assessment",
        "carers_support_plan",
        "financial_assessment",
        "chc_checklist",
        "chc_dst",
        "chc_fast_track",
    ]
    assert page.form_choice.currentData() == "needs_assessment"
    assert page.start_button.isEnabled()
    assert not page.form_note.isVisibleTo(page)


def test_the_sample_form_is_offered_to_developers_last(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window(developer_forms=True)
    create_profile(qtbot, window)
    person = add_person(qtbot, window, community_person())
    window.show_person(person.id)
    page = window.person
    assert page is not None
    qtbot.waitUntil(page.edit_button.isEnabled)
    assert page.form_choice.itemData(page.form_choice.count() - 1) == "sample"
    assert page.form_choice.currentData() == "needs_assessment"


def test_a_date_of_birth_under_18_takes_the_carers_assessment_off_the_list(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    _window, page = open_person_page(qtbot, make_window)
    page.form_choice.setCurrentIndex(page.form_choice.findData("carers_assessment"))
    assert page.start_button.isEnabled()
    dialog = open_edit_dialog(qtbot, page)
    dialog.date_of_birth.setText("01/06/2015")
    qtbot.mouseClick(save(dialog), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.edit_dialog is None or not page.edit_dialog.isVisible())
    qtbot.waitUntil(lambda: not page.start_button.isEnabled())
    assert page.form_choice.currentData() == "carers_assessment"  # the choice is kept...
    assert "young carers are assessed under the Children Act" in page.form_note.text()  # ...why
