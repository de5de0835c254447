"""The vault as a laptop thief, a flat battery and an upgrade would test it."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from assessor_app.core.errors import (
    AssessorError,
    MigrationFailedError,
    UnlockBackoffError,
    VaultCorruptError,
    VaultNotFoundError,
    VaultTooNewError,
    WrongPassphraseError,
)
from assessor_app.core.records import Role
from assessor_app.core.storage import database
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS, KeySlots
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.profiles import list_profiles
from assessor_app.core.storage.vault import Vault, backoff_delay
from tests.conftest import PASSPHRASE
from tests.support import community_person, simulate_crash


def _digest_folder(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != "unlock_state.json"
    }


def test_profile_reopens_with_its_passphrase_and_keeps_people(vault: Vault, data_dir: Path) -> None:
    person = PeopleRepository(vault).add(community_person())
    profile_id = vault.profile.id
    vault.close()
    [summary] = list_profiles(data_dir)
    assert summary.label == "Robin Testcase"
    reopened = Vault.open(data_dir, profile_id, PASSPHRASE)
    assert reopened.profile.authority == "Exampleshire County Council"
    assert PeopleRepository(reopened).get(person.id).details.family_name == "Quillfeather"
    reopened.close()


def test_wrong_passphrase_leaves_database_unchanged(vault: Vault, data_dir: Path) -> None:
    profile_id = vault.profile.id
    vault.close()
    before = _digest_folder(vault.folder)
    with pytest.raises(WrongPassphraseError, match="doesn't open"):
        Vault.open(data_dir, profile_id, "amber lantern orchard ")
    assert _digest_folder(vault.folder) == before


def test_repeated_wrong_passphrases_back_off_across_restarts(vault: Vault, data_dir: Path) -> None:
    profile_id = vault.profile.id
    vault.close()
    now = [1_000_000.0]

    def clock() -> float:
        return now[0]

    for _ in range(3):
        with pytest.raises(WrongPassphraseError):
            Vault.open(data_dir, profile_id, "wrong", clock=clock)
    # The fourth failure is counted in a file, so a restart (a new call) still has to wait.
    with pytest.raises(UnlockBackoffError) as waited:
        Vault.open(data_dir, profile_id, PASSPHRASE, clock=clock)
    assert waited.value.retry_after_seconds == pytest.approx(backoff_delay(3))
    now[0] += backoff_delay(3) + 0.1
    Vault.open(data_dir, profile_id, PASSPHRASE, clock=clock).close()
    # Success clears the count.
    with pytest.raises(WrongPassphraseError) as wrong:
        Vault.open(data_dir, profile_id, "wrong", clock=clock)
    assert wrong.value.retry_after_seconds == 0


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff_delay(n) for n in range(12)]
    assert delays[:3] == [0, 0, 0]
    assert delays[3:6] == [2, 4, 8]
    assert max(delays) <= 300 and backoff_delay(40) == 300


def test_change_passphrase_rewraps_without_reencrypting(vault: Vault, data_dir: Path) -> None:
    PeopleRepository(vault).add(community_person())
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db_before = (vault.folder / "vault.db").read_bytes()[:4096]
    vault.change_passphrase(PASSPHRASE, "velvet compass harbour", FAST_KDF_FOR_TESTS)
    vault.close()
    assert (vault.folder / "vault.db").read_bytes()[:4096] == db_before
    with pytest.raises(WrongPassphraseError):
        Vault.open(data_dir, vault.profile.id, PASSPHRASE)
    reopened = Vault.open(data_dir, vault.profile.id, "velvet compass harbour")
    assert PeopleRepository(reopened).count() == 1
    reopened.close()


def test_rekey_rotates_the_database_key(vault: Vault, data_dir: Path) -> None:
    PeopleRepository(vault).add(community_person())
    old_key = KeySlots.load(vault.folder / "keyslots.json").unlock(PASSPHRASE)[0]
    vault.rekey(PASSPHRASE, FAST_KDF_FOR_TESTS)
    vault.close()
    new_key = KeySlots.load(vault.folder / "keyslots.json").unlock(PASSPHRASE)[0]
    assert new_key != old_key
    with pytest.raises(VaultCorruptError):
        database.connect(vault.folder / "vault.db", old_key)
    reopened = Vault.open(data_dir, vault.profile.id, PASSPHRASE)
    assert PeopleRepository(reopened).count() == 1
    reopened.close()


@pytest.mark.parametrize("crash_after_rekey", [False, True])
def test_rekey_cut_short_still_opens(vault: Vault, data_dir: Path, crash_after_rekey: bool) -> None:
    PeopleRepository(vault).add(community_person())
    slots = KeySlots.load(vault.folder / "keyslots.json")
    new_key = slots.begin_rotation(PASSPHRASE, FAST_KDF_FOR_TESTS)
    if crash_after_rekey:
        vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        vault.conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
    # The process dies here: finish_rotation never runs.
    simulate_crash(vault)
    reopened = Vault.open(data_dir, vault.profile.id, PASSPHRASE)
    assert PeopleRepository(reopened).count() == 1
    assert "pending" not in KeySlots.load(vault.folder / "keyslots.json").data
    reopened.close()
    Vault.open(data_dir, vault.profile.id, PASSPHRASE).close()


def test_a_file_that_is_not_a_vault_is_refused_and_kept(vault: Vault, data_dir: Path) -> None:
    vault.close()
    db = vault.folder / "vault.db"
    db.write_bytes(b"This is a shopping list, not a vault.\n" * 200)
    before = db.read_bytes()
    with pytest.raises(VaultCorruptError, match="cannot be read"):
        Vault.open(data_dir, vault.profile.id, PASSPHRASE)
    assert db.read_bytes() == before


def test_a_truncated_vault_is_refused_with_a_clear_message(vault: Vault, data_dir: Path) -> None:
    people = PeopleRepository(vault)
    for i in range(200):
        people.add(community_person(given_name=f"Test{i}"))
    vault.close()
    db = vault.folder / "vault.db"
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])
    with pytest.raises(VaultCorruptError):
        reopened = Vault.open(data_dir, vault.profile.id, PASSPHRASE)
        try:
            PeopleRepository(reopened).search("", limit=1000)
        finally:
            reopened.conn.close()


def test_damaged_key_file_says_so(vault: Vault, data_dir: Path) -> None:
    vault.close()
    (vault.folder / "keyslots.json").write_text("{not json")
    with pytest.raises(VaultCorruptError, match="key file"):
        Vault.open(data_dir, vault.profile.id, PASSPHRASE)


def test_unknown_profile_is_not_found(data_dir: Path) -> None:
    with pytest.raises(VaultNotFoundError):
        Vault.open(data_dir, "0000000000000000", PASSPHRASE)


def test_a_vault_from_a_newer_app_is_refused(vault: Vault, data_dir: Path) -> None:
    vault.conn.execute("PRAGMA user_version = 99")
    vault.close()
    with pytest.raises(VaultTooNewError, match="newer version"):
        Vault.open(data_dir, vault.profile.id, PASSPHRASE)


def test_failed_migration_restores_the_copy(vault: Vault, tmp_path: Path) -> None:
    PeopleRepository(vault).add(community_person())
    migrations = tmp_path / "migrations"
    shutil.copytree(database.MIGRATIONS_DIR, migrations)
    step = database.schema_max_version() + 1
    (migrations / f"{step:04d}_broken.sql").write_text(
        "CREATE TABLE half_done (x);\nINSERT INTO no_such_table VALUES (1);\n"
    )
    db_path = vault.folder / "vault.db"
    with pytest.raises(MigrationFailedError, match="nothing was lost"):
        database.migrate(vault.conn, db_path, migrations)
    vault._conn = None  # migrate closed it to put the copy back
    key = KeySlots.load(vault.folder / "keyslots.json").unlock(PASSPHRASE)[0]
    conn = database.connect(db_path, key)
    assert database.user_version(conn) == step - 1
    assert conn.execute("SELECT count(*) FROM person").fetchone()[0] == 1
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name='half_done'").fetchone()
    assert not list(vault.folder.glob("*.pre-upgrade-*"))
    conn.close()


def test_successful_migration_applies_in_order_and_drops_the_copy(
    vault: Vault, tmp_path: Path
) -> None:
    migrations = tmp_path / "migrations"
    shutil.copytree(database.MIGRATIONS_DIR, migrations)
    step = database.schema_max_version() + 1
    (migrations / f"{step:04d}_add_flags.sql").write_text("CREATE TABLE person_flag (p, f);\n")
    assert database.migrate(vault.conn, vault.folder / "vault.db", migrations) == step
    assert database.user_version(vault.conn) == step
    assert not list(vault.folder.glob("*.pre-upgrade-*"))


def test_profiles_are_separate_folders_with_separate_keys(data_dir: Path) -> None:
    a = Vault.create(
        data_dir,
        name="Assessor A",
        role=Role.NURSE,
        authority="X",
        passphrase="first pass phrase",
        kdf=FAST_KDF_FOR_TESTS,
    )
    b = Vault.create(
        data_dir,
        name="Assessor B",
        role=Role.OCCUPATIONAL_THERAPIST,
        authority="X",
        passphrase="second pass phrase",
        kdf=FAST_KDF_FOR_TESTS,
    )
    PeopleRepository(a).add(community_person())
    assert PeopleRepository(b).count() == 0
    a.close()
    b.close()
    with pytest.raises(WrongPassphraseError):
        Vault.open(data_dir, b.profile.id, "first pass phrase")
    assert oct(os.stat(a.folder).st_mode & 0o777) == "0o700"


@pytest.mark.parametrize(
    "weak", ["password", "12345678", "aaaaaaaaaaaa", "Password1!", "letmein2026"]
)
def test_a_passphrase_a_guesser_tries_first_is_refused(data_dir: Path, weak: str) -> None:
    with pytest.raises(AssessorError, match="too easy to guess"):
        Vault.create(
            data_dir,
            name="Robin Testcase",
            role=Role.NURSE,
            authority="X",
            passphrase=weak,
            kdf=FAST_KDF_FOR_TESTS,
        )
    assert not list(data_dir.glob("profiles/*"))  # nothing left behind


def test_a_weak_new_passphrase_is_refused_and_the_old_one_still_opens(
    vault: Vault, data_dir: Path
) -> None:
    with pytest.raises(AssessorError, match="too easy to guess"):
        vault.change_passphrase(PASSPHRASE, "password", FAST_KDF_FOR_TESTS)
    vault.close()
    Vault.open(data_dir, vault.profile.id, PASSPHRASE).close()
