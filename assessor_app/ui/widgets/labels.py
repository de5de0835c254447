"""Label styles used on every screen: headings, help text and inline problem messages.

Sizes are relative to the system font (never fixed pixel sizes), so text scales with the
user's accessibility settings.
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QWidget

# Dark red on the default light window background: contrast ratio above 7:1 (WCAG AAA).
PROBLEM_COLOUR = "#a00000"
HELP_COLOUR = "#404040"


def heading_label(text: str, *, scale: float = 1.4, parent: QWidget | None = None) -> QLabel:
    """A bold heading, `scale` times the system font size."""
    label = QLabel(text, parent)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    label.setAccessibleName(text)
    return label


def help_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """Wrapped guidance text in a softer (still high-contrast) colour."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {HELP_COLOUR};")
    label.setAccessibleName("Help")
    if not text:
        # Only ever hide here: setVisible(True) on a parentless label would open it as a window.
        label.setVisible(False)
    return label


def problem_label(parent: QWidget | None = None) -> QLabel:
    """An inline problem message, hidden while empty; see `show_problem`."""
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {PROBLEM_COLOUR}; font-weight: bold;")
    label.setAccessibleName("Problem")
    label.setVisible(False)
    return label


def show_problem(label: QLabel, text: str) -> None:
    """Show `text` in a problem label, or hide it when `text` is empty."""
    label.setText(text)
    label.setAccessibleDescription(text)
    label.setVisible(bool(text))
