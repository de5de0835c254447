"""The care and support plan's easy-read and large-print editions for the person.

Finalising a plan keeps three signed PDFs of the same revision: standard, easy read and large
print, each written from the plan's answers. Checked with poppler, which shares no code with
the app: `pdfsig` finds each signature valid, `pdftotext` finds each need's plain-words lines
and the weekly amount, and `pdftotext -bbox` finds no word on a large-print page printed
smaller than 16 point.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from typing import Any

import pytest

from assessor_app.core.errors import ValidationError
from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.pdf.document import LARGE_TYPE_PT, Variant
from assessor_app.core.records import AssessmentId
from assessor_app.core.services.care_plans import start_plan
from assessor_app.core.services.documents import finalise_record, write_record_pdf
from assessor_app.core.services.records import complete_record
from assessor_app.core.services.session import Session
from assessor_app.core.storage import document_outbox
from assessor_app.core.storage.documents import DocumentRepository
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.conftest import REPO_ROOT
from tests.core.test_cli import PASS, cli, profile  # noqa: F401 - fixtures
from tests.support import CUSTODY_PLAN, poppler, prisoner, session_for, squash, word_heights

REGISTRY = load_forms_dir(default_forms_dir())
TODAY = dt.date(2026, 11, 23)
ANSWERS = REPO_ROOT / "tests" / "fixtures" / "forms" / "answers"
needs_poppler = pytest.mark.skipif(
    shutil.which("pdfsig") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils is not installed",
)


def _fixture(name: str) -> dict[str, Any]:
    return dict(json.loads((ANSWERS / name).read_text("utf-8")))


def _completed(session: Session, person_id: str, form_id: str, answers: dict[str, Any]) -> str:
    form = REGISTRY.latest(form_id)
    rid = session.records.create(person_id, form.id, form.version, answers).id
    complete_record(session, AssessmentId(rid))
    return rid


NEEDS = {
    "nutrition": {
        "need_outcome": "I want to get my own meals from the servery.",
        "met_how": "A care worker carries your tray and cuts up your food.",
        "met_by": "Healthcare unit care team",
        "met_often": "Every lunch and dinner",
        "weekly_cost": 8550,
        "prevention_offered": "An occupational therapist will look at cutlery that is easier "
        "to hold.",
    },
    "hygiene": {
        "need_outcome": "I want to have a shower without falling.",
        "met_how": "A care worker helps you in the shower. A shower chair stays in the shower.",
        "met_by": "Healthcare unit care team",
        "met_often": "Every morning",
        "weekly_cost": 12000,
        "prevention_offered": "A grab rail in your cell.",
    },
    "relationships": {
        "need_outcome": "I want to phone my sister every week.",
        "met_how": "A worker helps you book calls and dial the number.",
        "met_by": "Wing peer supporter, trained by the care team",
        "met_often": "Twice a week",
        "weekly_cost": 2500,
        "prevention_offered": "A card with your PIN steps in large print.",
    },
}
"""Three needs met by the plan: £85.50 + £120.00 + £25.00 = £230.50 a week."""


def three_need_plan(session: Session) -> AssessmentId:
    """A signed, ready-to-finalise plan for an invented prisoner, with three eligible needs.

    The financial assessment (tests/fixtures: financial_home.json) works out £153.90 a week.
    """
    person = PeopleRepository(session.vault).add(prisoner()).id
    _completed(session, person, "financial_assessment", _fixture("financial_home.json"))
    needs = _fixture("needs_custody_eligible.json") | {
        "out_relationships_status": "not_achieved",
        "out_relationships_narrative": "Cannot use the wing phone alone. Forgets the PIN "
        "steps and gets upset.",
        "out_relationships_ways": ["without_assistance"],
        "out_relationships_carer": False,
    }
    plan = start_plan(session, AssessmentId(_completed(session, person, "needs_assessment", needs)))
    items = [
        {**item, "how_met": "plan", **NEEDS[item["need_domain"]]}
        for item in plan.answers["plan_needs"]
    ]
    signed = {"typed": True, "name": "Łukasz Brindlewood", "signed_on": "2026-11-20"}
    for field_id, value in {
        "plan_date": "2026-11-20",
        "strengths_and_support": "Keeps in touch with his sister by phone. Knows the wing "
        "routine well.",
        "plan_needs": items,
        "person_signature": signed,
        "assessor_signature": signed | {"name": "Alex Assessor"},
        **CUSTODY_PLAN,  # he is in prison: the plan's custody section (CU-26)
    }.items():
        session.records.save_field(plan.id, field_id, value)
    return AssessmentId(plan.id)


@pytest.fixture
def finalised(vault: Vault) -> tuple[Session, AssessmentId]:
    session = session_for(vault, REGISTRY, today=TODAY)
    plan = three_need_plan(session)
    finalise_record(session, plan)
    return session, plan


def _kept(session: Session, plan: AssessmentId) -> dict[str, bytes]:
    repo = DocumentRepository(session.vault)
    return {d.variant: repo.data(d.id) for d in repo.list_for_assessment(plan)}


def test_a_three_need_plan_has_the_needs_its_test_relies_on(finalised):
    session, plan = finalised
    domains = [i["need_domain"] for i in session.records.get(plan).answers["plan_needs"]]
    assert domains == ["nutrition", "hygiene", "relationships"]


@needs_poppler
def test_finalising_a_plan_keeps_easy_read_and_large_print_signed_beside_the_standard(
    finalised, tmp_path
):
    session, plan = finalised
    repo = DocumentRepository(session.vault)
    docs = repo.list_for_assessment(plan)
    assert sorted(d.variant for d in docs) == ["easy_read", "large_print", "standard"]
    record = session.records.get(plan)
    assert {(d.kind, d.revision, d.revision_hash) for d in docs} == {
        ("record", record.revision, record.revision_hash)
    }
    for variant, data in _kept(session, plan).items():
        checked = poppler("pdfsig", data, tmp_path)
        assert "Signature is Valid" in checked, variant
        assert "Document has been modified" not in checked, variant
    # All three wait in the document outbox, to go to the council with the plan.
    queued = {p.document_id for p in document_outbox.pending(session.vault.conn)}
    assert queued == {d.id for d in docs}
    # Finalising again (signing stopped part way, say) keeps no second copy.
    finalise_record(session, plan)
    assert len(repo.list_for_assessment(plan)) == 3


@needs_poppler
def test_easy_read_says_each_need_in_plain_words_and_the_weekly_amount(finalised, tmp_path):
    session, plan = finalised
    text = squash(poppler("pdftotext", _kept(session, plan)["easy_read"], tmp_path))
    assert "Your care and support plan" in text
    for heading in ("Eating and drinking", "Keeping clean", "Family and friends"):
        assert text.count(heading) >= 2, heading  # listed, then its own section
    for section in (
        "What you told us",
        "What you want",
        "What will happen",
        "Who will help",
        "When",
        "How much you pay each week",
    ):
        assert text.count(section) == 3, section
    # The person's own words, exactly; the assessor's plan for each need.
    assert "I want to have a shower without falling." in text
    assert "I want to phone my sister every week." in text
    assert "A worker helps you book calls and dial the number." in text
    assert "Every morning." in text
    # One weekly amount for all their help, never split between the needs.
    assert "This help costs £120 each week." in text
    assert text.count("You pay £153.90 each week.") == 4  # each need, and Your money
    assert "All your help costs £230.50 each week." in text
    assert "We pay £76.60 each week." in text
    assert "You signed it on 20 November 2026." in text
    # Short lines: no line of the easy-read edition runs past 20 words.
    lines = poppler("pdftotext", _kept(session, plan)["easy_read"], tmp_path).splitlines()
    assert max(len(line.split()) for line in lines) <= 20


@needs_poppler
def test_no_word_of_large_print_or_easy_read_is_smaller_than_16_point(finalised, tmp_path):
    session, plan = finalised
    kept = _kept(session, plan)
    # poppler's word box is as tall as the word's font size (one em), stamp text included.
    for variant in ("large_print", "easy_read"):
        heights = word_heights(kept[variant], tmp_path)
        assert len(heights) > 200
        small = [(w, round(h, 1)) for w, h in heights if h < LARGE_TYPE_PT - 0.05]
        assert small == [], variant
    standard = word_heights(kept["standard"], tmp_path)
    assert min(h for _, h in standard) < 12  # the check does see small print


@needs_poppler
def test_large_print_carries_the_whole_plan_and_its_budget(finalised, tmp_path):
    session, plan = finalised
    text = squash(poppler("pdftotext", _kept(session, plan)["large_print"], tmp_path))
    assert "Edition Large print" in text
    assert "Cost to the authority of meeting the needs: £230.50 a week." in text
    assert "The authority's share: £76.60 a week." in text
    assert "Twice a week" in text
    assert "Need 3: Developing and maintaining family or other personal relationships" in text
    record = session.records.get(plan)
    assert record.revision_hash in text.replace(" ", "")


def test_the_cli_path_writes_each_edition_and_refuses_one_a_form_does_not_have(finalised, tmp_path):
    session, plan = finalised
    kept = _kept(session, plan)
    for variant in Variant:
        written = write_record_pdf(
            session, plan, tmp_path / f"{variant.value}.pdf", variant=variant
        )
        assert written.read_bytes() == kept[variant.value]
    needs_id = session.records.get(plan).answers["needs_record"]
    with pytest.raises(ValidationError, match="no easy read edition"):
        write_record_pdf(
            session, AssessmentId(needs_id), tmp_path / "n.pdf", variant=Variant.EASY_READ
        )


@pytest.mark.usefixtures("profile")
def test_the_cli_prints_each_edition_of_a_finalised_plan(cli, profile, tmp_path):  # noqa: F811
    vault = Vault.open(tmp_path / "data", profile, PASS)
    plan = three_need_plan(session_for(vault, REGISTRY, today=TODAY))
    needs_id = session_for(vault, REGISTRY).records.get(plan).answers["needs_record"]
    vault.close()
    code, out, err = cli("record", "complete", plan)
    assert code == 0, err
    code, listed, _ = cli("record", "documents", plan)
    variants = sorted(line.split("\t")[2] for line in listed.strip().splitlines())
    assert variants == ["easy_read", "large_print", "standard"]
    for variant in ("easy_read", "large_print"):
        target = tmp_path / f"{variant}.pdf"
        code, out, err = cli("record", "pdf", plan, "--variant", variant, "--out", str(target))
        assert code == 0, err
        code, verified, _ = cli("pdf", "verify", out.strip())
        assert code == 0 and "Casey Example" in verified
    code, _, err = cli(
        "record", "pdf", needs_id, "--variant", "easy_read", "--out", str(tmp_path / "n.pdf")
    )
    assert code == 2 and "no easy read edition" in err


def test_a_plan_completed_but_not_signed_gets_all_three_when_signed_again(vault):
    from assessor_app.core.services.documents import sign_finalised

    session = session_for(vault, REGISTRY, today=TODAY)
    plan = three_need_plan(session)
    complete_record(session, plan)  # completed, then signing stopped before any PDF
    assert DocumentRepository(vault).list_for_assessment(plan) == []
    standard = sign_finalised(session, plan)
    assert standard.variant == "standard"
    kept = DocumentRepository(vault).list_for_assessment(plan)
    assert sorted(d.variant for d in kept) == ["easy_read", "large_print", "standard"]
    assert {d.filename for d in kept} == {
        standard.filename,
        standard.filename.replace(".pdf", "_easy_read.pdf"),
        standard.filename.replace(".pdf", "_large_print.pdf"),
    }


@needs_poppler
def test_easy_read_says_who_else_helps_and_that_the_charge_is_not_yet_worked_out(vault, tmp_path):
    from assessor_app.core.pdf.document import build_pdf
    from assessor_app.core.pdf.plan_renditions import plan_rendition
    from assessor_app.core.services.records import evaluate_record

    session = session_for(vault, REGISTRY, today=TODAY)
    person = PeopleRepository(vault).add(prisoner()).id
    needs = _fixture("needs_custody_eligible.json")
    plan = start_plan(session, AssessmentId(_completed(session, person, "needs_assessment", needs)))
    nutrition, hygiene = plan.answers["plan_needs"]
    items = [
        {**nutrition, "how_met": "plan", **NEEDS["nutrition"]},
        {
            **hygiene,
            "need_outcome": "I want to have a shower without falling.",
            "how_met": "otherwise",
            "met_otherwise_by": "other_service",
            "met_otherwise_reason": "Prison healthcare fits the rails this week.",
            "prevention_offered": "Advice on non-slip mats.",
        },
    ]
    session.records.save_field(plan.id, "plan_needs", items)
    draft = session.records.get(plan.id)
    form = REGISTRY.get(draft.form_id, draft.form_version)
    doc = plan_rendition(
        form,
        draft,
        session.people.get(draft.person_id),
        evaluate_record(session, draft),
        session.branding,
        Variant.EASY_READ,
    )
    rendered = build_pdf(doc)
    assert rendered.stamp_box is None  # a draft has no signature space
    text = squash(poppler("pdftotext", rendered.data, tmp_path))
    assert "DRAFT: not finalised, not signed" in text
    assert "Another service helps you with this." in text
    assert "Prison healthcare fits the rails this week." in text
    assert "We do not pay for this help. You do not pay us for it." in text
    assert "We have not worked out yet what you pay." in text
    assert "£0" not in text  # never a charge of nothing before it is worked out
