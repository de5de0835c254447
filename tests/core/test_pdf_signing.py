"""Certificate signatures on PDFs: signing, checking, tampering, trust and enrolment.

Test PDFs are made with bare reportlab (uncompressed, so a test can find text in the signed
bytes), signed with the profile's real key, and checked twice: by `verify_pdf` and, where a
second opinion matters, by poppler's `pdfsig`, which shares no code with pyHanko.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from reportlab.pdfgen import canvas

from assessor_app.core.errors import ValidationError
from assessor_app.core.pdf.signing import (
    SigningIdentity,
    StampPlacement,
    sign_pdf,
)
from assessor_app.core.pdf.verify import (
    DISALLOWED_CHANGES,
    NotAPdfError,
    UnsignedPdfError,
    verify_pdf,
)
from assessor_app.core.records import Role
from assessor_app.core.services.signing import install_certificate, profile_signing_identity
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.vault import Vault
from tests.conftest import PASSPHRASE
from tests.support import poppler, session_for

SIGNED_AT = dt.datetime(2026, 11, 23, 14, 35, tzinfo=dt.UTC)
BODY_TEXT = "Synthetic assessment record for Zoe Quillfeather"
STAMP_BOX = (72.0, 72.0, 300.0, 150.0)
needs_pdfsig = pytest.mark.skipif(
    shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) is not installed"
)
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed"
)


# -- helpers shared with the other signing tests ------------------------------------------------


def simple_pdf(pages: int = 2) -> bytes:
    """A small uncompressed PDF with known text on its first page."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pageCompression=0, invariant=1)
    for n in range(pages):
        c.drawString(72, 720, BODY_TEXT if n == 0 else f"Page {n + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def sign(identity: SigningIdentity, pdf: bytes | None = None, **kwargs: object) -> bytes:
    """Sign with a visible stamp on the last page at a fixed time."""
    options: dict[str, object] = {
        "placement": StampPlacement(-1, STAMP_BOX),
        "reason": "Assessment completed",
        "location": "Demotown",
        "signing_time": SIGNED_AT,
    }
    options.update(kwargs)
    return sign_pdf(pdf or simple_pdf(), identity, **options)  # type: ignore[arg-type]


def make_ca(
    name: str = "Exampleshire Test CA",
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A throwaway root CA, as an authority's IT would run."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def issue_certificate(
    ca: tuple[ec.EllipticCurvePrivateKey, x509.Certificate],
    identity: SigningIdentity,
    *,
    public_key: ec.EllipticCurvePublicKey | None = None,
    usage: x509.KeyUsage | None = None,
    valid_days: int = 730,
) -> bytes:
    """A certificate the CA issues for the identity's key (or another), as DER."""
    ca_key, ca_cert = ca
    now = dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(days=1) if valid_days > 0 else now - dt.timedelta(days=30)
    key = public_key or identity.certificate.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    cert = (
        x509.CertificateBuilder()
        .subject_name(identity.certificate.subject)
        .issuer_name(ca_cert.subject)
        .public_key(key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage or _usage(signing=True), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _usage(
    *, signing: bool = False, cert_sign: bool = False, encipher: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=encipher,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


# -- signing and checking ------------------------------------------------------------------------


def test_signed_pdf_verifies_as_certified_with_signer_and_time(vault: Vault) -> None:
    identity = profile_signing_identity(vault)
    report = verify_pdf(sign(identity))
    assert report.ok
    [check] = report.signatures
    assert check.field_name == "AssessorSignature"
    assert (check.signer, check.organisation) == ("Robin Testcase", "Exampleshire County Council")
    assert check.signing_time_claimed == SIGNED_AT
    assert check.intact and check.valid and check.covers_whole_file
    assert check.certification == "certified: no changes allowed"
    assert check.changes_after_signing == "none"
    assert check.certificate_fingerprint == identity.fingerprint_sha256
    lines = report.lines()
    assert lines[0].startswith("Intact, but the signer is not confirmed: signed by Robin Testcase")
    assert any("23/11/2026 14:35:00 UTC" in line for line in lines)


@needs_pdfsig
def test_poppler_independently_accepts_the_signature(vault: Vault, tmp_path: Path) -> None:
    out = poppler("pdfsig", sign(profile_signing_identity(vault)), tmp_path)
    assert "Signature is Valid" in out, out
    assert "Total document signed" in out, out
    assert "ETSI.CAdES.detached" in out and "SHA-256" in out, out
    assert "Robin Testcase" in out, out


@needs_pdfsig
def test_a_byte_changed_inside_the_signed_range_breaks_the_signature(
    vault: Vault, tmp_path: Path
) -> None:
    signed = sign(profile_signing_identity(vault))
    ranges = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", signed)
    assert ranges is not None
    first_end = int(ranges.group(1)) + int(ranges.group(2))
    at = signed.index(BODY_TEXT.encode())
    assert at + 10 < first_end, "the text must lie in the first signed range, before /Contents"
    tampered = bytearray(signed)
    tampered[at + 10] ^= 0x01  # "assessment" becomes "asseqsment": same length, same layout
    report = verify_pdf(bytes(tampered))
    assert not report.ok
    assert not report.signatures[0].intact
    assert report.lines()[0].startswith("NOT VALID")
    out = poppler("pdfsig", bytes(tampered), tmp_path)
    assert "Signature is Valid" not in out, out
    assert "Digest Mismatch" in out, out


@needs_pdfsig
def test_text_added_after_certification_is_a_change_the_signer_did_not_allow(
    vault: Vault, tmp_path: Path
) -> None:
    signed = sign(profile_signing_identity(vault))
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    extra = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 600 Td (Eligible: yes) Tj ET")
    )
    writer.add_stream_to_page(0, extra)
    out = io.BytesIO()
    writer.write(out)
    changed = out.getvalue()
    assert changed.startswith(signed)  # an incremental update: the signed bytes are untouched

    report = verify_pdf(changed)
    [check] = report.signatures
    assert check.intact and check.valid  # the signed revision itself is fine...
    assert check.changes_after_signing == DISALLOWED_CHANGES  # ...but it was added to
    assert not check.covers_whole_file
    assert not report.ok
    assert "Not total document signed" in poppler("pdfsig", changed, tmp_path)


def test_a_second_approval_signature_is_a_change_the_first_signer_allowed(vault: Vault) -> None:
    identity = profile_signing_identity(vault)
    once = sign(identity, certify=False, field_name="Assessor")
    twice = sign(identity, once, certify=False, field_name="Manager", placement=None)
    report = verify_pdf(twice)
    first, second = report.signatures
    assert first.certification is None
    assert first.changes_after_signing == "only changes the signer allowed"
    assert second.changes_after_signing == "none"
    assert report.ok


def test_a_document_timestamp_added_later_is_a_change_the_signer_allowed(vault: Vault) -> None:
    # What sync will do once online (PAdES B-T): a timestamp authority stamps the signed file.
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Exampleshire Test TSA")])
    now = dt.datetime.now(dt.UTC)
    tsa_cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(tsa_key, hashes.SHA256())
    )
    timestamper = DummyTimeStamper(  # pyHanko's in-process TSA; it signs with RSA only
        tsa_cert=asn1_x509.Certificate.load(der(tsa_cert)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            tsa_key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )
    signed = sign(profile_signing_identity(vault))
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    stamped = PdfTimeStamper(timestamper).timestamp_pdf(writer, "sha256").getvalue()

    report = verify_pdf(stamped)
    signature, timestamp = report.signatures
    assert signature.changes_after_signing == "only changes the signer allowed"
    assert timestamp.is_timestamp and timestamp.signer == "Exampleshire Test TSA"
    assert timestamp.intact and timestamp.valid and timestamp.signing_time_claimed is not None
    assert report.ok
    assert "  Type: document timestamp" in report.lines()


def test_a_certified_pdf_cannot_be_signed_again(vault: Vault) -> None:
    identity = profile_signing_identity(vault)
    signed = sign(identity)
    with pytest.raises(ValidationError, match="already signed"):
        sign(identity, signed, field_name="Second")
    with pytest.raises(ValidationError, match="allowed no further changes"):
        sign(identity, signed, field_name="Second", certify=False)


# -- trust and enrolment -------------------------------------------------------------------------


def test_self_signed_is_intact_but_not_trusted(vault: Vault) -> None:
    identity = profile_signing_identity(vault)
    assert identity.is_self_signed
    [check] = verify_pdf(sign(identity)).signatures
    assert check.intact and check.valid and not check.trusted
    assert check.trust_note == "self-signed: not issued by an authority you trust"
    # Trusting some unrelated authority does not change that.
    [check] = verify_pdf(sign(identity), trust_roots=[der(make_ca()[1])]).signatures
    assert not check.trusted and check.intact


def test_enrolled_certificate_for_the_same_key_makes_new_signatures_trusted(
    vault: Vault,
) -> None:
    before = profile_signing_identity(vault)
    old_pdf = sign(before)
    ca = make_ca()
    installed = install_certificate(session_for(vault), issue_certificate(ca, before), [der(ca[1])])

    assert not installed.is_self_signed
    assert installed.private_key_der == before.private_key_der
    assert profile_signing_identity(vault) == installed  # stored, not just returned
    assert installed.chain_der == (der(ca[1]),)

    new_pdf = sign(installed)
    [check] = verify_pdf(new_pdf, trust_roots=[der(ca[1])]).signatures
    assert check.trusted, check.trust_note
    assert check.trust_note == "issued by Exampleshire Test CA, which you trust"
    pem_root = ca[1].public_bytes(serialization.Encoding.PEM)
    assert verify_pdf(new_pdf, trust_roots=[pem_root]).trusted
    [untrusted] = verify_pdf(new_pdf).signatures
    assert untrusted.intact and not untrusted.trusted
    assert (
        untrusted.trust_note
        == "issued by Exampleshire Test CA, which is not an authority you trust"
    )
    assert verify_pdf(new_pdf, trust_roots=[der(ca[1])]).lines()[0].startswith("Valid: signed by")
    # What was signed before enrolment still carries the self-signed certificate.
    [old] = verify_pdf(old_pdf, trust_roots=[der(ca[1])]).signatures
    assert (
        old.intact and not old.trusted and old.certificate_fingerprint == before.fingerprint_sha256
    )


def test_the_stamp_names_the_issuer_once_enrolled(vault: Vault) -> None:
    from assessor_app.core.pdf.signing import stamp_text

    identity = profile_signing_identity(vault)
    assert stamp_text(identity, SIGNED_AT).splitlines() == [
        "Digitally signed by Robin Testcase",
        "Exampleshire County Council",
        "23/11/2026 14:35 UTC",
        "Self-signed certificate (device not yet enrolled)",
    ]
    ca = make_ca()
    enrolled = install_certificate(
        session_for(vault), issue_certificate(ca, identity), [der(ca[1])]
    )
    assert stamp_text(enrolled, SIGNED_AT).splitlines()[-1] == (
        "Certificate issued by Exampleshire Test CA"
    )


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other_key", "different key"),
        ("expired", "expired on"),
        ("no_signing_usage", "not meant for signing"),
        ("wrong_chain", "not issued by the first certificate"),
        ("garbage", "not an X.509 certificate"),
    ],
)
def test_unusable_certificates_are_refused_and_the_old_one_kept(
    vault: Vault, case: str, message: str
) -> None:
    identity = profile_signing_identity(vault)
    ca = make_ca()
    chain = [der(ca[1])]
    if case == "other_key":
        cert = issue_certificate(
            ca, identity, public_key=ec.generate_private_key(ec.SECP256R1()).public_key()
        )
    elif case == "expired":
        cert = issue_certificate(ca, identity, valid_days=-1)
    elif case == "no_signing_usage":
        cert = issue_certificate(ca, identity, usage=_usage(encipher=True))
    elif case == "wrong_chain":
        cert, chain = issue_certificate(ca, identity), [der(make_ca("Some Other CA")[1])]
    else:
        cert = b"not a certificate"
    with pytest.raises(ValidationError, match=message) as caught:
        install_certificate(session_for(vault), cert, chain)
    assert caught.value.next_step  # every refusal says what to do
    assert profile_signing_identity(vault) == identity


# -- the identity is made once and stays in the vault --------------------------------------------


def test_identity_is_made_once_and_survives_lock_and_unlock(vault: Vault, data_dir: Path) -> None:
    first = profile_signing_identity(vault)
    assert profile_signing_identity(vault) == first
    cert = first.certificate
    assert (
        first.common_name == "Robin Testcase"
        and first.organisation == "Exampleshire County Council"
    )
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).critical
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert dt.timedelta(days=3650) < first.not_valid_after - cert.not_valid_before_utc
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    profile_id = vault.profile.id
    vault.close()

    reopened = Vault.open(data_dir, profile_id, PASSPHRASE)
    try:
        assert profile_signing_identity(reopened) == first
        rows = reopened.conn.execute(
            "SELECT count(*) FROM device_key WHERE purpose = 'pdf_signing'"
        ).fetchone()
        assert rows[0] == 1
    finally:
        reopened.close()


def test_the_private_key_is_never_on_disk_in_plaintext(vault: Vault, data_dir: Path) -> None:
    identity = profile_signing_identity(vault)
    key = serialization.load_der_private_key(identity.private_key_der, None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    scalar = key.private_numbers().private_value.to_bytes(32, "big")
    pem_body = b"".join(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).splitlines()[1:-1]
    )
    needles = {"PKCS#8 DER": identity.private_key_der, "raw scalar": scalar, "PEM": pem_body}
    assert scalar.hex() not in repr(identity) and "private_key_der" not in repr(identity)

    def hits() -> list[str]:
        found = []
        for path in sorted(data_dir.rglob("*")):  # the vault folder, logs, everything
            if path.is_file():
                data = path.read_bytes()
                found += [f"{path.name}: {what}" for what, n in needles.items() if n in data]
        return found

    sign(identity)  # use the key, so any leak through signing would show too
    assert any(p.name.endswith("-wal") for p in vault.folder.iterdir())
    assert hits() == []  # while unlocked, WAL present
    vault.close()
    assert hits() == []  # after locking


# -- names, stamps and bad input -----------------------------------------------------------------


@needs_pdftotext
def test_unicode_name_signs_and_the_stamp_prints_inside_its_box(
    data_dir: Path, tmp_path: Path
) -> None:
    vault = Vault.create(
        data_dir,
        name="Zoë Łukasz Nguyễn",
        role=Role.NURSE,
        authority="Exampleshire County Council",
        passphrase=PASSPHRASE,
        kdf=FAST_KDF_FOR_TESTS,
    )
    try:
        signed = sign(profile_signing_identity(vault))
    finally:
        vault.close()
    [check] = verify_pdf(signed).signatures
    assert check.signer == "Zoë Łukasz Nguyễn" and check.ok

    path = tmp_path / "stamped.pdf"
    path.write_bytes(signed)
    bbox = subprocess.run(
        ["pdftotext", "-f", "2", "-l", "2", "-bbox", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    words = re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]*)</word>', bbox
    )
    text = " ".join(w for _, _, w in words)
    assert "Zoë Łukasz Nguyễn" in text and "Self-signed certificate" in text, text
    stamp_words = [(float(a), float(b), w) for a, b, w in words if w != "Page" and w != "2"]
    # Every word of the stamp lies inside the box: letters advanced by the font's real widths
    # (pyHanko alone writes DejaVu's 2048-unit widths as if they were 1000ths, and the text
    # runs off the right of the box).
    x1, _, x2, _ = STAMP_BOX
    assert stamp_words and all(x1 <= a and b <= x2 for a, b, _ in stamp_words), stamp_words


def test_signing_refuses_what_is_not_a_pdf_and_a_page_that_does_not_exist(vault: Vault) -> None:
    identity = profile_signing_identity(vault)
    with pytest.raises(ValidationError, match="cannot be read"):
        sign_pdf(b"not a pdf", identity, placement=None, reason="", location="")
    with pytest.raises(ValidationError, match="has 2 pages, so there is no page 5"):
        sign(identity, placement=StampPlacement(4, STAMP_BOX))
    with pytest.raises(ValidationError, match="has no area"):
        sign(identity, placement=StampPlacement(0, (100, 100, 100, 200)))


def test_an_invisible_signature_verifies_too(vault: Vault) -> None:
    report = verify_pdf(sign(profile_signing_identity(vault), placement=None))
    assert report.ok and report.signatures[0].certification == "certified: no changes allowed"


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda _signed: b"GIF89a not a pdf at all", NotAPdfError, "not a PDF"),
        (lambda signed: signed[: len(signed) // 2], NotAPdfError, "damaged or incomplete"),
        (lambda signed: signed[:-40], NotAPdfError, "damaged or incomplete"),
        (lambda _signed: simple_pdf(), UnsignedPdfError, "no digital signature"),
    ],
    ids=["not-a-pdf", "truncated-half", "truncated-tail", "unsigned"],
)
def test_files_that_cannot_be_checked_say_why(vault: Vault, make, error, message) -> None:
    signed = sign(profile_signing_identity(vault))
    with pytest.raises(error, match=message) as caught:
        verify_pdf(make(signed))
    assert isinstance(caught.value, ValidationError) and caught.value.next_step


def test_a_trust_root_that_is_not_a_certificate_is_refused(vault: Vault) -> None:
    signed = sign(profile_signing_identity(vault))
    with pytest.raises(ValidationError, match="not an X.509 certificate"):
        verify_pdf(
            signed, trust_roots=[b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]
        )


@pytest.mark.parametrize(
    "name", ["Anaꞌ Lee", "Priya 😀 Exampleton", "Łukasz " + "Quillfeather " * 8]
)
def test_any_profile_name_signs_a_pdf_that_verifies(data_dir: Path, name: str) -> None:
    # asn1crypto refuses to compare names with characters newer than Unicode 3.2, which made
    # such signatures unverifiable; long names are cut to X.509's 64 characters at a word.
    vault = Vault.create(
        data_dir,
        name=name,
        role=Role.SOCIAL_WORKER,
        authority="Exampleshire County Council",
        passphrase=PASSPHRASE,
        kdf=FAST_KDF_FOR_TESTS,
    )
    try:
        identity = profile_signing_identity(vault)
        report = verify_pdf(sign(identity))
        assert report.ok
        assert len(identity.common_name) <= 64 and not identity.common_name.endswith(" ")
        assert identity.common_name[:3] == name[:3]  # what can be kept is kept
    finally:
        vault.close()


def test_a_signer_certificate_that_cannot_be_read_is_reported_not_crashed_on() -> None:
    # A PDF from elsewhere whose certificate name holds an emoji: not valid, never a traceback.
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Mallory 😀")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=9))
        .add_extension(_usage(signing=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    identity = SigningIdentity(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        der(cert),
    )
    report = verify_pdf(sign(identity))
    assert not report.ok
    assert report.lines()[0].startswith("NOT VALID")


def test_a_title_changed_after_certification_is_a_change_the_signer_did_not_allow(
    vault: Vault,
) -> None:
    # pyHanko lets later revisions touch the document information; a "no changes" certified
    # record must not show a forged title or author as "not changed since".
    signed = sign(profile_signing_identity(vault))
    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    info = writer.trailer["/Info"].get_object()
    info[generic.pdf_name("/Title")] = generic.pdf_string("Care Act assessment: NOT ELIGIBLE")
    writer.update_container(info)
    out = io.BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue())
    [check] = report.signatures
    assert check.intact and check.changes_after_signing == DISALLOWED_CHANGES
    assert not report.ok and report.lines()[0].startswith("NOT VALID")


def test_bytes_appended_after_a_certified_pdf_are_not_called_unchanged(vault: Vault) -> None:
    signed = sign(profile_signing_identity(vault))
    report = verify_pdf(signed + b"\n% appended by something on the way\n")
    assert not report.ok
