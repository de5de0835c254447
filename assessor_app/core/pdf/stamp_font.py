"""The signature stamp's Unicode font, and a fix for how pyHanko embeds it.

The stamp prints the signer's name, so it needs more than the PDF standard fonts (no Ł, no ễ).
It uses ``resources/fonts/DejaVuSans-Stamp.ttf``: DejaVu Sans cut down once, with fontTools,
to Latin (with Extended-A/B and Vietnamese), Greek, Cyrillic, combining marks and common
punctuation, without hinting or layout tables. pyHanko subsets the stamp's font on every
signature; from the full 740 KB font that took about 200 ms of each signature, from the
51 KB one it takes about 15 ms. Remake it with::

    pyftsubset resources/fonts/DejaVuSans.ttf --output-file=resources/fonts/DejaVuSans-Stamp.ttf \
      --unicodes="U+0020-007E,U+00A0-024F,U+0300-036F,U+0370-03FF,U+0400-04FF,U+1E00-1EFF,\
U+2010-2027,U+2030-203A,U+20AC,U+2122" --layout-features='' --no-hinting

Imports no Qt.
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.stamp import TextStampStyle

from assessor_app.core.paths import resources_dir

__all__ = ["STAMP_FONT_FILE", "STAMP_FONT_SIZE", "stamp_style"]

STAMP_FONT_FILE = "DejaVuSans-Stamp.ttf"
"""The cut-down DejaVu Sans the stamp is set in (see the module docstring)."""
STAMP_FONT_SIZE = 9
"""Point size of the stamp's text."""


def stamp_style() -> TextStampStyle:
    """The visible stamp: a thin border and the stamp text in DejaVu Sans."""
    font = _DejaVuFactory(str(resources_dir() / "fonts" / STAMP_FONT_FILE), STAMP_FONT_SIZE)
    # The factory's font_size and the text box's must match, or lines after the first
    # drift sideways (pyHanko issue 733).
    box_style = TextBoxStyle(font=font, font_size=STAMP_FONT_SIZE, leading=STAMP_FONT_SIZE + 2)
    return TextStampStyle(stamp_text="%(stamp)s", text_box_style=box_style, border_width=1)


@lru_cache(maxsize=4)
def _font_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


class _ThousandUnitGlyphAccumulator(GlyphAccumulator):
    """pyHanko's glyph accumulator, fixed for fonts whose em is not 1000 units.

    pyHanko writes glyph widths (the font's /W array) in the font's own units, but PDF reads
    them as thousandths of an em. DejaVu Sans has 2048 units to the em, so every letter
    would advance twice its width: the stamp's text spreads out and runs off the box. Here
    HarfBuzz shapes at 1000 units to the em and every width is scaled to match.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._font_units = int(self.units_per_em)
        self.units_per_em = 1000
        self.hb_font.scale = (1000, 1000)

    def _to_thousandths(self, value: float) -> int:
        return round(value * 1000 / self._font_units)

    def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
        cached = self._glyphs.get(glyph_id)
        if cached is not None:
            return cached
        cid, width = super()._get_cid_and_width(glyph_id)
        self._glyphs[glyph_id] = result = (cid, self._to_thousandths(width))
        return result

    def prepare_write(self) -> None:
        """Embed the subset as pyHanko does, then give the font metrics in thousandths too."""
        first_time = not self._write_prepared
        super().prepare_write()  # type: ignore[no-untyped-call]  # untyped in pyHanko
        if not first_time:
            return
        descriptor = self.cidfont_obj["/FontDescriptor"]
        for key in ("/Ascent", "/Descent", "/CapHeight"):
            descriptor[key] = self._number(descriptor[key])
        descriptor["/FontBBox"] = generic.ArrayObject(
            self._number(v) for v in descriptor["/FontBBox"]
        )

    def _number(self, font_units: Any) -> generic.PdfObject:
        scaled = self._to_thousandths(int(font_units))
        return generic.NumberObject(scaled)  # type: ignore[no-untyped-call]  # untyped in pyHanko


class _DejaVuFactory(GlyphAccumulatorFactory):
    """Makes the fixed accumulator above, reading the font once per process."""

    def create_font_engine(
        self, writer: BasePdfFileWriter, obj_stream: Any = None
    ) -> GlyphAccumulator:
        """A glyph accumulator for one PDF writer."""
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()  # type: ignore[no-untyped-call]
        return _ThousandUnitGlyphAccumulator(
            writer=writer,
            font_handle=BytesIO(_font_bytes(self.font_file)),
            font_size=self.font_size,
            obj_stream=obj_stream,
        )
