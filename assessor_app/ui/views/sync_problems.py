"""The Sync problems dialog: records with another version, and changes the server held.

Opened from the status bar ("1 record has another version — choose"). Each record with
another version shows the answers that differ side by side (this laptop's and the other
laptop's, with who saved each and when) and two buttons, "Keep mine" and "Use the other
version"; each held change shows whose it is, the council's server's reason, and "Try again".
Everything is read and written by `core.services.sync_problems` on the vault's worker; the
dialog only shows what it returns, and reads again after each choice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from assessor_app.core.services import sync_problems
from assessor_app.core.services.session import Session

from assessor_app.ui.operations import BackgroundOps, dispose

__all__ = ["SyncProblemsDialog"]


@dataclass(frozen=True)
class _Problems:
    held: list[sync_problems.HeldChange]
    forked: list[sync_problems.Comparison]


def _load(session: Session) -> _Problems:
    return _Problems(
        sync_problems.held_changes(session),
        [
            sync_problems.compare_versions(session, f.record_id)
            for f in sync_problems.records_with_other_versions(session)
        ],
    )


def _when(at: dt.datetime) -> str:
    return at.astimezone().strftime("%d/%m/%Y at %H:%M")


def _side(side: sync_problems.VersionSide) -> str:
    return f"{side.author}, {_when(side.saved_at)}"


class _FittedTable(QTableWidget):
    """A table as tall as its rows, fitted again when its width changes (the dialog scrolls,
    not each table inside it)."""

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        # The stretched columns take their new widths after this event: measure after them.
        QTimer.singleShot(0, self, lambda: _fit_height(self))


def _table(
    headers: list[str], rows: list[list[str]], name: str, *, first_width: int = 0
) -> QTableWidget:
    table = _FittedTable(len(rows), len(headers))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setWordWrap(True)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = table.horizontalHeader()
    for column in range(len(headers)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    if first_width:
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        table.setColumnWidth(0, first_width)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            table.setItem(r, c, item)
    return table


def _fit_height(table: QTableWidget) -> None:
    """Show every row, each as tall as its longest wrapped text: the dialog scrolls, not each
    table inside it. (Measured here: Qt's own row fitting over-counts wrapped lines.)"""
    metrics = table.fontMetrics()
    wrap = int(Qt.TextFlag.TextWordWrap.value)
    height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
    for r in range(table.rowCount()):
        tallest = metrics.height()
        for c in range(table.columnCount()):
            widget = table.cellWidget(r, c)
            if widget is not None:
                tallest = max(tallest, widget.sizeHint().height())
            item = table.item(r, c)
            if item is not None and item.text():
                box = QRect(0, 0, max(table.columnWidth(c) - 10, 40), 100_000)
                tallest = max(tallest, metrics.boundingRect(box, wrap, item.text()).height())
        table.setRowHeight(r, tallest + 8)
        height += tallest + 8
    if table.height() != height:
        table.setFixedHeight(height)


class SyncProblemsDialog(QDialog):
    """Held changes with Try again; records with another version with Keep mine / Use theirs."""

    changed = Signal()
    """Emitted after a choice or a Try again (the window refreshes the status and syncs)."""

    def __init__(self, ops: BackgroundOps, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Sync problems")
        self.resize(900, 560)
        self._ops, self._session = ops, session
        self.disposed = False
        self.problems: _Problems | None = None
        self._error = ""
        self.message = QLabel("Reading…")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Sync problems message")
        self.body = QWidget()
        self.column = QVBoxLayout(self.body)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.body)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        self.buttons: dict[str, QPushButton] = {}
        """Every action button by its accessible name (for tests and screen readers)."""
        self.reload()

    def reload(self) -> None:
        """Read the problems again (on the worker) and show them."""
        self._ops.run(_load, self._session, on_success=self._show, owner=self)

    def _clear(self) -> None:
        self.buttons.clear()
        while self.column.count():
            item = self.column.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                dispose(widget)

    def _show(self, problems: _Problems) -> None:
        self.problems = problems
        self._clear()
        error, self._error = self._error, ""
        if not problems.held and not problems.forked:
            nothing = "Nothing needs you: every change was taken or is queued."
            self.message.setText(f"{error} {nothing}".strip())
            return
        self.message.setText(
            error
            or "Nothing here is lost. Choose for each record which version to keep; the other "
            "stays in the record's history. Held changes stay on this laptop until they are "
            "sent."
        )
        for comparison in problems.forked:
            self.column.addWidget(self._fork_box(comparison))
        if problems.held:
            self.column.addWidget(self._held_box(problems.held))
        self.column.addStretch(1)

    def _fork_box(self, comparison: sync_problems.Comparison) -> QGroupBox:
        r = comparison.record
        box = QGroupBox(f"{r.form_title} for {r.person_name}: two versions")
        column = QVBoxLayout(box)
        person = r.entity_type == "person"
        intro = QLabel(
            "These details were changed on this laptop and on another laptop from the same "
            "point. Which should be kept?"
            if person
            else "This record was changed on this laptop and on another laptop from the same "
            "point. Which answers should it keep?"
        )
        intro.setWordWrap(True)
        column.addWidget(intro)
        mine_head = f"On this laptop\n{_side(r.mine)}"
        theirs_head = f"On the other laptop\n{_side(r.theirs)}"
        rows = [[d.question, d.mine, d.theirs] for d in comparison.differences]
        if rows:
            first, name = (
                ("Detail", "Differing details") if person else ("Question", "Differing answers")
            )
            table = _table([first, mine_head, theirs_head], rows, name, first_width=240)
            column.addWidget(table)
        for note in comparison.notes:
            label = QLabel(note)
            label.setWordWrap(True)
            column.addWidget(label)
        row = QHBoxLayout()
        row.addStretch(1)
        for text, theirs in (("Keep mine", False), ("Use the other version", True)):
            button = QPushButton(text)
            name = f"{text} for {'person' if person else 'record'} {r.record_id}"
            button.setAccessibleName(name)
            button.clicked.connect(
                lambda _=False, rid=r.record_id, t=theirs: self.choose(rid, theirs=t)
            )
            self.buttons[name] = button
            row.addWidget(button)
        column.addLayout(row)
        return box

    def _held_box(self, held: list[sync_problems.HeldChange]) -> QGroupBox:
        box = QGroupBox("Held by the council's server")
        column = QVBoxLayout(box)
        intro = QLabel(
            "The council's server would not take these changes. Put right what it says (or "
            "ask IT), then press Try again."
        )
        intro.setWordWrap(True)
        column.addWidget(intro)
        rows = [[h.what, f"{h.reason}", ""] for h in held]
        table = _table(["Change", "The server's reason", ""], rows, "Held changes", first_width=300)
        header = table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        for i, change in enumerate(held):
            button = QPushButton("Try again")
            name = f"Try again: {change.what}, revision {change.revision}"
            button.setAccessibleName(name)
            button.clicked.connect(lambda _=False, h=change.revision_hash: self.try_again(h))
            self.buttons[name] = button
            table.setCellWidget(i, 2, button)
        column.addWidget(table)
        return box

    def _busy(self) -> None:
        for button in self.buttons.values():
            button.setEnabled(False)

    def choose(self, record_id: str, *, theirs: bool) -> None:
        """Keep this laptop's version or use the other one, in the background."""
        self._busy()
        act = sync_problems.take_theirs if theirs else sync_problems.keep_mine
        self._ops.run(
            act,
            self._session,
            record_id,
            on_success=lambda _: self._did_change(),
            on_failure=self._failed,
            owner=self,
        )

    def try_again(self, revision_hash: str) -> None:
        """Queue a held change again, in the background."""
        self._busy()
        self._ops.run(
            sync_problems.try_again,
            self._session,
            revision_hash,
            on_success=lambda _: self._did_change(),
            on_failure=self._failed,
            owner=self,
        )

    def _did_change(self) -> None:
        self.changed.emit()
        self.reload()

    def _failed(self, error: Any) -> None:
        text = getattr(error, "user_message", None) or str(error)
        step = getattr(error, "next_step", "") or ""
        self._error = f"{text} {step}".strip()
        self.message.setText(self._error)
        self.reload()
