"""The head of the history, kept outside the records file, so a rolled-back file is noticed.

The hash chains inside `vault.db` show that no entry was changed, but not where the history
ends: a file with its newest revisions dropped, or an older copy of the whole file, is a
perfectly good chain. So after every commit that adds to the audit log, the vault writes the
log's head (entry number and hash; since schema 5 the audit chain commits to every revision)
to `head.json` beside the key slots, under an HMAC whose key is derived from the database key,
which exists on disk only wrapped. On unlock and in `audit verify` the file must hold that
entry, with that hash: if it ends earlier, it was rolled back or swapped; if the entry differs,
the history was rewritten. Once the profile has an anchor, `keyslots.json` says so, so that
deleting `head.json` is noticed too.

A file that is ahead of its anchor is fine: a crash can fall between the commit and writing the
anchor. When a mismatch is found on unlock, the anchor that was expected is kept aside as
`head-mismatch.json`, and `audit verify` reports it until IT has dealt with it, because later
saves move `head.json` on. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from assessor_app.core.storage.atomic import write_atomic
from assessor_app.core.storage.database import Connection
from assessor_app.core.storage.wipe import wipe
from assessor_app.core.untrusted import UntrustedJsonError, load_untrusted_json

__all__ = [
    "ANCHOR_FILE",
    "MISMATCH_FILE",
    "AnchorProblem",
    "HeadAnchor",
    "check_anchor",
    "keep_mismatch",
    "marker",
    "read_anchor",
    "read_mismatch",
    "write_anchor",
]

ANCHOR_FILE = "head.json"
MISMATCH_FILE = "head-mismatch.json"
_FORMAT = "assessor.head-anchor/1"


@dataclass(frozen=True)
class HeadAnchor:
    """The audit log's head as this profile last saved it."""

    audit_seq: int
    """Number of the newest audit entry."""
    audit_hash: str
    """Its hash."""
    written_at: str
    """When the anchor was written (UTC, ISO 8601)."""


@dataclass(frozen=True)
class AnchorProblem:
    """Why the records file does not match the anchor."""

    kind: str
    """"rolled_back" (the file ends before the anchor), "rewritten" (the anchored entry
    differs), "missing" (the anchor was removed) or "damaged" (its MAC does not check)."""
    message: str
    """A plain description, naming entry numbers and dates, never personal data."""
    expected: HeadAnchor | None
    """The anchor that was expected, when it could be read."""

    def sentence(self) -> str:
        """The message as a sentence of its own, for a dialog."""
        return self.message[:1].upper() + self.message[1:] + "."


def _day(iso: str) -> str:
    try:
        day = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return iso[:10]
    return f"{day.day} {day:%B %Y}"


def _mac_key(db_key: bytes | bytearray) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"assessor head anchor v1"
    ).derive(db_key)


def _mac(db_key: bytes | bytearray, profile_id: str, seq: int, head: str, at: str) -> str:
    material = json.dumps([_FORMAT, profile_id, seq, head, at]).encode("utf-8")
    key = _mac_key(db_key)
    try:
        return hmac.new(key, material, hashlib.sha256).hexdigest()
    finally:
        wipe(key)


def marker(db_key: bytes | bytearray, profile_id: str) -> str:
    """What `keyslots.json` holds once a profile is anchored (see `Vault._check_anchor`).

    A MAC, so that someone without the key cannot make it afresh after tampering.
    """
    return _mac(db_key, profile_id, 0, "anchored", "")


def write_anchor(
    folder: Path, db_key: bytes | bytearray, profile_id: str, seq: int, head: str
) -> None:
    """Record `seq`/`head` as the newest audit entry, atomically (the old anchor or the new)."""
    at = dt.datetime.now(dt.UTC).isoformat()
    body = {
        "format": _FORMAT,
        "audit_seq": seq,
        "audit_hash": head,
        "written_at": at,
        "mac": _mac(db_key, profile_id, seq, head, at),
    }
    # An anchor that lags is allowed (the file ahead of it is fine), so the folder is not
    # synced: a power cut may keep the previous anchor, never a torn one.
    write_atomic(folder / ANCHOR_FILE, json.dumps(body).encode("utf-8"), durable_rename=False)


def read_anchor(
    folder: Path,
    db_keys: Sequence[bytes | bytearray],
    profile_id: str,
    name: str = ANCHOR_FILE,
) -> HeadAnchor | AnchorProblem | None:
    """The anchor, checked under any of `db_keys`; None when the profile has none yet.

    Several keys because a key rotation may stop between re-encrypting the file and writing
    the anchor under the new key.
    """
    try:
        raw = (folder / name).read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        return _damaged(None)
    try:
        body: Any = load_untrusted_json(raw)
        seq, head, at, mac = (
            body["audit_seq"],
            body["audit_hash"],
            body["written_at"],
            body["mac"],
        )
        if (
            body.get("format") != _FORMAT
            or not isinstance(seq, int)
            or not all(isinstance(v, str) for v in (head, at, mac))
        ):
            return _damaged(None)
    except (ValueError, KeyError, TypeError, UntrustedJsonError):
        return _damaged(None)
    anchor = HeadAnchor(seq, head, at)
    for key in db_keys:
        if hmac.compare_digest(_mac(key, profile_id, seq, head, at), mac):
            return anchor
    return _damaged(anchor)


def _damaged(anchor: HeadAnchor | None) -> AnchorProblem:
    return AnchorProblem(
        "damaged",
        "the record of where this profile's history ends (head.json) is damaged, or was "
        "changed by something other than this app",
        anchor,
    )


def check_anchor(conn: Connection, anchor: HeadAnchor) -> AnchorProblem | None:
    """Compare the records file with the anchor; None when the file holds the anchored head."""
    row = conn.execute("SELECT hash, at FROM audit WHERE seq = ?", (anchor.audit_seq,)).fetchone()
    when = _day(anchor.written_at)
    if row is None:
        newest = conn.execute("SELECT max(seq) FROM audit").fetchone()[0] or 0
        return AnchorProblem(
            "rolled_back",
            "this laptop's records file is older than the one this profile last saved: it "
            f"ends at audit entry {newest}, but entry {anchor.audit_seq} had been saved by "
            f"{when}. It was rolled back, lost saves, or was replaced with an older copy",
            anchor,
        )
    if not hmac.compare_digest(str(row[0]), anchor.audit_hash):
        return AnchorProblem(
            "rewritten",
            f"audit entry {anchor.audit_seq} in this laptop's records file is not the one "
            f"this profile saved by {when}: the history has been rewritten",
            anchor,
        )
    return None


def keep_mismatch(folder: Path, problem: AnchorProblem) -> None:
    """Keep the expected anchor and what was found, the first time a mismatch is seen."""
    target = folder / MISMATCH_FILE
    if target.exists():
        return
    expected = problem.expected
    body = {
        "found_at": dt.datetime.now(dt.UTC).isoformat(),
        "kind": problem.kind,
        "message": problem.message,
        "expected": None
        if expected is None
        else {
            "audit_seq": expected.audit_seq,
            "audit_hash": expected.audit_hash,
            "written_at": expected.written_at,
        },
    }
    write_atomic(target, json.dumps(body, indent=1).encode("utf-8"))


def read_mismatch(folder: Path) -> AnchorProblem | None:
    """A mismatch kept by `keep_mismatch` and not yet dealt with, if any."""
    try:
        body = load_untrusted_json((folder / MISMATCH_FILE).read_bytes())
        return AnchorProblem(
            str(body["kind"]), f"found on {_day(str(body['found_at']))}: {body['message']}", None
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return AnchorProblem("damaged", f"{MISMATCH_FILE} is damaged", None)
