"""Caseload screen: search-as-you-type over the people in the vault, and "Add person".

Each keystroke queues a search on the worker with `latest_key`, so only the newest query's
results are shown however fast the user types. Enter opens the selected row only when the rows
on screen are the results for the text now in the box; pressed sooner (the worker is busy), it
opens the first result of that text when it arrives, unless the user types on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from assessor_app.core.attention import ATTENTION_ANSWERS, ATTENTION_FORMS, attention
from assessor_app.core.nhs_number import format_nhs_number
from assessor_app.core.records import Person, PersonId
from assessor_app.core.services.todo import TodoItem, soonest_first, work_out
from assessor_app.core.storage.leaving import leaving

if TYPE_CHECKING:
    from assessor_app.core.services.session import Session

from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.views.person_form import PersonDialog
from assessor_app.ui.views.todo import TodoPanel
from assessor_app.ui.widgets.date_input import format_date
from assessor_app.ui.widgets.labels import heading_label

COLUMNS = ("Name", "Date of birth", "NHS number", "Setting", "Needs attention")
ATTENTION_COLUMN = COLUMNS.index("Needs attention")
SETTING_COLUMN = COLUMNS.index("Setting")
NAME_COLUMN = COLUMNS.index("Name")
WRAP_FIRST = ((SETTING_COLUMN, 16), (NAME_COLUMN, 16))
"""When the columns do not fit the list's width, these are narrowed (to no fewer than this
many characters) and their text wraps, in this order; what needs attention never is."""
COLUMN_GAP = 3
"""Characters of space after each column but the last."""
_Found = tuple[tuple[int, dt.date], dict[PersonId, list[str]]] | None
# A part of the alerts: the (change mark, day) worked out for, and the alerts; None when the
# alerts shown are still current.
_FoundTodo = tuple[tuple[int, dt.date], list[TodoItem], dict[PersonId, str]] | None
# A part of the to-do list: the (change mark, day) worked out for, its items and the names of
# its people; None when the list shown is still current.
_BOUNDS = [None, *"123456789abcdef", None]
ALERT_PARTS = tuple(zip(_BOUNDS, _BOUNDS[1:], strict=False))
"""The alerts are worked out in parts, by the first character of the person's id (random hex;
any other id still falls in exactly one part), so a search typed meanwhile waits for one part
(a few milliseconds), not for all 20,000 people."""


def fit_widths(wanted: list[int], available: int, narrowest: dict[int, int]) -> list[int]:
    """Column widths that fit `available` pixels: `wanted` (each column's text), less what the
    columns in `narrowest` (column to its least width) give up, in that order, when short.

    The last column stretches into what is left, so it may get more than it wanted; when even
    the narrowest widths do not fit, the list scrolls sideways.
    """
    widths = list(wanted)
    over = sum(widths) - available
    for column, least in narrowest.items():
        if over <= 0:
            break
        give = min(over, max(0, widths[column] - least))
        widths[column] -= give
        over -= give
    return widths


MOVING = "moving to another caseload: kept until your work on them is sent"


def person_row(person: Person, alerts: Sequence[str] = (), *, moving: bool = False) -> list[str]:
    """The columns shown for a person in the caseload list.

    Args:
        person: The person.
        alerts: What needs attention about them.
        moving: They were moved to another assessor's caseload and stay here until this
            laptop's work on them is at the gateway (said in the name column).
    """
    d = person.details
    nhs = format_nhs_number(d.nhs_number) if d.nhs_number else "—"
    setting = d.setting.label + (f" ({d.establishment_name})" if d.establishment_name else "")
    name = f"{d.display_name} ({MOVING})" if moving else d.display_name
    return [name, format_date(d.date_of_birth) or "—", nhs, setting, "; ".join(alerts)]


class _WrappingDelegate(QStyledItemDelegate):
    """Row heights worked out at each column's width, so a narrowed column's text wraps."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self._tree = tree

    def sizeHint(  # noqa: N802 - Qt override
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        natural = super().sizeHint(option, index)  # on one line: what the column wants
        if natural.width() <= self._tree.columnWidth(index.column()):
            return natural  # it fits on one line: no need to lay it out wrapped
        sized = QStyleOptionViewItem(option)
        # The style wraps only within a valid rectangle, so give it a height as well.
        width = self._tree.columnWidth(index.column())
        sized.rect = QRect(0, 0, width, option.fontMetrics.height())
        return QSize(natural.width(), super().sizeHint(sized, index).height())


class CaseloadView(QWidget):
    """Emits `person_chosen(person_id)` when a row is activated or a person is added,
    `todo_chosen(TodoItem)` when a to-do item is, and `lock_requested` on Ctrl+L in the Add
    person dialog."""

    person_chosen = Signal(str)
    todo_chosen = Signal(object)
    lock_requested = Signal()

    def __init__(self, ops: BackgroundOps, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ops = ops
        self._session = session
        self._people = session.people
        self._records = session.records
        self._conn = session.vault.conn
        self.moving: set[str] = set()
        """People moved to another caseload, kept until this laptop's work on them is sent."""
        self._today: Callable[[], dt.date] = dt.date.today
        self.alerts: dict[PersonId, list[str]] = {}
        """Person id to what needs attention (urgent Fast Track, CHC dates due or overdue)."""
        self.alerts_worked_out = 0
        """How many times the alerts were worked out afresh (not found still current)."""
        self._alerts_for: tuple[int, dt.date] | None = None  # (change mark, day) shown
        self._alert_parts: dict[int, _Found] = {}  # parts of the alerts back so far
        self.todo_worked_out = 0
        """How many times the to-do list was worked out afresh (not found still current)."""
        self._todo_for: tuple[int, dt.date] | None = None
        self._todo_parts: dict[int, _FoundTodo] = {}
        self.add_person_dialog: PersonDialog | None = None
        self._shown_query: str | None = None  # the query whose results are on screen
        self._enter_pending_for: str | None = None  # Enter came before this query's results
        self.search = QLineEdit()
        self.search.setAccessibleName("Search the caseload")
        self.search.setPlaceholderText("Name, NHS number, prison number or date of birth")
        self.search.setClearButtonEnabled(True)
        search_label = QLabel("&Search:")
        search_label.setBuddy(self.search)
        self.add_button = QPushButton("&Add person…")
        self.add_button.setAccessibleName("Add person")
        self.results = QTreeWidget()
        self.results.setAccessibleName("People")
        self.results.setColumnCount(len(COLUMNS))
        self.results.setHeaderLabels(list(COLUMNS))
        self.results.setRootIsDecorated(False)
        # At most `people.search`'s 100 rows, so rows may differ in height: a setting
        # narrowed to fit the window wraps onto a second line rather than being cut off
        # (`fit_columns` makes them uniform again while nothing is narrowed).
        self.results.setUniformRowHeights(False)
        self.results.setWordWrap(True)
        # Only on a column `fit_columns` narrowed: the others keep Qt's own delegate, which
        # lays out a page of rows without calling into Python for every cell.
        self._wrapping = _WrappingDelegate(self.results)
        self._plain = QStyledItemDelegate(self.results)
        self.results.setAlternatingRowColors(True)
        self.count = QLabel()
        self.count.setAccessibleName("Number of people shown")
        top = QHBoxLayout()
        top.addWidget(search_label)
        top.addWidget(self.search, 1)
        top.addWidget(self.add_button)
        people = QWidget()
        people_layout = QVBoxLayout(people)
        people_layout.setContentsMargins(0, 0, 0, 0)
        people_layout.addLayout(top)
        people_layout.addWidget(self.results, 1)
        people_layout.addWidget(self.count)
        self.todo = TodoPanel(lambda: self._today())
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Caseload views")
        # Alt+P and Alt+D switch (Alt+T is the Tools menu's).
        self.tabs.addTab(people, "&People")
        self.tabs.addTab(self.todo, "To &do")
        self.tabs.setTabToolTip(0, "The caseload's people (Alt+P)")
        self.tabs.setTabToolTip(1, "What is due, worked out from the records (Alt+D)")
        layout = QVBoxLayout(self)
        layout.addWidget(heading_label("Caseload"))
        layout.addWidget(self.tabs, 1)
        self.todo.item_chosen.connect(self.todo_chosen)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.search.textChanged.connect(self.run_search)
        self.results.itemActivated.connect(self._activated)
        self.search.returnPressed.connect(self._open_first)
        self.add_button.clicked.connect(self.open_add_person)
        # The list first: the alerts are queued behind the first page, never in front of it.
        self.run_search("")
        self.load_alerts()
        self.load_todo()

    def show_todo(self) -> None:
        """Show the To do list, with the keyboard in it."""
        self.tabs.setCurrentWidget(self.todo)

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.todo:
            self.todo.list.setFocus(Qt.FocusReason.TabFocusReason)
        else:
            self.search.setFocus(Qt.FocusReason.TabFocusReason)

    def focus_current(self) -> None:
        """Back at the caseload: the keyboard in the list of the tab shown (the search box on
        People, the list on To do)."""
        if self.tabs.currentWidget() is self.todo:
            self.todo.list.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.focus_search()

    def focus_search(self) -> None:
        """Ctrl+F: put the cursor in the search box with its text selected."""
        self.tabs.setCurrentIndex(0)
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def refresh(self) -> None:
        """Run the current search again (after a person's details changed elsewhere), and
        the alerts if any record was saved since they were worked out (or the day changed)."""
        self.run_search(self.search.text())
        self.load_alerts()
        self.load_todo()

    def load_todo(self) -> None:
        """Work out (on the worker) the to-do list, in parts as the alerts are, each only when
        the worker has nothing else waiting (a search typed meanwhile goes first); when nothing
        was saved since the list shown was worked out, each part only checks that."""
        self._todo_parts.clear()
        for part, people in enumerate(ALERT_PARTS):
            self._ops.run(
                self._find_todo,
                self._todo_for,
                people,
                owner=self,
                latest_key=f"caseload.todo.{part}",
                when_free=True,
                on_success=partial(self._todo_part_found, part),
            )

    def _find_todo(
        self, shown_for: tuple[int, dt.date] | None, people: tuple[str | None, str | None]
    ) -> _FoundTodo:
        current = (self._records.change_mark(), self._today())
        if current == shown_for:
            return None
        return current, work_out(self._session, people), self._people.names(people)

    def _todo_part_found(self, part: int, found: _FoundTodo) -> None:
        self._todo_parts[part] = found
        if len(self._todo_parts) < len(ALERT_PARTS):
            return
        found_parts, self._todo_parts = self._todo_parts, {}
        fresh = [p for p in found_parts.values() if p is not None]
        if not fresh:
            return  # still current
        items: list[TodoItem] = []
        names: dict[PersonId, str] = {}
        for n, got in found_parts.items():
            if got is None:  # a save came after this part found the list current
                low, high = ALERT_PARTS[n]
                kept = [
                    i
                    for i in self.todo.items
                    if (low is None or i.person_id >= low) and (high is None or i.person_id < high)
                ]
                items += kept
                names |= {i.person_id: self.todo.names.get(i.person_id, "") for i in kept}
                continue
            items += got[1]
            names |= got[2]
        self._todo_for = min(key for key, _, _ in fresh)
        self.todo_worked_out += 1
        self.todo.show_items(soonest_first(items), names)
        self._show_todo_count()

    def _show_todo_count(self) -> None:
        due = len(self.todo.items)
        self.tabs.setTabText(self.tabs.indexOf(self.todo), f"To &do ({due:,})")

    def load_alerts(self) -> None:
        """Work out (on the worker) which people need attention, then mark their rows.

        Quick (reads of an index: `watched_answers`), in parts that each run only when the
        worker has nothing else waiting, so a search typed meanwhile goes first; when nothing
        was saved since the alerts shown were worked out, each part only checks that.
        """
        self._alert_parts.clear()
        for part, people in enumerate(ALERT_PARTS):
            self._ops.run(
                self._find_alerts,
                self._alerts_for,
                people,
                owner=self,
                latest_key=f"caseload.alerts.{part}",
                when_free=True,  # a keystroke's search goes first
                on_success=partial(self._alert_part_found, part),
            )

    def _find_alerts(
        self, shown_for: tuple[int, dt.date] | None, people: tuple[str | None, str | None]
    ) -> _Found:
        current = (self._records.change_mark(), self._today())
        if current == shown_for:
            return None  # still what is on screen
        watched = self._records.watched_answers(ATTENTION_FORMS, ATTENTION_ANSWERS, people)
        return current, attention(watched, current[1])

    def _alert_part_found(self, part: int, found: _Found) -> None:
        self._alert_parts[part] = found
        if len(self._alert_parts) < len(ALERT_PARTS):
            return
        found_parts, self._alert_parts = self._alert_parts, {}
        fresh = [p for p in found_parts.values() if p is not None]
        if not fresh:
            return  # still current
        alerts: dict[PersonId, list[str]] = {}
        for n, got in found_parts.items():
            if got is None:  # a save came after this part found the alerts current
                low, high = ALERT_PARTS[n]
                got = (
                    (0, self._today()),
                    {
                        pid: texts
                        for pid, texts in self.alerts.items()
                        if (low is None or pid >= low) and (high is None or pid < high)
                    },
                )
            alerts |= got[1]  # a person's records are all in one part
        # If a save came between parts, the oldest mark makes the next return look again.
        self._show_alerts((min(key for key, _ in fresh), alerts))

    def _show_alerts(self, found: _Found) -> None:
        if found is None:
            return
        self._alerts_for, alerts = found
        self.alerts_worked_out += 1
        self.alerts = alerts
        for index in range(self.results.topLevelItemCount()):
            item = self.results.topLevelItem(index)
            if item is not None:
                self._mark(item, alerts.get(item.data(0, Qt.ItemDataRole.UserRole), []))
        self.fit_columns()

    def _mark(self, item: QTreeWidgetItem, alerts: Sequence[str]) -> None:
        item.setText(ATTENTION_COLUMN, "; ".join(alerts))
        font = item.font(ATTENTION_COLUMN)
        font.setBold(bool(alerts))
        item.setFont(ATTENTION_COLUMN, font)

    def run_search(self, text: str) -> None:
        """Queue a search; older queries still in flight are dropped."""
        if text != self._enter_pending_for:
            self._enter_pending_for = None  # typing on after Enter: it was not meant for this
        self._ops.run(
            self._search,
            text,
            owner=self,
            latest_key="caseload.search",
            on_success=lambda found: self._found(text, *found),
        )

    def _search(self, text: str) -> tuple[list[Person], set[str]]:
        """The people matching `text`, and who is moving to another caseload (worker)."""
        return self._people.search(text), leaving(self._conn)

    def _found(self, query: str, people: list[Person], moving: set[str]) -> None:
        self.moving = moving
        self._show_results(query, people)

    def _show_results(self, query: str, people: list[Person]) -> None:
        # Keep the user's row when the same search is run again (Back after a refresh).
        current = self.results.currentItem()
        keep = current.data(0, Qt.ItemDataRole.UserRole) if current is not None else None
        if query != self._shown_query:
            keep = None
        self._shown_query = query
        self.results.clear()
        chosen = None
        for person in people:
            item = QTreeWidgetItem(person_row(person, moving=person.id in self.moving))
            item.setData(0, Qt.ItemDataRole.UserRole, person.id)
            self._mark(item, self.alerts.get(person.id, []))
            self.results.addTopLevelItem(item)
            if person.id == keep:
                chosen = item
        self.fit_columns()
        shown = len(people)
        if shown:
            self.count.setText(f"{shown} shown")
        elif query.strip():
            self.count.setText("No one matches.")
        else:
            self.count.setText("No one is in your caseload yet: use Add person… to start.")
        chosen = chosen or self.results.topLevelItem(0)
        if shown and chosen is not None:
            self.results.setCurrentItem(chosen)
        if self._enter_pending_for == query:
            self._enter_pending_for = None
            first = self.results.topLevelItem(0)
            if first is not None:
                self._activated(first)

    def fit_columns(self) -> None:
        """Size the columns to their text, narrowing (and wrapping) the setting, then the
        name, when the window is too narrow for all of them, so nothing is cut off."""
        char = self.fontMetrics().averageCharWidth()
        wanted = []
        for column, _least in WRAP_FIRST:
            self.results.setItemDelegateForColumn(column, self._plain)  # measured on one line
        for column in range(len(COLUMNS)):
            self.results.resizeColumnToContents(column)
            # A gap between columns, in characters so it scales with the font; the last
            # column stretches, and padding it would add a scroll bar.
            gap = char * COLUMN_GAP if column < len(COLUMNS) - 1 else 0
            wanted.append(self.results.columnWidth(column) + gap)
        narrowest = {column: char * least for column, least in WRAP_FIRST}
        widths = fit_widths(wanted, self.results.viewport().width(), narrowest)
        for column, width in enumerate(widths):
            self.results.setColumnWidth(column, width)
        narrowed = [column for column, _least in WRAP_FIRST if widths[column] < wanted[column]]
        for column in narrowed:
            self.results.setItemDelegateForColumn(column, self._wrapping)
        # Nothing narrowed, nothing wraps: every row is one line, and Qt need measure only one.
        self.results.setUniformRowHeights(not narrowed)
        self.results.doItemsLayout()  # row heights follow the new widths (wrapped text)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.fit_columns()

    def _activated(self, item: QTreeWidgetItem) -> None:
        self.person_chosen.emit(PersonId(item.data(0, Qt.ItemDataRole.UserRole)))

    def _open_first(self) -> None:
        if self._shown_query != self.search.text():
            # The rows on screen answer an older query; open the right one when it arrives.
            self._enter_pending_for = self.search.text()
            return
        item = self.results.currentItem()
        if item is not None:
            self._activated(item)

    def open_add_person(self) -> None:
        """Show the (window-modal, non-blocking) Add person dialog."""
        dialog = PersonDialog(self._ops, self._people, parent=self)
        dialog.person_saved.connect(lambda person: self.person_chosen.emit(person.id))
        dialog.lock_requested.connect(self.lock_requested)
        self.add_person_dialog = dialog
        dialog.open()
