"""Regressions for bugs a review reproduced against the storage core (one test per bug)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from assessor_app import cli
from assessor_app.core import paths
from assessor_app.core.errors import StorageWriteError, ValidationError, VaultCorruptError
from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.services.record_files import import_record
from assessor_app.core.storage import history
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.keyslots import KeySlots
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.conftest import PASSPHRASE
from tests.support import community_person, reseal_export, session_for


def _draft(vault: Vault) -> tuple[AssessmentRepository, str]:
    person = PeopleRepository(vault).add(community_person())
    records = AssessmentRepository(vault)
    return records, records.create(person.id, "sample", 2).id


def test_an_autosave_that_could_never_apply_is_refused_and_the_record_stays_readable(
    vault: Vault,
) -> None:
    records, rid = _draft(vault)
    with pytest.raises(ValidationError, match="no item 4"):
        records.save_field(rid, "income_sources[3].amount", 100)
    records.save_field(rid, "notes", "still here")
    assert records.get(rid).answers == {"notes": "still here"}
    assert records.checkpoint(rid).answers == {"notes": "still here"}


def test_an_answer_that_is_not_plain_data_is_refused_clearly(vault: Vault) -> None:
    records, rid = _draft(vault)
    with pytest.raises(ValidationError, match="not plain text"):
        records.save_field(rid, "visit_date", dt.date(2026, 1, 1))


def test_a_full_disk_says_so_and_keeps_what_was_saved(vault: Vault) -> None:
    records, rid = _draft(vault)
    records.save_field(rid, "notes", "saved before the disk filled")
    pages = vault.conn.execute("PRAGMA page_count").fetchone()[0]
    vault.conn.execute(f"PRAGMA max_page_count = {pages + 1}")
    with pytest.raises(StorageWriteError, match="disk may be full"):
        for i in range(50):
            records.save_field(rid, "notes", "x" * 50_000 + str(i))
    vault.conn.execute("PRAGMA max_page_count = 1073741823")
    assert records.get(rid).answers["notes"].startswith(("saved before", "x"))


def test_an_empty_vault_file_is_refused_and_not_written(vault: Vault, data_dir: Path) -> None:
    vault.close()
    db = vault.folder / "vault.db"
    db.write_bytes(b"")
    with pytest.raises(VaultCorruptError, match="empty"):
        Vault.open(data_dir, vault.profile.id, PASSPHRASE)
    assert db.stat().st_size == 0


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d["slots"][0].pop("type"),
        lambda d: d.pop("profile_id"),
        lambda d: d["slots"][0]["kdf"].update(memory_kib=1),
        lambda d: d["slots"][0]["wrap"].update(nonce=""),
        lambda d: d["slots"][0]["wrap"].update(ciphertext="***"),
    ],
)
def test_a_damaged_key_file_is_reported_as_damaged(vault: Vault, data_dir: Path, damage) -> None:
    vault.close()
    path = vault.folder / "keyslots.json"
    data = json.loads(path.read_text())
    damage(data)
    path.write_text(json.dumps(data))
    with pytest.raises(VaultCorruptError, match="key file"):
        Vault.open(data_dir, vault.profile.id, PASSPHRASE)


def test_cli_rekey_with_a_typed_passphrase(
    vault: Vault, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault.close()
    monkeypatch.delenv("ASSESSOR_PASSPHRASE", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": PASSPHRASE)
    before = KeySlots.load(vault.folder / "keyslots.json").unlock(PASSPHRASE)[0]
    code = cli.main(["--insecure-fast-kdf", "--data-dir", str(data_dir), "vault", "rekey"])
    assert code == 0
    assert KeySlots.load(vault.folder / "keyslots.json").unlock(PASSPHRASE)[0] != before


def test_audit_verify_sees_edits_to_what_users_see(vault: Vault) -> None:
    records, rid = _draft(vault)
    records.save_field(rid, "notes", "original")
    records.checkpoint(rid)
    assert history.verify_chains(vault.conn).ok
    vault.conn.execute('UPDATE assessment SET answers = \'{"notes":"forged"}\'')
    report = history.verify_chains(vault.conn)
    assert report.first_break == f"assessment {rid}: the record shown differs from revision 2"
    vault.conn.execute('UPDATE assessment SET answers = \'{"notes":"original"}\'')
    vault.conn.execute("UPDATE person SET body = replace(body, 'Zoë', 'Eve')")
    assert "the details shown differ" in (history.verify_chains(vault.conn).first_break or "")


@pytest.mark.parametrize(
    ("change", "message"),
    [({"given_name": 5}, "given name must be text"), ({"nhs_number": 9434765919}, "must be text")],
)
def test_import_with_wrongly_typed_person_details_is_refused(
    vault: Vault, change: dict[str, object], message: str
) -> None:
    records, rid = _draft(vault)
    data = copy.deepcopy(records.export(rid))
    data["assessment"]["id"], data["person"]["id"] = "new-record", "new-person"
    data["person"].update(change)
    reseal_export(data)
    with pytest.raises(ValidationError, match=message):
        import_record(
            session_for(vault, load_forms_dir(paths.default_forms_dir())), data, allow_unsigned=True
        )


def test_import_with_a_null_author_credits_the_importer(vault: Vault) -> None:
    records, rid = _draft(vault)
    data = copy.deepcopy(records.export(rid))
    data["assessment"]["id"], data["person"]["id"] = "new-record", "new-person"
    data["assessment"]["author"] = None
    reseal_export(data)
    imported = import_record(
        session_for(vault, load_forms_dir(paths.default_forms_dir())), data, allow_unsigned=True
    )
    assert imported.author == "Robin Testcase"
