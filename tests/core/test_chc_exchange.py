"""Contribution files: encrypted, signed, for one person, and refused when anything is off.

The helpers here open and re-seal files with `cryptography` directly, following the format in
exchange.py's docstring rather than its private functions: so the wire format is checked too,
and a tampering test plays the part of someone who knows the passphrase but not the author's
key.
"""

from __future__ import annotations

import base64
import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from assessor_app.core.chc.exchange import (
    DEFAULT_EXCHANGE_KDF,
    FORMAT,
    ContributionContentError,
    ContributionFileError,
    ContributionPassphraseError,
    ContributionSignatureError,
    ContributionSignerError,
    DifferentPersonError,
    ExchangeKdf,
    NotAContributionFileError,
    UnsupportedContributionFormatError,
    check_same_person,
    check_signer_key,
    export_contribution,
    public_key_b64,
    read_contribution,
    record_person_from,
)
from assessor_app.core.chc.merge import InvalidContributionError, merge_contributions
from assessor_app.core.errors import AssessorError, ValidationError
from assessor_app.core.records import PersonDetails

PASS = "violet harbour kettle"
FAST = ExchangeKdf(memory_kib=8 * 1024, iterations=1)
PERSON = {"nhs_number": "943 476 5919", "date_of_birth": "1941-06-02", "family_name": "Okafor"}
EVIDENCE = "Grade 3 sacral pressure ulcer, district nurse notes 12 Feb."


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


@pytest.fixture
def sam_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def sent(tmp_path: Path, sam_key: Ed25519PrivateKey) -> Path:
    path = tmp_path / "usb" / "okafor-sam.json"
    export_contribution(
        path, contribution(), PERSON, passphrase=PASS, signing_key=sam_key, kdf=FAST
    )
    return path


# -- Independent implementation of the envelope ------------------------------------------------


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _key(envelope: dict[str, Any], passphrase: str) -> bytes:
    kdf = envelope["kdf"]
    return Argon2id(
        salt=base64.b64decode(kdf["salt"]),
        length=32,
        iterations=kdf["iterations"],
        lanes=kdf["lanes"],
        memory_cost=kdf["memory_kib"],
    ).derive(passphrase.encode())


def open_file(path: Path, passphrase: str = PASS) -> dict[str, Any]:
    envelope = json.loads(path.read_text())
    plaintext = AESGCM(_key(envelope, passphrase)).decrypt(
        base64.b64decode(envelope["nonce"]),
        base64.b64decode(envelope["ciphertext"]),
        FORMAT.encode(),
    )
    assert plaintext == _canonical(json.loads(plaintext))  # canonical JSON on the wire
    payload: dict[str, Any] = json.loads(plaintext)
    return payload


def reseal(path: Path, change: Callable[[dict[str, Any]], None], passphrase: str = PASS) -> None:
    """Decrypt, let `change` edit the payload, and encrypt again, as an insider could."""
    envelope = json.loads(path.read_text())
    payload = open_file(path, passphrase)
    change(payload)
    nonce = base64.b64decode(envelope["nonce"])
    ciphertext = AESGCM(_key(envelope, passphrase)).encrypt(
        nonce, _canonical(payload), FORMAT.encode()
    )
    envelope["ciphertext"] = base64.b64encode(ciphertext).decode()
    path.write_text(json.dumps(envelope))


def sign(payload: dict[str, Any], key: Ed25519PrivateKey, name: str | None = None) -> None:
    body = {"contribution": payload["contribution"], "record_person": payload["record_person"]}
    payload["signature"] = base64.b64encode(key.sign(_canonical(body))).decode()
    payload["signer"] = {
        "name": name or payload["signer"]["name"],
        "public_key": public_key_b64(key),
    }


def edit_envelope(path: Path, **change: Any) -> None:
    envelope = json.loads(path.read_text())
    envelope.update(change)
    path.write_text(json.dumps(envelope))


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


def test_the_file_is_an_envelope_with_nothing_readable_in_it(sent: Path) -> None:
    raw = sent.read_bytes()
    envelope = json.loads(raw)
    assert set(envelope) == {"format", "kdf", "nonce", "ciphertext"}
    assert envelope["format"] == "assessor.dst-contribution/1"
    assert envelope["kdf"]["name"] == "argon2id"
    assert (envelope["kdf"]["memory_kib"], envelope["kdf"]["iterations"]) == (8192, 1)
    for secret in (b"Okafor", b"Sam Jones", b"9434765919", b"sacral", b"1941"):
        assert secret not in raw
    assert stat.S_IMODE(sent.stat().st_mode) == 0o600
    assert not [p for p in sent.parent.iterdir() if p != sent]  # no temp file left behind


def test_the_payload_is_signed_by_the_author_over_person_and_contribution(
    sent: Path, sam_key: Ed25519PrivateKey
) -> None:
    payload = open_file(sent)
    assert set(payload) == {"record_person", "contribution", "signer", "signature"}
    assert payload["signer"] == {"name": "Sam Jones", "public_key": public_key_b64(sam_key)}
    body = {"contribution": payload["contribution"], "record_person": payload["record_person"]}
    sam_key.public_key().verify(base64.b64decode(payload["signature"]), _canonical(body))


def test_the_default_cost_is_used_unless_told(tmp_path: Path, sam_key: Ed25519PrivateKey) -> None:
    path = tmp_path / "default.json"
    export_contribution(path, contribution(), PERSON, passphrase=PASS, signing_key=sam_key)
    kdf = json.loads(path.read_text())["kdf"]
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
        "The passphrase is wrong, or the file was changed after it was made."
    )
    _assert_helpful(err.value)


@pytest.mark.parametrize("where", [0, 17, -1])
def test_a_byte_flipped_in_the_ciphertext(sent: Path, where: int) -> None:
    envelope = json.loads(sent.read_text())
    data = bytearray(base64.b64decode(envelope["ciphertext"]))
    data[where] ^= 0x01
    edit_envelope(sent, ciphertext=base64.b64encode(bytes(data)).decode())
    with pytest.raises(ContributionPassphraseError) as err:
        read_contribution(sent, passphrase=PASS)
    _assert_helpful(err.value)


def test_a_changed_nonce_or_salt_fails_like_a_wrong_passphrase(sent: Path) -> None:
    envelope = json.loads(sent.read_text())
    envelope["kdf"]["salt"] = base64.b64encode(b"\0" * 16).decode()
    sent.write_text(json.dumps(envelope))
    with pytest.raises(ContributionPassphraseError):
        read_contribution(sent, passphrase=PASS)


def test_contents_changed_under_the_authors_signature(sent: Path) -> None:
    def downgrade(payload: dict[str, Any]) -> None:
        payload["contribution"]["m_skin_level"] = "low"

    reseal(sent, downgrade)
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

    reseal(sent, resign)
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

    reseal(sent, resign)
    got = read_contribution(sent, passphrase=PASS)  # self-consistent: the key tells
    assert got.signer_key_b64 != public_key_b64(sam_key)
    with pytest.raises(ContributionSignerError) as err:
        check_signer_key(got, public_key_b64(sam_key))
    assert "different key" in err.value.user_message
    _assert_helpful(err.value)


@pytest.mark.parametrize(
    ("change", "error", "fragment"),
    [
        pytest.param(
            {"format": "assessor.dst-contribution/2"},
            UnsupportedContributionFormatError,
            "different version",
            id="newer-version",
        ),
        pytest.param(
            {"format": "assessor.bundle/1"},
            NotAContributionFileError,
            "some other kind",
            id="other-format",
        ),
        pytest.param(
            {"format": None}, NotAContributionFileError, "some other kind", id="no-format"
        ),
        pytest.param(
            {"nonce": "not base64!"}, NotAContributionFileError, "damaged", id="bad-nonce"
        ),
        pytest.param(
            {"kdf": {"name": "pbkdf2"}}, NotAContributionFileError, "damaged", id="other-kdf"
        ),
    ],
)
def test_wrong_format(
    sent: Path, change: dict[str, Any], error: type[ContributionFileError], fragment: str
) -> None:
    edit_envelope(sent, **change)
    with pytest.raises(error) as err:
        read_contribution(sent, passphrase=PASS)
    assert fragment in err.value.user_message
    _assert_helpful(err.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [("memory_kib", 4 * 1024 * 1024), ("iterations", 10_000), ("lanes", 0), ("memory_kib", True)],
)
def test_absurd_key_costs_are_refused_before_any_work(sent: Path, name: str, value: Any) -> None:
    envelope = json.loads(sent.read_text())
    envelope["kdf"][name] = value
    sent.write_text(json.dumps(envelope))
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

    reseal(sent, alter)
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
        export_contribution(
            path, contribution(**change), PERSON, passphrase=PASS, signing_key=sam_key, kdf=FAST
        )
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
        export_contribution(
            tmp_path / "out.json",
            contribution(),
            person,
            passphrase=PASS,
            signing_key=sam_key,
            kdf=FAST,
        )
    assert err.value.next_step


def test_export_refuses_a_short_passphrase(tmp_path: Path, sam_key: Ed25519PrivateKey) -> None:
    with pytest.raises(ValidationError, match="too short"):
        export_contribution(
            tmp_path / "out.json",
            contribution(),
            PERSON,
            passphrase="short",
            signing_key=sam_key,
            kdf=FAST,
        )


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
        export_contribution(
            tmp_path / "x.dstc",
            contribution(),
            PERSON,
            passphrase="password",
            signing_key=sam_key,
            kdf=FAST,
        )
    assert not (tmp_path / "x.dstc").exists()
