""" "What changed since": a reassessment's answers beside the assessment it follows.

A thin view over the core's `reviews.changes_since` (the comparison is
`form_engine.comparison.changes_between`): one row for each question whose answer differs, in
form order, with the previous answer and the answer now. Window-modal and opened with
`open()`, like the app's other dialogs, so nothing blocks.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from assessor_app.core.form_engine.comparison import Change

from assessor_app.ui.widgets.labels import heading_label, help_label

COLUMNS = ("Question", "Previous assessment", "Now")


class ChangesDialog(QDialog):
    """The questions whose answers differ between two records, side by side."""

    def __init__(self, previous: str, changes: Sequence[Change], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("What changed since")
        self.setAccessibleName("What changed since")
        self.setModal(True)
        self.changes = list(changes)
        count = len(self.changes)
        if count:
            said = f"{count} answer{'s' if count != 1 else ''} differ from {previous}."
        else:
            said = f"No answer differs from {previous} yet."
        self.summary = help_label(said)
        self.summary.setAccessibleName("Compared with")
        self.table = QTableWidget(count, len(COLUMNS))
        self.table.setAccessibleName("Changed answers")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        for row, change in enumerate(self.changes):
            question = f"{change.section}: {change.question}"
            for column, text in enumerate((question, change.before, change.after)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        self.table.setVisible(bool(count))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading_label("What changed since the previous assessment", scale=1.2))
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        char = self.fontMetrics().averageCharWidth()
        self.resize(char * 120, self.fontMetrics().height() * 30)

    def rows(self) -> list[tuple[str, str, str]]:
        """What the table shows, row by row (for tests and screen readers' checks)."""
        shown = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, c) for c in range(len(COLUMNS))]
            texts = [cell.text() if cell is not None else "" for cell in cells]
            shown.append((texts[0], texts[1], texts[2]))
        return shown
