"""The caseload's "To do" list: what `core.services.todo` works out, soonest first.

Thin: the core says what is due, by when, why and which record settles it; this shows it,
filters it by kind and emits `item_chosen(TodoItem)` on Enter or a double-click (the main
window opens that record, or starts the one to make).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from assessor_app.core.records import PersonId
from assessor_app.core.services.todo import KIND_LABELS, TodoItem, TodoKind

from assessor_app.ui.widgets.date_input import format_date

COLUMNS = ("Due", "Person", "To do", "Why")
SHOWN_AT_MOST = 500
"""Rows put in the list at once (soonest first); the filter narrows to the rest. Thousands of
rows would hold up the window as they are laid out, and nobody reads past the first pages."""


def due_text(item: TodoItem, today: dt.date) -> str:
    """ "Overdue since …", "By …" or "Since …" (no set time limit)."""
    when = format_date(item.due)
    if not item.deadline:
        return f"Since {when}"
    return f"Overdue since {when}" if item.overdue(today) else f"By {when}"


class TodoPanel(QWidget):
    """The list, its filter by kind and a line saying how many are shown."""

    item_chosen = Signal(object)

    def __init__(self, today: Callable[[], dt.date], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._today = today
        self.items: list[TodoItem] = []
        self.names: dict[PersonId, str] = {}
        self.kind = QComboBox()
        self.kind.setAccessibleName("Show which kind of item")
        kind_label = QLabel("S&how:")
        kind_label.setBuddy(self.kind)
        self.list = QTreeWidget()
        self.list.setAccessibleName("To do")
        self.list.setColumnCount(len(COLUMNS))
        self.list.setHeaderLabels(list(COLUMNS))
        self.list.setRootIsDecorated(False)
        self.list.setAlternatingRowColors(True)
        self.list.setUniformRowHeights(True)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setAccessibleName("Why the selected item is due")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.count = QLabel("Working out what is due…")
        self.count.setAccessibleName("Number of items to do")
        top = QHBoxLayout()
        top.addWidget(kind_label)
        top.addWidget(self.kind)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.detail)
        layout.addWidget(self.count)
        self.list.currentItemChanged.connect(self._show_detail)
        self.kind.currentIndexChanged.connect(self._fill)
        self.list.itemActivated.connect(self._activated)
        self._set_kinds()

    def show_items(self, items: list[TodoItem], names: dict[PersonId, str]) -> None:
        """Show a freshly worked-out list (soonest first), keeping the filter chosen."""
        self.items, self.names = items, names
        self._set_kinds()
        self._fill()

    def _set_kinds(self) -> None:
        chosen = self.kind.currentData()
        counts = {kind: 0 for kind in TodoKind}
        for item in self.items:
            counts[item.kind] += 1
        self.kind.blockSignals(True)
        self.kind.clear()
        self.kind.addItem(f"All kinds ({len(self.items):,})", None)
        for kind in TodoKind:
            self.kind.addItem(f"{KIND_LABELS[kind]} ({counts[kind]:,})", kind.value)
        index = self.kind.findData(chosen)
        self.kind.setCurrentIndex(max(0, index))
        self.kind.blockSignals(False)

    def shown_kind(self) -> TodoKind | None:
        """The kind the filter shows, or None for all."""
        value = self.kind.currentData()
        return TodoKind(value) if value else None

    def _fill(self) -> None:
        kind = self.shown_kind()
        wanted = [i for i in self.items if kind is None or i.kind is kind]
        today = self._today()
        self.list.clear()
        rows = []
        for item in wanted[:SHOWN_AT_MOST]:
            name = self.names.get(item.person_id, "(someone no longer on the caseload)")
            row = QTreeWidgetItem([due_text(item, today), name, item.what, item.why])
            row.setData(0, Qt.ItemDataRole.UserRole, item)
            row.setToolTip(3, item.why)
            if item.overdue(today):
                font = row.font(0)
                font.setBold(True)
                row.setFont(0, font)
            rows.append(row)
        self.list.addTopLevelItems(rows)
        for column in range(len(COLUMNS) - 1):
            self.list.resizeColumnToContents(column)
        if rows:
            self.list.setCurrentItem(rows[0])
        else:
            self.detail.clear()
        if not wanted:
            self.count.setText("Nothing to do." if kind is None else "Nothing of this kind.")
        elif len(wanted) > SHOWN_AT_MOST:
            self.count.setText(
                f"The {SHOWN_AT_MOST} soonest of {len(wanted):,} shown: choose a kind to narrow "
                "the list."
            )
        else:
            self.count.setText(f"{len(wanted):,} to do.")

    def _show_detail(self, row: QTreeWidgetItem | None, _previous: object = None) -> None:
        item = row.data(0, Qt.ItemDataRole.UserRole) if row is not None else None
        if not isinstance(item, TodoItem):
            self.detail.clear()
            return
        opens = (
            "Enter starts the record that settles it."
            if item.start_form
            else "Enter opens the record that settles it."
        )
        self.detail.setText(f"<b>Why:</b> {escape(item.why)} {opens}")

    def _activated(self, row: QTreeWidgetItem) -> None:
        item = row.data(0, Qt.ItemDataRole.UserRole)
        if isinstance(item, TodoItem):
            self.item_chosen.emit(item)

    def open_current(self) -> None:
        """Open the selected item's record (as Enter does)."""
        row = self.list.currentItem()
        if row is not None:
            self._activated(row)
