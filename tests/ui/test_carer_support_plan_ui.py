"""The carer's support plan in the app: the caseload's To do list asks for it once a carer's
assessment with eligible needs is complete, and Enter starts it from that assessment with the
carer's eligible needs carried over; completing is refused while one is left out, naming it,
and while the carer's direct-payment choice (offered at home) is not recorded; completed, it is
signed with its easy-read and large-print editions, and the item has gone.
From the person page, a carer with two completed carer's assessments is asked which one the
plan is made from."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from assessor_app.core.records import Assessment, RecordStatus
from assessor_app.core.services.todo import TodoKind
from tests.conftest import REPO_ROOT
from tests.support import community_person
from tests.ui.conftest import WindowFactory, add_person, create_profile, wait_for_worker
from tests.ui.test_care_act_forms import click_complete, opened_editor, stored_status
from tests.ui.test_care_plan_ui import _give as give
from tests.ui.test_care_plan_ui import completed_record
from tests.ui.test_todo_ui import _back_to_caseload, _rows

from assessor_app.ui import dialogs
from assessor_app.ui.views.main_window import MainWindow
from assessor_app.ui.views.record_completion import NOT_READY_TITLE
from assessor_app.ui.widgets.field_editors import OutcomeEditor

pytestmark = pytest.mark.gui

CARER: dict[str, Any] = json.loads(
    (REPO_ROOT / "tests/fixtures/forms/answers/carers_eligible.json").read_text("utf-8")
)
SIGNED = {"typed": True, "name": "Ifeoma Quillfeather", "signed_on": "2026-11-20"}


def completed_carers_assessment(
    qtbot: QtBot, window: MainWindow, person_id: str, **changes: Any
) -> Assessment:
    """A completed carer's assessment with eligible needs (recreation, health), on the worker."""
    return completed_record(qtbot, window, person_id, "carers_assessment", CARER | changes)


RECREATION = {
    "plan_date": "2026-11-20",
    "strengths_and_support": "Her brother visits on Sundays.",
    "plan_needs[0].need_outcome": "To get back to the walking group on Thursdays.",
    "plan_needs[0].how_met": "plan",
    "plan_needs[0].support_kinds": ["breaks"],
    "plan_needs[0].met_how": "A sitter stays with Zoë while Ifeoma walks.",
    "plan_needs[0].met_by": "Demotown Carers' Sitting Service",
    "plan_needs[0].met_often": "Thursday mornings, 3 hours",
    "plan_needs[0].weekly_cost": 6000,
    "plan_needs[0].prevention_offered": "Details of the carers' café.",
    "carer_signature": SIGNED,
    "assessor_signature": SIGNED | {"name": "Alex Assessor"},
}
HEALTH = {
    "plan_needs[1].need_outcome": "To sleep through the night twice a week.",
    "plan_needs[1].how_met": "otherwise",
    "plan_needs[1].met_otherwise_by": "cared_for_support",
    "plan_needs[1].met_otherwise_reason": "Zoë's own plan has two nights' care a week.",
    "plan_needs[1].prevention_offered": "Moving and handling training booked.",
}


def test_the_to_do_list_starts_the_carers_plan_which_completes_only_with_needs_and_dp_choice(
    qtbot: QtBot, make_window: WindowFactory, shown_messages: list[tuple[str, str, str]]
) -> None:
    window = make_window()
    create_profile(qtbot, window)
    carer = add_person(qtbot, window, community_person(given_name="Ifeoma"))
    source = completed_carers_assessment(qtbot, window, carer.id)

    caseload = _back_to_caseload(qtbot, window)
    panel = caseload.todo
    caseload.tabs.setCurrentWidget(panel)
    panel.kind.setCurrentIndex(panel.kind.findData(TodoKind.PLAN.value))
    assert [r[2] for r in _rows(caseload)] == ["Make the carer's support plan"]
    panel.list.setCurrentItem(panel.list.topLevelItem(0))
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    wait_for_worker(qtbot, window)

    editor = opened_editor(qtbot, window)
    assert editor.defn is not None and editor.defn.id == "carers_support_plan"
    assert editor.answers["needs_record"] == source.id
    assert editor.answers["eligible_needs"] == ["recreation", "carer_health"]
    assert editor.answers["person_outcomes"] == CARER["carer_desired_outcomes"]
    said = [item["need_said"] for item in editor.answers["plan_needs"]]
    assert said == [CARER["c_recreation_narrative"], CARER["health_details"]]

    give(editor, RECREATION)
    click_complete(qtbot, window, editor)
    [(title, text, _detail)] = shown_messages
    assert title == NOT_READY_TITLE
    assert "'the effect of caring on the carer's physical or mental health' is neither" in text
    assert stored_status(qtbot, window, editor.assessment_id) is RecordStatus.DRAFT

    # Every need planned, but the carer lives at home: direct payments can be offered, and
    # completing asks for the carer's choice, saying why.
    shown_messages.clear()
    give(editor, HEALTH)
    assert editor.answers["setting"] == "own_home"
    offer = editor.editor_for("direct_payments")
    assert isinstance(offer, OutcomeEditor)
    said = offer.shown.accessibleDescription()
    assert said.startswith("Direct payments can be offered")
    assert "The carer lives in the community (own home)" in said
    assert not editor.editor_for("dp_choice").isHidden()
    click_complete(qtbot, window, editor)
    [(title, text, _detail)] = shown_messages
    assert title == NOT_READY_TITLE
    assert "Record the carer's choice: yes, no, or that they want to think about it." in text
    assert stored_status(qtbot, window, editor.assessment_id) is RecordStatus.DRAFT

    shown_messages.clear()
    give(editor, {"dp_choice": "wants", "dp_manager": "person"})
    assert editor.editor_for("dp_manager_name").isHidden()
    click_complete(qtbot, window, editor)
    assert shown_messages == []
    qtbot.waitUntil(lambda: not editor.editable)
    assert stored_status(qtbot, window, editor.assessment_id) is RecordStatus.COMPLETED
    qtbot.waitUntil(lambda: editor.documents is not None, timeout=10_000)
    documents = editor.documents
    assert documents is not None
    qtbot.waitUntil(lambda: documents.list.topLevelItemCount() == 3, timeout=10_000)
    versions = sorted(documents.list.topLevelItem(i).text(1) for i in range(3))
    assert versions == ["Easy read", "Large print", "Standard"]

    # The item has gone from the list.
    caseload = _back_to_caseload(qtbot, window)
    assert [i for i in caseload.todo.items if i.kind is TodoKind.PLAN] == []


def test_a_carer_with_two_assessments_is_asked_which_the_plan_is_made_from(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    create_profile(qtbot, window)
    carer = add_person(qtbot, window, community_person(given_name="Ifeoma"))
    first = completed_carers_assessment(qtbot, window, carer.id)
    completed_carers_assessment(
        qtbot, window, carer.id, cared_for_name="Osric Quillfeather", cared_for_record=None
    )
    asked: list[list[str]] = []

    def pick(_parent: object, _title: str, _text: str, items: list[str], **_k: Any) -> int:
        asked.append(items)
        return next(i for i, text in enumerate(items) if "caring for Zoë" in text)

    monkeypatch.setattr(dialogs, "pick", pick)
    window.show_person(carer.id)
    page = window.person
    assert page is not None
    wait_for_worker(qtbot, window)
    page.form_choice.setCurrentIndex(page.form_choice.findData("carers_support_plan"))
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)

    [items] = asked
    assert sorted(items) == [
        "From the carer's assessment of 16 November 2026, caring for Osric Quillfeather",
        "From the carer's assessment of 16 November 2026, caring for Zoë Quillfeather",
    ]
    editor = opened_editor(qtbot, window)
    assert editor.defn is not None and editor.defn.id == "carers_support_plan"
    assert editor.answers["needs_record"] == first.id
    assert editor.answers["cared_for_name"] == "Zoë Quillfeather"
