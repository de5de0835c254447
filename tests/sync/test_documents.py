"""Signed PDFs reach the gateway: in chunks, resumed after a cut, checked whole, kept once.

The store's rules on both databases first (offer, chunks, the SHA-256 check, rights), then
as users meet them: a real vault syncing over mutual TLS, through a proxy that cuts the
upload half-way, and the status saying exactly which PDFs are still to send.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.services.records import start_record
from assessor_app.core.storage import document_outbox, history, outbox
from assessor_app.core.storage.documents import DocumentRepository, StoredDocument
from assessor_app.core.storage.outbox import OutboxState
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import (
    enrol,
    pending_documents_text,
    sync_now,
    transport_for,
)
from assessor_app.core.sync_client.transport import HttpsTransport, TransportError
from sync.gateway.app import create_app
from sync.gateway.ca import GatewayCA
from sync.gateway.server import development_tls, running
from sync.gateway.store import Store
from sync.protocol import CHUNK_SIZE, DocumentOffer, DocumentStatus, ProtocolError, PushItem
from tests.support import community_person, session_for
from tests.sync.conftest import Gateway
from tests.sync.faults import Answering, FaultyProxy, faulty_app
from tests.sync.pdfs import keep_signed_pdf

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)


def _record(vault: Vault, family_name: str = "Quillfeather") -> str:
    session = session_for(vault, today=dt.date(2026, 12, 3))
    person = session.people.add(community_person(family_name=family_name))
    record = start_record(session, session.forms.latest("sample"), person.id)
    session.records.save_field(record.id, "notes", "Seen at home.")
    session.records.checkpoint(record.id)
    return record.id


def _revisions(vault: Vault, record_id: str) -> list[PushItem]:
    person = vault.conn.execute(
        "SELECT person_id FROM assessment WHERE id = ?", (record_id,)
    ).fetchone()[0]
    return [
        PushItem.from_revision(r)
        for r in (
            *history.list_revisions(vault.conn, "person", person),
            *history.list_revisions(vault.conn, "assessment", record_id),
        )
    ]


def _offer(doc: StoredDocument, **changes: object) -> DocumentOffer:
    fields: dict[str, object] = {
        "document_id": doc.id,
        "record_id": doc.assessment_id,
        "revision_hash": doc.revision_hash,
        "kind": doc.kind,
        "variant": doc.variant,
        "filename": doc.filename,
        "size": doc.size,
        "sha256": doc.sha256,
        **changes,
    }
    return DocumentOffer(**fields)  # type: ignore[arg-type]


def _chunks(store: Store, document_id: str) -> list[int]:
    with store.transaction() as tx:
        rows = tx.execute(
            "SELECT at_offset FROM document_chunk WHERE document_id = ? ORDER BY at_offset",
            (document_id,),
        ).fetchall()
    return [int(r[0]) for r in rows]


@pytest.fixture
def gateway_store(store_url: str) -> tuple[Store, str]:
    store = Store(store_url)
    store.migrate()
    return store, store.create_assessor("Robin Testcase", NOW)


def test_a_pdf_sent_in_chunks_is_kept_whole_once_and_a_repeat_stores_nothing(
    gateway_store: tuple[Store, str], vault: Vault
) -> None:
    store, assessor = gateway_store
    record_id = _record(vault)
    store.push("laptop-1", _revisions(vault, record_id), NOW, assessor=assessor)
    doc = keep_signed_pdf(vault, record_id, padding=600_000)
    data = DocumentRepository(vault).data(doc.id)
    assert doc.size > 2 * CHUNK_SIZE  # several chunks

    answer = store.offer_document("laptop-1", _offer(doc), NOW, assessor=assessor)
    assert (answer.status, answer.received) == (DocumentStatus.RECEIVING, 0)
    for offset in range(0, doc.size, CHUNK_SIZE):
        answer = store.put_chunk(
            doc.id, offset, data[offset : offset + CHUNK_SIZE], NOW, assessor=assessor
        )
    assert answer.status is DocumentStatus.STORED and answer.sha256 == doc.sha256
    assert store.document(doc.id) == (record_id, data)
    # Offered again, and its last chunk sent again (a lost answer): nothing is kept twice.
    again = store.offer_document("laptop-1", _offer(doc), NOW, assessor=assessor)
    assert (again.status, again.received) == (DocumentStatus.DUPLICATE, doc.size)
    last = (doc.size // CHUNK_SIZE) * CHUNK_SIZE
    repeat = store.put_chunk(doc.id, last, data[last:], NOW, assessor=assessor)
    assert repeat.status is DocumentStatus.DUPLICATE
    assert store.document_count() == 1
    assert _chunks(store, doc.id) == list(range(0, doc.size, CHUNK_SIZE))


def test_a_cut_upload_goes_on_from_the_bytes_the_gateway_holds(
    gateway_store: tuple[Store, str], vault: Vault
) -> None:
    store, assessor = gateway_store
    record_id = _record(vault)
    store.push("laptop-1", _revisions(vault, record_id), NOW, assessor=assessor)
    doc = keep_signed_pdf(vault, record_id, padding=600_000)
    data = DocumentRepository(vault).data(doc.id)
    store.offer_document("laptop-1", _offer(doc), NOW, assessor=assessor)
    store.put_chunk(doc.id, 0, data[:CHUNK_SIZE], NOW, assessor=assessor)
    # The connection broke; the laptop comes back and offers it again.
    resumed = store.offer_document("laptop-1", _offer(doc), NOW, assessor=assessor)
    assert (resumed.status, resumed.received) == (DocumentStatus.RECEIVING, CHUNK_SIZE)
    # A chunk sent from the wrong place stores nothing, and says where to go on from.
    wrong = store.put_chunk(doc.id, 0, data[:CHUNK_SIZE], NOW, assessor=assessor)
    assert (wrong.status, wrong.received) == (DocumentStatus.RECEIVING, CHUNK_SIZE)
    assert _chunks(store, doc.id) == [0]
    assert store.document(doc.id) is None  # not whole: nothing is handed on


def test_a_pdf_that_does_not_match_its_sha256_is_refused_and_not_kept(
    gateway_store: tuple[Store, str], vault: Vault
) -> None:
    store, assessor = gateway_store
    record_id = _record(vault)
    store.push("laptop-1", _revisions(vault, record_id), NOW, assessor=assessor)
    doc = keep_signed_pdf(vault, record_id)
    tampered = bytearray(DocumentRepository(vault).data(doc.id))
    tampered[-200] ^= 0x01
    store.offer_document("laptop-1", _offer(doc), NOW, assessor=assessor)
    answer = store.put_chunk(doc.id, 0, bytes(tampered), NOW, assessor=assessor)
    assert answer.status is DocumentStatus.REFUSED
    assert "does not match the SHA-256" in answer.reason
    assert store.document(doc.id) is None and store.document_count() == 0
    assert _chunks(store, doc.id) == []


def test_a_small_pdf_sent_with_its_offer_is_kept_whole_once_in_one_request(
    gateway_store: tuple[Store, str], vault: Vault
) -> None:
    store, assessor = gateway_store
    record_id = _record(vault)
    store.push("laptop-1", _revisions(vault, record_id), NOW, assessor=assessor)
    doc = keep_signed_pdf(vault, record_id)
    data = DocumentRepository(vault).data(doc.id)
    assert doc.size <= CHUNK_SIZE
    # Through JSON, as it travels: the bytes go base64 inside the offer.
    offer = DocumentOffer.from_json(_offer(doc, content=data).to_json())
    answer = store.offer_document("laptop-1", offer, NOW, assessor=assessor)
    assert answer.status is DocumentStatus.STORED and answer.sha256 == doc.sha256
    assert store.document(doc.id) == (record_id, data)
    # Sent again whole (its answer was lost): a duplicate, nothing kept twice.
    again = store.offer_document("laptop-1", offer, NOW, assessor=assessor)
    assert (again.status, again.received) == (DocumentStatus.DUPLICATE, doc.size)
    assert store.document_count() == 1 and _chunks(store, doc.id) == [0]


def test_a_small_pdf_with_its_offer_is_checked_whole_and_refused_when_changed(
    gateway_store: tuple[Store, str], vault: Vault
) -> None:
    store, assessor = gateway_store
    record_id = _record(vault)
    store.push("laptop-1", _revisions(vault, record_id), NOW, assessor=assessor)
    doc = keep_signed_pdf(vault, record_id)
    tampered = bytearray(DocumentRepository(vault).data(doc.id))
    tampered[-200] ^= 0x01
    answer = store.offer_document(
        "laptop-1", _offer(doc, content=bytes(tampered)), NOW, assessor=assessor
    )
    assert answer.status is DocumentStatus.REFUSED
    assert "does not match the SHA-256" in answer.reason
    assert store.document(doc.id) is None and _chunks(store, doc.id) == []
    # Nor is a PDF with its offer taken for someone on another assessor's caseload.
    other = store.create_assessor("Sam Othercase", NOW)
    data = DocumentRepository(vault).data(doc.id)
    refused = store.offer_document("laptop-2", _offer(doc, content=data), NOW, assessor=other)
    assert refused.status is DocumentStatus.REFUSED and "another assessor" in refused.reason
    assert store.document_count() == 0 and _chunks(store, doc.id) == []


@pytest.mark.parametrize(
    ("content", "problem"),
    [("not base64!", "base64"), ("QUJD", "size offered"), (7, "base64")],
)
def test_an_offer_whose_content_is_not_the_whole_pdf_is_not_read(
    vault: Vault, content: object, problem: str
) -> None:
    doc = keep_signed_pdf(vault, _record(vault))
    raw = {**_offer(doc).to_json(), "content": content}
    with pytest.raises(ProtocolError, match=problem):
        DocumentOffer.from_json(raw)


class _CountingTransport:
    """The laptop's transport, noting each request's method and path."""

    def __init__(self, inner: HttpsTransport) -> None:
        self.inner = inner
        self.requests: list[tuple[str, str]] = []

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(("POST", path))
        return self.inner.post(path, body)

    def put_bytes(self, path: str, data: bytes) -> dict[str, Any]:
        self.requests.append(("PUT", path))
        return self.inner.put_bytes(path, data)


def test_small_pdfs_go_together_in_one_request_and_a_large_one_still_goes_in_chunks(
    gateway: Gateway, vault: Vault
) -> None:
    first, second, third = _record(vault), _record(vault, "Brindlewood"), _record(vault, "Ash")
    small = keep_signed_pdf(vault, first)
    large = keep_signed_pdf(vault, second, padding=600_000, seed=2)
    another = keep_signed_pdf(vault, third, seed=3)
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    transport = _CountingTransport(transport_for(vault))
    report = sync_now(vault, transport)
    assert report.finished and report.documents_sent == 3
    documents = [r for r in transport.requests if r[1].startswith("/v1/documents")]
    chunks = [
        ("PUT", f"/v1/documents/{large.id}/content?offset={n}")
        for n in range(0, large.size, CHUNK_SIZE)
    ]
    # One request offers all three (the two small ones whole); the large one's bytes follow.
    assert documents == [("POST", "/v1/documents/batch"), *chunks]
    for doc in (small, large, another):
        assert gateway.store.document(doc.id) == (
            doc.assessment_id,
            DocumentRepository(vault).data(doc.id),
        )
    assert _chunks(gateway.store, small.id) == [0] and _chunks(gateway.store, another.id) == [0]


def test_a_batch_over_the_gateways_size_limit_goes_again_one_pdf_at_a_time(
    store_url: str, tmp_path: Path, vault: Vault
) -> None:
    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(tmp_path / "ca", "Exampleshire")
    tls = development_tls(tmp_path, ca)
    assessor = store.create_assessor("Robin Testcase", NOW)
    code = store.issue_code(assessor, dt.datetime.now(dt.UTC), dt.timedelta(minutes=5))
    docs = [
        keep_signed_pdf(vault, _record(vault, name), padding=100_000, seed=n)
        for n, name in enumerate(("Quillfeather", "Brindlewood", "Ash"), start=1)
    ]
    # Each PDF fits under the limit; the three together (as base64 in JSON) do not.
    with running(create_app(store, ca, max_request_bytes=400_000), tls) as gw:
        enrol(vault, gw.url, code, first_contact_ca=ca.pem)
        transport = _CountingTransport(transport_for(vault))
        report = sync_now(vault, transport)
    assert report.finished and report.documents_sent == 3 and report.documents_held == 0
    documents = [r for r in transport.requests if r[1].startswith("/v1/documents")]
    assert documents == [("POST", "/v1/documents/batch")] + [("POST", "/v1/documents")] * 3
    for doc in docs:
        assert store.document(doc.id) == (doc.assessment_id, DocumentRepository(vault).data(doc.id))


def test_one_pdf_refused_in_a_batch_does_not_stop_the_others(
    gateway_store: tuple[Store, str], vault: Vault
) -> None:
    store, assessor = gateway_store
    mine, theirs = _record(vault), _record(vault, "Brindlewood")
    store.push("laptop-1", _revisions(vault, mine), NOW, assessor=assessor)
    other = store.create_assessor("Sam Otherworker", NOW)
    store.push("laptop-2", _revisions(vault, theirs), NOW, assessor=other)
    kept, refused = keep_signed_pdf(vault, mine), keep_signed_pdf(vault, theirs, seed=2)
    repository = DocumentRepository(vault)
    offers = [replace(_offer(doc), content=repository.data(doc.id)) for doc in (refused, kept)]
    answers = store.offer_documents("laptop-1", offers, NOW, assessor=assessor)
    assert [a.status for a in answers] == [DocumentStatus.REFUSED, DocumentStatus.STORED]
    assert "another assessor" in answers[0].reason
    assert store.document(kept.id) == (mine, repository.data(kept.id))
    assert store.document(refused.id) is None


def test_a_lone_pdf_goes_with_its_offer_in_one_request(gateway: Gateway, vault: Vault) -> None:
    doc = keep_signed_pdf(vault, _record(vault))
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    transport = _CountingTransport(transport_for(vault))
    assert sync_now(vault, transport).documents_sent == 1
    assert [r for r in transport.requests if r[1].startswith("/v1/documents")] == [
        ("POST", "/v1/documents")
    ]
    assert gateway.store.document(doc.id) is not None


def test_a_pdf_is_taken_only_for_a_held_revision_on_the_assessors_caseload(
    gateway_store: tuple[Store, str], vault: Vault
) -> None:
    store, assessor = gateway_store
    other = store.create_assessor("Sam Otherworker", NOW)
    record_id = _record(vault)
    doc = keep_signed_pdf(vault, record_id)
    data = DocumentRepository(vault).data(doc.id)
    # Its revision has not arrived yet: put off, not refused.
    early = store.offer_document("laptop-1", _offer(doc), NOW, assessor=assessor)
    assert early.status is DocumentStatus.RETRY_LATER and "not reached" in early.reason
    store.push("laptop-1", _revisions(vault, record_id), NOW, assessor=assessor)
    # Another assessor's laptop may neither offer it nor send its bytes.
    theirs = store.offer_document("laptop-2", _offer(doc), NOW, assessor=other)
    assert theirs.status is DocumentStatus.REFUSED and "another assessor" in theirs.reason
    assert store.offer_document("laptop-1", _offer(doc), NOW, assessor=assessor).received == 0
    sneaked = store.put_chunk(doc.id, 0, data, NOW, assessor=other)
    assert sneaked.status is DocumentStatus.REFUSED and _chunks(store, doc.id) == []
    # A PDF naming a revision of another record is refused.
    second = _record(vault, "Brindlewood")
    store.push("laptop-1", _revisions(vault, second), NOW, assessor=assessor)
    crossed = _offer(doc, document_id="crossed1", record_id=second)
    answer = store.offer_document("laptop-1", crossed, NOW, assessor=assessor)
    assert answer.status is DocumentStatus.REFUSED and "another record" in answer.reason
    # Another PDF under a kept document's id is refused, not mixed in.
    clash = _offer(doc, sha256=hashlib.sha256(b"other").hexdigest())
    answer = store.offer_document("laptop-1", clash, NOW, assessor=assessor)
    assert answer.status is DocumentStatus.REFUSED and "already has this id" in answer.reason
    assert store.put_chunk(doc.id, 0, data, NOW, assessor=assessor).status.acknowledged


def test_signed_pdfs_follow_their_records_over_one_connection(
    gateway: Gateway, vault: Vault
) -> None:
    first, second = _record(vault), _record(vault, "Brindlewood")
    small = keep_signed_pdf(vault, first)
    large = keep_signed_pdf(vault, second, padding=600_000, seed=2)
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    transport = transport_for(vault)
    report = sync_now(vault, transport)
    assert report.finished and (report.sent, report.documents_sent) == (6, 2)
    assert report.documents_waiting == 0
    assert transport.connections == 1  # pushes, offers and chunks on one TLS connection
    for doc in (small, large):
        assert gateway.store.document(doc.id) == (
            doc.assessment_id,
            DocumentRepository(vault).data(doc.id),
        )
        assert document_outbox.state_of(vault.conn, doc.id) is OutboxState.ACKNOWLEDGED
    assert sync_now(vault, transport).documents_sent == 0
    assert gateway.store.document_count() == 2


def test_a_cut_pdf_upload_is_pending_in_words_and_resumes_where_it_stopped(
    store_url: str,
    tmp_path: Path,
    vault: Vault,
) -> None:
    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(tmp_path / "ca", "Exampleshire")
    tls = development_tls(tmp_path, ca)
    assessor = store.create_assessor("Robin Testcase", NOW)
    code = store.issue_code(assessor, dt.datetime.now(dt.UTC), dt.timedelta(minutes=5))
    record_id = _record(vault)
    doc = keep_signed_pdf(vault, record_id, padding=600_000)
    answering = Answering()
    app, plan = faulty_app(create_app(store, ca), [], answering)
    with running(app, tls) as gw:
        enrol(vault, gw.url, code, first_contact_ca=ca.pem)
        # The network drops the connection part way through the PDF's second chunk.
        proxy = FaultyProxy(
            gw.port, ["cut_upload"], answering, slow=1.0, cut_after=CHUNK_SIZE + 120_000
        )
        try:
            transport = transport_for(vault)
            transport.port = proxy.port
            report = sync_now(vault, transport)
            assert report.sent == 3 and report.documents_sent == 0  # the record went
            assert report.documents_waiting == 1 and "Can't reach" in report.problem
            assert store.count() == 3 and _chunks(store, doc.id) == [0]
            # What is still pending is said exactly, by the record and the person.
            session = session_for(vault)
            text = pending_documents_text(
                document_outbox.pending(vault.conn),
                lambda form, version: session.forms.get(form, version).title,
            )
            assert text == (
                "1 signed PDF still to send (Sample form – every field type for "
                f"{community_person().given_name} Quillfeather)"
            )
            summary = outbox.summary(vault.conn)
            assert (summary.waiting, summary.documents_waiting) == (0, 1)
            # Later, the upload goes on from the byte the gateway holds.
            later = dt.datetime.now(dt.UTC) + outbox.LONGEST_WAIT
            plan.seen.clear()
            resumed = sync_now(vault, transport, now=lambda: later)
        finally:
            proxy.close()
    assert resumed.finished and resumed.documents_sent == 1
    puts = [query for method, _, query in plan.seen if method == "PUT"]
    assert puts == [f"offset={n}" for n in range(CHUNK_SIZE, doc.size, CHUNK_SIZE)]
    assert store.document(doc.id) == (record_id, DocumentRepository(vault).data(doc.id))
    assert _chunks(store, doc.id) == list(range(0, doc.size, CHUNK_SIZE))
    assert outbox.summary(vault.conn).documents_waiting == 0


def test_a_connection_the_server_closed_while_idle_is_opened_again(
    gateway: Gateway, vault: Vault
) -> None:
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    _record(vault)
    answering = Answering()
    proxy = FaultyProxy(int(gateway.url.rsplit(":", 1)[1]), [], answering, slow=1.0)
    try:
        transport = transport_for(vault)
        transport.port = proxy.port
        assert sync_now(vault, transport).sent == 3
        proxy.drop_connections()  # as a server does with a connection idle for a while
        keep_signed_pdf(vault, _record(vault, "Brindlewood"))
        report = sync_now(vault, transport)
    finally:
        proxy.close()
    assert report.finished and (report.sent, report.documents_sent) == (3, 1)
    assert transport.connections == 2


def test_the_gateway_refuses_a_chunk_larger_than_the_protocol_allows(
    gateway: Gateway, vault: Vault
) -> None:
    from assessor_app.core.sync_client.transport import TransportError

    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    with pytest.raises(TransportError, match="at most") as refused:
        transport_for(vault).put_bytes(
            "/v1/documents/d0c1/content?offset=0", b"x" * (CHUNK_SIZE + 1)
        )
    assert refused.value.status == 413 and not refused.value.temporary


def test_one_chunk_taken_by_several_gateway_connections_at_once_is_kept_once(
    gateway_store: tuple[Store, str], vault: Vault
) -> None:
    """Each thread has its own database connection, as each gateway process would."""
    import threading

    store, assessor = gateway_store
    record_id = _record(vault)
    store.push("laptop-1", _revisions(vault, record_id), NOW, assessor=assessor)
    doc = keep_signed_pdf(vault, record_id, padding=300_000)
    data = DocumentRepository(vault).data(doc.id)
    store.offer_document("laptop-1", _offer(doc), NOW, assessor=assessor)
    start = threading.Barrier(6)
    answers = []

    def put(offset: int) -> None:
        start.wait()
        chunk = data[offset : offset + CHUNK_SIZE]
        answers.append(store.put_chunk(doc.id, offset, chunk, NOW, assessor=assessor))

    for offset in range(0, doc.size, CHUNK_SIZE):
        start.reset()
        threads = [threading.Thread(target=put, args=(offset,)) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sum(a.status is DocumentStatus.STORED for a in answers) == 1
    assert _chunks(store, doc.id) == list(range(0, doc.size, CHUNK_SIZE))
    assert store.document(doc.id) == (record_id, data)


def test_a_pdf_refused_for_good_is_held_with_the_reason_and_the_others_go(
    gateway: Gateway, vault: Vault
) -> None:
    moved, kept = _record(vault), _record(vault, "Brindlewood")
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    assert sync_now(vault, transport_for(vault)).sent == 6
    # IT moves the first person to another assessor before the PDFs are signed and sent.
    other = gateway.store.create_assessor("Sam Otherworker", NOW)
    person = vault.conn.execute("SELECT person_id FROM assessment WHERE id = ?", (moved,))
    gateway.store.allocate(str(person.fetchone()[0]), other, NOW)
    refused, sent = keep_signed_pdf(vault, moved), keep_signed_pdf(vault, kept)
    report = sync_now(vault, transport_for(vault))
    assert report.finished and (report.documents_sent, report.documents_held) == (1, 1)
    assert gateway.store.document(sent.id) is not None
    assert gateway.store.document(refused.id) is None
    (held,) = document_outbox.pending(vault.conn)
    assert held.document_id == refused.id and held.state is OutboxState.QUARANTINED
    assert "another assessor's caseload" in held.reason
    # Held, it is not offered again by itself, whatever the clock says.
    much_later = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    assert sync_now(vault, transport_for(vault), now=lambda: much_later).documents_held == 0
    assert outbox.summary(vault.conn).documents_held == 1


class _FailingOnPut(_CountingTransport):
    """The laptop's transport, losing the network at the n-th chunk of a PDF."""

    def __init__(self, inner: HttpsTransport, fail_at: int) -> None:
        super().__init__(inner)
        self.fail_at = fail_at

    def put_bytes(self, path: str, data: bytes) -> dict[str, Any]:
        self.fail_at -= 1
        if self.fail_at == 0:
            raise TransportError("Can't reach the council's server.", temporary=True)
        return super().put_bytes(path, data)


def test_pdfs_answered_before_the_network_goes_are_marked_sent_and_the_rest_wait(
    gateway: Gateway, vault: Vault
) -> None:
    """The client keeps several PDFs' answers in one transaction: none may be lost by it."""
    records = [_record(vault, name) for name in ("Quillfeather", "Brindlewood", "Ashcombe")]
    small, large, last = (
        keep_signed_pdf(vault, records[0], seed=1),
        keep_signed_pdf(vault, records[1], padding=600_000, seed=2),
        keep_signed_pdf(vault, records[2], seed=3),
    )
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    # The two small ones are kept whole by the batch's answer; the network goes at the large
    # one's second chunk.
    report = sync_now(vault, _FailingOnPut(transport_for(vault), fail_at=2))
    assert (report.documents_sent, report.documents_waiting) == (2, 1)
    assert "Can't reach" in report.problem
    states = [document_outbox.state_of(vault.conn, d.id) for d in (small, large, last)]
    assert states == [OutboxState.ACKNOWLEDGED, OutboxState.RETRYING, OutboxState.ACKNOWLEDGED]
    assert gateway.store.document_count() == 2 and _chunks(gateway.store, large.id) == [0]
    later = dt.datetime.now(dt.UTC) + outbox.LONGEST_WAIT
    transport = _CountingTransport(transport_for(vault))
    again = sync_now(vault, transport, now=lambda: later)
    assert again.finished and again.documents_sent == 1
    assert gateway.store.document_count() == 3
    # It went on from the byte the gateway held.
    assert ("PUT", f"/v1/documents/{large.id}/content?offset=0") not in transport.requests
