"""The authority's recovery key opens a profile whose passphrase is forgotten, and only that.

Real SQLCipher vaults throughout. What is checked is what IT and the assessor depend on: the
recovered profile opens with its new passphrase and keeps its records; a rotation of the key
keeps recovery working; every wrong key, wrong passphrase, missing or changed slot is refused
in words, with the key file and records file left exactly as they were.
"""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path

import pytest

from assessor_app.core.errors import (
    AssessorError,
    RecoveryError,
    WrongPassphraseError,
)
from assessor_app.core.storage import history, recovery_key
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS, KeySlots, _checksum
from assessor_app.core.storage.vault import Vault, recovery_fingerprint
from tests.conftest import PASSPHRASE
from tests.support import community_person, session_for, simulate_crash

NEW = "heron kettle meadow"


@pytest.fixture
def authority_key() -> recovery_key.X25519PrivateKey:
    """The council's recovery key pair (the private half, as IT's file holds it)."""
    return recovery_key.generate()


def _enrolled(vault: Vault, key: recovery_key.X25519PrivateKey) -> tuple[Vault, str]:
    """A profile with a person in it and a recovery slot, as enrolment leaves it; locked."""
    session = session_for(vault)
    person = session.people.add(community_person())
    vault.set_recovery_key(recovery_key.public_key_text(key.public_key()))
    vault.close()
    return vault, person.id


def _slot_file(vault: Vault) -> Path:
    return vault.folder / "keyslots.json"


def test_a_recovery_slot_is_sealed_to_the_authoritys_key(vault: Vault, authority_key) -> None:
    assert recovery_fingerprint(vault.data_dir, vault.profile.id) is None
    _enrolled(vault, authority_key)
    fingerprint = recovery_key.fingerprint(authority_key.public_key())
    assert recovery_fingerprint(vault.data_dir, vault.profile.id) == fingerprint
    slots = json.loads(_slot_file(vault).read_text())["slots"]
    assert [s["type"] for s in slots] == ["passphrase", "recovery"]
    # The database key is nowhere in clear in the file.
    assert "ciphertext" in slots[1] and slots[1]["fingerprint"] == fingerprint


def test_a_forgotten_passphrase_is_replaced_using_the_recovery_key(
    vault: Vault, authority_key
) -> None:
    _, person_id = _enrolled(vault, authority_key)
    Vault.recover(vault.data_dir, vault.profile.id, authority_key, NEW, kdf=FAST_KDF_FOR_TESTS)
    with pytest.raises(WrongPassphraseError):
        Vault.open(vault.data_dir, vault.profile.id, PASSPHRASE)
    reopened = Vault.open(vault.data_dir, vault.profile.id, NEW)
    try:
        assert session_for(reopened).people.get(person_id).details.given_name == "Zoë"
        actions = [e.action for e in history.list_audit(reopened.conn)]
        assert "vault.recover" in actions
        # The recovery slot is kept: the same key recovers it again next time.
        assert recovery_fingerprint(reopened.data_dir, reopened.profile.id) is not None
    finally:
        reopened.close()
    Vault.recover(
        vault.data_dir, vault.profile.id, authority_key, PASSPHRASE, kdf=FAST_KDF_FOR_TESTS
    )
    Vault.open(vault.data_dir, vault.profile.id, PASSPHRASE).close()


def test_recovery_clears_the_wait_after_wrong_passphrases(vault: Vault, authority_key) -> None:
    _enrolled(vault, authority_key)
    for _ in range(4):
        with pytest.raises(AssessorError):
            Vault.open(vault.data_dir, vault.profile.id, "not my passphrase at all")
    Vault.recover(vault.data_dir, vault.profile.id, authority_key, NEW, kdf=FAST_KDF_FOR_TESTS)
    Vault.open(vault.data_dir, vault.profile.id, NEW).close()


@pytest.mark.parametrize("rotate_key", [True, False], ids=["with a new key", "keeping the key"])
def test_changing_the_passphrase_keeps_recovery_working(
    vault: Vault, authority_key, rotate_key: bool
) -> None:
    _enrolled(vault, authority_key)
    opened = Vault.open(vault.data_dir, vault.profile.id, PASSPHRASE)
    opened.change_passphrase(PASSPHRASE, NEW, FAST_KDF_FOR_TESTS, rotate_key=rotate_key)
    opened.rekey(NEW, FAST_KDF_FOR_TESTS)
    opened.close()
    types = [s["type"] for s in json.loads(_slot_file(vault).read_text())["slots"]]
    assert types == ["passphrase", "recovery"]
    Vault.recover(
        vault.data_dir,
        vault.profile.id,
        authority_key,
        "third lantern of the evening",
        kdf=FAST_KDF_FOR_TESTS,
    )
    Vault.open(vault.data_dir, vault.profile.id, "third lantern of the evening").close()


def _unchanged(vault: Vault, attempt) -> AssessorError:
    """Run a recovery that must fail; check the key file and records file did not change."""
    before = {p.name: p.read_bytes() for p in vault.folder.iterdir() if p.is_file()}
    with pytest.raises(AssessorError) as caught:
        attempt()
    after = {p.name: p.read_bytes() for p in vault.folder.iterdir() if p.is_file()}
    assert after.keys() == before.keys()
    assert after["keyslots.json"] == before["keyslots.json"]
    assert after["vault.db"] == before["vault.db"]
    Vault.open(vault.data_dir, vault.profile.id, PASSPHRASE).close()
    return caught.value


def test_another_recovery_key_is_refused_naming_both_fingerprints(
    vault: Vault, authority_key
) -> None:
    _enrolled(vault, authority_key)
    other = recovery_key.generate()
    error = _unchanged(
        vault,
        lambda: Vault.recover(vault.data_dir, vault.profile.id, other, NEW, kdf=FAST_KDF_FOR_TESTS),
    )
    assert isinstance(error, RecoveryError)
    assert "not the recovery key this profile was enrolled with" in error.user_message
    assert recovery_key.fingerprint(authority_key.public_key()) in error.user_message
    assert recovery_key.fingerprint(other.public_key()) in error.user_message
    assert "Nothing has been changed" in error.next_step


def test_a_profile_without_a_recovery_slot_says_so(vault: Vault, authority_key) -> None:
    vault.close()
    error = _unchanged(
        vault,
        lambda: Vault.recover(
            vault.data_dir, vault.profile.id, authority_key, NEW, kdf=FAST_KDF_FOR_TESTS
        ),
    )
    assert isinstance(error, RecoveryError) and "no recovery key slot" in error.user_message


def test_a_weak_new_passphrase_is_refused_before_anything(vault: Vault, authority_key) -> None:
    _enrolled(vault, authority_key)
    error = _unchanged(
        vault,
        lambda: Vault.recover(
            vault.data_dir, vault.profile.id, authority_key, "password1", kdf=FAST_KDF_FOR_TESTS
        ),
    )
    assert "too easy to guess" in error.user_message


def _rewrite(vault: Vault, change) -> None:
    """Change the key file as a careful attacker would: checksum recomputed, so it loads."""
    data = json.loads(_slot_file(vault).read_text())
    data.pop("checksum")
    change(data)
    data["checksum"] = _checksum(data)
    _slot_file(vault).write_text(json.dumps(data))


def _recovery(data: dict) -> dict:
    return next(s for s in data["slots"] if s["type"] == "recovery")


def test_a_recovery_slot_with_a_flipped_bit_is_refused(vault: Vault, authority_key) -> None:
    _enrolled(vault, authority_key)

    def flip(data: dict) -> None:
        raw = bytearray(base64.b64decode(_recovery(data)["ciphertext"]))
        raw[3] ^= 1
        _recovery(data)["ciphertext"] = base64.b64encode(bytes(raw)).decode()

    _rewrite(vault, flip)
    error = _unchanged(
        vault,
        lambda: Vault.recover(
            vault.data_dir, vault.profile.id, authority_key, NEW, kdf=FAST_KDF_FOR_TESTS
        ),
    )
    assert isinstance(error, RecoveryError) and "changed or damaged" in error.user_message


def test_a_slot_resealed_around_another_key_is_refused(vault: Vault, authority_key) -> None:
    """Anyone can seal to the public key: the slot only counts if the records file opens."""
    _enrolled(vault, authority_key)
    slots = KeySlots.load(_slot_file(vault))
    slots.set_recovery_slot(
        secrets.token_bytes(32), recovery_key.public_key_text(authority_key.public_key())
    )
    error = _unchanged(
        vault,
        lambda: Vault.recover(
            vault.data_dir, vault.profile.id, authority_key, NEW, kdf=FAST_KDF_FOR_TESTS
        ),
    )
    assert isinstance(error, RecoveryError)
    assert "does not hold the key to its records" in error.user_message


def test_a_swapped_recovery_public_key_is_not_carried_over_by_a_rotation(
    vault: Vault, authority_key
) -> None:
    """Someone who swaps the slot's public key for their own must not get the next key."""
    _enrolled(vault, authority_key)
    intruder = recovery_key.generate()
    opened = Vault.open(vault.data_dir, vault.profile.id, PASSPHRASE)
    key = bytes(opened._require_key())
    opened.close()

    def swap(data: dict) -> None:
        sealed = recovery_key.seal(key, intruder.public_key(), b"")
        slot = _recovery(data)
        slot["recipient"] = sealed["recipient"]

    _rewrite(vault, swap)
    opened = Vault.open(vault.data_dir, vault.profile.id, PASSPHRASE)
    try:
        with pytest.raises(AssessorError, match="changed by something other than this app"):
            opened.rekey(PASSPHRASE, FAST_KDF_FOR_TESTS)
    finally:
        opened.close()
    assert "pending" not in json.loads(_slot_file(vault).read_text())
    Vault.open(vault.data_dir, vault.profile.id, PASSPHRASE).close()


def test_a_slot_from_another_profile_does_not_open_this_one(
    data_dir: Path, vault: Vault, authority_key
) -> None:
    _enrolled(vault, authority_key)
    other = Vault.create(
        data_dir,
        name="Sam Testcase",
        role=vault.profile.role,
        authority="Exampleshire",
        passphrase=PASSPHRASE,
        kdf=FAST_KDF_FOR_TESTS,
    )
    other.set_recovery_key(recovery_key.public_key_text(authority_key.public_key()))
    other.close()
    theirs = _recovery(json.loads((other.folder / "keyslots.json").read_text()))
    _rewrite(vault, lambda data: data["slots"].__setitem__(1, theirs))
    error = _unchanged(
        vault,
        lambda: Vault.recover(
            vault.data_dir, vault.profile.id, authority_key, NEW, kdf=FAST_KDF_FOR_TESTS
        ),
    )
    assert isinstance(error, RecoveryError)


def test_the_key_file_opens_only_with_its_passphrase(authority_key) -> None:
    data = recovery_key.private_key_file(authority_key, "vault of the county", FAST_KDF_FOR_TESTS)
    opened = recovery_key.load_private_key(data, "vault of the county")
    assert recovery_key.public_key_text(opened.public_key()) == recovery_key.public_key_text(
        authority_key.public_key()
    )
    assert recovery_key.fingerprint(authority_key.public_key()) in data.decode()
    with pytest.raises(RecoveryError, match="doesn't open the recovery key file"):
        recovery_key.load_private_key(data, "vault of the country")
    with pytest.raises(RecoveryError, match="not the council's recovery key"):
        recovery_key.load_private_key(b'{"kind": "something else"}', "vault of the county")
    with pytest.raises(RecoveryError, match="not the council's recovery key"):
        recovery_key.load_private_key(b"\x00\x01 not json", "vault of the county")


@pytest.mark.parametrize("crash_after_rekey", [False, True], ids=["before", "after rekey"])
def test_a_rotation_cut_short_is_still_recovered(
    vault: Vault, authority_key, crash_after_rekey: bool
) -> None:
    """The laptop died mid-rotation and the passphrase is then forgotten: both keys are tried."""
    _enrolled(vault, authority_key)
    opened = Vault.open(vault.data_dir, vault.profile.id, PASSPHRASE)
    slots = KeySlots.load(_slot_file(vault))
    new_key = slots.begin_rotation(
        PASSPHRASE, FAST_KDF_FOR_TESTS, current_key=opened._require_key()
    )
    if crash_after_rekey:
        opened.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        opened.conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
    simulate_crash(opened)
    Vault.recover(vault.data_dir, vault.profile.id, authority_key, NEW, kdf=FAST_KDF_FOR_TESTS)
    assert "pending" not in json.loads(_slot_file(vault).read_text())
    reopened = Vault.open(vault.data_dir, vault.profile.id, NEW)
    try:
        assert session_for(reopened).people.count() == 1
        slots_info = reopened.info()["key_slots"]
        assert [s["type"] for s in slots_info] == ["passphrase", "recovery"]
        assert slots_info[1]["fingerprint"] == recovery_key.fingerprint(authority_key.public_key())
    finally:
        reopened.close()
