"""The Care Act needs and carer's assessments in the app: started from the person page with
their details carried over, completed end to end in custody, and refused while a refusal,
advocacy or written-information block stands."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from assessor_app.core.records import Person, PersonDetails, RecordStatus
from assessor_app.core.storage.assessments import AssessmentRepository
from tests.conftest import REPO_ROOT
from tests.support import community_person, prisoner
from tests.ui.conftest import WindowFactory, add_person, create_profile, wait_for_worker

from assessor_app.ui import dialogs
from assessor_app.ui.views.main_window import MainWindow
from assessor_app.ui.views.record_completion import NOT_READY_TITLE
from assessor_app.ui.views.record_editor import RecordEditorView
from assessor_app.ui.widgets.field_editors import NoticeEditor
from assessor_app.ui.widgets.repeating_group import RepeatingGroupEditor

pytestmark = pytest.mark.gui

ANSWERS = REPO_ROOT / "tests" / "fixtures" / "forms" / "answers"
CUSTODY: dict[str, Any] = json.loads(
    (ANSWERS / "needs_custody_eligible.json").read_text(encoding="utf-8")
)
PREFILLED = {
    "setting",
    "establishment_name",
    "conviction_status",
    "date_of_birth",
    "expected_release_date",
}


def start_from_person_page(
    qtbot: QtBot,
    make_window: WindowFactory,
    details: PersonDetails,
    form_id: str,
    profile_name: str = "Robin Testcase",
    **window_options: object,
) -> tuple[MainWindow, Person]:
    """Create a profile, add `details`, open their page, pick `form_id` and press Start."""
    window = make_window(**window_options)
    create_profile(qtbot, window, profile_name)
    person = add_person(qtbot, window, details)
    window.show_person(person.id)
    page = window.person
    assert page is not None
    wait_for_worker(qtbot, window)
    page.form_choice.setCurrentIndex(page.form_choice.findData(form_id))
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    return window, person


def opened_editor(qtbot: QtBot, window: MainWindow) -> RecordEditorView:
    editor = window.editor
    assert editor is not None
    qtbot.waitUntil(lambda: editor.defn is not None)
    return editor


def answer(editor: RecordEditorView, answers: dict[str, Any]) -> None:
    """Give answers through each question's editor, as typing or clicking would."""
    for field_id, value in answers.items():
        widget = editor.editor_for(field_id)
        if isinstance(widget, RepeatingGroupEditor):
            for index, item in enumerate(value):
                widget.add_item()
                for nested_id, nested_value in item.items():
                    path = f"{field_id}[{index}].{nested_id}"
                    nested = widget.editor_at(path)
                    assert nested is not None
                    nested.set_value(nested_value)
                    nested.value_edited.emit(path, nested_value)
            continue
        widget.set_value(value)
        widget.value_edited.emit(field_id, value)


def click_complete(qtbot: QtBot, window: MainWindow, editor: RecordEditorView) -> None:
    qtbot.mouseClick(editor.complete_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)


def stored_status(qtbot: QtBot, window: MainWindow, assessment_id: str) -> RecordStatus:
    assert window.vault is not None
    got: list[Any] = []
    window.ops.run(AssessmentRepository(window.vault).get, assessment_id, on_success=got.append)
    wait_for_worker(qtbot, window)
    return RecordStatus(got[0].status)


def test_a_needs_assessment_in_custody_is_completed_end_to_end(
    qtbot: QtBot, make_window: WindowFactory, shown_messages: list[tuple[str, str, str]]
) -> None:
    window, _ = start_from_person_page(qtbot, make_window, prisoner(), "needs_assessment")
    editor = opened_editor(qtbot, window)
    assert editor.defn is not None and editor.defn.id == "needs_assessment"
    # What the app knows about the prisoner is carried over, not re-keyed.
    assert {k: editor.answers[k] for k in PREFILLED} == {k: CUSTODY[k] for k in PREFILLED}
    # Custody mode: the custody questions and notices are there, from the setting alone.
    assert not editor.editor_for("responsible_authority").isHidden()
    notice = editor.editor_for("out_home_safety_custody")
    assert isinstance(notice, NoticeEditor) and "cell" in (notice.field.help or "")

    answer(editor, {k: v for k, v in CUSTODY.items() if k not in PREFILLED})
    assert not editor.editor_for("support_lost_in_custody").isHidden()  # once consent is given
    panel = editor.outcomes.labels
    assert panel["eligibility"].text() == "Eligible needs"
    assert panel["direct_payments"].text() == "Direct payments not available"
    assert panel["advocacy_outcome"].text() == "Independent advocate required"

    click_complete(qtbot, window, editor)
    assert shown_messages == []
    qtbot.waitUntil(lambda: editor.defn is not None and not editor.editable)
    assert stored_status(qtbot, window, editor.assessment_id) is RecordStatus.COMPLETED
    assert "finalised: read only" in editor.title.text()


def test_the_same_answers_in_the_community_give_the_same_determination(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window, _ = start_from_person_page(qtbot, make_window, community_person(), "needs_assessment")
    editor = opened_editor(qtbot, window)
    assert editor.answers["setting"] == "own_home"
    assert editor.editor_for("responsible_authority").isHidden()
    community = {k: v for k, v in CUSTODY.items() if k not in PREFILLED}
    answer(editor, community)
    assert editor.outcomes.labels["eligibility"].text() == "Eligible needs"


@pytest.mark.parametrize(
    ("changes", "expected", "focus"),
    [
        (
            {
                "consent": "refused",
                "refusal_has_capacity": False,
                "refusal_best_interests": True,
                "refusal_abuse_risk": False,
                "refusal_notes": "Said no, and could not retain why.",
            },
            "cannot close as a refusal",
            "consent",
        ),
        (
            {
                "consent": "refused",
                "refusal_has_capacity": True,
                "refusal_abuse_risk": True,
                "refusal_notes": "Refused; bruising seen on the wing.",
            },
            "cannot close as a refusal",
            "consent",
        ),
        ({"advocate_referral_date": None}, "advocate", "advocate_referral_date"),
        (
            {"out_hygiene_status": "achieved", "out_hygiene_ways": None},
            "written information and advice",
            "ineligible_info_given",
        ),
    ],
    ids=[
        "refusal-lacks-capacity",
        "refusal-abuse-risk",
        "advocate-not-asked",
        "ineligible-without-information",
    ],
)
def test_completion_is_refused_while_a_legal_block_stands(
    qtbot: QtBot,
    make_window: WindowFactory,
    shown_messages: list[tuple[str, str, str]],
    changes: dict[str, Any],
    expected: str,
    focus: str,
) -> None:
    window, _ = start_from_person_page(qtbot, make_window, prisoner(), "needs_assessment")
    editor = opened_editor(qtbot, window)
    answers = {k: v for k, v in copy.deepcopy(CUSTODY).items() if k not in PREFILLED}
    answers.update(changes)
    answer(editor, answers)

    click_complete(qtbot, window, editor)
    [(title, text, _detail)] = shown_messages
    assert title == NOT_READY_TITLE
    assert expected in text
    assert stored_status(qtbot, window, editor.assessment_id) is RecordStatus.DRAFT
    assert editor.editable
    target = editor.editor_for(focus).focus_widget()
    qtbot.waitUntil(target.hasFocus)


def test_a_refusal_that_may_close_completes_without_the_rest_of_the_assessment(
    qtbot: QtBot, make_window: WindowFactory, shown_messages: list[tuple[str, str, str]]
) -> None:
    window, _ = start_from_person_page(qtbot, make_window, community_person(), "needs_assessment")
    editor = opened_editor(qtbot, window)
    first_contact = {
        k: CUSTODY[k]
        for k in (
            "referral_source",
            "referral_date",
            "assessment_date",
            "urgent_needs",
            "urgent_needs_met",
            "urgent_needs_start",
        )
    }
    answer(
        editor,
        {
            **first_contact,
            "advocacy_difficulty": False,
            "consent": "refused",
            "refusal_has_capacity": True,
            "refusal_abuse_risk": False,
            "refusal_notes": "Does not want an assessment; told how to ask later.",
            "capacity_doubt": False,
            "who_may_act": "none",
            "person_signature": {
                "unable_to_sign": "declined",
                "name": "Zoë Quillfeather",
                "signed_on": CUSTODY["assessment_date"],
            },
            "assessor_signature": CUSTODY["assessor_signature"],
        },
    )
    assert editor.outcomes.labels["refusal_outcome"].text().startswith("Can close")
    assert editor.editor_for("needs_from_impairment").isHidden()
    click_complete(qtbot, window, editor)
    assert shown_messages == []
    assert stored_status(qtbot, window, editor.assessment_id) is RecordStatus.COMPLETED


def test_a_carers_assessment_for_a_prisoner_starts_with_the_block_explained(
    qtbot: QtBot,
    make_window: WindowFactory,
    shown_messages: list[tuple[str, str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # CA-11: in general not a carer, but a recorded reason can lift the block, so the
    # assessment starts and explains the block where the reason is asked for.
    monkeypatch.setattr(dialogs, "choose", lambda *_args, **_kwargs: None)
    window, _ = start_from_person_page(qtbot, make_window, prisoner(), "carers_assessment")
    assert shown_messages == []
    editor = opened_editor(qtbot, window)
    assert editor.answers["setting"] == "prison"
    notice = editor.editors["custody_carer_notice"]
    assert isinstance(notice, NoticeEditor) and not notice.isHidden()
    assert "in general not carers" in (notice.field.help or "")
    assert not editor.editors["custody_assess_reason"].isHidden()


def test_a_carers_assessment_asks_who_is_cared_for_and_carries_them_over(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[list[str]] = []

    def choose_the_first(
        _parent: object, _title: str, _text: str, items: list[str], *, none_text: str
    ) -> int | None:
        asked.append([none_text, *items])
        return 0

    monkeypatch.setattr(dialogs, "choose", choose_the_first)
    window = make_window()
    create_profile(qtbot, window)
    cared_for = add_person(qtbot, window, community_person())
    carer_details = community_person(
        given_name="Nguyễn", family_name="Aldergrove", date_of_birth=None, nhs_number=None
    )
    carer = add_person(qtbot, window, carer_details)
    window.show_person(carer.id)
    page = window.person
    assert page is not None
    wait_for_worker(qtbot, window)
    page.form_choice.setCurrentIndex(page.form_choice.findData("carers_assessment"))
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    editor = opened_editor(qtbot, window)
    # The carer is not offered as the person they care for.
    assert asked == [["Someone not on the caseload", "Quillfeather, Zoë, born 14/03/1948"]]
    assert editor.answers["cared_for_name"] == "Zoë Quillfeather"
    assert editor.answers["cared_for_record"] == cared_for.id


FINANCIAL: dict[str, Any] = json.loads(
    (ANSWERS / "financial_home.json").read_text(encoding="utf-8")
)


def test_a_financial_assessment_shows_the_charge_and_keeps_its_rates_table(
    qtbot: QtBot, make_window: WindowFactory, shown_messages: list[tuple[str, str, str]]
) -> None:
    window, _ = start_from_person_page(
        qtbot, make_window, community_person(), "financial_assessment"
    )
    editor = opened_editor(qtbot, window)
    assert editor.answers["date_of_birth"] == FINANCIAL["date_of_birth"]  # carried over
    answer(editor, {k: v for k, v in FINANCIAL.items() if k not in ("setting", "date_of_birth")})
    assert editor.outcomes.labels["charge"].text() == "£153.90 a week"
    # What staff must check is shown apart from the charge (an unconfirmed figure here).
    assert editor.outcomes.labels["charge_checks"].text() == "1 thing to check"
    # Housing costs are asked for care at home and a temporary stay; disability-related
    # expenses for care at home only.
    assert not editor.editor_for("housing_costs").isHidden()
    assert not editor.editor_for("dre_standard").isHidden()
    answer(editor, {"care_type": "temporary_care_home"})
    assert not editor.editor_for("housing_costs").isHidden()
    assert editor.editor_for("dre_standard").isHidden()
    answer(editor, {"care_type": "permanent_care_home"})
    assert editor.editor_for("housing_costs").isHidden()
    assert editor.editor_for("dre_standard").isHidden()
    answer(editor, {"care_type": "home"})

    click_complete(qtbot, window, editor)
    assert shown_messages == []
    qtbot.waitUntil(lambda: editor.defn is not None and not editor.editable)
    assert editor.answers["rates_table_used"].startswith("england-2025-26@1#")
    assert editor.answers["rates_table_used"].endswith("+none")  # no local figures installed
    assert editor.outcomes.labels["charge"].text() == "£153.90 a week"


def test_the_caseload_flags_an_urgent_fast_track(qtbot: QtBot, make_window: WindowFactory) -> None:
    window, person = start_from_person_page(
        qtbot, make_window, community_person(), "chc_fast_track"
    )
    opened_editor(qtbot, window)
    window.show_caseload()
    caseload = window.caseload
    assert caseload is not None
    wait_for_worker(qtbot, window)
    row = caseload.results.topLevelItem(0)
    assert row is not None and row.data(0, Qt.ItemDataRole.UserRole) == person.id
    assert row.text(4) == "Fast Track: urgent"
    assert row.font(4).bold()


def test_two_mdt_members_swap_dst_contributions_and_see_the_same_merged_dst(
    qtbot: QtBot,
    make_window: WindowFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    shown_messages: list[tuple[str, str, str]],
) -> None:
    parts = [
        {
            "contribution_id": "a1b2c3d4",
            "contributor_name": "Sam Okafor",
            "contributor_profession": "registered_nurse",
            "contributed_on": "2026-11-12",
            "revision": 1,
            "m_mobility_level": "high",
            "m_mobility_evidence": "Hoist.",
        },
        {
            "contribution_id": "e5f6a7b8",
            "contributor_name": "Robin Testcase",
            "contributor_profession": "social_worker",
            "contributed_on": "2026-11-13",
            "revision": 1,
            "m_mobility_level": "moderate",
            "m_mobility_evidence": "Good days.",
        },
    ]
    editors, windows = [], []
    for i, part in enumerate(parts):
        window, _ = start_from_person_page(
            qtbot,
            make_window,
            community_person(),
            "chc_dst",
            profile_name=str(part["contributor_name"]),
            data_dir=tmp_path / f"member{i}",
        )
        editor = opened_editor(qtbot, window)
        answer(editor, {"consent_status": "consented", "contributions": [part]})
        assert editor.import_button.isVisible() and editor.export_button.isVisible()
        editors.append(editor)
        windows.append(window)

    secret = "agreed mdt passphrase"
    monkeypatch.setattr(dialogs, "ask_secret", lambda *_a: secret)
    monkeypatch.setattr(dialogs, "pick", lambda *_a, **_k: 0)
    informed: list[tuple[str, str]] = []
    monkeypatch.setattr(dialogs, "inform", lambda _p, t, text, _d="": informed.append((t, text)))
    # Each member's first file asks the importer to confirm the sender's key aloud.
    asked: list[str] = []
    monkeypatch.setattr(
        dialogs, "confirm", lambda _p, _t, question, **_k: asked.append(question) or True
    )
    for i, (window, editor) in enumerate(zip(windows, editors, strict=True)):
        target = tmp_path / f"from{i}.dstc"
        monkeypatch.setattr(dialogs, "save_file", lambda *_a, target=target: target)
        qtbot.mouseClick(editor.export_button, Qt.MouseButton.LeftButton)
        wait_for_worker(qtbot, window)
        assert target.is_file()
    for i, (window, editor) in enumerate(zip(windows, editors, strict=True)):
        incoming = tmp_path / f"from{1 - i}.dstc"
        monkeypatch.setattr(dialogs, "open_file", lambda *_a, incoming=incoming: incoming)
        qtbot.mouseClick(editor.import_button, Qt.MouseButton.LeftButton)
        wait_for_worker(qtbot, window)
        qtbot.waitUntil(lambda editor=editor: editor.defn is not None)
        wait_for_worker(qtbot, window)
    # Success is told as information, not as a warning.
    assert [t for t, _ in informed].count("Contribution imported") == 2
    assert not [t for t, _, _ in shown_messages if t.startswith("Contribution")]
    # The fingerprint each exporter was shown is the one the other was asked to confirm.
    shown = [
        re.search(r"fingerprint is ([\d ]+)\.", text).group(1)  # type: ignore[union-attr]
        for title, text in informed
        if title == "Contribution exported"
    ]
    assert len(asked) == 2 and shown[1] in asked[0] and shown[0] in asked[1]
    first, second = (e.answers["contributions"] for e in editors)
    assert first == second and len(first) == 2
    for editor in editors:
        label = editor.outcomes.labels["contribution_proposals"].text()
        assert label == "2 contributions; members disagree on 1 domain"
    for editor, part in zip(editors, parts, strict=True):
        # Another member's contribution is read-only: only its author can change it.
        group = editor.editor_for("contributions")
        assert isinstance(group, RepeatingGroupEditor)
        authors = [i["contributor_name"] for i in editor.answers["contributions"]]
        for index in range(len(authors)):
            group.open_item(index)  # a contribution's questions are built when it is shown
        for item_editors, author in zip(group.item_editors, authors, strict=True):
            assert len(item_editors) == len(group.field.fields)
            locked = author != part["contributor_name"]
            assert all(e.read_only is locked and e.isEnabled() for e in item_editors)
    # Now that each knows the other's key, a file is sealed to it too: importing Sam's next
    # file asks Robin for no passphrase.
    again = tmp_path / "again.dstc"
    monkeypatch.setattr(dialogs, "save_file", lambda *_a: again)
    monkeypatch.setattr(
        dialogs, "pick", lambda _p, _t, _l, names, **_k: next(
            i for i, n in enumerate(names) if n.startswith("Sam Okafor")
        )
    )  # fmt: skip
    qtbot.mouseClick(editors[0].export_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, windows[0])
    asked_secret: list[str] = []
    monkeypatch.setattr(dialogs, "ask_secret", lambda _p, _t, label: asked_secret.append(label))
    monkeypatch.setattr(dialogs, "open_file", lambda *_a: again)
    qtbot.mouseClick(editors[1].import_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, windows[1])
    qtbot.waitUntil(lambda: editors[1].defn is not None)  # shown again, as after any import
    wait_for_worker(qtbot, windows[1])
    assert asked_secret == [] and shown_messages == []
    assert informed[-1] == (
        "Contribution imported",
        "Sam Okafor's contribution was already here; nothing changed.",
    )
    # Opening the contributions before that import once left the window's menu actions
    # deleted, and closing it then crashed: the window is whole.
    import shiboken6

    assert all(shiboken6.isValid(w.enrol_action) for w in windows)


def test_sections_waiting_for_consent_say_so_and_are_never_ticked(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window, _ = start_from_person_page(qtbot, make_window, community_person(), "needs_assessment")
    editor = opened_editor(qtbot, window)
    assert editor.defn is not None
    titles = [s.title for s in editor.defn.sections]
    wellbeing = titles.index("Wellbeing")
    row = editor.sections.item(wellbeing)
    assert not row.text().startswith("✓")
    assert row.text().endswith("not asked yet")
    editor.sections.setCurrentRow(wellbeing)
    why, go = editor._not_asked_notes["wellbeing"]
    assert why.isVisible() and "Did the person agree to be assessed?" in why.text()
    qtbot.mouseClick(go, Qt.MouseButton.LeftButton)
    assert editor.sections.currentRow() == titles.index("Consent to the assessment")

    answer(editor, {"consent": "consented"})
    assert not why.isVisibleTo(editor)
    assert "not asked" not in editor.sections.item(wellbeing).text()
    answer(editor, {"consent": "refused"})
    assert editor.sections.item(wellbeing).text().endswith("\n    not asked")
    assert "No, they refused" in editor.sections.item(wellbeing).toolTip()
    editor.sections.setCurrentRow(wellbeing)
    assert "No, they refused the assessment" in why.text()


def test_a_pension_credit_age_answer_the_date_of_birth_contradicts_is_refused_as_typed(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    # Born 1967: Pension Credit qualifying age at 67, in 2034.
    window, _ = start_from_person_page(
        qtbot,
        make_window,
        community_person(date_of_birth=dt.date(1967, 8, 14)),
        "financial_assessment",
    )
    editor = opened_editor(qtbot, window)
    answer(editor, {k: v for k, v in FINANCIAL.items() if k not in ("setting", "date_of_birth")})
    worked_out = editor.editor_for("pension_credit_age")
    assert "Not reached: reached on 14 August 2034 (67)" in worked_out.shown.text()
    question = editor.editor_for("pension_age")
    assert not question.problem.isHidden()
    assert "reaches Pension Credit qualifying age at 67 on 14 August 2034" in (
        question.problem.text()
    )
    assert editor.outcomes.labels["charge"].text() == "Not enough answers yet"
    # Its section is not ticked while the contradiction stands.
    assert editor.defn is not None
    row = next(
        i
        for i, s in enumerate(editor.defn.sections)
        if any(f.id == "pension_age" for f in s.fields)
    )
    assert "1 problem" in editor.sections.item(row).text()
    answer(editor, {"pension_age": False})
    assert question.problem.isHidden()
    assert "problem" not in editor.sections.item(row).text()
    assert editor.outcomes.labels["charge"].text().endswith("a week")


def test_exporting_asks_for_the_passphrase_twice_and_again_with_the_reason_when_refused(
    qtbot: QtBot,
    make_window: WindowFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    shown_messages: list[tuple[str, str, str]],
) -> None:
    window, _ = start_from_person_page(
        qtbot, make_window, community_person(), "chc_dst", profile_name="Robin Testcase"
    )
    editor = opened_editor(qtbot, window)
    mine = {
        "contribution_id": "e5f6a7b8",
        "contributor_name": "Robin Testcase",
        "contributor_profession": "social_worker",
        "contributed_on": "2026-11-13",
        "revision": 1,
        "m_mobility_level": "moderate",
        "m_mobility_evidence": "Good days.",
    }
    answer(editor, {"consent_status": "consented", "contributions": [mine]})
    # Typed: too short, too easy to guess, a good one then a typo of it, then the good one
    # twice. Each refusal asks again, saying why; nothing is abandoned.
    typed = iter(
        ["plum", "password1", "otter lantern plum", "otter lantern plun"]
        + ["otter lantern plum"] * 2
    )
    labels: list[str] = []

    def ask_secret(_parent: object, _title: str, label: str) -> str:
        labels.append(label)
        return next(typed)

    monkeypatch.setattr(dialogs, "ask_secret", ask_secret)
    monkeypatch.setattr(dialogs, "pick", lambda *_a, **_k: 0)
    # The name typed without an ending gets the contribution file's own.
    monkeypatch.setattr(dialogs, "save_file", lambda *_a: tmp_path / "for-the-coordinator")
    informed: list[tuple[str, str]] = []
    monkeypatch.setattr(dialogs, "inform", lambda _p, t, text, _d="": informed.append((t, text)))
    qtbot.mouseClick(editor.export_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    assert len(labels) == 6 and next(typed, None) is None
    assert "too short" in labels[1] and "too easy to guess" in labels[2]
    assert labels[3] == "Type the same passphrase again:"
    assert "were not the same" in labels[4] and labels[5] == "Type the same passphrase again:"
    written = tmp_path / "for-the-coordinator.dstc"
    assert written.is_file()
    [(title, text)] = informed
    assert title == "Contribution exported" and str(written) in text
    assert shown_messages == []
