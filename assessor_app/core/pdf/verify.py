"""Checking the signatures in a PDF, in plain words, offline and without a vault.

Integrity (were the signed bytes changed?), the signature itself, later changes the signer
did or did not allow, and trust (was the certificate issued by an authority you trust?) are
reported separately: an untrusted certificate does not make an intact document look broken.
Used by `assessor-cli pdf verify` and the app's signature window. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import ModificationInfo, SignatureCoverageLevel, SignatureStatus
from pyhanko_certvalidator import ValidationContext

from assessor_app.core.errors import ValidationError

__all__ = [
    "NotAPdfError",
    "SignatureCheck",
    "UnsignedPdfError",
    "VerificationReport",
    "is_self_signed",
    "load_certificate",
    "quiet_library_logs",
    "verify_pdf",
]

NO_CHANGES = "none"
ALLOWED_CHANGES = "only changes the signer allowed"
DISALLOWED_CHANGES = "changes the signer did not allow"

# Approval signatures from other software are often made with a certificate that has only
# one of the two signing key usages; either one is a certificate meant for signing.
_SIGNING_USAGES = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})


class NotAPdfError(ValidationError):
    """The file is not a PDF, or is a damaged or truncated one."""


class UnsignedPdfError(ValidationError):
    """The PDF is readable but carries no signature."""


@dataclass(frozen=True)
class SignatureCheck:
    """What was found about one signature in the file."""

    field_name: str
    """The signature field's name, e.g. 'AssessorSignature'."""
    signer: str
    """The certificate's common name (CN)."""
    signer_subject: str
    """The certificate's whole subject name, readable."""
    organisation: str
    """The certificate's organisation (O), or ''."""
    signing_time_claimed: dt.datetime | None
    """The time the signer's device claimed; at B-B no timestamp authority vouches for it."""
    intact: bool
    """The hash of the signed bytes matches the one that was signed."""
    valid: bool
    """The cryptographic signature verifies against the certificate."""
    certification: str | None
    """E.g. 'certified: no changes allowed'; None for an approval signature."""
    changes_after_signing: str
    """'none', 'only changes the signer allowed' or 'changes the signer did not allow'."""
    covers_whole_file: bool
    """True when nothing at all was appended after this signature."""
    trusted: bool
    """The certificate chains to a root certificate you trust."""
    trust_note: str
    """Why it is trusted or not, in plain words."""
    certificate_fingerprint: str
    """SHA-256 of the signer's certificate (DER), lowercase hex."""
    is_timestamp: bool = False
    """True for a document timestamp (added when a signed PDF is later upgraded to B-T)."""
    confirmed_by: str = ""
    """The trusted authority whose CA vouches for the certificate (its CN); '' if none."""
    self_signed: bool = False
    """The certificate names and vouches for itself (a laptop's, before enrolment)."""

    @property
    def ok(self) -> bool:
        """Intact, valid, and nothing changed that the signer did not allow."""
        return self.intact and self.valid and self.changes_after_signing != DISALLOWED_CHANGES


@dataclass(frozen=True)
class VerificationReport:
    """Every signature in one PDF, oldest first."""

    signatures: tuple[SignatureCheck, ...]
    """One check per signature (and document timestamp) in signing order."""

    @property
    def ok(self) -> bool:
        """Every signature intact and valid, with no changes its signer did not allow."""
        return bool(self.signatures) and all(s.ok for s in self.signatures)

    @property
    def trusted(self) -> bool:
        """Every signature's certificate chains to a root you trust."""
        return bool(self.signatures) and all(s.trusted for s in self.signatures)

    def lines(self) -> list[str]:
        """A readable summary: first a one-line verdict, then each signature's details."""
        return [self._verdict(), *(line for s in self._numbered() for line in s)]

    def _verdict(self) -> str:
        signers = ", ".join(dict.fromkeys(s.signer for s in self.signatures if not s.is_timestamp))
        if not self.ok:
            return (
                "NOT VALID: this document was changed after it was signed, or a signature "
                "is broken. Do not rely on it; ask the sender for the original."
            )
        if self.trusted:
            confirming = self.confirmed_by
            who = (
                f"confirmed by {', '.join(confirming)}, which you trust,"
                if confirming
                else "whose certificate you trust,"
            )
            return (
                f"Valid: signed by {signers}, {who} and not changed since except as the "
                "signer allowed."
            )
        if self.self_signed:
            return (
                f"Intact, but the signer is not confirmed: signed by {signers} and not changed "
                "since, but with a self-signed certificate (one the signer's own laptop made, "
                "as Assessor does before a laptop is enrolled), so no authority confirms who "
                "signed it."
            )
        return (
            f"Intact, but the signer is not confirmed: signed by {signers} and not changed "
            "since, but the certificate is not from an authority you trust."
        )

    @property
    def confirmed_by(self) -> list[str]:
        """The trusted authorities that vouch for the signers, each named once."""
        return list(dict.fromkeys(s.confirmed_by for s in self.signatures if s.confirmed_by))

    @property
    def self_signed(self) -> bool:
        """Some signature that is not trusted carries a self-signed certificate."""
        return any(s.self_signed and not s.trusted for s in self.signatures)

    def _numbered(self) -> list[list[str]]:
        return [_describe(i, s) for i, s in enumerate(self.signatures, start=1)]


def _describe(number: int, s: SignatureCheck) -> list[str]:
    kind = "Document timestamp" if s.is_timestamp else "Signature"
    who = f"{s.signer} ({s.organisation})" if s.organisation else s.signer
    when = (
        f"{s.signing_time_claimed.astimezone(dt.UTC):%d/%m/%Y %H:%M:%S} UTC"
        if s.signing_time_claimed
        else "not given"
    )
    time_label = (
        "Time (from the timestamp authority)"
        if s.is_timestamp
        else "Signing time (claimed by the signer's device)"
    )
    kind_words = "document timestamp" if s.is_timestamp else "approval signature"
    if not s.intact:
        # Once the signed bytes differ, whether the signature "verifies" or what changed later
        # is not worth reading: say the one thing that matters.
        return [
            f"{kind} {number} (field {s.field_name}):",
            f"  {'Timestamp authority' if s.is_timestamp else 'Signed by'}: {who}",
            f"  {time_label}: {when}",
            "  Signed content: CHANGED since signing: the file is not what was signed",
            f"  Certificate: {s.signer_subject}; SHA-256 {s.certificate_fingerprint}",
        ]
    return [
        f"{kind} {number} (field {s.field_name}):",
        f"  {'Timestamp authority' if s.is_timestamp else 'Signed by'}: {who}",
        f"  {time_label}: {when}",
        "  Signed content: " + ("unchanged" if s.intact else "CHANGED since signing"),
        "  Signature: " + ("verifies" if s.valid else "DOES NOT VERIFY against the certificate"),
        f"  Type: {s.certification or kind_words}",
        f"  Changes after signing: {s.changes_after_signing}",
        "  Covers the whole file: " + ("yes" if s.covers_whole_file else "no"),
        f"  Trust: {'trusted' if s.trusted else 'not trusted'} ({s.trust_note})",
        f"  Certificate: {s.signer_subject}; SHA-256 {s.certificate_fingerprint}",
    ]


def verify_pdf(data: bytes, trust_roots: Sequence[bytes] = ()) -> VerificationReport:
    """Check every signature in a PDF, offline (nothing is fetched).

    Args:
        data: The PDF file's bytes.
        trust_roots: Root certificates (DER or PEM) of the authorities you trust.

    Returns:
        The report; `report.ok` is False if anything was changed that should not have been.

    Raises:
        NotAPdfError: the data is not a PDF, or is damaged or truncated.
        UnsignedPdfError: the PDF has no signature.
        ValidationError: a trust root is not a certificate.
    """
    roots = [load_certificate(r) for r in trust_roots]
    signatures = _read_signatures(data)
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    with quiet_library_logs():
        return VerificationReport(tuple(_check(sig, context) for sig in signatures))


def load_certificate(data: bytes) -> asn1_x509.Certificate:
    """A certificate from DER or PEM bytes.

    Raises:
        ValidationError: the bytes are not a certificate.
    """
    try:
        der = pem.unarmor(data)[2] if pem.detect(data) else bytes(data)
        x509.load_der_x509_certificate(der)  # asn1crypto parses lazily; check it now
        return asn1_x509.Certificate.load(der)
    except (ValueError, TypeError) as e:
        raise ValidationError(
            "A trusted root certificate given is not an X.509 certificate.",
            "Give the authority's root certificate as a .pem, .cer or .der file.",
        ) from e


def _read_signatures(data: bytes) -> list[EmbeddedPdfSignature]:
    if b"%PDF-" not in data[:1024]:  # where readers look for the header
        raise NotAPdfError(
            "This file is not a PDF.",
            "Check you chose the signed PDF itself, not a shortcut or another document.",
        )
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as e:
        raise NotAPdfError(
            "This PDF is damaged or incomplete (perhaps cut short while copying), so its "
            "signatures cannot be checked.",
            "Get the file again from where it was sent or stored, then check it again.",
        ) from e
    if not signatures:
        raise UnsignedPdfError(
            "This PDF has no digital signature.",
            "Ask the sender for the signed copy; an unsigned PDF proves nothing about who "
            "made it or whether it was changed.",
        )
    return signatures


def _check(sig: EmbeddedPdfSignature, context: ValidationContext) -> SignatureCheck:
    is_timestamp = sig.sig_object_type == "/DocTimeStamp"
    try:
        cert = sig.signer_cert
    except Exception as e:  # noqa: BLE001 - any failure to find the signer means "not valid"
        # e.g. asn1crypto refusing to compare names holding characters newer than Unicode 3.2.
        return _unreadable(sig, is_timestamp, e)
    when: dt.datetime | None
    try:
        status: SignatureStatus
        status_mod: ModificationInfo
        if is_timestamp:
            ts = validate_pdf_timestamp(sig, validation_context=context)
            status, status_mod, when = ts, ts, ts.timestamp
        else:
            pdf = validate_pdf_signature(sig, context, key_usage_settings=_SIGNING_USAGES)
            status, status_mod, when = pdf, pdf, pdf.signer_reported_dt
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as e:
        return _broken(sig, cert, is_timestamp, e)
    changes = _changes(status_mod)
    if changes != NO_CHANGES and sig.docmdp_level == MDPPerm.NO_CHANGES:
        changes = _after_no_changes_certification(sig, changes)
    return SignatureCheck(
        field_name=str(sig.field_name),
        signer=_cn(cert),
        signer_subject=cert.subject.human_friendly,
        organisation=_org(cert),
        signing_time_claimed=when,
        intact=status.intact,
        valid=status.valid,
        certification=_certification(sig.docmdp_level),
        changes_after_signing=changes,
        covers_whole_file=status_mod.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        trusted=status.trusted,
        trust_note=_trust_note(status, cert),
        certificate_fingerprint=hashlib.sha256(cert.dump()).hexdigest(),
        is_timestamp=is_timestamp,
        confirmed_by=_confirmed_by(status, cert),
        self_signed=is_self_signed(x509.load_der_x509_certificate(cert.dump())),
    )


def _unreadable(sig: EmbeddedPdfSignature, is_timestamp: bool, e: Exception) -> SignatureCheck:
    """A signature whose signer's certificate cannot even be found: not valid, signer unknown."""
    return SignatureCheck(
        field_name=str(sig.field_name),
        signer="unknown (the signer's certificate could not be read)",
        signer_subject="unreadable",
        organisation="",
        signing_time_claimed=sig.self_reported_timestamp,
        intact=False,
        valid=False,
        certification=_certification(sig.docmdp_level),
        changes_after_signing=DISALLOWED_CHANGES,
        covers_whole_file=False,
        trusted=False,
        trust_note=f"not checked: the signer's certificate could not be read ({type(e).__name__})",
        certificate_fingerprint="",
        is_timestamp=is_timestamp,
    )


def _broken(
    sig: EmbeddedPdfSignature, cert: asn1_x509.Certificate, is_timestamp: bool, e: Exception
) -> SignatureCheck:
    """A signature the library could not even evaluate counts as broken."""
    return SignatureCheck(
        field_name=str(sig.field_name),
        signer=_cn(cert),
        signer_subject=cert.subject.human_friendly,
        organisation=_org(cert),
        signing_time_claimed=sig.self_reported_timestamp,
        intact=False,
        valid=False,
        certification=_certification(sig.docmdp_level),
        changes_after_signing=DISALLOWED_CHANGES,
        covers_whole_file=False,
        trusted=False,
        trust_note=f"not checked: the signature could not be read ({type(e).__name__})",
        certificate_fingerprint=hashlib.sha256(cert.dump()).hexdigest(),
        is_timestamp=is_timestamp,
    )


def _certification(level: MDPPerm | None) -> str | None:
    if level is None:
        return None
    words = {
        MDPPerm.NO_CHANGES: "no changes allowed",
        MDPPerm.FILL_FORMS: "form filling and further signatures allowed",
        MDPPerm.ANNOTATE: "form filling, comments and further signatures allowed",
    }
    return f"certified: {words.get(level, str(level))}"


def _after_no_changes_certification(sig: EmbeddedPdfSignature, changes: str) -> str:
    """Hold a "no changes allowed" certification to its word where pyHanko is lenient.

    pyHanko's diff policy lets later revisions change the document information (title,
    author) and the XMP metadata, as timestamping tools do; and bytes appended after the last
    revision are not a revision at all. For a document certified as allowing no changes, a
    changed title or author, or anything appended that is not a later revision, is a change
    the signer did not allow. Document timestamps and validation data (PAdES B-T, B-LT) that
    leave the title and author alone stay allowed.
    """
    if changes == DISALLOWED_CHANGES:
        return changes
    reader = sig.reader
    if sig.signed_revision >= reader.xrefs.total_revisions - 1:
        return DISALLOWED_CHANGES  # coverage is partial, yet no later revision: appended bytes
    try:
        signed = _metadata(reader.get_historical_resolver(sig.signed_revision))
        latest = _metadata(reader)
    except (PdfError, ValueError, KeyError, TypeError, AttributeError):
        return DISALLOWED_CHANGES
    return changes if signed == latest else DISALLOWED_CHANGES


_IGNORED_INFO = frozenset({"/ModDate", "/Producer"})
_XMP_FIELDS = re.compile(rb"<(dc:title|dc:creator|dc:description|dc:subject)\b.*?</\1>", re.S)


def _metadata(handler: Any) -> tuple[tuple[tuple[str, str], ...], tuple[bytes, ...]]:
    """What a reader shows as the document's title, author and subject, in a comparable form.

    `handler` is the reader or a historical resolver; objects are looked up through it, so an
    object changed in a later revision reads as it was in that revision.
    """

    def resolve(value: Any) -> Any:
        if isinstance(value, generic.IndirectObject):
            return handler.get_object(value.reference)
        return value

    trailer = handler.trailer_view
    fields: tuple[tuple[str, str], ...] = ()
    if "/Info" in trailer:
        info = resolve(trailer.raw_get("/Info"))
        fields = tuple(
            sorted(
                (str(k), str(resolve(info.raw_get(k)))) for k in info if str(k) not in _IGNORED_INFO
            )
        )
    root = resolve(trailer.raw_get("/Root"))
    xmp: tuple[bytes, ...] = ()
    if "/Metadata" in root:
        data = resolve(root.raw_get("/Metadata")).data
        xmp = tuple(m.group(0) for m in _XMP_FIELDS.finditer(data))
    return fields, xmp


def _changes(status: ModificationInfo) -> str:
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return NO_CHANGES
    if status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and status.docmdp_ok:
        return ALLOWED_CHANGES
    return DISALLOWED_CHANGES


def _confirmed_by(status: SignatureStatus, cert: asn1_x509.Certificate) -> str:
    """The CN of the trusted CA a signature's path ends at; '' if untrusted or trusted itself."""
    if not status.trusted or status.validation_path is None:
        return ""
    anchor = status.validation_path.trust_anchor.authority.name
    if anchor == cert.subject:
        return ""
    return _cn_of(anchor) or anchor.human_friendly


def _trust_note(status: SignatureStatus, cert: asn1_x509.Certificate) -> str:
    issuer = _cn_of(cert.issuer) or cert.issuer.human_friendly
    if status.trusted and status.validation_path is not None:
        anchor = status.validation_path.trust_anchor.authority.name
        if anchor == cert.subject:
            return "its certificate is one you trust"
        return f"issued by {_cn_of(anchor) or anchor.human_friendly}, which you trust"
    problem = status.trust_problem_indic
    if problem == AdESIndeterminate.EXPIRED:
        return (
            "the certificate has expired, and without a trusted timestamp the signing time "
            "cannot be proven"
        )
    if problem == AdESIndeterminate.NOT_YET_VALID:
        return "the certificate was not yet valid"
    if problem == AdESIndeterminate.SIG_CONSTRAINTS_FAILURE:
        return "the certificate is not meant for signing documents"
    if is_self_signed(x509.load_der_x509_certificate(cert.dump())):
        return "self-signed: not issued by an authority you trust"
    return f"issued by {issuer}, which is not an authority you trust"


def _cn(cert: asn1_x509.Certificate) -> str:
    return _cn_of(cert.subject) or cert.subject.human_friendly


def _cn_of(name: asn1_x509.Name) -> str:
    return _first(name, "common_name")


def _org(cert: asn1_x509.Certificate) -> str:
    return _first(cert.subject, "organization_name")


def _first(name: asn1_x509.Name, field: str) -> str:
    value = name.native.get(field, "")
    return str(value[0] if isinstance(value, list) else value)


def is_self_signed(cert: x509.Certificate) -> bool:
    """True when the certificate names itself as issuer and its own key signed it."""
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


@contextmanager
def quiet_library_logs() -> Iterator[None]:
    """Silence pyHanko's and fontTools' warnings for one call.

    pyHanko logs a warning with a traceback (and the signer's name) for every certificate
    it cannot trust, and fontTools one for each font table it does not subset; both are
    expected here and reported through our own results instead of stderr.
    """
    names = ("pyhanko", "pyhanko_certvalidator", "fontTools")
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
