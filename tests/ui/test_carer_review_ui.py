"""A carer's support plan reviewed in the app, as an assessor walks it: the carer's assessment,
the carer's support plan made from it on the person page, its review due on the caseload's To
do list, Enter starting the review from the plan (naming it and the carer's assessment behind
it), and the completed review that found a reassessment offering to start the carer's
assessment from the previous one, with "what changed since"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from assessor_app.core.records import RecordStatus
from assessor_app.core.services.todo import TodoKind
from tests.support import community_person
from tests.ui.conftest import WindowFactory, add_person, create_profile, wait_for_worker
from tests.ui.test_care_act_forms import click_complete, opened_editor, stored_status
from tests.ui.test_care_review_ui import _give, _start
from tests.ui.test_carer_support_plan_ui import HEALTH, RECREATION, completed_carers_assessment
from tests.ui.test_todo_ui import _back_to_caseload, _rows

from assessor_app.ui import dialogs

pytestmark = pytest.mark.gui


def _signed(name: str, day: dt.date) -> dict[str, Any]:
    return {"typed": True, "name": name, "signed_on": day.isoformat()}


def test_a_carers_plan_review_due_on_the_list_finds_a_reassessment_of_the_carer(
    qtbot: QtBot,
    make_window: WindowFactory,
    shown_messages: list[tuple[str, str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(
        dialogs, "confirm", lambda _p, _t, question, **_k: asked.append(question) or True
    )
    today = dt.date.today()
    agreed = today - dt.timedelta(days=50)  # its first review is due in 6 days
    assessed = agreed - dt.timedelta(days=4)
    window = make_window()
    create_profile(qtbot, window)
    carer = add_person(qtbot, window, community_person(given_name="Ifeoma"))
    source = completed_carers_assessment(
        qtbot,
        window,
        carer.id,
        assessment_date=assessed.isoformat(),
        carer_signature=_signed("Ifeoma Quillfeather", assessed),
        assessor_signature=_signed("Alex Assessor", assessed),
    )
    window.show_person(carer.id)

    # The carer's support plan, made from that assessment and completed.
    plan = _start(qtbot, window, "carers_support_plan")
    _give(
        plan,
        "plan_needs",
        RECREATION
        | HEALTH
        | {
            "plan_date": agreed.isoformat(),
            "dp_choice": "declines",
            "carer_signature": _signed("Ifeoma Quillfeather", agreed),
            "assessor_signature": _signed("Alex Assessor", agreed),
        },
    )
    click_complete(qtbot, window, plan)
    qtbot.waitUntil(lambda: not plan.editable, timeout=10_000)
    plan_id = plan.assessment_id
    assert shown_messages == [] and asked == []

    # Its review is due on the To do list; Enter starts it from the plan.
    caseload = _back_to_caseload(qtbot, window)
    panel = caseload.todo
    caseload.tabs.setCurrentWidget(panel)
    panel.kind.setCurrentIndex(panel.kind.findData(TodoKind.REVIEW.value))
    due = agreed + dt.timedelta(weeks=8)
    [row] = _rows(caseload)
    assert row[:3] == [
        f"By {due:%d/%m/%Y}",
        "Quillfeather, Ifeoma",
        "Review the carer's support plan",
    ]
    panel.list.setCurrentItem(panel.list.topLevelItem(0))
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    wait_for_worker(qtbot, window)
    review = opened_editor(qtbot, window)
    assert review.defn is not None and review.defn.id == "care_review"
    assert review.answers["plan_record"] == plan_id
    on = f"{agreed.day} {agreed:%B %Y}"
    assert review.answers["plan_reviewed"] == f"Carer's support plan agreed {on}"
    assert review.answers["needs_reviewed"] == (
        f"Carer's assessment of {assessed.day} {assessed:%B %Y}"
    )
    assert review.answers["needs_record"] == source.id
    wanted = [i["outcome_wanted"] for i in review.answers["review_outcomes"]]
    assert wanted == [
        "To get back to the walking group on Thursdays.",
        "To sleep through the night twice a week.",
    ]

    _give(
        review,
        "review_outcomes",
        {
            "review_date": today.isoformat(),
            "review_reason": "planned",
            "review_method": "face_to_face",
            "person_took_part": True,
            "review_outcomes[0].outcome_result": "achieved",
            "review_outcomes[0].outcome_view": "I walk every Thursday now.",
            "review_outcomes[1].outcome_result": "not_achieved",
            "review_outcomes[1].outcome_view": "Zoë's nights are worse; I am up most nights.",
            "outcomes_achieved": "partly",
            "prevention_reconsidered": "The carers' café and an emergency card, again.",
            "safeguarding_concern": False,
            "review_result": "reassessment",
            "result_reason": "Zoë now needs help most nights, so caring has changed.",
            "assessor_signature": _signed("Alex Assessor", today),
        },
    )
    review_id = review.assessment_id
    click_complete(qtbot, window, review)
    assert shown_messages == []

    # Completing offers the reassessment, and yes opens the carer's assessment started from
    # the previous one.
    qtbot.waitUntil(lambda: window.editor is not None and window.editor is not review)
    again = opened_editor(qtbot, window)
    assert stored_status(qtbot, window, review_id) is RecordStatus.COMPLETED
    [question] = asked
    assert question.startswith("The review found the needs have changed.")
    assert f"from the carer's assessment of {assessed.day} {assessed:%B %Y}?" in question
    assert again.defn is not None and again.defn.id == "carers_assessment"
    assert again.assessment_id not in (source.id, plan_id, review_id)
    assert again.answers["follows_record"] == source.id
    assert again.answers["cared_for_name"] == "Zoë Quillfeather"
    assert "assessment_date" not in again.answers
    assert again.changes_button.isVisibleTo(again)

    widget = again.editor_for("health_details")
    assert widget is not None
    widget.set_value("Up most nights with Zoë.")
    widget.value_edited.emit("health_details", "Up most nights with Zoë.")
    qtbot.mouseClick(again.changes_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    dialog = again.changes_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert any(after == "Up most nights with Zoë." for _q, _before, after in dialog.rows())
    assert "Carer's assessment of" in dialog.summary.text()


@pytest.mark.parametrize("reassess", [True, False])
def test_a_carers_assessment_from_the_person_page_offers_to_start_from_the_last(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch, reassess: bool
) -> None:
    asked: list[tuple[str, list[str]]] = []

    def choose(_p: object, title: str, _text: str, items: list[str], **_k: Any) -> int | None:
        asked.append((title, items))
        return 0 if reassess or title != "Reassessment" else None

    monkeypatch.setattr(dialogs, "choose", choose)
    window = make_window()
    create_profile(qtbot, window)
    carer = add_person(qtbot, window, community_person(given_name="Ifeoma"))
    other = add_person(qtbot, window, community_person(given_name="Osric"))
    source = completed_carers_assessment(qtbot, window, carer.id)
    window.show_person(carer.id)

    editor = _start(qtbot, window, "carers_assessment")
    reassessment = (
        "Reassessment",
        ["Start from the carer's assessment of 16 November 2026, caring for Zoë Quillfeather"],
    )
    if reassess:
        # The person cared for comes over from the assessment it follows: not asked again.
        assert asked == [reassessment]
        assert editor.answers["follows_record"] == source.id
        assert editor.answers["cared_for_name"] == "Zoë Quillfeather"
        assert editor.changes_button.isVisibleTo(editor)
    else:
        assert [a[0] for a in asked] == ["Reassessment", "Person cared for"]
        assert "follows_record" not in editor.answers
        assert editor.answers["cared_for_record"] == other.id  # the one chosen
        assert not editor.changes_button.isVisibleTo(editor)
