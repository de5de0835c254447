"""The Unicode font every PDF embeds: DejaVu Sans, shipped in ``resources/fonts``.

reportlab's built-in fonts cannot print Ł or ễ; a TrueType font registered here is
subset-embedded, so a document carries only the glyphs it uses. Imports no Qt.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from assessor_app.core.paths import resources_dir

__all__ = ["BODY", "BOLD", "ITALIC", "font_file", "register_fonts"]

BODY = "AssessorSans"
"""reportlab name of the regular face."""
BOLD = "AssessorSans-Bold"
"""reportlab name of the bold face."""
ITALIC = "AssessorSans-Oblique"
"""reportlab name of the oblique face."""

_FILES = {
    BODY: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    ITALIC: "DejaVuSans-Oblique.ttf",
}

_registered = False


def font_file(name: str = BODY) -> Path:
    """Path of the TrueType file behind one of the names above."""
    return resources_dir() / "fonts" / _FILES[name]


def register_fonts() -> None:
    """Register the faces with reportlab (once per process) so paragraphs can use <b> and <i>."""
    global _registered
    if _registered:
        return
    for name in _FILES:
        pdfmetrics.registerFont(TTFont(name, str(font_file(name))))
    addMapping(BODY, 0, 0, BODY)
    addMapping(BODY, 1, 0, BOLD)
    addMapping(BODY, 0, 1, ITALIC)
    addMapping(BODY, 1, 1, BOLD)
    _registered = True
