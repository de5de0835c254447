"""The signed, encrypted file envelope that carries sync between a laptop and the gateway.

Shared by both sides (decision 0007); imports no FastAPI and no Qt. A bundle is one JSON
object: a versioned header (format, kind, authority, device id, bundle id, sequence, created,
expires), the payload encrypted to the authority's bundle key (X25519, HKDF-SHA256,
AES-256-GCM with the header as associated data), and a signature over all of that by the
device key (ECDSA P-256, the key the gateway's CA certified at enrolment; the certificate
travels in the bundle, and the gateway checks it is one it issued). A receipt is the same
envelope the other way: its payload (hashes and answers only) is in clear, bound to the
device by its header, and signed by the authority's Ed25519 receipt key. Every failure to
read one is a `BundleError` whose message names the problem in plain words.

The way down (decision 0011) is the same envelope with the roles swapped: an inbound bundle
(kind "inbound": caseload pages, lease, orders) and an enrolment answer (kind "enrolment")
are encrypted to the device's own X25519 key, which the laptop sends in its enrolment
request, and signed by the authority's Ed25519 key (`seal_to_device`, `open_from_authority`).

An MDT member's DST contribution file (decision 0013) is the same envelope between two
laptops: kind "dst-contribution", signed by the member's Ed25519 contribution key, the payload
under a random key wrapped for each member whose key the writer knows (X25519 from their
Ed25519 key, as libsodium and age convert it) and, for members not known yet, under the MDT's
exchange passphrase (`seal_contribution`, `open_contribution`). Holding every reader's one
parser (`_parse`) in one module is why this file runs past the 400-line soft cap.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = [
    "CONTRIBUTION_KIND",
    "ENROLMENT_REQUEST_FORMAT",
    "FORMAT",
    "MAX_BUNDLE_BYTES",
    "AuthorityKey",
    "BundleError",
    "BundleHeader",
    "DamagedBundleError",
    "LockedBundleError",
    "Opened",
    "PassphraseSlot",
    "TamperedBundleError",
    "authority_key_text",
    "check_authority_signature",
    "endorsement_message",
    "kind_of",
    "member_decryption_key",
    "member_encryption_key",
    "member_key_id",
    "new_bundle_id",
    "open_bundle",
    "open_contribution",
    "open_from_authority",
    "open_receipt",
    "parse_authority_key",
    "seal_bundle",
    "seal_contribution",
    "seal_receipt",
    "seal_to_device",
    "write_atomic",
]

FORMAT = "assessor-bundle/1"
"""The envelope's format and version; a reader refuses any other."""
MAX_BUNDLE_BYTES = 512 * 1024 * 1024
"""The largest file read as a bundle (a bigger one is refused before it is parsed)."""
ENROLMENT_REQUEST_FORMAT = "assessor-enrolment-request/1"
"""What an enrolment request file says it is (its other fields are the online request's)."""
_ENDORSEMENT = b"assessor-bundle-key-endorsement/1|"
_KEY_PREFIX = "assessor-bundle-key/1"
_SEAL_INFO = b"assessor bundle payload v1"
CONTRIBUTION_KIND = "dst-contribution"
"""The kind of an MDT member's DST contribution file."""
_KINDS = ("outbound", "receipt", "inbound", "enrolment", CONTRIBUTION_KIND)
_MEMBER_KEY_PREFIX = b"assessor-member-key/1:"
_MAX_RECIPIENTS = 64
"""A contribution file is sealed to at most this many members (an MDT is a handful)."""
_P25519 = 2**255 - 19


class BundleError(Exception):
    """A bundle or receipt that cannot be used; the message says what is wrong and what to do."""


class DamagedBundleError(BundleError):
    """Not a complete envelope: cut short, changed so it no longer parses, or too big."""


class TamperedBundleError(BundleError):
    """A complete envelope whose signature does not hold: changed after it was signed."""


class LockedBundleError(BundleError):
    """Signed and whole, but none of the keys given opens its payload."""

    def __init__(self, message: str, *, has_passphrase: bool):
        super().__init__(message)
        self.has_passphrase = has_passphrase
        """Whether the file can be opened with a passphrase at all (or only by key)."""


@dataclass(frozen=True)
class AuthorityKey:
    """The public half of an authority's bundle key: to encrypt to, and to check receipts by."""

    encrypt: X25519PublicKey
    verify: Ed25519PublicKey

    @property
    def text(self) -> str:
        """The key as one line of text (what the enrolment answer carries)."""
        return authority_key_text(self.encrypt, self.verify)

    @property
    def id(self) -> str:
        """The authority's id in bundle headers: a digest of the key, so no name is trusted."""
        return hashlib.sha256(self.text.encode("ascii")).hexdigest()[:32]


def _raw(key: X25519PublicKey | Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not text")
    data = base64.b64decode(text, validate=True)
    # Only the one spelling of these bytes: a changed padding bit must not pass as unchanged.
    if _b64(data) != text:
        raise ValueError("not canonical base64")
    return data


def authority_key_text(encrypt: X25519PublicKey, verify: Ed25519PublicKey) -> str:
    """``assessor-bundle-key/1:<X25519>:<Ed25519>``, each part base64."""
    return f"{_KEY_PREFIX}:{_b64(_raw(encrypt))}:{_b64(_raw(verify))}"


def parse_authority_key(text: object) -> AuthorityKey:
    """The key from its text form.

    Raises:
        ValueError: Not a bundle key.
    """
    if not isinstance(text, str) or text.count(":") != 2:
        raise ValueError("not an authority bundle key")
    prefix, encrypt, verify = text.split(":")
    if prefix != _KEY_PREFIX:
        raise ValueError("not an authority bundle key")
    return AuthorityKey(
        X25519PublicKey.from_public_bytes(_unb64(encrypt)),
        Ed25519PublicKey.from_public_bytes(_unb64(verify)),
    )


def endorsement_message(bundle_key_text: str) -> bytes:
    """What the devices CA signs in an enrolment answer to vouch for the bundle key."""
    return _ENDORSEMENT + bundle_key_text.encode("ascii")


def new_bundle_id() -> str:
    """A fresh random bundle id."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class BundleHeader:
    """What a bundle says about itself, in clear (the payload is bound to it)."""

    kind: str
    """"outbound" (laptop to gateway); "receipt", "inbound" or "enrolment" (gateway to
    laptop); "dst-contribution" (one MDT member to another)."""
    authority: str
    """`AuthorityKey.id` of the authority it is for (or from); for a contribution, the
    `member_key_id` of the member who signed it (there is no authority between members)."""
    device_id: str
    """The device it is from (outbound) or for (receipt), as the gateway knows it; for a
    contribution, the id of the DST record it belongs to (on the laptop that wrote it)."""
    bundle_id: str
    """Random; a receipt carries the id of the bundle it answers."""
    sequence: int
    """Counts up by one per bundle each device writes: an older one is refused. For a
    contribution, the contribution's revision (a newer one replaces an older one)."""
    created: dt.datetime
    expires: dt.datetime

    def to_json(self) -> dict[str, Any]:
        """The header as a JSON object."""
        return {
            "format": FORMAT,
            "kind": self.kind,
            "authority": self.authority,
            "device_id": self.device_id,
            "bundle_id": self.bundle_id,
            "sequence": self.sequence,
            "created": self.created.isoformat(),
            "expires": self.expires.isoformat(),
        }

    @classmethod
    def from_json(cls, raw: Any) -> BundleHeader:
        """The header from untrusted JSON.

        Raises:
            ValueError: Malformed.
        """
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ValueError("not a bundle of this format")
        texts = [raw.get(k) for k in ("kind", "authority", "device_id", "bundle_id")]
        if not all(isinstance(t, str) and 0 < len(t) <= 200 for t in texts):
            raise ValueError("header fields malformed")
        sequence = raw.get("sequence")
        if not isinstance(sequence, int) or isinstance(sequence, bool) or not 0 < sequence < 2**62:
            raise ValueError("sequence malformed")
        created = dt.datetime.fromisoformat(str(raw.get("created")))
        expires = dt.datetime.fromisoformat(str(raw.get("expires")))
        if created.tzinfo is None or expires.tzinfo is None or texts[0] not in _KINDS:
            raise ValueError("header fields malformed")
        return cls(str(texts[0]), str(texts[1]), str(texts[2]), str(texts[3]), sequence, created,
                   expires)  # fmt: skip


@dataclass(frozen=True)
class Opened:
    """A bundle whose signature checked and whose payload decrypted."""

    header: BundleHeader
    payload: dict[str, Any]
    certificate_der: bytes
    """The signer's certificate, as the bundle carried it ("" for a receipt)."""
    signer_key: bytes = b""
    """A contribution's signer: the member's raw Ed25519 public key (b"" otherwise)."""


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _seal_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_INFO + ephemeral + recipient
    ).derive(shared)


def _sealed(head: dict[str, Any], payload: dict[str, Any], recipient: X25519PublicKey) -> Any:
    """`payload` encrypted to `recipient`, the header as associated data."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = _raw(ephemeral.public_key())
    key = _seal_key(ephemeral.exchange(recipient), ephemeral_raw, _raw(recipient))
    nonce = secrets.token_bytes(12)
    ciphertext = AESGCM(key).encrypt(nonce, _canonical(payload), _canonical(head))
    return {"ephemeral": _b64(ephemeral_raw), "nonce": _b64(nonce), "data": _b64(ciphertext)}


def _unseal(body: dict[str, Any], private: X25519PrivateKey) -> dict[str, Any]:
    """The payload `_sealed` encrypted to `private`'s public half.

    Raises:
        ValueError, TypeError, KeyError, InvalidTag: Not sealed to this key, or changed.
    """
    sealed = body.get("sealed")
    if not isinstance(sealed, dict):
        raise ValueError("no payload")
    ephemeral = _unb64(sealed.get("ephemeral"))
    shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral))
    key = _seal_key(shared, ephemeral, _raw(private.public_key()))
    plain = AESGCM(key).decrypt(
        _unb64(sealed.get("nonce")), _unb64(sealed.get("data")), _canonical(body["header"])
    )
    payload = json.loads(plain.decode("utf-8"))
    if not isinstance(payload, dict):
        raise ValueError("payload is not an object")
    return payload


def seal_bundle(
    header: BundleHeader,
    payload: dict[str, Any],
    authority: AuthorityKey,
    device_key: ec.EllipticCurvePrivateKey,
    certificate_der: bytes,
) -> bytes:
    """An outbound bundle: `payload` encrypted to `authority`, the whole signed by the device."""
    head = header.to_json()
    body = {
        "header": head,
        "sealed": _sealed(head, payload, authority.encrypt),
        "certificate": _b64(certificate_der),
    }
    signature = device_key.sign(_canonical(body), ec.ECDSA(hashes.SHA256()))
    return _canonical({**body, "signature": _b64(signature)})


def seal_receipt(header: BundleHeader, payload: dict[str, Any], signer: Ed25519PrivateKey) -> bytes:
    """A receipt: `payload` in clear, bound to its header, signed by the authority."""
    body = {"header": header.to_json(), "payload": payload}
    return _canonical({**body, "signature": _b64(signer.sign(_canonical(body)))})


def _parse(data: bytes, what: str) -> tuple[dict[str, Any], BundleHeader, bytes]:
    """The envelope's fields, its header and signature, without trusting any of them yet."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise DamagedBundleError(f"This file is too big to be a {what}. Nothing was changed.")
    try:
        raw = json.loads(data.decode("utf-8"))
        # Only the one spelling the writers use: no repeated keys, no second way to say it.
        if not isinstance(raw, dict) or _canonical(raw) != data:
            raise ValueError("not a canonical object")
        header = BundleHeader.from_json(raw.get("header"))
        signature = _unb64(raw.get("signature"))
    except (ValueError, RecursionError, TypeError) as e:
        raise DamagedBundleError(
            f"This file is not a complete {what}: it may have been cut short while it was "
            "being copied, or damaged. Nothing was changed; copy it again from where it was "
            "made."
        ) from e
    return {k: v for k, v in raw.items() if k != "signature"}, header, signature


def open_bundle(data: bytes, private: X25519PrivateKey, authority: AuthorityKey) -> Opened:
    """Check an outbound bundle's signature and decrypt it (the gateway side).

    The caller still checks the certificate is one its CA issued to the header's device, and
    the dates and sequence.

    Raises:
        BundleError: Unreadable, not for this authority, the signature fails, or tampered.
    """
    what = "sync bundle"
    body, header, signature = _parse(data, what)
    if header.kind != "outbound":
        what_it_is = {
            "receipt": "a receipt",
            CONTRIBUTION_KIND: "an MDT member's DST contribution (it goes to the other members)",
        }.get(header.kind, "a file from the gateway")
        raise BundleError(
            f"This file is {what_it_is}, not a bundle from a laptop. Nothing was changed."
        )
    if header.authority != authority.id:
        raise BundleError(
            "This bundle was made for another council's gateway, so it cannot be read here. "
            "Nothing was changed; check which laptop it came from."
        )
    tampered = BundleError(
        "This bundle has been changed since the laptop wrote it (its signature does not "
        "match), so none of it was taken. Nothing was changed; export it again on the laptop."
    )
    try:
        certificate_der = _unb64(body.get("certificate"))
        certificate = x509.load_der_x509_certificate(certificate_der)
        public = certificate.public_key()
        if not isinstance(public, ec.EllipticCurvePublicKey):
            raise ValueError("not an EC key")
        public.verify(signature, _canonical(body), ec.ECDSA(hashes.SHA256()))
        payload = _unseal(body, private)
    except (
        ValueError,
        TypeError,
        KeyError,
        RecursionError,
        InvalidSignature,
        InvalidTag,
        UnsupportedAlgorithm,
    ) as e:
        raise tampered from e
    return Opened(header, payload, certificate_der)


def open_receipt(data: bytes, authority: AuthorityKey, device_id: str) -> Opened:
    """Check a receipt is from `authority`, for `device_id`, and unchanged (the laptop side).

    Raises:
        BundleError: Unreadable, for another device or authority, or tampered.
    """
    body, header, signature = _parse(data, "receipt")
    if header.kind != "receipt":
        raise BundleError(
            "This file is a bundle for the council's gateway, not a receipt from it. Nothing "
            "was changed; take it to the gateway to import."
        )
    if header.authority != authority.id or header.device_id != device_id:
        raise BundleError(
            "This receipt is for another laptop or another council, so it was not used. "
            "Nothing was changed; ask IT for this laptop's receipt."
        )
    try:
        authority.verify.verify(signature, _canonical(body))
    except InvalidSignature as e:
        raise BundleError(
            "This receipt has been changed since the council's gateway wrote it (its signature "
            "does not match), so it was not used. Nothing was changed; ask IT for it again."
        ) from e
    payload = body.get("payload")
    if not isinstance(payload, dict):
        raise BundleError("This receipt holds nothing this app can read. Nothing was changed.")
    return Opened(header, payload, b"")


def seal_to_device(
    header: BundleHeader,
    payload: dict[str, Any],
    recipient: X25519PublicKey,
    signer: Ed25519PrivateKey,
) -> bytes:
    """An inbound bundle or enrolment answer: encrypted to the device, signed by the authority."""
    head = header.to_json()
    body = {"header": head, "sealed": _sealed(head, payload, recipient)}
    return _canonical({**body, "signature": _b64(signer.sign(_canonical(body)))})


def kind_of(data: bytes) -> str | None:
    """The kind a file's header names ("outbound", "receipt", ...); None if it is not one.

    Trusts nothing: it only chooses which reader to hand the file to, which checks it all.
    """
    try:
        return _parse(data, "file")[1].kind
    except BundleError:
        return None


_ENROLMENT_WHAT = "enrolment answer"
_INBOUND_WHAT = "file from the council"


def open_from_authority(
    data: bytes,
    private: X25519PrivateKey,
    kind: str,
    authority: AuthorityKey | None,
    device_id: str | None,
) -> Opened:
    """Decrypt a file the authority sealed to this device, and check who signed it.

    Args:
        data: The file.
        private: This device's X25519 key (the one whose public half enrolment sent).
        kind: "inbound" or "enrolment", the kind expected.
        authority: The authority's key to check the signature by; None for an enrolment
            answer, whose key is inside it (the caller checks the payload vouches for it,
            then calls `check_authority_signature`).
        device_id: The device it must be for (None for an enrolment answer: not known yet).

    Raises:
        BundleError: Unreadable, another kind, for another device or authority, or tampered.
    """
    what = _ENROLMENT_WHAT if kind == "enrolment" else _INBOUND_WHAT
    body, header, signature = _parse(data, what)
    if header.kind != kind:
        raise BundleError(
            f"This file is not a {what} (it is a file of another kind). Nothing was changed; "
            "check which file IT gave you."
        )
    if authority is not None and header.authority != authority.id:
        raise BundleError(
            f"This {what} comes from another council's gateway, so it was not used. Nothing "
            "was changed; ask IT for this laptop's file."
        )
    if device_id is not None and header.device_id != device_id:
        raise BundleError(
            f"This {what} was written for another laptop, so it was not used. Nothing was "
            "changed; ask IT for the file made for this laptop."
        )
    tampered = BundleError(
        f"This {what} has been changed since the council's gateway wrote it, or was written "
        "for another laptop, so it was not used. Nothing was changed; ask IT for it again."
    )
    try:
        if authority is not None:
            authority.verify.verify(signature, _canonical(body))
        payload = _unseal(body, private)
    except (ValueError, TypeError, KeyError, RecursionError, InvalidSignature, InvalidTag) as e:
        raise tampered from e
    return Opened(header, payload, b"")


def check_authority_signature(data: bytes, authority: AuthorityKey) -> None:
    """Check a file `open_from_authority` opened without a key was signed by `authority`.

    Raises:
        BundleError: It was not (the message says nothing was changed).
    """
    body, header, signature = _parse(data, _ENROLMENT_WHAT)
    try:
        if header.authority != authority.id:
            raise InvalidSignature
        authority.verify.verify(signature, _canonical(body))
    except InvalidSignature as e:
        raise BundleError(
            "This enrolment answer was not signed by the gateway it says it comes from, so "
            "the laptop was not enrolled. Nothing was changed; ask IT for the answer again."
        ) from e


# -- DST contribution files: member to member (decision 0013) --------------------------------


def member_key_id(signer: Ed25519PublicKey) -> str:
    """A member's id in a contribution's header: a digest of their Ed25519 key."""
    return hashlib.sha256(_MEMBER_KEY_PREFIX + _raw(signer)).hexdigest()[:32]


def member_encryption_key(signer: Ed25519PublicKey) -> X25519PublicKey:
    """The X25519 key a member's Ed25519 contribution key stands for (RFC 7748's map).

    The Edwards point's y becomes the Montgomery u = (1 + y) / (1 - y) mod p, as libsodium's
    ``crypto_sign_ed25519_pk_to_curve25519`` and age's ssh-ed25519 recipients do: members
    know each other's signing keys (bound by fingerprint or vouched for by the gateway) and
    no other key, so this is the key a file can be sealed to.

    Raises:
        ValueError: Not a key anything can be sealed to (the neutral point).
    """
    y = int.from_bytes(_raw(signer), "little") & ((1 << 255) - 1)
    if (1 - y) % _P25519 == 0:
        raise ValueError("not a key to seal to")
    u = (1 + y) * pow(1 - y, -1, _P25519) % _P25519
    return X25519PublicKey.from_public_bytes(u.to_bytes(32, "little"))


def member_decryption_key(signer: Ed25519PrivateKey) -> X25519PrivateKey:
    """The X25519 private half of `member_encryption_key`: the Ed25519 key's own scalar.

    That scalar is the first half of SHA-512 of the Ed25519 seed (RFC 8032), which X25519
    clamps as Ed25519 does (libsodium ``crypto_sign_ed25519_sk_to_curve25519``).
    """
    seed = signer.private_bytes_raw()
    return X25519PrivateKey.from_private_bytes(hashlib.sha512(seed).digest()[:32])


@dataclass(frozen=True)
class PassphraseSlot:
    """The payload's key wrapped under a passphrase: for members whose key is not known."""

    kdf: dict[str, Any]
    """The key derivation's name, salt and costs, as the file carries them (the caller's
    choice: this module derives nothing from passphrases)."""
    key: bytes = field(repr=False)
    """The 32-byte key the passphrase gives under `kdf`."""


def _wrap(key: bytes, content_key: bytes, aad: bytes) -> dict[str, str]:
    nonce = secrets.token_bytes(12)
    return {"nonce": _b64(nonce), "key": _b64(AESGCM(key).encrypt(nonce, content_key, aad))}


def _unwrap(key: bytes, slot: dict[str, Any], aad: bytes) -> bytes:
    return AESGCM(key).decrypt(_unb64(slot.get("nonce")), _unb64(slot.get("key")), aad)


def seal_contribution(
    header: BundleHeader,
    payload: dict[str, Any],
    signer: Ed25519PrivateKey,
    recipients: list[X25519PublicKey],
    passphrase: PassphraseSlot | None,
) -> bytes:
    """A contribution file: `payload` sealed to each recipient and/or a passphrase, signed.

    The payload is encrypted once under a random key (the header as associated data), and
    that key is wrapped for each recipient (X25519 with a fresh ephemeral key, HKDF-SHA256,
    as `_sealed` does for one) and under `passphrase`. The whole is signed by `signer`,
    whose public key travels in the file and whose `member_key_id` the header names.

    Raises:
        ValueError: No recipient and no passphrase (nobody could open it), or too many.
    """
    if not recipients and passphrase is None:
        raise ValueError("a contribution must be sealed to someone")
    if len(recipients) > _MAX_RECIPIENTS:
        raise ValueError("too many recipients")
    head = header.to_json()
    aad = _canonical(head)
    content_key, nonce = AESGCM.generate_key(bit_length=256), secrets.token_bytes(12)
    sealed: dict[str, Any] = {
        "nonce": _b64(nonce),
        "data": _b64(AESGCM(content_key).encrypt(nonce, _canonical(payload), aad)),
        "recipients": [],
    }
    for recipient in recipients:
        ephemeral = X25519PrivateKey.generate()
        ephemeral_raw = _raw(ephemeral.public_key())
        wrap = _seal_key(ephemeral.exchange(recipient), ephemeral_raw, _raw(recipient))
        sealed["recipients"].append(
            {"ephemeral": _b64(ephemeral_raw), **_wrap(wrap, content_key, aad)}
        )
    if passphrase is not None:
        sealed["passphrase"] = {"kdf": passphrase.kdf, **_wrap(passphrase.key, content_key, aad)}
    body = {"header": head, "sealed": sealed, "signer": _b64(_raw(signer.public_key()))}
    return _canonical({**body, "signature": _b64(signer.sign(_canonical(body)))})


def _content_key(
    sealed: dict[str, Any],
    aad: bytes,
    private: X25519PrivateKey | None,
    passphrase_key: Callable[[Any], bytes] | None,
) -> bytes | None:
    """The payload's key from the first slot `private` or the passphrase opens; None if none."""
    slots = sealed.get("recipients")
    if not isinstance(slots, list) or len(slots) > _MAX_RECIPIENTS:
        raise ValueError("recipients malformed")
    if private is not None:
        mine = _raw(private.public_key())
        for slot in slots:
            if not isinstance(slot, dict):
                raise ValueError("recipient malformed")
            ephemeral = _unb64(slot.get("ephemeral"))
            shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral))
            try:
                return _unwrap(_seal_key(shared, ephemeral, mine), slot, aad)
            except InvalidTag:
                continue  # another member's slot
    locked = sealed.get("passphrase")
    if passphrase_key is None or locked is None:
        return None
    if not isinstance(locked, dict):
        raise ValueError("passphrase slot malformed")
    # The caller checks the costs before deriving (they are chosen by whoever wrote the file).
    key = passphrase_key(locked.get("kdf"))
    try:
        return _unwrap(key, locked, aad)
    except InvalidTag:
        return None


def open_contribution(
    data: bytes,
    private: X25519PrivateKey | None,
    passphrase_key: Callable[[Any], bytes] | None,
) -> Opened:
    """Check a contribution file's signature, then open it with this member's key or the passphrase.

    The signature is checked first, by the key the file carries (who that key belongs to is
    the caller's question), so nothing changed after signing reaches a key derivation.

    Args:
        data: The file.
        private: This member's X25519 key (`member_decryption_key`), or None.
        passphrase_key: Given the file's passphrase `kdf` (untrusted), the key the MDT's
            passphrase derives under it; it checks the costs and raises its own error for
            ones no writer uses. None when no passphrase is known.

    Raises:
        DamagedBundleError: Cut short, changed so it no longer parses, or too big.
        BundleError: Another kind of envelope (a sync bundle or receipt).
        TamperedBundleError: Changed after it was signed.
        LockedBundleError: Neither `private` nor the passphrase opens it.
    """
    what = "contribution file"
    body, header, signature = _parse(data, what)
    if header.kind != CONTRIBUTION_KIND:
        raise BundleError(f"This is a {header.kind} file for sync, not a {what}.")
    try:
        signer = Ed25519PublicKey.from_public_bytes(_unb64(body.get("signer")))
        if header.authority != member_key_id(signer):
            raise InvalidSignature
        signer.verify(signature, _canonical(body))
    except (ValueError, TypeError, InvalidSignature) as e:
        raise TamperedBundleError(
            f"This {what} has been changed since it was signed. Nothing was changed."
        ) from e
    sealed, aad = body.get("sealed"), _canonical(body["header"])
    try:
        if not isinstance(sealed, dict):
            raise ValueError("no payload")
        content_key = _content_key(sealed, aad, private, passphrase_key)
        if content_key is None:
            raise LockedBundleError(
                f"Neither this member's key nor the passphrase opens this {what}.",
                has_passphrase="passphrase" in sealed,
            )
        plain = AESGCM(content_key).decrypt(
            _unb64(sealed.get("nonce")), _unb64(sealed.get("data")), aad
        )
        payload = json.loads(plain.decode("utf-8"))
    except (ValueError, TypeError, RecursionError, InvalidTag) as e:
        # Signed as it is, so its writer made it so: damaged before it was signed.
        raise DamagedBundleError(f"This {what} cannot be opened: it is damaged.") from e
    if not isinstance(payload, dict):
        raise DamagedBundleError(f"This {what} holds nothing this app can read.")
    return Opened(header, payload, b"", _raw(signer))


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so a pulled stick leaves no file that looks complete.

    Written owner-only to a temporary name beside it, flushed to the device, then renamed.
    """
    aside = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(aside, path)
    except BaseException:
        aside.unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
