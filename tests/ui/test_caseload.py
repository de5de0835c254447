"""The caseload screen: Enter in the search opens the first match for what is in the box now
(even when the worker is slow to answer), and the list follows people added since it was shown.
"""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidget

from tests.support import community_person
from tests.ui.conftest import (
    WindowFactory,
    add_person,
    create_profile,
    new_profile_caseload,
    wait_for_worker,
)

from assessor_app.ui.views.main_window import MainWindow

pytestmark = pytest.mark.gui


def shown_names(results: QTreeWidget) -> list[str]:
    items = (results.topLevelItem(i) for i in range(results.topLevelItemCount()))
    return [item.text(0) for item in items if item is not None]


def two_people(qtbot: QtBot, make_window: WindowFactory) -> tuple[MainWindow, str, str]:
    """Aaron Abbot sorts first, so a stale first row opens him instead of Zed Zimmer."""
    window = make_window()
    create_profile(qtbot, window)
    aaron = add_person(
        qtbot, window, community_person(given_name="Aaron", family_name="Abbot", nhs_number=None)
    )
    zed = add_person(
        qtbot, window, community_person(given_name="Zed", family_name="Zimmer", nhs_number=None)
    )
    assert window.caseload is not None
    window.caseload.refresh()
    wait_for_worker(qtbot, window)
    assert shown_names(window.caseload.results)[0].startswith("Abbot")
    return window, aaron.id, zed.id


def test_enter_before_the_search_returns_opens_the_match_for_the_typed_text(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window, _aaron, zed = two_people(qtbot, make_window)
    caseload = window.caseload
    assert caseload is not None
    opened: list[str] = []
    caseload.person_chosen.connect(opened.append)
    release = threading.Event()
    window.ops.run(release.wait, 10)  # the worker is busy (a slow save) while the user types
    qtbot.keyClicks(caseload.search, "zimmer")
    qtbot.keyClick(caseload.search, Qt.Key.Key_Return)
    assert opened == []  # the rows on screen are still those of the empty search
    release.set()
    wait_for_worker(qtbot, window)
    assert opened == [zed]
    assert window.person is not None and window.person.person_id == zed


def test_typing_after_an_early_enter_cancels_the_open(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window, _aaron, _zed = two_people(qtbot, make_window)
    caseload = window.caseload
    assert caseload is not None
    opened: list[str] = []
    caseload.person_chosen.connect(opened.append)
    release = threading.Event()
    window.ops.run(release.wait, 10)
    qtbot.keyClicks(caseload.search, "zim")
    qtbot.keyClick(caseload.search, Qt.Key.Key_Return)
    qtbot.keyClicks(caseload.search, "m")  # still typing: Enter was not meant for this
    release.set()
    wait_for_worker(qtbot, window)
    assert opened == []
    assert shown_names(caseload.results) == ["Zimmer, Zed"]


def test_enter_with_current_results_opens_the_selected_row(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window, _aaron, zed = two_people(qtbot, make_window)
    caseload = window.caseload
    assert caseload is not None
    opened: list[str] = []
    caseload.person_chosen.connect(opened.append)
    qtbot.keyClicks(caseload.search, "zimmer")
    wait_for_worker(qtbot, window)
    qtbot.keyClick(caseload.search, Qt.Key.Key_Return)
    assert opened == [zed]


def test_person_added_from_the_caseload_is_listed_after_back(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window, caseload = new_profile_caseload(qtbot, make_window)
    wait_for_worker(qtbot, window)
    # A brand-new caseload says how to start, not that a search found nobody.
    assert caseload.count.text().startswith("No one is in your caseload yet")
    qtbot.mouseClick(caseload.add_button, Qt.MouseButton.LeftButton)
    dialog = caseload.add_person_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.given_name, "Zed")
    qtbot.keyClicks(dialog.family_name, "Zimmer")
    with qtbot.waitSignal(dialog.person_saved, timeout=5000):
        dialog.submit()
    wait_for_worker(qtbot, window)
    assert window.person is not None  # the new person's page

    qtbot.mouseClick(window.back_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)

    assert window.stack.currentWidget() is caseload
    assert shown_names(caseload.results) == ["Zimmer, Zed"]
    assert caseload.count.text() == "1 shown"


def test_back_keeps_the_row_the_user_had_chosen(qtbot: QtBot, make_window: WindowFactory) -> None:
    window, _aaron, zed = two_people(qtbot, make_window)
    caseload = window.caseload
    assert caseload is not None
    second = caseload.results.topLevelItem(1)
    assert second is not None
    caseload.results.setCurrentItem(second)
    caseload.results.itemActivated.emit(second, 0)
    wait_for_worker(qtbot, window)
    assert window.person is not None and window.person.person_id == zed

    qtbot.mouseClick(window.back_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)

    current = caseload.results.currentItem()
    assert current is not None and current.text(0) == "Zimmer, Zed"
