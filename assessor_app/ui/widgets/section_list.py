"""Left-hand contents list of the record editor: one row per section with its progress."""

from __future__ import annotations

from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from assessor_app.core.form_engine.answers import SectionStatus


def section_text(status: SectionStatus) -> str:
    """'✓ Needs', or 'Money — 2 missing, 1 problem'."""
    if status.complete:
        return f"✓ {status.title}"
    parts = []
    if status.required_missing:
        parts.append(f"{status.required_missing} missing")
    if status.problems:
        parts.append(f"{status.problems} problem{'s' if status.problems > 1 else ''}")
    return f"{status.title} — {', '.join(parts)}"


MOST_CHARS = 30
"""The list is as wide as its longest title up to this many characters; longer ones wrap."""


class SectionList(QListWidget):
    """Keyboard: arrow keys move between sections, Tab moves into the section's fields."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Sections")
        # Long section titles wrap rather than take the width the questions need.
        self.setWordWrap(True)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.section_ids: list[str] = []

    def set_statuses(self, statuses: list[SectionStatus]) -> None:
        """Create the rows on first call, then update their text."""
        if [s.section_id for s in statuses] != self.section_ids:
            self.clear()
            self.section_ids = [s.section_id for s in statuses]
            for _status in statuses:
                self.addItem(QListWidgetItem())
        for row, status in enumerate(statuses):
            item = self.item(row)
            item.setText(section_text(status))
        width = max(
            (
                self.fontMetrics().horizontalAdvance(self.item(r).text())
                for r in range(self.count())
            ),
            default=0,
        )
        char = self.fontMetrics().averageCharWidth()
        self.setMinimumWidth(min(width + char * 6, char * MOST_CHARS))
