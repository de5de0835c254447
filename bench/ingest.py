"""Gateway ingest: many laptops pushing at once, to one gateway process or two on one database.

20 enrolled devices (each with its own certificate and assessor) push their own records at the
same time, each in batches of 10 revisions, over mutual TLS on loopback. Measured: pushes per
second across all devices and the p99 latency of one push. With `--postgres URL`, also two
gateway processes (`assessor-gateway serve`) sharing that database, devices alternating.
The revisions are real: made in a SQLCipher vault and checked by the gateway like any other.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.records import PersonDetails
from assessor_app.core.services.records import start_record
from assessor_app.core.services.session import Session
from assessor_app.core.storage import history
from assessor_app.core.sync_client.transport import DeviceIdentity, HttpsTransport
from bench.common import new_vault, percentile
from sync.gateway.ca import GatewayCA
from sync.gateway.server import free_port
from sync.gateway.store import Store
from sync.protocol import CURRENT, PushItem, PushRequest

DEVICES = 20
BATCH = 10
RECORDS_PER_DEVICE = 10  # each a person and a record of 4 revisions: 50 revisions a device


@dataclass(frozen=True)
class IngestResult:
    label: str
    pushes: int
    seconds: float
    latencies: list[float]

    def lines(self) -> list[str]:
        return [
            f"  {self.label:<34} {self.pushes / self.seconds:7.0f} pushes/s"
            f"   p50 {percentile(self.latencies, 50) * 1000:6.0f} ms"
            f"   p99 {percentile(self.latencies, 99) * 1000:6.0f} ms",
        ]


def _revisions(folder: Path, devices: int) -> list[list[PushItem]]:
    """Per device, its own people and records (real revisions from one throwaway vault)."""
    vault = new_vault(folder)
    try:
        session = Session(vault, load_forms_dir(default_forms_dir()))
        form = session.forms.latest("sample")
        out: list[list[PushItem]] = []
        for d in range(devices):
            mine: list[PushItem] = []
            for r in range(RECORDS_PER_DEVICE):
                person = session.people.add(
                    PersonDetails(given_name=f"Dev{d}", family_name=f"Synthperson{r}")
                )
                record = start_record(session, form, person.id)
                for n in range(3):
                    session.records.save_field(record.id, "notes", f"Visit {n}.")
                    session.records.checkpoint(record.id)
                mine += [
                    PushItem.from_revision(x)
                    for x in (
                        *history.list_revisions(vault.conn, "person", person.id),
                        *session.records.history(record.id),
                    )
                ]
            out.append(mine)
        return out
    finally:
        vault.close()


def _enrol(url: str, ca_pem: bytes, code: str) -> DeviceIdentity:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench")]))
        .sign(key, hashes.SHA256())
    )
    answer = HttpsTransport(url, ca_pem).post(
        "/v1/enrol",
        {
            "protocol": CURRENT,
            "code": code,
            "csr": csr.public_bytes(serialization.Encoding.PEM).decode(),
        },
    )
    cert = x509.load_der_x509_certificate(base64.b64decode(str(answer["certificate"])))
    return DeviceIdentity(
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def _serve(data: Path, db: str, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sync.gateway.cli",
            "--data",
            str(data),
            "--db",
            db,
            "serve",
            "--port",
            str(port),
        ],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_up(url: str, ca_pem: bytes) -> None:
    for _ in range(200):
        try:
            HttpsTransport(url, ca_pem, timeout=1).post("/v1/enrol", {})
        except Exception as e:  # noqa: BLE001 - any answer, even a refusal, means it is up
            if "Can't reach" not in str(e):
                return
        time.sleep(0.05)
    raise RuntimeError(f"the gateway at {url} did not start")


def run_one(label: str, db: str, processes: int, work: list[list[PushItem]]) -> IngestResult:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "gw"
        store = Store(db)
        store.migrate()
        ca = GatewayCA.load_or_create(data / "ca", "Benchshire")
        ports = [free_port() for _ in range(processes)]
        servers = [_serve(data, db, port) for port in ports]
        transports: list[HttpsTransport] = []
        try:
            urls = [f"https://127.0.0.1:{p}" for p in ports]
            for url in urls:
                _wait_up(url, ca.pem)
            now = dt.datetime.now(dt.UTC)
            for d in range(len(work)):
                assessor = store.create_assessor(f"Bench Assessor {d}", now)
                code = store.issue_code(assessor, now, dt.timedelta(minutes=5))
                url = urls[d % len(urls)]
                transports.append(HttpsTransport(url, ca.pem, _enrol(url, ca.pem, code)))
            latencies: list[float] = []
            lock = threading.Lock()

            def device(d: int) -> None:
                items = work[d]
                for start in range(0, len(items), BATCH):
                    body = PushRequest(tuple(items[start : start + BATCH])).to_json()
                    began = time.perf_counter()
                    transports[d].post("/v1/push", body)
                    with lock:
                        latencies.append(time.perf_counter() - began)

            threads = [threading.Thread(target=device, args=(d,)) for d in range(len(work))]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            seconds = time.perf_counter() - started
            assert store.count() == sum(len(w) for w in work)
            return IngestResult(label, len(latencies), seconds, latencies)
        finally:
            # The transports keep their connections open (as the app does for a sync), and
            # uvicorn waits for open connections before it stops: close them first.
            for transport in transports:
                transport.close()
            for s in servers:
                s.send_signal(signal.SIGINT)
            for s in servers:
                s.wait(timeout=10)


def run(postgres: str | None = None) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        work = _revisions(Path(tmp) / "vault", DEVICES)
        total = sum(len(w) for w in work)
        lines = [
            f"Gateway ingest: {DEVICES} devices at once, {total} revisions in batches of {BATCH}"
        ]
        sqlite = f"sqlite:///{Path(tmp) / 'gateway.db'}"
        lines += run_one("SQLite, one process", sqlite, 1, work).lines()
        if postgres:
            lines += run_one("PostgreSQL, one process", postgres, 1, work).lines()
            _reset(postgres)
            lines += run_one("PostgreSQL, two processes", postgres, 2, work).lines()
        return lines


def _reset(url: str) -> None:
    """Empty the PostgreSQL database between runs (the same revisions are pushed again)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.ingest")
    parser.add_argument("--postgres", help="an empty PostgreSQL database URL")
    args = parser.parse_args()
    print("\n".join(run(args.postgres)))
