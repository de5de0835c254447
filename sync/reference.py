"""Reference-data packages: forms, rates tables, branding and leaflets the authority publishes.

Shared by both sides (decision 0010); imports no FastAPI and no Qt. A package is one JSON
object in canonical form: a manifest (format, kind, version, published, description, and the
path, size and SHA-256 of every file), the files themselves (base64), and the authority's
Ed25519 signature over the manifest's canonical JSON. The signature covers the hashes, and the
hashes cover the files, so a package is used only when both hold: a changed byte, a file
added or left out, another key's signature or none at all are each refused with a
`ReferenceError` whose message says what is wrong and that the app keeps what it had.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sync.protocol import REFERENCE_KINDS

__all__ = [
    "FORMAT",
    "KINDS",
    "MAX_PACKAGE_BYTES",
    "Package",
    "ReferenceError",
    "open_package",
    "package_summary",
    "parse_publishing_key",
    "publishing_key_fingerprint",
    "publishing_key_text",
    "seal_package",
]

FORMAT = "assessor-reference/1"
"""The package format and its version; a reader refuses any other."""
KINDS = REFERENCE_KINDS
"""What a package may carry; each kind has its own run of version numbers."""
MAX_PACKAGE_BYTES = 16 * 1024 * 1024
"""The largest package taken (forms and rates are tens of kilobytes; a logo or leaflet more)."""
MAX_FILES = 500
_KEY_PREFIX = "assessor-publishing-key/1"
_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}(/[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}){0,3}\Z")
_HASH = re.compile(r"[0-9a-f]{64}\Z")


class ReferenceError(Exception):  # noqa: A001 - the module's own error, named for what it is
    """A package that cannot be used; the message says what is wrong and what happens now."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not text")
    data = base64.b64decode(text, validate=True)
    if _b64(data) != text:
        raise ValueError("not canonical base64")
    return data


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def publishing_key_text(key: Ed25519PublicKey) -> str:
    """``assessor-publishing-key/1:<Ed25519, base64>``: what the enrolment answer carries."""
    return f"{_KEY_PREFIX}:{_b64(key.public_bytes(Encoding.Raw, PublicFormat.Raw))}"


def parse_publishing_key(text: object) -> Ed25519PublicKey:
    """The key from its text form.

    Raises:
        ValueError: Not a publishing key.
    """
    if not isinstance(text, str) or text.count(":") != 1:
        raise ValueError("not an authority publishing key")
    prefix, raw = text.split(":")
    if prefix != _KEY_PREFIX:
        raise ValueError("not an authority publishing key")
    return Ed25519PublicKey.from_public_bytes(_unb64(raw))


def publishing_key_fingerprint(text: str) -> str:
    """The SHA-256 of the key's text, in groups of four hex digits, to read out and compare."""
    digest = hashlib.sha256(text.encode("ascii")).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


@dataclass(frozen=True)
class Package:
    """A package whose signature and file hashes checked."""

    kind: str
    version: int
    published: str
    """When it was published (ISO 8601, UTC), as the manifest says."""
    description: str
    files: Mapping[str, bytes]
    """Each file's path inside the package (``needs_assessment/v2.yaml``) and its bytes."""
    sha256: str
    """SHA-256 of the whole package as it travelled (what both sides name it by)."""

    @property
    def label(self) -> str:
        """How messages name it: ``rates package version 3``."""
        return f"{self.kind} package version {self.version}"


def seal_package(
    kind: str,
    version: int,
    description: str,
    files: Mapping[str, bytes],
    signer: Ed25519PrivateKey,
    *,
    published: dt.datetime,
) -> bytes:
    """A signed package of `files` (the gateway's `publish`).

    Raises:
        ReferenceError: The kind, version, a path or the number of files cannot go in one.
    """
    if kind not in KINDS:
        raise ReferenceError(f"'{kind}' is not a kind of reference data ({', '.join(KINDS)}).")
    if not 0 < version < 2**31:
        raise ReferenceError("A package's version is a whole number from 1.")
    if not files or len(files) > MAX_FILES:
        raise ReferenceError(f"A package holds from 1 to {MAX_FILES} files, not {len(files)}.")
    for path in files:
        if not _PATH.match(path) or ".." in path.split("/"):
            raise ReferenceError(
                f"'{path}' cannot be a file in a package: use letters, digits, '-', '_' and "
                "'.', at most four folders deep."
            )
    manifest = {
        "format": FORMAT,
        "kind": kind,
        "version": version,
        "published": published.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "description": description,
        "files": [
            {"path": p, "size": len(files[p]), "sha256": hashlib.sha256(files[p]).hexdigest()}
            for p in sorted(files)
        ],
    }
    signature = signer.sign(_canonical(manifest))
    package = {
        "manifest": manifest,
        "files": {p: _b64(files[p]) for p in sorted(files)},
        "signature": _b64(signature),
    }
    data = _canonical(package)
    if len(data) > MAX_PACKAGE_BYTES:
        raise ReferenceError(
            f"The package would be {len(data) // 1024} KB, more than the "
            f"{MAX_PACKAGE_BYTES // (1024 * 1024)} MB a laptop takes: publish fewer files at once."
        )
    return data


def _manifest(raw: Any) -> tuple[str, int, str, str, list[tuple[str, int, str]]]:
    """The manifest's fields from untrusted JSON (not yet trusted: the signature is checked next).

    Raises:
        ValueError: Malformed.
    """
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ValueError("not a reference package of this format")
    kind, version = raw.get("kind"), raw.get("version")
    published, description = raw.get("published"), raw.get("description")
    if kind not in KINDS or not isinstance(version, int) or isinstance(version, bool):
        raise ValueError("kind or version malformed")
    if not isinstance(published, str) or not isinstance(description, str) or version < 1:
        raise ValueError("published or description malformed")
    dt.datetime.fromisoformat(published)
    entries = raw.get("files")
    if not isinstance(entries, list) or not 0 < len(entries) <= MAX_FILES:
        raise ValueError("files malformed")
    files = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ValueError("file entry malformed")
        path, size, digest = entry.get("path"), entry.get("size"), entry.get("sha256")
        if not isinstance(path, str) or not _PATH.match(path) or ".." in path.split("/"):
            raise ValueError("file path malformed")
        if not isinstance(size, int) or not isinstance(digest, str) or not _HASH.match(digest):
            raise ValueError("file size or hash malformed")
        files.append((path, size, digest))
    return str(kind), version, published, description, files


def open_package(data: bytes, key: Ed25519PublicKey | None) -> Package:
    """Check a package's signature by the authority's `key`, then every file's size and hash.

    Args:
        data: The package as it arrived.
        key: The authority's publishing key the laptop learnt at enrolment; None (a laptop
            enrolled before gateways had one) refuses every package.

    Raises:
        ReferenceError: Unreadable, unsigned, signed by another key, or a file changed,
            added or missing; the message says which.
    """
    if len(data) > MAX_PACKAGE_BYTES:
        raise ReferenceError("A reference-data package was too big to be one, so it was refused.")
    try:
        raw = json.loads(data.decode("utf-8"))
        if not isinstance(raw, dict) or _canonical(raw) != data:
            raise ValueError("not a canonical object")
        kind, version, published, description, entries = _manifest(raw.get("manifest"))
    except (ValueError, RecursionError, TypeError, UnicodeDecodeError) as e:
        raise ReferenceError(
            "A reference-data package from the council could not be read (it is damaged or "
            "not one), so it was refused; the app keeps what it had. Tell IT."
        ) from e
    label = f"The {kind} package version {version} from the council"
    keeps = "so it was refused; the app keeps what it had."
    signature_text = raw.get("signature")
    if signature_text is None or signature_text == "":
        raise ReferenceError(f"{label} is not signed, {keeps} Tell IT.")
    if key is None:
        raise ReferenceError(
            f"{label} cannot be checked: this laptop has no publishing key from the council "
            f"(it was enrolled before the gateway had one), {keeps} Enrol the laptop again."
        )
    try:
        key.verify(_unb64(signature_text), _canonical(raw["manifest"]))
    except (ValueError, InvalidSignature) as e:
        raise ReferenceError(
            f"{label} is not signed by the council's publishing key (it was changed, or "
            f"signed by someone else), {keeps} Tell IT."
        ) from e
    carried = raw.get("files")
    if not isinstance(carried, dict) or set(carried) != {p for p, _, _ in entries}:
        raise ReferenceError(f"{label} does not carry the files its manifest lists, {keeps}")
    files: dict[str, bytes] = {}
    for path, size, digest in entries:
        try:
            content = _unb64(carried[path])
        except ValueError as e:
            raise ReferenceError(f"{label}: the file {path} is damaged, {keeps}") from e
        if len(content) != size or hashlib.sha256(content).hexdigest() != digest:
            raise ReferenceError(
                f"{label}: the file {path} is not the one that was signed (its SHA-256 "
                f"differs), {keeps} Tell IT."
            )
        files[path] = content
    return Package(kind, version, published, description, files, hashlib.sha256(data).hexdigest())


def package_summary(data: bytes) -> tuple[str, int]:
    """A package's kind and version, read without checking it (for the gateway's own list).

    Raises:
        ReferenceError: Not a package.
    """
    try:
        raw = json.loads(data.decode("utf-8"))
        kind, version, *_ = _manifest(raw.get("manifest"))
    except (ValueError, AttributeError, TypeError, UnicodeDecodeError) as e:
        raise ReferenceError("This is not a reference-data package.") from e
    return kind, version
