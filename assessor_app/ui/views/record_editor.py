"""Record editor: renders any form definition generically and autosaves as the user types.

Left: sections with completion marks. Centre: the current section's fields, built through the
field registry. Right: computed outcomes with reasons. Visibility, inline problems, section
marks and outcomes are recomputed by the core's pure functions after every edit.

"Finalise and sign" checkpoints, checks every answer and signature with the core's
`evaluate`, and only then runs the core's `finalise_record` (which checks again, completes the
record, and signs and keeps its PDF); the record is then reopened through `open_for_editing`,
which shows a finalised record read-only with its signed PDFs (`DocumentsPanel`) and an
"Amend" button. A draft can be printed, unsigned and marked DRAFT.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from assessor_app.core.chc.exchange import (
    SUFFIX,
    PassphraseNeededError,
    UnconfirmedMemberKeyError,
)
from assessor_app.core.errors import ValidationError
from assessor_app.core.form_engine.answers import (
    SectionStatus,
    is_answered,
    is_visible,
    set_answer,
)
from assessor_app.core.form_engine.comparison import Change
from assessor_app.core.form_engine.evaluation import Review, evaluate, review
from assessor_app.core.form_engine.model import DISPLAY_ONLY, FieldDef, FormDefinition
from assessor_app.core.records import Assessment, AssessmentId, RecordStatus
from assessor_app.core.services.contributions import (
    ImportResult,
    check_exchange_passphrase,
    export_member_contribution,
    import_member_contribution,
)
from assessor_app.core.services.documents import (
    RECORD_KIND,
    Finalised,
    document_filename,
    finalise_record,
    write_record_pdf,
)
from assessor_app.core.services.records import OpenRecord, amend_record, open_for_editing
from assessor_app.core.services.reviews import (
    FOLLOWS_FIELDS,
    changes_since,
    next_record_offer,
    start_from_review,
)
from assessor_app.core.services.session import Session

from assessor_app.ui import dialogs, error_display
from assessor_app.ui.operations import BackgroundOps, dispose
from assessor_app.ui.views.changes_since import ChangesDialog
from assessor_app.ui.views.documents_panel import PDF_FILES, DocumentsPanel
from assessor_app.ui.views.record_autosave import RecordAutosave
from assessor_app.ui.views.record_completion import NOT_READY_TITLE, not_ready_message
from assessor_app.ui.widgets.field_base import FieldEditor
from assessor_app.ui.widgets.field_editors import OutcomeEditor
from assessor_app.ui.widgets.field_registry import build_field_editor
from assessor_app.ui.widgets.labels import heading_label, help_label
from assessor_app.ui.widgets.outcomes_panel import OutcomesPanel
from assessor_app.ui.widgets.repeating_group import RepeatingGroupEditor
from assessor_app.ui.widgets.section_list import SectionList

CONTRIBUTION_FILES = f"DST contribution files (*{SUFFIX});;All files (*)"
EXCHANGE_PROMPT = "The passphrase your MDT agreed for its files:"
AMEND_QUESTION = (
    "The signed PDF stays as it is; finalising the amendment makes a new revision and a new "
    "signed PDF. Everyone signs again: their signatures belong to what they saw."
)


# Dark green text on a pale green panel: contrast above 7:1 (WCAG AAA), as the problem red.
OUTCOME_NOTE_STYLE = (
    "QLabel { color: #0b4f1c; background: #e3f4e6; border: 1px solid #8cc79a; padding: 6px; }"
)


def finalising_progress(parent: QWidget) -> QProgressDialog:
    """A busy indicator over the editor while a record is checked, completed and signed.

    Window-modal, so nothing is typed into the record meanwhile, with no Cancel: the core
    either finalises the record whole or leaves it as it was.
    """
    progress = QProgressDialog(
        "Finalising: checking every answer, completing the record and signing its PDF…",
        "",
        0,
        0,
        parent,
    )
    progress.setWindowTitle("Finalise and sign")
    progress.setCancelButton(None)  # no Cancel: finalising cannot stop half way
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(0)
    progress.setAutoClose(False)
    progress.show()
    return progress


def top_field_id(path: str) -> str:
    """'income_sources[1].income_amount' → 'income_sources'."""
    return path.split("[", 1)[0].split(".", 1)[0]


class RecordEditorView(QWidget):
    """Emits `loaded()` once the record is on screen (tests and focus restoring wait on it),
    `completed(Assessment)` once it has been finalised (completed, and its PDF signed and kept),
    `amended(Assessment)` once a finalised record is open for amendment, and
    `record_started(assessment_id)` once a record that follows this one was started from it (a
    review's revised plan or reassessment), to open it."""

    loaded = Signal()
    completed = Signal(object)
    amended = Signal(object)
    record_started = Signal(str)

    def __init__(
        self,
        ops: BackgroundOps,
        session: Session,
        assessment_id: str,
        *,
        focus_path: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ops = ops
        self._session = session
        self._today = session.today
        self._records = session.records
        self.opened: OpenRecord | None = None
        self.documents: DocumentsPanel | None = None
        self.assessment_id = assessment_id
        self.autosave = RecordAutosave(ops, self._records, assessment_id, self)
        self.defn: FormDefinition | None = None
        self.answers: dict[str, Any] = {}
        # Each section's page is built the first time it is shown (opening a record builds
        # one page, not every question of the form): `editors` holds the built editors, and
        # `editor_for` builds the page a question is on.
        self.editors: dict[str, FieldEditor] = {}
        self._built: set[int] = set()
        self._top: dict[str, FieldDef] = {}
        self._lock_rule: Callable[[dict[str, Any]], str | None] | None = None
        self._all_touched = False  # finalise asked: every question, built later too, shows
        self._review: Review | None = None
        self._problems: dict[str, dict[str, str]] = {}  # top field id -> its problems
        self._pushed: dict[str, dict[str, str]] = {}  # what each built editor was given
        self._not_asked_notes: dict[str, tuple[QLabel, QPushButton]] = {}
        self._statuses: dict[str, SectionStatus] = {}
        self.current_path: str | None = focus_path
        self._initial_focus = focus_path
        self.title = heading_label("Loading…")
        # Whose record this is, always in view: the guard against typing into the wrong one.
        self.who = QLabel()
        self.who.setWordWrap(True)
        self.outcome_note = QLabel()
        self.outcome_note.setWordWrap(True)
        self.outcome_note.setAccessibleName("Finalised")
        self.outcome_note.setStyleSheet(OUTCOME_NOTE_STYLE)
        self.outcome_note.setVisible(False)
        self._outcome_note = ""
        self._progress: QProgressDialog | None = None
        self.who.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.complete_button = QPushButton("&Finalise and sign")
        self.complete_button.setAccessibleName("Finalise and sign")
        self.complete_button.setToolTip(
            "Check every answer and signature, then make the record read-only and keep a PDF "
            "of it signed with your certificate"
        )
        self.complete_button.setEnabled(False)  # until the record is on screen
        self.print_button = QPushButton("&Print draft…")
        self.print_button.setAccessibleName("Print a draft as a PDF")
        self.print_button.setToolTip(
            "Save the record as it is now as a PDF, unsigned and marked DRAFT on every page"
        )
        self.amend_button = QPushButton("&Amend")
        self.amend_button.setAccessibleName("Amend this record")
        self.amend_button.setToolTip(
            "Make the record editable again as a new revision; its signed PDFs stay as they are"
        )
        # Decision Support Tool only: MDT members swap their parts as files, offline.
        self.import_button = QPushButton("&Import a contribution…")
        self.import_button.setAccessibleName("Import a colleague's contribution file")
        self.export_button = QPushButton("E&xport a contribution…")
        self.export_button.setAccessibleName("Export a contribution as a file")
        for button in (self.import_button, self.export_button):
            button.setVisible(False)
        # A reassessment only: its answers beside the assessment it follows.
        self.changes_button = QPushButton("What &changed since…")
        self.changes_button.setAccessibleName("What changed since the previous assessment")
        self.changes_button.setToolTip(
            "Show the answers that differ from the assessment this one follows, side by side"
        )
        self.changes_button.setVisible(False)
        self.changes_dialog: ChangesDialog | None = None
        self.sections = SectionList()
        self.pages = QStackedWidget()
        self.outcomes = OutcomesPanel()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.sections)
        splitter.addWidget(self.pages)
        splitter.addWidget(self.outcomes)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 1)
        splitter.setChildrenCollapsible(False)
        # Sized in characters, not pixels, so the split follows the system font.
        char = self.fontMetrics().averageCharWidth()
        self.outcomes.setMinimumWidth(char * 28)
        self.sections.setMaximumWidth(char * 40)
        splitter.setSizes([char * 26, char * 74, char * 36])
        title_row = QHBoxLayout()
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignTop)
        title_row.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignTop)
        title_row.addWidget(self.changes_button, 0, Qt.AlignmentFlag.AlignTop)
        title_row.addWidget(self.print_button, 0, Qt.AlignmentFlag.AlignTop)
        title_row.addWidget(self.amend_button, 0, Qt.AlignmentFlag.AlignTop)
        title_row.addWidget(self.complete_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(title_row)
        layout.addWidget(self.who)
        layout.addWidget(self.outcome_note)
        # The signed PDFs of a finalised record go here, between whose it is and its answers.
        self._documents_slot = QVBoxLayout()
        layout.addLayout(self._documents_slot)
        layout.addWidget(splitter, 1)
        for button in (self.print_button, self.amend_button):
            button.setVisible(False)  # until the record is on screen
        self.sections.currentRowChanged.connect(self._section_changed)
        self.complete_button.clicked.connect(self.finalise)
        self.print_button.clicked.connect(self.print_draft)
        self.amend_button.clicked.connect(self.amend)
        self.import_button.clicked.connect(self.import_contribution)
        self.export_button.clicked.connect(self.export_contribution)
        self.changes_button.clicked.connect(self.show_changes)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._focus_changed)
        self.editable = True
        self._open()

    def _open(self) -> None:
        self._ops.run(
            open_for_editing,
            self._session,
            AssessmentId(self.assessment_id),
            owner=self,
            on_success=self._show_record,
        )

    # -- building ------------------------------------------------------------------------

    def _show_record(self, opened: OpenRecord) -> None:
        self.opened = opened
        self.defn = opened.form
        self.answers = dict(opened.record.answers)
        self.editable = opened.editable
        self.complete_button.setVisible(self.editable)
        self.complete_button.setEnabled(self.editable)
        self.print_button.setVisible(self.editable)
        self.print_button.setEnabled(self.editable)
        self.amend_button.setVisible(not self.editable)
        self.amend_button.setEnabled(not self.editable)
        exchange = self.editable and "contribution_exchange" in self.defn.extras
        self.import_button.setVisible(exchange)
        self.export_button.setVisible(exchange)
        self.changes_button.setVisible(any(f in self.answers for f in FOLLOWS_FIELDS))
        title = self.defn.title
        if not self.editable:
            state = (
                "finalised"
                if opened.record.status is RecordStatus.COMPLETED
                else opened.record.status.value
            )
            title += f" ({state}: read only)"
        self.title.setText(title)
        self.title.setAccessibleName(title)
        who = opened.who
        if opened.migrated_from is not None:
            who += (
                f"\nThis draft was moved from version {opened.migrated_from} to version "
                f"{opened.form.version} of the form; your answers were carried over."
            )
        self.who.setText(who)
        self.who.setAccessibleName(who)
        # Said once, in the view it led to: what finalising did and what can follow.
        self.outcome_note.setText(self._outcome_note)
        self.outcome_note.setVisible(bool(self._outcome_note) and not self.editable)
        self._outcome_note = ""
        if not self.editable:
            self.documents = DocumentsPanel(self._ops, self._session, opened, parent=self)
            self._documents_slot.addWidget(self.documents)
        self._top = {f.id: f for f in self.defn.top_fields()}
        self._lock_rule = None
        if exchange:
            own = self._records.vault.profile.name.strip().casefold()

            def colleagues(item: dict[str, Any]) -> str | None:
                author = str(item.get("contributor_name") or "").strip()
                if not author or not item.get("contribution_id") or author.casefold() == own:
                    return None
                return f"from {author}; only its author can change it (import their new file)"

            self._lock_rule = colleagues
        for section in self.defn.sections:
            # An empty scroll area per section; its questions go in when it is first shown.
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            # Questions wrap to the width: a page never scrolls sideways.
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            scroll.setAccessibleName(section.title)
            self.pages.addWidget(scroll)
        self._refresh()
        start = self._initial_focus
        row = self._section_index(start) if start else 0
        self._ensure_page(row)
        self.pages.setCurrentIndex(row)
        self.sections.setCurrentRow(row)
        if start:
            self.focus_field(start)
        self.loaded.emit()

    def editor_for(self, field_id: str) -> FieldEditor:
        """The editor of top-level question `field_id`, building its section's page if it
        has not been shown yet.

        Raises:
            KeyError: The form has no such top-level question.
        """
        if field_id not in self.editors and field_id in self._top:
            self._ensure_page(self._section_index(field_id))
        return self.editors[field_id]

    def _ensure_page(self, index: int) -> None:
        """Build section `index`'s page if it is not built yet, showing the answers, problems
        and outcomes as they are now."""
        if index in self._built or self.defn is None or not 0 <= index < len(self.defn.sections):
            return
        scroll = self.pages.widget(index)
        assert isinstance(scroll, QScrollArea)
        self._built.add(index)
        built = self._build_page(index)
        scroll.setWidget(built[0])
        if scroll.isVisible():
            built[0].show()  # a scroll area on screen does not show a widget added to it
        self._apply(built[1], self.defn.sections[index].id)

    def _build_page(self, index: int) -> tuple[QWidget, list[FieldEditor]]:
        assert self.defn is not None
        section = self.defn.sections[index]
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(heading_label(section.title, scale=1.2))
        if section.help:
            column.addWidget(help_label(section.help))
        # Shown instead of an empty page while none of the section's questions is asked yet.
        why = help_label("")
        why.setAccessibleName("Why this section has no questions yet")
        go = QPushButton()
        go.clicked.connect(lambda: self._go_to_deciding_section(section.id))
        why.setVisible(False)
        go.setVisible(False)
        column.addWidget(why)
        column.addWidget(go, 0, Qt.AlignmentFlag.AlignLeft)
        self._not_asked_notes[section.id] = (why, go)
        spacing = self.fontMetrics().lineSpacing()
        editors = []
        for field in section.fields:
            editor = build_field_editor(field, field.id)
            if isinstance(editor, RepeatingGroupEditor):
                # Locked and read-only before the items go in, so they are built once.
                if not self.editable:
                    editor.set_read_only()
                if field.id == "contributions" and self._lock_rule is not None:
                    editor.set_locked(self._lock_rule)
                editor.set_value(self.answers.get(field.id))
            else:
                editor.set_value(self.answers.get(field.id))
                if not self.editable:
                    editor.set_read_only()
            editor.touched = self._all_touched
            editor.value_edited.connect(self._edited)
            self.editors[field.id] = editor
            editors.append(editor)
            column.addWidget(editor)
            column.addSpacing(spacing // 2)
        column.addStretch(1)
        return page, editors

    def _section_index(self, path: str) -> int:
        assert self.defn is not None
        top = top_field_id(path)
        for index, section in enumerate(self.defn.sections):
            if any(f.id == top for f in section.fields):
                return index
        return 0

    # -- live behaviour ------------------------------------------------------------------

    def _edited(self, path: str, value: Any) -> None:
        if not self.editable:
            return  # read-only editors take no edits; this is the belt to their braces
        self.answers = set_answer(self.answers, path, value)
        self.current_path = self._focused_path() or path
        self.autosave.queue(path, value)
        self._refresh()

    def _refresh(self) -> None:
        """Recompute visibility, problems, section marks and outcomes from the answers (one
        pass of the core's `review`), and show them on the pages built so far."""
        assert self.defn is not None
        self._review = checked = review(
            self.defn, self.answers, today=self._today(), rates=self._session.rates
        )
        shown, evaluation, statuses = checked.shown, checked.evaluation, checked.sections
        problems: dict[str, dict[str, str]] = {}
        for p in evaluation.problems:
            top = top_field_id(p.path)
            if self._may_show(top):
                problems.setdefault(top, {})[p.path] = p.message
        self._problems = problems
        self.sections.set_statuses(statuses)
        self._statuses = {status.section_id: status for status in statuses}
        self._apply(self.editors.values(), *self._not_asked_notes)
        # Only outcomes whose question is on show: a refusal's outcome is noise once the
        # person has agreed, and custody outcomes mean nothing at home.
        self.outcomes.show_outcomes(
            self.defn,
            {
                field_id: outcome
                for field_id, outcome in evaluation.outcomes.items()
                if is_visible(self.defn.field(field_id), shown)
            },
        )

    def _apply(self, editors: Iterable[FieldEditor], *section_ids: str) -> None:
        """Show the last review on `editors` and on the not-asked notes of `section_ids`:
        visibility, outcomes, and problems where they changed."""
        if self._review is None:
            return
        shown, outcomes = self._review.shown, self._review.evaluation.outcomes
        for editor in editors:
            field_id = editor.field.id
            editor.setVisible(is_visible(editor.field, shown))
            if isinstance(editor, RepeatingGroupEditor):
                editor.update_visibility(shown)
            mine = self._problems.get(field_id, {})
            if self._pushed.get(field_id, {}) != mine:
                editor.set_core_problems(mine)
                self._pushed[field_id] = mine
            outcome = outcomes.get(field_id)
            if outcome is not None and isinstance(editor, OutcomeEditor):
                editor.show_outcome(outcome.label, outcome.reasons)
        for section_id in section_ids:
            status = self._statuses.get(section_id)
            if status is None:
                continue
            why, go = self._not_asked_notes[section_id]
            why.setVisible(status.not_asked is not None)
            go.setVisible(status.not_asked is not None)
            if status.not_asked is not None:
                why.setText(status.not_asked.detail)
                deciding = self._statuses.get(status.not_asked.section_id)
                go.setText(f"Go to \u201c{deciding.title if deciding else ''}\u201d")

    def _go_to_deciding_section(self, section_id: str) -> None:
        status = self._statuses.get(section_id)
        if status is None or status.not_asked is None or self.defn is None:
            return
        target = status.not_asked.section_id
        row = next(i for i, s in enumerate(self.defn.sections) if s.id == target)
        self.sections.setCurrentRow(row)

    def _may_show(self, field_id: str) -> bool:
        # Don't shout "required" at questions nobody has reached yet: show a field's problems
        # once it has an answer or the user has been into it. A page not built yet has not
        # been into (unless finalising asked for every question).
        editor = self.editors.get(field_id)
        field = editor.field if editor is not None else self._top.get(field_id)
        if field is None:
            return True  # an answer to no question of the form, or a record-wide blocker
        if field.type in DISPLAY_ONLY:
            return False
        touched = editor.touched if editor is not None else self._all_touched
        return touched or is_answered(self.answers.get(field_id))

    def _disposed(self) -> bool:
        # Set by ui.operations.dispose when the view is torn down (on lock or navigation).
        return bool(getattr(self, "disposed", False))

    def _section_changed(self, row: int) -> None:
        if row < 0 or self.defn is None or self._disposed():
            return
        if self.pages.currentIndex() != row:
            self.autosave.checkpoint()
        self._ensure_page(row)
        self.pages.setCurrentIndex(row)

    def _editor_of(self, widget: QWidget | None) -> FieldEditor | None:
        while widget is not None:
            if isinstance(widget, FieldEditor):
                return widget
            if widget is self:
                return None
            widget = widget.parentWidget()
        return None

    def _focused_path(self) -> str | None:
        editor = self._editor_of(QApplication.focusWidget())
        return editor.path if editor is not None else None

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if getattr(self, "disposed", False) or self.defn is None:
            return
        before, after = self._editor_of(old), self._editor_of(new)
        if after is not None:
            # Not touched yet: an empty question says nothing while the user is in it, only
            # once they type or leave it.
            self.current_path = after.path
        if before is not None and before is not after and self.editable:
            before.touched = True
            self.autosave.checkpoint()
            self._refresh()

    # -- finalising ----------------------------------------------------------------------

    def finalise(self) -> None:
        """Save, check every answer and signature, and only when nothing is missing finalise
        the record: completed, read-only, with a signed PDF kept."""
        if self.defn is None or not self.editable:
            return
        # Queued first, so the status change below lands after every edit is folded in.
        self.autosave.checkpoint()
        # Only built pages can show text that was typed and not read: a page not built yet
        # has never been on screen, so nothing was typed into it (and an unreadable saved
        # answer is a problem `evaluate` reports below).
        unreadable = [bad for e in self.editors.values() for bad in e.unparsed_inputs()]
        if unreadable:
            # What is on screen was never saved: completing would record the old answer.
            first = unreadable[0]
            dialogs.show_message(
                self,
                NOT_READY_TITLE,
                f"'{first.field.label}' shows something that is not a valid answer, so it has "
                "not been saved.",
                "Correct it (or clear it), then finalise the record.",
            )
            if not self._disposed():
                self.focus_field(first.path)
            return
        evaluation = evaluate(
            self.defn, self.answers, today=self._today(), rates=self._session.rates
        )
        if not evaluation.completable:
            # A missing signature is said once, by the blocker naming who has not signed.
            problems = [p for p in evaluation.problems if p.path not in evaluation.unsigned]
            text, detail = not_ready_message(self.defn, problems, evaluation.blockers)
            dialogs.show_message(self, NOT_READY_TITLE, text, detail)
            if self._disposed():
                return  # locked while the message was open: the record is closed
            # Show every unanswered question's message, and take the user to the first one
            # (pages built later show theirs too).
            self._all_touched = True
            for editor in self.editors.values():
                editor.touched = True
            self._refresh()
            first_path = evaluation.completion_problems()[0].path
            if first_path:
                self.focus_field(first_path)
            return
        self.complete_button.setEnabled(False)
        self.print_button.setEnabled(False)
        # The answers stay in view (not greyed out); the window takes no edits meanwhile.
        self._progress = finalising_progress(self)
        # The core checks again, so the app, the CLI and sync refuse in the same way.
        self._ops.run(
            finalise_record,
            self._session,
            AssessmentId(self.assessment_id),
            owner=self,
            on_success=self._completed,
            on_failure=self._completion_failed,
        )

    def _completed(self, finalised: Finalised) -> None:
        self._end_progress()
        document = finalised.document
        self._outcome_note = (
            f"Finalised: revision {document.revision} is complete and read-only, and its PDF "
            f"is signed by {document.signer} and kept with the record (below). To change "
            "anything now, use Amend: this signed copy stays as it is."
        )
        # Reopen through the core, which decides what is editable: a finalised record is not.
        self._reload()
        self.completed.emit(finalised.record)
        self._offer_next(finalised.record)

    def _offer_next(self, record: Assessment) -> None:
        """After a review: offer to start the revised plan or reassessment it found needed."""
        question = next_record_offer(record)
        if question is None or self._disposed():
            return
        if not dialogs.confirm(self, "Start the next record", question, yes_text="Start it"):
            return
        self._ops.run(
            start_from_review,
            self._session,
            record.id,
            owner=self,
            on_success=lambda started: self.record_started.emit(started.id),
            on_failure=lambda error: error_display.show_error(self, error),
        )

    def show_changes(self) -> None:
        """Open "what changed since": this record's answers beside the assessment it follows."""
        if self.opened is None:
            return
        # What is on screen now, typed answers included, not only what was last saved.
        now = dataclasses.replace(self.opened.record, answers=dict(self.answers))
        self._ops.run(
            changes_since,
            self._session,
            now,
            owner=self,
            on_success=self._show_changes,
            on_failure=lambda error: error_display.show_error(self, error),
        )

    def _show_changes(self, found: tuple[str, Sequence[Change]]) -> None:
        if self.changes_dialog is not None:
            dispose(self.changes_dialog)
        previous, changes = found
        self.changes_dialog = ChangesDialog(previous, changes, parent=self)
        self.changes_dialog.open()

    def _end_progress(self) -> None:
        if self._progress is not None:
            self._progress.close()
            self._progress.deleteLater()
            self._progress = None

    def _completion_failed(self, error: BaseException) -> None:
        self._end_progress()
        error_display.show_error(self, error)
        if self._disposed():
            return
        # Completing may have worked and only signing failed: then the record is read-only
        # now (its panel offers to sign again). Ask the core which it is, after the message.
        self._ops.run(
            self._records.get,
            self.assessment_id,
            owner=self,
            on_success=self._after_failed_finalise,
        )

    def _after_failed_finalise(self, record: Assessment) -> None:
        if self.opened is not None and record.status is not self.opened.record.status:
            self._reload()
            return
        self.complete_button.setEnabled(True)
        self.print_button.setEnabled(True)

    # -- drafts and amendments -----------------------------------------------------------

    def print_draft(self) -> None:
        """Save the record as it is now to a PDF marked DRAFT (unsigned), where the user says."""
        if self.opened is None or not self.editable:
            return
        opened = self.opened
        signed_name = document_filename(opened.form, opened.record, RECORD_KIND)
        suggested = re.sub(r"_rev\d+\.pdf$", "_DRAFT.pdf", signed_name)
        target = dialogs.save_file(self, "Print a draft", suggested, PDF_FILES)
        if target is None or self._disposed():
            return
        # Queued first, so the draft holds every edit made so far.
        self.autosave.checkpoint()
        self._ops.run(
            write_record_pdf,
            self._session,
            AssessmentId(self.assessment_id),
            target,
            owner=self,
            on_success=lambda written: dialogs.inform(
                self,
                "Draft saved",
                f"Saved as {written.name} in {written.parent}.",
                "It is not signed and says DRAFT on every page: finalise the record for the "
                "signed copy.",
            ),
            on_failure=lambda e: error_display.show_error(self, e),
        )

    def amend(self) -> None:
        """After confirming, make a finalised record editable again as a new revision."""
        if self.editable or self.defn is None:
            return
        if not dialogs.confirm(self, "Amend this record?", AMEND_QUESTION, yes_text="Amend"):
            return
        if self._disposed():
            return
        self.amend_button.setEnabled(False)

        def failed(error: BaseException) -> None:
            self.amend_button.setEnabled(True)
            error_display.show_error(self, error)

        self._ops.run(
            amend_record,
            self._session,
            AssessmentId(self.assessment_id),
            owner=self,
            on_success=self._amended,
            on_failure=failed,
        )

    def _amended(self, record: Assessment) -> None:
        self._reload()
        self.amended.emit(record)

    def _reload(self) -> None:
        self.defn = None
        self.opened = None
        self.editors.clear()
        self._built.clear()
        self._pushed.clear()
        self._problems = {}
        self._not_asked_notes.clear()
        self._review = None
        self._all_touched = False
        if self.documents is not None:
            dispose(self.documents)
            self.documents = None
        for index in reversed(range(self.pages.count())):
            page = self.pages.widget(index)
            if page is not None:
                self.pages.removeWidget(page)
                page.deleteLater()
        self._initial_focus = None
        self._open()

    # -- DST contributions -----------------------------------------------------------------

    def import_contribution(self) -> None:
        """Merge a colleague's contribution file into this DST, then show it again.

        A file sealed to this profile's key opens without a passphrase; the MDT's passphrase
        is asked for only when the file needs it.
        """
        path = dialogs.open_file(self, "Import a contribution", CONTRIBUTION_FILES)
        if path is None or self._disposed():
            return
        self.autosave.checkpoint()
        self._run_import(path, None, None, None)

    def _run_import(
        self, path: Path, secret: str | None, fingerprint: str | None, name: str | None
    ) -> None:
        self._ops.run(
            import_member_contribution,
            self._session,
            AssessmentId(self.assessment_id),
            path,
            passphrase=secret,
            confirmed_fingerprint=fingerprint,
            confirmed_name=name,
            owner=self,
            on_success=self._imported,
            on_failure=lambda e: self._import_failed(e, path, secret),
        )

    def _import_failed(self, error: BaseException, path: Path, secret: str | None) -> None:
        """The file needs the MDT's passphrase, or a member's first file: their key's
        fingerprint is confirmed aloud."""
        if isinstance(error, PassphraseNeededError) and secret is None:
            asked = dialogs.ask_secret(self, "Import a contribution", EXCHANGE_PROMPT)
            if asked is not None and not self._disposed():
                self._run_import(path, asked, None, None)
            return
        if not isinstance(error, UnconfirmedMemberKeyError):
            error_display.show_error(self, error)
            return
        question = (
            f"Key fingerprint:\n\n    {error.fingerprint}\n\n"
            f"This is the first contribution from {error.name} on this laptop. Ask them to "
            "read you the fingerprint the app showed them when they exported it, by phone or "
            "in person (not by the same email). Is it the same?"
        )
        if dialogs.confirm(
            self, "Confirm a new MDT member", question, yes_text="It is the same: import"
        ):
            if not self._disposed():
                self._run_import(path, secret, error.fingerprint, error.name)

    def _imported(self, result: ImportResult) -> None:
        words = {
            "added": f"{result.contributor}'s contribution was added.",
            "updated": f"{result.contributor}'s newer contribution replaced their earlier one.",
            "unchanged": f"{result.contributor}'s contribution was already here; nothing changed.",
            "older": f"This DST already has a newer revision of {result.contributor}'s "
            "contribution than this file's; nothing changed.",
        }[result.outcome]
        dialogs.inform(self, "Contribution imported", words)
        if not self._disposed():
            self._reload()

    def export_contribution(self) -> None:
        """Write one contribution on this DST to a signed, encrypted file."""
        items = [i for i in self.answers.get("contributions") or [] if isinstance(i, dict)]
        if not items:
            dialogs.show_message(
                self,
                "No contribution to export",
                "Add your contribution on the 'Members' contributions' page first.",
            )
            return
        names = [
            f"{i.get('contributor_name', '?')} ({i.get('contribution_id', '?')})" for i in items
        ]
        index = dialogs.pick(self, "Export a contribution", "Which contribution?", names)
        if index is None:
            return
        path = dialogs.save_file(
            self, "Export a contribution", f"contribution{SUFFIX}", CONTRIBUTION_FILES
        )
        if path is None:
            return
        if not path.suffix:
            path = path.with_name(path.name + SUFFIX)
        secret = self._new_exchange_passphrase()
        if secret is None or self._disposed():
            return
        self.autosave.checkpoint()
        self._ops.run(
            export_member_contribution,
            self._session,
            AssessmentId(self.assessment_id),
            str(items[index].get("contribution_id", "")),
            path,
            passphrase=secret,
            owner=self,
            on_success=lambda fingerprint: dialogs.inform(
                self,
                "Contribution exported",
                f"Saved to {path}. Send it to the coordinator.\n\nYour key's fingerprint is "
                f"{fingerprint}. The first time, the coordinator will ask you to read it out.",
            ),
            on_failure=lambda e: error_display.show_error(self, e),
        )

    def _new_exchange_passphrase(self) -> str | None:
        """The passphrase to lock an exported file with, typed twice; None when cancelled.

        The other members must type it to open the file, so a typo would lock it away: it is
        asked for twice. One refused (too short, too easy to guess, or typed differently the
        second time) is asked for again, with the reason, rather than ending the export.
        """
        title = "Export a contribution"
        problem = ""
        while True:
            label = f"{problem}\n\n{EXCHANGE_PROMPT}" if problem else EXCHANGE_PROMPT
            first = dialogs.ask_secret(self, title, label)
            if first is None:
                return None
            try:
                check_exchange_passphrase(first)
            except ValidationError as e:
                problem = f"{e.user_message}\n{e.next_step}"
                continue
            again = dialogs.ask_secret(self, title, "Type the same passphrase again:")
            if again is None:
                return None
            if again == first:
                return first
            problem = "The two passphrases were not the same. Type it again, twice."

    # -- used by the main window ---------------------------------------------------------

    def focus_field(self, path: str) -> None:
        """Show the section holding `path` and put the cursor in that field."""
        if self.defn is None:
            self._initial_focus = path
            return
        index = self._section_index(path)
        self._ensure_page(index)
        self.sections.setCurrentRow(index)
        top = self.editors.get(top_field_id(path))
        editor = top.editor_at(path) if top is not None else None
        editor = editor or top
        if editor is not None:
            target = editor.focus_widget()
            target.setFocus(Qt.FocusReason.OtherFocusReason)
            scroll = self.pages.currentWidget()
            if isinstance(scroll, QScrollArea):
                scroll.ensureWidgetVisible(editor)
            self.current_path = path

    def save_and_close(self) -> str | None:
        """Queue every pending edit and a checkpoint; return the field path to resume at."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.disconnect(self._focus_changed)
        if self.defn is not None and self.editable:
            self.autosave.checkpoint()
        return self.current_path
