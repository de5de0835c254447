"""First-run screen: make a profile (name, role, authority, passphrase) and open its vault.

Creating the vault calibrates Argon2id (about half a second), so it runs through
`BackgroundOps`; the form is disabled meanwhile and the window keeps painting.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assessor_app.core.errors import AssessorError
from assessor_app.core.records import Role

from assessor_app.ui import error_display
from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.vault_loading import create_vault
from assessor_app.ui.widgets.labels import heading_label, help_label, problem_label, show_problem
from assessor_app.ui.widgets.layout import centre_box
from assessor_app.ui.widgets.passphrase import PassphraseStrengthMeter, suggest_passphrase

if TYPE_CHECKING:
    from assessor_app.core.storage.keyslots import KdfParams
    from assessor_app.core.storage.vault import Vault


class ProfileCreateView(QWidget):
    """Collects the new profile's details; emits `vault_created(Vault)` once it is open."""

    vault_created = Signal(object)
    cancelled = Signal()

    def __init__(
        self,
        ops: BackgroundOps,
        data_dir: Path,
        *,
        kdf: KdfParams | None = None,
        can_cancel: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ops = ops
        self._data_dir = data_dir
        self._kdf = kdf
        self.name = self._line("Your full name", "As it should appear on records you sign")
        self.role = QComboBox()
        self.role.setAccessibleName("Your role")
        for role in Role:
            self.role.addItem(role.label, role.value)
        self.authority = self._line("Authority", "e.g. Demoshire County Council")
        self.passphrase = self._line("Passphrase", "At least 8 characters", secret=True)
        self.confirm = self._line("Confirm passphrase", "Type it again", secret=True)
        self.meter = PassphraseStrengthMeter()
        self.suggest = QPushButton("S&uggest three words")
        self.suggest.setAccessibleName("Suggest a passphrase of three random words")
        self.suggestion = help_label()
        self.problem = problem_label()
        self.create_button = QPushButton("&Create profile")
        self.create_button.setAccessibleName("Create profile")
        self.create_button.setDefault(True)
        self.cancel_button = QPushButton("Back to &unlock")
        self.cancel_button.setAccessibleName("Back to unlock")
        self.cancel_button.setVisible(can_cancel)
        self._build_layout()
        self.passphrase.textChanged.connect(self.meter.update_for)
        self.suggest.clicked.connect(self._suggest)
        self.create_button.clicked.connect(self.submit)
        self.confirm.returnPressed.connect(self.submit)
        self.cancel_button.clicked.connect(self.cancelled)

    def _line(self, name: str, placeholder: str, *, secret: bool = False) -> QLineEdit:
        line = QLineEdit()
        line.setAccessibleName(name)
        line.setPlaceholderText(placeholder)
        if secret:
            line.setEchoMode(QLineEdit.EchoMode.Password)
        return line

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Your &name:", self.name)
        form.addRow("&Role:", self.role)
        form.addRow("&Authority:", self.authority)
        form.addRow("&Passphrase:", self.passphrase)
        form.addRow("Strength:", self.meter)
        form.addRow("Con&firm passphrase:", self.confirm)
        suggest_row = QHBoxLayout()
        suggest_row.addWidget(self.suggest)
        suggest_row.addStretch(1)
        form.addRow("", suggest_row)
        form.addRow("", self.suggestion)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.create_button)
        box = QWidget()
        box.setMaximumWidth(self.fontMetrics().averageCharWidth() * 90)
        box.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
        column = QVBoxLayout(box)
        column.addWidget(heading_label("Set up Assessor on this laptop"))
        column.addWidget(
            help_label(
                "Your records are encrypted with your passphrase. Nobody, including IT, can "
                "recover them without it, so choose one you will remember: three random "
                "words work well."
            )
        )
        column.addLayout(form)
        column.addWidget(self.problem)
        column.addLayout(buttons)
        centre_box(self, box)

    def _suggest(self) -> None:
        words = suggest_passphrase()
        self.suggestion.setText(f"How about: {words}")
        self.suggestion.setVisible(True)
        self.passphrase.setText(words)
        self.confirm.clear()
        self.confirm.setFocus()

    def submit(self) -> None:
        """Check the two passphrases match, then create the vault in the background."""
        if self.passphrase.text() != self.confirm.text():
            show_problem(self.problem, "The two passphrases are different. Type them again.")
            self.confirm.clear()
            self.confirm.setFocus()
            return
        show_problem(self.problem, "")
        self._set_busy(True)
        self._ops.run(
            create_vault,
            self._data_dir,
            name=self.name.text(),
            role=Role(self.role.currentData()),
            authority=self.authority.text(),
            passphrase=self.passphrase.text(),
            kdf=self._kdf,
            owner=self,
            on_success=self._created,
            on_failure=self._failed,
        )

    def _created(self, vault: Vault) -> None:
        self.passphrase.clear()
        self.confirm.clear()
        self._set_busy(False)
        self.vault_created.emit(vault)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, AssessorError):
            show_problem(self.problem, error.one_line())
        else:
            error_display.show_error(self, error)

    def _set_busy(self, busy: bool) -> None:
        for widget in (
            self.name,
            self.role,
            self.authority,
            self.passphrase,
            self.confirm,
            self.suggest,
            self.create_button,
            self.cancel_button,
        ):
            widget.setEnabled(not busy)
        self.create_button.setText("Creating… (a moment)" if busy else "&Create profile")
