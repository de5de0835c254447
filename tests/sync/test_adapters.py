"""The folder drop: each accepted revision handed to the case-management system once, whole."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.services.records import start_record
from assessor_app.core.storage import history
from assessor_app.core.storage.vault import Vault
from sync.gateway.adapters import FolderDrop, deliver_pending
from sync.gateway.store import Store
from sync.protocol import PushItem
from tests.support import community_person, session_for

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)


def _pushed(url: str, vault: Vault) -> tuple[Store, list[PushItem]]:
    store = Store(url)
    store.migrate()
    assessor = store.create_assessor("Robin Testcase", NOW)
    session = session_for(vault, today=dt.date(2026, 12, 3))
    person = session.people.add(community_person())
    record = start_record(session, session.forms.latest("sample"), person.id)
    session.records.save_field(record.id, "notes", "Seen at home.")
    session.records.checkpoint(record.id)
    revisions = [
        *history.list_revisions(vault.conn, "person", person.id),
        *session.records.history(record.id),
    ]
    items = [PushItem.from_revision(r) for r in revisions]
    store.push("laptop-1", items, NOW, assessor=assessor)
    return store, items


def test_each_accepted_revision_is_dropped_once_as_whole_json(
    store_url: str, vault: Vault, tmp_path: Path
) -> None:
    store, items = _pushed(store_url, vault)
    drop = FolderDrop(tmp_path / "drop")
    assert deliver_pending(store, drop, NOW) == 3
    files = sorted((tmp_path / "drop").glob("*.json"))
    assert len(files) == 3
    assert not list((tmp_path / "drop").glob(".partial-*"))  # no half-written file left
    record = json.loads(files[0].read_text(encoding="utf-8"))
    assert record["format"] == "assessor-delivery/1"
    assert {json.loads(f.read_text(encoding="utf-8"))["hash"] for f in files} == {
        i.hash for i in items
    }
    stamps = [f.stat().st_mtime_ns for f in files]
    assert deliver_pending(store, drop, NOW) == 0  # once: nothing is written again
    assert [f.stat().st_mtime_ns for f in files] == stamps


def test_a_failed_delivery_is_retried_and_nothing_is_marked(
    store_url: str, vault: Vault, tmp_path: Path
) -> None:
    store, _ = _pushed(store_url, vault)

    class FullDisk(FolderDrop):
        def deliver(self, revision: Any) -> None:
            raise OSError(f"No space left on device for {revision.hash[:12]}")

    with pytest.raises(OSError, match="No space left"):
        deliver_pending(store, FullDisk(tmp_path / "drop"), NOW)
    assert deliver_pending(store, FolderDrop(tmp_path / "drop"), NOW) == 3


def _deliver_in_another_process(url: str, folder: str, start: Any) -> int:
    store = Store(url)
    start.wait()
    return deliver_pending(store, FolderDrop(Path(folder)), NOW)


def test_two_gateway_processes_deliver_each_revision_once(
    store_url: str, vault: Vault, tmp_path: Path
) -> None:
    _pushed(store_url, vault)
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(2) as pool:
        start = manager.Barrier(2)
        counts = pool.starmap(
            _deliver_in_another_process, [(store_url, str(tmp_path / "drop"), start)] * 2
        )
    assert sum(counts) == 3
    assert len(list((tmp_path / "drop").glob("*.json"))) == 3


def test_two_laptops_sync_and_the_drop_holds_each_record_once(
    store_url: str, tmp_path: Path, data_dir: Path
) -> None:
    """End to end, as users would: two laptops, one gateway with a folder drop."""
    from assessor_app.core.records import Role
    from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
    from assessor_app.core.sync_client.client import enrol, sync_now, transport_for
    from sync.gateway.app import create_app
    from sync.gateway.ca import GatewayCA
    from sync.gateway.server import development_tls, running

    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(tmp_path / "ca", "Exampleshire")
    tls = development_tls(tmp_path, ca)
    drop = FolderDrop(tmp_path / "drop")
    laptops = [
        Vault.create(
            data_dir / name,
            name=name,
            role=Role.SOCIAL_WORKER,
            authority="Exampleshire",
            passphrase="amber lantern orchard",
            kdf=FAST_KDF_FOR_TESTS,
        )
        for name in ("Robin Testcase", "Sam Otherworker")
    ]
    try:
        with running(create_app(store, ca, adapters=[drop]), tls) as gw:
            for laptop in laptops:
                assessor = store.create_assessor(laptop.profile.name, NOW)
                code = store.issue_code(assessor, dt.datetime.now(dt.UTC), dt.timedelta(minutes=5))
                enrol(laptop, gw.url, code, first_contact_ca=ca.pem)
                session = session_for(laptop, today=dt.date(2026, 12, 3))  # offline work
                person = session.people.add(community_person())
                start_record(session, session.forms.latest("sample"), person.id)
            for laptop in laptops:
                for _ in range(2):  # a second sync sends nothing again
                    sync_now(laptop, transport_for(laptop))
        files = list((tmp_path / "drop").glob("*.json"))
        assert len(files) == 4 == store.count()  # two people and two records, once each
        records = [json.loads(f.read_text(encoding="utf-8")) for f in files]
        assert {r["author"] for r in records} == {"Robin Testcase", "Sam Otherworker"}
    finally:
        for laptop in laptops:
            laptop.close()


def test_a_signed_pdf_is_dropped_beside_its_record_once(
    store_url: str, vault: Vault, tmp_path: Path
) -> None:
    from assessor_app.core.storage.documents import DocumentRepository
    from sync.protocol import DocumentOffer
    from tests.sync.pdfs import keep_signed_pdf

    store, items = _pushed(store_url, vault)
    record_id = items[-1].entity_id
    doc = keep_signed_pdf(vault, record_id)
    data = DocumentRepository(vault).data(doc.id)
    with store.transaction() as tx:
        assessor = str(tx.execute("SELECT id FROM assessor").fetchone()[0])
    offer = DocumentOffer(
        doc.id,
        record_id,
        doc.revision_hash,
        doc.kind,
        doc.variant,
        doc.filename,
        doc.size,
        doc.sha256,
    )
    store.offer_document("laptop-1", offer, NOW, assessor=assessor)
    drop = FolderDrop(tmp_path / "drop")
    assert store.put_chunk(doc.id, 0, data, NOW, assessor=assessor).status.acknowledged
    assert deliver_pending(store, drop, NOW) == 4  # three revisions, then the PDF after them
    pdf = tmp_path / "drop" / f"assessment-{record_id}-doc-{doc.id}.pdf"
    assert pdf.read_bytes() == data
    stamp = pdf.stat().st_mtime_ns
    # The claim is lost (say the database failed after the file was written): handed on
    # again, the PDF already there is left as it is.
    with store.transaction() as tx:
        tx.execute("DELETE FROM document_delivery")
    assert deliver_pending(store, drop, NOW) == 1
    assert pdf.stat().st_mtime_ns == stamp
    assert len(list((tmp_path / "drop").glob("*.pdf"))) == 1
