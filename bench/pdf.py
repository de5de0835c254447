"""Finalise a complete DST with three MDT members' contributions, against a bare floor.

App side: what "Finalise and sign" does, through the use case the app and the CLI call
(`services.documents.finalise_record`): check every answer and signature, complete the record
(a revision in the vault), load the profile's signing identity from the vault, render
(`record_document` + `build_pdf`: DejaVu embedded, tables, page X of Y), sign (PAdES B-B
certification signature with the visible stamp) and store the signed PDF. Each run finalises a
fresh draft of the same answers (making the draft is not timed).

Floor, in the same run: bare reportlab (`SimpleDocTemplate`, one Paragraph per string of the
same document, in the same DejaVu Sans TrueType file registered once, because the standard
Helvetica cannot print "Łukasz-Nguyễn" and so would not be the same text) plus a bare pyHanko
signature (invisible, default settings) with the same key. That the two print the same text
is checked, not assumed: pdftotext's character counts of both are reported and must agree
within a few per cent. Runs alternate after one unmeasured warm-up each.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate

from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.form_engine.evaluation import evaluate
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.pdf import document as docmod
from assessor_app.core.pdf.fonts import font_file
from assessor_app.core.pdf.record_document import record_document
from assessor_app.core.pdf.signing import SigningIdentity
from assessor_app.core.records import AssessmentId, PersonDetails, Setting
from assessor_app.core.services.documents import finalise_record
from assessor_app.core.services.session import Session
from assessor_app.core.services.signing import profile_signing_identity
from bench.common import Row, median, ms, new_vault

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURE = REPO_ROOT / "tests" / "fixtures" / "forms" / "answers" / "chc_dst_two_members.json"
TODAY = dt.date(2026, 11, 23)
TARGET_SECONDS = 1.0
TARGET_RATIO = 2.0


@dataclass(frozen=True)
class PdfResult:
    app: list[float]
    floor: list[float]
    size: int
    floor_size: int
    pages: int
    chars: int
    """Characters pdftotext finds in the app's signed PDF (0 without poppler)."""
    floor_chars: int
    """And in the floor's."""

    def summary(self) -> list[Row]:
        app, floor = median(self.app), median(self.floor)
        return [
            Row(
                f"finalise and sign a DST with 3 contributions ({self.pages} pages), median",
                f"<= {TARGET_RATIO:.1f}x floor, <= {TARGET_SECONDS:.1f} s",
                f"{ms(floor)} bare reportlab + pyHanko, same text ({self.text_gap:+.0%})",
                ms(app),
                app / floor,
                app / floor <= TARGET_RATIO and app <= TARGET_SECONDS,
            )
        ]

    def lines(self) -> list[str]:
        app, floor = median(self.app), median(self.floor)
        ratio = app / floor
        return [
            "Render and sign a DST with three MDT contributions "
            f"({len(self.app)} runs, median; {self.pages} pages)",
            f"  app (finalise_record: complete, sign, store):   {ms(app)}"
            f"  (min {ms(min(self.app))}, max {ms(max(self.app))})",
            f"  floor (bare reportlab + bare pyHanko):          {ms(floor)}"
            f"  (min {ms(min(self.floor))}, max {ms(max(self.floor))})",
            f"  ratio {ratio:.2f}x (target <= {TARGET_RATIO:.1f}x); "
            f"wall {app:.3f} s (target <= {TARGET_SECONDS:.1f} s): "
            + ("met" if ratio <= TARGET_RATIO and app <= TARGET_SECONDS else "NOT met"),
            f"  PDF size: {self.size / 1024:.1f} KiB signed "
            f"(floor document {self.floor_size / 1024:.1f} KiB)",
            f"  same text: pdftotext finds {self.chars:,} characters in the app's PDF and "
            f"{self.floor_chars:,} in the floor's ({self.text_gap:+.1%})",
        ]

    @property
    def text_gap(self) -> float:
        """How much more text the app's PDF holds than the floor's, as a fraction."""
        return (self.chars - self.floor_chars) / max(1, self.floor_chars)


def _answers() -> dict[str, Any]:
    answers: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    third = {
        "contribution_id": "c9d0e1f2",
        "contributor_name": "Ngozi Placeholder",
        "contributor_profession": "occupational_therapist",
        "contributor_organisation": "Exampleshire Community Health",
        "contributed_on": "2026-11-14",
        "revision": 2,
    }
    for key in ("breathing", "skin", "mobility", "communication", "cognition", "behaviour"):
        third[f"m_{key}_level"] = "moderate"
        third[f"m_{key}_evidence"] = (
            "Observed on two home visits; the care plan and daily notes agree. "
            "Needs vary through the day and are worse in the evening."
        )
    answers["contributions"] = [*answers.get("contributions", []), third]
    for key in ("breathing", "skin", "communication", "behaviour"):
        # The third member proposed more than the MDT confirmed: the DST records why.
        answers[f"dst_{key}_disagreement"] = (
            "The MDT weighed the occupational therapist's view against the nursing notes and "
            "confirmed the lower level; the member was told and their view is recorded."
        )
    return answers


def _strings(doc: docmod.Document) -> list[str]:
    """Every string the app's document prints, for the floor to lay out plainly."""
    out = [doc.title, doc.person_line, doc.footer]
    for block in doc.blocks:
        if isinstance(block, docmod.Heading | docmod.Para | docmod.Note):
            out.append(block.text)
        elif isinstance(block, docmod.Bullets):
            out.extend(block.items)
        elif isinstance(block, docmod.KeyValues):
            out.extend(f"{q}: {a}" for q, a in block.rows)
        elif isinstance(block, docmod.TableBlock):
            out.append(" | ".join(block.header))
            out.extend(" | ".join(row) for row in block.rows)
        elif isinstance(block, docmod.OutcomeBox):
            out.append(f"{block.label}: {block.value}")
            out.extend(block.reasons)
        elif isinstance(block, docmod.SignatureBlock):
            out.extend((block.role, block.name, block.detail, block.date))
    return [s for s in out if s]


FLOOR_FONT = "FloorDejaVuSans"


def _floor(
    strings: list[str], page_lines: list[str], pages: int, identity: SigningIdentity
) -> bytes:
    """The same strings laid out plainly, with the app's running header and footer lines
    (`page_lines`: authority, form, person, record and hash) drawn on every page, signed."""
    if FLOOR_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FLOOR_FONT, str(font_file())))
    buffer = io.BytesIO()
    style = getSampleStyleSheet()["BodyText"].clone("floor", fontName=FLOOR_FONT)

    def on_page(canvas: Any, template: Any) -> None:
        canvas.setFont(FLOOR_FONT, 7)
        for n, line in enumerate([*page_lines, f"Page {template.page} of {pages}"]):
            canvas.drawString(36, 20 + 8 * n, line)

    SimpleDocTemplate(buffer).build(
        [Paragraph(escape(s), style) for s in strings], onFirstPage=on_page, onLaterPages=on_page
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(buffer.getvalue()))
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(identity.certificate_der),
        signing_key=asn1_keys.PrivateKeyInfo.load(identity.private_key_der),
        cert_registry=SimpleCertificateStore.from_certs([]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name="Signature", subfilter=fields.SigSeedSubFilter.PADES
    )
    return bytes(signers.sign_pdf(writer, meta, signer=signer).getvalue())


def _chars(data: bytes) -> int:
    """Characters of text pdftotext reads from a PDF, not counting spaces (0 without it)."""
    if shutil.which("pdftotext") is None:
        return 0
    out = subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode("utf-8")
    return sum(1 for c in out if not c.isspace())


def run(repeats: int = 15) -> PdfResult:
    registry = load_forms_dir(default_forms_dir())
    form = registry.latest("chc_dst")
    answers = _answers()
    details = PersonDetails(
        "Zoë",
        "Łukasz-Nguyễn",
        dt.date(1948, 5, 6),
        "9434765919",
        authority_person_id="EX-0001",
        setting=Setting.CARE_HOME,
    )
    with tempfile.TemporaryDirectory() as tmp:
        vault = new_vault(Path(tmp))
        try:
            session = Session(vault, lambda: registry, lambda: TODAY)
            person = session.people.add(details, today=TODAY)

            def draft() -> AssessmentId:
                record = session.records.create(person.id, form.id, form.version, answers)
                return AssessmentId(record.id)

            def app_once(record_id: AssessmentId) -> bytes:
                kept = finalise_record(session, record_id)
                return session.documents.data(kept.document.id)

            identity = profile_signing_identity(vault)
            evaluation = evaluate(form, answers, today=TODAY)
            assert evaluation.completable, evaluation.blockers or evaluation.problems
            record = session.records.get(draft())
            doc = record_document(form, record, person, evaluation, session.branding)
            strings = _strings(doc)
            page_lines = [doc.branding.authority_name, doc.title, doc.person_line, doc.footer]
            pages = docmod.build_pdf(doc).pages
            signed = app_once(draft())
            floor = _floor(strings, page_lines, pages, identity)
            app_times: list[float] = []
            floor_times: list[float] = []
            for _ in range(repeats):
                record_id = draft()
                started = time.perf_counter()
                app_once(record_id)
                app_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                _floor(strings, page_lines, pages, identity)
                floor_times.append(time.perf_counter() - started)
        finally:
            vault.close()
    return PdfResult(
        app_times,
        floor_times,
        len(signed),
        len(floor),
        pages,
        _chars(signed),
        _chars(floor),
    )
