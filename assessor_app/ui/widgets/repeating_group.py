"""Repeating group editor: a list of items, each with the group's nested fields, plus
"Add …" and "Remove this …" buttons.

Nested editors are built through the same field registry (passed in as `build`), so a group
can hold any field type. An edit inside an item is reported as a change to the whole group
(``value_edited(group_path, items)``), which keeps autosave simple and item order exact.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from assessor_app.core.form_engine.answers import is_visible
from assessor_app.core.form_engine.model import FieldDef, FieldType

from assessor_app.ui.widgets.field_base import FieldEditor

BuildEditor = Callable[[FieldDef, str], FieldEditor]

FOLD_FROM = 20
"""Items of a group with this many questions or more (a DST contribution has 31) start folded,
each its title, what it is and a button to show its questions, which are built when first
shown: a DST's page of contributions opens without building every one of them."""


@dataclass
class _ItemShown:
    """One item's frame: what its title says and the widgets around its questions."""

    name: str
    note: str | None
    title: QLabel
    body: QWidget
    toggle: QPushButton | None
    remove: QPushButton
    locked: bool


def _summary(group: FieldDef, item: dict[str, Any]) -> str:
    """A folded item's answer that says which it is: its first short text answered (not an
    id, such as a contribution's, which says nothing to a reader)."""
    for nested in group.fields:
        value = item.get(nested.id)
        if nested.type is not FieldType.SHORT_TEXT or nested.id.endswith("_id"):
            continue
        if isinstance(value, str) and value.strip():
            return value.strip()[:80]
    return ""


def _follow_in_tab_order(first: QWidget, body: QWidget, then: QWidget) -> None:
    """Put `body`'s focusable widgets after `first`, and `then` after them.

    Widgets added to a window already shown go to the end of its tab order, so questions
    built when an item is opened would otherwise be reached after everything else. Only
    `body`'s own widgets are looked at, in the order they were made (the questions' order):
    walking the window's whole focus chain from Python wrapped widgets PySide does not own
    (a menu bar's parts), and the window's menu actions were later found deleted.
    """
    focusable = [
        w
        for w in body.findChildren(QWidget)
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus and not _inside_a_compound(w, body)
    ]
    previous = first
    for following in [*focusable, then]:
        QWidget.setTabOrder(previous, following)
        previous = following


def _inside_a_compound(widget: QWidget, body: QWidget) -> bool:
    """`widget` is a part of a widget that takes the focus for it (a date box's line edit)."""
    parent = widget.parentWidget()
    while parent is not None and parent is not body:
        if parent.focusProxy() is not None:
            return True
        parent = parent.parentWidget()
    return False


class RepeatingGroupEditor(FieldEditor):
    """Items of nested answers; `value()` is a list of dicts."""

    def __init__(
        self, field: FieldDef, path: str, *, build: BuildEditor, parent: QWidget | None = None
    ) -> None:
        super().__init__(field, path, parent)
        self._build = build
        self._items: list[dict[str, Any]] = []
        self._outer: Mapping[str, Any] = {}
        self._problems: dict[str, str] = {}
        self.item_name = field.item_label or "item"
        self.item_editors: list[list[FieldEditor]] = []
        self._locked: Callable[[dict[str, Any]], str | None] | None = None
        # An item of many questions starts folded; its questions are built when it is opened.
        self.folds = len(field.fields) >= FOLD_FROM
        self._open: set[int] = set()
        self._items_shown: list[_ItemShown] = []
        self.items_box = QVBoxLayout()
        self.add_button = QPushButton(f"Add {self.item_name}")
        self._name(self.add_button, f"add {self.item_name}")
        self.empty_note = QLabel(f"No {self.item_name} added yet.")
        self.input_area.addWidget(self.empty_note)
        self.input_area.addLayout(self.items_box)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        self.input_area.addLayout(row)
        self.add_button.clicked.connect(self.add_item)
        self._rebuild()

    def value(self) -> Any:
        return copy.deepcopy(self._items) or None

    def set_value(self, value: Any) -> None:
        items = value if isinstance(value, list) else []
        self._items = [dict(item) if isinstance(item, dict) else {} for item in items]
        self._open = set()
        self._rebuild()

    def focus_widget(self) -> QWidget:
        if self.item_editors and self.item_editors[0]:
            return self.item_editors[0][0].focus_widget()
        if self._items_shown and self._items_shown[0].toggle is not None:
            return self._items_shown[0].toggle
        return self.add_button

    def unparsed_inputs(self) -> list[FieldEditor]:
        """Nested editors showing typed text that could not be read."""
        return [
            bad for editors in self.item_editors for e in editors for bad in e.unparsed_inputs()
        ]

    def editor_at(self, path: str) -> FieldEditor | None:
        if path == self.path:
            return self
        inside = re.match(re.escape(self.path) + r"\[(\d+)\]", path)
        if inside is not None:
            self.open_item(int(inside.group(1)))  # a folded item's questions are built now
        for editors in self.item_editors:
            for editor in editors:
                found = editor.editor_at(path)
                if found is not None:
                    return found
        return None

    def add_item(self) -> None:
        """Append an empty item and put the cursor in its first field."""
        self._items.append({})
        self._open.add(len(self._items) - 1)
        self._rebuild()
        self._emit(self.value() or [])
        if self.item_editors[-1]:
            self.item_editors[-1][0].focus_widget().setFocus()

    def remove_item(self, index: int) -> None:
        """Delete item `index` (0-based)."""
        del self._items[index]
        self._open = {i - (i > index) for i in self._open if i != index}
        self._rebuild()
        self._emit(self.value())
        self.add_button.setFocus()

    def update_visibility(self, outer: Mapping[str, Any]) -> None:
        """Show each nested field whose condition holds for its item (over `outer` answers)."""
        self._outer = outer
        for item, editors in zip(self._items, self.item_editors, strict=True):
            if not editors:
                continue  # folded, not built yet: built with the visibility of its time
            merged = {**outer, **item}
            for editor in editors:
                editor.setVisible(is_visible(editor.field, merged))

    def set_core_problems(self, problems: dict[str, str]) -> None:
        self._problems = problems
        super().set_core_problems(problems)
        for editors in self.item_editors:
            for editor in editors:
                editor.set_core_problems(problems)
        if self.folds:
            for index in range(len(self._items_shown)):
                self._show_header(index)

    def set_locked(self, rule: Callable[[dict[str, Any]], str | None]) -> None:
        """Make the items `rule` names read-only, each with the note it returns, e.g. a
        colleague's DST contribution, which only its author may change."""
        self._locked = rule
        self._rebuild()

    def _nested_edited(self, index: int, field_id: str, value: Any) -> None:
        if value is None:
            self._items[index].pop(field_id, None)
        else:
            self._items[index][field_id] = value
        self.update_visibility(self._outer)
        self._emit(self.value())

    def _rebuild(self) -> None:
        while self.items_box.count():
            taken = self.items_box.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        self.item_editors = []
        self._items_shown = []
        for index, item in enumerate(self._items):
            self.items_box.addWidget(self._item_frame(index, item))
        full = self.field.max_items is not None and len(self._items) >= self.field.max_items
        self.add_button.setEnabled(not full and not self.read_only)
        self.empty_note.setVisible(not self._items)

    def _item_frame(self, index: int, item: dict[str, Any]) -> QFrame:
        # Widgets join the tab order as they are put in the frame: the title's button, then
        # the questions (when built now), then the remove button.
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        name = f"{self.item_name.capitalize()} {index + 1}"
        frame.setAccessibleName(name)
        box = QVBoxLayout(frame)
        header = QHBoxLayout()
        title = QLabel(name)
        title.setWordWrap(True)
        header.addWidget(title, 1)
        toggle: QPushButton | None = None
        if self.folds:
            toggle = QPushButton()
            toggle.clicked.connect(lambda _checked=False, i=index: self._toggle(i))
            header.addWidget(toggle, 0)
        box.addLayout(header)
        body = QWidget()
        body_box = QVBoxLayout(body)
        body_box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(body)
        remove = QPushButton(f"Remove this {self.item_name}")
        remove.setAccessibleName(f"Remove {self.item_name} {index + 1}")
        remove.clicked.connect(lambda _checked=False, i=index: self.remove_item(i))
        note = self._locked(item) if self._locked is not None else None
        locked = bool(note) or self.read_only
        if locked:
            remove.setEnabled(False)
        self._items_shown.append(_ItemShown(name, note, title, body, toggle, remove, locked))
        self.item_editors.append([])
        if not self.folds or index in self._open:
            self._build_item(index)
        else:
            body.setVisible(False)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(remove)
        box.addLayout(row)
        self._show_header(index)
        return frame

    def _build_item(self, index: int) -> None:
        """Put item `index`'s questions in its frame (once), showing its answers."""
        shown = self._items_shown[index]
        if self.item_editors[index]:
            return
        item = self._items[index]
        body_box = shown.body.layout()
        assert body_box is not None
        editors = []
        for nested in self.field.fields:
            editor = self._build(nested, f"{self.path}[{index}].{nested.id}")
            editor.set_value(item.get(nested.id))
            editor.value_edited.connect(
                lambda _path, value, i=index, fid=nested.id: self._nested_edited(i, fid, value)
            )
            if shown.locked:
                editor.set_read_only()
            body_box.addWidget(editor)
            editors.append(editor)
        self.item_editors[index] = editors
        if shown.toggle is not None and self.isAncestorOf(shown.body):
            # Opened later: the questions went to the end of the window's tab order. (In a
            # frame being built they are already in order, and are left so: reordering
            # widgets not yet in their window breaks Qt's chain when they are deleted.)
            _follow_in_tab_order(shown.toggle, shown.body, shown.remove)
        merged = {**self._outer, **item}
        for editor in editors:
            editor.setVisible(is_visible(editor.field, merged))
            editor.set_core_problems(self._problems)

    def open_item(self, index: int, *, focus: bool = False) -> None:
        """Show item `index`'s questions, building them the first time.

        Args:
            index: The item (0-based).
            focus: Put the cursor in its first question.
        """
        if not 0 <= index < len(self._items_shown):
            return
        self._open.add(index)
        self._build_item(index)
        shown = self._items_shown[index]
        shown.body.setVisible(True)
        self._show_header(index)
        if focus and self.item_editors[index]:
            self.item_editors[index][0].focus_widget().setFocus()

    def _toggle(self, index: int) -> None:
        if index in self._open:
            self._open.discard(index)
            self._items_shown[index].body.setVisible(False)
            self._show_header(index)
        else:
            self.open_item(index, focus=True)

    def _show_header(self, index: int) -> None:
        """The item's title: its name, what it is (folded), its lock note, its problems."""
        shown = self._items_shown[index]
        text = shown.name
        folded = shown.toggle is not None and index not in self._open
        if folded:
            what = _summary(self.field, self._items[index])
            if what:
                text += f" \u2014 {what}"
        if shown.note:
            text += f": {shown.note}"
        if folded:
            prefix = f"{self.path}[{index}]."
            count = sum(1 for path in self._problems if path.startswith(prefix))
            if count:
                text += (
                    f" ({count} problem{'s' if count > 1 else ''}: show its questions to see "
                    f"{'them' if count > 1 else 'it'})"
                )
        shown.title.setText(text)
        if shown.toggle is not None:
            verb = "Hide" if index in self._open else "Show"
            shown.toggle.setText(f"{verb} its questions")
            shown.toggle.setAccessibleName(f"{verb} the questions of {shown.name.lower()}")

    def set_read_only(self) -> None:
        """Every item read-only, and none added or removed (items rebuilt later stay so)."""
        super().set_read_only()
        self._rebuild()
