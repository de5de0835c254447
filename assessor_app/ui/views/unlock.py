"""Unlock screen: choose a profile (when there are several), type the passphrase, open the vault.

A wrong passphrase shows the core's message and, after repeated failures, counts down the
back-off wait with the Unlock button disabled. "Forgotten your passphrase?" explains how IT
recovers the records with the council's recovery key. Nothing personal is shown before
unlocking.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assessor_app.core.errors import AssessorError, VaultInUseError
from assessor_app.core.storage.profiles import ProfileSummary

from assessor_app.ui import error_display
from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.vault_loading import open_vault
from assessor_app.ui.widgets.labels import heading_label, help_label, problem_label, show_problem
from assessor_app.ui.widgets.layout import centre_box

if TYPE_CHECKING:
    from assessor_app.core.storage.vault import Vault


class UnlockView(QWidget):
    """Emits `vault_opened(Vault)` after a successful unlock."""

    vault_opened = Signal(object)
    create_profile_requested = Signal()
    switched_to_other_window = Signal()
    """The profile was open in another window, which was asked to come forward."""

    def __init__(
        self,
        ops: BackgroundOps,
        data_dir: Path,
        profiles: list[ProfileSummary],
        *,
        preferred_profile: str | None = None,
        note: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ops = ops
        self._data_dir = data_dir
        self._wait_left = 0
        self.profile = QComboBox()
        self.profile.setAccessibleName("Profile")
        # Ids are kept beside the combo, not as item data: item data's default role argument
        # makes PySide6 build every Qt.* enum (~35 ms) before the unlock window can show.
        self._profile_ids = [summary.id for summary in profiles]
        for summary in profiles:
            self.profile.addItem(summary.label)
            if summary.id == preferred_profile:
                self.profile.setCurrentIndex(self.profile.count() - 1)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setAccessibleName("Unlock")
        self.unlock_button.setDefault(True)
        self.new_profile_button = QPushButton("&New profile…")
        self.new_profile_button.setAccessibleName("Create a new profile")
        self.note = help_label(note)
        self.problem = problem_label()
        self.switch_button = QPushButton("&Switch to that window")
        self.switch_button.setAccessibleName("Switch to the window that has this profile open")
        self.switch_button.setVisible(False)
        self.switch_button.clicked.connect(self.switch_to_other_window)
        self.forgotten_button = QPushButton("&Forgotten your passphrase?")
        self.forgotten_button.setFlat(True)
        self.forgotten_button.setAccessibleName("Forgotten your passphrase?")
        self.forgotten_button.clicked.connect(self.explain_recovery)
        self.recovery_help = help_label()  # hidden until asked for
        self.recovery_help.setAccessibleName("How to recover a forgotten passphrase")
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)
        self._build_layout(single=len(profiles) == 1)
        self.unlock_button.clicked.connect(self.submit)
        self.passphrase.returnPressed.connect(self.submit)
        self.new_profile_button.clicked.connect(self.create_profile_requested)

    def _build_layout(self, *, single: bool) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        if single:
            self.profile.setVisible(False)
            who = QLabel(self.profile.currentText())
            who.setAccessibleName("Profile")
            form.addRow("Profile:", who)
        else:
            form.addRow("&Profile:", self.profile)
        form.addRow("Pass&phrase:", self.passphrase)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_profile_button)
        buttons.addStretch(1)
        buttons.addWidget(self.switch_button)
        buttons.addWidget(self.unlock_button)
        box = QWidget()
        box.setMaximumWidth(self.fontMetrics().averageCharWidth() * 70)
        box.setMinimumWidth(self.fontMetrics().averageCharWidth() * 50)
        column = QVBoxLayout(box)
        column.addWidget(heading_label("Unlock your records"))
        column.addWidget(self.note)
        column.addLayout(form)
        column.addWidget(self.problem)
        column.addLayout(buttons)
        forgotten = QHBoxLayout()
        forgotten.addWidget(self.forgotten_button)
        forgotten.addStretch(1)
        column.addLayout(forgotten)
        column.addWidget(self.recovery_help)
        centre_box(self, box)

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt virtual
        super().showEvent(event)  # type: ignore[arg-type]
        self.passphrase.setFocus()

    @property
    def selected_profile_id(self) -> str | None:
        """The id of the profile chosen in the list (None if the list is empty)."""
        index = self.profile.currentIndex()
        return self._profile_ids[index] if 0 <= index < len(self._profile_ids) else None

    def submit(self) -> None:
        """Try the passphrase in the background (Argon2id takes about half a second)."""
        if not self.unlock_button.isEnabled() or self.selected_profile_id is None:
            return
        self._set_busy(True)
        self._ops.run(
            open_vault,
            self._data_dir,
            self.selected_profile_id,
            self.passphrase.text(),
            owner=self,
            on_success=self._opened,
            on_failure=self._failed,
        )

    def _opened(self, vault: Vault) -> None:
        self.passphrase.clear()
        self._set_busy(False)
        self.vault_opened.emit(vault)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self.passphrase.clear()
        self.passphrase.setFocus()
        if not isinstance(error, AssessorError):
            error_display.show_error(self, error)
            return
        show_problem(self.problem, error.one_line())
        self.switch_button.setVisible(isinstance(error, VaultInUseError))
        wait = float(getattr(error, "retry_after_seconds", 0.0) or 0.0)
        if wait > 0:
            self._wait_left = math.ceil(wait)
            self.unlock_button.setEnabled(False)
            self._tick_text()
            self._countdown.start()

    def explain_recovery(self) -> None:
        """Say how IT can recover this profile's records, and whether this profile allows it."""
        # The key file only (no passphrase, nothing written); loaded on demand, as the
        # unlock window starts with Qt alone.
        from assessor_app.core.storage.vault import recovery_fingerprint

        profile_id = self.selected_profile_id
        if profile_id is None:
            return
        text = recovery_help_text(profile_id, recovery_fingerprint(self._data_dir, profile_id))
        self.recovery_help.setText(text)
        self.recovery_help.setAccessibleDescription(text)
        # Selectable, so the command can be copied into a message to IT.
        # `QtCore.Qt`, not `Qt` imported by name: the import alone builds every Qt.* enum.
        flag = QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
        self.recovery_help.setTextInteractionFlags(flag)
        self.recovery_help.setVisible(True)

    def switch_to_other_window(self) -> None:
        """Bring forward the window that has this profile open, and leave this one."""
        # QtNetwork is loaded only here: the unlock window must start as fast as a bare one.
        from assessor_app.ui.single_instance import ask_to_raise

        profile_id = self.selected_profile_id
        if profile_id is not None and ask_to_raise(profile_id):
            self.switched_to_other_window.emit()
            return
        self.switch_button.setVisible(False)
        show_problem(
            self.problem,
            "No Assessor window answered: the profile may be open in the command line "
            "(assessor-cli). Let that finish or close it, then unlock here.",
        )

    def _tick(self) -> None:
        self._wait_left -= 1
        if self._wait_left <= 0:
            self._countdown.stop()
            self.unlock_button.setEnabled(True)
            self.unlock_button.setText("&Unlock")
            return
        self._tick_text()

    def _tick_text(self) -> None:
        self.unlock_button.setText(f"Wait {self._wait_left} s")

    def _set_busy(self, busy: bool) -> None:
        self.passphrase.setEnabled(not busy)
        self.profile.setEnabled(not busy)
        self.unlock_button.setEnabled(not busy)
        self.unlock_button.setText("Unlocking…" if busy else "&Unlock")


def recovery_help_text(profile_id: str, fingerprint: str | None) -> str:
    """What "Forgotten your passphrase?" says: IT's way back in, or that there is none."""
    if fingerprint is None:
        return (
            "This profile has no council recovery key (it has not been enrolled with the "
            "council's gateway since recovery keys were set up), so IT cannot recover it: "
            "only its passphrase opens it. Try the passphrases you might have chosen, and "
            f"check Caps Lock. Please tell IT; the profile's id is {profile_id}. Don't "
            "delete it or make a new profile in its place: your records are still in it."
        )
    return (
        "IT can recover your records, including work not yet sent, with the council's "
        "recovery key, and give you a new passphrase. Contact IT and tell them this "
        f"profile's id: {profile_id}. On this laptop they run: assessor-cli vault recover "
        f"--profile {profile_id} --recovery-key FILE (the key's fingerprint is "
        f"{fingerprint}). Nothing is lost meanwhile: don't make a new profile in its place."
    )
