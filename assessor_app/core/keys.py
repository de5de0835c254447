"""How this app names a public key to people: base64 for files, a short fingerprint to read aloud.

Used wherever a person must tell one key from another: MDT members' contribution keys, the key
that signed an exported record. Imports no Qt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = ["key_fingerprint", "public_key_b64", "same_fingerprint"]


def public_key_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The raw 32-byte Ed25519 public key, base64: how a file names its signer's key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


def key_fingerprint(key_b64: str) -> str:
    """A key's short fingerprint, to read aloud: 20 digits in fives ("48210 93755 ...").

    The first 72 bits of the SHA-256 of the raw key, as 20 decimal digits (digits survive a
    bad phone line better than letters): far too many for anyone to make a key to match a
    given fingerprint.
    """
    try:
        raw = base64.b64decode(key_b64.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raw = key_b64.encode("utf-8", "replace")
    number = int.from_bytes(hashlib.sha256(raw).digest()[:9], "big") % 10**20
    digits = f"{number:020d}"
    return " ".join(digits[i : i + 5] for i in range(0, 20, 5))


def same_fingerprint(read_out: str | None, fingerprint: str) -> bool:
    """Whether a fingerprint as someone read it out (spaces or not) is `fingerprint`."""
    if read_out is None:
        return False
    return [c for c in read_out if c.isdigit()] == [c for c in fingerprint if c.isdigit()]
