"""The Sync problems dialog: the two versions side by side, the choice, and Try again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtWidgets import QGroupBox, QTableWidget

from assessor_app.core.storage import history, outbox
from tests.core.test_sync_problems import Pair, _deliver, pair  # noqa: F401 - the fixture
from tests.support import community_person
from tests.ui.conftest import WindowFactory, add_person, create_profile, wait_for_worker

from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.views.sync_problems import SyncProblemsDialog


@pytest.fixture
def ops() -> Iterator[BackgroundOps]:
    helper = BackgroundOps()
    yield helper
    helper.shutdown()


def _dialog(qtbot: QtBot, ops: BackgroundOps, pair: Pair) -> SyncProblemsDialog:  # noqa: F811
    dialog = SyncProblemsDialog(ops, pair.mine)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.problems is not None, timeout=5000)
    return dialog


def _tables(dialog: SyncProblemsDialog, name: str) -> list[QTableWidget]:
    return [t for t in dialog.findChildren(QTableWidget) if t.accessibleName() == name]


def _cells(table: QTableWidget) -> list[list[str]]:
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def _headers(table: QTableWidget) -> list[str]:
    return [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]


def test_the_differing_answers_show_side_by_side_with_who_and_when(
    qtbot: QtBot,
    ops: BackgroundOps,
    pair: Pair,  # noqa: F811
) -> None:
    _deliver(pair)
    dialog = _dialog(qtbot, ops, pair)
    [table] = [
        t for t in dialog.findChildren(QTableWidget) if t.accessibleName() == "Differing answers"
    ]
    assert _cells(table) == [
        ["Hours of help needed each week", "4", "6"],
        ["Notes", "Second visit, on this laptop.", "Second visit, on the other laptop."],
    ]
    headers = _headers(table)
    assert headers[1].startswith("On this laptop\nRobin Testcase, ")
    assert headers[2].startswith("On the other laptop\nRobin Testcase, ")


def test_using_the_other_version_writes_it_and_the_record_leaves_the_dialog(
    qtbot: QtBot,
    ops: BackgroundOps,
    pair: Pair,  # noqa: F811
) -> None:
    _deliver(pair)
    dialog = _dialog(qtbot, ops, pair)
    with qtbot.waitSignal(dialog.changed, timeout=5000):
        dialog.buttons[f"Use the other version for record {pair.record_id}"].click()
    qtbot.waitUntil(lambda: "Nothing needs you" in dialog.message.text(), timeout=5000)
    record = pair.mine.records.get(pair.record_id)
    assert record.answers["notes"] == "Second visit, on the other laptop."
    [last] = history.list_revisions(pair.mine.vault.conn, "assessment", pair.record_id)[-1:]
    assert history.SUPERSEDES in last.body
    assert dialog.findChildren(QTableWidget) == []


def test_keep_mine_keeps_this_laptops_answers(
    qtbot: QtBot,
    ops: BackgroundOps,
    pair: Pair,  # noqa: F811
) -> None:
    _deliver(pair)
    dialog = _dialog(qtbot, ops, pair)
    with qtbot.waitSignal(dialog.changed, timeout=5000):
        dialog.buttons[f"Keep mine for record {pair.record_id}"].click()
    assert pair.mine.records.get(pair.record_id).answers["notes"] == (
        "Second visit, on this laptop."
    )


def test_a_held_change_shows_the_reason_and_try_again_queues_it(
    qtbot: QtBot,
    ops: BackgroundOps,
    pair: Pair,  # noqa: F811
) -> None:
    conn = pair.mine.vault.conn
    [person] = [i for i in outbox.items(conn) if i.entity_type == "person"]
    with pair.mine.vault.transaction() as tx:
        outbox.mark_refused(tx, person.revision_hash, "This person is on another caseload.")
    dialog = _dialog(qtbot, ops, pair)
    [table] = _tables(dialog, "Held changes")
    assert _cells(table)[0][:2] == [
        "Person: details of Zoë Quillfeather",
        "This person is on another caseload.",
    ]
    [name] = [n for n in dialog.buttons if n.startswith("Try again")]
    with qtbot.waitSignal(dialog.changed, timeout=5000):
        dialog.buttons[name].click()
    states = {i.revision_hash: i.state for i in outbox.items(conn)}
    assert states[person.revision_hash] is outbox.OutboxState.QUEUED
    qtbot.waitUntil(lambda: "Nothing needs you" in dialog.message.text(), timeout=5000)


def test_a_choice_that_fails_says_why_and_changes_nothing(
    qtbot: QtBot,
    ops: BackgroundOps,
    pair: Pair,  # noqa: F811
) -> None:
    _deliver(pair)
    dialog = _dialog(qtbot, ops, pair)
    # Settled meanwhile (from the command line, say): the dialog's button is now stale.
    from assessor_app.core.services import sync_problems

    sync_problems.keep_mine(pair.mine, pair.record_id)
    revisions = len(history.list_revisions(pair.mine.vault.conn, "assessment", pair.record_id))
    dialog.buttons[f"Use the other version for record {pair.record_id}"].click()
    qtbot.waitUntil(lambda: "no other version waiting" in dialog.message.text(), timeout=5000)
    after = history.list_revisions(pair.mine.vault.conn, "assessment", pair.record_id)
    assert len(after) == revisions


def test_the_status_bar_says_a_change_is_held_and_opens_the_dialog(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    create_profile(qtbot, window)
    add_person(qtbot, window, community_person())
    wait_for_worker(qtbot, window)
    assert not window.sync_problems_button.isVisible()

    def refuse() -> None:
        assert window.vault is not None
        [item] = outbox.items(window.vault.conn)
        with window.vault.transaction() as tx:
            outbox.mark_refused(tx, item.revision_hash, "Not on your caseload.")

    window.ops.run(refuse)
    assert window.sync is not None
    window.sync.refresh()
    qtbot.waitUntil(window.sync_problems_button.isVisible, timeout=5000)
    assert window.sync_problems_button.text() == "1 change held by the council's server"
    window.sync_problems_button.click()
    dialog = window.sync_problems_dialog
    assert isinstance(dialog, SyncProblemsDialog)
    qtbot.waitUntil(lambda: dialog.problems is not None, timeout=5000)
    [name] = [n for n in dialog.buttons if n.startswith("Try again")]
    dialog.buttons[name].click()
    qtbot.waitUntil(lambda: not window.sync_problems_button.isVisible(), timeout=5000)


def test_a_persons_two_versions_show_detail_by_detail_and_the_choice_is_kept(
    qtbot: QtBot,
    ops: BackgroundOps,
    pair: Pair,  # noqa: F811
) -> None:
    from tests.core.test_sync_problems import _person_versions

    person_id = _person_versions(pair, "2 Other Laptop Road")
    dialog = _dialog(qtbot, ops, pair)
    [table] = _tables(dialog, "Differing details")
    assert _cells(table) == [["Address", "1 This Laptop Road", "2 Other Laptop Road"]]
    assert _headers(table)[0] == "Detail"
    [box] = [b for b in dialog.findChildren(QGroupBox) if "Personal details" in b.title()]
    assert box.title() == "Personal details for Zoë Quillfeather: two versions"
    with qtbot.waitSignal(dialog.changed, timeout=5000):
        dialog.buttons[f"Keep mine for person {person_id}"].click()
    qtbot.waitUntil(lambda: "Nothing needs you" in dialog.message.text(), timeout=5000)
    assert pair.mine.people.get(person_id).details.address == "1 This Laptop Road"
