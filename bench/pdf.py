"""Render and sign a complete DST with three MDT members' contributions, against a bare floor.

App side: `record_document` + `build_pdf` (DejaVu embedded, tables, page X of Y) and
`sign_pdf` (PAdES B-B certification signature with the visible stamp in DejaVu), with the
profile's identity from a real vault loaded once beforehand (key generation is a one-off).

Floor, in the same run: bare reportlab (`SimpleDocTemplate`, one Paragraph per string of the
same document, in the same DejaVu Sans TrueType file registered once, because the standard
Helvetica cannot print "Łukasz-Nguyễn" and so would not be the same text) plus a bare pyHanko
signature (invisible, default settings) with the same key. Runs alternate after one
unmeasured warm-up each.
"""

from __future__ import annotations

import datetime as dt
import io
import json
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
from assessor_app.core.pdf.branding import load_branding
from assessor_app.core.pdf.fonts import font_file
from assessor_app.core.pdf.record_document import record_document
from assessor_app.core.pdf.signing import (
    SigningIdentity,
    StampPlacement,
    sign_pdf,
)
from assessor_app.core.records import (
    Assessment,
    Person,
    PersonDetails,
    RecordStatus,
    Setting,
)
from assessor_app.core.services.signing import profile_signing_identity
from bench.common import median, ms, new_vault

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURE = REPO_ROOT / "tests" / "fixtures" / "forms" / "answers" / "chc_dst_two_members.json"
TARGET_SECONDS = 1.0
TARGET_RATIO = 2.0


@dataclass(frozen=True)
class PdfResult:
    app: list[float]
    floor: list[float]
    size: int
    floor_size: int
    pages: int

    def lines(self) -> list[str]:
        app, floor = median(self.app), median(self.floor)
        ratio = app / floor
        return [
            "Render and sign a DST with three MDT contributions "
            f"({len(self.app)} runs, median; {self.pages} pages)",
            f"  app (record_document + build_pdf + sign_pdf): {ms(app)}"
            f"  (min {ms(min(self.app))}, max {ms(max(self.app))})",
            f"  floor (bare reportlab + bare pyHanko):          {ms(floor)}"
            f"  (min {ms(min(self.floor))}, max {ms(max(self.floor))})",
            f"  ratio {ratio:.2f}x (target <= {TARGET_RATIO:.1f}x); "
            f"wall {app:.3f} s (target <= {TARGET_SECONDS:.1f} s): "
            + ("met" if ratio <= TARGET_RATIO and app <= TARGET_SECONDS else "NOT met"),
            f"  PDF size: {self.size / 1024:.1f} KiB signed "
            f"(floor document {self.floor_size / 1024:.1f} KiB)",
        ]


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


def _floor(strings: list[str], identity: SigningIdentity) -> bytes:
    if FLOOR_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FLOOR_FONT, str(font_file())))
    buffer = io.BytesIO()
    style = getSampleStyleSheet()["BodyText"].clone("floor", fontName=FLOOR_FONT)
    SimpleDocTemplate(buffer).build([Paragraph(escape(s), style) for s in strings])
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


def run(repeats: int = 15) -> PdfResult:
    registry = load_forms_dir(default_forms_dir())
    form = registry.latest("chc_dst")
    answers = _answers()
    person = Person(
        "bench-person",
        PersonDetails(
            "Zoë",
            "Łukasz-Nguyễn",
            dt.date(1948, 5, 6),
            "9434765919",
            authority_person_id="EX-0001",
            setting=Setting.CARE_HOME,
        ),
        dt.datetime.now(dt.UTC),
    )
    record = Assessment(
        "bench-record",
        person.id,
        form.id,
        form.version,
        RecordStatus.COMPLETED,
        "Bench Assessor",
        answers,
        12,
        "ab" * 32,
        dt.datetime.now(dt.UTC),
    )
    with tempfile.TemporaryDirectory() as tmp:
        vault = new_vault(Path(tmp))
        try:
            identity = profile_signing_identity(vault)
            branding = load_branding(None, vault.profile.authority)
        finally:
            vault.close()

    def app_once() -> bytes:
        evaluation = evaluate(form, answers, today=dt.date(2026, 11, 23))
        rendered = docmod.build_pdf(record_document(form, record, person, evaluation, branding))
        assert rendered.stamp_page is not None and rendered.stamp_box is not None
        return sign_pdf(
            rendered.data,
            identity,
            placement=StampPlacement(rendered.stamp_page, rendered.stamp_box),
            reason="Benchmark",
            location="Exampleshire",
        )

    evaluation = evaluate(form, answers, today=dt.date(2026, 11, 23))
    doc = record_document(form, record, person, evaluation, branding)
    strings = _strings(doc)
    pages = docmod.build_pdf(doc).pages
    size = len(app_once())
    floor_size = len(_floor(strings, identity))
    app_times: list[float] = []
    floor_times: list[float] = []
    for _ in range(repeats):
        started = time.perf_counter()
        app_once()
        app_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        _floor(strings, identity)
        floor_times.append(time.perf_counter() - started)
    return PdfResult(app_times, floor_times, size, floor_size, pages)
