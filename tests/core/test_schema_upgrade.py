"""Golden vaults from every released schema open, upgrade and keep their records."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assessor_app.core.storage import database, history, other_versions, shared_dst
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.leaving import leaving
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.profiles import list_profiles
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client import pull

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "db"
GOLDEN_PASSPHRASE = "golden fixture passphrase"


@pytest.mark.parametrize("folder", sorted(GOLDEN.glob("schema-*")), ids=lambda p: p.name)
def test_golden_vault_upgrades_and_keeps_records(folder: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(folder, data_dir)
    [profile] = list_profiles(data_dir)
    vault = Vault.open(data_dir, profile.id, GOLDEN_PASSPHRASE)
    try:
        assert database.user_version(vault.conn) == database.schema_max_version()
        people = PeopleRepository(vault)
        assert sorted(p.details.family_name for p in people.search("")) == [
            "Brindlewood",
            "Quillfeather",
        ]
        [zoe] = people.search("quillfeather")
        # Schema 8 folds accents in what was stored before it: Zoë is found from "zoe".
        assert people.search("zoe quill") == [zoe]
        [record] = AssessmentRepository(vault).list_for_person(zoe.id)
        assert record.answers["notes"] == "Golden narrative kept across upgrades."
        assert record.revision == 3
        assert history.verify_chains(vault.conn).ok
        # Schema 11 keeps other versions fetched from the gateway; older files have none.
        kept = [record.id] if int(folder.name.removeprefix("schema-")) >= 11 else []
        assert other_versions.open_record_ids(vault.conn) == kept
        # Schema 14 keeps the pull's cursor and who is moving away; older files have none.
        pulled = int(folder.name.removeprefix("schema-")) >= 14
        assert pull.stored_cursor(vault.conn) == (42 if pulled else 0)
        [lukasz] = people.search("brindlewood")
        assert leaving(vault.conn) == ({lukasz.id} if pulled else set())
        # Schema 18 keeps the DSTs held by invitation; older files have none.
        shared = int(folder.name.removeprefix("schema-")) >= 18
        assert shared_dst.held_records(vault.conn) == (["90d5a7ed00c0ffee"] if shared else [])
    finally:
        vault.close()


def test_there_is_a_golden_vault_for_the_newest_schema() -> None:
    newest = database.schema_max_version()
    assert (GOLDEN / f"schema-{newest:04d}").is_dir(), (
        "Release checklist: run tests/fixtures/db/make_golden.py for the new schema."
    )
