"""The caseload screen: Enter in the search opens the first match for what is in the box now
(even when the worker is slow to answer), and the list follows people added since it was shown.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QTreeWidget

from assessor_app.core.form_engine.definition import FormRegistry
from assessor_app.core.records import PersonId, Setting
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.support import community_person, session_for
from tests.ui.conftest import (
    WindowFactory,
    add_person,
    create_profile,
    new_profile_caseload,
    wait_for_worker,
)

from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.views.caseload import (
    ALERT_PARTS,
    ATTENTION_COLUMN,
    COLUMNS,
    CaseloadView,
    fit_widths,
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


def test_fit_widths_narrows_the_setting_then_the_name_never_what_needs_attention() -> None:
    wanted = [200, 100, 100, 400, 300]
    assert fit_widths(wanted, 1200, {3: 120, 0: 120}) == wanted  # room for everything
    assert fit_widths(wanted, 900, {3: 120, 0: 120}) == [200, 100, 100, 200, 300]
    assert fit_widths(wanted, 700, {3: 120, 0: 120}) == [120, 100, 100, 120, 300]
    # Narrower still: the list scrolls sideways rather than cut what needs attention.
    assert fit_widths(wanted, 500, {3: 120, 0: 120}) == [120, 100, 100, 120, 300]


def test_every_column_shows_its_text_in_a_narrow_window(
    qtbot: QtBot, vault: Vault, registry: FormRegistry
) -> None:
    people = PeopleRepository(vault)
    records = AssessmentRepository(vault)
    for n, (setting, place) in enumerate(
        [
            (Setting.APPROVED_PREMISES, "Example House Approved Premises (synthetic)"),
            (Setting.CARE_HOME, "Sunnyside Demo Care Home and Nursing Centre (synthetic)"),
            (Setting.OWN_HOME, ""),
        ]
    ):
        person = people.add(
            community_person(
                family_name=f"Longname-Testperson-{n}",
                nhs_number=None,
                setting=setting,
                establishment_name=place,
            )
        )
        records.create(person.id, "chc_fast_track", 1)  # "Fast Track: urgent"
    ops = BackgroundOps()
    view = CaseloadView(ops, session_for(vault, registry, today=dt.date(2026, 1, 15)))
    qtbot.addWidget(view)
    view.resize(760, 480)  # a 1024-pixel screen's window, less the rest of the window
    view.show()
    qtbot.waitUntil(lambda: ops.pending == 0 and view.results.topLevelItemCount() == 3)
    qtbot.waitUntil(lambda: bool(view.alerts))
    tree = view.results
    header = tree.header()
    assert header.length() <= tree.viewport().width()  # no column past the right edge
    line = tree.fontMetrics().lineSpacing()
    for row in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(row)
        assert item is not None
        assert item.text(ATTENTION_COLUMN) == "Fast Track: urgent"
        for column in range(len(COLUMNS)):
            text = item.text(column)
            needed = QFontMetrics(item.font(column)).horizontalAdvance(text)
            on_one_line = needed < tree.columnWidth(column)
            wrapped = tree.visualItemRect(item).height() >= 2 * line
            assert on_one_line or wrapped, (COLUMNS[column], text, tree.columnWidth(column))
        # What needs attention is never wrapped or cut.
        bold = QFontMetrics(item.font(ATTENTION_COLUMN))
        assert bold.horizontalAdvance(item.text(ATTENTION_COLUMN)) < tree.columnWidth(
            ATTENTION_COLUMN
        )
    ops.wait_for_idle()


def test_the_first_page_is_shown_while_the_alerts_are_still_being_worked_out(
    qtbot: QtBot, vault: Vault, registry: FormRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = PeopleRepository(vault).add(community_person())
    AssessmentRepository(vault).create(person.id, "chc_fast_track", 1)
    gate = threading.Event()
    for name in ("watched_answers", "list_for_forms"):  # whichever the alerts read
        slow = getattr(AssessmentRepository, name)

        def held(self: AssessmentRepository, *args: object, _slow=slow) -> object:
            gate.wait(10)  # the alerts of a very large caseload, still being worked out
            return _slow(self, *args)

        monkeypatch.setattr(AssessmentRepository, name, held)
    ops = BackgroundOps()
    view = CaseloadView(ops, session_for(vault, registry, today=dt.date(2026, 1, 15)))
    qtbot.addWidget(view)
    view.show()
    try:
        qtbot.waitUntil(lambda: view.results.topLevelItemCount() == 1, timeout=3000)
        assert not view.alerts
    finally:
        gate.set()
    qtbot.waitUntil(lambda: bool(view.alerts))
    first = view.results.topLevelItem(0)
    assert first is not None and first.text(ATTENTION_COLUMN) == "Fast Track: urgent"
    ops.wait_for_idle()


def test_back_to_the_caseload_works_out_the_alerts_again_only_after_a_save(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    for name in ("watched_answers", "list_for_forms"):
        real = getattr(AssessmentRepository, name)

        def counted(self: AssessmentRepository, *args: object, _real=real) -> object:
            reads.append("read")
            return _real(self, *args)

        monkeypatch.setattr(AssessmentRepository, name, counted)
    window, caseload = new_profile_caseload(qtbot, make_window)
    person = add_person(qtbot, window, community_person())
    made: list[object] = []
    window.ops.run(
        lambda: AssessmentRepository(window.vault).create(person.id, "chc_fast_track", 1),
        on_success=made.append,
    )
    wait_for_worker(qtbot, window)
    window.show_caseload()
    wait_for_worker(qtbot, window)
    assert caseload.alerts == {person.id: ["Fast Track: urgent"]}
    before = len(reads)

    for _ in range(3):  # to the person's page and back, with nothing saved
        window.show_person(person.id)
        wait_for_worker(qtbot, window)
        window.show_caseload()
        wait_for_worker(qtbot, window)
    assert len(reads) == before
    first = caseload.results.topLevelItem(0)
    assert first is not None and first.text(ATTENTION_COLUMN) == "Fast Track: urgent"

    # The Fast Track is acknowledged by the ICB: the next return shows it no longer urgent.
    from assessor_app.core.records import RecordStatus

    record_id = made[0].id  # type: ignore[attr-defined]
    window.ops.run(
        AssessmentRepository(window.vault).set_status, record_id, RecordStatus.ACKNOWLEDGED
    )
    window.show_person(person.id)
    wait_for_worker(qtbot, window)
    window.show_caseload()
    wait_for_worker(qtbot, window)
    assert len(reads) == before + len(ALERT_PARTS)
    assert caseload.alerts == {}
    first = caseload.results.topLevelItem(0)
    assert first is not None and first.text(ATTENTION_COLUMN) == ""

    # A new day: the dates are read again even though nothing was saved.
    caseload._today = lambda: dt.date.today() + dt.timedelta(days=1)
    window.show_caseload()
    wait_for_worker(qtbot, window)
    assert len(reads) == before + 2 * len(ALERT_PARTS)


def test_after_unlocking_the_list_is_searched_before_the_queue_is_counted(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assessor_app.ui import sync_status

    order: list[str] = []
    status, search = sync_status._status, PeopleRepository.search

    def counted(*args: object) -> object:
        order.append("sync status")
        return status(*args)  # type: ignore[arg-type]

    def searched(self: PeopleRepository, *args: object, **kwargs: object) -> object:
        order.append("search")
        return search(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sync_status, "_status", counted)
    monkeypatch.setattr(PeopleRepository, "search", searched)
    window, _caseload = new_profile_caseload(qtbot, make_window)
    wait_for_worker(qtbot, window)
    assert order[:2] == ["search", "sync status"]
    assert "queued" in window.sync_status.text()  # and the status line still says it


def test_the_alerts_parts_hold_every_record_once(vault: Vault) -> None:
    from assessor_app.core.attention import ATTENTION_ANSWERS, ATTENTION_FORMS

    people = PeopleRepository(vault)
    records = AssessmentRepository(vault)
    for n in range(40):
        person = people.add(community_person(given_name=f"Person{n}", nhs_number=None))
        records.create(person.id, "chc_dst", 1, {"icb_referral_received": "2026-01-01"})
    whole = records.watched_answers(ATTENTION_FORMS, ATTENTION_ANSWERS)
    parts = [records.watched_answers(ATTENTION_FORMS, ATTENTION_ANSWERS, p) for p in ALERT_PARTS]
    assert sorted(r.person_id for part in parts for r in part) == sorted(r.person_id for r in whole)
    assert len(whole) == 40 and sum(bool(part) for part in parts) > 1


def test_alerts_parts_found_current_keep_what_they_showed(
    qtbot: QtBot, vault: Vault, registry: FormRegistry
) -> None:
    """A save between two parts: those that found the alerts current keep their people's."""
    ops = BackgroundOps()
    view = CaseloadView(ops, session_for(vault, registry, today=dt.date(2026, 1, 15)))
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: ops.pending == 0)
    day = dt.date(2026, 1, 15)
    view._show_alerts(((5, day), {PersonId("0aaa"): ["Fast Track: urgent"]}))
    fresh = ((7, day), {PersonId("fbbb"): ["CHC decision due 1 Feb 2026"]})
    for part in range(len(ALERT_PARTS)):
        view._alert_part_found(
            part, None if part == 0 else (fresh if part == 15 else ((7, day), {}))
        )
    assert view.alerts == {
        PersonId("0aaa"): ["Fast Track: urgent"],
        PersonId("fbbb"): ["CHC decision due 1 Feb 2026"],
    }
    ops.wait_for_idle()
