"""The profile's own signing keys, generated on first use and kept in the encrypted vault.

Never written anywhere else: a key leaves the vault only as a signature. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)

from assessor_app.core.storage.vault import Vault

__all__ = ["CONTRIBUTION_KEY", "contribution_signing_key"]

CONTRIBUTION_KEY = "mdt_contribution"
"""Purpose of the Ed25519 key that signs DST contribution files."""


def contribution_signing_key(vault: Vault) -> Ed25519PrivateKey:
    """This profile's key for signing MDT contribution files, made the first time it is needed."""
    with vault.transaction() as conn:
        row = conn.execute(
            "SELECT private_key FROM device_key WHERE purpose = ?", (CONTRIBUTION_KEY,)
        ).fetchone()
        if row is not None:
            return Ed25519PrivateKey.from_private_bytes(bytes(row[0]))
        key = Ed25519PrivateKey.generate()
        raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        conn.execute(
            "INSERT INTO device_key (purpose, algorithm, private_key, created_at) "
            "VALUES (?, 'ed25519', ?, ?)",
            (CONTRIBUTION_KEY, raw, dt.datetime.now(dt.UTC).isoformat()),
        )
        return key
