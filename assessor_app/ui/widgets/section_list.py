"""Left-hand contents list of the record editor: one row per section with its progress."""

from __future__ import annotations

from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from assessor_app.core.form_engine.answers import SectionStatus


def section_text(status: SectionStatus) -> str:
    """'✓ Needs', 'Money — 2 missing, 1 problem', or a section not asked yet with why on a
    second line ('Wellbeing' / 'answer Consent to the assessment first')."""
    if status.not_asked is not None:
        return f"{status.title}\n    {status.not_asked.short}"
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
        # Long section titles wrap rather than take the width the questions need, and a
        # section's reason for not being asked takes a second line.
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
            item.setToolTip(status.not_asked.detail if status.not_asked else "")
            font = item.font()
            font.setItalic(status.not_asked is not None)
            item.setFont(font)
        width = max(
            (
                self.fontMetrics().horizontalAdvance(line)
                for r in range(self.count())
                for line in self.item(r).text().splitlines()[:1]
            ),
            default=0,
        )
        char = self.fontMetrics().averageCharWidth()
        self.setMinimumWidth(min(width + char * 6, char * MOST_CHARS))
