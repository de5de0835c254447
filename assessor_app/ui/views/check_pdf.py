"""The "Check a signed PDF" window: choose any PDF and see, in plain words, whether it is
intact since it was signed, who signed it, and whether you trust their certificate.

A window of its own, not a modal dialog, so it can stay open beside the record. Reading the
file and checking it run on the one worker (`verify_pdf` is offline); the authorities trusted
are the unlocked profile's (`trusted_roots`). A file that is not a PDF, is damaged or is
unsigned shows the core's message and next step here, in the window. Imports no other view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut, QTextOption
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assessor_app.core.errors import AssessorError, ValidationError
from assessor_app.core.pdf.verify import VerificationReport, verify_pdf
from assessor_app.core.storage.documents import trusted_roots
from assessor_app.core.storage.vault import Vault

from assessor_app.ui import dialogs, error_display
from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.widgets.labels import heading_label, help_label

PDF_FILES = "PDF files (*.pdf);;All files (*)"

GOOD, UNCONFIRMED, BROKEN, UNCHECKED = "good", "unconfirmed", "broken", "unchecked"

# Border and heading colours, each above 7:1 on the default light background; the heading's
# words carry the verdict too, so nothing depends on seeing the colour.
_COLOURS = {GOOD: "#0b5a1f", UNCONFIRMED: "#6b4400", BROKEN: "#a00000", UNCHECKED: "#5a3a00"}


@dataclass(frozen=True)
class Verdict:
    """What the window says about one file, before the details."""

    state: str
    """GOOD, UNCONFIRMED (intact, signer not vouched for), BROKEN or UNCHECKED."""
    heading: str
    """A few words, shown large."""
    meaning: str
    """What that means, in a sentence or two."""
    advice: str
    """What to do now."""


def verdict_for(report: VerificationReport) -> Verdict:
    """The verdict on a checked PDF (pure: tested without widgets)."""
    if not report.ok:
        return Verdict(
            BROKEN,
            "Broken: this copy was changed after it was signed",
            "Something in the file is not what was signed, or a signature is damaged, so it "
            "may not say what the signer signed.",
            "Do not rely on this copy; ask the sender for the original.",
        )
    signers = ", ".join(dict.fromkeys(s.signer for s in report.signatures if not s.is_timestamp))
    if report.trusted:
        confirming = ", ".join(report.confirmed_by)
        return Verdict(
            GOOD,
            "Good: intact, unchanged since it was signed",
            f"Signed by {signers}. "
            + (
                f"{confirming}, which you trust, confirms the certificate is theirs, so you "
                "can rely on who signed it."
                if confirming
                else "Their certificate is one you trust, so you can rely on who signed it."
            ),
            "You can rely on this copy.",
        )
    if report.self_signed:
        return Verdict(
            UNCONFIRMED,
            "Intact, but who signed it is not confirmed",
            f"Signed by {signers} with a self-signed certificate: one their own laptop made, "
            "as Assessor does before a laptop is enrolled with the council, so no authority "
            "vouches for who signed it. The content is exactly as it was signed.",
            "If it matters who signed it, confirm with them (or your IT team) that the "
            "certificate fingerprint below is theirs.",
        )
    return Verdict(
        UNCONFIRMED,
        "Intact, but who signed it is not confirmed",
        f"Signed by {signers}, but nobody you trust vouches for that: the certificate is from "
        "an authority you have not chosen to trust. The content is exactly as it was signed.",
        "If it matters who signed it, confirm with them (or your IT team) that the "
        "certificate fingerprint below is theirs.",
    )


def verdict_for_error(error: AssessorError) -> Verdict:
    """The verdict on a file that could not be checked at all."""
    return Verdict(UNCHECKED, "Cannot check this file", error.user_message, error.next_step)


def read_and_verify(path: Path, vault: Vault | None) -> VerificationReport:
    """Read a file and check its signatures against the unlocked profile's trusted roots.

    Runs on the worker. Raises the core's `NotAPdfError`/`UnsignedPdfError`, or a
    `ValidationError` when the file cannot be read.
    """
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ValidationError(
            f"{path.name} could not be read.",
            "Check it is still there (a memory stick may have been removed), then try again.",
        ) from e
    roots = trusted_roots(vault) if vault is not None and vault.is_open else []
    return verify_pdf(data, roots)


class CheckPdfWindow(QWidget):
    """Emits `checked(Verdict)` once a file's verdict is on screen (tests wait on it)."""

    checked = Signal(object)

    def __init__(
        self,
        ops: BackgroundOps,
        vault_of: Callable[[], Vault | None],
        parent: QWidget | None = None,
    ) -> None:
        # A window of its own even with a parent: it closes with the main window.
        super().__init__(parent, Qt.WindowType.Window)
        self._ops = ops
        self._vault_of = vault_of
        self.verdict: Verdict | None = None
        self.report: VerificationReport | None = None
        self.setWindowTitle("Check a signed PDF")
        self.setAccessibleName("Check a signed PDF")
        intro = help_label(
            "Choose a PDF to see whether it is exactly as it was signed, and who signed it. "
            "Nothing is sent anywhere: the check is made on this computer."
        )
        self.choose_button = QPushButton("&Choose a PDF…")
        self.choose_button.setAccessibleName("Choose a PDF to check")
        self.close_button = QPushButton("C&lose")
        self.close_button.setAccessibleName("Close this window")
        self.file_label = QLabel("No file chosen yet.")
        self.file_label.setWordWrap(True)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.file_label.setAccessibleName("File checked")
        self.trust_note = help_label()
        # The verdict: a framed box with a large heading, then what it means and what to do.
        self.verdict_box = QFrame()
        self.verdict_box.setFrameShape(QFrame.Shape.Box)
        self.verdict_box.setAccessibleName("Verdict")
        self.heading = heading_label("", scale=1.5)
        self.meaning = QLabel()
        self.advice = QLabel()
        for label in (self.meaning, self.advice):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bold = QFont(self.advice.font())
        bold.setBold(True)
        self.advice.setFont(bold)
        self.meaning.setAccessibleName("What it means")
        self.advice.setAccessibleName("What to do")
        box = QVBoxLayout(self.verdict_box)
        box.addWidget(self.heading)
        box.addWidget(self.meaning)
        box.addWidget(self.advice)
        self.details_label = QLabel("&Details of each signature:")
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Details of each signature")
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        # The certificate's fingerprint is one long word: wrap it rather than scroll sideways.
        self.details.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.details.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Read-only text is still reachable with Tab, so a screen reader can read each line.
        self.details.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByKeyboard
            | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.details.setTabChangesFocus(True)
        self.details_label.setBuddy(self.details)
        buttons = QHBoxLayout()
        buttons.addWidget(self.choose_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        column = QVBoxLayout(self)
        column.addWidget(heading_label("Check a signed PDF"))
        column.addWidget(intro)
        column.addLayout(buttons)
        column.addWidget(self.file_label)
        column.addWidget(self.trust_note)
        column.addWidget(self.verdict_box)
        column.addWidget(self.details_label)
        column.addWidget(self.details, 1)
        for widget in (self.verdict_box, self.details_label, self.details):
            widget.setVisible(False)
        self.choose_button.clicked.connect(self.choose)
        self.close_button.clicked.connect(self.close)
        escape = QShortcut(QKeySequence.StandardKey.Cancel, self)
        escape.activated.connect(self.close)
        # Sized in characters and lines, so it follows the system font.
        char = self.fontMetrics().averageCharWidth()
        line = self.fontMetrics().lineSpacing()
        self.setMinimumWidth(char * 60)
        self.resize(char * 96, line * 34)
        self.choose_button.setDefault(True)
        self.choose_button.setFocus()

    def _disposed(self) -> bool:
        return bool(getattr(self, "disposed", False))

    def choose(self) -> None:
        """Ask for a PDF, then check it."""
        path = dialogs.open_file(self, "Choose a PDF to check", PDF_FILES)
        if path is not None and not self._disposed():
            self.check(path)

    def check(self, path: Path) -> None:
        """Check the file at `path` on the worker and show the verdict."""
        self.file_label.setText(f"Checking {path.name}…")
        self.choose_button.setEnabled(False)
        vault = self._vault_of()
        self._ops.run(
            read_and_verify,
            path,
            vault,
            owner=self,
            on_success=lambda report: self._show_report(path, report, vault is not None),
            on_failure=lambda error: self._show_error(path, error),
        )

    def _show_report(self, path: Path, report: VerificationReport, unlocked: bool) -> None:
        self.report = report
        verdict, *details = report.lines()
        self._show(path, verdict_for(report), "\n".join([verdict, "", *details]))
        self.trust_note.setText(
            ""
            if unlocked
            else "Checked without your profile's trusted authorities: unlock to check against them."
        )
        self.trust_note.setVisible(not unlocked)

    def _show_error(self, path: Path, error: BaseException) -> None:
        self.choose_button.setEnabled(True)
        if not isinstance(error, AssessorError):
            self.file_label.setText(f"{path.name} could not be checked.")
            error_display.show_error(self, error)
            return
        self.report = None
        self.trust_note.setVisible(False)
        self._show(path, verdict_for_error(error), "")

    def _show(self, path: Path, verdict: Verdict, details: str) -> None:
        self.verdict = verdict
        self.choose_button.setEnabled(True)
        self.file_label.setText(f"File: {path}")
        colour = _COLOURS[verdict.state]
        self.verdict_box.setStyleSheet(
            f"QFrame {{ border: 3px solid {colour}; border-radius: 4px; }}"
            " QLabel { border: none; }"
        )
        self.heading.setStyleSheet(f"color: {colour};")
        self.heading.setText(verdict.heading)
        self.heading.setAccessibleName(verdict.heading)
        self.meaning.setText(verdict.meaning)
        self.advice.setText(verdict.advice)
        self.verdict_box.setAccessibleDescription(
            f"{verdict.heading}. {verdict.meaning} {verdict.advice}"
        )
        self.verdict_box.setVisible(True)
        self.details.setPlainText(details)
        self.details_label.setVisible(bool(details))
        self.details.setVisible(bool(details))
        self.checked.emit(verdict)
