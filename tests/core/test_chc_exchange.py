"""Contribution files: encrypted, signed, for one person, and refused when anything is off.

The helpers here open and re-seal files with `cryptography` directly, following the format in
exchange.py's and sync/bundle.py's docstrings rather than their private functions: so the wire
format is checked too, and a tampering test plays the part of someone who knows the passphrase
but not the author's key (they can seal a file again only under a key of their own).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from assessor_app.core.chc.exchange import (
    DEFAULT_EXCHANGE_KDF,
    FILE_LIFETIME,
    ContributionContentError,
    ContributionFileError,
    ContributionPassphraseError,
    ContributionSignatureError,
    ContributionSignerError,
    ExchangeKdf,
    NotAContributionFileError,
    PassphraseNeededError,
    UnsupportedContributionFormatError,
    check_signer_key,
    export_contribution,
    public_key_b64,
    read_contribution,
)
from assessor_app.core.chc.merge import InvalidContributionError, merge_contributions
from assessor_app.core.chc.record_person import (
    DifferentPersonError,
    check_same_person,
    record_person_from,
)
from assessor_app.core.errors import AssessorError, ValidationError
from assessor_app.core.records import PersonDetails
from sync.bundle import member_decryption_key

PASS = "violet harbour kettle"
FAST = ExchangeKdf(memory_kib=8 * 1024, iterations=1)
PERSON = {"nhs_number": "943 476 5919", "date_of_birth": "1941-06-02", "family_name": "Okafor"}
EVIDENCE = "Grade 3 sacral pressure ulcer, district nurse notes 12 Feb."
RECORD = "dst-of-okafor-on-sams-laptop"


def contribution(**change: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "contribution_id": "5f" * 16,
        "contributor_name": "Sam Jones",
        "contributor_profession": "registered_nurse",
        "contributor_organisation": "Exampleshire Community Health",
        "contributor_contact": "sam.jones@example.nhs.uk",
        "contributed_on": "2025-03-01",
        "revision": 2,
        "m_skin_level": "severe",
        "m_skin_evidence": EVIDENCE,
        "m_continence_level": "high",
        "m_continence_evidence": "Catheter, blocks monthly.",
    }
    item.update(change)
    return item


def export(
    path: Path,
    item: dict[str, Any],
    key: Ed25519PrivateKey,
    person: dict[str, Any] = PERSON,
    **options: Any,
) -> None:
    """`export_contribution` of `item` for `PERSON`'s DST `RECORD`, at the tests' cheap costs."""
    export_contribution(
        path, item, person, record_id=RECORD, signing_key=key, **{"kdf": FAST, **options}
    )


@pytest.fixture
def sam_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def sent(tmp_path: Path, sam_key: Ed25519PrivateKey) -> Path:
    path = tmp_path / "usb" / "okafor-sam.json"
    export(path, contribution(), sam_key, passphrase=PASS)
    return path


# -- Independent implementation of the envelope ------------------------------------------------


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _key(kdf: dict[str, Any], passphrase: str) -> bytes:
    return Argon2id(
        salt=base64.b64decode(kdf["salt"]),
        length=32,
        iterations=kdf["iterations"],
        lanes=kdf["lanes"],
        memory_cost=kdf["memory_kib"],
    ).derive(passphrase.encode())


def open_envelope(path: Path, passphrase: str = PASS) -> tuple[dict[str, Any], dict[str, Any]]:
    """The envelope as JSON, and its payload opened by the passphrase slot."""
    envelope = json.loads(path.read_bytes())
    aad, sealed = _canonical(envelope["header"]), envelope["sealed"]
    slot = sealed["passphrase"]
    content_key = AESGCM(_key(slot["kdf"], passphrase)).decrypt(
        base64.b64decode(slot["nonce"]), base64.b64decode(slot["key"]), aad
    )
    plaintext = AESGCM(content_key).decrypt(
        base64.b64decode(sealed["nonce"]), base64.b64decode(sealed["data"]), aad
    )
    assert plaintext == _canonical(json.loads(plaintext))  # canonical JSON on the wire
    return envelope, json.loads(plaintext)


def open_file(path: Path, passphrase: str = PASS) -> dict[str, Any]:
    """The signed contribution a file carries."""
    signed: dict[str, Any] = open_envelope(path, passphrase)[1]["signed"]
    return signed


def seal(
    header: dict[str, Any],
    payload: dict[str, Any],
    passphrase: str,
    kdf: dict[str, Any],
    sealer: Ed25519PrivateKey,
) -> bytes:
    """A contribution file sealed under `passphrase` only and signed by `sealer`."""
    head = {
        **header,
        "authority": hashlib.sha256(b"assessor-member-key/1:" + _raw(sealer)).hexdigest()[:32],
    }
    aad = _canonical(head)
    content_key, nonce, key_nonce = secrets.token_bytes(32), secrets.token_bytes(12), b"\1" * 12
    body = {
        "header": head,
        "sealed": {
            "nonce": _b64(nonce),
            "data": _b64(AESGCM(content_key).encrypt(nonce, _canonical(payload), aad)),
            "recipients": [],
            "passphrase": {
                "kdf": kdf,
                "nonce": _b64(key_nonce),
                "key": _b64(AESGCM(_key(kdf, passphrase)).encrypt(key_nonce, content_key, aad)),
            },
        },
        "signer": _b64(_raw(sealer)),
    }
    return _canonical({**body, "signature": _b64(sealer.sign(_canonical(body)))})


def reseal(
    path: Path,
    change: Callable[[dict[str, Any]], None],
    passphrase: str = PASS,
    sealer: Ed25519PrivateKey | None = None,
) -> None:
    """Decrypt, let `change` edit the signed contribution, and seal again, as an insider could.

    The insider does not hold the author's key, so the file is sealed (and its envelope
    signed) by `sealer`: a key of the insider's own unless the test holds the author's.
    """
    envelope, payload = open_envelope(path, passphrase)
    change(payload["signed"])
    kdf = envelope["sealed"]["passphrase"]["kdf"]
    path.write_bytes(
        seal(envelope["header"], payload, passphrase, kdf, sealer or Ed25519PrivateKey.generate())
    )


def sign(payload: dict[str, Any], key: Ed25519PrivateKey, name: str | None = None) -> None:
    body = {"contribution": payload["contribution"], "record_person": payload["record_person"]}
    payload["signature"] = base64.b64encode(key.sign(_canonical(body))).decode()
    payload["signer"] = {
        "name": name or payload["signer"]["name"],
        "public_key": public_key_b64(key),
    }


def edit_envelope(
    path: Path, change: Callable[[dict[str, Any]], None], signer: Ed25519PrivateKey | None
) -> None:
    """Let `change` edit the envelope's JSON; signed again by `signer` (the author's key,
    which leaves the header's signer id as it is), or left with its old signature."""
    envelope = json.loads(path.read_bytes())
    change(envelope)
    if signer is not None:
        body = {k: v for k, v in envelope.items() if k != "signature"}
        envelope["signature"] = _b64(signer.sign(_canonical(body)))
    path.write_bytes(_canonical(envelope))


# -- Round trip ------------------------------------------------------------------------------


def test_round_trip(sent: Path, sam_key: Ed25519PrivateKey) -> None:
    got = read_contribution(sent, passphrase=PASS)
    assert got.contribution == contribution()
    assert got.record_person == {
        "nhs_number": "9434765919",
        "date_of_birth": "1941-06-02",
        "family_name": "Okafor",
    }
    assert got.signer_name == "Sam Jones"
    assert got.signer_key_b64 == public_key_b64(sam_key)
    check_signer_key(got, public_key_b64(sam_key))
    check_same_person(PERSON, got.record_person)
    mine = [
        contribution(
            contribution_id="a7" * 16,
            contributor_name="Robin Lee",
            contributor_profession="social_worker",
            m_skin_level="high",
        )
    ]
    assert [c["contributor_name"] for c in merge_contributions(mine, [got.contribution])] == [
        "Robin Lee",
        "Sam Jones",
    ]


def test_the_file_is_the_sync_envelope_with_nothing_readable_in_it(
    sent: Path, sam_key: Ed25519PrivateKey
) -> None:
    raw = sent.read_bytes()
    envelope = json.loads(raw)
    assert raw == _canonical(envelope)  # the envelope's one spelling
    assert set(envelope) == {"header", "sealed", "signer", "signature"}
    header = envelope["header"]
    assert (header["format"], header["kind"]) == ("assessor-bundle/1", "dst-contribution")
    assert header["device_id"] == RECORD and header["sequence"] == 2  # record, revision
    assert envelope["signer"] == public_key_b64(sam_key)
    created = dt.datetime.fromisoformat(header["created"])
    assert dt.datetime.fromisoformat(header["expires"]) - created == FILE_LIFETIME
    kdf = envelope["sealed"]["passphrase"]["kdf"]
    assert kdf["name"] == "argon2id" and (kdf["memory_kib"], kdf["iterations"]) == (8192, 1)
    assert envelope["sealed"]["recipients"] == []
    for secret in (b"Okafor", b"Sam Jones", b"9434765919", b"sacral", b"1941"):
        assert secret not in raw
    assert stat.S_IMODE(sent.stat().st_mode) == 0o600
    assert not [p for p in sent.parent.iterdir() if p != sent]  # no temp file left behind


def test_the_payload_is_signed_by_the_author_over_person_and_contribution(
    sent: Path, sam_key: Ed25519PrivateKey
) -> None:
    envelope, outer = open_envelope(sent)
    assert outer["record_id"] == RECORD
    payload = outer["signed"]
    assert set(payload) == {"record_person", "contribution", "signer", "signature"}
    assert payload["signer"] == {"name": "Sam Jones", "public_key": public_key_b64(sam_key)}
    body = {"contribution": payload["contribution"], "record_person": payload["record_person"]}
    sam_key.public_key().verify(base64.b64decode(payload["signature"]), _canonical(body))
    # And the envelope as a whole, by the same key.
    whole = {k: v for k, v in envelope.items() if k != "signature"}
    sam_key.public_key().verify(base64.b64decode(envelope["signature"]), _canonical(whole))


def test_the_default_cost_is_used_unless_told(tmp_path: Path, sam_key: Ed25519PrivateKey) -> None:
    path = tmp_path / "default.json"
    export_contribution(
        path, contribution(), PERSON, record_id=RECORD, passphrase=PASS, signing_key=sam_key
    )
    kdf = json.loads(path.read_text())["sealed"]["passphrase"]["kdf"]
    assert (kdf["memory_kib"], kdf["iterations"]) == (
        DEFAULT_EXCHANGE_KDF.memory_kib,
        DEFAULT_EXCHANGE_KDF.iterations,
    )
    assert DEFAULT_EXCHANGE_KDF.memory_kib >= 19 * 1024  # OWASP's Argon2id floor
    assert read_contribution(path, passphrase=PASS).contribution == contribution()


# -- Refusals on reading ---------------------------------------------------------------------


def _assert_helpful(err: AssessorError) -> None:
    assert err.user_message and err.next_step and err.work_is_safe
    assert "Nothing has been imported" in err.next_step


def test_wrong_passphrase(sent: Path) -> None:
    with pytest.raises(ContributionPassphraseError) as err:
        read_contribution(sent, passphrase="violet harbour kettles")
    assert err.value.user_message == (
        "The passphrase is wrong, and the file was not sealed to this laptop's key."
    )
    _assert_helpful(err.value)


def test_not_sealed_to_this_key_and_no_passphrase_asks_for_it(sent: Path) -> None:
    someone = member_decryption_key(Ed25519PrivateKey.generate())
    with pytest.raises(PassphraseNeededError) as err:
        read_contribution(sent, passphrase=None, private=someone)
    assert "passphrase your MDT agreed" in err.value.user_message
    _assert_helpful(err.value)


@pytest.mark.parametrize("where", [0, 17, -1])
def test_a_byte_flipped_in_the_sealed_data_breaks_the_signature(sent: Path, where: int) -> None:
    def flip(envelope: dict[str, Any]) -> None:
        data = bytearray(base64.b64decode(envelope["sealed"]["data"]))
        data[where] ^= 0x01
        envelope["sealed"]["data"] = _b64(bytes(data))

    edit_envelope(sent, flip, signer=None)
    with pytest.raises(ContributionSignatureError) as err:
        read_contribution(sent, passphrase=PASS)
    assert "changed after its author signed it" in err.value.user_message
    _assert_helpful(err.value)


def test_a_changed_salt_signed_again_fails_like_a_wrong_passphrase(
    sent: Path, sam_key: Ed25519PrivateKey
) -> None:
    def salt(envelope: dict[str, Any]) -> None:
        envelope["sealed"]["passphrase"]["kdf"]["salt"] = _b64(b"\0" * 16)

    edit_envelope(sent, salt, signer=sam_key)
    with pytest.raises(ContributionPassphraseError):
        read_contribution(sent, passphrase=PASS)


def test_contents_changed_under_the_authors_signature(
    sent: Path, sam_key: Ed25519PrivateKey
) -> None:
    def downgrade(payload: dict[str, Any]) -> None:
        payload["contribution"]["m_skin_level"] = "low"

    reseal(sent, downgrade, sealer=sam_key)  # even the author's own key cannot re-seal it
    with pytest.raises(ContributionSignatureError) as err:
        read_contribution(sent, passphrase=PASS)
    assert "changed after its author signed it" in err.value.user_message
    _assert_helpful(err.value)


def test_the_person_is_covered_by_the_signature(sent: Path) -> None:
    def move(payload: dict[str, Any]) -> None:
        payload["record_person"]["family_name"] = "Okafur"

    reseal(sent, move)
    with pytest.raises(ContributionSignatureError):
        read_contribution(sent, passphrase=PASS)


def test_resigned_by_someone_else_in_their_own_name(sent: Path) -> None:
    mallory = Ed25519PrivateKey.generate()

    def resign(payload: dict[str, Any]) -> None:
        payload["contribution"]["m_skin_level"] = "low"
        sign(payload, mallory, name="Mal Lory")

    reseal(sent, resign, sealer=mallory)
    with pytest.raises(ContributionSignerError) as err:
        read_contribution(sent, passphrase=PASS)
    assert "someone other than its author" in err.value.user_message
    _assert_helpful(err.value)


def test_resigned_by_someone_else_in_the_authors_name(
    sent: Path, sam_key: Ed25519PrivateKey
) -> None:
    mallory = Ed25519PrivateKey.generate()

    def resign(payload: dict[str, Any]) -> None:
        payload["contribution"]["m_skin_level"] = "low"
        sign(payload, mallory)

    reseal(sent, resign, sealer=mallory)
    got = read_contribution(sent, passphrase=PASS)  # self-consistent: the key tells
    assert got.signer_key_b64 != public_key_b64(sam_key)
    with pytest.raises(ContributionSignerError) as err:
        check_signer_key(got, public_key_b64(sam_key))
    assert "different key" in err.value.user_message
    _assert_helpful(err.value)


def _header(**change: Any) -> Callable[[dict[str, Any]], None]:
    return lambda envelope: envelope["header"].update(change)


def _slot(**change: Any) -> Callable[[dict[str, Any]], None]:
    return lambda envelope: envelope["sealed"]["passphrase"].update(change)


@pytest.mark.parametrize(
    ("change", "error", "fragment"),
    [
        pytest.param(
            _header(format="assessor-bundle/2"),
            UnsupportedContributionFormatError,
            "newer version",
            id="newer-version",
        ),
        pytest.param(
            _header(kind="outbound"), NotAContributionFileError, "some other kind", id="sync"
        ),
        pytest.param(_header(format=None), NotAContributionFileError, "damaged", id="no-format"),
        pytest.param(_slot(nonce="not base64!"), NotAContributionFileError, "damaged", id="nonce"),
        pytest.param(
            _slot(kdf={"name": "pbkdf2"}), NotAContributionFileError, "damaged", id="other-kdf"
        ),
    ],
)
def test_wrong_format(
    sent: Path,
    sam_key: Ed25519PrivateKey,
    change: Callable[[dict[str, Any]], None],
    error: type[ContributionFileError],
    fragment: str,
) -> None:
    edit_envelope(sent, change, signer=sam_key)  # signed again by the author: only the format
    with pytest.raises(error) as err:
        read_contribution(sent, passphrase=PASS)
    assert fragment in err.value.user_message
    _assert_helpful(err.value)


def test_a_file_in_the_format_before_the_envelope_says_to_export_again(tmp_path: Path) -> None:
    # What version 1 of contribution files looked like (json.dumps, indent=1).
    old = {
        "format": "assessor.dst-contribution/1",
        "kdf": {"name": "argon2id", "salt": _b64(b"s" * 16), "memory_kib": 65536,
                "iterations": 3, "lanes": 1},
        "nonce": _b64(b"n" * 12),
        "ciphertext": _b64(b"c" * 80),
    }  # fmt: skip
    path = tmp_path / "from-last-month.dstc"
    path.write_text(json.dumps(old, indent=1) + "\n")
    with pytest.raises(UnsupportedContributionFormatError) as err:
        read_contribution(path, passphrase=PASS)
    assert "earlier version of the app" in err.value.user_message
    assert "export their contribution again" in err.value.next_step
    _assert_helpful(err.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [("memory_kib", 4 * 1024 * 1024), ("iterations", 10_000), ("lanes", 0), ("memory_kib", True)],
)
def test_absurd_key_costs_are_refused_before_any_work(
    sent: Path, sam_key: Ed25519PrivateKey, name: str, value: Any
) -> None:
    def costly(envelope: dict[str, Any]) -> None:
        envelope["sealed"]["passphrase"]["kdf"][name] = value

    edit_envelope(sent, costly, signer=sam_key)
    with pytest.raises(NotAContributionFileError, match="it is damaged"):
        read_contribution(sent, passphrase=PASS)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json at all",
        b"[1, 2, 3]",
        b"\xff\xfe\x00",
        b'{"format": 1}',
        b"%PDF-1.7 a letter, not a contribution",
    ],
)
def test_not_a_contribution_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "something.json"
    path.write_bytes(content)
    with pytest.raises(NotAContributionFileError) as err:
        read_contribution(path, passphrase=PASS)
    _assert_helpful(err.value)


def test_a_truncated_file(sent: Path) -> None:
    sent.write_bytes(sent.read_bytes()[: len(sent.read_bytes()) // 2])
    with pytest.raises(NotAContributionFileError, match="it is damaged"):
        read_contribution(sent, passphrase=PASS)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("letter.pdf", b"%PDF-1.7 a letter, not a contribution"),
        ("answers.json", b'{"visit_date": "2026-11-16"}'),
        ("notes.txt", b"\xff\xfe\x00 not text"),
        ("contribution.dstc", b"[1, 2, 3]"),
    ],
)
def test_the_wrong_file_is_told_in_words_about_contribution_files(
    tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(NotAContributionFileError) as err:
        read_contribution(path, passphrase=PASS)
    words = err.value.one_line()
    assert "DST contribution file" in words and "(.dstc)" in words
    # Not the file format's insides: a nurse has never heard of JSON or UTF-8.
    for jargon in ("JSON", "UTF", "Unicode", "format marker", "key settings", "envelope"):
        assert jargon not in words
    if not name.endswith(".dstc"):
        assert f"You chose {name}; a contribution file's name ends in .dstc." in words
    _assert_helpful(err.value)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotAContributionFileError, match="not there"):
        read_contribution(tmp_path / "gone.json", passphrase=PASS)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        pytest.param(
            {"m_continence_level": "severe"},
            "Continence: Severe is not a level",
            id="severe-continence",
        ),
        pytest.param(
            {"m_asc_level": "severe"}, "Altered states of consciousness: Severe", id="severe-asc"
        ),
        pytest.param(
            {"m_communication_level": "priority"},
            "Communication: Priority",
            id="priority-communication",
        ),
        pytest.param({"shared_notes": "x"}, "does not know: shared_notes", id="unknown-key"),
    ],
)
def test_a_signed_file_with_a_disallowed_level_or_unknown_key(
    sent: Path, sam_key: Ed25519PrivateKey, change: dict[str, Any], fragment: str
) -> None:
    # Made by a faulty or doctored app, but properly signed by the author's own key.
    def alter(payload: dict[str, Any]) -> None:
        payload["contribution"].update(change)
        sign(payload, sam_key)

    reseal(sent, alter, sealer=sam_key)
    with pytest.raises(ContributionContentError) as err:
        read_contribution(sent, passphrase=PASS)
    assert fragment in err.value.user_message
    _assert_helpful(err.value)


# -- Refusals on writing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"m_continence_level": "severe"},
        {"m_asc_level": "severe"},
        {"unknown": 1},
        {"contributed_on": None},
    ],
)
def test_export_refuses_a_contribution_that_breaks_the_rules(
    tmp_path: Path, sam_key: Ed25519PrivateKey, change: dict[str, Any]
) -> None:
    path = tmp_path / "out.json"
    with pytest.raises(InvalidContributionError):
        export(path, contribution(**change), sam_key, passphrase=PASS)
    assert not path.exists()


@pytest.mark.parametrize(
    "person",
    [
        {"date_of_birth": "1941-06-02", "family_name": "Okafor"},
        {**PERSON, "nhs_number": "943 476 5918"},
        {**PERSON, "date_of_birth": None},
        {**PERSON, "family_name": " "},
        {**PERSON, "address": "1 High Street"},
    ],
    ids=["no-identifier", "bad-check-digit", "no-dob", "no-name", "extra-detail"],
)
def test_export_refuses_an_unclear_person(
    tmp_path: Path, sam_key: Ed25519PrivateKey, person: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as err:
        export(tmp_path / "out.json", contribution(), sam_key, person=person, passphrase=PASS)
    assert err.value.next_step


def test_export_refuses_a_short_passphrase(tmp_path: Path, sam_key: Ed25519PrivateKey) -> None:
    with pytest.raises(ValidationError, match="too short"):
        export(tmp_path / "out.json", contribution(), sam_key, passphrase="short")


# -- The person ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "there",
    [
        PERSON,
        {"nhs_number": "9434765919", "date_of_birth": "1941-06-02", "family_name": "OKAFOR "},
        {**PERSON, "authority_person_id": "LA100123"},  # one side has more: fine
    ],
    ids=["same", "spacing-and-case", "extra-identifier"],
)
def test_same_person(there: dict[str, Any]) -> None:
    check_same_person(PERSON, there)


@pytest.mark.parametrize(
    ("there", "named"),
    [
        pytest.param({**PERSON, "nhs_number": "401 023 2137"}, "NHS number", id="other-nhs"),
        pytest.param({**PERSON, "date_of_birth": "1941-06-03"}, "date of birth", id="other-dob"),
        pytest.param({**PERSON, "family_name": "Okafur"}, "family name", id="other-name"),
        pytest.param(
            {
                "authority_person_id": "LA100123",
                "date_of_birth": "1941-06-02",
                "family_name": "Okafor",
            },
            "share no NHS number",
            id="nothing-in-common",
        ),
        pytest.param({**PERSON, "nhs_number": "123"}, "not valid", id="garbled"),
    ],
)
def test_wrong_person(there: dict[str, Any], named: str) -> None:
    with pytest.raises(DifferentPersonError) as err:
        check_same_person(PERSON, there)
    assert named in err.value.user_message
    assert "Okafur" not in err.value.user_message and "4010232137" not in err.value.user_message
    _assert_helpful(err.value)


def test_council_ids_are_compared_when_both_sides_have_them() -> None:
    here = {**PERSON, "authority_person_id": "LA100123"}
    check_same_person(here, {**PERSON, "authority_person_id": "LA100123"})
    with pytest.raises(DifferentPersonError, match="council person id"):
        check_same_person(here, {**PERSON, "authority_person_id": "LA100999"})


def test_wrong_person_end_to_end(sent: Path) -> None:
    got = read_contribution(sent, passphrase=PASS)
    with pytest.raises(DifferentPersonError):
        check_same_person({**PERSON, "nhs_number": "4010232137"}, got.record_person)


def test_record_person_from_person_details() -> None:
    import datetime as dt

    details = PersonDetails(
        given_name="Ada",
        family_name="Okafor",
        date_of_birth=dt.date(1941, 6, 2),
        nhs_number="9434765919",
        authority_person_id="LA100123",
    )
    assert record_person_from(details) == {
        "family_name": "Okafor",
        "date_of_birth": "1941-06-02",
        "nhs_number": "9434765919",
        "authority_person_id": "LA100123",
    }
    with pytest.raises(ValidationError):
        record_person_from(PersonDetails(given_name="Ada", family_name="Okafor"))


def test_an_exchange_passphrase_a_guesser_tries_first_is_refused(
    tmp_path: Path, sam_key: Ed25519PrivateKey
) -> None:
    with pytest.raises(ValidationError, match="too easy to guess"):
        export(tmp_path / "x.dstc", contribution(), sam_key, passphrase="password")
    assert not (tmp_path / "x.dstc").exists()


# -- Sealed to members' keys -----------------------------------------------------------------


def test_a_file_sealed_to_a_members_key_opens_with_it_and_no_passphrase(
    tmp_path: Path, sam_key: Ed25519PrivateKey
) -> None:
    robin, kim = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    path = tmp_path / "to-robin-and-kim.dstc"
    export(
        path,
        contribution(),
        sam_key,
        passphrase=None,
        recipients=[public_key_b64(robin), public_key_b64(kim), public_key_b64(robin)],
    )
    envelope = json.loads(path.read_bytes())
    assert "passphrase" not in envelope["sealed"] and len(envelope["sealed"]["recipients"]) == 2
    for member in (robin, kim):
        got = read_contribution(path, passphrase=None, private=member_decryption_key(member))
        assert got.contribution == contribution() and got.record_id == RECORD
    # Anyone else, passphrase or not, is told it was not sealed to them.
    stranger = member_decryption_key(Ed25519PrivateKey.generate())
    for passphrase in (None, PASS):
        with pytest.raises(ContributionPassphraseError) as err:
            read_contribution(path, passphrase=passphrase, private=stranger)
        assert "sealed only to other MDT members' keys" in err.value.user_message
        _assert_helpful(err.value)


def test_sealed_to_a_key_and_a_passphrase_either_opens_it(
    tmp_path: Path, sam_key: Ed25519PrivateKey
) -> None:
    robin = Ed25519PrivateKey.generate()
    path = tmp_path / "both.dstc"
    export(path, contribution(), sam_key, passphrase=PASS, recipients=[public_key_b64(robin)])
    by_key = read_contribution(path, passphrase=None, private=member_decryption_key(robin))
    assert by_key == read_contribution(path, passphrase=PASS)
    assert by_key.signer_key_b64 == public_key_b64(sam_key)


def test_nobody_to_seal_to_is_refused_before_writing(
    tmp_path: Path, sam_key: Ed25519PrivateKey
) -> None:
    with pytest.raises(ValidationError, match="nobody could open the file") as err:
        export(tmp_path / "x.dstc", contribution(), sam_key, passphrase=None)
    assert "passphrase your MDT agreed" in err.value.next_step
    assert not (tmp_path / "x.dstc").exists()


# -- The envelope's header agrees with what it carries ---------------------------------------


def test_a_file_sealed_by_someone_other_than_the_author_is_refused(sent: Path) -> None:
    # Someone with the passphrase seals Sam's genuine signed contribution under their own key.
    reseal(sent, lambda _signed: None, sealer=Ed25519PrivateKey.generate())
    with pytest.raises(ContributionSignerError, match="sealed by someone other") as err:
        read_contribution(sent, passphrase=PASS)
    _assert_helpful(err.value)


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ({"sequence": 1}, "revision it names"),  # an older revision's number on a newer one
        ({"device_id": "some-other-dst"}, "not laid out"),  # the record it names differs
    ],
)
def test_a_header_that_disagrees_with_the_contribution_is_refused(
    sent: Path, sam_key: Ed25519PrivateKey, header: dict[str, Any], fragment: str
) -> None:
    envelope, payload = open_envelope(sent)
    kdf = envelope["sealed"]["passphrase"]["kdf"]
    sent.write_bytes(seal({**envelope["header"], **header}, payload, PASS, kdf, sam_key))
    with pytest.raises(ContributionSignatureError, match=fragment) as err:
        read_contribution(sent, passphrase=PASS)
    _assert_helpful(err.value)


def test_an_out_of_date_file_is_refused(tmp_path: Path, sam_key: Ed25519PrivateKey) -> None:
    path = tmp_path / "old.dstc"
    made = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)
    export(path, contribution(), sam_key, passphrase=PASS, now=made)
    within = made + FILE_LIFETIME
    assert read_contribution(path, passphrase=PASS, now=within).contribution == contribution()
    with pytest.raises(ContributionFileError, match="out of date") as err:
        read_contribution(path, passphrase=PASS, now=within + dt.timedelta(seconds=1))
    assert "made on 2026-01-05" in err.value.user_message
    assert "export their contribution again" in err.value.next_step
    _assert_helpful(err.value)
