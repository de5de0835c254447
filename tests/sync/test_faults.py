"""Whatever the network and the server do, every queued revision is stored exactly once.

Property-based (hypothesis): each example is a fresh laptop and gateway, a random schedule of
faults on the network (cut uploads, answers dropped after the gateway stored the batch,
answers held past the laptop's time-out) and on the server (503 before looking, 500 after
storing, one request taken twice), and then syncs, with the clock moved past each back-off,
until nothing is queued. Each record has a signed PDF, some of them several chunks long, so
faults land on offers and chunks too. Every run must end with every revision and every PDF at
the gateway once (each chunk kept once), every outbox row acknowledged, and nothing held.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessor_app.core.records import Role
from assessor_app.core.services.records import start_record
from assessor_app.core.storage import document_outbox, outbox
from assessor_app.core.storage.documents import DocumentRepository
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.outbox import OutboxState
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import enrol, sync_now, transport_for
from sync.gateway.app import create_app
from sync.gateway.ca import GatewayCA
from sync.gateway.server import development_tls, running
from sync.gateway.store import Store
from sync.protocol import CHUNK_SIZE
from tests.support import community_person, session_for
from tests.sync.faults import ASGI_FAULTS, NET_FAULTS, Answering, FaultyProxy, faulty_app
from tests.sync.pdfs import keep_signed_pdf

TIMEOUT = 0.4
"""The laptop's time-out in these runs; a held answer waits longer than this."""

LONG_NOTE = "A long narrative of the visit, written in full. " * 30


def _laptop_with_work(folder: Path, records: int, large: int) -> Vault:
    vault = Vault.create(
        folder,
        name="Robin Testcase",
        role=Role.SOCIAL_WORKER,
        authority="Exampleshire",
        passphrase="amber lantern orchard",
        kdf=FAST_KDF_FOR_TESTS,
    )
    session = session_for(vault, today=dt.date(2026, 12, 3))
    for _ in range(records):
        person = session.people.add(community_person())
        record = start_record(session, session.forms.latest("sample"), person.id)
        session.records.save_field(record.id, "notes", LONG_NOTE)
        session.records.checkpoint(record.id)
        keep_signed_pdf(vault, record.id, padding=300_000 if large > 0 else 0)
        large -= 1
    return vault


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    net=st.lists(st.sampled_from(NET_FAULTS), max_size=6),
    server=st.lists(st.sampled_from(ASGI_FAULTS), max_size=6),
    records=st.integers(min_value=1, max_value=4),
    batch=st.sampled_from([1, 3, 500]),
    large=st.integers(min_value=0, max_value=2),
)
def test_every_revision_and_pdf_arrives_exactly_once_whatever_the_faults(
    net: list[str], server: list[str], records: int, batch: int, large: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = Store(f"sqlite:///{folder / 'gateway.db'}")
        store.migrate()
        ca = GatewayCA.load_or_create(folder / "ca", "Exampleshire")
        tls = development_tls(folder, ca)
        answering = Answering()
        app, server_plan = faulty_app(create_app(store, ca), server, answering)
        vault = _laptop_with_work(folder / "laptop", records, large)
        try:
            assessor = store.create_assessor("Robin Testcase", dt.datetime.now(dt.UTC))
            code = store.issue_code(assessor, dt.datetime.now(dt.UTC), dt.timedelta(minutes=5))
            with running(app, tls) as gw:
                enrol(vault, gw.url, code, first_contact_ca=ca.pem)
                proxy = FaultyProxy(gw.port, net, answering, slow=TIMEOUT * 2)
                try:
                    transport = transport_for(vault, timeout=TIMEOUT)
                    transport.port = proxy.port
                    clock = [dt.datetime.now(dt.UTC)]
                    for _ in range(40):
                        report = sync_now(vault, transport, now=lambda: clock[0], batch=batch)
                        if report.waiting == report.documents_waiting == 0:
                            break
                        clock[0] += outbox.LONGEST_WAIT  # past every back-off
                finally:
                    proxy.close()
            queued = outbox.items(vault.conn)
            hashes = [i.revision_hash for i in queued]
            assert {i.state for i in queued} == {OutboxState.ACKNOWLEDGED}, (
                net,
                server,
                proxy.plan.used,
                server_plan.used,
            )
            assert store.count() == len(hashes) == 3 * records  # person, and two revisions
            assert store.held(hashes) == set(hashes)
            kept = vault.conn.execute("SELECT id, size FROM signed_document").fetchall()
            assert document_outbox.pending(vault.conn) == []
            assert store.document_count() == len(kept) == records
            with store.transaction() as tx:
                chunks = tx.execute("SELECT COUNT(*) FROM document_chunk").fetchone()[0]
            assert chunks == sum(-(-int(size) // CHUNK_SIZE) for _, size in kept)
            documents = DocumentRepository(vault)
            for document_id, _ in kept:
                held_pdf = store.document(str(document_id))
                assert held_pdf is not None and held_pdf[1] == documents.data(str(document_id))
        finally:
            vault.close()
