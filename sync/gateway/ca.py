"""The gateway's certificate authorities, for devices and for signed PDFs, and its dev server cert.

A laptop proves who it is with a certificate the devices CA issued at enrolment; the gateway
asks for one on every connection and trusts no other issuer. At the same enrolment the
document signing CA, a CA of its own under the same authority (decision 0006), issues the
profile's PDF signing certificate. The CAs' keys never leave the
gateway's data folder (owner-only). For a demo on loopback the CA also issues the server's
own certificate; production takes the authority's certificate and key from the settings.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "DEVICE_DAYS",
    "DOCUMENT_SIGNING",
    "SIGNER_DAYS",
    "DocumentSigningCA",
    "EnrolmentError",
    "GatewayCA",
    "serial_of",
]

DEVICE_DAYS = 825
"""How long a device certificate lasts; a laptop re-enrols before then."""

_CA_DAYS = 3650


class EnrolmentError(ValueError):
    """A certificate request that cannot be signed; the message says why."""


def serial_of(certificate_der: bytes) -> str:
    """A certificate's serial number as hex, the key the gateway knows a device by."""
    return format(x509.load_der_x509_certificate(certificate_der).serial_number, "x")


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


_CA_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)


def _load_or_make_ca(
    folder: Path, stem: str, authority: str, common_name: str
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """`folder`/`stem`.key and .pem, made (a P-256 key, a self-signed CA) when absent."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key_path, cert_path = folder / f"{stem}.key", folder / f"{stem}.pem"
    if key_path.exists() and cert_path.exists():
        loaded = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{key_path} is not a gateway CA key.")
        return loaded, x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, authority),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=_CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_CA_USAGE, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key, certificate


def _read_request(csr_pem: bytes, what: str) -> ec.EllipticCurvePublicKey:
    """The P-256 key a certificate request carries, once its signature is seen to hold."""
    try:
        csr = x509.load_pem_x509_csr(csr_pem)
    except ValueError as e:
        raise EnrolmentError(f"The {what} is not a PEM request.") from e
    if not csr.is_signature_valid:
        raise EnrolmentError(f"The {what}'s signature does not hold.")
    key = csr.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise EnrolmentError(f"The {what} must carry an EC P-256 key.")
    return key


def _name_text(value: str) -> str:
    """A name every PDF checker can compare: as `assessor_app.core.pdf.signing._name_text`.

    Characters unassigned in Unicode 3.2 are dropped (the stringprep comparison of RFC 4518,
    which pyHanko's checker uses, refuses names holding them) and the text is cut to the 64
    characters X.509 allows, at the last whole word.
    """
    kept = "".join(c for c in value if unicodedata.ucd_3_2_0.category(c) != "Cn")
    kept = " ".join(kept.split())
    if len(kept) <= 64:
        return kept
    cut = kept[:64]
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


SIGNER_DAYS = 730
"""How long a PDF signing certificate lasts (2 years); re-enrolling issues a new one."""

DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
"""id-kp-documentSigning (RFC 9336): the certificate signs documents."""

_SIGNER_USAGE = x509.KeyUsage(
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


@dataclass(frozen=True)
class DocumentSigningCA:
    """The authority's CA for signed PDFs, kept beside the devices CA (decision 0006)."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @classmethod
    def load_or_create(cls, folder: Path, authority: str) -> DocumentSigningCA:
        """`folder`/documents-ca.{key,pem}, made on first start."""
        key, certificate = _load_or_make_ca(
            folder, "documents-ca", authority, f"{authority[:40]} document signing CA"
        )
        return cls(key, certificate)

    @property
    def der(self) -> bytes:
        """The CA certificate (DER), which laptops add to their trusted roots."""
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        """The CA certificate (PEM), for PDF readers' trust stores."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def issue_signer(self, csr_pem: bytes, assessor: str) -> x509.Certificate:
        """A PDF signing certificate for the key in `csr_pem`, naming the assessor.

        The subject is the assessor's name as the gateway knows it (CN) and the authority
        (O, the CA's own); the request's subject is not used. Key usage digitalSignature and
        nonRepudiation (critical), extended key usage document signing and e-mail protection
        (the usage NSS-based checkers such as poppler's pdfsig ask signers for), valid for
        `SIGNER_DAYS`, never beyond the CA itself.

        Raises:
            EnrolmentError: Not a PEM request, its signature does not hold, or the key is not
                an EC P-256 key.
        """
        key = _read_request(csr_pem, "signing certificate request")
        parts = [x509.NameAttribute(NameOID.COMMON_NAME, _name_text(assessor) or "Assessor")]
        parts += [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, str(a.value))
            for a in self.certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        ]
        now = dt.datetime.now(dt.UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name(parts))
            .issuer_name(self.certificate.subject)
            .public_key(key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(
                min(now + dt.timedelta(days=SIGNER_DAYS), self.certificate.not_valid_after_utc)
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_SIGNER_USAGE, critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )


@dataclass(frozen=True)
class GatewayCA:
    """The CA key and certificate in a gateway's data folder."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    documents: DocumentSigningCA
    """Issues the profiles' PDF signing certificates: a CA of its own (decision 0006)."""

    @classmethod
    def load_or_create(cls, folder: Path, authority: str) -> GatewayCA:
        """The folder's CAs, each made (key and self-signed certificate) on first start.

        The document signing CA is made beside the devices CA, also in a folder made by an
        older gateway (decision 0006).
        """
        key, certificate = _load_or_make_ca(
            folder, "ca", authority, f"{authority[:40]} Assessor devices CA"
        )
        return cls(key, certificate, DocumentSigningCA.load_or_create(folder, authority))

    @property
    def pem(self) -> bytes:
        """The CA certificate, which the laptop pins at enrolment."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def _issue(
        self,
        subject: x509.Name,
        public_key: ec.EllipticCurvePublicKey,
        *,
        days: int,
        usage: x509.ObjectIdentifier,
        hosts: tuple[str, ...] = (),
    ) -> x509.Certificate:
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
        )
        if hosts:
            names: list[x509.GeneralName] = []
            for host in hosts:
                try:
                    names.append(x509.IPAddress(ipaddress.ip_address(host)))
                except ValueError:
                    names.append(x509.DNSName(host))
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        return builder.sign(self.key, hashes.SHA256())

    def issue_device(self, csr_pem: bytes, device_id: str, assessor: str) -> x509.Certificate:
        """Sign a laptop's certificate request, naming the device and its assessor.

        Raises:
            EnrolmentError: Not a PEM request, its signature does not hold (it was not made
                by the key it carries), or the key is not an EC P-256 key.
        """
        key = _read_request(csr_pem, "certificate request")
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, device_id),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, assessor[:64] or "-"),
            ]
        )
        return self._issue(subject, key, days=DEVICE_DAYS, usage=ExtendedKeyUsageOID.CLIENT_AUTH)

    def server_certificate(self, hosts: tuple[str, ...]) -> tuple[bytes, bytes]:
        """A development server certificate for `hosts` (loopback), as (cert PEM, key PEM)."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
        cert = self._issue(
            subject, key.public_key(), days=90, usage=ExtendedKeyUsageOID.SERVER_AUTH, hosts=hosts
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return cert.public_bytes(serialization.Encoding.PEM), key_pem
