"""Finalising: completing a record keeps a certificate-signed PDF of exactly that revision.

The PDF is checked by pyHanko (our verify_pdf) and independently by poppler's pdfsig, and its
text by pdftotext. Amending makes a new revision and, once finalised, a new signed PDF; the
first one is never touched.
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
from assessor_app.core.pdf.verify import verify_pdf
from assessor_app.core.records import RecordStatus
from assessor_app.core.services.documents import (
    RECORD_KIND,
    finalise_record,
    render_record,
    sign_finalised,
)
from assessor_app.core.services.records import amend_record
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.documents import DocumentRepository
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.conftest import REPO_ROOT
from tests.support import poppler, prisoner, session_for, squash

pytestmark = pytest.mark.skipif(
    shutil.which("pdfsig") is None, reason="poppler-utils is not installed (CI installs it)"
)

REGISTRY = load_forms_dir(default_forms_dir())
TODAY = dt.date(2026, 11, 23)
ANSWERS = REPO_ROOT / "tests" / "fixtures" / "forms" / "answers"


def _draft(vault: Vault, answers: dict[str, Any]) -> tuple[AssessmentRepository, str]:
    person = PeopleRepository(vault).add(prisoner())
    records = AssessmentRepository(vault)
    form = REGISTRY.latest("needs_assessment")
    return records, records.create(person.id, form.id, form.version, answers=answers).id


def _needs_answers() -> dict[str, Any]:
    return dict(json.loads((ANSWERS / "needs_custody_eligible.json").read_text("utf-8")))


def _text(data: bytes, tmp_path) -> str:
    return squash(poppler("pdftotext", data, tmp_path))


def test_finalising_keeps_a_signed_pdf_of_the_completed_revision(vault, tmp_path):
    records, rid = _draft(vault, _needs_answers())
    finalised = finalise_record(session_for(records, REGISTRY, today=TODAY), rid)
    assert finalised.record.status is RecordStatus.COMPLETED
    doc = finalised.document
    assert (doc.kind, doc.revision, doc.revision_hash) == (
        RECORD_KIND,
        finalised.record.revision,
        finalised.record.revision_hash,
    )
    data = DocumentRepository(vault).data(doc.id)
    report = verify_pdf(data)
    assert report.ok
    (sig,) = report.signatures
    assert sig.signer == "Robin Testcase" and sig.intact and sig.certification
    pdfsig = poppler("pdfsig", data, tmp_path)
    assert "Signature is Valid" in pdfsig and "Total document signed" in pdfsig
    text = _text(data, tmp_path)
    # The page footer ties the paper to the revision that was signed.
    assert f"revision {finalised.record.revision}" in text
    assert finalised.record.revision_hash in text
    assert "DRAFT" not in text
    assert "Łukasz Brindlewood" in text and "Prison number A1234BC" in text
    # The file name is read by whoever sees the folder: the form and record, never whom.
    assert doc.filename == f"needs_assessment_{rid}_rev{finalised.record.revision}.pdf"
    assert "Brindlewood" not in doc.filename and "Lukasz" not in doc.filename


def test_finalising_without_signatures_is_refused_naming_who_has_not_signed(vault):
    answers = _needs_answers()
    del answers["person_signature"], answers["assessor_signature"]
    records, rid = _draft(vault, answers)
    with pytest.raises(ValidationError) as caught:
        finalise_record(session_for(records, REGISTRY, today=TODAY), rid)
    message = str(caught.value)
    assert "Not signed by" in message
    assert "person" in message.lower() and "assessor" in message.lower()
    assert records.get(rid).status is RecordStatus.DRAFT
    assert DocumentRepository(vault).list_for_assessment(rid) == []


def test_an_amendment_makes_a_new_signed_pdf_and_never_touches_the_first(vault, tmp_path):
    records, rid = _draft(vault, _needs_answers())
    first = finalise_record(session_for(records, REGISTRY, today=TODAY), rid).document
    first_bytes = DocumentRepository(vault).data(first.id)
    amended = amend_record(session_for(records, REGISTRY), rid)
    assert amended.status is RecordStatus.AMENDED
    records.save_field(rid, "eligibility_reasoning", "Updated after a review with the person.")
    # A signature belongs to what the person saw: the amendment is signed again.
    with pytest.raises(ValidationError, match="Not signed by"):
        finalise_record(session_for(records, REGISTRY, today=TODAY), rid)
    for field_id in ("person_signature", "assessor_signature"):
        records.save_field(rid, field_id, _needs_answers()[field_id] | {"signed_on": "2026-11-20"})
    second = finalise_record(session_for(records, REGISTRY, today=TODAY), rid).document
    kept = DocumentRepository(vault).list_for_assessment(rid)
    assert [d.id for d in kept] == [second.id, first.id]  # newest first
    assert second.revision > first.revision
    assert DocumentRepository(vault).data(first.id) == first_bytes
    assert "Updated after a review" in _text(DocumentRepository(vault).data(second.id), tmp_path)
    assert "Updated after a review" not in _text(first_bytes, tmp_path)


def test_a_draft_prints_marked_draft_and_is_never_signed(vault, tmp_path):
    records, rid = _draft(vault, _needs_answers())
    rendered = render_record(session_for(vault, REGISTRY, today=TODAY), records.get(rid))
    assert "DRAFT" in _text(rendered.data, tmp_path)
    assert rendered.stamp_box is None
    with pytest.raises(ValidationError, match="not finalised"):
        sign_finalised(session_for(records, REGISTRY, today=TODAY), rid)


def test_signing_again_returns_the_pdf_already_kept(vault):
    records, rid = _draft(vault, _needs_answers())
    first = finalise_record(session_for(records, REGISTRY, today=TODAY), rid).document
    assert sign_finalised(session_for(records, REGISTRY, today=TODAY), rid).id == first.id
    assert len(DocumentRepository(vault).list_for_assessment(rid)) == 1


def test_amending_a_draft_is_refused(vault):
    records, rid = _draft(vault, _needs_answers())
    with pytest.raises(ValidationError, match="already draft"):
        amend_record(session_for(records, REGISTRY), rid)


def test_amending_clears_the_signatures_in_the_new_revision_only(vault):
    records, rid = _draft(vault, _needs_answers())
    finalise_record(session_for(records, REGISTRY, today=TODAY), rid)
    amended = amend_record(session_for(records, REGISTRY), rid)
    assert amended.answers.get("person_signature") is None
    assert amended.answers.get("assessor_signature") is None
    completed = [r for r in records.history(rid) if r.body["status"] == "completed"]
    assert completed[-1].body["answers"]["person_signature"]["name"] == "Łukasz Brindlewood"


def test_an_amendment_that_fails_part_way_leaves_the_record_finalised_as_it_was(vault, monkeypatch):
    records, rid = _draft(vault, _needs_answers())
    finalise_record(session_for(records, REGISTRY, today=TODAY), rid)
    before = records.get(rid)
    real_save = AssessmentRepository.save_field
    calls = []

    def save_then_fail(self, assessment_id, path, value):
        calls.append(path)
        real_save(self, assessment_id, path, value)
        if len(calls) == 2:  # the second signature: the laptop dies here
            raise OSError("disk unplugged")

    monkeypatch.setattr(AssessmentRepository, "save_field", save_then_fail)
    with pytest.raises(OSError):
        amend_record(session_for(records, REGISTRY), rid)
    monkeypatch.undo()
    after = records.get(rid)
    assert after.status is RecordStatus.COMPLETED
    assert after.revision == before.revision
    assert after.answers == before.answers  # both signatures still on the finalised record
    assert [r.body["status"] for r in records.history(rid)][-1] == "completed"
    assert (
        amend_record(session_for(records, REGISTRY), rid).status is RecordStatus.AMENDED
    )  # and it can


def test_a_logo_that_is_not_an_image_stops_finalising_before_the_record_changes(vault):
    data_dir = vault.folder.parent.parent
    (data_dir / "logo.png").write_bytes(b"this is not a picture")
    (data_dir / "branding.yaml").write_text(
        "authority_name: Exampleshire County Council\nlogo: logo.png\n", encoding="utf-8"
    )
    records, rid = _draft(vault, _needs_answers())
    with pytest.raises(ValidationError, match="logo"):
        finalise_record(session_for(records, REGISTRY, today=TODAY), rid)
    assert records.get(rid).status is RecordStatus.DRAFT


def test_finalising_a_completed_record_without_its_pdf_signs_it_now(vault):
    records, rid = _draft(vault, _needs_answers())
    records.set_status(rid, RecordStatus.COMPLETED)  # as if signing had failed part way
    assert DocumentRepository(vault).list_for_assessment(rid) == []
    done = finalise_record(session_for(records, REGISTRY, today=TODAY), rid)
    assert done.document.revision == records.get(rid).revision
    assert verify_pdf(DocumentRepository(vault).data(done.document.id)).ok


def test_a_letter_is_not_signed_with_the_apps_example_contact_details(vault):
    from assessor_app.core.demo import write_demo_branding
    from assessor_app.core.pdf.document import Variant
    from assessor_app.core.services.documents import make_letter

    records, rid = _draft(vault, _needs_answers())
    finalise_record(session_for(records, REGISTRY, today=TODAY), rid)
    with pytest.raises(ValidationError, match="branding"):
        make_letter(
            session_for(vault, REGISTRY, today=TODAY), rid, "eligibility_record", Variant.STANDARD
        )
    write_demo_branding(vault.folder.parent.parent)  # as the authority's IT would install
    doc = make_letter(
        session_for(vault, REGISTRY, today=TODAY), rid, "eligibility_record", Variant.STANDARD
    )
    assert doc.kind == "letter:eligibility_record"


def test_the_signed_pdf_is_dated_when_its_revision_was_saved(vault, tmp_path):
    records, rid = _draft(vault, _needs_answers())
    session = session_for(records, REGISTRY, today=TODAY)
    finalised = finalise_record(session, rid)
    saved = finalised.record.updated_at
    assert saved is not None
    info = poppler(
        "pdfinfo", DocumentRepository(vault).data(finalised.document.id), tmp_path, "-isodates"
    )
    # Not reportlab's fixed 1 January 2000: the moment the finalised revision was saved.
    assert f"CreationDate:    {saved.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%S}Z" in info
    # Printing the same revision again gives exactly the same bytes.
    assert (
        render_record(session, finalised.record).data
        == render_record(session, records.get(rid)).data
    )
