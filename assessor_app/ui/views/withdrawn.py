"""The message after IT's order deleted this laptop's profile (revoked, or wiped as lost).

Thin: the words come from `governance.withdrawal_text`; OK returns to the start screen.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from assessor_app.core.sync_client.governance import Withdrawal, withdrawal_text

from assessor_app.ui.widgets.labels import heading_label, help_label
from assessor_app.ui.widgets.layout import centre_box


class WithdrawnView(QWidget):
    """Says, in plain words, that the profile was deleted on IT's order, and why."""

    done = Signal()

    def __init__(self, withdrawal: Withdrawal) -> None:
        super().__init__()
        self.disposed = False
        title, text = withdrawal_text(withdrawal)
        self.heading = heading_label(title)
        self.message = help_label(text)
        self.message.setStyleSheet("")
        self.message.setAccessibleName("What happened")
        self.ok_button = QPushButton("&OK")
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.done)
        box = QWidget()
        box.setMaximumWidth(self.fontMetrics().averageCharWidth() * 70)
        box.setMinimumWidth(self.fontMetrics().averageCharWidth() * 50)
        column = QVBoxLayout(box)
        column.addWidget(self.heading)
        column.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.ok_button)
        column.addLayout(row)
        centre_box(self, box)
