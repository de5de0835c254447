"""The profile's signing identity: its key kept in the vault, its certificate, whom it trusts.

`ProfileSigner` is the `pdf.signing.IdentitySource` the app hands to signing and checking, so
the PDF layer never reads the vault. Enrolment with the authority (the sync issue) installs an
issued certificate for the same key (`signing_request`, then `install_enrolled_certificate`,
which also trusts the issuing root); PDFs signed before keep the certificate they were signed
with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from assessor_app.core.errors import ValidationError
from assessor_app.core.pdf.signing import (
    SigningIdentity,
    accept_issued_certificate,
    certificate_request,
    new_self_signed,
)
from assessor_app.core.pdf.verify import is_self_signed
from assessor_app.core.storage import device_keys
from assessor_app.core.storage.documents import add_trusted_root, trusted_roots
from assessor_app.core.storage.vault import Vault

if TYPE_CHECKING:
    from assessor_app.core.services.session import Session

__all__ = [
    "ProfileSigner",
    "install_certificate",
    "install_enrolled_certificate",
    "profile_signing_identity",
    "signing_request",
]


def profile_signing_identity(vault: Vault) -> SigningIdentity:
    """This profile's PDF signing identity, made (key and self-signed certificate) on first use."""
    profile = vault.profile
    stored = device_keys.pdf_signing_key(
        vault, lambda: new_self_signed(profile.name, profile.authority)
    )
    return SigningIdentity(stored.private_key_der, stored.certificate_der, stored.chain_der)


def install_certificate(
    session: Session, certificate_der: bytes, chain_der: Sequence[bytes] = ()
) -> SigningIdentity:
    """Replace the profile's certificate with one an authority's CA issued for the same key.

    Returns:
        The identity that signs from now on.

    Raises:
        ValidationError: the certificate is for another key, is not for signing documents,
            has expired or is not yet valid, or was not issued by the first chain certificate.
            The current certificate stays in use.
    """
    vault = session.vault
    issued = accept_issued_certificate(profile_signing_identity(vault), certificate_der, chain_der)
    device_keys.replace_pdf_signing_certificate(
        vault, issued.certificate_der, list(issued.chain_der)
    )
    return issued


def signing_request(vault: Vault) -> bytes:
    """A PEM certificate request for this profile's PDF signing key (made on first use)."""
    return certificate_request(profile_signing_identity(vault))


def install_enrolled_certificate(
    vault: Vault, certificate_der: bytes, chain_der: Sequence[bytes]
) -> SigningIdentity:
    """Install the certificate the authority's CA issued at enrolment, and trust its root.

    The same checks as `install_certificate` (same key, valid now, for signing, issued by the
    first chain certificate), and the chain must end at a self-signed CA certificate, each
    link issued by the next. The certificate and the root are kept in one transaction.

    Raises:
        ValidationError: any check fails; nothing is changed.
    """
    issued = accept_issued_certificate(profile_signing_identity(vault), certificate_der, chain_der)
    root = _checked_root(chain_der)
    with vault.transaction():
        device_keys.replace_pdf_signing_certificate(
            vault, issued.certificate_der, list(issued.chain_der)
        )
        add_trusted_root(vault, root.public_bytes(serialization.Encoding.DER), _label(root))
    return issued


def _checked_root(chain_der: Sequence[bytes]) -> x509.Certificate:
    """The chain's last certificate, once the chain is seen to lead up to it."""
    not_a_chain = ValidationError(
        "The signing certificate did not come with the authority's CA certificate.",
        "Tell IT: the gateway must send its document signing CA with the certificate. The "
        "current certificate is still in use.",
    )
    try:
        chain = [x509.load_der_x509_certificate(bytes(c)) for c in chain_der]
    except ValueError as e:
        raise not_a_chain from e
    if not chain:
        raise not_a_chain
    for child, parent in zip(chain, chain[1:], strict=False):
        try:
            child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature) as e:
            raise not_a_chain from e
    root = chain[-1]
    try:
        is_ca = root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not (is_ca and is_self_signed(root)):
        raise not_a_chain
    return root


def _label(root: x509.Certificate) -> str:
    names = root.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
    return str(names[0].value) if names else root.subject.rfc4514_string()


@dataclass(frozen=True)
class ProfileSigner:
    """The unlocked profile as an `IdentitySource`."""

    vault: Vault

    def signing_identity(self) -> SigningIdentity:
        """The profile's identity (made on first use)."""
        return profile_signing_identity(self.vault)

    def trusted_roots(self) -> list[bytes]:
        """The authority CA certificates this profile trusts (none before enrolment)."""
        return trusted_roots(self.vault)
