"""The reference-data package on its own: what it checks before anything in it is used."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.protocol import ProtocolError, ReferenceRequest, ReferenceResponse
from sync.reference import (
    ReferenceError,
    open_package,
    parse_publishing_key,
    publishing_key_text,
    seal_package,
)

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
FILES = {"england-2026-27-v2.yaml": b"id: england-2026-27\nversion: 2\n"}


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def test_a_package_opens_with_the_key_that_signed_it_and_gives_back_every_file() -> None:
    key = Ed25519PrivateKey.generate()
    data = seal_package("rates", 3, "2026-27 corrected", FILES, key, published=NOW)
    package = open_package(data, parse_publishing_key(publishing_key_text(key.public_key())))
    assert (package.kind, package.version, package.description) == ("rates", 3, "2026-27 corrected")
    assert dict(package.files) == FILES
    assert package.published == "2026-12-04T09:00:00+00:00"
    assert package.sha256 == hashlib.sha256(data).hexdigest()


def test_a_package_signed_with_another_key_is_refused_even_with_correct_file_hashes() -> None:
    authority, stranger = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    data = seal_package("rates", 3, "looks right", FILES, stranger, published=NOW)
    manifest = json.loads(data)["manifest"]
    # Every hash in it is the true hash of its file: only the signature gives it away.
    for entry in manifest["files"]:
        assert entry["sha256"] == hashlib.sha256(FILES[entry["path"]]).hexdigest()
    with pytest.raises(ReferenceError, match="not signed by the council's publishing key"):
        open_package(data, authority.public_key())


def test_a_changed_manifest_or_file_or_a_missing_signature_is_refused() -> None:
    key = Ed25519PrivateKey.generate()
    package = json.loads(seal_package("forms", 1, "v2", {"a/v2.yaml": b"x"}, key, published=NOW))

    def opened(change: Any) -> None:
        copy = json.loads(json.dumps(package))
        change(copy)
        open_package(_canonical(copy), key.public_key())

    def newer(p: dict[str, Any]) -> None:
        p["manifest"]["version"] = 9  # a replayed package dressed as a newer one

    def extra(p: dict[str, Any]) -> None:
        p["files"]["b/v1.yaml"] = base64.b64encode(b"y").decode()

    def changed(p: dict[str, Any]) -> None:
        p["files"]["a/v2.yaml"] = base64.b64encode(b"z").decode()

    with pytest.raises(ReferenceError, match="not signed by the council's publishing key"):
        opened(newer)
    with pytest.raises(ReferenceError, match="does not carry the files its manifest lists"):
        opened(extra)
    with pytest.raises(ReferenceError, match="not the one that was signed"):
        opened(changed)
    with pytest.raises(ReferenceError, match="is not signed,"):
        opened(lambda p: p.pop("signature"))
    with pytest.raises(ReferenceError, match="has no publishing key"):
        open_package(_canonical(package), None)
    with pytest.raises(ReferenceError, match="could not be read"):
        open_package(b'{"manifest": 1}', key.public_key())


def test_a_package_cannot_name_a_file_outside_its_folder() -> None:
    key = Ed25519PrivateKey.generate()
    for name in ("../vault.db", "/etc/passwd", "a/../../b"):
        with pytest.raises(ReferenceError, match="cannot be a file in a package"):
            seal_package("leaflets", 1, "", {name: b"x"}, key, published=NOW)


def test_the_reference_messages_refuse_what_is_not_one() -> None:
    assert ReferenceRequest.from_json(ReferenceRequest({"rates": 2}).to_json()).have == {"rates": 2}
    for have in ({"fonts": 1}, {"rates": -1}, {"rates": True}, []):
        with pytest.raises(ProtocolError):
            ReferenceRequest.from_json({"protocol": "assessor-sync/1", "have": have})
    with pytest.raises(ProtocolError, match="list of packages"):
        ReferenceResponse.from_json({"protocol": "assessor-sync/1", "packages": "x"})
    empty = ReferenceResponse(()).to_json()
    assert len(json.dumps(empty)) < 80 and ReferenceResponse.from_json(empty).packages == ()
