"""The profile's signing identity: its key kept in the vault, its certificate, whom it trusts.

`ProfileSigner` is the `pdf.signing.IdentitySource` the app hands to signing and checking, so
the PDF layer never reads the vault. Enrolment with the authority (the sync issue) installs an
issued certificate for the same key through `install_certificate`; PDFs signed before keep the
certificate they were signed with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assessor_app.core.pdf.signing import (
    SigningIdentity,
    accept_issued_certificate,
    new_self_signed,
)
from assessor_app.core.storage import device_keys
from assessor_app.core.storage.documents import trusted_roots
from assessor_app.core.storage.vault import Vault

if TYPE_CHECKING:
    from assessor_app.core.services.session import Session

__all__ = ["ProfileSigner", "install_certificate", "profile_signing_identity"]


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
