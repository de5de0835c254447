"""Signature capture: a pad that records mouse strokes, the printed name and date, and the
"unable to sign" reasons.

The answer shapes, and the words for signers, reasons and a representative's authority, are
defined once in `core/form_engine/signatures.py`. Drawn: ``{"strokes": [[[x, y], ...], ...],
"name": ..., "signed_on": "YYYY-MM-DD"}`` (points in pad pixels), plus ``capacity`` (and
``capacity_detail`` for "other") when the signer is a representative. Unable to sign:
``{"unable_to_sign": reason, "detail": ..., "name": ..., "signed_on": ...}``. A name typed as
the signature (``"typed": true``, from `assessor-cli record sign`) is shown as such, and
drawing in the box replaces it. The date is set
to today when the first stroke is drawn, or a reason is chosen.

Someone who cannot use a mouse or touch screen uses the reason route, which is fully
keyboard-operable. An answer saved in an older shape is shown as it was and saved back
unchanged until it is edited.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from assessor_app.core.form_engine.model import FieldDef
from assessor_app.core.form_engine.signatures import (
    OTHER,
    REPRESENTATIVE_CAPACITIES,
    UNABLE_REASONS,
)

from assessor_app.ui.widgets.field_base import FieldEditor, let_shrink

Stroke = list[list[int]]
NAME_MAX_LENGTH = 200
_UNCHANGED = object()
"""Marks that the shown answer has not been edited since `set_value`."""


class SignaturePad(QWidget):
    """Draw with the mouse (or pen/touch, delivered as mouse events); emits `strokes_changed`."""

    strokes_changed = Signal()
    drawn = True
    """Marks a drawing surface for `field_base.freeze`, which stops it taking strokes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.strokes: list[Stroke] = []
        self._drawing = False
        line = self.fontMetrics().lineSpacing()
        self.setMinimumSize(line * 20, line * 6)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, Qt.GlobalColor.white)
        self.setPalette(palette)
        self.setCursor(Qt.CursorShape.CrossCursor)

    def set_strokes(self, strokes: list[Stroke]) -> None:
        """Show saved strokes."""
        self.strokes = [list(map(list, stroke)) for stroke in strokes]
        self.update()

    def clear(self) -> None:
        """Remove every stroke."""
        self.strokes = []
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt virtual
        if event.button() == Qt.MouseButton.LeftButton and self.isEnabled():
            self._drawing = True
            self.strokes.append([self._point(event.position())])
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt virtual
        if self._drawing:
            self.strokes[-1].append(self._point(event.position()))
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt virtual
        if self._drawing and event.button() == Qt.MouseButton.LeftButton:
            self._drawing = False
            self.strokes_changed.emit()

    @staticmethod
    def _point(position: QPointF) -> list[int]:
        return [round(position.x()), round(position.y())]

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt virtual
        del event
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(Qt.GlobalColor.gray, 1, Qt.PenStyle.DashLine))
        baseline = self.height() - self.fontMetrics().lineSpacing()
        painter.drawLine(8, baseline, self.width() - 8, baseline)
        painter.drawRect(0, 0, self.width() - 1, self.height() - 1)
        ink = Qt.GlobalColor.black if self.isEnabled() else Qt.GlobalColor.gray
        painter.setPen(
            QPen(ink, 2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        )
        for stroke in self.strokes:
            points = [QPoint(round(x), round(y)) for x, y in stroke]
            if len(points) == 1:
                painter.drawPoint(points[0])
            else:
                painter.drawPolyline(points)
        painter.end()


def _long_date(iso: str | None) -> str:
    if iso is None:
        return ""
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day} {day:%B %Y}"


class SignatureEditor(FieldEditor):
    """The pad with Clear, the printed name and date, a representative's authority, and the
    "unable to sign" reason with its details."""

    def __init__(self, field: FieldDef, path: str, parent: QWidget | None = None) -> None:
        super().__init__(field, path, parent)
        self.today: Callable[[], dt.date] = dt.date.today
        self.representative = field.signer == "representative"
        self._signed_on: str | None = None
        self._stored: Any = _UNCHANGED
        self._loading = False

        self.pad = SignaturePad()
        self._name(self.pad, "draw the signature with the mouse")
        self.clear_button = QPushButton("Clear signature")
        self._name(self.clear_button, "clear signature")
        self.date_label = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.clear_button)
        top.addWidget(self.date_label, 1)

        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(NAME_MAX_LENGTH)
        self.name_edit.setPlaceholderText("Their name in full")
        self._name(self.name_edit, "printed name")

        self.capacity = QComboBox(self)
        self.capacity.addItem("— Choose —", None)
        for value, label in REPRESENTATIVE_CAPACITIES.items():
            self.capacity.addItem(label, value)
        self._name(self.capacity, "authority the representative signs with")
        let_shrink(self.capacity)
        self.capacity_detail = QLineEdit(self)
        self.capacity_detail.setPlaceholderText("What authority they have, and what was seen")
        self._name(self.capacity_detail, "details of their authority")

        self.reason = QComboBox()
        self.reason.addItem("No – signed in the box", None)
        for value, label in UNABLE_REASONS.items():
            self.reason.addItem(label, value)
        self._name(self.reason, "unable to sign: reason")
        let_shrink(self.reason)
        self.detail = QLineEdit()
        self.detail.setPlaceholderText("Needed for another reason; optional otherwise")
        self._name(self.detail, "details of why they cannot sign")

        # A detail line shows only when it applies, so the usual path (sign, type the name)
        # stays short.
        self.form = QFormLayout()
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.addRow(self._buddy("Printed name:", self.name_edit), self.name_edit)
        if self.representative:
            self.form.addRow(self._buddy("Signs as:", self.capacity), self.capacity)
            self.form.addRow(
                self._buddy("Their authority:", self.capacity_detail), self.capacity_detail
            )
        else:
            self.capacity.hide()
            self.capacity_detail.hide()
        self.form.addRow(self._buddy("Unable to sign:", self.reason), self.reason)
        self.form.addRow(self._buddy("Details:", self.detail), self.detail)
        self.input_area.addWidget(self.pad)
        self.input_area.addLayout(top)
        self.input_area.addLayout(self.form)

        self.pad.strokes_changed.connect(self._drawn)
        self.clear_button.clicked.connect(self._clear)
        self.name_edit.textEdited.connect(lambda _t: self._edited())
        self.capacity.currentIndexChanged.connect(lambda _i: self._edited())
        self.capacity_detail.textEdited.connect(lambda _t: self._edited())
        self.reason.currentIndexChanged.connect(self._reason_changed)
        self.detail.textEdited.connect(lambda _t: self._edited())
        self._sync()

    @staticmethod
    def _buddy(text: str, widget: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(widget)
        return label

    # -- user edits ------------------------------------------------------------------------

    def _edited(self) -> None:
        if self._loading:
            return
        self._stored = _UNCHANGED
        self._sync()
        self._emit(self.value())

    def _drawn(self) -> None:
        if self._signed_on is None:
            self._signed_on = self.today().isoformat()
        self._edited()

    def _clear(self) -> None:
        self.pad.clear()
        if self.reason.currentData() is None:
            self._signed_on = None
        self._edited()

    def _reason_changed(self, _index: int) -> None:
        if self._loading:
            return
        if self.reason.currentData() is not None:
            if self._signed_on is None:
                self._signed_on = self.today().isoformat()
        elif not self.pad.strokes:
            self._signed_on = None
        self._edited()

    def _sync(self) -> None:
        """Enable what applies to the chosen route, and show the date."""
        unable = self.reason.currentData() is not None
        self.pad.setEnabled(not unable)
        self.clear_button.setEnabled(not unable and bool(self.pad.strokes))
        self.detail.setEnabled(unable)
        self.form.setRowVisible(self.detail, unable)
        self.capacity.setEnabled(not unable)
        other_authority = not unable and self.capacity.currentData() == OTHER
        self.capacity_detail.setEnabled(other_authority)
        if self.representative:
            self.form.setRowVisible(self.capacity_detail, other_authority)
        when = _long_date(self._signed_on)
        typed = isinstance(self._stored, dict) and self._stored.get("typed") is True
        if typed and not unable and not self.pad.strokes:
            # Signed on the command line by typing the name; drawing here replaces it.
            text = f"Typed name, signed on {when}" if when else "Typed name, date not recorded"
        elif unable:
            text = f"Reason recorded on {when}" if when else ""
        elif self.pad.strokes:
            text = f"Signed on {when}" if when else "Date signed not recorded"
        else:
            text = "Not signed yet"
        self.date_label.setText(text)

    # -- value API -------------------------------------------------------------------------

    def value(self) -> Any:
        if self._stored is not _UNCHANGED:
            return copy.deepcopy(self._stored)
        name = self.name_edit.text().strip()
        dated = {} if self._signed_on is None else {"signed_on": self._signed_on}
        reason = self.reason.currentData()
        if reason is not None:
            detail = self.detail.text().strip()
            return {
                "unable_to_sign": reason,
                **({"detail": detail} if detail else {}),
                "name": name,
                **dated,
            }
        capacity = self.capacity.currentData() if self.representative else None
        authority: dict[str, Any] = {}
        if capacity is not None:
            authority["capacity"] = capacity
            capacity_detail = self.capacity_detail.text().strip()
            if capacity == OTHER and capacity_detail:
                authority["capacity_detail"] = capacity_detail
        if self.pad.strokes:
            strokes = [[[round(c) for c in p] for p in stroke] for stroke in self.pad.strokes]
            return {"strokes": strokes, "name": name, **dated, **authority}
        # Nothing signed yet: keep what was typed, so it is not lost (the check asks for the
        # signature or a reason).
        partial = ({"name": name} if name else {}) | authority
        return partial or None

    def set_value(self, value: Any) -> None:
        self._loading = True
        try:
            self._show(value if isinstance(value, dict) else {})
        finally:
            self._loading = False
        self._stored = copy.deepcopy(value) if value is not None else _UNCHANGED
        self._sync()

    def _show(self, value: dict[str, Any]) -> None:
        reason = value.get("unable_to_sign")
        detail = value.get("detail")
        if isinstance(reason, str) and reason.strip() and reason not in UNABLE_REASONS:
            # Saved before reasons were a list: its text is the detail of "another reason".
            reason, detail = OTHER, reason
        index = self.reason.findData(reason) if isinstance(reason, str) else 0
        self.reason.setCurrentIndex(max(index, 0))
        self.detail.setText(detail if isinstance(detail, str) else "")
        strokes = value.get("strokes")
        self.pad.set_strokes(strokes if isinstance(strokes, list) else [])
        name = value.get("name")
        self.name_edit.setText(name if isinstance(name, str) else "")
        signed_on = value.get("signed_on")
        self._signed_on = signed_on if isinstance(signed_on, str) else None
        capacity = value.get("capacity")
        index = self.capacity.findData(capacity) if isinstance(capacity, str) else 0
        self.capacity.setCurrentIndex(max(index, 0))
        capacity_detail = value.get("capacity_detail")
        self.capacity_detail.setText(capacity_detail if isinstance(capacity_detail, str) else "")

    def focus_widget(self) -> QWidget:
        return self.reason if self.reason.currentData() is not None else self.name_edit
