"""A DST's contributions start folded: each is built when it is shown, and once shown it
behaves as before (answers shown and saved, problems, a colleague's locked, the keyboard)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from assessor_app.core.form_engine.definition import FormRegistry
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.support import community_person, session_for

from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.views.record_editor import RecordEditorView
from assessor_app.ui.widgets.repeating_group import RepeatingGroupEditor

pytestmark = pytest.mark.gui

EVIDENCE = "Needs two carers at every transfer, with a hoist (synthetic)."


def _contribution(n: int, name: str, **more: Any) -> dict[str, Any]:
    return {
        "contribution_id": f"c0ffee{n:02d}",
        "contributor_name": name,
        "contributor_profession": "social_worker",
        "contributed_on": "2026-11-12",
        "revision": 1,
        "m_mobility_evidence": f"{EVIDENCE} ({n})",
    } | more


@pytest.fixture
def editor(
    qtbot: QtBot, vault: Vault, registry: FormRegistry, shown_messages: object
) -> Iterator[RecordEditorView]:
    """A DST draft with three contributions: a colleague's, the assessor's own (the profile is
    Robin Testcase), and a colleague's missing its revision number."""
    del shown_messages
    ops = BackgroundOps()
    person = PeopleRepository(vault).add(community_person())
    form = registry.latest("chc_dst")
    contributions = [
        _contribution(0, "Dr Alex Example"),
        _contribution(1, "Robin Testcase"),
        {k: v for k, v in _contribution(2, "Sam Sample").items() if k != "revision"},
    ]
    record = AssessmentRepository(vault).create(
        person.id,
        form.id,
        form.version,
        {"consent_status": "consented", "contributions": contributions},
    )
    view = RecordEditorView(
        ops, session_for(vault, registry, today=dt.date(2026, 12, 1)), record.id
    )
    view.ops = ops
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitUntil(lambda: view.defn is not None)
    yield view
    view.save_and_close()
    ops.wait_for_idle()
    qtbot.waitUntil(lambda: ops.pending == 0)


def _group(editor: RecordEditorView) -> RepeatingGroupEditor:
    group = editor.editor_for("contributions")
    assert isinstance(group, RepeatingGroupEditor)
    editor.sections.setCurrentRow(editor._section_index("contributions"))
    return group


def test_the_contributions_page_builds_no_contribution_until_one_is_shown(
    editor: RecordEditorView,
) -> None:
    group = _group(editor)
    assert group.item_editors == [[], [], []]
    titles = [shown.title.text() for shown in group._items_shown]
    assert titles[0].startswith("Contribution 1 \u2014 Dr Alex Example: from Dr Alex Example")
    assert titles[1] == "Contribution 2 \u2014 Robin Testcase"
    # A problem inside a folded contribution is still told, on its title.
    assert titles[2].endswith("(1 problem: show its questions to see it)")
    assert group._items_shown[0].toggle is not None
    assert group._items_shown[0].toggle.accessibleName() == ("Show the questions of contribution 1")


def test_a_contribution_shown_by_keyboard_has_its_answers_and_saves_an_edit(
    qtbot: QtBot, editor: RecordEditorView, vault: Vault
) -> None:
    group = _group(editor)
    toggle = group._items_shown[1].toggle
    assert toggle is not None
    editor.window().activateWindow()
    toggle.setFocus()
    qtbot.waitUntil(toggle.hasFocus)
    qtbot.keyClick(toggle, Qt.Key.Key_Space)
    mine = group.item_editors[1]
    assert len(mine) == len(group.field.fields)
    assert group.item_editors[0] == [] and group.item_editors[2] == []
    by_id = {e.field.id: e for e in mine}
    assert by_id["contributor_name"].value() == "Robin Testcase"
    assert by_id["m_mobility_evidence"].value() == f"{EVIDENCE} (1)"
    assert not by_id["m_mobility_evidence"].read_only
    # The cursor went into its first question; Tab from the button goes there too.
    focused = QApplication.focusWidget()
    assert focused is not None and mine[0].isAncestorOf(focused)
    toggle.setFocus()
    qtbot.waitUntil(toggle.hasFocus)
    qtbot.keyClick(toggle, Qt.Key.Key_Tab)
    focused = QApplication.focusWidget()
    assert focused is not None and mine[0].isAncestorOf(focused)
    # An edit is an answer of the record, saved.
    evidence = by_id["m_mobility_evidence"].focus_widget()
    evidence.setFocus()
    qtbot.keyClick(evidence, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(evidence, " More.")
    assert editor.answers["contributions"][1]["m_mobility_evidence"] == f"{EVIDENCE} (1) More."
    assert editor.answers["contributions"][0] == _contribution(0, "Dr Alex Example")
    editor.autosave.checkpoint()
    qtbot.waitUntil(lambda: editor.autosave.status == "Saved")
    stored = AssessmentRepository(vault).get(editor.assessment_id)
    assert stored.answers["contributions"][1]["m_mobility_evidence"].endswith("More.")
    # Hidden again, then shown: the same editors, not built twice.
    qtbot.keyClick(toggle, Qt.Key.Key_Space)
    assert not group._items_shown[1].body.isVisible()
    group.open_item(1)
    assert group.item_editors[1] is mine and group._items_shown[1].body.isVisible()


def test_a_colleagues_contribution_is_locked_when_shown(editor: RecordEditorView) -> None:
    group = _group(editor)
    group.open_item(0)
    theirs = group.item_editors[0]
    assert theirs and all(e.read_only and e.isEnabled() for e in theirs)
    assert not group._items_shown[0].remove.isEnabled()


def test_going_to_a_question_inside_a_folded_contribution_shows_it(
    editor: RecordEditorView,
) -> None:
    group = _group(editor)
    editor.focus_field("contributions[2].revision")
    target = group.editor_at("contributions[2].revision")
    assert target is not None and group._items_shown[2].body.isVisible()
    assert target.problem.isVisible() and target.problem.text() == "Enter a number."
    focused = QApplication.focusWidget()
    assert focused is not None and target.isAncestorOf(focused)


def test_a_contribution_added_starts_open_with_its_questions_after_its_button(
    qtbot: QtBot, editor: RecordEditorView
) -> None:
    group = _group(editor)
    group.add_item()
    new = group.item_editors[3]
    assert len(new) == len(group.field.fields)
    assert group.item_editors[:3] == [[], [], []]  # the others stay folded
    focused = QApplication.focusWidget()
    assert focused is not None and new[0].isAncestorOf(focused)
    toggle = group._items_shown[3].toggle
    assert toggle is not None and toggle.text() == "Hide its questions"
    editor.window().activateWindow()
    toggle.setFocus()
    qtbot.waitUntil(toggle.hasFocus)
    qtbot.waitUntil(new[0].isVisible)  # Qt shows widgets added to a shown page queued
    qtbot.keyClick(toggle, Qt.Key.Key_Tab)
    focused = QApplication.focusWidget()
    assert focused is not None and new[0].isAncestorOf(focused)
    assert len(editor.answers["contributions"]) == 4


def test_an_opened_contribution_stays_open_when_one_before_it_is_removed(
    qtbot: QtBot, editor: RecordEditorView
) -> None:
    group = _group(editor)
    group.open_item(2)
    assert group.item_editors[2]
    qtbot.mouseClick(group._items_shown[1].remove, Qt.MouseButton.LeftButton)  # our own
    assert [i["contributor_name"] for i in editor.answers["contributions"]] == [
        "Dr Alex Example",
        "Sam Sample",
    ]
    # Sam's contribution, now the second, is still the open one; the first is still folded.
    assert group.item_editors[0] == [] and len(group.item_editors[1]) == len(group.field.fields)
    by_id = {e.field.id: e for e in group.item_editors[1]}
    assert by_id["contributor_name"].value() == "Sam Sample"
