"""Sync throughput: queued revisions and signed PDFs sent from a real vault to the gateway.

What a user waits for: the time from "Sync now" to every queued revision and signed PDF
acknowledged and marked sent, for 1,000 revisions (100 people, each with a record saved 9
times) and 50 signed PDFs (one for each of half the records). The app's side is
`sync_client.sync_now` on a SQLCipher vault; the gateway is `assessor-gateway` on loopback
(`assessor-gateway serve` in its own process, as an authority runs it: uvicorn, TLS with
client certificates, SQLite store; with `--postgres URL`, PostgreSQL; with `--in-process`, on
a thread of the benchmark's own process, sharing its interpreter, as the tests run it).

Floor: every request the sync made (the contact, the pushes, the PDFs' offers and chunks, the
pull, reference data, shared DSTs and the queue report), byte for byte and in order, sent
over HTTPS (one kept connection, as the app) with the same client certificate to a bare ASGI
endpoint that reads the body and answers `{}` (served by the same uvicorn set-up, in its own
process too), in the same run. The ratio is floor time / app
time: target at least 0.5.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
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
from assessor_app.core.sync_client.client import SyncReport, enrol, sync_now, transport_for
from assessor_app.core.sync_client.transport import HttpsTransport
from bench.common import Row, new_vault
from sync.gateway.app import create_app
from sync.gateway.ca import GatewayCA
from sync.gateway.server import TLSFiles, development_tls, free_port, running
from sync.gateway.store import Store

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

    requests: int = 0

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
            f"({self.database}); {self.requests} requests over {self.connections} TLS "
            "connection(s)",
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


def _serve_bare(certificate: str, key: str, devices_ca: str, port: int) -> None:
    """The floor's server, as its own process (`--serve-bare`): uvicorn as the gateway runs."""
    from sync.gateway.server import TLSFiles, run

    run(_bare, "127.0.0.1", port, TLSFiles(Path(certificate), Path(key), Path(devices_ca)))


@contextlib.contextmanager
def _process(command: list[str], port: int) -> Iterator[str]:
    """Run `command` (a server on `port`) for the length of the block; its URL."""
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"{command[2:4]} stopped while starting: {err[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{command[2:4]} did not start in 30 s") from None
                time.sleep(0.05)
        yield f"https://127.0.0.1:{port}"
    finally:
        proc.terminate()  # uvicorn waits for open connections to close: not for long
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run(
    revisions: int = 1000,
    postgres: str | None = None,
    pdfs: int = PDFS,
    *,
    in_process: bool = False,
) -> SyncResult:
    """One sync of `revisions` queued revisions and `pdfs` signed PDFs, and its floor.

    The gateway runs as it does for an authority: `assessor-gateway serve`, its own process
    (`in_process`: a thread of this one, sharing its interpreter, as the tests run it). The
    floor's bare endpoint runs the same way.
    """
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / "gateway"
        url = postgres or f"sqlite:///{data / 'gateway.db'}"
        store = Store(url)
        store.migrate()
        ca = GatewayCA.load_or_create(data / "ca", "Benchshire")
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
            app, report, recording, transport = timed_sync(
                vault, store, ca, data, code, folder, in_process=in_process
            )
            assert report.sent == queued and report.finished, report
            assert report.documents_sent == len(kept), report
            tls = development_tls(folder / "floor", ca)
            port = free_port()
            bare = [sys.executable, "-m", "bench.sync", "--serve-bare", str(tls.certificate)]
            bare += [str(tls.key), str(tls.devices_ca), str(port)]
            with _floor(tls, bare, port, in_process) as floor_port:
                floor_transport: HttpsTransport = transport_for(vault)
                floor_transport.port = floor_port
                started = time.perf_counter()
                for path, body in recording.requests:  # every request the sync made, in order
                    if isinstance(body, bytes):
                        floor_transport.put_bytes(path, body)
                    else:
                        floor_transport.post(path, body)
                floor = time.perf_counter() - started
                floor_transport.close()
        finally:
            vault.close()
        return SyncResult(
            queued,
            app,
            floor,
            ("PostgreSQL" if postgres else "SQLite")
            + (", gateway in this process" if in_process else ", gateway in its own process"),
            len(kept),
            sum(len(d) for d in kept),
            transport.connections,
            len(recording.requests),
        )


def timed_sync(
    vault: Vault,
    store: Store,
    ca: GatewayCA,
    data: Path,
    code: str,
    folder: Path,
    *,
    in_process: bool,
) -> tuple[float, SyncReport, _Recording, HttpsTransport]:
    """Enrol `vault` with `code`, then time one `sync_now` to the gateway over `store`.

    The gateway is ``assessor-gateway serve`` on `data` (its CA) in its own process, or with
    `in_process` a thread of this one (its TLS files in `folder`). Returns the seconds, the
    report, every request the sync made (for a floor to send again) and the transport (closed).
    """
    port = free_port()
    serve = [sys.executable, "-m", "sync.gateway.cli", "--data", str(data), "--db", store.url]
    serve += ["serve", "--port", str(port), "--authority", "Benchshire"]
    with _gateway(store, ca, folder, serve, port, in_process) as gateway_url:
        enrol(vault, gateway_url, code, first_contact_ca=ca.pem)
        transport = transport_for(vault)
        recording = _Recording(transport)
        started = time.perf_counter()
        report = sync_now(vault, recording)
        took = time.perf_counter() - started
        transport.close()
    return took, report, recording, transport


class _Recording:
    """The laptop's transport, keeping each request it sends, for the floor to send again."""

    def __init__(self, inner: HttpsTransport) -> None:
        self.inner = inner
        self.requests: list[tuple[str, dict[str, Any] | bytes]] = []

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self.requests.append((path, body))
        return self.inner.post(path, body)

    def put_bytes(self, path: str, data: bytes) -> dict[str, Any]:
        self.requests.append((path, data))
        return self.inner.put_bytes(path, data)


@contextlib.contextmanager
def _gateway(
    store: Store, ca: GatewayCA, folder: Path, serve: list[str], port: int, in_process: bool
) -> Iterator[str]:
    if in_process:
        with running(create_app(store, ca), development_tls(folder / "tls", ca)) as gw:
            yield gw.url
    else:
        with _process(serve, port) as url:
            yield url


@contextlib.contextmanager
def _floor(tls: TLSFiles, bare: list[str], port: int, in_process: bool) -> Iterator[int]:
    if in_process:
        with running(_bare, tls) as served:
            yield served.port
    else:
        with _process(bare, port):
            yield port


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.sync")
    parser.add_argument("--revisions", type=int, default=1000)
    parser.add_argument("--pdfs", type=int, default=PDFS, help="signed PDFs among them")
    parser.add_argument("--postgres", help="a PostgreSQL URL for the gateway's store")
    parser.add_argument(
        "--in-process", action="store_true", help="run the gateway on a thread of this process"
    )
    parser.add_argument("--serve-bare", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        cert, key, devices, port = args.serve_bare
        _serve_bare(cert, key, devices, int(port))
    else:
        result = run(args.revisions, args.postgres, args.pdfs, in_process=args.in_process)
        print("\n".join(result.lines()))
