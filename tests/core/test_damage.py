"""Damage named for what it is: a flipped bit, a cut-off page, a file of one byte. The app
says the file is damaged (not that the disk is full), says what is still readable, never
writes to a file that failed to open, and can salvage the rest or bring back a backup."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from assessor_app.core.errors import VaultCorruptError
from assessor_app.core.records import Role
from assessor_app.core.storage import backups, history
from assessor_app.core.storage.database import DamagedFileError
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.profiles import list_profiles
from assessor_app.core.storage.salvage import salvage
from assessor_app.core.storage.vault import Vault
from tests.core.test_cli import PASS, cli  # noqa: F401 - the fixture
from tests.support import community_person

PEOPLE = 300


def _caseload(data_dir: Path) -> Vault:
    vault = Vault.create(
        data_dir,
        name="Casey Example",
        role=Role.NURSE,
        authority="X",
        passphrase=PASS,
        kdf=FAST_KDF_FOR_TESTS,
    )
    people = PeopleRepository(vault)
    for i in range(PEOPLE):
        people.add(community_person(given_name=f"Synthetic{i:03d}"))
    return vault


def _flip_a_bit_in_page(db: Path, page: int) -> None:
    data = bytearray(db.read_bytes())
    data[(page - 1) * 4096 + 1000] ^= 0x01
    db.write_bytes(bytes(data))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def damaged(tmp_path: Path) -> tuple[Path, str, Path]:
    """The page at the top of the caseload's table (where its current state is) is damaged;
    the history, on other pages, is sound."""
    data_dir = tmp_path / "data"
    vault = _caseload(data_dir)
    [root] = vault.conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'person'")
    vault.close()
    db = vault.folder / "vault.db"
    _flip_a_bit_in_page(db, int(root[0]))
    return data_dir, vault.profile.id, db


def test_a_flipped_bit_is_reported_as_damage_by_the_cli(cli, damaged) -> None:  # noqa: F811
    _data_dir, _pid, db = damaged
    code, _, err = cli("audit", "verify")
    assert code == 6 and "records file is damaged" in err and "HMAC" in err
    code, _, err = cli("person", "list")
    assert code == 5 and "damaged" in err and "disk may be full" not in err
    assert "salvage" in err
    before = _digest(db)
    code, out, err = cli("--profile", _pid, "vault", "salvage")
    assert code == 0, err
    assert f"{PEOPLE} people" in out and _digest(db) == before


def test_one_bad_page_does_not_make_the_rest_unreadable(damaged) -> None:
    data_dir, pid, _db = damaged
    vault = Vault.open(data_dir, pid, PASS)
    people = PeopleRepository(vault)
    with pytest.raises(DamagedFileError):
        people.search("", limit=10_000)
    # The connection that met the bad page is replaced: the history, on sound pages, reads.
    [(count,)] = vault.conn.execute("SELECT count(*) FROM revision WHERE entity_type = 'person'")
    assert count == PEOPLE
    vault.close()


def test_salvage_copies_what_can_be_read_and_leaves_the_damaged_file_alone(damaged) -> None:
    data_dir, pid, db = damaged
    before = _digest(db)
    vault = Vault.open(data_dir, pid, PASS, read_only=True)
    report = salvage(vault, data_dir, PASS, kdf=FAST_KDF_FOR_TESTS)
    vault.close()
    assert _digest(db) == before
    # Every person's current state was lost with the page; each comes back from history.
    assert report.people == PEOPLE and report.lost == []
    rescued = Vault.open(data_dir, report.profile_id, PASS)
    assert PeopleRepository(rescued).count() == report.people
    assert rescued.integrity_problems() == [] and history.verify_chains(rescued.conn).ok
    rescued.close()
    labels = {p.id: p.label for p in list_profiles(data_dir)}
    assert "salvaged" in labels[report.profile_id]


def test_a_one_byte_records_file_is_refused_and_never_rewritten(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    vault = _caseload(data_dir)
    vault.close()
    db = vault.folder / "vault.db"
    db.write_bytes(b"\x00")
    with pytest.raises(VaultCorruptError, match="only 1 bytes long"):
        Vault.open(data_dir, vault.profile.id, PASS)
    assert db.read_bytes() == b"\x00"


def test_a_backup_is_kept_on_lock_and_can_be_restored(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    vault = _caseload(data_dir)
    vault.close()
    [backup] = backups.list_backups(vault.folder)
    assert b"Quillfeather" not in backup.path.read_bytes()  # encrypted like the vault
    db = vault.folder / "vault.db"
    db.write_bytes(db.read_bytes()[:-4096])  # the last page cut off
    chosen = Vault.restore(data_dir, vault.profile.id, PASS)
    assert chosen.name == backup.name
    assert list(vault.folder.glob("vault.db.replaced-*"))  # the damaged file is kept
    reopened = Vault.open(data_dir, vault.profile.id, PASS)
    assert PeopleRepository(reopened).count() == PEOPLE
    assert reopened.history_problem is None and reopened.anchor_report() is None
    assert history.verify_chains(reopened.conn).ok
    reopened.close()
    # A lock within the hour makes no new backup; the newest three are kept.
    assert len(backups.list_backups(vault.folder)) == 1


def test_rotating_the_key_replaces_the_backups(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    vault = _caseload(data_dir)
    vault.close()
    [old] = backups.list_backups(vault.folder)
    vault = Vault.open(data_dir, vault.profile.id, PASS)
    vault.rekey(PASS, FAST_KDF_FOR_TESTS)
    vault.close()
    [new] = backups.list_backups(vault.folder)
    assert new.name != old.name and not old.path.exists()


def test_a_write_that_meets_a_damaged_page_says_damaged(damaged) -> None:
    data_dir, pid, _db = damaged
    vault = Vault.open(data_dir, pid, PASS)
    with pytest.raises(DamagedFileError) as err:
        PeopleRepository(vault).add(community_person(given_name="Another"))
    assert not err.value.work_is_safe and "salvage" in err.value.next_step
    vault.close()
