"""Repeating group editor: a list of items, each with the group's nested fields, plus
"Add …" and "Remove this …" buttons.

Nested editors are built through the same field registry (passed in as `build`), so a group
can hold any field type. An edit inside an item is reported as a change to the whole group
(``value_edited(group_path, items)``), which keeps autosave simple and item order exact.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from assessor_app.core.form_engine.answers import is_visible
from assessor_app.core.form_engine.model import FieldDef

from assessor_app.ui.widgets.field_base import FieldEditor

BuildEditor = Callable[[FieldDef, str], FieldEditor]


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
        self._rebuild()

    def focus_widget(self) -> QWidget:
        if self.item_editors and self.item_editors[0]:
            return self.item_editors[0][0].focus_widget()
        return self.add_button

    def unparsed_inputs(self) -> list[FieldEditor]:
        """Nested editors showing typed text that could not be read."""
        return [
            bad for editors in self.item_editors for e in editors for bad in e.unparsed_inputs()
        ]

    def editor_at(self, path: str) -> FieldEditor | None:
        if path == self.path:
            return self
        for editors in self.item_editors:
            for editor in editors:
                found = editor.editor_at(path)
                if found is not None:
                    return found
        return None

    def add_item(self) -> None:
        """Append an empty item and put the cursor in its first field."""
        self._items.append({})
        self._rebuild()
        self._emit(self.value() or [])
        if self.item_editors[-1]:
            self.item_editors[-1][0].focus_widget().setFocus()

    def remove_item(self, index: int) -> None:
        """Delete item `index` (0-based)."""
        del self._items[index]
        self._rebuild()
        self._emit(self.value())
        self.add_button.setFocus()

    def update_visibility(self, outer: Mapping[str, Any]) -> None:
        """Show each nested field whose condition holds for its item (over `outer` answers)."""
        self._outer = outer
        for item, editors in zip(self._items, self.item_editors, strict=True):
            merged = {**outer, **item}
            for editor in editors:
                editor.setVisible(is_visible(editor.field, merged))

    def set_core_problems(self, problems: dict[str, str]) -> None:
        self._problems = problems
        super().set_core_problems(problems)
        for editors in self.item_editors:
            for editor in editors:
                editor.set_core_problems(problems)

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
        for index, item in enumerate(self._items):
            self.items_box.addWidget(self._item_frame(index, item))
        full = self.field.max_items is not None and len(self._items) >= self.field.max_items
        self.add_button.setEnabled(not full and not self.read_only)
        self.empty_note.setVisible(not self._items)
        self.update_visibility(self._outer)
        for editors in self.item_editors:
            for editor in editors:
                editor.set_core_problems(self._problems)

    def _item_frame(self, index: int, item: dict[str, Any]) -> QFrame:
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame.setAccessibleName(f"{self.item_name.capitalize()} {index + 1}")
        box = QVBoxLayout(frame)
        title = QLabel(f"{self.item_name.capitalize()} {index + 1}")
        box.addWidget(title)
        editors = []
        for nested in self.field.fields:
            editor = self._build(nested, f"{self.path}[{index}].{nested.id}")
            editor.set_value(item.get(nested.id))
            editor.value_edited.connect(
                lambda _path, value, i=index, fid=nested.id: self._nested_edited(i, fid, value)
            )
            box.addWidget(editor)
            editors.append(editor)
        remove = QPushButton(f"Remove this {self.item_name}")
        remove.setAccessibleName(f"Remove {self.item_name} {index + 1}")
        remove.clicked.connect(lambda _checked=False, i=index: self.remove_item(i))
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(remove)
        box.addLayout(row)
        self.item_editors.append(editors)
        note = self._locked(item) if self._locked is not None else None
        if note:
            title.setText(f"{title.text()}: {note}")
            title.setWordWrap(True)
        if note or self.read_only:
            for editor in editors:
                editor.set_read_only()
            remove.setEnabled(False)
        return frame

    def set_read_only(self) -> None:
        """Every item read-only, and none added or removed (items rebuilt later stay so)."""
        super().set_read_only()
        self._rebuild()
