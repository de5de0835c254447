"""Contribution files: one MDT member's part of a DST, sent to another on a USB stick or by email.

A file is the project's one signed, encrypted envelope (`sync.bundle`, decision 0013), kind
"dst-contribution": its header names the signer's key (`authority`), the DST record it was
written from (`device_id`) and the contribution's revision (`sequence`); the whole is signed by
the author's Ed25519 contribution key. The payload ``{"record_id", "signed"}`` is the item a
laptop sends the gateway, so a contribution travels the same whichever way it goes;
``signed`` is `sign_contribution`'s canonical JSON::

    {"record_person": {"nhs_number" and/or "authority_person_id", "date_of_birth",
                       "family_name"},
     "contribution": {...one contributions item...},
     "signer": {"name", "public_key"},           (Ed25519, raw 32 bytes, base64)
     "signature"}                                (Ed25519, base64)

The inner signature covers the canonical JSON of ``{"contribution": ..., "record_person": ...}``.
Only a contribution's author signs it: the signer's name must be the contributor's name, and
the envelope's signer must be the same key, so a member forwards someone else's contribution
by passing on the file unchanged. `record_person` stops a contribution being imported into
another person's DST (`check_same_person`).

The payload is sealed to every member whose key the writer knows (each opens it with their
own key, no passphrase) and, for members not known yet, under a key Argon2id derives from the
exchange passphrase the MDT agreed. Anyone who knows the passphrase can make a file that
verifies under their own key; what the signature adds is that a contribution cannot be changed
and still carry its author's key. So importing (`services.contributions`) binds each member's
key the first time it is seen, once the coordinator has confirmed its fingerprint
(`key_fingerprint`, read aloud by the member), and refuses any later contribution in their
name under another key (`check_signer_key`). Files in the format before this envelope
(``assessor.dst-contribution/1``) are refused with a message saying to export again.
Imports no Qt; writes files only through `storage.atomic.write_atomic`.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import hashlib
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from assessor_app.core.chc.merge import (
    InvalidContributionError,
    canonical_json,
    contribution_problems,
    validate_contribution,
)
from assessor_app.core.chc.record_person import (
    person_problems,
    validate_record_person,
)
from assessor_app.core.errors import AssessorError, StorageWriteError, ValidationError
from assessor_app.core.keys import key_fingerprint, public_key_b64
from assessor_app.core.passphrases import MIN_LEVEL, strength
from assessor_app.core.storage.atomic import write_atomic
from assessor_app.core.storage.keyslots import KdfParams
from assessor_app.core.untrusted import UntrustedJsonError, check_untrusted
from sync.bundle import (
    CONTRIBUTION_KIND,
    BundleError,
    BundleHeader,
    DamagedBundleError,
    LockedBundleError,
    Opened,
    PassphraseSlot,
    TamperedBundleError,
    member_encryption_key,
    member_key_id,
    new_bundle_id,
    open_contribution,
    seal_contribution,
)

__all__ = [
    "DEFAULT_EXCHANGE_KDF",
    "FILE_LIFETIME",
    "SUFFIX",
    "ContributionContentError",
    "ContributionFileError",
    "ContributionPassphraseError",
    "ContributionSignatureError",
    "ContributionSignerError",
    "ExchangeKdf",
    "ImportedContribution",
    "NotAContributionFileError",
    "PassphraseNeededError",
    "UnconfirmedMemberKeyError",
    "UnsupportedContributionFormatError",
    "check_exchange_passphrase",
    "check_signer_key",
    "export_contribution",
    "key_fingerprint",
    "public_key_b64",
    "read_contribution",
    "sign_contribution",
    "signed_digest",
    "verify_signed_contribution",
]

SUFFIX = ".dstc"
"""How the name of a contribution file ends (the app suggests it when exporting)."""
FILE_LIFETIME = dt.timedelta(days=90)
"""How long a file is taken after it is written: a DST is finished in weeks (the National
Framework's 28 days), and a stick found in a drawer months on should not speak for anyone."""

_LEGACY_FORMAT = b'"assessor.dst-contribution/'
"""How files from before the envelope begin (their `format`, near the top)."""
_ENVELOPE = b'"format":"assessor-bundle/1"'
_ENVELOPE_FAMILY = b'"format":"assessor-bundle/'
_OUR_KIND = b'"kind":"dst-contribution"'
_SNIFF_BYTES = 512
"""The header sorts first and is short: a file cut short still shows it in this much."""
_SALT_BYTES = 16
_MAX_FILE_BYTES = 4 * 1024 * 1024
_MIN_PASSPHRASE = 8
_NOTHING_IMPORTED = "Nothing has been imported."


# -- Errors ----------------------------------------------------------------------------------


class ContributionFileError(AssessorError):
    """A contribution file that cannot be imported. Nothing has been imported."""

    exit_code = 2


class NotAContributionFileError(ContributionFileError):
    """The file is missing, unreadable, damaged, or some other kind of file."""


class UnsupportedContributionFormatError(ContributionFileError):
    """A contribution file of another version of the format (made by a newer app)."""


class ContributionPassphraseError(ContributionFileError):
    """Decryption failed: the wrong passphrase, and the file is not sealed to this laptop."""

    exit_code = 3


class PassphraseNeededError(ContributionPassphraseError):
    """The file is not sealed to this member's key: only the MDT's passphrase opens it.

    Not a fault: ask for the passphrase and open it again.
    """

    def __init__(self) -> None:
        super().__init__(
            "This contribution file is locked with the passphrase your MDT agreed (it was not "
            "sealed to this laptop's key).",
            f"Type the MDT's exchange passphrase to open it. {_NOTHING_IMPORTED}",
        )


class ContributionSignatureError(ContributionFileError):
    """The contents were changed after they were signed, or the signature is malformed."""


class ContributionSignerError(ContributionSignatureError):
    """Signed by someone other than the contribution's author, or with a different key."""


class UnconfirmedMemberKeyError(ContributionSignerError):
    """The first contribution from a member: their key must be confirmed before it is bound.

    Not a fault in the file. The coordinator asks the member to read out their fingerprint
    (shown to them when they export) and imports again confirming `fingerprint`.
    """

    def __init__(self, name: str, fingerprint: str):
        super().__init__(
            f"This is the first contribution from {name[:100]} on this laptop. Their key's "
            f"fingerprint is {fingerprint}.",
            f"Ask {name[:100]} to read you the fingerprint the app showed them when they "
            "exported it (by phone or in person, not by the same email). If it is the same, "
            f"confirm it and import again. {_NOTHING_IMPORTED}",
        )
        self.name = name
        self.fingerprint = fingerprint


class ContributionContentError(ContributionFileError):
    """A signed contribution that breaks the tool's rules, or a malformed person identity.

    For example a level its domain lacks (Severe for Continence) or an unknown key.
    """


# -- KDF -------------------------------------------------------------------------------------


ExchangeKdf = KdfParams
"""Argon2id cost parameters stored in each file's envelope: the vault's own `KdfParams`."""


DEFAULT_EXCHANGE_KDF = ExchangeKdf(memory_kib=64 * 1024, iterations=3)
"""What a file is written with unless told otherwise: 64 MiB, 3 passes (about a quarter of a
second). A file sent by email can be attacked offline, so this is well above OWASP's floor."""

_MAX_MEMORY_KIB = 2 * DEFAULT_EXCHANGE_KDF.memory_kib
_MAX_ITERATIONS = 2 * DEFAULT_EXCHANGE_KDF.iterations
_MAX_LANES = 4
"""A file may ask for at most twice what this app writes (128 MiB, 6 passes: under a second).

The costs are chosen by whoever made the file and are paid before anything else can be
checked, so they are bounded to what the app itself writes, with room for one doubling."""


def _kdf_from(spec: Any) -> tuple[ExchangeKdf, bytes]:
    """KDF parameters from an envelope, refusing costs no app of ours writes.

    The bounds stop a doctored file making the reader allocate gigabytes or spin for a minute
    before the passphrase can even be checked.
    """
    if not isinstance(spec, dict) or spec.get("name") != "argon2id":
        raise _not_a_file(_DAMAGED)
    numbers: list[int] = []
    for name in ("memory_kib", "iterations", "lanes"):
        value = spec.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise _not_a_file(_DAMAGED)
        numbers.append(value)
    memory_kib, iterations, lanes = numbers
    if not (
        1 <= lanes <= _MAX_LANES
        and 8 * lanes <= memory_kib <= _MAX_MEMORY_KIB
        and 1 <= iterations <= _MAX_ITERATIONS
    ):
        raise _not_a_file(f"{_DAMAGED}, or it was not made by this app")
    salt = _unb64(spec.get("salt"))
    if salt is None or not _SALT_BYTES <= len(salt) <= 64:
        raise _not_a_file(_DAMAGED)
    return ExchangeKdf(memory_kib=memory_kib, iterations=iterations, lanes=lanes), salt


# -- Small helpers ---------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes | None:
    if not isinstance(text, str):
        return None
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


_OTHER_KIND = "it is some other kind of file, not one the app exported"
_DAMAGED = "it is damaged (part of it is missing or was changed)"


def _not_a_file(why: str, path: Path | None = None) -> NotAContributionFileError:
    chosen = (
        f"You chose {path.name}; a contribution file's name ends in {SUFFIX}. "
        if path is not None and path.suffix.lower() != SUFFIX
        else ""
    )
    return NotAContributionFileError(
        f"This is not a DST contribution file the app can open: {why}.",
        f"{chosen}Choose the contribution file ({SUFFIX}) the other MDT member sent you, or "
        f"ask them to send it again. {_NOTHING_IMPORTED}",
    )


def _tampered(why: str) -> ContributionSignatureError:
    return ContributionSignatureError(
        f"This contribution file was changed after its author signed it: {why}.",
        f"Do not use it. Ask the author to send a new file. {_NOTHING_IMPORTED}",
    )


# -- Writing ---------------------------------------------------------------------------------


def check_exchange_passphrase(passphrase: str) -> None:
    """Refuse an exchange passphrase too short or too easy to guess to lock a file with.

    Cheap (no key derivation), so a screen can check it as soon as it is typed and ask again.

    Raises:
        ValidationError: too short, or too easy to guess; the message says what would do.
    """
    if len(passphrase) < _MIN_PASSPHRASE:
        raise ValidationError(
            "That exchange passphrase is too short.",
            f"Agree one of at least {_MIN_PASSPHRASE} characters with the MDT; three random "
            "words are easy to share by phone.",
        )
    if strength(passphrase) < MIN_LEVEL:
        raise ValidationError(
            "That exchange passphrase is too easy to guess, and a file sent by email can be "
            "attacked offline.",
            "Agree three or more random words with the MDT: they are easy to share by phone.",
        )


def _passphrase_slot(passphrase: str, kdf: ExchangeKdf) -> PassphraseSlot:
    salt = secrets.token_bytes(_SALT_BYTES)
    spec = {
        "name": "argon2id",
        "salt": _b64(salt),
        "memory_kib": kdf.memory_kib,
        "iterations": kdf.iterations,
        "lanes": kdf.lanes,
    }
    return PassphraseSlot(spec, kdf.derive(passphrase, salt))


def _recipient_keys(recipients: Collection[str]) -> list[X25519PublicKey]:
    """The X25519 keys to seal to, from members' Ed25519 keys (base64), each once."""
    out: dict[str, X25519PublicKey] = {}
    for key_b64 in recipients:
        raw = _unb64(key_b64)
        if raw is None or len(raw) != 32 or key_b64 in out:
            continue  # not a key (cannot come from a binding): nobody to seal to
        try:
            out[key_b64] = member_encryption_key(Ed25519PublicKey.from_public_bytes(raw))
        except ValueError:
            continue
    return list(out.values())


def export_contribution(
    path: Path | str,
    contribution: Mapping[str, Any],
    record_person: Mapping[str, Any],
    *,
    record_id: str,
    passphrase: str | None,
    signing_key: Ed25519PrivateKey,
    recipients: Collection[str] = (),
    kdf: ExchangeKdf = DEFAULT_EXCHANGE_KDF,
    now: dt.datetime | None = None,
) -> None:
    """Write one member's contribution as a signed, encrypted contribution file.

    The contribution is checked first, so a file never carries a level its domain lacks. It
    is signed by `signing_key` in the name of its contributor (the payload the gateway
    takes, `sign_contribution`), sealed in the sync envelope (`sync.bundle`, kind
    "dst-contribution") to each of `recipients` and, when given, under the exchange
    passphrase, and written atomically (the old file or the new one, never half).

    Args:
        path: Where to write the file.
        contribution: The author's own item of the record's `contributions`.
        record_person: Who the DST is for (see `record_person_from`).
        record_id: The DST record it belongs to, here.
        passphrase: The exchange passphrase the MDT agreed (at least 8 characters), for
            members whose keys this laptop does not know; None to seal to `recipients` only.
        signing_key: The author's Ed25519 key.
        recipients: The Ed25519 keys (base64) of members known here, each of whom can open
            the file with their own key.
        kdf: Argon2id costs; the default unless testing.
        now: When it is written (the file expires `FILE_LIFETIME` later).

    Raises:
        InvalidContributionError: the contribution breaks a rule.
        ValidationError: the person's details are incomplete, the passphrase is too short,
            or there is neither a passphrase nor anyone to seal to.
        StorageWriteError: the file could not be written.
    """
    if passphrase is not None:
        check_exchange_passphrase(passphrase)
    keys = _recipient_keys(recipients)
    if passphrase is None and not keys:
        raise ValidationError(
            "No other member's key is known on this laptop, so nobody could open the file.",
            "Lock it with the passphrase your MDT agreed instead.",
        )
    signed = sign_contribution(contribution, record_person, signing_key)
    created = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    header = BundleHeader(
        kind=CONTRIBUTION_KIND,
        authority=member_key_id(signing_key.public_key()),
        device_id=record_id,
        bundle_id=new_bundle_id(),
        sequence=int(signed["contribution"]["revision"]),
        created=created,
        expires=created + FILE_LIFETIME,
    )
    slot = _passphrase_slot(passphrase, kdf) if passphrase is not None else None
    payload = {"record_id": record_id, "signed": signed}
    try:
        data = seal_contribution(header, payload, signing_key, keys, slot)
    except ValueError as e:  # more recipients than any MDT has
        raise ValidationError(
            "The file cannot be sealed to that many members.",
            "Lock it with the passphrase your MDT agreed instead.",
        ) from e
    try:
        write_atomic(Path(path), data)
    except OSError as e:
        raise StorageWriteError(
            "The contribution file could not be written.",
            "Check the USB stick or folder is there, not full and not read-only, then try "
            "again. Your contribution in this record is unchanged.",
        ) from e


# -- Reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedContribution:
    """A contribution read from a file: decrypted, its signature checked, its levels valid."""

    contribution: dict[str, Any]
    """The item, ready for `merge.merge_contributions`."""
    record_person: dict[str, str]
    """Whose DST it belongs to; pass to `check_same_person` before merging."""
    signer_name: str
    """Who signed it (always the contributor)."""
    signer_key_b64: str
    """The signer's Ed25519 public key (raw, base64), for `check_signer_key`."""
    record_id: str = ""
    """The DST record it belongs to on the laptop that wrote the file ("" through the
    gateway, which names the record itself)."""


def _read_file(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            data = f.read(_MAX_FILE_BYTES + 1)
    except FileNotFoundError as e:
        raise NotAContributionFileError(
            "The contribution file is not there.",
            f"Check the USB stick is plugged in and choose the file again. {_NOTHING_IMPORTED}",
        ) from e
    except OSError as e:
        raise NotAContributionFileError(
            "The contribution file cannot be read.",
            f"Copy it to this laptop and try again, or ask for a new copy. {_NOTHING_IMPORTED}",
        ) from e
    if len(data) > _MAX_FILE_BYTES:
        raise _not_a_file("it is far bigger than any contribution file", path)
    return data


def _refused_unopened(data: bytes, path: Path, error: BundleError) -> ContributionFileError:
    """What to tell someone whose file the envelope's parser refused."""
    start = data[:_SNIFF_BYTES]
    if _LEGACY_FORMAT in start:
        return UnsupportedContributionFormatError(
            "This contribution file was made by an earlier version of the app, whose files "
            "this version no longer opens.",
            f"Ask the sender to update the app and export their contribution again. "
            f"{_NOTHING_IMPORTED}",
        )
    if _ENVELOPE_FAMILY in start and _ENVELOPE not in start:
        return UnsupportedContributionFormatError(
            "This contribution file was made by a newer version of the app.",
            f"Update the app on this laptop, then import it again. {_NOTHING_IMPORTED}",
        )
    if isinstance(error, DamagedBundleError):
        ours = _OUR_KIND in start
        return _not_a_file(_DAMAGED if ours else _OTHER_KIND, path)
    return _not_a_file(_OTHER_KIND, path)


def _open(
    data: bytes, path: Path, passphrase: str | None, private: X25519PrivateKey | None
) -> Opened:
    def passphrase_key(spec: Any) -> bytes:
        if passphrase is None:
            raise PassphraseNeededError()
        kdf, salt = _kdf_from(spec)
        return kdf.derive(passphrase, salt)

    try:
        return open_contribution(data, private, passphrase_key)
    except TamperedBundleError as e:
        raise _tampered("its signature does not match its contents") from e
    except LockedBundleError as e:
        if not e.has_passphrase:
            raise ContributionPassphraseError(
                "This contribution file was sealed only to other MDT members' keys, not to "
                "this laptop's.",
                "Ask the sender to export it again locked with the passphrase your MDT agreed. "
                f"{_NOTHING_IMPORTED}",
            ) from e
        if passphrase is None:
            raise PassphraseNeededError() from e
        raise ContributionPassphraseError(
            "The passphrase is wrong, and the file was not sealed to this laptop's key.",
            "Check the exchange passphrase the MDT agreed (and Caps Lock) and try again; if it "
            f"still fails, ask the sender for a new file. {_NOTHING_IMPORTED}",
        ) from e
    except BundleError as e:
        raise _refused_unopened(data, path, e) from e


def _from_payload(opened: Opened, now: dt.datetime) -> ImportedContribution:
    """The contribution a file's payload holds, once it agrees with the file's header."""
    payload, header = opened.payload, opened.header
    try:
        check_untrusted(payload)
    except UntrustedJsonError as e:
        raise _tampered("its contents cannot be read") from e
    if set(payload) != {"record_id", "signed"} or payload["record_id"] != header.device_id:
        raise _tampered("its contents are not laid out as a contribution")
    imported = _checked(*_verified(payload["signed"]))
    if imported.signer_key_b64 != _b64(opened.signer_key):
        raise ContributionSignerError(
            "This contribution file was sealed by someone other than the contribution's author.",
            f"Ask the author to send their own file. {_NOTHING_IMPORTED}",
        )
    if imported.contribution["revision"] != header.sequence:
        raise _tampered("the revision it names is not the contribution's")
    if now > header.expires:
        raise ContributionFileError(
            f"This contribution file is out of date: it was made on {header.created.date()} "
            f"and files are taken for {FILE_LIFETIME.days} days.",
            f"Ask {imported.signer_name[:100]} to export their contribution again. "
            f"{_NOTHING_IMPORTED}",
        )
    return dataclasses.replace(imported, record_id=header.device_id)


def read_contribution(
    path: Path | str,
    *,
    passphrase: str | None,
    private: X25519PrivateKey | None = None,
    now: dt.datetime | None = None,
) -> ImportedContribution:
    """Open a contribution file: check its signature, decrypt it, check its author and levels.

    Nothing is imported here: the caller checks the person (`check_same_person`), optionally
    the signer's key (`check_signer_key`), then merges the contribution into the record.

    Args:
        path: The file.
        passphrase: The MDT's exchange passphrase, or None to open it by key only.
        private: This member's key (`sync.bundle.member_decryption_key` of their
            contribution key): tried first, so a file sealed to them needs no passphrase.
        now: The time to check the file's expiry against.

    Raises:
        NotAContributionFileError: missing, unreadable, damaged, or some other kind of file.
        UnsupportedContributionFormatError: another version of the format, older or newer.
        PassphraseNeededError: not sealed to `private`, and no passphrase was given.
        ContributionPassphraseError: the passphrase is wrong.
        ContributionSignatureError: the contents were changed after signing.
        ContributionSignerError: signed by someone other than the contribution's author.
        ContributionContentError: a level its domain lacks, an unknown key, a bad identity.
        ContributionFileError: out of date.
    """
    path = Path(path)
    opened = _open(_read_file(path), path, passphrase, private)
    return _from_payload(opened, now or dt.datetime.now(dt.UTC))


def _verified(payload: Any) -> tuple[dict[str, Any], dict[str, Any], str, str]:
    if not isinstance(payload, dict) or set(payload) != {
        "record_person",
        "contribution",
        "signer",
        "signature",
    }:
        raise _tampered("its contents are not laid out as a contribution")
    signer = payload["signer"]
    if (
        not isinstance(signer, dict)
        or set(signer) != {"name", "public_key"}
        or not isinstance(signer["name"], str)
    ):
        raise _tampered("the signer is not recorded properly")
    raw_key = _unb64(signer["public_key"])
    signature = _unb64(payload["signature"])
    if raw_key is None or len(raw_key) != 32 or signature is None or len(signature) != 64:
        raise _tampered("its signature is damaged")
    contribution, person = payload["contribution"], payload["record_person"]
    if not isinstance(contribution, dict) or not isinstance(person, dict):
        raise _tampered("its contents are not laid out as a contribution")
    try:
        message = canonical_json({"contribution": contribution, "record_person": person})
        Ed25519PublicKey.from_public_bytes(raw_key).verify(signature, message)
    except (InvalidSignature, InvalidContributionError, ValueError) as e:
        raise _tampered("the signature does not match its contents") from e
    return contribution, person, signer["name"], _b64(raw_key)


def _checked(
    contribution: dict[str, Any], person: dict[str, Any], signer_name: str, key_b64: str
) -> ImportedContribution:
    author = contribution.get("contributor_name")
    if signer_name != author:
        raise ContributionSignerError(
            "This contribution was signed by someone other than its author "
            f"(signed by '{signer_name[:100]}', written by '{str(author)[:100]}').",
            "Ask the author to send their own file: a contribution is only accepted as signed "
            f"by the member who wrote it. {_NOTHING_IMPORTED}",
        )
    problems = contribution_problems(contribution)
    identity_problems, person_out = person_problems(person)
    problems += identity_problems
    if problems:
        raise ContributionContentError(
            f"{signer_name[:100]}'s contribution file breaks the tool's rules: "
            + " ".join(problems),
            f"Ask {signer_name[:100]} to correct it and send a new revision (they may need to "
            f"update the app). {_NOTHING_IMPORTED}",
        )
    return ImportedContribution(
        contribution=validate_contribution(contribution),
        record_person=person_out,
        signer_name=signer_name,
        signer_key_b64=key_b64,
    )


def sign_contribution(
    contribution: Mapping[str, Any],
    record_person: Mapping[str, Any],
    signing_key: Ed25519PrivateKey,
) -> dict[str, Any]:
    """One contribution signed by its author, as a file carries it but not encrypted.

    What a laptop sends through the gateway (``POST /v1/dst/contributions``): the same
    signed payload a contribution file holds (`FORMAT`'s plaintext), so a contribution
    travels the same whichever way it goes, and is checked the same on arrival
    (`verify_signed_contribution`).

    Args:
        contribution: The author's own item of the record's `contributions`.
        record_person: Who the DST is for (see `record_person_from`).
        signing_key: The author's Ed25519 key.

    Raises:
        InvalidContributionError: the contribution breaks a rule.
        ValidationError: the person's details are incomplete.
    """
    item = validate_contribution(contribution)
    body = {"contribution": item, "record_person": validate_record_person(record_person)}
    return {
        **body,
        "signer": {"name": item["contributor_name"], "public_key": public_key_b64(signing_key)},
        "signature": _b64(signing_key.sign(canonical_json(body))),
    }


def verify_signed_contribution(payload: Any) -> ImportedContribution:
    """Check a signed contribution received from the gateway (or sent to it), as a file's.

    The signature must hold, its signer must be the contribution's author, and its levels
    and person must be valid; who the key belongs to is the caller's check
    (`check_signer_key` against the keys the gateway knows for the author).

    Raises:
        ContributionSignatureError: changed after it was signed, or malformed.
        ContributionSignerError: signed by someone other than the contribution's author.
        ContributionContentError: a level its domain lacks, an unknown key, a bad identity.
    """
    return _checked(*_verified(payload))


def signed_digest(payload: Mapping[str, Any]) -> str:
    """A signed contribution's stable id: the SHA-256 of its canonical JSON, in hex.

    The same contribution revision signed by the same key always has the same digest, so
    one that arrives twice (by file and through the gateway, or in two syncs) counts once.
    """
    return hashlib.sha256(canonical_json(dict(payload))).hexdigest()


def check_signer_key(
    imported: ImportedContribution, expected_key_b64: str | Collection[str]
) -> None:
    """Refuse a contribution signed with another key than the one its author used before.

    Anyone who knows the exchange passphrase can re-sign a changed contribution in the
    author's name with their own key; comparing with the key seen on the author's earlier
    files (or one they read out by phone) catches that. Through the gateway the expected
    keys are the ones it registered for the author's laptops at enrolment (a store of
    authors' keys: any of them will do).

    Args:
        imported: The contribution read.
        expected_key_b64: The author's key, or every key the gateway knows for the author.

    Raises:
        ContributionSignerError: the key is not one of those expected.
    """
    expected = [expected_key_b64] if isinstance(expected_key_b64, str) else expected_key_b64
    if not any(secrets.compare_digest(imported.signer_key_b64, k) for k in expected):
        name = imported.signer_name[:100]
        raise ContributionSignerError(
            f"This contribution is signed with a different key from the one {name} used "
            "before, so it may not be theirs.",
            f"Ask {name} whether they sent it, or changed laptops, before importing it. "
            f"{_NOTHING_IMPORTED}",
        )
