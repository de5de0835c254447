"""The care and support plan in the app: started from the person page once their needs
assessment is complete, with the eligible needs carried over; completing it is refused while
an eligible need is left out, naming it; the personal budget says "charge not yet assessed"
before a financial assessment is complete, and in custody that refuses completion too. A
sentenced prisoner's plan shows its custody section and says why direct payments are not
offered, without asking for a choice."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from assessor_app.core.pdf.verify import verify_pdf
from assessor_app.core.records import Assessment, RecordStatus
from assessor_app.core.storage.assessments import AssessmentRepository
from tests.conftest import REPO_ROOT
from tests.support import CUSTODY_PLAN, complete_financial, prisoner
from tests.ui.conftest import WindowFactory, add_person, create_profile, wait_for_worker
from tests.ui.test_care_act_forms import click_complete, opened_editor, stored_status

from assessor_app.ui import dialogs
from assessor_app.ui.views.main_window import MainWindow
from assessor_app.ui.views.record_completion import NOT_READY_TITLE
from assessor_app.ui.views.record_editor import RecordEditorView
from assessor_app.ui.widgets.field_editors import OutcomeEditor
from assessor_app.ui.widgets.repeating_group import RepeatingGroupEditor

pytestmark = pytest.mark.gui

NEEDS: dict[str, Any] = json.loads(
    (REPO_ROOT / "tests/fixtures/forms/answers/needs_custody_eligible.json").read_text("utf-8")
)


def _completed_needs(qtbot: QtBot, window: MainWindow, person_id: str) -> Assessment:
    """A completed needs assessment with eligible needs (nutrition, hygiene), on the worker."""
    return completed_record(qtbot, window, person_id, "needs_assessment", NEEDS)


def completed_record(
    qtbot: QtBot, window: MainWindow, person_id: str, form_id: str, answers: dict[str, Any]
) -> Assessment:
    """A completed record of `form_id` (version 1) with these answers, made on the worker."""
    assert window.vault is not None
    records = AssessmentRepository(window.vault)

    def make() -> Assessment:
        draft = records.create(person_id, form_id, 1, answers)
        return records.set_status(draft.id, RecordStatus.COMPLETED)

    made: list[Assessment] = []
    window.ops.run(make, on_success=made.append)
    wait_for_worker(qtbot, window)
    return made[0]


def completed_financial(qtbot: QtBot, window: MainWindow, person_id: str) -> None:
    """Complete the fixture financial assessment (£153.90 a week) for the person, on the worker."""
    session = window.session
    assert session is not None
    window.ops.run(lambda: complete_financial(session, person_id))
    wait_for_worker(qtbot, window)


def _give(editor: RecordEditorView, answers: dict[str, Any]) -> None:
    """Answer questions, including ones inside the carried-over needs, as typing would."""
    group = editor.editor_for("plan_needs")
    assert isinstance(group, RepeatingGroupEditor)
    for path, value in answers.items():
        widget = group.editor_at(path) if "[" in path else editor.editor_for(path)
        assert widget is not None, path
        widget.set_value(value)
        widget.value_edited.emit(path, value)


def test_a_plan_from_the_person_page_refuses_to_complete_without_every_eligible_need(
    qtbot: QtBot,
    make_window: WindowFactory,
    shown_messages: list[tuple[str, str, str]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    window = make_window()
    create_profile(qtbot, window)
    person = add_person(qtbot, window, prisoner())
    _completed_needs(qtbot, window, person.id)
    window.show_person(person.id)
    page = window.person
    assert page is not None
    wait_for_worker(qtbot, window)
    page.form_choice.setCurrentIndex(page.form_choice.findData("care_support_plan"))
    assert page.start_button.isEnabled()
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)

    editor = opened_editor(qtbot, window)
    assert editor.defn is not None and editor.defn.id == "care_support_plan"
    assert editor.answers["eligible_needs"] == ["nutrition", "hygiene"]
    said = [item["need_said"] for item in editor.answers["plan_needs"]]
    assert said == [NEEDS["out_nutrition_narrative"], NEEDS["out_hygiene_narrative"]]

    _give(
        editor,
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
            "person_signature": NEEDS["person_signature"],
            "assessor_signature": NEEDS["assessor_signature"],
            **CUSTODY_PLAN,
        },
    )
    click_complete(qtbot, window, editor)
    [(title, text, _detail)] = shown_messages
    assert title == NOT_READY_TITLE
    assert "The eligible need 'maintaining personal hygiene' is neither met by this plan" in text
    assert stored_status(qtbot, window, editor.assessment_id) is RecordStatus.DRAFT

    shown_messages.clear()
    _give(
        editor,
        {
            "plan_needs[1].need_outcome": "To shower without falling.",
            "plan_needs[1].how_met": "otherwise",
            "plan_needs[1].met_otherwise_by": "other_service",
            "plan_needs[1].met_otherwise_reason": "Prison healthcare fits rails this week.",
            "plan_needs[1].prevention_offered": "Advice on non-slip mats.",
        },
    )
    budget = editor.editor_for("personal_budget")
    assert isinstance(budget, OutcomeEditor)
    shown = budget.shown.accessibleDescription()
    assert shown.startswith("Charge not yet assessed")
    assert "Cost to the authority of meeting the needs: £85.50 a week." in shown
    assert "£0.00" not in shown

    # In custody the personal budget is still required: without the contribution, no.
    click_complete(qtbot, window, editor)
    [(title, text, _detail)] = shown_messages
    assert title == NOT_READY_TITLE
    assert "must still contain the personal budget" in text
    assert "complete their financial assessment" in text
    assert stored_status(qtbot, window, editor.assessment_id) is RecordStatus.DRAFT

    shown_messages.clear()
    completed_financial(qtbot, window, person.id)
    window.go_back()
    window.show_person(person.id)
    editor = _reopen(qtbot, window, editor.assessment_id)
    budget = editor.editor_for("personal_budget")
    assert isinstance(budget, OutcomeEditor)
    assert budget.shown.accessibleDescription().startswith("£85.50 a week")
    click_complete(qtbot, window, editor)
    assert shown_messages == []
    qtbot.waitUntil(lambda: not editor.editable)
    assert stored_status(qtbot, window, editor.assessment_id) is RecordStatus.COMPLETED

    # Finalised: the record's signed PDFs are the standard one and the person's two editions,
    # listed by version; the easy-read one exports exactly as kept and is signed.
    qtbot.waitUntil(lambda: editor.documents is not None, timeout=10_000)
    panel = editor.documents
    assert panel is not None
    qtbot.waitUntil(lambda: panel.list.topLevelItemCount() == 3, timeout=10_000)
    listed = [
        (panel.list.topLevelItem(i).text(0), panel.list.topLevelItem(i).text(1)) for i in range(3)
    ]
    assert sorted(listed) == [
        ("Signed record", "Easy read"),
        ("Signed record", "Large print"),
        ("Signed record", "Standard"),
    ]
    row = next(i for i, (_, version) in enumerate(listed) if version == "Easy read")
    panel.list.setCurrentItem(panel.list.topLevelItem(row))
    chosen = panel.selected()
    assert chosen is not None and chosen.variant == "easy_read"
    monkeypatch.setattr(dialogs, "save_file", lambda _p, _t, name, _f: tmp_path / name)
    monkeypatch.setattr(dialogs, "inform", lambda *_a, **_k: None)
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    written = tmp_path / chosen.filename
    assert chosen.filename.endswith("_easy_read.pdf")
    assert hashlib.sha256(written.read_bytes()).hexdigest() == chosen.sha256
    assert verify_pdf(written.read_bytes()).ok


def _reopen(qtbot: QtBot, window: MainWindow, record_id: str) -> RecordEditorView:
    window.show_record(record_id)
    wait_for_worker(qtbot, window)
    return opened_editor(qtbot, window)


def test_a_prisoners_plan_shows_the_custody_section_and_offers_no_direct_payments(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    create_profile(qtbot, window)
    person = add_person(qtbot, window, prisoner())
    _completed_needs(qtbot, window, person.id)
    window.show_person(person.id)
    page = window.person
    assert page is not None
    wait_for_worker(qtbot, window)
    page.form_choice.setCurrentIndex(page.form_choice.findData("care_support_plan"))
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    editor = opened_editor(qtbot, window)

    # Where he lives comes from the person: a sentenced prisoner. No direct payments, and why.
    assert editor.answers["setting"] == "prison"
    made_from = editor.answers["needs_made_from"]
    assert made_from == "Care and support needs assessment of 16 November 2026"
    offer = editor.editor_for("direct_payments")
    assert isinstance(offer, OutcomeEditor)
    said = offer.shown.accessibleDescription()
    assert said.startswith("Direct payments not available")
    assert "Care Act s76" in said
    assert editor.editor_for("dp_choice").isHidden()
    for field_id in ("custody_participants", "regime_limits", "on_transfer", "on_release"):
        assert not editor.editor_for(field_id).isHidden(), field_id
    assert editor.editor_for("plan_safeguarding_how").isHidden()

    # Moved to bail accommodation, not convicted: direct payments can be offered, and the
    # person's choice is asked for; the custody section stays.
    _give(editor, {"setting": "bail_accommodation", "conviction_status": "unconvicted_on_bail"})
    assert offer.shown.accessibleDescription().startswith("Direct payments can be offered")
    assert not editor.editor_for("dp_choice").isHidden()
    _give(editor, {"dp_choice": "wants", "dp_manager": "nominated"})
    assert not editor.editor_for("dp_manager_name").isHidden()

    # At home the custody section goes.
    _give(editor, {"setting": "own_home"})
    assert editor.editor_for("regime_limits").isHidden()
    assert editor.editor_for("custody_participants").isHidden()

    # A safeguarding issue in custody asks how it is addressed.
    _give(editor, {"setting": "prison", "plan_safeguarding": True})
    assert not editor.editor_for("plan_safeguarding_how").isHidden()
