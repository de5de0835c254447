"""Sync throughput: queued revisions and signed PDFs sent from a real vault to the gateway.

What a user waits for: the time from "Sync now" to every queued revision and signed PDF
acknowledged and marked sent, for 1,000 revisions (100 people, each with a record saved 9
times) and 50 signed PDFs (one for each of half the records). The app's side is
`sync_client.sync_now` on a SQLCipher vault; the gateway is `assessor-gateway` on loopback
(uvicorn, TLS with client certificates, SQLite store; with `--postgres URL`, PostgreSQL).

Floor: the same push bodies, byte for byte, and the same PDF bytes in the same chunks, sent
over HTTPS (one kept connection, as the app) with the same client certificate to a bare ASGI
endpoint that reads the body and answers `{}`, in the same run. The ratio is floor time / app
time: target at least 0.5.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.records import PersonDetails
from assessor_app.core.services.records import start_record
from assessor_app.core.services.session import Session
from assessor_app.core.storage import outbox
from assessor_app.core.storage.documents import DocumentRepository
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import _items, enrol, sync_now, transport_for
from assessor_app.core.sync_client.transport import HttpsTransport
from bench.common import Row, new_vault
from sync.gateway.app import create_app
from sync.gateway.ca import GatewayCA
from sync.gateway.server import development_tls, running
from sync.gateway.store import Store
from sync.protocol import CHUNK_SIZE, PushItem, PushRequest

SAVES = 8
"""Saves after a record's first revision: with the person's revision, 10 per record."""
PDFS = 50
"""Signed PDFs among the revisions: one for each of the first 50 records."""
PDF_PAGES = 4
"""Pages of text in each (about a record's size: 30-40 KB once signed)."""


@dataclass(frozen=True)
class SyncResult:
    revisions: int
    app_seconds: float
    floor_seconds: float
    database: str
    pdfs: int = 0
    pdf_bytes: int = 0
    connections: int = 0

    def summary(self) -> list[Row]:
        app_rate = self.revisions / self.app_seconds
        floor_rate = self.revisions / self.floor_seconds
        return [
            Row(
                f"send {self.revisions} queued revisions and {self.pdfs} signed PDFs "
                f"({self.database})",
                ">= 0.5x raw HTTPS throughput",
                f"{floor_rate:,.0f}/s raw HTTPS POSTs",
                f"{app_rate:,.0f} revisions/s",
                app_rate / floor_rate,
                app_rate / floor_rate >= 0.5,
            )
        ]

    def lines(self) -> list[str]:
        app_rate = self.revisions / self.app_seconds
        floor_rate = self.revisions / self.floor_seconds
        return [
            f"Sync: {self.revisions} queued revisions and {self.pdfs} signed PDFs "
            f"({self.pdf_bytes / 1e6:.1f} MB) to a gateway on loopback, mutual TLS "
            f"({self.database}); {self.connections} TLS connection(s)",
            f"  sync_now (vault -> gateway -> marked sent)  {self.app_seconds:7.2f} s"
            f"   {app_rate:8.0f} revisions/s",
            f"  floor (same bytes, raw HTTPS POSTs)         {self.floor_seconds:7.2f} s"
            f"   {floor_rate:8.0f} revisions/s",
            f"  ratio (app / floor throughput)              {app_rate / floor_rate:7.2f}"
            "   (target >= 0.5)",
        ]


async def _bare(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The floor's endpoint: read the whole body, answer an empty JSON object."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": b"{}"})


def _signed_pdf(vault: Vault, n: int) -> bytes:
    """A signed PDF of a few pages of text, as a record's would be."""
    import io

    from reportlab.pdfgen.canvas import Canvas

    from assessor_app.core.pdf.signing import sign_pdf
    from assessor_app.core.services.signing import profile_signing_identity

    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    for page in range(PDF_PAGES):
        for line in range(50):
            canvas.drawString(
                40, 780 - line * 14, f"Record {n}, page {page + 1}, line {line}: synthetic text."
            )
        canvas.showPage()
    canvas.save()
    return sign_pdf(
        buffer.getvalue(),
        profile_signing_identity(vault),
        placement=None,
        reason="Benchmark",
        location="Benchshire",
    )


def _fill(vault: Vault, revisions: int, pdfs: int = PDFS) -> None:
    session = Session(vault, load_forms_dir(default_forms_dir()))
    form = session.forms.latest("sample")
    made = 0
    i = 0
    while made < revisions:
        person = session.people.add(
            PersonDetails(given_name=f"Bench{i}", family_name="Synthperson")
        )
        record = start_record(session, form, person.id)
        made += 2
        for n in range(SAVES):
            if made >= revisions:
                break
            session.records.save_field(record.id, "notes", f"Visit {n} of a synthetic day.")
            session.records.checkpoint(record.id)
            made += 1
        if i < pdfs:
            kept = session.records.get(record.id)
            session.documents.add(
                kept.id,
                kept.revision,
                kept.revision_hash,
                "record",
                "standard",
                f"record-{i}.pdf",
                _signed_pdf(vault, i),
                signer=vault.profile.name,
            )
        i += 1


def run(revisions: int = 1000, postgres: str | None = None, pdfs: int = PDFS) -> SyncResult:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = Store(postgres or f"sqlite:///{folder / 'gateway.db'}")
        store.migrate()
        ca = GatewayCA.load_or_create(folder / "ca", "Benchshire")
        tls = development_tls(folder, ca)
        vault = new_vault(folder / "laptop")
        try:
            _fill(vault, revisions, pdfs)
            queued = outbox.summary(vault.conn).waiting
            documents = DocumentRepository(vault)
            kept = [
                documents.data(str(r[0]))
                for r in vault.conn.execute("SELECT id FROM signed_document ORDER BY id")
            ]
            assessor = store.create_assessor("Bench Assessor", dt.datetime.now(dt.UTC))
            code = store.issue_code(assessor, dt.datetime.now(dt.UTC), dt.timedelta(minutes=5))
            with running(create_app(store, ca), tls) as gw:
                enrol(vault, gw.url, code, first_contact_ca=ca.pem)
                # The same bodies the app will send, for the floor.
                due = outbox.due(vault.conn, dt.datetime.now(dt.UTC), limit=queued)
                items: list[PushItem] = _items(vault, due)
                bodies = [
                    PushRequest(tuple(items[i : i + 500])).to_json()
                    for i in range(0, len(items), 500)
                ]
                transport = transport_for(vault)
                started = time.perf_counter()
                report = sync_now(vault, transport)
                app = time.perf_counter() - started
                assert report.sent == queued and report.finished, report
                assert report.documents_sent == len(kept), report
            with running(_bare, tls) as bare:
                floor_transport: HttpsTransport = transport_for(vault)
                floor_transport.port = bare.port
                started = time.perf_counter()
                for body in bodies:
                    floor_transport.post("/v1/push", body)
                for data in kept:
                    for start in range(0, len(data), CHUNK_SIZE):
                        floor_transport.put_bytes("/raw", data[start : start + CHUNK_SIZE])
                floor = time.perf_counter() - started
        finally:
            vault.close()
        return SyncResult(
            queued,
            app,
            floor,
            "PostgreSQL" if postgres else "SQLite",
            len(kept),
            sum(len(d) for d in kept),
            transport.connections,
        )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.sync")
    parser.add_argument("--revisions", type=int, default=1000)
    parser.add_argument("--pdfs", type=int, default=PDFS, help="signed PDFs among them")
    parser.add_argument("--postgres", help="a PostgreSQL URL for the gateway's store")
    args = parser.parse_args()
    print("\n".join(run(args.revisions, args.postgres, args.pdfs).lines()))
