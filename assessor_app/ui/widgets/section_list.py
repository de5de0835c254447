"""Left-hand contents list of the record editor: one row per section with its progress."""

from __future__ import annotations

from typing import NamedTuple

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
        self._shown: list[_Shown | None] = []

    def set_statuses(self, statuses: list[SectionStatus]) -> list[int]:
        """Create the rows on first call, then update the rows whose shown state changed.

        Called on every keystroke: a row whose text, tooltip and italics are as they were is
        left alone, and the list's width is worked out again only when a title changed.

        Args:
            statuses: Every section's status, in the form's order.

        Returns:
            The rows updated (all of them on the first call).
        """
        if [s.section_id for s in statuses] != self.section_ids:
            self.clear()
            self.section_ids = [s.section_id for s in statuses]
            self._shown = [None] * len(statuses)
            for _status in statuses:
                self.addItem(QListWidgetItem())
        changed = []
        for row, status in enumerate(statuses):
            shown = _Shown(
                section_text(status),
                status.not_asked.detail if status.not_asked else "",
                status.not_asked is not None,
            )
            if self._shown[row] == shown:
                continue
            self._shown[row] = shown
            changed.append(row)
            item = self.item(row)
            item.setText(shown.text)
            item.setToolTip(shown.tooltip)
            font = item.font()
            font.setItalic(shown.italic)
            item.setFont(font)
        if changed:
            self._fit_width()
        return changed

    def _fit_width(self) -> None:
        metrics = self.fontMetrics()
        width = max(
            (
                metrics.horizontalAdvance(shown.text.split("\n", 1)[0])
                for shown in self._shown
                if shown is not None
            ),
            default=0,
        )
        char = metrics.averageCharWidth()
        self.setMinimumWidth(min(width + char * 6, char * MOST_CHARS))


class _Shown(NamedTuple):
    """What a row shows of its section's status."""

    text: str
    tooltip: str
    italic: bool
