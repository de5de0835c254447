"""The base every generated field editor derives from: label, help, input, inline problem.

An editor owns one answer at one path (`"notes"` or `"income_sources[2].income_amount"`). It
emits `value_edited(path, value)` only for changes the user makes, never for `set_value`, so
loading a record does not trigger autosave.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from assessor_app.core.form_engine.model import FieldDef

from assessor_app.ui.widgets.labels import help_label, problem_label, show_problem

COMBO_MIN_CHARS = 20
"""A drop-down is at least this many characters wide, and wider when there is room."""


def let_shrink(combo: QComboBox) -> QComboBox:
    """Let a drop-down be narrower than its longest option.

    A drop-down cannot wrap: on a narrow page it shortens the chosen option (shown whole in
    its tooltip and in the open list) rather than pushing the page past the right edge. Call
    it once the combo has its items and tooltip.
    """
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(COMBO_MIN_CHARS)

    fallback = combo.toolTip()  # the question's help, shown while nothing is chosen

    def whole_choice() -> None:
        combo.setToolTip(combo.currentText() if combo.currentData() is not None else fallback)

    combo.currentIndexChanged.connect(whole_choice)
    whole_choice()
    return combo


class FieldEditor(QWidget):
    """One question on screen. Subclasses build `self.input_area` and implement the value API."""

    value_edited = Signal(str, object)

    def __init__(self, field: FieldDef, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.path = path
        self.touched = False
        self.read_only = False
        self._local_problem = ""
        self._core_problem = ""
        self.setObjectName(f"field:{path}")
        text = field.label + ("" if not field.required else " (required)")
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        font = self.label.font()
        font.setBold(True)
        self.label.setFont(font)
        self.help = help_label(field.help or "")
        self.problem = problem_label()
        self.input_area = QVBoxLayout()
        self.input_area.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(max(2, self.fontMetrics().height() // 6))
        layout.addWidget(self.label)
        layout.addWidget(self.help)
        layout.addLayout(self.input_area)
        layout.addWidget(self.problem)

    # -- value API (subclasses) ----------------------------------------------------------

    def value(self) -> Any:
        """The answer as stored (None when unanswered)."""
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        """Show a stored answer without emitting `value_edited`."""
        raise NotImplementedError

    def focus_widget(self) -> QWidget:
        """The control that takes focus when this field is focused."""
        return self

    def editor_at(self, path: str) -> FieldEditor | None:
        """The editor for `path` (itself, or a nested one in a repeating group)."""
        return self if path == self.path else None

    def set_read_only(self) -> None:
        """Show the answer as it is, at full contrast, selectable, but take no edits: a
        finalised record or a colleague's DST contribution. (A disabled widget would do the
        same in a pale grey that is hard to read.) One way: a view is rebuilt to edit again."""
        self.read_only = True
        freeze(self)

    # -- problems ------------------------------------------------------------------------

    def unparsed_inputs(self) -> list[FieldEditor]:
        """Editors (this one, or nested ones) showing typed text that could not be read.

        Such text was never saved, so the stored answer differs from what is on screen.
        """
        return [self] if self._local_problem else []

    def set_local_problem(self, text: str) -> None:
        """A problem found while parsing what was typed (wins over the core's message)."""
        self._local_problem = text
        self._show_problem()

    def set_core_problems(self, problems: dict[str, str]) -> None:
        """Messages from `validate_answers`, keyed by path; this editor takes its own."""
        self._core_problem = problems.get(self.path, "")
        self._show_problem()

    def _show_problem(self) -> None:
        show_problem(self.problem, self._local_problem or self._core_problem)
        self.focus_widget().setAccessibleDescription(self.problem.text())

    # -- helpers for subclasses ----------------------------------------------------------

    def _emit(self, value: Any) -> None:
        self.touched = True
        self.value_edited.emit(self.path, value)

    def _name(self, widget: QWidget, suffix: str = "") -> QWidget:
        widget.setAccessibleName(self.field.label + (f": {suffix}" if suffix else ""))
        if self.field.help:
            widget.setToolTip(self.field.help)
        return widget


def freeze(root: QWidget) -> None:
    """Make every input under `root` show its value without taking edits, at full contrast.

    Text boxes become read-only (still selectable, so text can be copied); choices and the
    signature pad (any widget with a true `drawn` attribute) take no focus and drop every
    mouse and key event; action buttons (Add, Remove, Clear) are disabled, as they change
    nothing that is shown.
    """
    guard = _TakesNoInput(root)
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit):
            widget.setReadOnly(True)
        elif isinstance(widget, QPushButton):
            widget.setEnabled(False)
        elif isinstance(widget, QAbstractButton | QComboBox) or getattr(widget, "drawn", False):
            # Wheel and clicks pass through to the page (so it still scrolls under the mouse).
            widget.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            widget.installEventFilter(guard)


class _TakesNoInput(QObject):
    """Drops the input events that would change a frozen choice, however they arrive."""

    DROPPED = frozenset(
        {
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseButtonRelease,
            QEvent.Type.MouseButtonDblClick,
            QEvent.Type.KeyPress,
            QEvent.Type.KeyRelease,
            QEvent.Type.Wheel,
            QEvent.Type.Shortcut,
        }
    )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        del watched
        return event.type() in self.DROPPED
