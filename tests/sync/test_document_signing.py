"""The PDF signing certificate issued at enrolment: signed after, confirmed; signed before, intact.

Real parts: the gateway on loopback over mutual TLS (SQLite and PostgreSQL behind it), a
SQLCipher vault, records finalised through the use case, checked by our checker, by the
"Check a signed PDF" window's own reading and verdict, and by poppler's `pdfsig` against an NSS
database that trusts the council's document signing CA (made with NSS's `certutil`).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.services.documents import check_kept, finalise_record
from assessor_app.core.services.signing import profile_signing_identity
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.documents import DocumentRepository, StoredDocument, trusted_roots
from assessor_app.core.storage.enrolment import load_enrolment
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import enrol, enrolment_request, finish_enrolment
from assessor_app.core.sync_client.transport import HttpsTransport, TransportError
from sync.gateway.ca import DOCUMENT_SIGNING, SIGNER_DAYS, GatewayCA
from tests.conftest import REPO_ROOT
from tests.support import poppler, prisoner, session_for
from tests.sync.conftest import Gateway

from assessor_app.ui import dialogs
from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.views.check_pdf import (
    GOOD,
    UNCONFIRMED,
    CheckPdfWindow,
    read_and_verify,
    verdict_for,
)
from assessor_app.ui.views.enrol_dialog import EnrolDialog

pytestmark = pytest.mark.skipif(
    shutil.which("pdfsig") is None or shutil.which("certutil") is None,
    reason="poppler-utils (pdfsig) and libnss3-tools (certutil) are needed (./dev installs them)",
)

REGISTRY = load_forms_dir(default_forms_dir())
ANSWERS = REPO_ROOT / "tests" / "fixtures" / "forms" / "answers"
GATEWAY_NAME = "Robin Q. Testcase"
"""The assessor as the gateway knows them: not quite the name typed on the laptop's profile."""
COUNCIL_CA = "Exampleshire County Council document signing CA"


def _finalised(vault: Vault) -> StoredDocument:
    """A needs assessment completed and signed on this laptop, as the assessor does it."""
    person = PeopleRepository(vault).add(prisoner())
    records = AssessmentRepository(vault)
    form = REGISTRY.latest("needs_assessment")
    answers = json.loads((ANSWERS / "needs_custody_eligible.json").read_text("utf-8"))
    rid = records.create(person.id, form.id, form.version, answers=answers).id
    return finalise_record(session_for(records, REGISTRY), rid).document


def _code(gateway: Gateway, name: str = GATEWAY_NAME) -> str:
    now = dt.datetime.now(dt.UTC)
    assessor = gateway.store.create_assessor(name, now)
    return gateway.store.issue_code(assessor, now, dt.timedelta(minutes=15))


def _nss_trusting(folder: Path, ca_pem: bytes | None) -> Path:
    """An NSS database (as PDF readers built on NSS keep one) trusting `ca_pem` for signing."""
    folder.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True)
    if ca_pem is not None:
        (folder / "ca.pem").write_bytes(ca_pem)
        subprocess.run(
            ["certutil", "-A", "-d", f"sql:{folder}", "-n", "council", "-t", "C,C,C"]
            + ["-i", str(folder / "ca.pem")],
            check=True,
        )
    return folder


def _pdfsig(data: bytes, tmp_path: Path, nss: Path) -> str:
    # Without -no-ocsp: poppler 22.12 then reports "Unknown issue" for any chain. Nothing is
    # fetched anyway: the certificates name no OCSP responder.
    return poppler("pdfsig", data, tmp_path, "-nssdir", f"sql:{nss}")


def _spki(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def test_a_pdf_signed_after_enrolment_is_confirmed_by_the_councils_ca_and_one_before_stays_intact(
    gateway: Gateway, vault: Vault, tmp_path: Path
) -> None:
    before = _finalised(vault)
    documents = DocumentRepository(vault)
    before_bytes = documents.data(before.id)
    self_signed = profile_signing_identity(vault)
    assert self_signed.is_self_signed

    enrol(vault, gateway.url, _code(gateway), first_contact_ca=gateway.ca.pem)

    # The profile now signs with a certificate the council's document signing CA issued for
    # the same key, naming the assessor as the gateway knows them.
    identity = profile_signing_identity(vault)
    cert = identity.certificate
    assert not identity.is_self_signed
    assert identity.private_key_der == self_signed.private_key_der
    assert _spki(cert) == _spki(self_signed.certificate)
    assert (identity.common_name, identity.organisation) == (
        GATEWAY_NAME,
        "Exampleshire County Council",
    )
    assert identity.issuer_common_name == COUNCIL_CA
    assert identity.chain_der == (gateway.ca.documents.der,)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert DOCUMENT_SIGNING in eku and ExtendedKeyUsageOID.CLIENT_AUTH not in eku
    lasts = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert dt.timedelta(days=SIGNER_DAYS) <= lasts <= dt.timedelta(days=SIGNER_DAYS, minutes=6)
    # The CA fills the trusted roots: that one, and not the devices CA.
    assert trusted_roots(vault) == [gateway.ca.documents.der]

    after = _finalised(vault)
    after_bytes = documents.data(after.id)
    session = session_for(vault, REGISTRY)

    report = check_kept(session, after.id)
    assert report.ok and report.trusted
    assert report.lines()[0] == (
        f"Valid: signed by {GATEWAY_NAME}, confirmed by {COUNCIL_CA}, which you trust, and not "
        "changed since except as the signer allowed."
    )
    # "Check a signed PDF" reads the file and says who signed and who confirms it.
    (tmp_path / "after.pdf").write_bytes(after_bytes)
    verdict = verdict_for(read_and_verify(tmp_path / "after.pdf", vault))
    assert verdict.state == GOOD
    assert verdict.meaning.startswith(f"Signed by {GATEWAY_NAME}. {COUNCIL_CA}, which you trust")

    # Signed before enrolment: still intact, honestly not confirmed, and not changed at all.
    assert documents.data(before.id) == before_bytes
    old = check_kept(session, before.id)
    assert old.ok and not old.trusted and old.self_signed
    (old_check,) = old.signatures
    assert old_check.certificate_fingerprint == self_signed.fingerprint_sha256
    assert old_check.signer == "Robin Testcase" and old_check.confirmed_by == ""
    assert old.lines()[0].startswith("Intact, but the signer is not confirmed: signed by Robin")
    assert "self-signed certificate" in old.lines()[0]
    (tmp_path / "before.pdf").write_bytes(before_bytes)
    old_verdict = verdict_for(read_and_verify(tmp_path / "before.pdf", vault))
    assert old_verdict.state == UNCONFIRMED
    assert "self-signed" in old_verdict.meaning and "before a laptop is enrolled" in (
        old_verdict.meaning
    )

    # poppler, sharing no code with ours, with the council's CA in its NSS database.
    trusting = _nss_trusting(tmp_path / "nss-council", gateway.ca.documents.pem)
    out = _pdfsig(after_bytes, tmp_path, trusting)
    assert "Signature is Valid" in out and "Certificate is Trusted" in out, out
    assert f"Signer Certificate Common Name: {GATEWAY_NAME}" in out
    assert "Total document signed" in out
    out = _pdfsig(before_bytes, tmp_path, trusting)
    assert "Signature is Valid" in out and "Certificate is Trusted" not in out, out
    # Without the council's CA, the same new PDF is intact but its issuer not trusted.
    out = _pdfsig(after_bytes, tmp_path, _nss_trusting(tmp_path / "nss-empty", None))
    assert "Signature is Valid" in out and "Certificate is Trusted" not in out, out


def _answer(gateway: Gateway, request: dict[str, Any]) -> dict[str, Any]:
    return HttpsTransport(gateway.url, gateway.ca.pem).post("/v1/enrol", request)


def test_an_older_gateway_that_issues_no_signing_certificate_still_enrols_the_laptop(
    gateway: Gateway, vault: Vault
) -> None:
    self_signed = profile_signing_identity(vault)
    request = enrolment_request(vault, _code(gateway))
    assert "signing_csr" in request
    # What an older gateway answers: it does not know the field, so it issues nothing.
    del request["signing_csr"]
    answer = _answer(gateway, request)
    assert "signing_certificate" not in answer
    enrolled = finish_enrolment(vault, gateway.url, answer, now=dt.datetime.now(dt.UTC))
    assert load_enrolment(vault) == enrolled
    assert profile_signing_identity(vault) == self_signed
    assert trusted_roots(vault) == []


def _other_key_request() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Someone else")])
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return csr.public_bytes(Encoding.PEM).decode()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other_key", "issued for a different key"),
        ("no_chain", "did not come with the authority's CA certificate"),
        ("not_base64", "could not be read"),
    ],
)
def test_a_signing_certificate_the_laptop_cannot_use_is_refused_and_nothing_changes(
    gateway: Gateway, vault: Vault, case: str, message: str
) -> None:
    self_signed = profile_signing_identity(vault)
    request = enrolment_request(vault, _code(gateway))
    if case == "other_key":
        request["signing_csr"] = _other_key_request()
    answer = _answer(gateway, request)
    if case == "no_chain":
        del answer["signing_chain"]
    elif case == "not_base64":
        answer["signing_certificate"] = "not a certificate!"
    # The same answer carries a good recovery key: it must not be kept either.
    from assessor_app.core.storage import recovery_key
    from assessor_app.core.storage.vault import recovery_fingerprint

    authority = recovery_key.generate().public_key()
    answer["recovery_public_key"] = recovery_key.public_key_text(authority)
    with pytest.raises(TransportError, match=message) as caught:
        finish_enrolment(vault, gateway.url, answer, now=dt.datetime.now(dt.UTC))
    assert "Nothing was changed" in str(caught.value) and "tell IT" in str(caught.value)
    assert not caught.value.temporary
    assert load_enrolment(vault) is None
    assert recovery_fingerprint(vault.data_dir, vault.profile.id) is None
    assert profile_signing_identity(vault) == self_signed
    assert trusted_roots(vault) == []


def test_re_enrolment_replaces_the_signing_certificate(gateway: Gateway, vault: Vault) -> None:
    enrol(vault, gateway.url, _code(gateway), first_contact_ca=gateway.ca.pem)
    first = profile_signing_identity(vault)
    renamed = _code(gateway, "Robin Testcase-Okafor")
    enrol(vault, gateway.url, renamed, first_contact_ca=gateway.ca.pem)
    second = profile_signing_identity(vault)
    assert second.certificate.serial_number != first.certificate.serial_number
    assert second.private_key_der == first.private_key_der
    assert second.common_name == "Robin Testcase-Okafor"
    assert trusted_roots(vault) == [gateway.ca.documents.der]  # trusted once, not twice
    report = check_kept(session_for(vault, REGISTRY), _finalised(vault).id)
    (check,) = report.signatures
    assert report.trusted and check.certificate_fingerprint == second.fingerprint_sha256


def test_a_signing_request_the_gateway_cannot_sign_is_refused_and_the_code_stays_unspent(
    gateway: Gateway, vault: Vault
) -> None:
    code = _code(gateway)
    request = enrolment_request(vault, code)
    with pytest.raises(TransportError, match="signing certificate request is not a PEM") as e:
        _answer(gateway, {**request, "signing_csr": "not a request"})
    assert e.value.status == 400
    assert load_enrolment(vault) is None
    # The same code still enrols the laptop.
    enrol(vault, gateway.url, code, first_contact_ca=gateway.ca.pem)
    assert not profile_signing_identity(vault).is_self_signed


def test_the_document_signing_ca_is_made_once_beside_an_existing_devices_ca(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "ca"
    older = GatewayCA.load_or_create(folder, "Exampleshire County Council")
    # A folder an older gateway made holds only the devices CA.
    (folder / "documents-ca.key").unlink()
    (folder / "documents-ca.pem").unlink()
    upgraded = GatewayCA.load_or_create(folder, "Exampleshire County Council")
    assert upgraded.certificate == older.certificate
    assert upgraded.documents.certificate != upgraded.certificate
    assert (folder / "documents-ca.key").stat().st_mode & 0o077 == 0
    again = GatewayCA.load_or_create(folder, "Exampleshire County Council")
    assert again.documents.der == upgraded.documents.der
    basic = again.documents.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.value.ca


@pytest.fixture
def ops() -> Iterator[BackgroundOps]:
    """The app's one background helper, as the windows are handed it."""
    helper = BackgroundOps()
    yield helper
    helper.shutdown()


def test_enrolling_from_the_window_makes_the_check_window_confirm_what_is_signed_after(
    qtbot: QtBot,
    ops: BackgroundOps,
    gateway: Gateway,
    vault: Vault,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    documents = DocumentRepository(vault)
    before = tmp_path / "before.pdf"
    before.write_bytes(documents.data(_finalised(vault).id))
    # Parented as the main window parents them, so both live until the test's teardown.
    host = QWidget()
    qtbot.addWidget(host)
    dialog = EnrolDialog(ops, session_for(vault), host)
    dialog.show()
    (tmp_path / "gateway.pem").write_bytes(gateway.ca.pem)
    dialog.address.setText(gateway.url)
    dialog.code.setText(_code(gateway))
    dialog.certificate.setText(str(tmp_path / "gateway.pem"))
    with qtbot.waitSignal(dialog.enrolled, timeout=20_000):
        dialog.enrol_button.click()
    after = tmp_path / "after.pdf"
    after.write_bytes(documents.data(_finalised(vault).id))

    check = CheckPdfWindow(ops, lambda: vault, host)
    check.show()
    for path, heading, words in (
        (after, "Good: intact, unchanged since it was signed", f"{COUNCIL_CA}, which you trust"),
        (before, "Intact, but who signed it is not confirmed", "self-signed certificate"),
    ):
        monkeypatch.setattr(dialogs, "open_file", lambda *_a, chosen=path: chosen)
        with qtbot.waitSignal(check.checked, timeout=20_000):
            qtbot.mouseClick(check.choose_button, Qt.MouseButton.LeftButton)
        assert check.heading.text() == heading
        assert words in check.meaning.text()
    assert f"Signed by {GATEWAY_NAME}" not in check.meaning.text()  # the before one: Robin's own
    assert "Signed by Robin Testcase with a self-signed" in check.meaning.text()
