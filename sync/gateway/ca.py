"""The gateway's certificate authority for devices, and its development server certificate.

A laptop proves who it is with a certificate this CA issued at enrolment; the gateway asks
for one on every connection and trusts no other issuer. The CA's key never leaves the
gateway's data folder (owner-only). For a demo on loopback the CA also issues the server's
own certificate; production takes the authority's certificate and key from the settings.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["DEVICE_DAYS", "EnrolmentError", "GatewayCA", "serial_of"]

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


@dataclass(frozen=True)
class GatewayCA:
    """The CA key and certificate in a gateway's data folder."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @classmethod
    def load_or_create(cls, folder: Path, authority: str) -> GatewayCA:
        """The folder's CA, made (key and self-signed certificate) on first start."""
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        key_path, cert_path = folder / "ca.key", folder / "ca.pem"
        if key_path.exists() and cert_path.exists():
            key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise ValueError(f"{key_path} is not the gateway's CA key.")
            return cls(key, x509.load_pem_x509_certificate(cert_path.read_bytes()))
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, authority),
                x509.NameAttribute(NameOID.COMMON_NAME, f"{authority} Assessor devices CA"),
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
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
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
        return cls(key, certificate)

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
        try:
            csr = x509.load_pem_x509_csr(csr_pem)
        except ValueError as e:
            raise EnrolmentError("The certificate request is not a PEM request.") from e
        if not csr.is_signature_valid:
            raise EnrolmentError("The certificate request's signature does not hold.")
        key = csr.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
            raise EnrolmentError("The certificate request must carry an EC P-256 key.")
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
