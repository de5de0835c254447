"""Right-hand panel of the record editor: each computed outcome with its reasons."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from assessor_app.core.form_engine.model import FormDefinition
from assessor_app.core.rules import Outcome

from assessor_app.ui.widgets.labels import heading_label


class OutcomesPanel(QFrame):
    """Re-filled after every evaluation; shows 'No outcomes' for forms without any."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Outcomes")
        # The reasons are long (each condition, met or not, and why): they scroll rather than
        # squeeze, so no line is ever clipped or drawn over another.
        inner = QWidget()
        self._rows = QVBoxLayout()
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(self._rows)
        column.addStretch(1)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.addWidget(heading_label("Outcomes", scale=1.15))
        layout.addWidget(self.scroller, 1)
        self.labels: dict[str, QLabel] = {}
        self._reasons: dict[str, QLabel] = {}
        self._shown_ids: list[str] | None = None

    def show_outcomes(self, defn: FormDefinition, outcomes: dict[str, Outcome]) -> None:
        """Show `outcomes` (field id → Outcome) titled by their fields' labels.

        Rows are built once per set of outcomes and then updated in place, so re-evaluating
        on every keystroke neither flickers nor moves the reader's place.
        """
        if list(outcomes) != self._shown_ids:
            self._rebuild(defn, list(outcomes))
        for field_id, outcome in outcomes.items():
            self.labels[field_id].setText(outcome.label)
            reasons = "\n".join(f"• {reason}" for reason in outcome.reasons)
            self._reasons[field_id].setText(reasons)
            self._reasons[field_id].setVisible(bool(reasons))

    def _rebuild(self, defn: FormDefinition, field_ids: list[str]) -> None:
        while self._rows.count():
            item = self._rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self._shown_ids = field_ids
        self.labels, self._reasons = {}, {}
        if not field_ids:
            self._rows.addWidget(QLabel("This form works nothing out."))
            return
        for field_id in field_ids:
            title = defn.field(field_id).label if defn.has_field(field_id) else field_id
            heading = QLabel(title)
            font = heading.font()
            font.setBold(True)
            heading.setFont(font)
            heading.setWordWrap(True)
            value = QLabel()
            value.setWordWrap(True)
            value.setAccessibleName(title)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            reasons = QLabel()
            reasons.setWordWrap(True)
            reasons.setAccessibleName(f"Reasons for {title}")
            for widget in (heading, value, reasons):
                self._rows.addWidget(widget)
            self._rows.addSpacing(self.fontMetrics().lineSpacing() // 2)
            self.labels[field_id] = value
            self._reasons[field_id] = reasons
