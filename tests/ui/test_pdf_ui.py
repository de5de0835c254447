"""Signed PDFs in the app: finalising a record from the editor signs and keeps its PDF, which
the documents panel exports and checks; amending keeps the old PDF as it was; a draft prints
marked DRAFT; letters are signed and kept beside the record; and the "Check a signed PDF"
window says plainly whether a file is intact, broken, or not a signed PDF at all.

Records are the carer's assessment fixture (synthetic people), stored straight into a real
vault; every prompt goes through the `dialogs` seam, replaced here. Exported files are checked
by `verify_pdf` and, where installed, by poppler (`pdfsig`, `pdftotext`), which shares no code
with the app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from assessor_app.core.demo import write_demo_branding
from assessor_app.core.errors import StorageWriteError
from assessor_app.core.pdf.document import Variant
from assessor_app.core.pdf.verify import UnsignedPdfError, verify_pdf
from assessor_app.core.records import Assessment, RecordStatus
from assessor_app.core.services.documents import finalise_record
from assessor_app.core.services.records import complete_record
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.documents import DocumentRepository, StoredDocument
from tests.conftest import REPO_ROOT
from tests.support import community_person, session_for
from tests.ui.conftest import WindowFactory, add_person, create_profile, wait_for_worker

from assessor_app.ui import dialogs
from assessor_app.ui.views import record_editor
from assessor_app.ui.views.check_pdf import BROKEN, UNCHECKED, UNCONFIRMED, CheckPdfWindow
from assessor_app.ui.views.documents_panel import DocumentsPanel
from assessor_app.ui.views.main_window import MainWindow
from assessor_app.ui.views.record_completion import NOT_READY_TITLE
from assessor_app.ui.views.record_editor import AMEND_QUESTION, RecordEditorView

pytestmark = pytest.mark.gui

TODAY = dt.date(2026, 11, 23)
"""A week after the fixture's assessment and signatures."""
FORM = "carers_assessment"
ANSWERS: dict[str, Any] = json.loads(
    (REPO_ROOT / "tests/fixtures/forms/answers/carers_eligible.json").read_text("utf-8")
)
SIGNATURES = ("carer_signature", "assessor_signature")
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots" / "pdf"
SCREENSHOTS_ENV = "ASSESSOR_WRITE_SCREENSHOTS"
"""Set to 1 to refresh docs/screenshots/pdf/ from these tests; otherwise they grab the window
(so a blank one still fails) into a temporary folder and leave the source tree alone."""

Messages = list[tuple[str, str, str]]


# -- helpers -----------------------------------------------------------------------------------


def on_worker(qtbot: QtBot, window: MainWindow, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a vault call on the app's one worker (the vault is not for the GUI thread)."""
    got: list[Any] = []
    window.ops.run(fn, *args, on_success=got.append, **kwargs)
    wait_for_worker(qtbot, window)
    assert got, "the call failed (see the messages shown)"
    return got[0]


def new_record(qtbot: QtBot, window: MainWindow, answers: dict[str, Any]) -> Assessment:
    """A carer's assessment draft holding `answers`, for a new synthetic person."""
    person = add_person(qtbot, window, community_person())
    assert window.vault is not None
    records = AssessmentRepository(window.vault)

    def draft() -> Assessment:
        record = records.create(person.id, FORM, 1)
        for path, value in answers.items():
            records.save_field(record.id, path, value)
        return records.checkpoint(record.id)

    record: Assessment = on_worker(qtbot, window, draft)
    window.show_person(person.id)
    return record


def open_record(
    qtbot: QtBot, make_window: WindowFactory, answers: dict[str, Any]
) -> tuple[MainWindow, RecordEditorView]:
    window = make_window(today=lambda: TODAY)
    create_profile(qtbot, window)
    record = new_record(qtbot, window, answers)
    window.show_record(record.id)
    editor = window.editor
    assert editor is not None
    qtbot.waitUntil(lambda: editor.defn is not None)
    wait_for_worker(qtbot, window)
    return window, editor


def finalise(qtbot: QtBot, window: MainWindow, editor: RecordEditorView) -> DocumentsPanel:
    """Press Finalise and sign; return the documents panel once it lists what is kept."""
    with qtbot.waitSignal(editor.completed, timeout=20_000):
        qtbot.mouseClick(editor.complete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.documents is not None, timeout=10_000)
    wait_for_worker(qtbot, window)
    panel = editor.documents
    assert panel is not None
    return panel


def stored(qtbot: QtBot, window: MainWindow, assessment_id: str) -> Assessment:
    assert window.vault is not None
    return on_worker(qtbot, window, AssessmentRepository(window.vault).get, assessment_id)


def kept(qtbot: QtBot, window: MainWindow, assessment_id: str) -> list[StoredDocument]:
    assert window.vault is not None
    repo = DocumentRepository(window.vault)
    return on_worker(qtbot, window, repo.list_for_assessment, assessment_id)


def kept_bytes(qtbot: QtBot, window: MainWindow, document_id: str) -> bytes:
    assert window.vault is not None
    return on_worker(qtbot, window, DocumentRepository(window.vault).data, document_id)


def rows(panel: DocumentsPanel) -> list[list[str]]:
    return [
        [panel.list.topLevelItem(i).text(c) for c in range(panel.list.columnCount())]
        for i in range(panel.list.topLevelItemCount())
    ]


def captured(monkeypatch: pytest.MonkeyPatch, name: str) -> Messages:
    """Replace a dialogs message function (`inform`, `show_message`) and keep what it said."""
    said: Messages = []
    monkeypatch.setattr(
        dialogs, name, lambda _p, title, text, detail="": said.append((title, text, detail))
    )
    return said


def pdfsig(path: Path) -> str:
    done = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60)
    return done.stdout + done.stderr


def pdftotext(path: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def flip_a_signed_byte(signed: bytes) -> bytes:
    """Change one byte of page content inside the first signed /ByteRange (not the structure:
    the file still opens, its hash no longer matches)."""
    ranges = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", signed)
    assert ranges is not None
    start, length = int(ranges.group(1)), int(ranges.group(2))
    stream = re.search(rb"stream\r?\n", signed[start : start + length])
    assert stream is not None
    at = start + stream.end() + 16  # inside the first stream's data
    assert at < start + length
    tampered = bytearray(signed)
    tampered[at] ^= 0x01
    return bytes(tampered)


def screenshot(widget: Any, name: str) -> None:
    folder = (
        SCREENSHOTS
        if os.environ.get(SCREENSHOTS_ENV) == "1"
        else Path(tempfile.gettempdir()) / "assessor-test-screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(folder / name))


# -- finalising from the editor ---------------------------------------------------------------


def test_finalise_signs_and_keeps_a_pdf_that_exports_and_verifies(
    qtbot: QtBot,
    make_window: WindowFactory,
    shown_messages: Messages,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    window, editor = open_record(qtbot, make_window, ANSWERS)
    button = editor.complete_button
    assert button.accessibleName() == "Finalise and sign" and button.text() == "&Finalise and sign"
    tip = button.toolTip()
    assert "every answer and signature" in tip and "read-only" in tip and "signed" in tip
    assert editor.print_button.isVisible() and not editor.amend_button.isVisible()
    assert editor.documents is None

    panel = finalise(qtbot, window, editor)

    assert shown_messages == []
    record = stored(qtbot, window, editor.assessment_id)
    assert record.status is RecordStatus.COMPLETED
    assert not editor.editable and "read only" in editor.title.text()
    assert not editor.complete_button.isVisible() and not editor.print_button.isVisible()
    assert editor.amend_button.isVisible()
    [doc] = kept(qtbot, window, record.id)
    assert (doc.kind, doc.revision, doc.variant) == ("record", record.revision, "standard")
    assert rows(panel) == [
        [
            "Signed record",
            "Standard",
            str(record.revision),
            f"{doc.created_at.astimezone():%d/%m/%Y %H:%M}",
            "Robin Testcase",
        ]
    ]
    assert panel.isVisible() and not panel.sign_button.isVisible()
    screenshot(window, "editor_with_documents_panel.png")

    # Export: the file is the kept copy, exactly.
    out = tmp_path / "exports"
    out.mkdir()
    asked: list[str] = []

    def save_file(_p: object, _title: str, suggested: str, _filter: str) -> Path:
        asked.append(suggested)
        return out / suggested

    monkeypatch.setattr(dialogs, "save_file", save_file)
    informed = captured(monkeypatch, "inform")
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    assert asked == [doc.filename]
    written = out / doc.filename
    data = written.read_bytes()
    assert hashlib.sha256(data).hexdigest() == doc.sha256
    [(title, text, _detail)] = informed
    assert title == "PDF exported" and doc.filename in text and str(out) in text
    report = verify_pdf(data)
    assert report.ok and [s.signer for s in report.signatures] == ["Robin Testcase"]

    # Exporting again never overwrites: the second copy gets " (2)".
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    second = out / doc.filename.replace(".pdf", " (2).pdf")
    assert second.read_bytes() == data and "already there" in informed[-1][2]

    # Check signature: the report's verdict and lines, from the kept bytes.
    qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    title, text, detail = informed[-1]
    assert title == "Signature checked"
    assert text.startswith("Intact, but the signer is not confirmed: signed by Robin Testcase")
    assert "Signed content: unchanged" in detail and "self-signed" in detail
    assert shown_messages == []

    if shutil.which("pdfsig") is None:
        pytest.skip("poppler-utils (pdfsig) is not installed: checked by verify_pdf only")
    out_text = pdfsig(written)
    assert "Signature is Valid" in out_text, out_text


def test_finalise_without_signatures_names_who_has_not_signed_and_stays_a_draft(
    qtbot: QtBot, make_window: WindowFactory, shown_messages: Messages
) -> None:
    unsigned = {k: v for k, v in ANSWERS.items() if k not in SIGNATURES}
    window, editor = open_record(qtbot, make_window, unsigned)

    qtbot.mouseClick(editor.complete_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)

    [(title, text, detail)] = shown_messages
    assert title == NOT_READY_TITLE
    assert text.startswith("Not signed by: the carer, the assessor.")
    # The signatures are said once, by who; not counted again as unanswered questions.
    assert "question" not in detail and "still a draft" in detail
    assert stored(qtbot, window, editor.assessment_id).status is RecordStatus.DRAFT
    assert kept(qtbot, window, editor.assessment_id) == []
    assert editor.editable and editor.complete_button.isEnabled() and editor.documents is None
    # The user is taken to the first signature still needed.
    assert editor.current_path == "carer_signature"


def test_a_record_completed_but_not_signed_opens_read_only_and_can_be_signed_again(
    qtbot: QtBot,
    make_window: WindowFactory,
    shown_messages: Messages,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window, editor = open_record(qtbot, make_window, ANSWERS)

    def completes_then_signing_fails(session: Any, assessment_id: str) -> Any:
        complete_record(session, assessment_id)
        raise StorageWriteError("The signed PDF could not be stored.", "Try again.")

    monkeypatch.setattr(record_editor, "finalise_record", completes_then_signing_fails)
    qtbot.mouseClick(editor.complete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.documents is not None, timeout=10_000)
    wait_for_worker(qtbot, window)

    assert [text for _, text, _ in shown_messages] == ["The signed PDF could not be stored."]
    panel = editor.documents
    assert panel is not None and not editor.editable and editor.amend_button.isVisible()
    assert rows(panel) == [] and panel.empty.isVisible() and panel.sign_button.isVisible()
    assert not panel.export_button.isEnabled()

    with qtbot.waitSignal(panel.documents_shown, timeout=20_000):
        qtbot.mouseClick(panel.sign_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    [doc] = kept(qtbot, window, editor.assessment_id)
    assert doc.revision == stored(qtbot, window, editor.assessment_id).revision
    assert [r[0] for r in rows(panel)] == ["Signed record"]
    assert not panel.sign_button.isVisible() and panel.export_button.isEnabled()
    assert len(shown_messages) == 1


def test_amend_keeps_the_signed_pdf_and_finalising_again_keeps_a_second(
    qtbot: QtBot,
    make_window: WindowFactory,
    shown_messages: Messages,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window, editor = open_record(qtbot, make_window, ANSWERS)
    finalise(qtbot, window, editor)
    [first] = kept(qtbot, window, editor.assessment_id)
    first_bytes = kept_bytes(qtbot, window, first.id)

    # Cancelling the question changes nothing.
    questions: list[str] = []

    def answer(yes: bool) -> Any:
        def confirm(_p: object, _title: str, question: str, *, yes_text: str = "Yes") -> bool:
            questions.append(f"{question} [{yes_text}]")
            return yes

        return confirm

    monkeypatch.setattr(dialogs, "confirm", answer(False))
    qtbot.mouseClick(editor.amend_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)
    assert questions == [f"{AMEND_QUESTION} [Amend]"] and not editor.editable
    assert stored(qtbot, window, editor.assessment_id).status is RecordStatus.COMPLETED

    monkeypatch.setattr(dialogs, "confirm", answer(True))
    with qtbot.waitSignal(editor.amended, timeout=10_000):
        qtbot.mouseClick(editor.amend_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.defn is not None)
    wait_for_worker(qtbot, window)
    assert editor.editable and editor.documents is None
    assert editor.complete_button.isVisible() and not editor.amend_button.isVisible()
    assert stored(qtbot, window, editor.assessment_id).status is RecordStatus.AMENDED
    assert editor.editor_for("carer_signature").isEnabled()
    # Signatures belong to what was signed: the amendment starts unsigned and is signed again.
    signature_ids = [f for f in ANSWERS if f.endswith("_signature")]
    assert signature_ids and all(editor.editor_for(f).value() is None for f in signature_ids)
    for field_id in signature_ids:
        widget = editor.editor_for(field_id)
        widget.set_value(ANSWERS[field_id])
        widget.value_edited.emit(field_id, ANSWERS[field_id])

    panel = finalise(qtbot, window, editor)

    assert shown_messages == []
    second, again = kept(qtbot, window, editor.assessment_id)  # newest first
    assert again == first
    assert second.revision > first.revision and second.sha256 != first.sha256
    assert [r[2] for r in rows(panel)] == [str(second.revision), str(first.revision)]
    unchanged = kept_bytes(qtbot, window, first.id)
    assert unchanged == first_bytes and hashlib.sha256(unchanged).hexdigest() == first.sha256


def test_print_draft_writes_an_unsigned_pdf_marked_draft_with_the_last_edit(
    qtbot: QtBot,
    make_window: WindowFactory,
    shown_messages: Messages,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    answers = {k: v for k, v in ANSWERS.items() if k not in SIGNATURES}
    window, editor = open_record(qtbot, make_window, answers)
    target = tmp_path / "draft.pdf"
    asked: list[str] = []

    def save_file(_p: object, _title: str, suggested: str, _filter: str) -> Path:
        asked.append(suggested)
        return target

    monkeypatch.setattr(dialogs, "save_file", save_file)
    informed = captured(monkeypatch, "inform")
    # An edit typed just before printing is in the draft (the checkpoint is queued first).
    edited = "Helps with washing and meals; Zebra-crossing note 4471."
    field = editor.editor_for("care_details")
    field.set_value(edited)
    field.value_edited.emit("care_details", edited)

    qtbot.mouseClick(editor.print_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)

    assert shown_messages == []
    assert len(asked) == 1 and asked[0].endswith("_DRAFT.pdf")
    [(title, text, _detail)] = informed
    assert title == "Draft saved" and "draft.pdf" in text
    data = target.read_bytes()
    assert data.startswith(b"%PDF-")
    with pytest.raises(UnsignedPdfError):
        verify_pdf(data)
    assert stored(qtbot, window, editor.assessment_id).status is RecordStatus.DRAFT
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    text_of_pdf = pdftotext(target)
    assert "DRAFT" in text_of_pdf
    assert "Zebra-crossing note 4471" in text_of_pdf


# -- letters ----------------------------------------------------------------------------------


def test_make_a_letter_signs_and_keeps_it_in_the_persons_preferred_format(
    qtbot: QtBot,
    make_window: WindowFactory,
    shown_messages: Messages,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window, editor = open_record(qtbot, make_window, ANSWERS)
    assert window.vault is not None
    write_demo_branding(window.vault.folder.parent.parent)  # the authority's branding.yaml
    panel = finalise(qtbot, window, editor)
    assert panel.letter_button.isVisible()
    offered: list[list[str]] = []

    started_on: list[str] = []

    def pick(_p: object, _t: str, _text: str, items: list[str], *, current: int = 0) -> int:
        # First the letter (the list holds only letters: the dialog has its own Cancel),
        # then the edition, starting on the one the person asked for.
        if not offered:
            offered.append(items)
            return 0
        started_on.append(items[current])
        return current

    monkeypatch.setattr(dialogs, "pick", pick)
    with qtbot.waitSignal(panel.documents_shown, timeout=20_000):
        qtbot.mouseClick(panel.letter_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)

    assert shown_messages == []
    assert offered and offered[0][0] == "Your assessment: our decision"
    assert "Cancel" not in offered[0]
    assert started_on == [Variant.LARGE_PRINT.label]  # the carer asked for large print
    letter, record_pdf = kept(qtbot, window, editor.assessment_id)
    assert (letter.kind, letter.variant) == ("letter:eligibility_record", "large_print")
    assert record_pdf.kind == "record"
    assert rows(panel)[0][:2] == ["Letter: Your assessment: our decision", "Large print"]
    assert verify_pdf(kept_bytes(qtbot, window, letter.id)).ok
    screenshot(window, "editor_with_a_letter.png")


# -- the Check a signed PDF window -----------------------------------------------------------


def signed_pdf(qtbot: QtBot, window: MainWindow) -> bytes:
    """A record finalised through the core (no editor), as its kept signed PDF."""
    record = new_record(qtbot, window, ANSWERS)
    assert window.vault is not None
    session = session_for(window.vault, window.ctx.registry, today=TODAY)
    done = on_worker(qtbot, window, finalise_record, session, record.id)
    return kept_bytes(qtbot, window, done.document.id)


def open_check_window(qtbot: QtBot, window: MainWindow) -> CheckPdfWindow:
    window.check_pdf_action.trigger()
    check = window.check_window
    assert check is not None
    qtbot.waitExposed(check)
    return check


def check_file(
    qtbot: QtBot, check: CheckPdfWindow, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dialogs, "open_file", lambda *_a: path)
    with qtbot.waitSignal(check.checked, timeout=20_000):
        qtbot.mouseClick(check.choose_button, Qt.MouseButton.LeftButton)


def test_check_window_says_good_broken_or_not_a_pdf_plainly(
    qtbot: QtBot,
    make_window: WindowFactory,
    shown_messages: Messages,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    window = make_window(today=lambda: TODAY)
    create_profile(qtbot, window)
    good = tmp_path / "record.pdf"
    good.write_bytes(signed_pdf(qtbot, window))
    check = open_check_window(qtbot, window)
    assert check.isWindow() and check.windowTitle() == "Check a signed PDF"
    assert not check.verdict_box.isVisible()

    check_file(qtbot, check, good, monkeypatch)
    assert check.verdict is not None and check.verdict.state == UNCONFIRMED
    assert check.heading.text() == "Intact, but who signed it is not confirmed"
    assert "self-signed" in check.meaning.text()
    details = check.details.toPlainText()
    assert details.startswith("Intact, but the signer is not confirmed")
    for words in (
        "Signed by: Robin Testcase",
        "claimed by the signer's device",
        "Signed content: unchanged",
        "Changes after signing: none",
        "self-signed: not issued by an authority you trust",
    ):
        assert words in details, words
    assert check.verdict_box.isVisible() and check.details.isVisible()
    screenshot(check, "check_window_good.png")

    broken = tmp_path / "record-changed.pdf"
    broken.write_bytes(flip_a_signed_byte(good.read_bytes()))
    check_file(qtbot, check, broken, monkeypatch)
    assert check.verdict is not None and check.verdict.state == BROKEN
    assert check.heading.text().startswith("Broken")
    assert check.advice.text() == "Do not rely on this copy; ask the sender for the original."
    assert "Signed content: CHANGED since signing" in check.details.toPlainText()
    screenshot(check, "check_window_broken.png")

    notes = tmp_path / "notes.txt"
    notes.write_text("Not a PDF: visit notes (synthetic).", encoding="utf-8")
    check_file(qtbot, check, notes, monkeypatch)
    assert check.verdict is not None and check.verdict.state == UNCHECKED
    assert check.heading.text() == "Cannot check this file"
    assert check.meaning.text() == "This file is not a PDF."
    assert check.advice.text().startswith("Check you chose the signed PDF itself")
    assert not check.details.isVisible()
    screenshot(check, "check_window_not_a_pdf.png")
    assert shown_messages == []  # said in the window, not in a message box

    # It holds names: locking the app closes it.
    window.lock()
    assert window.check_window is None and not check.isVisible()


def test_check_window_explains_an_unsigned_pdf(
    qtbot: QtBot,
    make_window: WindowFactory,
    shown_messages: Messages,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    window, editor = open_record(qtbot, make_window, ANSWERS)
    draft = tmp_path / "draft.pdf"
    monkeypatch.setattr(dialogs, "save_file", lambda *_a: draft)
    captured(monkeypatch, "inform")
    qtbot.mouseClick(editor.print_button, Qt.MouseButton.LeftButton)
    wait_for_worker(qtbot, window)

    check = open_check_window(qtbot, window)
    check_file(qtbot, check, draft, monkeypatch)
    assert check.verdict is not None and check.verdict.state == UNCHECKED
    assert check.meaning.text() == "This PDF has no digital signature."
    assert "Ask the sender for the signed copy" in check.advice.text()
    assert shown_messages == []


def test_check_window_is_reached_and_closed_from_the_keyboard(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    create_profile(qtbot, window)
    [tools] = [a for a in window.menuBar().actions() if a.text() == "&Tools"]
    menu = tools.menu()
    assert menu is not None and window.check_pdf_action in menu.actions()
    assert window.check_pdf_action.text() == "&Check a signed PDF…"
    check = open_check_window(qtbot, window)
    check.activateWindow()
    qtbot.waitUntil(check.isActiveWindow)
    assert check.choose_button.text() == "&Choose a PDF…"
    for widget in (check.choose_button, check.close_button):
        assert widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.accessibleName()
    qtbot.keyClick(check, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not check.isVisible())
    # Opened again, it is the same window, shown again.
    window.check_pdf_action.trigger()
    assert window.check_window is check and check.isVisible()
