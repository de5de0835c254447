"""Person page: the person's details ("Edit details…"), their records (form, status, last
change) and "Start form".

Loading, editing and starting records go through `BackgroundOps`; the page shows what comes
back. The forms offered to start are the core's `forms_to_offer`: the usual ones first, and a
form whose start check refuses this person (a carer's assessment for a prisoner) listed last
and marked, with the reason under the list when chosen, rather than left out: an assessor who
looks for it learns why it is not there, and what to do instead.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from assessor_app.core.errors import NotFoundError
from assessor_app.core.form_engine.definition import FormDefinition
from assessor_app.core.person_details import detail_rows
from assessor_app.core.records import (
    Assessment,
    AssessmentId,
    Person,
    PersonId,
)
from assessor_app.core.services.care_plans import CARER_PLAN, NEEDS_FORM
from assessor_app.core.services.custody_moves import CustodyMoveFollowUp, follow_custody_move
from assessor_app.core.services.records import (
    EDITABLE,
    FormOffer,
    check_can_start,
    forms_to_offer,
    start_record,
)
from assessor_app.core.services.reviews import REASSESSED, record_title, start_review
from assessor_app.core.services.session import Session

from assessor_app.ui import dialogs, error_display
from assessor_app.ui.operations import BackgroundOps, dispose
from assessor_app.ui.views.person_form import PersonDialog
from assessor_app.ui.widgets.date_input import format_date
from assessor_app.ui.widgets.labels import heading_label, help_label

RECORD_COLUMNS = ("Form", "Status", "Last changed")
NOT_OFFERED = "does not apply to this person"
"""Marks a form in the list whose start check refuses this person."""
CARED_FOR_CHOICES = 500
"""Most caseload entries offered when choosing the person cared for."""


def _person_choice(p: Person) -> str:
    born = f", born {format_date(p.details.date_of_birth)}" if p.details.date_of_birth else ""
    return f"{p.details.display_name}{born}"


class PersonView(QWidget):
    """Emits `record_opened(assessment_id)` when a record is opened or started, and
    `details_changed(Person)` after the person's details were edited and saved, and
    `lock_requested` on Ctrl+L in the Edit details dialog."""

    record_opened = Signal(str)
    details_changed = Signal(object)
    lock_requested = Signal()

    def __init__(
        self,
        ops: BackgroundOps,
        session: Session,
        person_id: str,
        parent: QWidget | None = None,
        *,
        developer_forms: bool = False,
    ) -> None:
        super().__init__(parent)
        self._ops = ops
        self._session = session
        self._developer_forms = developer_forms
        self._registry = session.forms
        self._records_repo = session.records
        self._people = session.people
        self.person_id = person_id
        self.person: Person | None = None
        self.edit_dialog: PersonDialog | None = None
        self.title = heading_label("Loading…")
        self.edit_button = QPushButton("&Edit details…")
        self.edit_button.setAccessibleName("Edit details")
        self.edit_button.setEnabled(False)  # until the details are on screen
        self.details = QFormLayout()
        self.records = QTreeWidget()
        self.records.setAccessibleName("Records")
        self.records.setHeaderLabels(list(RECORD_COLUMNS))
        self.records.setRootIsDecorated(False)
        # Said where the list would be, so an empty list is not taken for one still loading.
        self.no_records = help_label("No records yet: choose a form below, then Start form.")
        self.no_records.setAccessibleName("No records yet")
        self.form_choice = QComboBox()
        self.form_choice.setAccessibleName("Form to start")
        self.offers: list[FormOffer] = []
        """The forms in the list, in its order (filled once the person is loaded)."""
        form_label = QLabel("&Form:")
        form_label.setBuddy(self.form_choice)
        self.start_button = QPushButton("&Start form")
        self.start_button.setAccessibleName("Start form")
        self.start_button.setEnabled(False)  # until the forms that apply are known
        self.form_note = help_label()
        self.form_note.setAccessibleName("Why this form cannot be started")
        self.open_button = QPushButton("&Open record")
        self.open_button.setAccessibleName("Open record")
        start_row = QHBoxLayout()
        start_row.addWidget(form_label)
        start_row.addWidget(self.form_choice, 1)
        start_row.addWidget(self.start_button)
        title_row = QHBoxLayout()
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.edit_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(title_row)
        layout.addLayout(self.details)
        layout.addWidget(heading_label("Records", scale=1.15))
        layout.addWidget(self.records, 1)
        layout.addWidget(self.no_records)
        self.no_records.setVisible(False)  # until the records are known
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addLayout(start_row)
        layout.addWidget(self.form_note)
        self.start_button.clicked.connect(self.start_form)
        self.form_choice.currentIndexChanged.connect(self._form_chosen)
        self.edit_button.clicked.connect(self.edit_details)
        self.open_button.clicked.connect(self._open_current)
        self.records.itemActivated.connect(self._open_item)
        self.refresh()

    def refresh(self) -> None:
        """Reload the person and their records."""
        self._ops.run(self._load, owner=self, on_success=self._show)

    def _load(self) -> tuple[Person, list[Assessment]]:
        # Runs on the worker.
        return self._people.get(self.person_id), self._records_repo.list_for_person(self.person_id)

    def _show(self, loaded: tuple[Person, list[Assessment]]) -> None:
        person, records = loaded
        self._show_person(person)
        self._show_records(records)

    def _show_offers(self, person: Person) -> None:
        # Start checks are pure functions of the details on screen: no worker needed.
        offers = forms_to_offer(self._session, person, developer_forms=self._developer_forms)
        chosen = self.form_choice.currentData()
        self.offers = offers
        self.form_choice.blockSignals(True)
        self.form_choice.clear()
        for offer in offers:
            form = offer.form
            text = f"{form.title} (version {form.version})"
            if offer.refusal is not None:
                text = f"{form.title}: {NOT_OFFERED}"
            self.form_choice.addItem(text, form.id)
        self.form_choice.setCurrentIndex(max(0, self.form_choice.findData(chosen)))
        self.form_choice.blockSignals(False)
        self._form_chosen()

    def _chosen_offer(self) -> FormOffer | None:
        index = self.form_choice.currentIndex()
        return self.offers[index] if 0 <= index < len(self.offers) else None

    def _form_chosen(self) -> None:
        """Start only a form that applies; for one that does not, say why and what instead."""
        offer = self._chosen_offer()
        refusal = offer.refusal if offer is not None else None
        self.start_button.setEnabled(offer is not None and refusal is None)
        note = f"{refusal.message} {refusal.next_step}" if refusal is not None else ""
        self.form_note.setText(note)
        self.form_note.setAccessibleDescription(note)
        self.form_note.setVisible(bool(note))

    def _show_person(self, person: Person) -> None:
        self.person = person
        self._show_offers(person)  # a changed setting can change which forms apply
        self.edit_button.setEnabled(True)
        self.title.setText(person.details.display_name)
        self.title.setAccessibleName(person.details.display_name)
        while self.details.rowCount():
            self.details.removeRow(0)
        for label, value in detail_rows(person.details):
            shown = QLabel(value)
            shown.setWordWrap(True)
            shown.setAccessibleName(label)
            shown.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByKeyboard
                | Qt.TextInteractionFlag.TextSelectableByMouse
            )
            self.details.addRow(f"{label}:", shown)

    def _show_records(self, records: list[Assessment]) -> None:
        self.records.clear()
        for record in records:
            item = QTreeWidgetItem(
                [
                    self._form_title(record),
                    record.status.value.capitalize(),
                    record.updated_at.astimezone().strftime("%d/%m/%Y %H:%M")
                    if record.updated_at
                    else "",
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, record.id)
            self.records.addTopLevelItem(item)
        for column in range(len(RECORD_COLUMNS)):
            self.records.resizeColumnToContents(column)
            if column == len(RECORD_COLUMNS) - 1:
                break  # the last column stretches; padding it would add a scroll bar
            # A gap between columns, in characters so it scales with the font.
            self.records.setColumnWidth(
                column, self.records.columnWidth(column) + self.fontMetrics().averageCharWidth() * 3
            )
        self.open_button.setEnabled(bool(records))
        self.no_records.setVisible(not records)
        first = self.records.topLevelItem(0)
        if first is not None:
            self.records.setCurrentItem(first)

    def edit_details(self) -> None:
        """Show the (window-modal, non-blocking) dialog, pre-filled with the current details."""
        if self.person is None:
            return
        if self.edit_dialog is not None:
            dispose(self.edit_dialog)
        dialog = PersonDialog(self._ops, self._people, parent=self, existing=self.person)
        dialog.person_saved.connect(self._details_saved)
        dialog.lock_requested.connect(self.lock_requested)
        self.edit_dialog = dialog
        dialog.open()

    def _details_saved(self, person: Person) -> None:
        before = self.person
        # `update` returns the person as saved (normalised), so show that: no re-query needed.
        self._show_person(person)
        self.details_changed.emit(person)
        if before is None:
            return
        self._ops.run(
            follow_custody_move,
            self._session,
            PersonId(person.id),
            before.details,
            owner=self,
            on_success=self._custody_followed,
        )

    def _custody_followed(self, done: CustodyMoveFollowUp) -> None:
        """Say what a draft plan took from the new details; offer a completed plan's review."""
        if done.drafts:
            self.refresh()  # the drafts' "last changed"
        message = done.message()
        if not message:
            return
        plan, reason = done.plan_to_review, done.review_reason
        if plan is None or reason is None:
            dialogs.show_message(self, "Review the plan", message)
            return
        question = f"{message}\n\nStart an unplanned review of their care and support plan now?"
        if not dialogs.confirm(self, "Review the plan", question, yes_text="Start the review"):
            return
        self._ops.run(
            start_review,
            self._session,
            plan.id,
            unplanned_reason=reason,
            owner=self,
            on_success=self._started,
            on_failure=self._start_failed,
        )

    def _form_title(self, record: Assessment) -> str:
        try:
            return self._registry.get(record.form_id, record.form_version).title
        except NotFoundError:
            return f"{record.form_id} (version {record.form_version}, not installed)"

    def start_form(self) -> None:
        """Create a draft of the chosen form (latest version), prefilled, and open it.

        A form about a carer first asks who they care for, from the caseload (or no one on it).
        A needs assessment (or a carer's assessment), when the person has a completed one,
        first asks whether to start from it (a reassessment: its answers are the starting
        point) or blank. A carer's
        support plan, when the carer has more than one completed carer's assessment (one for
        each person they care for), first asks which it is made from. A form whose
        start check refuses this person cannot be chosen to start; the core checks again as it
        starts (the details may have changed on the way), and its message says why.
        """
        offer = self._chosen_offer()
        if offer is None or offer.refusal is not None:
            return
        form = offer.form
        self.start_button.setEnabled(False)
        if any((f.prefill or "").startswith("cared_for.") for f in form.top_fields()):
            # Ask the core first, so nobody picks a person cared for only to be refused.
            self._ops.run(
                self._carer_choices,
                form,
                owner=self,
                on_success=lambda found: self._choose_cared_for(form, *found),
                on_failure=self._start_failed,
            )
            return
        if form.id in (NEEDS_FORM, CARER_PLAN.plan_form):
            source = NEEDS_FORM if form.id == NEEDS_FORM else CARER_PLAN.source_form
            self._ops.run(
                self._previous_assessments,
                source,
                owner=self,
                on_success=lambda previous: self._choose_previous(form, previous),
                on_failure=self._start_failed,
            )
            return
        self._start(form, None)

    def _previous_assessments(self, form_id: str) -> list[tuple[AssessmentId, str]]:
        """(Worker) The person's completed records of `form_id`, newest first, by title and
        date (and for a carer's assessment, whom it is about caring for)."""
        found = []
        for r in self._records_repo.list_for_person(self.person_id):
            if r.form_id != form_id or r.status in EDITABLE:
                continue
            title = record_title(self._session, r)
            cared_for = r.answers.get("cared_for_name")
            if form_id == CARER_PLAN.source_form and isinstance(cared_for, str) and cared_for:
                title += f", caring for {cared_for}"
            found.append((r.id, title))
        return found

    def _choose_previous(
        self, form: FormDefinition, previous: list[tuple[AssessmentId, str]]
    ) -> None:
        if form.id == CARER_PLAN.plan_form:
            self._choose_carers_assessment(form, previous)
            return
        if not previous:
            self._start(form, None)
            return
        self._start(form, None, self._reassess_from(form, previous))

    def _reassess_from(
        self, form: FormDefinition, previous: list[tuple[AssessmentId, str]]
    ) -> AssessmentId | None:
        """Ask whether to start from a previous assessment (a reassessment) or blank."""
        what = REASSESSED[form.id].removeprefix("a ")
        index = dialogs.choose(
            self,
            "Reassessment",
            f"This person has a completed {what}. Start from it (a reassessment: its "
            "answers are the starting point, and you can see what changed since), or blank?",
            [f"Start from the {title[:1].lower()}{title[1:]}" for _, title in previous],
            none_text="Start a blank assessment",
        )
        return previous[index][0] if index is not None else None

    def _choose_carers_assessment(
        self, form: FormDefinition, previous: list[tuple[AssessmentId, str]]
    ) -> None:
        """None or one: the core starts from it (or says there is none); more: ask which."""
        if len(previous) < 2:
            self._start(form, None)
            return
        index = dialogs.pick(
            self,
            "Carer's support plan",
            "This carer has more than one completed carer's assessment. Which is the plan "
            "made from?",
            [f"From the {title[:1].lower()}{title[1:]}" for _, title in previous],
        )
        if index is None:
            self._form_chosen()
            return
        self._start(form, None, previous[index][0])

    def _carer_choices(
        self, form: FormDefinition
    ) -> tuple[list[Person], list[tuple[AssessmentId, str]]]:
        """(Worker) Refuse as start_record would, else the caseload to choose from, and the
        carer's completed assessments of this form a reassessment may start from."""
        check_can_start(self._session, form, PersonId(self.person_id))
        previous = self._previous_assessments(form.id) if form.id in REASSESSED else []
        return self._people.search("", limit=CARED_FOR_CHOICES), previous

    def _choose_cared_for(
        self,
        form: FormDefinition,
        people: list[Person],
        previous: list[tuple[AssessmentId, str]],
    ) -> None:
        # A reassessment carries the person cared for over from the one it follows.
        follows = self._reassess_from(form, previous) if previous else None
        if follows is not None:
            self._start(form, None, follows)
            return
        others = [p for p in people if p.id != self.person_id]
        index = dialogs.choose(
            self,
            "Person cared for",
            "Who does this carer care for? Their name and details are carried over.",
            [_person_choice(p) for p in others],
            none_text="Someone not on the caseload",
        )
        self._start(form, others[index].id if index is not None else None)

    def _start(
        self,
        form: FormDefinition,
        cared_for: PersonId | None,
        from_record: AssessmentId | None = None,
    ) -> None:
        self._ops.run(
            start_record,
            self._session,
            form,
            PersonId(self.person_id),
            cared_for_id=cared_for,
            from_record=from_record,
            owner=self,
            on_success=self._started,
            on_failure=self._start_failed,
        )

    def _start_failed(self, error: BaseException) -> None:
        self._form_chosen()
        error_display.show_error(self, error)

    def _started(self, record: Assessment) -> None:
        self._form_chosen()
        self.record_opened.emit(record.id)

    def _open_current(self) -> None:
        item = self.records.currentItem()
        if item is not None:
            self._open_item(item)

    def _open_item(self, item: QTreeWidgetItem) -> None:
        self.record_opened.emit(item.data(0, Qt.ItemDataRole.UserRole))
