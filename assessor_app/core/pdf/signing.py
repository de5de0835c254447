"""Certificate signatures on PDFs: the profile's signing identity and PAdES B-B signing.

Each profile has one ECDSA P-256 key, made the first time it is needed and kept only in the
encrypted vault (kept by `services.signing`, which this module never imports: it is handed an
identity). Its certificate is self-signed until the authority's CA issues one for the same key
(`accept_issued_certificate`). Signing is offline: baseline B-B, no
timestamp server, nothing fetched. See docs/signatures.md. Imports no Qt.

The visible stamp is drawn by `stamp.py`, in the documents' own font.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any, Protocol, TypeVar

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import LayoutError
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko_certvalidator.registry import SimpleCertificateStore

from assessor_app.core.errors import ValidationError
from assessor_app.core.pdf.stamp import STAMP_FONT_SIZE, stamp_style
from assessor_app.core.pdf.verify import is_self_signed, quiet_library_logs

__all__ = [
    "IdentitySource",
    "SigningIdentity",
    "StampPlacement",
    "accept_issued_certificate",
    "certificate_request",
    "new_self_signed",
    "sign_pdf",
    "stamp_text",
]

SELF_SIGNED_VALIDITY = dt.timedelta(days=3652)
"""A self-signed certificate is valid for 10 years from when the key is made."""
CLOCK_SKEW = dt.timedelta(minutes=5)
"""How far a certificate's start may lie in the future of this laptop's clock."""
_Ext = TypeVar("_Ext", bound=x509.ExtensionType)


@dataclass(frozen=True)
class SigningIdentity:
    """A private key and the certificate that names its owner, as used to sign a PDF."""

    private_key_der: bytes = field(repr=False)  # never in a log line or traceback
    """PKCS#8 DER of the ECDSA P-256 key. Leaves the vault only as a signature."""
    certificate_der: bytes
    """X.509 DER of the signer's certificate."""
    chain_der: tuple[bytes, ...] = ()
    """Issuing CA certificates (issuer first) once enrolled; () while self-signed."""

    @property
    def certificate(self) -> x509.Certificate:
        """The certificate, parsed."""
        return x509.load_der_x509_certificate(self.certificate_der)

    @property
    def common_name(self) -> str:
        """The certificate's CN: the assessor's name."""
        return _name_part(self.certificate.subject, NameOID.COMMON_NAME)

    @property
    def organisation(self) -> str:
        """The certificate's O: the authority, or '' when there is none."""
        return _name_part(self.certificate.subject, NameOID.ORGANIZATION_NAME)

    @property
    def issuer_common_name(self) -> str:
        """CN of whoever issued the certificate (the signer's own name when self-signed)."""
        return _name_part(self.certificate.issuer, NameOID.COMMON_NAME)

    @property
    def subject(self) -> str:
        """The whole subject name, readable, e.g. 'CN=Robin Testcase,O=Exampleshire'."""
        return self.certificate.subject.rfc4514_string()

    @property
    def fingerprint_sha256(self) -> str:
        """SHA-256 of the DER certificate, lowercase hex: what IT compares by phone."""
        return hashlib.sha256(self.certificate_der).hexdigest()

    @property
    def is_self_signed(self) -> bool:
        """True until an authority's CA has issued the certificate."""
        return is_self_signed(self.certificate)

    @property
    def not_valid_after(self) -> dt.datetime:
        """When the certificate expires (UTC)."""
        return self.certificate.not_valid_after_utc


@dataclass(frozen=True)
class StampPlacement:
    """Where the visible signature stamp goes."""

    page: int
    """0-based page index; -1 is the last page."""
    box: tuple[float, float, float, float]
    """x1, y1, x2, y2 in PDF points, origin at the bottom left of the page."""
    text_pt: float = STAMP_FONT_SIZE
    """The stamp text's point size: larger for large print, where it wraps instead of
    shrinking."""


# -- where an identity comes from ------------------------------------------------------------


class IdentitySource(Protocol):
    """Who signs, and whom to trust when checking: the one thing signing asks of the caller.

    Today the profile's own key (`services.signing.ProfileSigner`), self-signed until the
    authority's CA issues a certificate for it at enrolment. The PDF layer never reads the
    vault: it is handed an identity and a list of trusted roots.
    """

    def signing_identity(self) -> SigningIdentity:
        """The key and certificate that sign from now on (made on first use)."""
        ...

    def trusted_roots(self) -> list[bytes]:
        """CA certificates (DER) that signatures are checked against."""
        ...


def accept_issued_certificate(
    current: SigningIdentity, certificate_der: bytes, chain_der: Sequence[bytes] = ()
) -> SigningIdentity:
    """The identity that signs once `certificate_der` replaces `current`'s certificate.

    Args:
        current: The identity in use (its key stays; only the certificate changes).
        certificate_der: The new certificate (DER), issued by an authority's CA for that key.
        chain_der: The issuing CA certificates (DER), the direct issuer first.

    Raises:
        ValidationError: the certificate is for another key, is not for signing documents,
            has expired or is not yet valid, or was not issued by the first chain certificate.
    """
    cert = _load_certificate(certificate_der, "The certificate")
    chain = [_load_certificate(c, "A certificate in the chain") for c in chain_der]
    _check_same_key(cert, current)
    _check_usable_for_signing(cert)
    if chain:
        try:
            cert.verify_directly_issued_by(chain[0])
        except (ValueError, TypeError, InvalidSignature) as e:
            raise ValidationError(
                "The certificate was not issued by the first certificate of the chain sent "
                "with it.",
                "Ask IT to send the certificate with its issuing CA certificate first. The "
                "current certificate is still in use.",
            ) from e
    return SigningIdentity(current.private_key_der, bytes(certificate_der), tuple(chain_der))


def _name_text(value: str) -> str:
    """Text fit for a certificate name that every verifier can compare.

    Characters unassigned in Unicode 3.2 (emoji, recent letters) are dropped: the stringprep
    comparison verifiers use (RFC 4518; asn1crypto, so pyHanko) refuses names holding them,
    and the signature would then not verify at all. X.509 caps CN and O at 64 characters
    (RFC 5280), so longer text is cut at the last whole word.
    """
    kept = "".join(c for c in value if unicodedata.ucd_3_2_0.category(c) != "Cn")
    kept = " ".join(kept.split())
    if len(kept) <= 64:
        return kept
    cut = kept[:64]
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


def new_self_signed(name: str, authority: str) -> tuple[bytes, bytes]:
    """A fresh P-256 key (PKCS#8 DER) and a self-signed certificate (DER) naming the assessor."""
    key = ec.generate_private_key(ec.SECP256R1())
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, _name_text(name) or "Assessor")]
    if _name_text(authority):
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, _name_text(authority)))
    subject = x509.Name(parts)
    start = dt.datetime.now(dt.UTC) - CLOCK_SKEW
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + SELF_SIGNED_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_SIGNING_KEY_USAGE, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_der, cert.public_bytes(serialization.Encoding.DER)


def certificate_request(identity: SigningIdentity) -> bytes:
    """A PEM certificate request for `identity`'s key, naming whom its certificate names.

    Signed with the key itself, so the CA sees the laptop holds it. The CA decides the
    subject of what it issues; this one only says who asks.
    """
    key = serialization.load_der_private_key(identity.private_key_der, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TypeError("The profile's signing key is not an ECDSA key.")
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(identity.certificate.subject)
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM)


_SIGNING_KEY_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=True,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)


def _load_certificate(der: bytes, what: str) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(bytes(der))
    except ValueError as e:
        raise ValidationError(
            f"{what} is not an X.509 certificate in DER form.",
            "Ask IT for the certificate file again (.cer or .der). The current certificate "
            "is still in use.",
        ) from e


def _check_same_key(cert: x509.Certificate, current: SigningIdentity) -> None:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    ours = current.certificate.public_key().public_bytes(der, spki)
    if cert.public_key().public_bytes(der, spki) != ours:
        raise ValidationError(
            "That certificate was issued for a different key, not this laptop's signing key.",
            "Ask IT to issue the certificate from this profile's certificate request. The "
            "current certificate is still in use.",
        )


def _check_usable_for_signing(cert: x509.Certificate) -> None:
    """Refuse a CA certificate, one not meant for signatures, or one outside its dates."""
    usage = _extension(cert, x509.KeyUsage)
    basic = _extension(cert, x509.BasicConstraints)
    is_ca = basic is not None and basic.ca
    if usage is None or not (usage.digital_signature or usage.content_commitment) or is_ca:
        raise ValidationError(
            "That certificate is not meant for signing documents (it lacks the digital "
            "signature or non-repudiation key usage).",
            "Ask IT for a document-signing certificate. The current certificate is still in use.",
        )
    now = dt.datetime.now(dt.UTC)
    if cert.not_valid_after_utc <= now:
        raise ValidationError(
            f"That certificate expired on {cert.not_valid_after_utc:%d/%m/%Y}.",
            "Ask IT for a new one. The current certificate is still in use.",
        )
    if cert.not_valid_before_utc > now + CLOCK_SKEW:
        raise ValidationError(
            f"That certificate is not valid until {cert.not_valid_before_utc:%d/%m/%Y %H:%M} UTC.",
            "Check this laptop's date and time, then try again. The current certificate is "
            "still in use.",
        )


def _extension(cert: x509.Certificate, kind: type[_Ext]) -> _Ext | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _name_part(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


# -- signing ------------------------------------------------------------------------------------


def sign_pdf(
    pdf: bytes,
    identity: SigningIdentity,
    *,
    placement: StampPlacement | None,
    reason: str,
    location: str,
    field_name: str = "AssessorSignature",
    certify: bool = True,
    signing_time: dt.datetime | None = None,
) -> bytes:
    """Sign a PDF at PAdES baseline B-B, offline, as an incremental update.

    Args:
        pdf: The document to sign.
        identity: Whose key and certificate sign it.
        placement: Where the visible stamp goes; None for an invisible signature.
        reason: Why it is signed, e.g. "Assessment completed"; shown by PDF readers.
        location: Where it was signed, e.g. the office or "Home visit".
        field_name: The signature field to create (or fill, if the PDF has an empty one).
        certify: True for a certification signature that allows no later changes (DocMDP
            "no changes"); False for an ordinary approval signature.
        signing_time: The time to claim (default now; a naive time is taken as local).
            Without a timestamp server the time is the laptop's own claim, not proof.

    Returns:
        The signed PDF: the original bytes with the signature appended.

    Raises:
        ValidationError: the PDF cannot be read, is password-protected, already forbids
            changes, has no such page, or the stamp box is empty.
    """
    when = (signing_time or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except (PdfError, ValueError, TypeError, KeyError) as e:
        raise ValidationError(
            "This PDF cannot be read, so it cannot be signed.",
            "Make the PDF again from the record, then sign it. Nothing was signed.",
        ) from e
    if writer.prev.encrypted:
        raise ValidationError(
            "This PDF is protected by a password, so it cannot be signed.",
            "Sign the PDF the app makes before anyone protects it. Nothing was signed.",
        )
    spec = None
    style = None
    if placement is not None:
        box = _check_box(placement.box)
        spec = fields.SigFieldSpec(field_name, box=box, on_page=_check_page(writer, placement.page))
        style = stamp_style(
            stamp_text(identity, when), box[2] - box[0], box[3] - box[1], placement.text_pt
        )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=certify,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        name=identity.common_name,
        reason=reason or None,
        location=location or None,
    )
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(identity.certificate_der),
        signing_key=asn1_keys.PrivateKeyInfo.load(identity.private_key_der),
        cert_registry=_chain_store(identity.chain_der),
    )
    pdf_signer = _TimedPdfSigner(when, meta, signer=signer, stamp_style=style, new_field_spec=spec)
    try:
        with quiet_library_logs():
            out = pdf_signer.sign_pdf(writer)
    except (PdfError, SigningError, LayoutError, ValueError, KeyError) as e:
        raise ValidationError(
            f"This PDF could not be signed: {_plain_reason(e)}",
            "Make the PDF again from the record, then sign it. Nothing was signed.",
        ) from e
    return bytes(out.getvalue())


def _chain_store(chain_der: Sequence[bytes]) -> SimpleCertificateStore:
    """The issuing CA certificates, embedded in the signature so verifiers can build the path."""
    store = SimpleCertificateStore()  # type: ignore[no-untyped-call]  # untyped __init__
    store.register_multiple(asn1_x509.Certificate.load(c) for c in chain_der)
    return store


def stamp_text(identity: SigningIdentity, when: dt.datetime) -> str:
    """The words in the visible stamp: who, which authority, when, and whose certificate."""
    lines = [f"Digitally signed by {identity.common_name}"]
    if identity.organisation:
        lines.append(identity.organisation)
    lines.append(f"{when.astimezone(dt.UTC):%d/%m/%Y %H:%M} UTC")
    if identity.is_self_signed:
        lines.append("Self-signed certificate (device not yet enrolled)")
    else:
        lines.append(f"Certificate issued by {identity.issuer_common_name}")
    return "\n".join(lines)


def _check_box(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    x1, y1, x2, y2 = (round(v) for v in box)
    if x2 <= x1 or y2 <= y1:
        raise ValidationError(
            f"The signature stamp's box {box} has no area.",
            "Give x1 < x2 and y1 < y2, in points from the bottom left of the page.",
        )
    return x1, y1, x2, y2


def _check_page(writer: IncrementalPdfFileWriter, page: int) -> int:
    count = int(writer.root["/Pages"]["/Count"])
    if not -count <= page < count:
        raise ValidationError(
            f"The PDF has {count} pages, so there is no page {page + 1} for the stamp.",
            "Place the stamp on a page that exists (-1 is the last page).",
        )
    return page


def _plain_reason(e: Exception) -> str:
    text = str(e)
    if "Certification signatures must be the first" in text:
        return "it is already signed, and a certification signature must come first."
    if "forbids all changes" in text:
        return "it is certified by someone who allowed no further changes."
    if "filled already" in text or "already filled" in text:
        return "its signature field is already signed."
    return "the file's structure is not one the signing library understands."


class _TimedPdfSigner(signers.PdfSigner):
    """A PdfSigner that claims a given signing time (pyHanko always uses its clock)."""

    def __init__(self, when: dt.datetime, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._when = when

    def init_signing_session(
        self, pdf_out: BasePdfFileWriter, existing_fields_only: bool = False
    ) -> PdfSigningSession:
        """Start the session as pyHanko does, then set the time it will claim."""
        session = super().init_signing_session(pdf_out, existing_fields_only)
        # The signed attribute signingTime, /M in the signature dictionary and the
        # appearance all read this one attribute.
        session.system_time = self._when
        return session
