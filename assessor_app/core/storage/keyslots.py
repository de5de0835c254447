"""Key slots, LUKS-style: the vault's 256-bit database key, stored only wrapped.

A passphrase slot wraps the key with AES-256-GCM under a key derived by Argon2id; the KDF
parameters are stored with the slot so each slot keeps the cost it was calibrated with. A
recovery slot seals the same key to the authority's recovery public key, given at enrolment
(`recovery_key.py`, decision 0005), so IT can open the profile when its passphrase is forgotten.
Changing a passphrase rewraps the same key; rotating the key itself goes through a *pending*
entry so a crash half-way through can always be finished on the next unlock. The slot file
holds no personal data. Nothing here touches SQL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from assessor_app.core.errors import (
    AssessorError,
    RecoveryError,
    VaultCorruptError,
    WrongPassphraseError,
)
from assessor_app.core.storage import recovery_key
from assessor_app.core.storage.atomic import write_atomic
from assessor_app.core.storage.wipe import wipe
from assessor_app.core.untrusted import load_untrusted_json

KEY_BYTES = 32
SLOT_FILE_FORMAT = 1
RECOVERY = "recovery"
"""The type (and id) of the slot sealed to the authority's recovery key."""
CALIBRATION_TARGET_SECONDS = 0.5


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters, stored with each slot."""

    memory_kib: int
    """Memory cost in KiB."""
    iterations: int
    """Time cost (passes)."""
    lanes: int = 1
    """Parallelism."""

    def derive(self, passphrase: str, salt: bytes) -> bytes:
        """Derive a 256-bit wrapping key from `passphrase`."""
        kdf = Argon2id(
            salt=salt,
            length=KEY_BYTES,
            iterations=self.iterations,
            lanes=self.lanes,
            memory_cost=self.memory_kib,
        )
        secret = passphrase.encode("utf-8")
        try:
            return kdf.derive(secret)
        finally:
            wipe(secret)


FAST_KDF_FOR_TESTS = KdfParams(memory_kib=8 * 1024, iterations=1)
"""Cheap parameters for tests and throwaway demo vaults only: never for a real profile."""


def calibrate_kdf(target_seconds: float = CALIBRATION_TARGET_SECONDS) -> KdfParams:
    """Pick Argon2id parameters that take about `target_seconds` on this machine.

    Memory is fixed at 64 MiB (OWASP's floor is 19 MiB); passes grow until the target is met.
    The first guess is timed itself and corrected once, because a lone pass also pays one-off
    costs (allocating the memory) that would make the estimate too low.
    """
    memory_kib = 64 * 1024

    def timed(iterations: int) -> float:
        start = time.perf_counter()
        KdfParams(memory_kib, iterations).derive("calibration", b"\0" * 16)
        return max(time.perf_counter() - start, 1e-3)

    guess = max(2, min(40, round(target_seconds / (timed(2) / 2))))
    iterations = max(2, min(40, round(guess * target_seconds / timed(guess))))
    return KdfParams(memory_kib=memory_kib, iterations=iterations)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _wrap_passphrase_slot(
    slot_id: str, key: bytes | bytearray, passphrase: str, kdf: KdfParams, aad: bytes
) -> dict[str, Any]:
    salt = secrets.token_bytes(16)
    nonce = secrets.token_bytes(12)
    wrapping_key = kdf.derive(passphrase, salt)
    try:
        ciphertext = AESGCM(wrapping_key).encrypt(nonce, key, aad)
    finally:
        wipe(wrapping_key)
    return {
        "id": slot_id,
        "type": "passphrase",
        "kdf": {"name": "argon2id", "salt": _b64(salt), **asdict(kdf)},
        "wrap": {"alg": "AES-256-GCM", "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)},
    }


def _unwrap_passphrase_slot(slot: dict[str, Any], passphrase: str, aad: bytes) -> bytes | None:
    try:
        kdf_spec = slot["kdf"]
        kdf = KdfParams(
            memory_kib=int(kdf_spec["memory_kib"]),
            iterations=int(kdf_spec["iterations"]),
            lanes=int(kdf_spec["lanes"]),
        )
        salt = _unb64(kdf_spec["salt"])
        nonce = _unb64(slot["wrap"]["nonce"])
        ciphertext = _unb64(slot["wrap"]["ciphertext"])
        wrapping_key = kdf.derive(passphrase, salt)
        try:
            return AESGCM(wrapping_key).decrypt(nonce, ciphertext, aad)
        finally:
            wipe(wrapping_key)
    except InvalidTag:
        return None
    except (KeyError, TypeError, ValueError) as e:
        # Missing fields, bad base64, impossible Argon2 costs, a short nonce: all damage.
        raise _damaged() from e


def _recovery_slot(key: bytes | bytearray, recipient: str, aad: bytes) -> dict[str, Any]:
    public = recovery_key.parse_public_key(recipient)
    return {
        "id": RECOVERY,
        "type": RECOVERY,
        "fingerprint": recovery_key.fingerprint(public),
        **recovery_key.seal(key, public, aad),
        "binding": recovery_key.binding(key, recipient, aad),
    }


def _recovery_problem(slots: list[dict[str, Any]], own: str) -> RecoveryError:
    """Why no recovery slot opened with the key whose public key is `own`."""
    if all(s.get("recipient") != own for s in slots):
        theirs = ", ".join(sorted({str(s.get("fingerprint", "?")) for s in slots}))
        ours = recovery_key.fingerprint(recovery_key.parse_public_key(own))
        return RecoveryError(
            f"That is not the recovery key this profile was enrolled with: the profile "
            f"expects the key with fingerprint {theirs}, and the file holds {ours}.",
            "Use the recovery key file that was in force when this laptop was enrolled. "
            "Nothing has been changed.",
        )
    return RecoveryError(
        "This profile's recovery slot has been changed or damaged, so the recovery key "
        "cannot open it.",
        "Restore the profile folder from a backup and try again. Nothing has been changed.",
    )


def _slots_well_formed(slots: Any) -> bool:
    return (
        isinstance(slots, list)
        and len(slots) > 0
        and all(
            isinstance(slot, dict)
            and isinstance(slot.get("type"), str)
            and isinstance(slot.get("id"), str)
            for slot in slots
        )
    )


def _checksum(data: dict[str, Any]) -> str:
    """SHA-256 over the file's content (not a MAC: it tells damage from a wrong passphrase)."""
    material = json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(material).hexdigest()


def _damaged() -> VaultCorruptError:
    return VaultCorruptError(
        "This profile's key file is damaged.",
        "Restore the profile folder from a backup, or ask IT for help. Nothing has been changed.",
    )


class KeySlots:
    """The slot file of one profile: `keyslots.json` beside the vault.

    Attributes:
        path: Where the file lives.
        data: Parsed content (slots, pending rotation).
    """

    def __init__(self, path: Path, data: dict[str, Any]):
        self.path = path
        self.data = data

    @property
    def _aad(self) -> bytes:
        # Binding the profile id stops a slot being copied between profiles.
        return f"assessor-vault:{self.data['profile_id']}".encode()

    @classmethod
    def create(
        cls, path: Path, profile_id: str, passphrase: str, kdf: KdfParams
    ) -> tuple[KeySlots, bytes]:
        """Make a fresh random database key and a slot file with one passphrase slot."""
        key = secrets.token_bytes(KEY_BYTES)
        slots = cls(path, {"format": SLOT_FILE_FORMAT, "profile_id": profile_id, "slots": []})
        slots.data["slots"].append(
            _wrap_passphrase_slot("passphrase", key, passphrase, kdf, slots._aad)
        )
        slots.save()
        return slots, key

    @classmethod
    def load(cls, path: Path) -> KeySlots:
        """Read and sanity-check a slot file."""
        try:
            data = load_untrusted_json(path.read_bytes())
        except FileNotFoundError:
            raise
        except (OSError, ValueError) as e:
            raise VaultCorruptError(
                "This profile's key file cannot be read.",
                "Restore the profile folder from a backup, or ask IT for help.",
            ) from e
        if not isinstance(data, dict) or data.get("format") != SLOT_FILE_FORMAT:
            raise VaultCorruptError(
                "This profile's key file is not one this app understands.",
                "Restore the profile folder from a backup, or update the app.",
            )
        slot_lists = [data.get("slots")]
        if data.get("pending") is not None:
            pending = data["pending"]
            slot_lists.append(pending.get("slots") if isinstance(pending, dict) else None)
        if not isinstance(data.get("profile_id"), str) or not all(
            _slots_well_formed(slots) for slots in slot_lists
        ):
            raise _damaged()
        checksum = data.pop("checksum", None)
        if checksum is not None and checksum != _checksum(data):
            # A flipped bit in a wrapped key would otherwise read as a wrong passphrase and
            # count towards the back-off.
            raise _damaged()
        return cls(path, data)

    def save(self) -> None:
        """Write the slot file atomically (temp file, fsync, rename), with its checksum."""
        body = {**self.data, "checksum": _checksum(self.data)}
        write_atomic(self.path, json.dumps(body, indent=1).encode("utf-8"))

    def unlock(self, passphrase: str) -> list[bytes]:
        """Return the candidate database keys the passphrase opens.

        Normally one key. While a key rotation is pending, the pending key comes first and
        the current key second, so the caller can open the database with whichever it has.

        Raises:
            WrongPassphraseError: no slot opens with this passphrase.
        """
        keys: list[bytes] = []
        self.sources: list[str] = []
        """Where each key `unlock` returned came from: "pending" or "current"."""
        pending = self.data.get("pending")
        if pending:
            for slot in pending["slots"]:
                if slot["type"] == "passphrase":
                    key = _unwrap_passphrase_slot(slot, passphrase, self._aad)
                    if key is not None:
                        keys.append(key)
                        self.sources.append("pending")
                        break
        for slot in self.data["slots"]:
            if slot["type"] == "passphrase":
                key = _unwrap_passphrase_slot(slot, passphrase, self._aad)
                if key is not None:
                    keys.append(key)
                    self.sources.append("current")
                    break
        if not keys:
            raise WrongPassphraseError()
        return keys

    def rewrap(self, key: bytes | bytearray, new_passphrase: str, kdf: KdfParams) -> None:
        """Replace the passphrase slot with one for `new_passphrase` around the same key."""
        self.data["slots"] = [s for s in self.data["slots"] if s["type"] != "passphrase"]
        self.data["slots"].insert(
            0, _wrap_passphrase_slot("passphrase", key, new_passphrase, kdf, self._aad)
        )
        self.save()

    @property
    def _recovery_aad(self) -> bytes:
        return self._aad + b"|recovery"

    def recovery_slot(self) -> dict[str, Any] | None:
        """The current recovery slot, or None when the profile has none."""
        return next((s for s in self.data["slots"] if s["type"] == RECOVERY), None)

    def set_recovery_slot(self, key: bytes | bytearray, recipient: str) -> None:
        """Seal `key` to the recovery public key `recipient`, replacing any recovery slot.

        Raises:
            ValueError: `recipient` is not a recovery public key (nothing is changed).
        """
        slot = _recovery_slot(key, recipient, self._recovery_aad)
        self.data["slots"] = [s for s in self.data["slots"] if s["type"] != RECOVERY] + [slot]
        self.save()

    def begin_rotation(
        self, passphrase: str, kdf: KdfParams, *, current_key: bytes | bytearray | None = None
    ) -> bytes:
        """Record a new key as pending (wrapped by the same passphrase) and return it.

        A recovery slot is carried over, sealed to the same public key, once its binding
        under `current_key` shows that public key is the one enrolment set.

        Raises:
            AssessorError: the profile has a slot this cannot carry over (of an unknown kind,
                a recovery slot without `current_key`, or one whose public key was changed);
                rotating would lock that slot out. Nothing is changed.
        """
        carried: list[dict[str, Any]] = []
        for slot in self.data["slots"]:
            if slot["type"] == "passphrase":
                continue
            if slot["type"] != RECOVERY or current_key is None:
                raise AssessorError(
                    "This profile has a key slot this version cannot carry over to a new "
                    "database key.",
                    "Update the app, or ask IT for help. Nothing has been changed.",
                )
            recipient = str(slot.get("recipient"))
            expected = recovery_key.binding(current_key, recipient, self._recovery_aad)
            if not hmac.compare_digest(str(slot.get("binding")), expected):
                raise AssessorError(
                    "This profile's recovery key slot was changed by something other than "
                    "this app, so it is not carried over to a new key.",
                    "Enrol the laptop again (which replaces the slot), or ask IT. Nothing has "
                    "been changed.",
                )
            carried.append(slot)
        new_key = secrets.token_bytes(KEY_BYTES)
        pending = [_wrap_passphrase_slot("passphrase", new_key, passphrase, kdf, self._aad)]
        pending += [
            _recovery_slot(new_key, str(s["recipient"]), self._recovery_aad) for s in carried
        ]
        self.data["pending"] = {"slots": pending}
        self.save()
        return new_key

    def recover(self, private: X25519PrivateKey) -> list[tuple[bytes, str]]:
        """The candidate database keys the recovery key opens, with where each came from.

        As with `unlock`, a pending key (a rotation cut short) comes before the current one;
        the caller keeps whichever opens the records file.

        Raises:
            RecoveryError: the profile has no recovery slot, the key is not the one it was
                enrolled with, or the slot was changed or damaged.
        """
        own = recovery_key.public_key_text(private.public_key())
        pending = self.data.get("pending") or {}
        sources = [(s, "pending") for s in pending.get("slots", []) if s["type"] == RECOVERY]
        sources += [(s, "current") for s in self.data["slots"] if s["type"] == RECOVERY]
        if not sources:
            raise RecoveryError(
                "This profile has no recovery key slot: it was made before this laptop was "
                "enrolled, or enrolled with a gateway that had no recovery key.",
                "The recovery key cannot open it. Only its own passphrase can; nothing has "
                "been changed.",
            )
        found: list[tuple[bytes, str]] = []
        for slot, source in sources:
            if slot.get("recipient") != own:
                continue
            try:
                key = recovery_key.unseal(slot, private, self._recovery_aad)
            except (KeyError, TypeError, ValueError):
                key = None  # damaged: reported below unless another slot opens
            if key is not None:
                found.append((key, source))
        if not found:
            raise _recovery_problem([s for s, _ in sources], own)
        return found

    def replace_passphrase_after_recovery(
        self, key: bytes | bytearray, source: str, recipient: str, passphrase: str, kdf: KdfParams
    ) -> None:
        """Put the recovered `key` under a new passphrase, and seal a fresh recovery slot.

        `source` says which key the recovery opened the records file with: "pending" (a
        rotation had re-encrypted the file before it was cut short) makes the pending key
        current; "current" forgets any pending one. Written in one atomic save.
        """
        pending = self.data.pop("pending", None)
        if source == "pending" and pending:
            if pending.get("anchored"):
                self.data["anchored"] = pending["anchored"]
        self.data["slots"] = [
            _wrap_passphrase_slot("passphrase", key, passphrase, kdf, self._aad),
            _recovery_slot(key, recipient, self._recovery_aad),
        ]
        self.save()

    def finish_rotation(self) -> None:
        """Make the pending key current once the database has been rekeyed to it."""
        pending = self.data.pop("pending", None)
        if pending:
            self.data["slots"] = pending["slots"]
            if pending.get("anchored"):
                self.data["anchored"] = pending["anchored"]
        self.save()

    def describe(self) -> list[dict[str, Any]]:
        """Slot ids, types and KDF costs, for `vault info`. Never key material or salts."""
        out = []
        for slot in self.data["slots"]:
            kdf = slot.get("kdf", {})
            if slot["type"] == RECOVERY:
                out.append(
                    {
                        "id": slot["id"],
                        "type": slot["type"],
                        "alg": slot.get("alg"),
                        "fingerprint": slot.get("fingerprint"),
                    }
                )
                continue
            out.append(
                {
                    "id": slot["id"],
                    "type": slot["type"],
                    "kdf": kdf.get("name"),
                    "memory_kib": kdf.get("memory_kib"),
                    "iterations": kdf.get("iterations"),
                }
            )
        return out
