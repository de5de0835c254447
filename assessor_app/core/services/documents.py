"""Finalising a record: complete it, render it, sign it with the profile's certificate, keep it.

The signed PDF is made from the completed revision and kept in the vault with that revision's
number and hash; it is never edited. Amending a finalised record (`services.records`) makes a
new revision, and finalising that makes a new signed PDF beside the old one. Drafts print
unsigned, with DRAFT across every page. Letters are signed the same way from a finalised record.
Imports no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.utils import ImageReader

from assessor_app.core.errors import ValidationError
from assessor_app.core.form_engine.definition import FormDefinition
from assessor_app.core.pdf.branding import Branding
from assessor_app.core.pdf.document import RenderedPdf, Variant, build_pdf
from assessor_app.core.pdf.letters import letter_document, letters_for
from assessor_app.core.pdf.plan_renditions import plan_rendition, renditions_for
from assessor_app.core.pdf.record_document import record_document
from assessor_app.core.pdf.signing import IdentitySource, StampPlacement, sign_pdf
from assessor_app.core.pdf.stamp import STAMP_FONT_SIZE
from assessor_app.core.pdf.verify import VerificationReport, verify_pdf
from assessor_app.core.records import Assessment, AssessmentId, DocumentId, RecordStatus
from assessor_app.core.services.records import EDITABLE, complete_record, evaluate_record
from assessor_app.core.services.session import Session
from assessor_app.core.services.signing import ProfileSigner
from assessor_app.core.storage.documents import StoredDocument, export_document

__all__ = [
    "Finalised",
    "check_branding",
    "document_filename",
    "finalise_record",
    "kept_variant",
    "render_record",
    "sign_and_keep",
    "check_kept",
    "export_kept",
    "make_letter",
    "sign_finalised",
    "write_record_pdf",
]

RECORD_KIND = "record"
"""`StoredDocument.kind` of a whole record's PDF; letters are ``letter:<id>``."""
LETTER_PREFIX = "letter:"
"""`StoredDocument.kind` of a letter is this followed by the letter's id."""


@dataclass(frozen=True)
class Finalised:
    """A record finalised: its completed revision and the signed PDF kept with it."""

    record: Assessment
    document: StoredDocument


def _signer(session: Session) -> IdentitySource:
    """Who signs this profile's documents, behind the interface the PDF layer knows.

    The profile's own key, with the certificate its authority issues once enrolled.
    """
    return ProfileSigner(session.vault)


def document_filename(form: FormDefinition, record: Assessment, kind: str) -> str:
    """A file name that says what, which record and which revision, and never whom.

    A file name is read by whoever sees the folder: a shared drive, a USB stick, an email's
    attachment list. So it carries the form (or letter) and the record's id, not the
    person's name, who is named inside the document.
    """
    what = form.id if kind == RECORD_KIND else kind.removeprefix("letter:")
    return f"{what}_{record.id}_rev{record.revision}.pdf"


def render_record(
    session: Session, record: Assessment, *, variant: Variant = Variant.STANDARD
) -> RenderedPdf:
    """The record as a PDF, unsigned: a draft prints DRAFT on every page."""
    form = session.forms.get(record.form_id, record.form_version)
    person = session.people.get(record.person_id)
    evaluation = evaluate_record(session, record)
    if variant in renditions_for(form.id):
        doc = plan_rendition(form, record, person, evaluation, session.branding, variant)
    else:
        doc = record_document(form, record, person, evaluation, session.branding, variant=variant)
    return build_pdf(doc)


def sign_and_keep(
    session: Session,
    record: Assessment,
    rendered: RenderedPdf,
    *,
    kind: str,
    variant: Variant,
    filename: str,
    reason: str,
) -> StoredDocument:
    """Sign a rendered final document with the profile's certificate and keep it in the vault.

    Raises:
        ValidationError: The record is not finalised (drafts are never signed).
    """
    if record.status in EDITABLE or rendered.stamp_box is None or rendered.stamp_page is None:
        raise ValidationError(
            "Only a finalised record is signed; this one is still a draft.",
            "Finalise the record first. A draft can be printed, marked DRAFT.",
        )
    identity = _signer(session).signing_identity()
    signed = sign_pdf(
        rendered.data,
        identity,
        placement=StampPlacement(
            page=rendered.stamp_page,
            box=rendered.stamp_box,
            text_pt=rendered.stamp_text_pt or STAMP_FONT_SIZE,
        ),
        reason=reason,
        location=session.vault.profile.authority,
    )
    return session.documents.add(
        record.id,
        record.revision,
        record.revision_hash,
        kind,
        variant.value,
        filename,
        signed,
        signer=identity.common_name,
    )


def finalise_record(session: Session, assessment_id: AssessmentId) -> Finalised:
    """Complete a draft, then keep a certificate-signed PDF of the completed revision.

    Completing is refused, in the same words as everywhere, while anything is missing,
    including a signature. What signing needs (the branding and its logo) is checked before
    completing, so a bad branding file stops finalising before the record changes. A record
    already completed whose signed PDF is missing (signing failed part way) is signed now.

    Raises:
        ValidationError: Not ready to complete (the message names who has not signed, or the
            first missing answer), the branding cannot be used, or the record was amended and
            is finalised already.
    """
    check_branding(session.branding)
    current = session.records.get(assessment_id)
    if current.status is RecordStatus.COMPLETED:
        return Finalised(current, sign_finalised(session, assessment_id))
    record = complete_record(session, assessment_id)
    return Finalised(record, sign_finalised(session, record.id))


def check_branding(branding: Branding) -> None:
    """Refuse a logo that is not a readable image, before anything is completed or signed.

    Raises:
        ValidationError: The logo cannot be read as an image.
    """
    if branding.logo is None:
        return
    try:
        ImageReader(str(branding.logo)).getSize()
    except Exception as e:  # noqa: BLE001 - PIL raises many kinds for a bad image
        raise ValidationError(
            f"The authority's logo {branding.logo} is not a picture the app can print "
            f"({type(e).__name__}).",
            "Ask IT to replace it with a PNG or JPEG, or remove the 'logo' line from "
            "branding.yaml. Nothing was finalised.",
        ) from e


def sign_finalised(session: Session, assessment_id: AssessmentId) -> StoredDocument:
    """The signed PDF of a finalised record's current revision, made now if not already kept.

    A care and support plan also gets its editions for the person, easy read and large
    print (`pdf.plan_renditions`), each signed the same way and kept as a variant of the same
    revision; one missing (signing stopped part way) is made now.
    """
    record = session.records.get(assessment_id)
    if record.status in EDITABLE:
        raise ValidationError(
            "This record is not finalised, so it has no signed PDF.",
            "Finalise it first; a draft can be printed, marked DRAFT.",
        )
    form = session.forms.get(record.form_id, record.form_version)
    standard = _kept_or_signed(session, form, record, Variant.STANDARD)
    for variant in renditions_for(form.id):
        _kept_or_signed(session, form, record, variant)
    return standard


def kept_variant(session: Session, record: Assessment, variant: Variant) -> StoredDocument | None:
    """The signed PDF of this variant kept for the record's current revision, if any."""
    return next(
        (
            d
            for d in session.documents.list_for_assessment(record.id)
            if d.kind == RECORD_KIND
            and d.revision == record.revision
            and d.variant == variant.value
        ),
        None,
    )


def _kept_or_signed(
    session: Session, form: FormDefinition, record: Assessment, variant: Variant
) -> StoredDocument:
    kept = kept_variant(session, record, variant)
    if kept is not None:
        return kept
    filename = document_filename(form, record, RECORD_KIND)
    edition = ""
    if variant is not Variant.STANDARD:
        filename = filename.removesuffix(".pdf") + f"_{variant.value}.pdf"
        edition = f" ({variant.label.lower()})"
    return sign_and_keep(
        session,
        record,
        render_record(session, record, variant=variant),
        kind=RECORD_KIND,
        variant=variant,
        filename=filename,
        reason=f"{form.title}{edition}: finalised record, revision {record.revision}",
    )


def make_letter(
    session: Session, record_id: AssessmentId, kind_id: str, variant: Variant
) -> StoredDocument:
    """Render a letter from a finalised record's current revision, sign it and keep it.

    Raises:
        ValidationError: The record is not finalised, or this letter does not apply to it.
    """
    vault = session.vault
    record = session.records.get(record_id)
    form = session.forms.get(record.form_id, record.form_version)
    person = session.people.get(record.person_id)
    evaluation = evaluate_record(session, record)
    branding = session.branding
    if branding.placeholder:
        raise ValidationError(
            "This laptop has no branding file from your authority, so the letter would give "
            "the app's example phone numbers, complaints route and advocacy service.",
            "Ask IT to install your authority's branding.yaml (see docs/pdf.md), then make "
            "the letter. Records are still finalised and signed meanwhile.",
        )
    kinds = {k.id: k for k in letters_for(form, evaluation, record.answers)}
    if kind_id not in kinds:
        raise ValidationError(
            "That letter does not apply to this record's outcome.",
            "Choose one of the letters offered for this record.",
        )
    doc = letter_document(
        kind_id,
        form,
        record,
        person,
        evaluation,
        branding,
        variant=variant,
        today=session.today(),
        assessor_name=vault.profile.name,
        assessor_role=vault.profile.role.label,
    )
    kind = f"{LETTER_PREFIX}{kind_id}"
    filename = document_filename(form, record, kind)
    if variant is not Variant.STANDARD:
        filename = filename.removesuffix(".pdf") + f"_{variant.value}.pdf"
    return sign_and_keep(
        session,
        record,
        build_pdf(doc),
        kind=kind,
        variant=variant,
        filename=filename,
        reason=f"{kinds[kind_id].title}: from {form.title}, revision {record.revision}",
    )


def write_record_pdf(
    session: Session,
    assessment_id: AssessmentId,
    target: Path,
    *,
    variant: Variant = Variant.STANDARD,
) -> Path:
    """Write a record's PDF to `target` (or beside it if that name is taken); the path written.

    A draft or amendment prints as it is saved now, unsigned, DRAFT on every page, and is never
    kept. A finalised record writes its kept signed PDF of that variant, signing it first if
    signing stopped short: standard print, or for a care and support plan also easy read or
    large print.

    Raises:
        ValidationError: A finalised record of a form that has no edition in that variant.
    """
    record = session.records.checkpoint(assessment_id)
    if record.status in EDITABLE:
        data = render_record(session, record, variant=variant).data
        return export_document(data, target.parent, target.name)
    form = session.forms.get(record.form_id, record.form_version)
    if variant is not Variant.STANDARD and variant not in renditions_for(form.id):
        raise ValidationError(
            f"A finalised {form.title.lower()} is kept in standard print only; it has no "
            f"{variant.label.lower()} edition.",
            "Write the standard PDF, or make a letter in the person's format with "
            "'record letter --variant'. Care and support plans have easy read and large print.",
        )
    doc = sign_finalised(session, record.id)
    if variant is not Variant.STANDARD:
        doc = _kept_or_signed(session, form, record, variant)
    data = session.documents.data(doc.id)
    return export_document(data, target.parent, target.name)


def export_kept(session: Session, document_id: DocumentId, target: Path) -> Path:
    """Write a kept PDF, exactly as signed, to `target` (or beside it if that name is taken)."""
    return export_document(session.documents.data(document_id), target.parent, target.name)


def check_kept(session: Session, document_id: DocumentId) -> VerificationReport:
    """Check the signature of a kept PDF against the authorities this profile trusts."""
    return verify_pdf(session.documents.data(document_id), _signer(session).trusted_roots())
