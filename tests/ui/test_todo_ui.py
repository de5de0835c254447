"""The caseload's To do list in the app: it shows what the records make due, soonest first,
filters by kind, opens (or starts) the record that settles an item from the keyboard, and its
count on the caseload follows the records."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from assessor_app.core.records import AssessmentId, PersonId, RecordStatus
from assessor_app.core.services.todo import TodoKind
from assessor_app.core.storage.assessments import AssessmentRepository
from tests.conftest import REPO_ROOT
from tests.support import prisoner
from tests.ui.conftest import (
    WindowFactory,
    add_person,
    create_profile,
    reactivate,
    wait_for_worker,
)
from tests.ui.test_care_act_forms import opened_editor

from assessor_app.ui.views.caseload import CaseloadView
from assessor_app.ui.views.main_window import MainWindow

pytestmark = pytest.mark.gui

ANSWERS = REPO_ROOT / "tests/fixtures/forms/answers"
NEEDS: dict[str, Any] = json.loads((ANSWERS / "needs_custody_eligible.json").read_text("utf-8"))
DST: dict[str, Any] = {
    k: v
    for k, v in json.loads((ANSWERS / "chc_dst_two_members.json").read_text("utf-8")).items()
    if not k.startswith("icb_")
}


def _records(qtbot: QtBot, window: MainWindow, make: Any) -> Any:
    """Run `make(records)` on the worker, as the UI would (the vault is not the GUI's)."""
    assert window.vault is not None
    records = AssessmentRepository(window.vault)
    made: list[Any] = []
    window.ops.run(lambda: make(records), on_success=made.append)
    wait_for_worker(qtbot, window)
    return made[0]


def _rows(caseload: CaseloadView) -> list[list[str]]:
    tree = caseload.todo.list
    rows = (tree.topLevelItem(i) for i in range(tree.topLevelItemCount()))
    return [[row.text(c) for c in range(4)] for row in rows if row is not None]


def _back_to_caseload(qtbot: QtBot, window: MainWindow) -> CaseloadView:
    window.show_caseload()
    wait_for_worker(qtbot, window)
    assert window.caseload is not None
    return window.caseload


def test_the_to_do_list_shows_sorts_filters_opens_and_counts(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    create_profile(qtbot, window)
    ann = add_person(qtbot, window, prisoner(given_name="Ann", family_name="Aldgate"))
    bo = add_person(qtbot, window, prisoner(given_name="Bo", family_name="Brent"))
    received = dt.date.today() - dt.timedelta(days=40)

    def setup(records: AssessmentRepository) -> tuple[AssessmentId, AssessmentId]:
        needs = records.create(ann.id, "needs_assessment", 1, NEEDS)
        records.set_status(needs.id, RecordStatus.COMPLETED)
        dst = records.create(
            bo.id, "chc_dst", 1, DST | {"icb_referral_received": received.isoformat()}
        )
        told = NEEDS | {"notify_other_authority": True, "notify_authority_name": "Westshire"}
        records.create(bo.id, "needs_assessment", 1, told)
        return needs.id, dst.id

    needs_id, dst_id = _records(qtbot, window, setup)
    caseload = _back_to_caseload(qtbot, window)
    tabs = caseload.tabs
    assert tabs.tabText(tabs.indexOf(caseload.todo)) == "To &do (3)"

    # Alt+D shows the list, with the keyboard in it.
    reactivate(qtbot, window)
    target = QApplication.focusWidget()
    assert target is caseload.search, target
    qtbot.keyClick(target, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    assert tabs.currentWidget() is caseload.todo
    # Soonest first: Ann's plan (from her assessment, 16 November 2026), Bo's CHC decision
    # (28 days after the ICB received it), then the notice due by Bo's release in June 2027.
    rows = _rows(caseload)
    assert [r[1] for r in rows] == ["Aldgate, Ann", "Brent, Bo", "Brent, Bo"]
    assert rows[0][0] == "Since 16/11/2026" and rows[0][2] == "Make the care and support plan"
    due = received + dt.timedelta(days=28)
    assert rows[1][0] == f"Overdue since {due:%d/%m/%Y}" and "CH-34" in rows[1][3]
    assert rows[2][0] == "By 30/06/2027" and rows[2][2].startswith("Tell Westshire")

    # Filtered to one kind.
    panel = caseload.todo
    panel.kind.setCurrentIndex(panel.kind.findData(TodoKind.CHC_DECISION.value))
    assert [r[1] for r in _rows(caseload)] == ["Brent, Bo"]
    assert panel.count.text().startswith("1 to do")
    assert panel.kind.currentText() == "CHC decision (1)"

    # Enter opens the record that settles it: the DST.
    worked_out = caseload.todo_worked_out
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    editor = opened_editor(qtbot, window)
    assert editor.assessment_id == dst_id

    # Back, the filter and the tab are kept; the plan item starts the plan from Ann's
    # needs assessment and opens it.
    caseload = _back_to_caseload(qtbot, window)
    assert caseload.tabs.currentWidget() is caseload.todo
    assert caseload.todo_worked_out == worked_out  # nothing saved: not worked out again
    panel.kind.setCurrentIndex(panel.kind.findData(TodoKind.PLAN.value))
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    wait_for_worker(qtbot, window)
    editor = opened_editor(qtbot, window)
    assert editor.defn is not None and editor.defn.id == "care_support_plan"
    assert editor.answers["needs_record"] == needs_id

    # The count follows: the plan is now to finish, and its charge is not yet assessed.
    caseload = _back_to_caseload(qtbot, window)
    assert caseload.todo_worked_out == worked_out + 1
    assert tabs.tabText(tabs.indexOf(caseload.todo)) == "To &do (4)"
    assert [r[2] for r in _rows(caseload)] == ["Finish the care and support plan"]
    panel.kind.setCurrentIndex(0)
    kinds = [i.kind for i in panel.items if i.person_id == PersonId(ann.id)]
    assert sorted(kinds) == sorted([TodoKind.PLAN, TodoKind.FINANCIAL])


def test_enter_on_a_review_item_starts_the_review_from_the_plan_then_opens_it(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    create_profile(qtbot, window)
    ann = add_person(qtbot, window, prisoner(given_name="Ann", family_name="Aldgate"))
    agreed = dt.date.today() - dt.timedelta(days=50)  # its first review is due in 6 days

    def setup(records: AssessmentRepository) -> AssessmentId:
        needs = records.create(ann.id, "needs_assessment", 1, NEEDS)
        records.set_status(needs.id, RecordStatus.COMPLETED)
        plan = records.create(
            ann.id,
            "care_support_plan",
            1,
            {"needs_record": needs.id, "plan_date": agreed.isoformat()},
        )
        records.set_status(plan.id, RecordStatus.COMPLETED)
        return plan.id

    plan_id = _records(qtbot, window, setup)
    caseload = _back_to_caseload(qtbot, window)
    panel = caseload.todo
    caseload.tabs.setCurrentWidget(panel)
    panel.kind.setCurrentIndex(panel.kind.findData(TodoKind.REVIEW.value))
    due = agreed + dt.timedelta(weeks=8)
    [row] = _rows(caseload)
    assert row[:3] == [f"By {due:%d/%m/%Y}", "Aldgate, Ann", "Review the care and support plan"]
    assert "has not been reviewed yet" in row[3] and "local policy" in row[3]
    assert "Enter starts the record" in panel.detail.text()

    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    wait_for_worker(qtbot, window)
    editor = opened_editor(qtbot, window)
    assert editor.defn is not None and editor.defn.id == "care_review"
    assert editor.answers["plan_record"] == plan_id
    review_id = editor.assessment_id

    # Back on the list, the item opens that review to finish it, rather than starting another.
    caseload = _back_to_caseload(qtbot, window)
    [row] = _rows(caseload)
    assert row[2] == "Finish the review of the care and support plan"
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    editor = opened_editor(qtbot, window)
    assert editor.assessment_id == review_id
