"""A small document model and the one place it becomes an A4 PDF with reportlab.

Blocks are headings, paragraphs, tables, outcome boxes and signatures.
Records and letters are both built as a `Document` of blocks; `build_pdf` lays them out with
the common parts every page carries: the authority's name and logo, the document title, who
it is about, "Page X of Y", and in the footer the record id, revision and content hash. Drafts
carry a DRAFT watermark and no signature space. Three variants share the code: standard, large
print (16 pt) and easy read (16 pt, short lines, more space). Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import _listWrapOn

from assessor_app.core.pdf.branding import Branding
from assessor_app.core.pdf.fonts import BODY, BOLD, ITALIC, register_fonts

__all__ = [
    "Block",
    "Bullets",
    "Document",
    "Heading",
    "KeyValues",
    "Note",
    "OutcomeBox",
    "Para",
    "RenderedPdf",
    "SignatureBlock",
    "StampBox",
    "TableBlock",
    "Variant",
    "build_pdf",
]

PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
HEADER_H = 24 * mm
FOOTER_H = 14 * mm
INK = colors.HexColor("#1b1b1b")
MUTED = colors.HexColor("#505a5f")
RULE = colors.HexColor("#b1b4b6")
SHADE = colors.HexColor("#f3f2f1")
ACCENT = colors.HexColor("#1d70b8")


class Variant(StrEnum):
    """How a document is printed, from the person's communication preferences."""

    STANDARD = "standard"
    LARGE_PRINT = "large_print"
    EASY_READ = "easy_read"

    @property
    def label(self) -> str:
        """Words for lists and file names."""
        return {"standard": "Standard", "large_print": "Large print", "easy_read": "Easy read"}[
            self.value
        ]


# --- blocks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """A section heading (level 1) or sub-heading (level 2)."""

    text: str
    level: int = 1
    room: float = 0.0
    """The share of a page (0 to 1) that must be left below this heading, else it starts the
    next page: easy read starts each need high on a page, never at the foot of one."""


@dataclass(frozen=True)
class Para:
    """A paragraph of plain text (line breaks kept)."""

    text: str
    bold: bool = False


@dataclass(frozen=True)
class Note:
    """Guidance printed in italics, set apart: never an answer."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A bulleted list."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class KeyValues:
    """Question and answer pairs, two columns; long answers still wrap and split across pages."""

    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class TableBlock:
    """A table with a header row repeated on every page it spans."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] | None = None
    """Relative column widths (any scale); equal when None."""


@dataclass(frozen=True)
class OutcomeBox:
    """What the rules worked out: a label, a value and the reasons, in a shaded box."""

    label: str
    value: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class SignatureBlock:
    """One person's signature: their drawn strokes (pad pixels) or why they could not sign."""

    role: str
    name: str
    date: str
    strokes: tuple[tuple[tuple[int, int], ...], ...] = ()
    detail: str = ""
    """Printed under the name: the capacity they sign in, or why they were unable to sign."""


@dataclass(frozen=True)
class StampBox:
    """Space kept for the certificate signature's visible stamp (final documents only)."""

    caption: str = "Digital signature"


Block = (
    Heading
    | Para
    | Note
    | Bullets
    | KeyValues
    | TableBlock
    | OutcomeBox
    | SignatureBlock
    | StampBox
)
"""Anything a document is made of."""


@dataclass(frozen=True)
class Document:
    """Everything `build_pdf` needs; pure data, so it is easy to test and to benchmark."""

    title: str
    """The document's title, on every page and in the PDF's metadata."""
    branding: Branding
    """Who it comes from."""
    person_line: str
    """Who it is about, printed under the title on every page."""
    footer: str
    """Record id, revision and content hash."""
    blocks: tuple[Block, ...]
    author: str = ""
    subject: str = ""
    draft: bool = False
    """Print DRAFT across every page; no signature space."""
    variant: Variant = Variant.STANDARD
    keywords: tuple[str, ...] = field(default_factory=tuple)
    title_after: int = 0
    """How many blocks print before the title: a letter's address and date come first."""
    created: dt.datetime | None = None
    """The PDF's CreationDate: when what it prints was saved (a record's revision). The same
    document then always renders to the same bytes. None (tests of layout alone) keeps
    reportlab's fixed date."""
    large_type: bool = False
    """Every word on the page at the body's size or larger: the running header (authority and
    person), the footer (record and page number), captions and signature roles. For editions
    made for the person to read (large print and easy read); the content hash, too long for a
    large-type footer, is then printed in the body by whoever builds the blocks."""


@dataclass(frozen=True)
class RenderedPdf:
    """A laid-out PDF and where its certificate signature stamp goes, if it has one."""

    data: bytes
    pages: int
    stamp_page: int | None = None
    """0-based page index of the stamp box; None for drafts."""
    stamp_box: tuple[float, float, float, float] | None = None
    """x1, y1, x2, y2 in points from the bottom left of that page."""
    stamp_text_pt: float | None = None
    """The stamp text's point size for large type; None for the stamp's own standard size."""


# --- styles ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Styles:
    body: ParagraphStyle
    bold: ParagraphStyle
    small: ParagraphStyle
    note: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    title: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    bullet: ParagraphStyle
    cell_bullet: ParagraphStyle
    size: float


LARGE_TYPE_PT = 16.0
"""The smallest print in large print and easy read (RNIB: large print is 16 to 18 point)."""


def _styles(variant: Variant, *, large_type: bool = False) -> _Styles:
    size = 10.0 if variant is Variant.STANDARD else LARGE_TYPE_PT
    lead = size * (1.5 if variant is Variant.EASY_READ else 1.3)
    after = size * (0.9 if variant is Variant.EASY_READ else 0.5)
    body = ParagraphStyle(
        "body",
        fontName=BODY,
        fontSize=size,
        leading=lead,
        textColor=INK,
        spaceAfter=after,
        alignment=TA_LEFT,
        bulletFontName=BODY,
        bulletFontSize=size,
    )
    return _Styles(
        body=body,
        bold=ParagraphStyle("bold", parent=body, fontName=BOLD),
        small=ParagraphStyle(
            "small",
            parent=body,
            fontSize=size if large_type else size * 0.85,
            leading=lead if large_type else lead * 0.85,
            textColor=INK if large_type else MUTED,
            spaceAfter=0,
        ),
        note=ParagraphStyle("note", parent=body, fontName=ITALIC, textColor=MUTED),
        h1=ParagraphStyle(
            "h1",
            parent=body,
            fontName=BOLD,
            fontSize=size * 1.4,
            leading=size * 1.8,
            spaceBefore=size * 1.2,
            spaceAfter=size * 0.5,
            textColor=INK,
        ),
        h2=ParagraphStyle(
            "h2",
            parent=body,
            fontName=BOLD,
            fontSize=size * 1.15,
            leading=size * 1.5,
            spaceBefore=size * 0.6,
            spaceAfter=size * 0.3,
        ),
        title=ParagraphStyle(
            "title",
            parent=body,
            fontName=BOLD,
            fontSize=size * 1.8,
            leading=size * 2.2,
            spaceAfter=size * 0.6,
        ),
        cell=ParagraphStyle("cell", parent=body, spaceAfter=0),
        cell_bold=ParagraphStyle("cell_bold", parent=body, fontName=BOLD, spaceAfter=0),
        bullet=ParagraphStyle("bullet", parent=body, leftIndent=size * 1.3),
        cell_bullet=ParagraphStyle("cell_bullet", parent=body, leftIndent=size * 1.1, spaceAfter=0),
        size=size,
    )


def _markup(text: str) -> str:
    """Plain text as reportlab paragraph markup: escaped, line breaks kept."""
    return escape(text).replace("\n", "<br/>")


# --- flowables ---------------------------------------------------------------------------------


class _Strokes(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Drawn signature strokes as vectors, scaled into a box, y flipped from screen to page."""

    def __init__(self, strokes: Sequence[Sequence[Sequence[int]]], width: float, height: float):
        super().__init__()
        self.strokes = strokes
        self.width = width
        self.height = height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        del avail_width, avail_height
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.setStrokeColor(RULE)
        c.setLineWidth(0.5)
        c.line(0, 2, self.width, 2)
        points = [p for s in self.strokes for p in s]
        if not points:
            return
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        span_x = max(max(xs) - min(xs), 1)
        span_y = max(max(ys) - min(ys), 1)
        pad = 4.0
        scale = min((self.width - 2 * pad) / span_x, (self.height - 2 * pad) / span_y)
        x0, y0 = min(xs), max(ys)
        c.setStrokeColor(INK)
        c.setLineWidth(1.2)
        c.setLineCap(1)
        c.setLineJoin(1)
        for stroke in self.strokes:
            pts = [(pad + (x - x0) * scale, pad + (y0 - y) * scale) for x, y in stroke]
            if len(pts) == 1:
                c.circle(pts[0][0], pts[0][1], 0.8, stroke=1, fill=1)
                continue
            path = c.beginPath()
            path.moveTo(*pts[0])
            for x, y in pts[1:]:
                path.lineTo(x, y)
            c.drawPath(path, stroke=1, fill=0)


class _StampSpace(Flowable):  # type: ignore[misc]
    """Reserves the certificate stamp's space and records where it landed."""

    def __init__(self, caption: str, style: ParagraphStyle, sink: dict[str, Any]):
        super().__init__()
        self.caption = caption
        self.lines = [caption]
        """The caption as drawn: one line, or in large type wrapped to the page's width."""
        self.style = style
        self.sink = sink
        self.width = 0.0
        self.height = 30 * mm
        self.hAlign = "LEFT"  # the recorded x is then where it is drawn (no centring offset)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        del avail_height
        self.width = min(avail_width, 95 * mm)
        if self.large:
            # The stamp's text in large type too: full width, room for six wrapped lines. The
            # caption wraps rather than run off the page (a letter's names the authority).
            self.width = avail_width
            self.lines = simpleSplit(self.caption, BODY, self.style.fontSize, self.width)
            self.height = self.box_h + len(self.lines) * self.style.leading + 2 * mm
        return self.width, self.height

    @property
    def large(self) -> bool:
        return bool(self.style.fontSize >= LARGE_TYPE_PT)

    @property
    def box_h(self) -> float:
        """Height of the stamp's own box (below the caption)."""
        return (6 * LARGE_TYPE_PT * 1.3 + 16) if self.large else 25 * mm

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802, N803
        # x, y are page coordinates here; pyHanko needs them to place the visible stamp.
        self.sink["page"] = canvas.getPageNumber() - 1
        self.sink["box"] = (x, y, x + self.width, y + self.box_h)
        if self.large:
            self.sink["text_pt"] = LARGE_TYPE_PT
        super().drawOn(canvas, x, y, _sW)

    def draw(self) -> None:
        c = self.canv
        size = self.style.fontSize if self.style.fontSize >= LARGE_TYPE_PT else 7
        c.setFont(BODY, size)
        c.setFillColor(self.style.textColor if size > 7 else MUTED)
        baseline = self.box_h + (1 * mm if size == 7 else 2 * mm + size * 0.25)
        for n, line in enumerate(reversed(self.lines)):
            c.drawString(0, baseline + n * self.style.leading, line)


# --- building ----------------------------------------------------------------------------------


def _flowables(
    doc: Document, st: _Styles, sink: dict[str, Any], width: float, height: float
) -> list[Flowable]:
    parts: list[tuple[Block | None, list[Flowable]]] = []
    """Each block with the flowables it became; the title is a part of its own (no block)."""
    for n, block in enumerate(doc.blocks):
        if n == doc.title_after:
            parts.append((None, [Paragraph(_markup(doc.title), st.title)]))
        out: list[Flowable] = []
        if isinstance(block, Heading):
            style = st.h1 if block.level == 1 else st.h2
            # Keep a heading with its own height and three lines of what follows it.
            needed = height * min(max(block.room, 0.0), 0.999)
            out.append(
                CondPageBreak(max(needed, style.spaceBefore + style.leading + 3 * st.body.leading))
            )
            out.append(Paragraph(_markup(block.text), style))
        elif isinstance(block, Para):
            out.append(Paragraph(_markup(block.text), st.bold if block.bold else st.body))
        elif isinstance(block, Note):
            out.append(Paragraph(_markup(block.text), st.note))
        elif isinstance(block, Bullets):
            for item in block.items:
                out.append(Paragraph(_markup(item), st.bullet, bulletText="•"))
        elif isinstance(block, KeyValues):
            out.append(_key_values(block, st, width, height))
        elif isinstance(block, TableBlock):
            out.append(_table(block, st, width, height))
        elif isinstance(block, OutcomeBox):
            out.append(_outcome(block, st, width, height))
        elif isinstance(block, SignatureBlock):
            out.append(_signature(block, st, width))
        elif isinstance(block, StampBox):
            if doc.draft:
                continue
            out += [Spacer(1, st.size), _StampSpace(block.caption, st.small, sink)]
        parts.append((block, out))
    if doc.title_after >= len(doc.blocks):
        parts.append((None, [Paragraph(_markup(doc.title), st.title)]))
    return _keep_sign_off(parts, width, height, st.body.leading)


def _signs(block: Block | None) -> bool:
    return isinstance(block, (SignatureBlock, StampBox))


def _keep_sign_off(
    parts: list[tuple[Block | None, list[Flowable]]], width: float, height: float, line: float
) -> list[Flowable]:
    """The parts' flowables, each run of signatures (and the stamp) kept with what precedes it.

    A signature, or the certificate stamp, never starts a page alone. The run is kept on one
    page with its heading and the end of what comes before that heading (the previous section,
    or a letter's sign-off): the whole block before if it fits, else its last few lines. When
    its section is too long for one page, the run is kept with the end of the block just
    before it instead.
    """

    def flat(lo: int, hi: int) -> list[Flowable]:
        # reportlab measures a KeepTogether inside another as endless (it forces a page
        # break), so the inner ones give up their content to the group that keeps them.
        found = [f for _, flowables in parts[max(lo, 0) : hi] for f in flowables]
        return [g for f in found for g in (f._content if isinstance(f, KeepTogether) else [f])]

    out: list[Flowable] = []
    done = 0
    """Parts before this index are in `out` already."""
    i = 0
    while i < len(parts):
        if not _signs(parts[i][0]):
            i += 1
            continue
        end = i
        while end < len(parts) and _signs(parts[end][0]):
            end += 1
        heading = next(
            (k for k in range(i - 1, done - 1, -1) if isinstance(parts[k][0], Heading)), i
        )
        room = height * 0.95
        kept: list[Flowable] | None = None
        for start in dict.fromkeys((heading, i)):  # the section from its heading, else the run
            core = flat(start, end)
            if start - 1 < done or _height(core, width) > room:
                continue
            lead = start - 1
            # A block that is all its own heading has goes with it: both kept with the run,
            # else only the end of the block is, so the heading never ends a page alone.
            headed = lead - 1 >= done and isinstance(parts[lead - 1][0], Heading)
            if headed and _height([*flat(lead - 1, start), *core], width) <= room:
                lead -= 1
                headed = False
            before = [f for _, flowables in parts[done:lead] for f in flowables]
            kept = _with_the_end_of(
                flat(lead, start), core, width, room, line, before, whole=not headed
            )
            out += before
            break
        if kept is None:
            out += [f for _, flowables in parts[done:i] for f in flowables]
            kept = flat(i, end)
        if kept:
            out.append(KeepTogether(kept))
        done = i = end
    return out + [f for _, flowables in parts[done:] for f in flowables]


def _with_the_end_of(
    previous: list[Flowable],
    core: list[Flowable],
    width: float,
    room: float,
    line: float,
    out: list[Flowable],
    *,
    whole: bool = True,
) -> list[Flowable]:
    """`core` with as much of the end of `previous` as fits beside it on one page.

    All of `previous` if it fits; else its last flowable, or the last few lines of it; what is
    not kept is added to `out`. With `whole` False, only the last few lines: `previous` has a
    heading before it that must not be left behind on its own.
    """
    if whole and _height([*previous, *core], width) <= room:
        return [*previous, *core]
    *rest, last = previous
    out += rest
    if whole and _height([last, *core], width) <= room:
        return [last, *core]
    canvas = Canvas(io.BytesIO())
    tall = _height([last], width)
    tail = min(room - _height(core, width), 4 * line)
    pieces = last.splitOn(canvas, width, tall - tail) if tail > line else []
    if len(pieces) == 2:
        out.append(pieces[0])
        return [pieces[1], *core]
    out.append(last)
    return core


def _height(flowables: list[Flowable], width: float) -> float:
    """How tall `flowables` are laid out one after another at `width` (as KeepTogether sees)."""
    canvas = Canvas(io.BytesIO())
    return float(_listWrapOn(flowables, width, canvas)[1])


def _cell(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(_markup(text), style)


class _Rows(Table):  # type: ignore[misc]  # reportlab is untyped
    """A table that breaks across pages between rows, and inside a row only when it must.

    A row (a question with its answer) that fits on a page is never split: when it does not fit
    in the space left, it goes whole to the next page. Only a row taller than a whole page is
    split inside, since it could fit nowhere whole.
    """

    def __init__(self, *args: Any, page_height: float = 0.0, **kwargs: Any) -> None:
        # reportlab makes the pieces of a split table with this class and its own arguments.
        kwargs.setdefault("splitByRow", 1)
        kwargs.setdefault("splitInRow", 1)
        super().__init__(*args, **kwargs)
        self.page_height = page_height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        self._calc(availWidth, availHeight)
        pieces = self._splitRows(availHeight, doInRowSplit=0)
        if not pieces:
            # Not one row fits in the space left. Split inside it only if it is taller than a
            # page (with the header repeated above it); else it starts the next page whole.
            rr = self.repeatRows
            first = rr if isinstance(rr, int) else max(rr) + 1
            if sum(self._rowHeights[: first + 1]) <= self.page_height:
                return []
            pieces = self._splitRows(availHeight, doInRowSplit=1)
        for piece in pieces:
            if isinstance(piece, _Rows):
                piece.page_height = self.page_height
        return list(pieces)


def _grid(
    rows: list[list[Any]], widths: list[float], height: float, header: bool, shade_first: bool
) -> Table:
    table = _Rows(rows, colWidths=widths, repeatRows=1 if header else 0, page_height=height)
    style = [
        ("FONT", (0, 0), (-1, -1), BODY),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
        style.append(("LINEBELOW", (0, 0), (-1, 0), 0.8, INK))
    if shade_first:
        style.append(("BACKGROUND", (0, 0), (0, -1), SHADE))
    table.setStyle(TableStyle(style))
    return table


def _key_values(block: KeyValues, st: _Styles, width: float, height: float) -> Flowable:
    # Large print and easy read stack question over answer: two 16 pt columns are too narrow.
    # The two share one cell, so a page never falls between a question and its answer.
    if st.size > 12:
        stacked = [[[_cell(q, st.cell_bold), _cell(a, st.cell)]] for q, a in block.rows]
        return _grid(stacked, [width], height, header=False, shade_first=False)
    data = [[_cell(q, st.cell_bold), _cell(a, st.cell)] for q, a in block.rows]
    return _grid(data, [width * 0.38, width * 0.62], height, header=False, shade_first=True)


def _table(block: TableBlock, st: _Styles, width: float, height: float) -> Flowable:
    weights = block.widths or tuple(1.0 for _ in block.header)
    total = sum(weights)
    widths = [width * w / total for w in weights]
    data = [[_cell(h, st.cell_bold) for h in block.header]]
    data += [[_cell(v, st.cell) for v in row] for row in block.rows]
    return _grid(data, widths, height, header=True, shade_first=False)


def _outcome(block: OutcomeBox, st: _Styles, width: float, height: float) -> Flowable:
    rows: list[list[Any]] = [[_cell(f"{block.label}: {block.value}", st.cell_bold)]]
    for reason in block.reasons:
        rows.append([Paragraph(_markup(reason), st.cell_bullet, bulletText="–")])
    table = _Rows(rows, colWidths=[width], page_height=height)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), BODY),
                ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                ("LINEBEFORE", (0, 0), (0, -1), 3, ACCENT),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, 0), 5),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
            ]
        )
    )
    return KeepTogether([table, Spacer(1, st.size * 0.6)]) if len(rows) < 12 else table


def _signature(block: SignatureBlock, st: _Styles, width: float) -> Flowable:
    drawing: Flowable = (
        _Strokes(block.strokes, min(width * 0.45, 80 * mm), 22 * mm)
        if block.strokes
        else Spacer(1, 4)
    )
    lines = [
        _cell(block.role, st.small),
        drawing,
        _cell(block.name or "Name not recorded", st.cell_bold),
    ]
    if block.detail:
        lines.append(_cell(block.detail, st.cell))
    lines.append(_cell(f"Date: {block.date}" if block.date else "Date not recorded", st.cell))
    return KeepTogether([*lines, Spacer(1, st.size)])


def _fit(canvas: Canvas, text: str, font: str, size: float, smallest: float, width: float) -> float:
    """The largest size from `size` down to `smallest` at which `text` fits `width`."""
    while size > smallest and canvas.stringWidth(text, font, size) > width:
        size -= 0.25
    return size


def _two_lines(text: str) -> list[str]:
    """Split a "a  ·  b  ·  c" identifier line at the separator nearest its middle."""
    parts = text.split("  ·  ")
    if len(parts) < 2:
        half = len(text) // 2
        return [text[:half], text[half:]]
    best = min(
        range(1, len(parts)), key=lambda i: abs(len("  ·  ".join(parts[:i])) - len(text) / 2)
    )
    return ["  ·  ".join(parts[:best]), "  ·  ".join(parts[best:])]


def _decorate(doc: Document) -> Any:
    """The onPage callback: header (authority, logo, title, person) and the footer's left."""
    logo = doc.branding.logo

    def on_page(canvas: Canvas, _template: Any) -> None:
        if doc.large_type:
            _large_type_page(canvas, doc)
            return
        canvas.saveState()
        top = PAGE_H - MARGIN
        limit = PAGE_W - 2 * MARGIN - (30 * mm if logo else 0)
        canvas.setFillColor(INK)
        canvas.setFont(BOLD, _fit(canvas, doc.branding.authority_name, BOLD, 11, 7, limit))
        canvas.drawString(MARGIN, top - 4 * mm, doc.branding.authority_name)
        canvas.setFont(BODY, 8.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, top - 9 * mm, doc.title)
        canvas.setFillColor(INK)
        # Identifiers never run off the page: shrink to fit, then take a second line.
        lines = [doc.person_line]
        size = _fit(canvas, doc.person_line, BOLD, 8.5, 6.5, limit)
        if canvas.stringWidth(doc.person_line, BOLD, size) > limit:
            lines = _two_lines(doc.person_line)
            size = min(_fit(canvas, line, BOLD, 8.5, 5, limit) for line in lines)
        canvas.setFont(BOLD, size)
        for n, line in enumerate(lines):
            canvas.drawString(MARGIN, top - (14 + 3.2 * n) * mm, line)
        if logo is not None:
            _draw_logo(canvas, logo, top)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        rule = top - (17 + 3.2 * (len(lines) - 1)) * mm
        canvas.line(MARGIN, rule, PAGE_W - MARGIN, rule)
        canvas.line(MARGIN, MARGIN + 9 * mm, PAGE_W - MARGIN, MARGIN + 9 * mm)
        canvas.setFont(BODY, 6.5)
        canvas.setFillColor(MUTED)
        for n, line in enumerate(doc.footer.splitlines()[:2]):
            canvas.drawString(MARGIN, MARGIN + (5 - 3.5 * n) * mm, line)
        canvas.restoreState()

    return on_page


def _draw_logo(canvas: Canvas, logo: Path, top: float) -> None:
    """The authority's logo at the top right of a page, as every page header has it."""
    canvas.drawImage(
        str(logo),
        PAGE_W - MARGIN - 28 * mm,
        top - 15 * mm,
        width=28 * mm,
        height=15 * mm,
        preserveAspectRatio=True,
        anchor="ne",
        mask="auto",
    )


def _large_type_page(canvas: Canvas, doc: Document) -> None:
    """The header and footer in large type: authority and person above, the record below.

    The document's title is the body's own first line, and the content hash is in the body
    (`Document.large_type`); a line too long for the page at this size is shortened, never
    printed smaller.
    """
    size = LARGE_TYPE_PT
    logo = doc.branding.logo
    top = PAGE_H - MARGIN
    limit = PAGE_W - 2 * MARGIN - (30 * mm if logo else 0)
    canvas.saveState()
    canvas.setFillColor(INK)
    for n, (text, font) in enumerate(
        ((doc.branding.authority_name, BOLD), (doc.person_line, BODY))
    ):
        canvas.setFont(font, size)
        canvas.drawString(MARGIN, top - (6 + 7 * n) * mm, _shortened(canvas, text, font, limit))
    if logo is not None:
        _draw_logo(canvas, logo, top)
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.line(MARGIN, top - 16.5 * mm, PAGE_W - MARGIN, top - 16.5 * mm)
    canvas.line(MARGIN, MARGIN + 9 * mm, PAGE_W - MARGIN, MARGIN + 9 * mm)
    record = doc.footer.splitlines()[0] if doc.footer else ""
    canvas.setFont(BODY, size)
    room = PAGE_W - 2 * MARGIN - canvas.stringWidth("Page 99 of 99", BODY, size) - 6 * mm
    canvas.drawString(MARGIN, MARGIN + 2 * mm, _shortened(canvas, record, BODY, room))
    canvas.restoreState()


def _shortened(canvas: Canvas, text: str, font: str, width: float) -> str:
    """`text` cut at a word (with an ellipsis) to fit `width` at the large-type size."""
    if canvas.stringWidth(text, font, LARGE_TYPE_PT) <= width:
        return text
    words = text.split()
    while len(words) > 1:
        words.pop()
        cut = " ".join(words).rstrip(" ·,") + "…"
        if canvas.stringWidth(cut, font, LARGE_TYPE_PT) <= width:
            return cut
    return text


class _SavedAt:
    """A fixed time in the shape reportlab's PDF metadata reads it (`reportlab.lib.utils`)."""

    def __init__(self, when: dt.datetime) -> None:
        utc = when.astimezone(dt.UTC) if when.tzinfo else when.replace(tzinfo=dt.UTC)
        self.t = utc.timestamp()
        self.lt = utc.timetuple()
        self.YMDhms = tuple(self.lt)[:6]  # noqa: N815 - reportlab's name
        self.dhh = self.dmm = 0
        self.tzname = "UTC"


def _numbered_canvas(
    draft: bool, created: dt.datetime | None, sink: dict[str, Any], *, large_type: bool = False
) -> type[Canvas]:
    """A canvas that holds pages back until the end to print "Page X of Y" (and DRAFT).

    Its PDF is dated `created` (CreationDate and ModDate), else reportlab's fixed invariant date.
    """

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []
            if created is not None:
                # Invariant mode keeps the bytes reproducible; the date is the content's own.
                self._doc._timeStamp = _SavedAt(created)

        def showPage(self) -> None:  # noqa: N802 - reportlab API
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            sink["pages"] = total
            for state in self._pages:
                self.__dict__.update(state)
                self._finish_page(total)
                super().showPage()
            super().save()

        def _finish_page(self, total: int) -> None:
            self.saveState()
            self.setFont(BODY, LARGE_TYPE_PT if large_type else 8)
            self.setFillColor(INK if large_type else MUTED)
            self.drawRightString(
                PAGE_W - MARGIN,
                MARGIN + (2 if large_type else 5) * mm,
                f"Page {self._pageNumber} of {total}",
            )
            if draft:
                self.setFillColor(colors.Color(0.75, 0.1, 0.1, alpha=0.18))
                self.setFont(BOLD, 110)
                self.translate(PAGE_W / 2, PAGE_H / 2)
                self.rotate(45)
                self.drawCentredString(0, -40, "DRAFT")
                self.rotate(-45)
                self.setFont(BOLD, 9)
            self.restoreState()
            if draft:
                self.saveState()
                self.setFont(BOLD, LARGE_TYPE_PT if large_type else 9)
                self.setFillColor(colors.HexColor("#b10e1e"))
                self.drawCentredString(
                    PAGE_W / 2,
                    MARGIN - (6 if large_type else 4) * mm,
                    "DRAFT: not finalised, not signed",
                )
                self.restoreState()

    return NumberedCanvas


def build_pdf(doc: Document) -> RenderedPdf:
    """Lay out `doc` on A4 pages and return the PDF bytes and where the stamp goes."""
    register_fonts()
    st = _styles(doc.variant, large_type=doc.large_type)
    buffer = io.BytesIO()
    template = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_H,
        bottomMargin=MARGIN + FOOTER_H,
        title=doc.title,
        author=doc.author,
        subject=doc.subject,
        creator="Assessor",
        producer="Assessor (reportlab)",
        keywords=list(doc.keywords),
        lang="en-GB",
        invariant=1,
        # Otherwise every page names Helvetica, an unembedded font, in its preamble.
        initialFontName=BODY,
    )
    frame = Frame(
        template.leftMargin,
        template.bottomMargin,
        template.width,
        template.height,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    template.addPageTemplates([PageTemplate("page", [frame], onPage=_decorate(doc))])
    sink: dict[str, Any] = {}
    template.build(
        _flowables(doc, st, sink, template.width, template.height),
        canvasmaker=_numbered_canvas(doc.draft, doc.created, sink, large_type=doc.large_type),
    )
    return RenderedPdf(
        data=buffer.getvalue(),
        pages=int(sink.get("pages", 0)),
        stamp_page=sink.get("page"),
        stamp_box=sink.get("box"),
        stamp_text_pt=sink.get("text_pt"),
    )
