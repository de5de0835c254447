"""The authority's recovery key on the gateway: only its public half, which enrolment hands out.

`create` makes the pair, writes the private half to a file IT takes away (under a passphrase,
see `assessor_app.core.storage.recovery_key`) and keeps only the public half here, in
``<data>/recovery/recovery-public.json``. A demo gateway (`serve` with its development
certificate) makes a demo pair on first start, its private file and passphrase beside it,
and says so: for trying recovery out, never for real people's records.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from assessor_app.core.errors import AssessorError
from assessor_app.core.passphrases import require_strong_enough
from assessor_app.core.storage import recovery_key
from assessor_app.core.storage.atomic import write_atomic
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS, KdfParams, calibrate_kdf

__all__ = [
    "DEMO_KEY_FILE",
    "DEMO_PASSPHRASE_FILE",
    "PUBLIC_FILE",
    "RecoveryKeyProblem",
    "RecoveryPublicKey",
    "create",
    "ensure_demo",
    "load_public",
]

PUBLIC_FILE = Path("recovery") / "recovery-public.json"
"""Where, in the gateway's data folder, the recovery public key is kept."""
DEMO_KEY_FILE = Path("recovery") / "DEMO-recovery-key.json"
DEMO_PASSPHRASE_FILE = Path("recovery") / "DEMO-recovery-key.passphrase"


class RecoveryKeyProblem(ValueError):
    """A recovery key that cannot be made or read; the message says what to do."""


@dataclass(frozen=True)
class RecoveryPublicKey:
    """The public half the gateway hands to laptops at enrolment."""

    text: str
    """``x25519:…``, as the enrolment answer carries it."""
    fingerprint: str
    """20 digits to read aloud, the same as the private key file shows."""
    created_at: str
    demo: bool
    """Made by a demo gateway, its private half beside it: not for real records."""


def load_public(data: Path) -> RecoveryPublicKey | None:
    """The gateway's recovery public key, or None when none has been made.

    Raises:
        RecoveryKeyProblem: the file is there but cannot be read.
    """
    path = data / PUBLIC_FILE
    try:
        body = json.loads(path.read_text("utf-8"))
        text = str(body["public_key"])
        public = recovery_key.parse_public_key(text)
        return RecoveryPublicKey(
            text, recovery_key.fingerprint(public), str(body["created_at"]), bool(body["demo"])
        )
    except FileNotFoundError:
        return None
    except (OSError, KeyError, TypeError, ValueError) as e:
        raise RecoveryKeyProblem(
            f"{path} cannot be read ({e}). Restore it from a backup, or make a new recovery "
            "key with 'assessor-gateway recovery-key create --replace'."
        ) from e


def check_can_create(
    data: Path, out: Path, *, replace: bool = False, demo: bool = False
) -> RecoveryPublicKey | None:
    """Refuse a `create` that cannot go ahead, before anyone types a passphrase for it.

    Returns the recovery key it would replace (a demo one, or any with `replace`).

    Raises:
        RecoveryKeyProblem: see `create`.
    """
    existing = load_public(data)
    if existing is not None and not existing.demo and not replace:
        raise RecoveryKeyProblem(
            f"This gateway already has a recovery key (fingerprint {existing.fingerprint}). "
            "Laptops enrolled with it need its private file to be recovered; give --replace "
            "only to make a new one for laptops enrolled from now on."
        )
    if out.exists():
        raise RecoveryKeyProblem(
            f"{out.absolute()} already exists: name a new file for the private key."
        )
    if not demo and out.resolve().is_relative_to(data.resolve()):
        raise RecoveryKeyProblem(
            "The private recovery key must not stay on the gateway: write it (--out) to "
            "removable media or IT's key store, not inside the gateway's data folder."
        )
    return existing


def create(
    data: Path,
    out: Path,
    passphrase: str,
    *,
    kdf: KdfParams | None = None,
    replace: bool = False,
    demo: bool = False,
) -> RecoveryPublicKey:
    """Make a recovery key pair: the private half to `out`, the public half kept here.

    Raises:
        RecoveryKeyProblem: `out` exists, or (unless `demo`) is inside the gateway's data
            folder; a real recovery key exists and `replace` was not given; the passphrase is
            too weak. Nothing is written then.
    """
    existing = check_can_create(data, out, replace=replace, demo=demo)
    out = out.absolute()
    try:
        require_strong_enough(passphrase, what="recovery key passphrase")
    except AssessorError as e:
        raise RecoveryKeyProblem(str(e)) from e
    private = recovery_key.generate()
    public = recovery_key.public_key_text(private.public_key())
    made = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, recovery_key.private_key_file(private, passphrase, kdf or _kdf()))
    if existing is not None:
        stamp = existing.created_at.replace(":", "").replace("-", "")[:15]
        retired = data / PUBLIC_FILE.with_name(f"recovery-public.retired-{stamp}.json")
        (data / PUBLIC_FILE).replace(retired)
    body = {"public_key": public, "created_at": made, "demo": demo, "private_key_file": str(out)}
    write_atomic(data / PUBLIC_FILE, (json.dumps(body, indent=1) + "\n").encode(), mode=0o644)
    return RecoveryPublicKey(public, recovery_key.fingerprint(private.public_key()), made, demo)


def _kdf() -> KdfParams:
    # A recovery key file may leave the building on a USB stick: a full second of Argon2id.
    return calibrate_kdf(1.0)


def ensure_demo(data: Path) -> tuple[RecoveryPublicKey, bool]:
    """The gateway's recovery key, making a demo pair when there is none; (key, made now).

    The demo private file and its passphrase are written beside the public key: anyone with
    the gateway's folder can recover its laptops, which is why only a demo does this.
    """
    existing = load_public(data)
    if existing is not None:
        return existing, False
    passphrase = secrets.token_urlsafe(18)
    # Left by a start cut short before the public half was kept: no laptop has it.
    (data / DEMO_KEY_FILE).unlink(missing_ok=True)
    write_atomic(data / DEMO_PASSPHRASE_FILE, (passphrase + "\n").encode())
    # The passphrase sits beside the file, so a slow KDF would protect nothing.
    made = create(data, data / DEMO_KEY_FILE, passphrase, kdf=FAST_KDF_FOR_TESTS, demo=True)
    return made, True
