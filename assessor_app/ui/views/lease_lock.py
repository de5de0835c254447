"""The lease lock screen: shown after unlock, instead of the caseload, past the lease.

Thin: the words come from `sync_client.lease.lock_message`, a code is checked by
`lease.enter_unlock_code` on the worker, and a sync is asked of the window (which owns the
sync controller). `lifted` is emitted when a code opens the laptop; the window re-checks
the lease itself after a sync.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.lease import LeaseState, enter_unlock_code, lock_message

from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.widgets.labels import heading_label, help_label, problem_label, show_problem
from assessor_app.ui.widgets.layout import centre_box


class LeaseLockView(QWidget):
    """ "This laptop has not reached the council's server for N days" with its two ways out."""

    lifted = Signal()
    sync_requested = Signal()

    def __init__(
        self,
        ops: BackgroundOps,
        vault: Vault,
        state: LeaseState,
        *,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        super().__init__()
        self.disposed = False
        self._ops, self._vault, self._now = ops, vault, now
        self.message = help_label(lock_message(state))
        self.message.setAccessibleName("Why the records are locked")
        self.message.setStyleSheet("")
        self.sync_button = QPushButton("&Sync now")
        self.sync_button.setDefault(False)
        self.sync_status = help_label()
        self.sync_status.setAccessibleName("Sync")
        self.code = QLineEdit()
        self.code.setAccessibleName("Unlock code")
        self.code.setPlaceholderText("XXXXX-XXXXX")
        self.code.setMaxLength(16)
        self.unlock_button = QPushButton("&Open with the code")
        self.problem = problem_label()
        self.sync_button.clicked.connect(self._sync)
        self.unlock_button.clicked.connect(self.submit)
        self.code.returnPressed.connect(self.submit)
        self._build_layout()

    def _build_layout(self) -> None:
        sync_row = QHBoxLayout()
        sync_row.addWidget(self.sync_button)
        sync_row.addStretch(1)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Unlock &code from IT:", self.code)
        # No Lock button of its own: the window's (Ctrl+L) stays above, as on every screen.
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        box = QWidget()
        box.setMaximumWidth(self.fontMetrics().averageCharWidth() * 70)
        box.setMinimumWidth(self.fontMetrics().averageCharWidth() * 50)
        column = QVBoxLayout(box)
        column.addWidget(heading_label("Your records are locked for now"))
        column.addWidget(self.message)
        column.addSpacing(self.fontMetrics().height() // 2)
        column.addLayout(sync_row)
        column.addWidget(self.sync_status)
        column.addSpacing(self.fontMetrics().height() // 2)
        column.addWidget(
            help_label(
                "No connection? IT can read you an unlock code over the phone. It opens this "
                "laptop today and tomorrow. Nothing you have saved is lost meanwhile."
            )
        )
        column.addLayout(form)
        column.addWidget(self.problem)
        column.addLayout(buttons)
        centre_box(self, box)

    def _sync(self) -> None:
        self.sync_button.setEnabled(False)
        self.sync_status.setText("Syncing…")
        self.sync_status.setVisible(True)
        self.sync_requested.emit()

    def sync_failed(self, problem: str) -> None:
        """The sync asked for ended without reaching the gateway: say why; it may be tried again."""
        self.sync_button.setEnabled(True)
        self.sync_status.setText(f"The laptop could not sync: {problem}")
        self.sync_status.setVisible(True)

    def submit(self) -> None:
        """Check the code typed (on the worker)."""
        typed = self.code.text()
        self.unlock_button.setEnabled(False)
        self._ops.run(
            enter_unlock_code,
            self._vault,
            typed,
            self._now(),
            on_success=self._checked,
            on_failure=self._refused,
            owner=self,
        )

    def _checked(self, state: LeaseState) -> None:
        self.unlock_button.setEnabled(True)
        if state.locked:
            show_problem(self.problem, "That code did not open this laptop. Check it with IT.")
            return
        show_problem(self.problem, "")
        self.lifted.emit()

    def _refused(self, error: BaseException) -> None:
        self.unlock_button.setEnabled(True)
        message = getattr(error, "one_line", None)
        if message is None:
            raise error
        show_problem(self.problem, message())
        self.code.selectAll()
        self.code.setFocus()
