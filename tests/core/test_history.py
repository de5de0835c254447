"""Tamper-evident history: every change is a revision, and `audit verify` finds any edit."""

from __future__ import annotations

from assessor_app.core.storage import history
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.support import community_person


def _drop_guards(vault: Vault) -> None:
    # An attacker with the key could drop the append-only triggers; the chain must still tell.
    for trigger in (
        "revision_append_only_update",
        "revision_append_only_delete",
        "audit_append_only_update",
        "audit_append_only_delete",
    ):
        vault.conn.execute(f"DROP TRIGGER {trigger}")


def test_each_save_appends_a_linked_revision(vault: Vault) -> None:
    people = PeopleRepository(vault)
    person = people.add(community_person())
    people.update(person.id, community_person(address="3 Elsewhere Road"))
    revs = history.list_revisions(vault.conn, "person", person.id)
    assert [r.seq for r in revs] == [1, 2]
    assert revs[0].prev_hash == history.GENESIS_HASH and revs[1].prev_hash == revs[0].hash
    assert revs[0].body["address"] == "12 Nowhere Lane, Demotown"
    assert history.verify_chains(vault.conn).ok


def test_revisions_cannot_be_updated_in_place(vault: Vault) -> None:
    person = PeopleRepository(vault).add(community_person())
    try:
        vault.conn.execute("UPDATE revision SET body = '{}' WHERE entity_id = ?", (person.id,))
    except Exception as e:  # noqa: BLE001 - any refusal will do; the message is checked below
        assert "append-only" in str(e)
    else:
        raise AssertionError("an in-place update of a revision was allowed")


def test_verify_reports_an_edited_revision(vault: Vault) -> None:
    person = PeopleRepository(vault).add(community_person())
    PeopleRepository(vault).update(person.id, community_person(address="Somewhere"))
    _drop_guards(vault)
    vault.conn.execute(
        "UPDATE revision SET body = replace(body, 'Nowhere', 'Anywhere') "
        "WHERE entity_id = ? AND seq = 1",
        (person.id,),
    )
    report = history.verify_chains(vault.conn)
    assert not report.ok
    assert (
        report.first_break
        == f"person {person.id} revision 1: its content was changed after it was saved"
    )


def test_verify_reports_a_removed_latest_revision(vault: Vault) -> None:
    people = PeopleRepository(vault)
    person = people.add(community_person())
    people.update(person.id, community_person(address="Somewhere"))
    _drop_guards(vault)
    vault.conn.execute("DELETE FROM revision WHERE entity_id = ? AND seq = 2", (person.id,))
    report = history.verify_chains(vault.conn)
    assert report.first_break is not None and "history holds 1" in report.first_break


def test_verify_reports_an_edited_audit_entry(vault: Vault) -> None:
    PeopleRepository(vault).add(community_person())
    _drop_guards(vault)
    vault.conn.execute("UPDATE audit SET actor = 'someone-else' WHERE seq = 2")
    report = history.verify_chains(vault.conn)
    assert report.first_break == "audit entry 2 was changed after it was written"


def test_audit_names_records_by_id_only(vault: Vault) -> None:
    person = PeopleRepository(vault).add(community_person())
    entries = history.list_audit(vault.conn, person.id)
    assert [(e.action, e.entity_type) for e in entries] == [("person.create", "person")]
    rows = vault.conn.execute("SELECT * FROM audit").fetchall()
    assert not any("Quillfeather" in str(v) for row in rows for v in row)
