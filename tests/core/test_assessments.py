"""Assessment records: every keystroke kept, one revision per edit, moving records in and out."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from assessor_app.core import paths
from assessor_app.core.errors import ValidationError
from assessor_app.core.form_engine.definition import FormRegistry, load_forms_dir
from assessor_app.core.records import RecordStatus
from assessor_app.core.services.record_files import import_record
from assessor_app.core.storage import history
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.conftest import PASSPHRASE
from tests.support import community_person, reseal_export, session_for, simulate_crash


@pytest.fixture(scope="module")
def registry() -> FormRegistry:
    """The form definitions shipped in forms/."""
    return load_forms_dir(paths.default_forms_dir())


def _draft(vault: Vault) -> tuple[AssessmentRepository, str]:
    person = PeopleRepository(vault).add(community_person())
    records = AssessmentRepository(vault)
    return records, records.create(person.id, "sample", 2).id


def test_autosaved_field_is_there_after_reopen_without_checkpoint(vault: Vault, data_dir) -> None:
    records, rid = _draft(vault)
    records.save_field(rid, "preferred_name", "Zoë")
    # The lid closes: no checkpoint, no clean shutdown of the repository.
    simulate_crash(vault)
    reopened = Vault.open(data_dir, vault.profile.id, PASSPHRASE)
    assert AssessmentRepository(reopened).get(rid).answers["preferred_name"] == "Zoë"
    reopened.close()


def test_a_long_narrative_makes_one_revision(vault: Vault) -> None:
    records, rid = _draft(vault)
    text = ""
    for word in ("She", "manages", "stairs", "slowly", "with", "a", "rail") * 20:
        text += word + " "
        records.save_field(rid, "notes", text)
    saved = records.checkpoint(rid)
    assert saved.answers["notes"] == text
    assert [r.seq for r in records.history(rid)] == [1, 2]
    # Nothing changed since: focus moving on makes no empty revision.
    assert records.checkpoint(rid).revision == 2


def test_repeating_group_items_are_saved_by_path(vault: Vault) -> None:
    records, rid = _draft(vault)
    records.save_field(rid, "income_sources", [{}, {}])
    records.save_field(rid, "income_sources[1].amount", 12345)
    assert records.checkpoint(rid).answers["income_sources"][1] == {"amount": 12345}


def test_a_signed_record_cannot_be_edited(vault: Vault) -> None:
    records, rid = _draft(vault)
    records.save_field(rid, "preferred_name", "Zoë")
    records.set_status(rid, RecordStatus.SIGNED)
    with pytest.raises(ValidationError, match="can no longer be edited"):
        records.save_field(rid, "preferred_name", "Someone else")
    assert records.get(rid).answers["preferred_name"] == "Zoë"
    statuses = [r.body["status"] for r in records.history(rid)]
    assert statuses == ["draft", "draft", "signed"]
    assert history.verify_chains(vault.conn).ok


def test_export_then_import_into_another_profile(vault: Vault, data_dir, registry) -> None:
    records, rid = _draft(vault)
    records.save_field(rid, "preferred_name", "Zoë")
    records.save_field(rid, "visit_date", "2026-11-20")
    exported = records.export(rid)
    other = Vault.create(
        data_dir,
        name="Second Assessor",
        role=vault.profile.role,
        authority="X",
        passphrase="another pass phrase",
        kdf=FAST_KDF_FOR_TESTS,
    )
    imported = import_record(
        session_for(other, registry, today=dt.date(2026, 11, 23)), exported, allow_unsigned=True
    )
    assert imported.id == rid
    assert imported.answers == {"preferred_name": "Zoë", "visit_date": "2026-11-20"}
    assert PeopleRepository(other).get(imported.person_id).details.family_name == "Quillfeather"
    with pytest.raises(ValidationError, match="already in this profile"):
        import_record(session_for(other, registry), exported, allow_unsigned=True)
    other.close()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format="something/9"), "not a record exported by Assessor"),
        (lambda d: d["assessment"]["answers"].update(visit_date="2026-02-30"), "visit_date"),
        (lambda d: d["assessment"]["answers"].update(no_such_field=1), "no_such_field"),
        (lambda d: d["assessment"].update(form_id="nonexistent"), "does not have"),
        (lambda d: d["person"].update(date_of_birth="1950-13-01"), "not valid"),
    ],
)
def test_import_of_a_file_that_does_not_fit_changes_nothing(
    vault: Vault, registry, mutate, message: str
) -> None:
    records, rid = _draft(vault)
    records.save_field(rid, "preferred_name", "Zoë")
    data = copy.deepcopy(records.export(rid))
    data["assessment"]["id"] = "fresh-record-id"
    data["person"]["id"] = "fresh-person-id"
    mutate(data)
    reseal_export(data)  # as the other system would have written it: the content checks are reached
    before = (PeopleRepository(vault).count(), len(history.list_audit(vault.conn)))
    with pytest.raises(ValidationError, match=message):
        import_record(
            session_for(vault, registry, today=dt.date(2026, 11, 23)), data, allow_unsigned=True
        )
    assert (PeopleRepository(vault).count(), len(history.list_audit(vault.conn))) == before
