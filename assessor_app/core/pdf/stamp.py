"""The visible signature stamp: drawn by reportlab in the documents' own font, placed by pyHanko.

pyHanko can set the stamp's text itself, but only by subsetting the TrueType font with fontTools
on every signature (about 40 ms of each) and, for fonts whose em is not 1000 units, with the
glyph widths wrong. Instead the stamp is a one-page PDF the size of the box, drawn with the
same registered DejaVu Sans as the document (so every name the document can print, the stamp
can too), and pyHanko imports that page as the signature field's appearance. Imports no Qt.
"""

from __future__ import annotations

import binascii
import io
import uuid

from pyhanko.pdf_utils.content import PdfContent
from pyhanko.pdf_utils.layout import AxisAlignment, BoxConstraints, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.stamp import StaticStampStyle
from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas

from assessor_app.core.pdf.fonts import BODY, register_fonts

__all__ = ["STAMP_FONT_SIZE", "stamp_pdf", "stamp_style"]

STAMP_FONT_SIZE = 8.5
"""Point size of the stamp's text; shrunk further when a line would not fit the box."""
_PAD = 7.0


def stamp_pdf(text: str, width: float, height: float, size: float = STAMP_FONT_SIZE) -> bytes:
    """A one-page PDF of `width` x `height` points: a border and `text`.

    One face only (regular): a second would embed a second font subset in every signed PDF.
    At the standard size a line too long is shrunk to fit; at a larger size (large print)
    the text is never printed smaller: a long line is wrapped at its words instead.

    Args:
        text: The stamp's lines.
        width: The box's width in points.
        height: The box's height in points.
        size: The text's point size.
    """
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), initialFontName=BODY, invariant=1)
    canvas.setStrokeColor(colors.HexColor("#1d70b8"))
    canvas.setLineWidth(1)
    canvas.rect(0.5, 0.5, width - 1, height - 1)
    lines = text.splitlines()
    room = width - 2 * _PAD
    if size > STAMP_FONT_SIZE:
        lines = [w for line in lines for w in _wrapped(canvas, line, size, room)]
    else:
        while size > 5 and any(canvas.stringWidth(line, BODY, size) > room for line in lines):
            size -= 0.25
        size = min(size, (height - 2 * _PAD) / max(len(lines), 1) / 1.3)
    leading = size * 1.3
    y = height - _PAD - size
    canvas.setFillColor(colors.HexColor("#1b1b1b"))
    canvas.setFont(BODY, size)
    for line in lines:
        canvas.drawString(_PAD, y, line)
        y -= leading
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _wrapped(canvas: Canvas, line: str, size: float, room: float) -> list[str]:
    """`line` broken at its words into lines that fit `room` at `size`."""
    out: list[str] = []
    for word in line.split():
        if out and canvas.stringWidth(f"{out[-1]} {word}", BODY, size) <= room:
            out[-1] = f"{out[-1]} {word}"
        else:
            out.append(word)
    return out


class _ImportedStamp(PdfContent):
    """pyHanko's `ImportedPdfPage`, reading the page from bytes instead of a file name."""

    def __init__(self, pdf: bytes):
        self.pdf = pdf
        super().__init__()

    def render(self) -> bytes:
        writer = self._ensure_writer
        xobject = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(self.pdf)), page_ix=0)
        name = "/Stamp" + binascii.hexlify(uuid.uuid4().bytes).decode("ascii")
        self.resources.xobject[name] = xobject
        x1, y1, x2, y2 = xobject.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name.encode("ascii") + b" Do"


def stamp_style(
    text: str, width: float, height: float, size: float = STAMP_FONT_SIZE
) -> StaticStampStyle:
    """The stamp appearance for a signature field of that size, saying `text` at `size` pt."""
    # No margins: the stamp page is already the field's size, so it is drawn 1:1.
    return StaticStampStyle(
        background=_ImportedStamp(stamp_pdf(text, width, height, size)),
        border_width=0,
        background_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN,
            y_align=AxisAlignment.ALIGN_MIN,
            margins=Margins(0, 0, 0, 0),
        ),
    )
