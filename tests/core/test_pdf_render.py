"""Every form renders to a PDF a person can read: checked with poppler, not with our own code.

pdftotext gives the text in reading order, pdfinfo the metadata and page count, pdffonts shows
the font is embedded. These are the tools an ICB or a court's IT would reach for.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.form_engine.answers import visible_answers
from assessor_app.core.form_engine.definition import FormDefinition, load_forms_dir
from assessor_app.core.form_engine.evaluation import evaluate
from assessor_app.core.paths import default_forms_dir, resources_dir
from assessor_app.core.pdf.branding import Branding, load_branding
from assessor_app.core.pdf.document import (
    Document,
    Heading,
    KeyValues,
    Para,
    RenderedPdf,
    SignatureBlock,
    StampBox,
    TableBlock,
    Variant,
    build_pdf,
)
from assessor_app.core.pdf.record_document import record_document
from assessor_app.core.records import (
    Assessment,
    Person,
    PersonDetails,
    RecordStatus,
    Setting,
)
from tests.conftest import REPO_ROOT
from tests.support import poppler, squash

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils is not installed (CI installs it)"
)

REGISTRY = load_forms_dir(default_forms_dir())
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "forms" / "answers"
TODAY = dt.date(2026, 11, 23)

PERSON = Person(
    "person-1",
    PersonDetails(
        "Zoë",
        "Łukasz-Nguyễn",
        dt.date(1950, 3, 4),
        "9434765919",
        authority_person_id="EX-4411",
        prison_number="A1234BC",
        setting=Setting.PRISON,
        establishment_name="HMP Exampleton",
    ),
    dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
)


def _answers_for(form: FormDefinition) -> dict[str, Any]:
    """The fullest synthetic answers we have for a form: demo answers, else none at all."""
    demo = resources_dir() / "demo" / f"{form.id}.json"
    if demo.exists():
        return dict(json.loads(demo.read_text(encoding="utf-8")))
    return {}


def _record(form: FormDefinition, answers: dict[str, Any], status: RecordStatus) -> Assessment:
    return Assessment(
        id="0f5e1c2a-7b9d-4e21-9c3a-5d8e7f6a1b2c",
        person_id=PERSON.id,
        form_id=form.id,
        form_version=form.version,
        status=status,
        author="Robin Testcase",
        answers=answers,
        revision=7,
        revision_hash="9f" * 32,
        updated_at=dt.datetime(2026, 11, 23, 10, 30, tzinfo=dt.UTC),
    )


def _render(form: FormDefinition, answers: dict[str, Any], status: RecordStatus, **kw: Any):
    evaluation = evaluate(form, answers, today=TODAY)
    branding = load_branding(None, "Exampleshire County Council")
    doc = record_document(form, _record(form, answers, status), PERSON, evaluation, branding, **kw)
    return build_pdf(doc)


ALL_FORMS = [
    pytest.param(REGISTRY.get(form_id, version), id=f"{form_id}-v{version}")
    for form_id in sorted({f.id for f in REGISTRY.forms()})
    for version in REGISTRY.versions(form_id)
]


@pytest.mark.parametrize("form", ALL_FORMS)
@pytest.mark.parametrize("status", [RecordStatus.DRAFT, RecordStatus.COMPLETED])
def test_every_form_renders_and_its_text_extracts(form, status, tmp_path):
    answers = _answers_for(form)
    pdf = _render(form, answers, status)
    text = squash(poppler("pdftotext", pdf.data, tmp_path))
    assert pdf.pages >= 1
    # The common parts, on the page and in the text layer.
    assert "Exampleshire County Council" in text
    assert form.title in text
    assert "Zoë Łukasz-Nguyễn" in text
    assert "NHS number 943 476 5919" in text
    assert "Prison number A1234BC" in text
    assert f"Page 1 of {pdf.pages}" in text
    assert "revision 7" in text and "9f" * 32 in text
    # Every section that has an answer prints its title, in form order.
    visible = visible_answers(form, answers)
    shown = [s.title for s in form.sections if any(f.id in visible for f in s.fields)]
    positions = [text.find(title) for title in shown]
    missing = [t for t, p in zip(shown, positions, strict=True) if p < 0]
    assert not missing
    assert positions == sorted(positions), "sections are out of reading order"
    if status is RecordStatus.DRAFT:
        assert "DRAFT" in text and pdf.stamp_box is None
    else:
        assert "DRAFT" not in text
        assert pdf.stamp_page == pdf.pages - 1 and pdf.stamp_box is not None


def test_metadata_language_and_embedded_unicode_font(tmp_path):
    form = REGISTRY.latest("chc_dst")
    pdf = _render(form, _answers_for(form), RecordStatus.COMPLETED)
    info = poppler("pdfinfo", pdf.data, tmp_path)
    assert "NHS Continuing Healthcare Decision Support Tool" in info
    assert "Robin Testcase" in info
    assert f"Pages:{' ' * 10}{pdf.pages}".replace(" ", "") in info.replace(" ", "")
    catalog = pdf.data
    assert b"/Lang (en-GB)" in catalog
    fonts = poppler("pdffonts", pdf.data, tmp_path).splitlines()[2:]
    assert fonts, "no fonts listed"
    for line in fonts:
        assert "DejaVuSans" in line
        assert " yes yes " in line, f"font not embedded as a subset: {line}"


def test_answers_print_as_a_person_reads_them(tmp_path):
    form = REGISTRY.latest("financial_assessment")
    answers = json.loads((FIXTURES / "financial_home.json").read_text())
    text = squash(
        poppler("pdftotext", _render(form, answers, RecordStatus.COMPLETED).data, tmp_path)
    )
    # The charge, line by line, with the rates table named: what a person would query.
    assert "Weekly charge: £153.90 a week" in text
    assert "Tariff income: £13.00" in text
    assert "Rates table: england-2025-26 (version 1)" in text
    # Money in pounds, not pence; yes/no in words; dates in words.
    assert "15390" not in text
    assert "True" not in text and "False" not in text


def test_the_eligibility_determination_prints_each_condition(tmp_path):
    form = REGISTRY.latest("needs_assessment")
    answers = json.loads((FIXTURES / "needs_custody_eligible.json").read_text())
    text = squash(
        poppler("pdftotext", _render(form, answers, RecordStatus.COMPLETED).data, tmp_path)
    )
    assert "Eligibility determination: Eligible needs" in text
    assert text.count("Met: ") >= 3


def test_checklist_domains_print_as_one_table(tmp_path):
    form = REGISTRY.latest("chc_checklist")
    answers = json.loads((FIXTURES / "chc_checklist_positive.json").read_text())
    text = poppler(
        "pdftotext", _render(form, answers, RecordStatus.COMPLETED).data, tmp_path, "-layout"
    )
    assert "Domain" in text and "A, B or C" in text
    lines = text.splitlines()
    rows = [line for line in lines if line.strip().startswith(("Nutrition", "Mobility"))]
    assert any(" A " in f" {r} " for r in rows), rows
    assert "does not mean" in squash(text)


def test_dst_prints_each_members_contribution_and_the_disagreement(tmp_path):
    form = REGISTRY.latest("chc_dst")
    answers = json.loads((FIXTURES / "chc_dst_two_members.json").read_text())
    text = squash(
        poppler("pdftotext", _render(form, answers, RecordStatus.COMPLETED).data, tmp_path)
    )
    assert "Contribution from Sam Okafor (Registered nurse, Exampleshire ICB)" in text
    assert "Contribution from Robin Testcase" in text
    assert "Members disagreed: Sam Okafor (registered nurse) proposed High" in text
    assert text.index("Domain levels") < text.index("1. Breathing")
    # The coordinator signs in the assessor's role, but is named as what they are.
    assert "The coordinator of the Decision Support Tool" in text


def _long_document(variant: Variant) -> Document:
    rows = tuple((f"Item {n}", f"Value {n} " + "word " * (n % 40)) for n in range(1, 121))
    return Document(
        title="Table across pages",
        branding=Branding(authority_name="Exampleshire County Council"),
        person_line="Zoë Łukasz-Nguyễn",
        footer="Record r · revision 1",
        blocks=(
            Heading("A long table"),
            TableBlock(("Name", "Value"), rows),
            Heading("A long answer"),
            KeyValues((("Narrative", "Lorem ipsum dolor sit amet. " * 400),)),
        ),
        variant=variant,
    )


@pytest.mark.parametrize("variant", list(Variant))
def test_long_tables_and_answers_split_across_pages_with_the_header_repeated(variant, tmp_path):
    pdf = build_pdf(_long_document(variant))
    text = poppler("pdftotext", pdf.data, tmp_path)
    assert pdf.pages >= 3
    # The header row repeats on each page the table spans; nothing is cut off.
    table_pages = [page for page in text.split("\f") if "Item " in page]
    assert len(table_pages) >= 2
    assert all("Name" in page and "Value" in page for page in table_pages)
    assert all(f"Item {n}" in text for n in (1, 60, 120))
    assert squash(text).count("Lorem ipsum") == 400


def test_large_print_uses_bigger_type_than_standard():
    standard = build_pdf(_long_document(Variant.STANDARD))
    large = build_pdf(_long_document(Variant.LARGE_PRINT))
    assert large.pages > standard.pages * 1.8


def test_long_identifiers_and_authority_names_stay_on_the_page(tmp_path):
    long_person = Person(
        "person-2",
        PersonDetails(
            "Anna-Maria Josephine",
            "Featherstonehaugh-Łukasz-Nguyễn-Okonkwo",
            dt.date(1950, 3, 4),
            "9434765919",
            authority_person_id="EXAMPLESHIRE-ADULT-SOCIAL-CARE-0000123456",
            prison_number="A1234BC",
            setting=Setting.PRISON,
        ),
        dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    form = REGISTRY.latest("chc_checklist")
    answers = _answers_for(form)
    branding = Branding(
        authority_name="The Royal Borough of Exampleton-upon-Thames and Greater Demoshire "
        "Adult Social Care Directorate"
    )
    doc = record_document(
        form,
        _record(form, answers, RecordStatus.COMPLETED),
        long_person,
        evaluate(form, answers, today=TODAY),
        branding,
    )
    path = tmp_path / "long.pdf"
    path.write_bytes(build_pdf(doc).data)
    bbox = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-bbox", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    right_edges = [float(x) for x in re.findall(r'xMax="([\d.]+)"', bbox)]
    assert right_edges and max(right_edges) <= 595.3 - 18 * 72 / 25.4 + 1
    text = squash(
        subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    )
    assert "Our reference EXAMPLESHIRE-ADULT-SOCIAL-CARE-0000123456" in text
    assert "Prison number A1234BC" in text and "Directorate" in text


def test_the_certificate_stamp_never_sits_alone_on_the_last_page(tmp_path):
    form = REGISTRY.latest("financial_assessment")
    answers = json.loads((FIXTURES / "financial_home.json").read_text())
    pdf = _render(form, answers, RecordStatus.COMPLETED)
    last = poppler("pdftotext", pdf.data, tmp_path).split("\f")[pdf.pages - 1]
    assert "Certificate signature" in last and "Date:" in last  # with the last signature


def _pages(pdf: RenderedPdf, tmp_path: Path) -> list[str]:
    """Each page's text (pdftotext's page breaks), whitespace squashed."""
    return [squash(page) for page in poppler("pdftotext", pdf.data, tmp_path).split("\f")]


def _filler(lines: int) -> Para:
    return Para("\n".join(f"Filler line {n}." for n in range(1, lines + 1)))


def _questions(lines: int, variant: Variant) -> Document:
    answer = "and it goes on " * 14
    rows = tuple((f"Question {n}", f"Answer {n} starts {answer}and ends {n}.") for n in range(1, 9))
    return Document(
        title="Questions at a page break",
        branding=Branding(authority_name="Exampleshire County Council"),
        person_line="Zoë Łukasz-Nguyễn",
        footer="Record r · revision 1",
        blocks=(Heading("Before"), _filler(lines), KeyValues(rows)),
        variant=variant,
    )


@pytest.mark.parametrize("variant", list(Variant))
def test_a_question_and_its_answer_are_never_parted_by_a_page_break(variant, tmp_path):
    # Shift the questions down a line at a time, so that each lands on the page break in turn.
    for lines in range(30, 75, 2):
        pages = _pages(build_pdf(_questions(lines, variant)), tmp_path)
        for n in range(1, 9):
            on = [i for i, page in enumerate(pages) if f"Question {n} " in page]
            assert len(on) == 1, f"{lines} lines of filler: question {n} on pages {on}"
            page = pages[on[0]]
            assert f"Answer {n} starts" in page and f"and ends {n}." in page, (
                f"{lines} lines of filler: question {n}'s answer is not all on its page"
            )


def _signed(lines: int, *, draft: bool) -> Document:
    strokes = (((10, 10), (40, 30), (80, 12)),)
    return Document(
        title="Sign-off at a page break",
        branding=Branding(authority_name="Exampleshire County Council"),
        person_line="Zoë Łukasz-Nguyễn",
        footer="Record r · revision 1",
        blocks=(
            Heading("What was decided"),
            _filler(lines),
            Heading("Signatures"),
            SignatureBlock(
                "The person assessed", "Łukasz Brindlewood", "16 November 2026", strokes
            ),
            SignatureBlock("The assessor", "Priya Exampleton", "16 November 2026", strokes),
            StampBox("Certificate signature"),
        ),
        draft=draft,
    )


@pytest.mark.parametrize("draft", [False, True], ids=["final", "draft"])
def test_the_signatures_never_sit_alone_on_a_page(draft, tmp_path):
    for lines in range(20, 72, 2):
        pdf = build_pdf(_signed(lines, draft=draft))
        pages = _pages(pdf, tmp_path)
        page = next(p for p in pages if "Priya Exampleton" in p)
        where = f"{lines} lines of filler"
        # The assessor's signature is on one page with the other signature, their heading and
        # the end of what comes before them (and, when final, the certificate stamp's space).
        assert "Signatures" in page and "The person assessed" in page, where
        assert "Łukasz Brindlewood" in page, where
        assert f"Filler line {lines}." in page, where
        if not draft:
            assert "Certificate signature" in page and pages.index(page) == pdf.pages - 1, where


def test_a_short_section_before_the_sign_off_never_leaves_its_heading_behind(tmp_path):
    # Large print's "About this letter": a heading and a few lines, then the sign-off. Where
    # the sign-off needs the next page, the section goes with it whole or keeps its heading.
    for before in range(4, 30, 2):
        doc = Document(
            title="A letter",
            branding=Branding(authority_name="Exampleshire County Council"),
            person_line="Zoë Łukasz-Nguyễn",
            footer="Record r · revision 1",
            blocks=(
                Heading("What we decided"),
                _filler(before),
                Heading("About this letter", level=2),
                Para("Record r, revision 1\nContent hash (SHA-256) " + "ab" * 32),
                Heading("Help with this letter", level=2),
                Para("Yours sincerely,\nPriya Exampleton\nSocial worker"),
                StampBox("Signed electronically. Any PDF reader can check the signature."),
            ),
            variant=Variant.LARGE_PRINT,
            large_type=True,
        )
        pdf = build_pdf(doc)
        pages = _pages(pdf, tmp_path)
        where = f"{before} lines before"
        [page] = [p for p in pages if "About this letter" in p]
        assert "Content hash" in page and "Priya Exampleton" in page, where
        assert pages.index(page) == pdf.pages - 1, where
