"""The signed PDFs kept for a finalised record: list them, export one, check its signature,
and make a signed letter from the record.

Shown by the record editor under the title of a read-only record. Every vault and PDF call
runs on the one worker through `BackgroundOps`; what a call returns (a new document) is shown
without asking the vault again. Imports no other view module.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from assessor_app.core.pdf.document import Variant
from assessor_app.core.pdf.letters import (
    LETTER_KINDS,
    LetterKind,
    letters_for,
    variant_for,
)
from assessor_app.core.pdf.plan_renditions import renditions_for
from assessor_app.core.pdf.verify import VerificationReport
from assessor_app.core.services.documents import (
    LETTER_PREFIX,
    RECORD_KIND,
    check_kept,
    export_kept,
    make_letter,
    sign_finalised,
)
from assessor_app.core.services.records import OpenRecord, evaluate_record
from assessor_app.core.services.session import Session
from assessor_app.core.storage.documents import (
    StoredDocument,
)

from assessor_app.ui import dialogs, error_display
from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.widgets.labels import heading_label, help_label

PDF_FILES = "PDF files (*.pdf);;All files (*)"
VISIBLE_ROWS = 5
"""Rows the list shows before it scrolls; the form's questions stay in view below it."""

# -- words -----------------------------------------------------------------------------------


def document_label(doc: StoredDocument) -> str:
    """'Signed record', or 'Letter: ' and the letter's title."""
    if doc.kind == RECORD_KIND:
        return "Signed record"
    kind_id = doc.kind.removeprefix(LETTER_PREFIX)
    title = next((k.title for k in LETTER_KINDS if k.id == kind_id), kind_id.replace("_", " "))
    return f"Letter: {title}"


def variant_label(value: str) -> str:
    try:
        return Variant(value).label
    except ValueError:
        return value


def local_time(when: dt.datetime) -> str:
    return f"{when.astimezone():%d/%m/%Y %H:%M}"


class DocumentsPanel(QWidget):
    """Emits `documents_shown(list[StoredDocument])` whenever the list changes (tests wait on
    it)."""

    documents_shown = Signal(list)

    def __init__(
        self,
        ops: BackgroundOps,
        session: Session,
        opened: OpenRecord,
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ops = ops
        self._session = session
        self._opened = opened
        self.documents: list[StoredDocument] = []
        evaluation = evaluate_record(session, opened.record)
        self.letters: list[LetterKind] = list(
            letters_for(opened.form, evaluation, opened.record.answers)
        )
        self.setAccessibleName("Signed PDFs kept for this record")
        self.heading = heading_label("Signed PDFs kept for this record", scale=1.1)
        self.note = help_label(
            "Each is kept exactly as it was signed. Amending the record never changes them: "
            "finalising the amendment keeps a new one beside them."
        )
        self.list = QTreeWidget()
        self.list.setAccessibleName("Signed PDFs")
        self.list.setHeaderLabels(["Document", "Version", "Revision", "Signed on", "Signed by"])
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setAllColumnsShowFocus(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.empty = QLabel("No signed PDF is kept for this record yet.")
        self.empty.setWordWrap(True)
        self.export_button = QPushButton("&Export…")
        self.export_button.setAccessibleName("Export the chosen PDF")
        self.export_button.setToolTip("Save a copy of the chosen PDF, exactly as it was signed")
        self.check_button = QPushButton("C&heck signature")
        self.check_button.setAccessibleName("Check the chosen PDF's signature")
        self.check_button.setToolTip(
            "Check that the chosen PDF is unchanged since it was signed, and who signed it"
        )
        self.letter_button = QPushButton("&Make a letter…")
        self.letter_button.setAccessibleName("Make a signed letter from this record")
        self.letter_button.setToolTip(
            "Choose a letter this record's outcome calls for, and the version the person "
            "reads best; it is signed and kept here"
        )
        self.sign_button = QPushButton("&Sign now")
        self.sign_button.setAccessibleName("Sign this revision now")
        self.sign_button.setToolTip(
            "Make and keep the signed PDF of this revision, which is missing"
        )
        buttons = QHBoxLayout()
        for button in (self.export_button, self.check_button, self.letter_button, self.sign_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.heading)
        column.addWidget(self.note)
        column.addWidget(self.list)
        column.addWidget(self.empty)
        column.addLayout(buttons)
        # Shown or hidden only once they have a parent: a parentless widget shown is a window.
        self.empty.setVisible(False)
        self.sign_button.setVisible(False)
        self.letter_button.setVisible(bool(self.letters))
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self.export_button.clicked.connect(self.export_selected)
        self.check_button.clicked.connect(self.check_selected)
        self.letter_button.clicked.connect(self.make_letter)
        self.sign_button.clicked.connect(self.sign_now)
        self._selection_changed()
        self.refresh()

    def _disposed(self) -> bool:
        return bool(getattr(self, "disposed", False))

    # -- the list ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the kept documents again (on the worker) and show them."""
        self._ops.run(
            self._session.documents.list_for_assessment,
            self._opened.record.id,
            owner=self,
            on_success=self._show,
        )

    def _show(self, documents: list[StoredDocument]) -> None:
        self.documents = list(documents)
        self.list.clear()
        for doc in self.documents:
            item = QTreeWidgetItem(
                [
                    document_label(doc),
                    variant_label(doc.variant),
                    str(doc.revision),
                    local_time(doc.created_at),
                    doc.signer,
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, doc.id)
            self.list.addTopLevelItem(item)
        self._fit_list()
        self.list.setVisible(bool(self.documents))
        self.empty.setVisible(not self.documents)
        record = self._opened.record
        # Offered while the standard PDF, or an edition for the person (a plan's easy read
        # and large print), is missing for this revision: signing stopped part way.
        wanted = {v.value for v in (Variant.STANDARD, *renditions_for(self._opened.form.id))}
        kept = {
            d.variant
            for d in self.documents
            if d.kind == RECORD_KIND and d.revision == record.revision
        }
        self.sign_button.setVisible(not wanted <= kept)
        first = self.list.topLevelItem(0)
        if first is not None:
            self.list.setCurrentItem(first)
        self._selection_changed()
        self.documents_shown.emit(self.documents)

    def _fit_list(self) -> None:
        # Columns as wide as what they hold (at least their heading), and the list as tall as
        # its rows, up to VISIBLE_ROWS: then it scrolls, and the answers below stay in view.
        gap = self.fontMetrics().averageCharWidth() * 3
        for index in range(self.list.columnCount() - 1):
            self.list.resizeColumnToContents(index)
            self.list.setColumnWidth(index, self.list.columnWidth(index) + gap)
        shown = max(1, min(len(self.documents), VISIBLE_ROWS))
        row = self.list.sizeHintForRow(0) if self.documents else self.fontMetrics().lineSpacing()
        header = self.list.header().sizeHint().height()
        self.list.setFixedHeight(header + row * shown + 2 * self.list.frameWidth() + 2)

    def _added(self, doc: StoredDocument) -> None:
        # The worker returned the new document: show it first, without reading the list again.
        self._show([doc, *(d for d in self.documents if d.id != doc.id)])
        self.list.setFocus(Qt.FocusReason.OtherFocusReason)

    def selected(self) -> StoredDocument | None:
        """The document chosen in the list, if any."""
        item = self.list.currentItem()
        if item is None or not item.isSelected():
            return None
        doc_id = item.data(0, Qt.ItemDataRole.UserRole)
        return next((d for d in self.documents if d.id == doc_id), None)

    def _selection_changed(self) -> None:
        chosen = self.selected() is not None
        self.export_button.setEnabled(chosen)
        self.check_button.setEnabled(chosen)

    # -- actions -------------------------------------------------------------------------------

    def export_selected(self) -> None:
        """Ask where, then write the chosen PDF there exactly as signed."""
        doc = self.selected()
        if doc is None:
            return
        target = dialogs.save_file(self, "Export a signed PDF", doc.filename, PDF_FILES)
        if target is None or self._disposed():
            return
        self._ops.run(
            export_kept,
            self._session,
            doc.id,
            target,
            owner=self,
            on_success=lambda written: self._exported(target, written),
            on_failure=lambda e: error_display.show_error(self, e),
        )

    def _exported(self, asked: Path, written: Path) -> None:
        detail = "It is exactly the signed copy kept here; anyone can check its signature."
        if written.name != asked.name:
            detail = (
                f"A file called {asked.name} was already there, so this one is called "
                f"{written.name}. " + detail
            )
        dialogs.inform(
            self, "PDF exported", f"Saved as {written.name} in {written.parent}.", detail
        )

    def check_selected(self) -> None:
        """Check the chosen PDF's signature and show what was found."""
        doc = self.selected()
        if doc is None:
            return
        self._ops.run(
            check_kept,
            self._session,
            doc.id,
            owner=self,
            on_success=self._checked,
            on_failure=lambda e: error_display.show_error(self, e),
        )

    def _checked(self, report: VerificationReport) -> None:
        verdict, *details = report.lines()
        if report.ok:
            dialogs.inform(self, "Signature checked", verdict, "\n".join(details))
        else:
            dialogs.show_message(self, "Signature broken", verdict, "\n".join(details))

    def make_letter(self) -> None:
        """Choose a letter and its version, then sign and keep it."""
        if not self.letters:
            return
        # The dialog has its own Cancel button: no "Cancel" entry in the list as well.
        index = dialogs.pick(
            self, "Make a letter", "Which letter?", [k.title for k in self.letters]
        )
        if index is None or self._disposed():
            return
        kind = self.letters[index]
        variants = list(Variant)
        preferred = self._opened.record.answers.get("preferred_format")
        preferred = (
            preferred
            if isinstance(preferred, str) and preferred
            else (self._opened.person.details.preferred_format)
        )
        default = variant_for(preferred)
        chosen = dialogs.pick(
            self,
            "Make a letter",
            f"Which version of '{kind.title}'? The person's preferred format is chosen.",
            [v.label for v in variants],
            current=variants.index(default),
        )
        if chosen is None or self._disposed():
            return
        self._ops.run(
            make_letter,
            self._session,
            self._opened.record.id,
            kind.id,
            variants[chosen],
            owner=self,
            on_success=self._added,
            on_failure=lambda e: error_display.show_error(self, e),
        )

    def sign_now(self) -> None:
        """Make the missing signed PDF of the current revision (if finalising stopped short)."""
        self.sign_button.setEnabled(False)

        def failed(error: BaseException) -> None:
            self.sign_button.setEnabled(True)
            error_display.show_error(self, error)

        self._ops.run(
            sign_finalised,
            self._session,
            self._opened.record.id,
            owner=self,
            on_success=self._signed,
            on_failure=failed,
        )

    def _signed(self, doc: StoredDocument) -> None:
        self.sign_button.setEnabled(True)
        if renditions_for(self._opened.form.id):
            self.refresh()  # the editions for the person were made beside it: list them all
        else:
            self._added(doc)
