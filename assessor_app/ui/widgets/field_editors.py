"""Editors for the scalar field types: text, date, number, money, yes/no, choices, rating,
and the read-only outcome. `field_registry.py` maps each `FieldType` to one of these.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QStyle,
    QWidget,
)

from assessor_app.core.form_engine.model import FieldDef, Option
from assessor_app.core.typed_answers import parse_money, parse_number

from assessor_app.ui.widgets.date_input import DateInput, format_date
from assessor_app.ui.widgets.field_base import FieldEditor, let_shrink

MAX_RADIO_OPTIONS = 6
"""Single-choice fields with more options than this use a drop-down instead of radio buttons."""


class ShortTextEditor(FieldEditor):
    """One line of text; blank is stored as None."""

    def __init__(self, field: FieldDef, path: str, parent: QWidget | None = None) -> None:
        super().__init__(field, path, parent)
        self.line = QLineEdit()
        self._name(self.line)
        if field.max_length:
            self.line.setMaxLength(field.max_length)
        self.input_area.addWidget(self.line)
        self.line.textEdited.connect(lambda text: self._emit(text if text.strip() else None))

    def value(self) -> Any:
        return self.line.text() or None

    def set_value(self, value: Any) -> None:
        self.line.setText("" if value is None else str(value))

    def focus_widget(self) -> QWidget:
        return self.line


class LongTextEditor(FieldEditor):
    """Several lines of narrative; Tab moves on rather than typing a tab."""

    def __init__(self, field: FieldDef, path: str, parent: QWidget | None = None) -> None:
        super().__init__(field, path, parent)
        self.text = QPlainTextEdit()
        self._name(self.text)
        self.text.setTabChangesFocus(True)
        self.text.setMinimumHeight(self.fontMetrics().lineSpacing() * 5)
        # Tall enough to read a paragraph back, short enough that a page of narratives is not
        # mostly empty boxes; longer text scrolls inside the box.
        self.text.setMaximumHeight(self.fontMetrics().lineSpacing() * 9)
        self._loading = False
        self.input_area.addWidget(self.text)
        self.text.textChanged.connect(self._changed)

    def _changed(self) -> None:
        if not self._loading:
            text = self.text.toPlainText()
            self._emit(text if text.strip() else None)

    def value(self) -> Any:
        return self.text.toPlainText() or None

    def set_value(self, value: Any) -> None:
        self._loading = True
        try:
            self.text.setPlainText("" if value is None else str(value))
        finally:
            self._loading = False

    def focus_widget(self) -> QWidget:
        return self.text


class DateEditor(FieldEditor):
    """A date typed as DD/MM/YYYY, stored as an ISO string."""

    def __init__(self, field: FieldDef, path: str, parent: QWidget | None = None) -> None:
        super().__init__(field, path, parent)
        self.line = DateInput(field.label)
        self._name(self.line, "day/month/year")
        self.line.setMaximumWidth(self.fontMetrics().averageCharWidth() * 16)
        self.input_area.addWidget(self.line)
        self.line.textEdited.connect(self._edited)
        self.line.editingFinished.connect(self._finished)

    def _parse(self) -> tuple[bool, str | None]:
        try:
            parsed = self.line.date()
        except ValueError as e:
            return False, str(e)
        return True, parsed.isoformat() if parsed else None

    def _edited(self) -> None:
        ok, value = self._parse()
        if ok:
            self.set_local_problem("")
            self._emit(value)

    def _finished(self) -> None:
        ok, message = self._parse()
        self.set_local_problem("" if ok else str(message))

    def value(self) -> Any:
        ok, value = self._parse()
        return value if ok else None

    def set_value(self, value: Any) -> None:
        try:
            self.line.setText(format_date(dt.date.fromisoformat(value)) if value else "")
        except (TypeError, ValueError):
            self.line.setText(str(value))

    def focus_widget(self) -> QWidget:
        return self.line


def format_money(pence: Any) -> str:
    """1250 → '12.50' (the £ sign is shown beside the box)."""
    if not isinstance(pence, int) or isinstance(pence, bool):
        return ""
    sign = "-" if pence < 0 else ""
    return f"{sign}{abs(pence) // 100:,}.{abs(pence) % 100:02d}"


class _ParsedLineEditor(FieldEditor):
    """A line edit whose text is parsed into the stored value (number, money)."""

    prefix = ""

    def __init__(self, field: FieldDef, path: str, parent: QWidget | None = None) -> None:
        super().__init__(field, path, parent)
        self.line = QLineEdit()
        self._name(self.line, self.prefix)
        self.line.setMaximumWidth(self.fontMetrics().averageCharWidth() * 20)
        self.line.setAlignment(Qt.AlignmentFlag.AlignRight)
        row = QHBoxLayout()
        if self.prefix:
            row.addWidget(QLabel(self.prefix))
        row.addWidget(self.line)
        row.addStretch(1)
        self.input_area.addLayout(row)
        self.line.textEdited.connect(self._edited)
        self.line.editingFinished.connect(self._finished)

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def format_value(self, value: Any) -> str:
        raise NotImplementedError

    def _edited(self, text: str) -> None:
        try:
            value = self.parse(text)
        except ValueError:
            return  # shown when the user leaves the box, not on every keystroke
        self.set_local_problem("")
        self._emit(value)

    def _finished(self) -> None:
        try:
            self.parse(self.line.text())
            self.set_local_problem("")
        except ValueError as e:
            self.set_local_problem(str(e))

    def value(self) -> Any:
        try:
            return self.parse(self.line.text())
        except ValueError:
            return None

    def set_value(self, value: Any) -> None:
        self.line.setText(self.format_value(value))

    def focus_widget(self) -> QWidget:
        return self.line


class NumberEditor(_ParsedLineEditor):
    """A number (whole or decimal)."""

    def parse(self, text: str) -> Any:
        return parse_number(text)

    def format_value(self, value: Any) -> str:
        return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


class MoneyEditor(_ParsedLineEditor):
    """Pounds and pence on screen; integer pence in the answers."""

    prefix = "£"

    def parse(self, text: str) -> Any:
        return parse_money(text)

    def format_value(self, value: Any) -> str:
        return format_money(value)


WRAP_OPTION_AT = 24
"""Option labels longer than this many characters wrap beside their button (so a page can be
narrow, beside the section list and outcomes on a 1024-pixel screen, without clipping them)."""


class _OptionLabel(QLabel):
    """The wrapping text of a long option; clicking it clicks its button."""

    def __init__(self, text: str, button: QAbstractButton) -> None:
        super().__init__(text)
        self.setWordWrap(True)
        self.button = button

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            self.button.click()
            self.button.setFocus(Qt.FocusReason.MouseFocusReason)
        super().mousePressEvent(event)


class _ButtonsEditor(FieldEditor):
    """Radio buttons or check boxes, one per option, laid out vertically."""

    exclusive = True

    def __init__(self, field: FieldDef, path: str, parent: QWidget | None = None) -> None:
        super().__init__(field, path, parent)
        self.group = QButtonGroup(self)
        self.group.setExclusive(self.exclusive)
        self.values: list[Any] = []
        for option in self.options():
            # Buttons cannot wrap their text, so a long option (statutory wording) gets a bare
            # button and a wrapping label beside it, rather than forcing the page sideways.
            wrap = len(option.label) > WRAP_OPTION_AT
            text = "" if wrap else option.label
            button: QAbstractButton = QRadioButton(text) if self.exclusive else QCheckBox(text)
            self._name(button, option.label)
            if option.help:
                button.setToolTip(option.help)
            self.group.addButton(button, len(self.values))
            self.values.append(option.value)
            if wrap:
                row = QHBoxLayout()
                metric = (
                    QStyle.PixelMetric.PM_RadioButtonLabelSpacing
                    if self.exclusive
                    else QStyle.PixelMetric.PM_CheckBoxLabelSpacing
                )
                row.setSpacing(self.style().pixelMetric(metric))
                row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
                row.addWidget(_OptionLabel(option.label, button), 1)
                self.input_area.addLayout(row)
            else:
                self.input_area.addWidget(button)
        self.group.idClicked.connect(lambda _id: self._emit(self.value()))

    def options(self) -> tuple[Option, ...]:
        return self.field.choices()

    def focus_widget(self) -> QWidget:
        checked = self.group.checkedButton()
        return checked or self.group.button(0) or self

    def _set_checked(self, wanted: list[Any]) -> None:
        exclusive = self.group.exclusive()
        self.group.setExclusive(False)  # an exclusive group cannot be fully unchecked
        for index, value in enumerate(self.values):
            self.group.button(index).setChecked(value in wanted)
        self.group.setExclusive(exclusive)


class SingleChoiceEditor(_ButtonsEditor):
    """One option; radio buttons (or a drop-down for long lists, see `ComboChoiceEditor`)."""

    def value(self) -> Any:
        index = self.group.checkedId()
        return self.values[index] if index >= 0 else None

    def set_value(self, value: Any) -> None:
        self._set_checked([] if value is None else [value])


class RatingEditor(SingleChoiceEditor):
    """A rating scale: one radio button per level, labelled with the level's value and words."""

    def options(self) -> tuple[Option, ...]:
        return tuple(
            Option(o.value, f"{o.value} – {o.label}", o.help) for o in self.field.choices()
        )


class YesNoEditor(SingleChoiceEditor):
    """Yes / No radio buttons, stored as a bool."""

    def options(self) -> tuple[Option, ...]:
        return (Option("yes", "Yes"), Option("no", "No"))

    def value(self) -> Any:
        chosen = super().value()
        return None if chosen is None else chosen == "yes"

    def set_value(self, value: Any) -> None:
        super().set_value(None if value is None else "yes" if value else "no")


class MultipleChoiceEditor(_ButtonsEditor):
    """Any number of options as check boxes, stored as a list in option order."""

    exclusive = False

    def value(self) -> Any:
        chosen = [v for i, v in enumerate(self.values) if self.group.button(i).isChecked()]
        return chosen or None

    def set_value(self, value: Any) -> None:
        self._set_checked(list(value) if isinstance(value, list) else [])


class ComboChoiceEditor(FieldEditor):
    """A single choice among many options, as a drop-down."""

    def __init__(self, field: FieldDef, path: str, parent: QWidget | None = None) -> None:
        super().__init__(field, path, parent)
        self.combo = QComboBox()
        self._name(self.combo)
        self.combo.addItem("— Choose —", None)
        for option in field.choices():
            self.combo.addItem(option.label, option.value)
        let_shrink(self.combo)
        self.input_area.addWidget(self.combo)
        self.combo.activated.connect(lambda _i: self._emit(self.value()))

    def value(self) -> Any:
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        index = self.combo.findData(value) if value is not None else 0
        self.combo.setCurrentIndex(max(index, 0))

    def focus_widget(self) -> QWidget:
        return self.combo


class OutcomeEditor(FieldEditor):
    """A computed outcome: read-only, filled in by the record editor after each evaluation."""

    def __init__(self, field: FieldDef, path: str, parent: QWidget | None = None) -> None:
        super().__init__(field, path, parent)
        self.shown = QLabel("Not worked out yet")
        self.shown.setWordWrap(True)
        self.shown.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self._name(self.shown, "worked out from the answers")
        self.input_area.addWidget(self.shown)

    def value(self) -> Any:
        return None

    def set_value(self, value: Any) -> None:
        del value  # outcomes are computed, never typed or stored from here

    def show_outcome(self, label: str, reasons: tuple[str, ...]) -> None:
        """Show the evaluated outcome (in bold) and its reasons, one per line."""
        text = label + "".join(f"\n• {reason}" for reason in reasons)
        rich = f"<b>{html.escape(label)}</b>" + "".join(
            f"<br>• {html.escape(reason)}" for reason in reasons
        )
        self.shown.setTextFormat(Qt.TextFormat.RichText)
        self.shown.setText(rich)
        self.shown.setAccessibleDescription(text)

    def focus_widget(self) -> QWidget:
        return self.shown


NOTICE_BACKGROUND = "#eef4fb"
NOTICE_BAR = "#1d70b8"


class NoticeEditor(FieldEditor):
    """Text the form shows at this point (a rule explained, a route that applies here).

    Never takes an answer or focus; shown and hidden by its show_when like any question.
    """

    def __init__(self, field: FieldDef, path: str, parent: QWidget | None = None) -> None:
        super().__init__(field, path, parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        pad = max(4, self.fontMetrics().height() // 3)
        layout = self.layout()
        if layout is not None:
            layout.setContentsMargins(pad * 2, pad, pad, pad)
        # A type selector, so the labels inside keep their own styles.
        self.setStyleSheet(
            f"NoticeEditor {{ background: {NOTICE_BACKGROUND}; "
            f"border-left: {max(3, pad)}px solid {NOTICE_BAR}; }}"
        )
        self.help.setStyleSheet("color: #202020;")
        self.setAccessibleName(field.label)
        self.setAccessibleDescription(field.help or "")
        self.label.setAccessibleName(field.label)
        self.label.setAccessibleDescription(field.help or "")

    def value(self) -> Any:
        return None

    def set_value(self, value: Any) -> None:
        del value  # a notice never holds an answer

    def focus_widget(self) -> QWidget:
        return self.label
