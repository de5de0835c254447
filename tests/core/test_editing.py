"""A draft started on an older form version is never stranded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assessor_app.core import paths
from assessor_app.core.errors import NotFoundError
from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.records import RecordStatus
from assessor_app.core.services.records import open_for_editing
from assessor_app.core.storage import history
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.support import community_person, session_for


def _v1_draft(vault: Vault) -> tuple[AssessmentRepository, str]:
    person = PeopleRepository(vault).add(community_person())
    records = AssessmentRepository(vault)
    rid = records.create(person.id, "sample", 1).id
    records.save_field(rid, "living_situation", "with_family")
    records.save_field(rid, "old_reference", "REF-1")
    return records, rid


def test_old_draft_is_migrated_forward_as_a_new_revision(vault: Vault) -> None:
    records, rid = _v1_draft(vault)
    opened = open_for_editing(session_for(records, load_forms_dir(paths.default_forms_dir())), rid)
    assert opened.migrated_from == 1 and opened.form.version == 2
    assert opened.record.answers == {"living": "family", "interpreter_needed": False}
    assert [r.body["form_version"] for r in records.history(rid)] == [1, 1, 2]
    assert [e.action for e in history.list_audit(vault.conn, rid)][-1] == "assessment.view"
    assert opened.who == ("Zoë Quillfeather · born 14/03/1948 · NHS 943 476 5919 · Own home")


def test_draft_stays_on_its_version_when_no_migration_leads_on(
    vault: Vault, tmp_path: Path
) -> None:
    forms = tmp_path / "forms"
    shutil.copytree(paths.default_forms_dir(), forms)
    v2 = (forms / "sample" / "v2.yaml").read_text()
    head, _, _ = v2.partition("\nmigrations:")
    (forms / "sample" / "v3.yaml").write_text(head.replace("version: 2", "version: 3") + "\n")
    records = AssessmentRepository(vault)
    person = PeopleRepository(vault).add(community_person())
    rid = records.create(person.id, "sample", 2).id
    records.save_field(rid, "preferred_name", "Zoë")
    opened = open_for_editing(session_for(records, load_forms_dir(forms)), rid)
    assert opened.migrated_from is None and opened.form.version == 2 and opened.editable
    assert opened.record.answers["preferred_name"] == "Zoë"


def test_finished_record_is_shown_as_it_was(vault: Vault) -> None:
    records, rid = _v1_draft(vault)
    records.set_status(rid, RecordStatus.COMPLETED)
    opened = open_for_editing(session_for(records, load_forms_dir(paths.default_forms_dir())), rid)
    assert opened.form.version == 1 and not opened.editable
    assert opened.record.answers["living_situation"] == "with_family"


def test_missing_form_version_names_what_to_install(vault: Vault, tmp_path: Path) -> None:
    records, rid = _v1_draft(vault)
    records.set_status(rid, RecordStatus.COMPLETED)
    forms = tmp_path / "forms"
    shutil.copytree(paths.default_forms_dir(), forms)
    (forms / "sample" / "v1.yaml").unlink()
    with pytest.raises(NotFoundError, match="version 1, which is not installed"):
        open_for_editing(session_for(records, load_forms_dir(forms)), rid)
