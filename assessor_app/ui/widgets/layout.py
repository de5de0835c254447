"""Layouts shared by the full-window screens (unlock, new profile, lease lock, withdrawn)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget


def centre_box(view: QWidget, box: QWidget) -> None:
    """Lay `box` out in the middle of `view`: three fifths of its width, more room below.

    Centred with stretches, not an alignment flag: an aligned widget gets its plain size hint,
    which ignores word-wrapped labels' height and squashes the rows below them.
    """
    outer = QVBoxLayout(view)
    outer.addStretch(1)
    centre = QHBoxLayout()
    centre.addStretch(1)
    centre.addWidget(box, 3)
    centre.addStretch(1)
    outer.addLayout(centre)
    outer.addStretch(2)
