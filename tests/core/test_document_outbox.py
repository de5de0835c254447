"""The document outbox: every signed PDF queued as it is kept, sent only after its record."""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

import pytest

from assessor_app.core.errors import NotFoundError
from assessor_app.core.services.records import start_record
from assessor_app.core.storage import document_outbox, outbox
from assessor_app.core.storage.documents import DocumentRepository
from assessor_app.core.storage.outbox import OutboxState
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import form_title, next_document, pending_documents_text
from tests.support import community_person, session_for
from tests.sync.pdfs import keep_signed_pdf, signed_pdf_bytes

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "db"
GOLDEN_PASSPHRASE = "golden fixture passphrase"


def _record(vault: Vault, family_name: str = "Quillfeather") -> str:
    session = session_for(vault, today=dt.date(2026, 12, 3))
    person = session.people.add(community_person(family_name=family_name))
    return start_record(session, session.forms.latest("sample"), person.id).id


def _acknowledge_all(vault: Vault) -> None:
    with vault.transaction() as conn:
        outbox.mark_acknowledged(conn, [i.revision_hash for i in outbox.items(conn)], NOW)


def test_signed_pdfs_kept_before_schema_10_are_queued_once_on_upgrade(tmp_path: Path) -> None:
    folder = tmp_path / "golden"
    shutil.copytree(GOLDEN / "schema-0009", folder)
    (profile,) = (folder / "profiles").iterdir()
    vault = Vault.open(folder, profile.name, GOLDEN_PASSPHRASE)
    try:
        (kept,) = vault.conn.execute("SELECT id FROM signed_document").fetchall()
        (pending,) = document_outbox.pending(vault.conn)
        assert pending.document_id == kept[0] and pending.state is OutboxState.QUEUED
        assert pending.person_name.endswith("Quillfeather")
        # Its revision is not at the gateway yet, so it is not due: it waits for its record.
        assert not pending.revision_sent and document_outbox.due(vault.conn, NOW) == []
        assert outbox.summary(vault.conn).documents_waiting == 1
    finally:
        vault.close()


def test_a_signed_pdf_is_queued_in_the_transaction_that_keeps_it(vault: Vault) -> None:
    record_id = _record(vault)
    doc = keep_signed_pdf(vault, record_id)
    assert document_outbox.state_of(vault.conn, doc.id) is OutboxState.QUEUED
    # A PDF refused when kept (no such revision) is not queued either.
    with pytest.raises(NotFoundError):
        DocumentRepository(vault).add(
            record_id, 9, "0" * 64, "record", "standard", "x.pdf", signed_pdf_bytes(vault), "R"
        )
    assert [p.document_id for p in document_outbox.pending(vault.conn)] == [doc.id]
    with pytest.raises(Exception) as refused, vault.transaction() as conn:
        document_outbox.mark_acknowledged(conn, doc.id, NOW)
        conn.execute("UPDATE document_outbox SET state = 'queued'")
    assert "stays acknowledged" in str(refused.value.__cause__)


def test_a_pdf_is_due_after_its_revision_and_a_held_one_holds_back_nothing(
    vault: Vault,
) -> None:
    first = keep_signed_pdf(vault, _record(vault))
    second = keep_signed_pdf(vault, _record(vault, "Brindlewood"))
    assert document_outbox.due(vault.conn, NOW) == []  # the records are not sent yet
    _acknowledge_all(vault)
    assert [d.document_id for d in document_outbox.due(vault.conn, NOW)] == [first.id, second.id]
    with vault.transaction() as conn:
        document_outbox.mark_refused(conn, first.id, "Refused by the gateway.")
        document_outbox.mark_unsent(conn, second.id, "No connection.", NOW, random.Random(1))
    assert document_outbox.due(vault.conn, NOW) == []  # held; and waiting for its back-off
    later = NOW + outbox.LONGEST_WAIT
    assert [d.document_id for d in document_outbox.due(vault.conn, later)] == [second.id]
    summary = outbox.summary(vault.conn)
    assert (summary.documents_waiting, summary.documents_held) == (2, 1)
    with vault.transaction() as conn:
        assert document_outbox.retry_quarantined(conn, first.id)
    assert first.id in {d.document_id for d in document_outbox.due(vault.conn, later)}


def test_what_is_pending_is_said_by_record_and_person(vault: Vault) -> None:
    for name in ("Quillfeather", "Brindlewood", "Ashcombe"):
        keep_signed_pdf(vault, _record(vault, name))
    given = community_person().given_name
    text = pending_documents_text(
        document_outbox.pending(vault.conn), form_title(session_for(vault).forms)
    )
    assert text == (
        f"3 signed PDFs still to send (Sample form – every field type for {given} "
        f"Quillfeather; Sample form – every field type for {given} Brindlewood; and 1 more)"
    )
    assert pending_documents_text([], form_title(session_for(vault).forms)) == ""


def test_a_stored_pdf_changed_since_signing_is_held_not_sent(vault: Vault) -> None:
    changed = keep_signed_pdf(vault, _record(vault))
    intact = keep_signed_pdf(vault, _record(vault, "Brindlewood"))
    _acknowledge_all(vault)
    with vault.transaction() as conn:
        conn.execute("DROP TRIGGER signed_document_append_only_update")
        edited = DocumentRepository(vault).data(changed.id) + b"\n% edited"
        conn.execute("UPDATE signed_document SET pdf = ? WHERE id = ?", (edited, changed.id))
    upload = next_document(vault, NOW)
    assert upload is not None and upload.offer.document_id == intact.id
    (held,) = [p for p in document_outbox.pending(vault.conn) if p.document_id == changed.id]
    assert held.state is OutboxState.QUARANTINED and "changed since it was signed" in held.reason
