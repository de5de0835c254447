"""The profile's own signing keys, generated on first use and kept in the encrypted vault.

Never written anywhere else: a key leaves the vault only as a signature. Two keys so far:
the Ed25519 key that signs MDT contribution files, and the ECDSA P-256 key that signs PDFs,
stored with its X.509 certificate and, once enrolled, the issuing CA chain. Making the PDF
key's certificate is `core.pdf.signing`'s job; this module only stores it. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from asn1crypto import pem
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)

from assessor_app.core.errors import VaultCorruptError
from assessor_app.core.storage import history
from assessor_app.core.storage.vault import Vault

__all__ = [
    "CONTRIBUTION_KEY",
    "PDF_SIGNING_KEY",
    "StoredSigningKey",
    "contribution_signing_key",
    "existing_contribution_signing_key",
    "pdf_signing_key",
    "replace_pdf_signing_certificate",
]

CONTRIBUTION_KEY = "mdt_contribution"
"""Purpose of the Ed25519 key that signs DST contribution files."""
PDF_SIGNING_KEY = "pdf_signing"
"""Purpose of the ECDSA P-256 key that signs PDFs (PAdES)."""


def existing_contribution_signing_key(vault: Vault) -> Ed25519PrivateKey | None:
    """This profile's contribution key if it has one yet; never makes one (a read only).

    A file sealed to this member can only be sealed to a key that exists, so opening one
    needs no key to be made, and a refused import then writes nothing.
    """
    row = vault.conn.execute(
        "SELECT private_key FROM device_key WHERE purpose = ?", (CONTRIBUTION_KEY,)
    ).fetchone()
    return None if row is None else Ed25519PrivateKey.from_private_bytes(bytes(row[0]))


def contribution_signing_key(vault: Vault) -> Ed25519PrivateKey:
    """This profile's key for signing MDT contribution files, made the first time it is needed."""
    with vault.transaction() as conn:
        existing = existing_contribution_signing_key(vault)
        if existing is not None:
            return existing
        key = Ed25519PrivateKey.generate()
        raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        conn.execute(
            "INSERT INTO device_key (purpose, algorithm, private_key, created_at) "
            "VALUES (?, 'ed25519', ?, ?)",
            (CONTRIBUTION_KEY, raw, dt.datetime.now(dt.UTC).isoformat()),
        )
        return key


@dataclass(frozen=True)
class StoredSigningKey:
    """The PDF signing key as stored: key, certificate and issuing chain, all DER."""

    private_key_der: bytes = field(repr=False)  # never in a log line or traceback
    """PKCS#8 DER of the private key."""
    certificate_der: bytes
    """X.509 DER of the current certificate."""
    chain_der: tuple[bytes, ...]
    """Issuing CA certificates, direct issuer first; () while self-signed."""


def pdf_signing_key(vault: Vault, make: Callable[[], tuple[bytes, bytes]]) -> StoredSigningKey:
    """The PDF signing key, made with `make()` (key DER, certificate DER) if there is none yet.

    Reading and making happen in one write transaction, so two windows asking at once
    still end up with one key.

    Raises:
        VaultCorruptError: a key row exists without its certificate.
    """
    with vault.transaction() as conn:
        row = conn.execute(
            "SELECT private_key, certificate, chain_pem FROM device_key WHERE purpose = ?",
            (PDF_SIGNING_KEY,),
        ).fetchone()
        if row is not None:
            if row[1] is None:
                raise VaultCorruptError(
                    "This profile's PDF signing key has lost its certificate.",
                    "Ask IT to restore the profile from a backup.",
                    work_is_safe=False,
                )
            return StoredSigningKey(bytes(row[0]), bytes(row[1]), _chain_from_pem(row[2]))
        key_der, cert_der = make()
        conn.execute(
            "INSERT INTO device_key (purpose, algorithm, private_key, created_at, certificate, "
            "chain_pem) VALUES (?, 'ecdsa-p256', ?, ?, ?, '')",
            (PDF_SIGNING_KEY, key_der, history.now_utc().isoformat(), cert_der),
        )
        history.append_audit(
            conn, vault.profile.id, "signing.create_key", "device_key", PDF_SIGNING_KEY
        )
        return StoredSigningKey(key_der, cert_der, ())


def replace_pdf_signing_certificate(
    vault: Vault, certificate_der: bytes, chain_der: Sequence[bytes]
) -> None:
    """Store a new certificate (and its chain) for the existing PDF signing key.

    The caller has checked that the certificate is for this key; the old certificate is not
    kept here because every PDF it signed carries it.
    """
    chain_pem = "".join(pem.armor("CERTIFICATE", bytes(c)).decode("ascii") for c in chain_der)
    with vault.transaction() as conn:
        conn.execute(
            "UPDATE device_key SET certificate = ?, chain_pem = ? WHERE purpose = ?",
            (bytes(certificate_der), chain_pem, PDF_SIGNING_KEY),
        )
        history.append_audit(
            conn, vault.profile.id, "signing.install_certificate", "device_key", PDF_SIGNING_KEY
        )


def _chain_from_pem(text: str | None) -> tuple[bytes, ...]:
    if not text:
        return ()
    return tuple(der for _, _, der in pem.unarmor(text.encode("ascii"), multiple=True))
