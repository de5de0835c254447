"""The person details dialog, for adding a person or editing one: collects the details and
saves them through the core (`PeopleRepository.add` or `update`, on the worker).

Date and NHS number problems show inline as soon as the user leaves the box; the core's own
validation (`validate_person_details`, re-run by `add`/`update` on the worker) has the last
word and its message appears above the buttons.

The dialog is window-modal, which blocks the main window's Ctrl+L, so it has its own and asks
for the lock through `lock_requested`. Locking discards what was typed (it is not saved);
`has_unsaved_input` lets the lock say so.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from assessor_app.core.errors import AssessorError
from assessor_app.core.nhs_number import format_nhs_number, normalise_nhs_number
from assessor_app.core.records import ConvictionStatus, Person, PersonDetails, Setting
from assessor_app.core.storage.people import PeopleRepository

from assessor_app.ui import error_display
from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.widgets.date_input import DateInput
from assessor_app.ui.widgets.labels import problem_label, show_problem

PUT_RIGHT = "Put right the problems above, then save."
"""Shown above the buttons while Save found inline problems; goes once they are put right."""
FIELD_CHARS = 56
"""The boxes are at least this many characters wide, so a problem under one fits in a few
lines."""


class PersonDialog(QDialog):
    """Adds a person, or edits `existing` when given (pre-filled with their details).

    Emits `person_saved(Person)` and closes once the person is saved, and `lock_requested`
    on Ctrl+L.
    """

    person_saved = Signal(object)
    lock_requested = Signal()

    def __init__(
        self,
        ops: BackgroundOps,
        people: PeopleRepository,
        parent: QWidget | None = None,
        *,
        existing: Person | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add person" if existing is None else "Edit details")
        self._ops = ops
        self._people = people
        self._existing = existing
        self.given_name = self._line("First name")
        self.family_name = self._line("Surname")
        self.date_of_birth = DateInput("Date of birth")
        self.dob_problem = problem_label()
        self.nhs_number = self._line("NHS number", "10 digits, blank if unknown")
        self.nhs_problem = problem_label()
        self.setting = QComboBox()
        self.setting.setAccessibleName("Setting")
        for setting in Setting:
            self.setting.addItem(setting.label, setting.value)
        self.establishment = self._line("Establishment name", "Prison, care home or hospital")
        self.prison_number = self._line("Prison number")
        self.conviction = QComboBox()
        self.conviction.setAccessibleName("Conviction status")
        self.conviction.addItem("Not recorded", None)
        for status in ConvictionStatus:
            self.conviction.addItem(status.label, status.value)
        self.release_date = DateInput("Expected release date")
        self.release_problem = problem_label()
        self.address = QPlainTextEdit()
        self.address.setAccessibleName("Address")
        self.address.setTabChangesFocus(True)
        self.address.setMaximumHeight(self.fontMetrics().lineSpacing() * 4)
        self.communication = self._line("Communication needs", "Interpreter, BSL, easy read…")
        self.preferred_format = self._line("Preferred format", "Standard, large print, braille…")
        self.problem = problem_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save_text = "Save person" if existing is None else "Save changes"
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(f"&{save_text}")
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setAccessibleName(save_text)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self._fitted_height = -1
        self._build_layout()
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.setting.currentIndexChanged.connect(self._setting_changed)
        self.date_of_birth.editingFinished.connect(self._check_dates)
        self.release_date.editingFinished.connect(self._check_dates)
        self.nhs_number.editingFinished.connect(self._check_nhs_number)
        if existing is not None:
            self._fill(existing.details)
        self._setting_changed()
        self._saving = False
        self._initial_entries = self._entries()
        lock_key = QShortcut(QKeySequence("Ctrl+L"), self)  # the main window's, while modal
        lock_key.activated.connect(self.lock_requested)

    def _entries(self) -> tuple[object, ...]:
        # What the user can change, as shown (dates as typed: they may not parse yet).
        lines = (
            self.given_name,
            self.family_name,
            self.date_of_birth,
            self.nhs_number,
            self.establishment,
            self.prison_number,
            self.release_date,
            self.communication,
            self.preferred_format,
        )
        return (
            *(line.text() for line in lines),
            self.address.toPlainText(),
            self.setting.currentIndex(),
            self.conviction.currentIndex(),
        )

    def has_unsaved_input(self) -> bool:
        """Whether closing the dialog now would lose something the user typed or chose.

        False once Save was pressed: the save is already queued on the worker, ahead of
        anything a lock queues, so it lands (unless the core refuses the details).
        """
        return self.isVisible() and not self._saving and self._entries() != self._initial_entries

    def _fill(self, d: PersonDetails) -> None:
        self.given_name.setText(d.given_name)
        self.family_name.setText(d.family_name)
        self.date_of_birth.set_date(d.date_of_birth)
        self.nhs_number.setText(format_nhs_number(d.nhs_number) if d.nhs_number else "")
        self.setting.setCurrentIndex(max(0, self.setting.findData(d.setting.value)))
        self.establishment.setText(d.establishment_name)
        self.prison_number.setText(d.prison_number)
        conviction = d.conviction_status.value if d.conviction_status else None
        self.conviction.setCurrentIndex(max(0, self.conviction.findData(conviction)))
        self.release_date.set_date(d.expected_release_date)
        self.address.setPlainText(d.address)
        self.communication.setText(d.communication_needs)
        self.preferred_format.setText(d.preferred_format)

    def _line(self, name: str, placeholder: str = "") -> QLineEdit:
        line = QLineEdit()
        line.setAccessibleName(name)
        line.setPlaceholderText(placeholder)
        line.setMinimumWidth(self.fontMetrics().averageCharWidth() * FIELD_CHARS)
        return line

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&First name:", self.given_name)
        form.addRow("Sur&name:", self.family_name)
        form.addRow("&Date of birth:", self.date_of_birth)
        form.addRow("", self.dob_problem)
        form.addRow("N&HS number:", self.nhs_number)
        form.addRow("", self.nhs_problem)
        form.addRow("Se&tting:", self.setting)
        form.addRow("&Establishment:", self.establishment)
        self._custody_rows = [
            (QLabel("&Prison number:"), self.prison_number),
            (QLabel("&Conviction status:"), self.conviction),
            (QLabel("E&xpected release:"), self.release_date),
        ]
        for label, widget in self._custody_rows:
            label.setBuddy(widget)
            form.addRow(label, widget)
        form.addRow("", self.release_problem)
        form.addRow("&Address:", self.address)
        form.addRow("Co&mmunication needs:", self.communication)
        form.addRow("Preferred f&ormat:", self.preferred_format)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def _setting_changed(self) -> None:
        custody = self._setting().is_custody
        for label, widget in self._custody_rows:
            label.setVisible(custody)
            widget.setVisible(custody)

    def _setting(self) -> Setting:
        # Combo boxes hand StrEnum members back as plain str, so store values and convert.
        return Setting(self.setting.currentData())

    def _conviction(self) -> ConvictionStatus | None:
        value = self.conviction.currentData()
        return ConvictionStatus(value) if value else None

    def _check_dates(self) -> bool:
        ok = True
        for box, label in (
            (self.date_of_birth, self.dob_problem),
            (self.release_date, self.release_problem),
        ):
            try:
                box.date()
                self._show_inline(label, "")
            except ValueError as e:
                self._show_inline(label, str(e))
                ok = False
        return ok

    def _check_nhs_number(self) -> bool:
        text = self.nhs_number.text().strip()
        try:
            if text:
                normalise_nhs_number(text)
        except AssessorError as e:
            self._show_inline(self.nhs_problem, e.one_line())
            return False
        self._show_inline(self.nhs_problem, "")
        return True

    def _inline_problems(self) -> list[QLabel]:
        """The problem lines under the boxes now showing a problem (not the summary)."""
        return [
            label
            for label in self.findChildren(QLabel)
            if label is not self.problem and label.accessibleName() == "Problem" and label.text()
        ]

    def _show_inline(self, label: QLabel, text: str) -> None:
        """Show (or clear) a problem under a box; the summary goes once none is left."""
        show_problem(label, text)
        if self.problem.text() == PUT_RIGHT and not self._inline_problems():
            show_problem(self.problem, "")
        self._fit_height()

    def _show_summary(self, text: str) -> None:
        show_problem(self.problem, text)
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow to show every wrapped problem line whole (a dialog does not do it itself)."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        wanted = layout.heightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        wanted = max(wanted, layout.sizeHint().height())
        self.setMinimumHeight(wanted)
        # Shrink back as problems go, unless the user has made the dialog taller themselves.
        if self.height() < wanted or self.height() == self._fitted_height:
            self.resize(self.width(), wanted)
        self._fitted_height = wanted

    def details(self) -> PersonDetails:
        """The details typed so far (dates must already parse).

        When editing, details the dialog does not show (the council's person id) are kept.
        """
        custody = self._setting().is_custody
        base = self._existing.details if self._existing else PersonDetails("", "")
        return dataclasses.replace(
            base,
            given_name=self.given_name.text(),
            family_name=self.family_name.text(),
            date_of_birth=self.date_of_birth.date(),
            nhs_number=self.nhs_number.text().strip() or None,
            address=self.address.toPlainText().strip(),
            communication_needs=self.communication.text().strip(),
            preferred_format=self.preferred_format.text().strip(),
            setting=self._setting(),
            establishment_name=self.establishment.text().strip(),
            prison_number=self.prison_number.text().strip() if custody else "",
            conviction_status=self._conviction() if custody else None,
            expected_release_date=self.release_date.date() if custody else None,
        )

    def submit(self) -> None:
        """Save in the background; problems show inline and the dialog stays open."""
        if not (self._check_dates() & self._check_nhs_number()):
            self._show_summary(PUT_RIGHT)
            return
        self._show_summary("")
        self.buttons.setEnabled(False)
        self._saving = True
        if self._existing is None:
            self._ops.run(
                self._people.add,
                self.details(),
                owner=self,
                on_success=self._saved,
                on_failure=self._failed,
            )
        else:
            self._ops.run(
                self._people.update,
                self._existing.id,
                self.details(),
                owner=self,
                on_success=self._saved,
                on_failure=self._failed,
            )

    def _saved(self, person: Person) -> None:
        self._saving = False
        self.buttons.setEnabled(True)
        self.accept()
        self.person_saved.emit(person)

    def _failed(self, error: BaseException) -> None:
        self._saving = False
        self.buttons.setEnabled(True)
        if isinstance(error, AssessorError):
            self._show_summary(error.one_line())
        else:
            error_display.show_error(self, error)
