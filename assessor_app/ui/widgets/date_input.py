"""A text box for an optional date typed as DD/MM/YYYY (the way assessors write dates).

A QDateEdit cannot be blank and is slow to type into; this accepts '3/7/1950', '03/07/1950' or
ISO '1950-07-03' (`core.typed_dates`) and reports a plain-English problem otherwise.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QLineEdit, QWidget

from assessor_app.core.typed_dates import read_typed_date


def parse_date(text: str) -> dt.date | None:
    """The date typed, or None when blank (read as the core reads every typed date).

    Raises:
        ValueError: with a message to show the user, saying whether the way it was written or
            the day itself is wrong.
    """
    return read_typed_date(text)


def format_date(value: dt.date | None) -> str:
    """DD/MM/YYYY, or '' for None."""
    return value.strftime("%d/%m/%Y") if value else ""


class DateInput(QLineEdit):
    """Optional date entry; `date()` parses, `set_date()` shows."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("DD/MM/YYYY")
        self.setAccessibleName(accessible_name)
        self.setMaxLength(10)

    def date(self) -> dt.date | None:
        """The date typed, or None; raises ValueError with a user message."""
        return parse_date(self.text())

    def set_date(self, value: dt.date | None) -> None:
        """Show `value` (blank for None)."""
        self.setText(format_date(value))
