"""Signature capture: a pad that records mouse strokes, plus an "unable to sign" reason.

The answer is ``{"strokes": [[[x, y], ...], ...]}`` (points in pad pixels) or
``{"unable_to_sign": reason}``. Someone who cannot use a mouse or touch screen uses the reason
route, which is fully keyboard-operable.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLineEdit, QPushButton, QWidget

from assessor_app.core.form_engine.model import FieldDef

from assessor_app.ui.widgets.field_base import FieldEditor

Stroke = list[list[int]]


class SignaturePad(QWidget):
    """Draw with the mouse (or pen/touch, delivered as mouse events); emits `strokes_changed`."""

    strokes_changed = Signal()

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
        painter.setPen(QPen(Qt.GlobalColor.black, 2, Qt.PenStyle.SolidLine,
                            Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        for stroke in self.strokes:
            points = [QPoint(x, y) for x, y in stroke]
            if len(points) == 1:
                painter.drawPoint(points[0])
            else:
                painter.drawPolyline(points)
        painter.end()


class SignatureEditor(FieldEditor):
    """The pad, a Clear button and the "unable to sign" alternative."""

    def __init__(self, field: FieldDef, path: str, parent: QWidget | None = None) -> None:
        super().__init__(field, path, parent)
        self.pad = SignaturePad()
        self._name(self.pad, "draw the signature with the mouse")
        self.clear_button = QPushButton("Clear signature")
        self._name(self.clear_button, "clear signature")
        self.unable = QCheckBox("Unable to sign")
        self._name(self.unable, "unable to sign")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why they cannot sign, e.g. visual impairment")
        self._name(self.reason, "reason they cannot sign")
        self.reason.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.clear_button)
        row.addWidget(self.unable)
        row.addWidget(self.reason, 1)
        self.input_area.addWidget(self.pad)
        self.input_area.addLayout(row)
        self.pad.strokes_changed.connect(lambda: self._emit(self.value()))
        self.clear_button.clicked.connect(self._clear)
        self.unable.toggled.connect(self._unable_toggled)
        self.reason.textEdited.connect(lambda _t: self._emit(self.value()))

    def _clear(self) -> None:
        self.pad.clear()
        self._emit(self.value())

    def _unable_toggled(self, checked: bool) -> None:
        self.reason.setEnabled(checked)
        self.pad.setEnabled(not checked)
        if checked:
            self.reason.setFocus()
        self._emit(self.value())

    def value(self) -> Any:
        if self.unable.isChecked():
            reason = self.reason.text().strip()
            return {"unable_to_sign": reason} if reason else None
        return {"strokes": self.pad.strokes} if self.pad.strokes else None

    def set_value(self, value: Any) -> None:
        value = value if isinstance(value, dict) else {}
        unable = "unable_to_sign" in value
        self.unable.blockSignals(True)
        self.unable.setChecked(unable)
        self.unable.blockSignals(False)
        self.reason.setEnabled(unable)
        self.pad.setEnabled(not unable)
        self.reason.setText(str(value.get("unable_to_sign", "")))
        strokes = value.get("strokes")
        self.pad.set_strokes(strokes if isinstance(strokes, list) else [])

    def focus_widget(self) -> QWidget:
        return self.reason if self.unable.isChecked() else self.unable
