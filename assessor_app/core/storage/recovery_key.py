"""The authority's recovery key: an X25519 key pair that can open any profile enrolled with it.

The public half travels to laptops at enrolment and becomes a *recovery slot* in the profile's
key file (`keyslots.py`): the vault's database key sealed to it (decision 0005: an ephemeral
X25519 exchange, HKDF-SHA256, AES-256-GCM, in the manner of HPKE's base mode). The private half
lives only in a file IT keeps off the gateway, under a passphrase (Argon2id + AES-256-GCM, the
same wrapping as a passphrase slot). Nothing here touches SQL or the vault.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
from dataclasses import asdict
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from assessor_app.core.errors import RecoveryError
from assessor_app.core.keys import key_fingerprint
from assessor_app.core.storage import keyslots  # a cycle: keyslots seals with this module
from assessor_app.core.storage.wipe import wipe
from assessor_app.core.untrusted import UntrustedJsonError, load_untrusted_json

__all__ = [
    "PUBLIC_KEY_PREFIX",
    "SEAL_ALGORITHM",
    "binding",
    "fingerprint",
    "generate",
    "load_private_key",
    "parse_public_key",
    "private_key_file",
    "public_key_text",
    "seal",
    "unseal",
]

PUBLIC_KEY_PREFIX = "x25519:"
"""How a recovery public key is written as text: this prefix, then the raw 32 bytes, base64."""
SEAL_ALGORITHM = "X25519-HKDF-SHA256-AES-256-GCM"
"""The name a recovery slot carries for how it was sealed."""
FILE_KIND = "assessor-recovery-key"
FILE_FORMAT = 1
_SEAL_INFO = b"assessor-recovery-slot/1"
_BINDING_INFO = b"assessor-recovery-binding/1"
_FILE_AAD = b"assessor-recovery-key-file/1"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def _raw(public: X25519PublicKey) -> bytes:
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def generate() -> X25519PrivateKey:
    """A new recovery key pair."""
    return X25519PrivateKey.generate()


def public_key_text(public: X25519PublicKey) -> str:
    """The public key as the gateway sends it: ``x25519:`` and the raw key in base64."""
    return PUBLIC_KEY_PREFIX + _b64(_raw(public))


def parse_public_key(text: object) -> X25519PublicKey:
    """Read a public key written by `public_key_text`.

    Raises:
        ValueError: not such a key (wrong prefix, not base64, not 32 bytes).
    """
    if not isinstance(text, str) or not text.startswith(PUBLIC_KEY_PREFIX):
        raise ValueError("not an x25519: recovery public key")
    try:
        raw = _unb64(text[len(PUBLIC_KEY_PREFIX) :])
    except (binascii.Error, UnicodeEncodeError) as e:
        raise ValueError("the recovery public key is not base64") from e
    if len(raw) != 32:
        raise ValueError("a recovery public key is 32 bytes")
    return X25519PublicKey.from_public_bytes(raw)


def fingerprint(public: X25519PublicKey) -> str:
    """The key's fingerprint to read aloud (20 digits in fives), as for other keys here."""
    return key_fingerprint(_b64(_raw(public)))


def _seal_key(shared: bytes, ephemeral: bytes, recipient: bytes, context: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=_SEAL_INFO + ephemeral + recipient + context,
    ).derive(shared)


def seal(secret: bytes | bytearray, recipient: X25519PublicKey, context: bytes) -> dict[str, str]:
    """Encrypt `secret` so only the holder of `recipient`'s private key can read it.

    `context` (the profile's slot AAD) is bound into both the key derivation and the AEAD,
    so a sealed slot cannot be moved to another profile.
    """
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = _raw(ephemeral.public_key())
    recipient_raw = _raw(recipient)
    shared = ephemeral.exchange(recipient)
    key = _seal_key(shared, ephemeral_raw, recipient_raw, context)
    nonce = secrets.token_bytes(12)
    try:
        ciphertext = AESGCM(key).encrypt(nonce, bytes(secret), context + recipient_raw)
    finally:
        wipe(key, shared)
    return {
        "alg": SEAL_ALGORITHM,
        "recipient": public_key_text(recipient),
        "ephemeral": _b64(ephemeral_raw),
        "nonce": _b64(nonce),
        "ciphertext": _b64(ciphertext),
    }


def unseal(sealed: dict[str, Any], private: X25519PrivateKey, context: bytes) -> bytes | None:
    """The secret `seal` sealed to `private`'s public key; None when it will not open.

    Raises:
        ValueError: the sealed value is malformed (missing fields, bad base64, another
            algorithm).
    """
    if sealed.get("alg") != SEAL_ALGORITHM:
        raise ValueError(f"a recovery slot sealed with {sealed.get('alg')!r}")
    ephemeral_raw = _unb64(sealed.get("ephemeral"))
    nonce = _unb64(sealed.get("nonce"))
    ciphertext = _unb64(sealed.get("ciphertext"))
    recipient_raw = _raw(private.public_key())
    shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_raw))
    key = _seal_key(shared, ephemeral_raw, recipient_raw, context)
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, context + recipient_raw)
    except InvalidTag:
        return None
    finally:
        wipe(key, shared)


def binding(vault_key: bytes | bytearray, recipient: str, context: bytes) -> str:
    """A MAC, under the vault's own key, over which public key the recovery slot is for.

    Anyone can seal a key to a public key, and the slot file is not secret: without this, a
    slot's public key swapped for someone else's would be carried over at the next key
    rotation, sealing the new key to them. Rotation checks it first.
    """
    mac_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_BINDING_INFO).derive(
        bytes(vault_key)
    )
    try:
        return _b64(hmac.new(mac_key, context + recipient.encode("ascii"), "sha256").digest())
    finally:
        wipe(mac_key)


def private_key_file(private: X25519PrivateKey, passphrase: str, kdf: keyslots.KdfParams) -> bytes:
    """The private key file's content: the key wrapped under `passphrase`, with its public key.

    The public key and its fingerprint are in clear, so IT can tell which file is which
    without the passphrase.
    """
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    public = public_key_text(private.public_key())
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    wrapping_key = kdf.derive(passphrase, salt)
    try:
        ciphertext = AESGCM(wrapping_key).encrypt(nonce, raw, _FILE_AAD + public.encode())
    finally:
        wipe(wrapping_key, raw)
    body = {
        "kind": FILE_KIND,
        "format": FILE_FORMAT,
        "public_key": public,
        "fingerprint": fingerprint(private.public_key()),
        "kdf": {"name": "argon2id", "salt": _b64(salt), **asdict(kdf)},
        "wrap": {"alg": "AES-256-GCM", "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)},
    }
    return (json.dumps(body, indent=1) + "\n").encode("utf-8")


def _not_a_key_file() -> RecoveryError:
    return RecoveryError(
        "That file is not the council's recovery key (or it is damaged).",
        "Check you named the recovery key file IT keeps (made by 'assessor-gateway "
        "recovery-key create'). Nothing has been changed.",
    )


def load_private_key(data: bytes, passphrase: str) -> X25519PrivateKey:
    """Open a recovery key file with its passphrase.

    Raises:
        RecoveryError: not a recovery key file, damaged, or the passphrase is wrong.
    """
    try:
        body = load_untrusted_json(data)
    except UntrustedJsonError as e:
        raise _not_a_key_file() from e
    if not isinstance(body, dict) or body.get("kind") != FILE_KIND:
        raise _not_a_key_file()
    if body.get("format") != FILE_FORMAT:
        raise RecoveryError(
            "That recovery key file was written by another version of the tools.",
            "Update the app, or use the tools that made it. Nothing has been changed.",
        )
    try:
        spec, wrap, public = body["kdf"], body["wrap"], str(body["public_key"])
        kdf = keyslots.KdfParams(
            int(spec["memory_kib"]), int(spec["iterations"]), int(spec["lanes"])
        )
        salt, nonce = _unb64(spec["salt"]), _unb64(wrap["nonce"])
        ciphertext = _unb64(wrap["ciphertext"])
        wrapping_key = kdf.derive(passphrase, salt)
    except (KeyError, TypeError, ValueError) as e:
        raise _not_a_key_file() from e
    try:
        raw = AESGCM(wrapping_key).decrypt(nonce, ciphertext, _FILE_AAD + public.encode())
    except InvalidTag:
        raise RecoveryError(
            "That passphrase doesn't open the recovery key file.",
            "Check it with whoever keeps the recovery key's passphrase, and try again. "
            "Nothing has been changed.",
        ) from None
    finally:
        wipe(wrapping_key)
    try:
        private = X25519PrivateKey.from_private_bytes(raw)
    except ValueError as e:
        raise _not_a_key_file() from e
    finally:
        wipe(raw)
    if not hmac.compare_digest(public_key_text(private.public_key()), public):
        raise _not_a_key_file()
    return private
