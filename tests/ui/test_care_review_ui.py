"""Reviews and reassessments in the app, as an assessor works through them: from the person
page, a plan made from the needs assessment, its review (refused without the Client Level Data
`Review_Outcomes_Achieved` while planned), then the revised plan the review offers to start;
and a reassessment started from the last needs assessment, with "what changed since"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from assessor_app.core.records import RecordStatus
from assessor_app.core.services.care_plans import start_plan
from assessor_app.core.services.records import complete_record
from tests.support import CUSTODY_PLAN, complete_financial, prisoner
from tests.ui.conftest import (
    WindowFactory,
    add_person,
    create_profile,
    reactivate,
    wait_for_worker,
)
from tests.ui.test_care_act_forms import click_complete, opened_editor, stored_status
from tests.ui.test_care_plan_ui import NEEDS, _completed_needs, completed_financial

from assessor_app.ui import dialogs
from assessor_app.ui.views.main_window import MainWindow
from assessor_app.ui.views.person import PersonView
from assessor_app.ui.views.person_form import PersonDialog
from assessor_app.ui.views.record_completion import NOT_READY_TITLE
from assessor_app.ui.views.record_editor import RecordEditorView
from assessor_app.ui.widgets.repeating_group import RepeatingGroupEditor

pytestmark = pytest.mark.gui


def _give(editor: RecordEditorView, group_id: str, answers: dict[str, Any]) -> None:
    """Answer questions, including ones inside carried-over items, as typing would."""
    group = editor.editor_for(group_id)
    assert isinstance(group, RepeatingGroupEditor)
    for path, value in answers.items():
        widget = group.editor_at(path) if "[" in path else editor.editor_for(path)
        assert widget is not None, path
        widget.set_value(value)
        widget.value_edited.emit(path, value)


def _start(qtbot: QtBot, window: MainWindow, form_id: str) -> RecordEditorView:
    if window.editor is not None:
        window.go_back()
    page = window.person
    assert page is not None
    wait_for_worker(qtbot, window)
    page.form_choice.setCurrentIndex(page.form_choice.findData(form_id))
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    editor = opened_editor(qtbot, window)
    assert editor.defn is not None and editor.defn.id == form_id
    return editor


def test_plan_review_and_the_revised_plan_it_offers_from_the_person_page(
    qtbot: QtBot,
    make_window: WindowFactory,
    shown_messages: list[tuple[str, str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(
        dialogs, "confirm", lambda _p, _t, question, **_k: asked.append(question) or True
    )
    window = make_window()
    create_profile(qtbot, window)
    person = add_person(qtbot, window, prisoner())
    _completed_needs(qtbot, window, person.id)
    completed_financial(qtbot, window, person.id)  # in custody the budget needs it
    window.show_person(person.id)

    plan = _start(qtbot, window, "care_support_plan")
    _give(
        plan,
        "plan_needs",
        {
            "plan_date": "2026-11-20",
            "strengths_and_support": "Keeps in touch with his sister every week.",
            "plan_needs[0].need_outcome": "To eat a hot meal without help cutting it.",
            "plan_needs[0].how_met": "plan",
            "plan_needs[0].met_how": "Adapted cutlery and help at the servery.",
            "plan_needs[0].met_by": "Healthcare unit care team",
            "plan_needs[0].met_often": "Each meal",
            "plan_needs[0].weekly_cost": 8550,
            "plan_needs[0].prevention_offered": "Occupational therapy review of grip.",
            "plan_needs[1].need_outcome": "To shower without falling.",
            "plan_needs[1].how_met": "otherwise",
            "plan_needs[1].met_otherwise_by": "other_service",
            "plan_needs[1].met_otherwise_reason": "Prison healthcare fitted rails.",
            "plan_needs[1].prevention_offered": "Advice on non-slip mats.",
            "person_signature": NEEDS["person_signature"],
            "assessor_signature": NEEDS["assessor_signature"],
            **CUSTODY_PLAN,
        },
    )
    click_complete(qtbot, window, plan)
    qtbot.waitUntil(lambda: not plan.editable)
    plan_id = plan.assessment_id
    assert asked == []  # a plan offers nothing to start

    review = _start(qtbot, window, "care_review")
    assert review.answers["plan_record"] == plan_id
    assert review.answers["plan_reviewed"] == "Care and support plan agreed 20 November 2026"
    wanted = [i["outcome_wanted"] for i in review.answers["review_outcomes"]]
    assert wanted == ["To eat a hot meal without help cutting it.", "To shower without falling."]
    _give(
        review,
        "review_outcomes",
        {
            "review_date": "2026-12-01",
            "review_reason": "planned",
            "review_method": "video",
            "person_took_part": True,
            "review_outcomes[0].outcome_result": "achieved",
            "review_outcomes[0].outcome_view": "The new cutlery works.",
            "review_outcomes[1].outcome_result": "partly",
            "review_outcomes[1].outcome_view": "The gym shower has no rail.",
            "prevention_reconsidered": "Falls leaflet given again.",
            "safeguarding_concern": False,
            "review_result": "revised_plan",
            "result_reason": "He now uses the gym showers, which have no rail.",
            "assessor_signature": NEEDS["assessor_signature"],
        },
    )
    click_complete(qtbot, window, review)
    [(title, text, _detail)] = shown_messages
    assert title == NOT_READY_TITLE
    assert "Review_Outcomes_Achieved" in text
    assert stored_status(qtbot, window, review.assessment_id) is RecordStatus.DRAFT

    shown_messages.clear()
    _give(review, "review_outcomes", {"outcomes_achieved": "partly"})
    review_id = review.assessment_id
    click_complete(qtbot, window, review)
    assert shown_messages == []
    # Completing offers the revised plan, and yes opens it, made from the old plan.
    qtbot.waitUntil(lambda: window.editor is not None and window.editor is not review)
    revised = opened_editor(qtbot, window)
    assert stored_status(qtbot, window, review_id) is RecordStatus.COMPLETED
    [question] = asked
    assert "Start the revised plan now" in question
    assert revised.defn is not None and revised.defn.id == "care_support_plan"
    assert revised.assessment_id not in (plan_id, review_id)
    assert revised.editable
    items = revised.answers["plan_needs"]
    assert items[0]["met_by"] == "Healthcare unit care team"
    assert "plan_date" not in revised.answers


def test_a_reassessment_from_the_person_page_shows_what_changed_since(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    offered: list[list[str]] = []

    def choose_the_first(_p: object, _t: str, _text: str, items: list[str], **_k: Any) -> int:
        offered.append(items)
        return 0

    monkeypatch.setattr(dialogs, "choose", choose_the_first)
    window = make_window()
    create_profile(qtbot, window)
    person = add_person(qtbot, window, prisoner())
    _completed_needs(qtbot, window, person.id)
    window.show_person(person.id)

    editor = _start(qtbot, window, "needs_assessment")
    assert offered == [["Start from the care and support needs assessment of 16 November 2026"]]
    assert editor.answers["follows"] == "Care and support needs assessment of 16 November 2026"
    assert editor.answers["desired_outcomes"] == NEEDS["desired_outcomes"]
    assert editor.changes_button.isVisibleTo(editor)

    widget = editor.editor_for("out_nutrition_status")
    widget.set_value("achieved")
    widget.value_edited.emit("out_nutrition_status", "achieved")
    qtbot.mouseClick(editor.changes_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    dialog = editor.changes_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    rows = dialog.rows()
    assert (
        "Outcomes 1 to 4: daily living: 1. Managing and maintaining nutrition",
        "Unable to achieve this",
        "Can achieve this",
    ) in rows
    assert "differ from Care and support needs assessment of 16 November 2026" in (
        dialog.summary.text()
    )
    dialog.reject()


def test_a_first_needs_assessment_starts_blank_without_asking(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dialogs, "choose", lambda *_a, **_k: pytest.fail("asked"))
    window = make_window()
    create_profile(qtbot, window)
    person = add_person(qtbot, window, prisoner())
    window.show_person(person.id)
    editor = _start(qtbot, window, "needs_assessment")
    assert "follows" not in editor.answers
    assert not editor.changes_button.isVisibleTo(editor)


def _completed_plan(qtbot: QtBot, window: MainWindow, person_id: str) -> None:
    """A completed plan made from the person's completed needs assessment, on the worker."""
    session = window.session
    assert session is not None

    def make() -> None:
        needs = next(
            r for r in session.records.list_for_person(person_id) if r.form_id == "needs_assessment"
        )
        plan = start_plan(session, needs.id)
        items = [
            item
            | {
                "need_outcome": "To manage this again.",
                "how_met": "otherwise",
                "met_otherwise_by": "other_service",
                "met_otherwise_reason": "Prison healthcare meets it.",
                "prevention_offered": "Advice given.",
            }
            for item in plan.answers["plan_needs"]
        ]
        for field_id, value in {
            "plan_date": "2026-11-20",
            "strengths_and_support": "Keeps in touch with his sister.",
            "plan_needs": items,
            "person_signature": NEEDS["person_signature"],
            "assessor_signature": NEEDS["assessor_signature"],
            **CUSTODY_PLAN,
        }.items():
            session.records.save_field(plan.id, field_id, value)
        complete_financial(session, plan.person_id)
        complete_record(session, plan.id)

    window.ops.run(make)
    wait_for_worker(qtbot, window)


def _edit_details(
    qtbot: QtBot, window: MainWindow, change: Callable[[PersonDialog], None]
) -> PersonView:
    """Change the shown person's details in "Edit details…" and save, as the assessor does."""
    page = window.person
    assert page is not None
    qtbot.waitUntil(page.edit_button.isEnabled)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    dialog = page.edit_dialog
    assert dialog is not None
    change(dialog)
    with qtbot.waitSignal(dialog.person_saved, timeout=5000):
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
        )
    wait_for_worker(qtbot, window)
    return page


def test_a_release_from_custody_offers_the_unplanned_review_and_starts_it(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(
        dialogs, "confirm", lambda _p, _t, question, **_k: asked.append(question) or True
    )
    window = make_window()
    create_profile(qtbot, window)
    person = add_person(qtbot, window, prisoner())
    _completed_needs(qtbot, window, person.id)
    _completed_plan(qtbot, window, person.id)
    window.show_person(person.id)
    _edit_details(
        qtbot, window, lambda d: d.setting.setCurrentIndex(d.setting.findData("own_home"))
    )
    reactivate(qtbot, window)

    [question] = asked
    assert "has left custody" in question and "Start an unplanned review" in question
    editor = opened_editor(qtbot, window)
    assert editor.defn is not None and editor.defn.id == "care_review"
    assert editor.answers["review_reason"] == "unplanned"
    assert editor.answers["unplanned_reason"] == "custody_release"


def test_a_transfer_while_the_plan_is_a_draft_moves_its_establishment_and_says_so(
    qtbot: QtBot,
    make_window: WindowFactory,
    shown_messages: list[tuple[str, str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(dialogs, "confirm", lambda *_a, **_k: asked.append("asked") or True)
    window = make_window()
    create_profile(qtbot, window)
    person = add_person(qtbot, window, prisoner())
    _completed_needs(qtbot, window, person.id)
    window.show_person(person.id)
    plan = _start(qtbot, window, "care_support_plan")
    assert plan.answers["establishment_name"] == "HMP Nowhere (synthetic)"
    _give(plan, "plan_needs", dict(CUSTODY_PLAN))
    wait_for_worker(qtbot, window)
    plan_id = plan.assessment_id
    window.go_back()
    page = _edit_details(
        qtbot, window, lambda d: d.establishment.setText("HMP Elsewhere (synthetic)")
    )

    # No completed plan to review: the user is told what the draft now says.
    assert asked == []
    [(title, text, _detail)] = shown_messages
    assert title == "Review the plan"
    assert "has moved to HMP Elsewhere (synthetic)" in text
    assert "Name of the establishment: now HMP Elsewhere (synthetic)" in text
    page.records.setCurrentItem(page.records.topLevelItem(0))
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    reopened = opened_editor(qtbot, window)
    assert reopened.assessment_id == plan_id
    assert reopened.answers["establishment_name"] == "HMP Elsewhere (synthetic)"
    assert reopened.answers["on_transfer"] == CUSTODY_PLAN["on_transfer"]
