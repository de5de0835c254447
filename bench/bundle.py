"""Outbound by file (issue 16): 1,000 revisions and 50 signed PDFs on a stick, against online.

What IT and the assessor wait for, end to end: ``bundle export`` on the laptop (its SQLCipher
vault, every queued revision and signed PDF into one sealed, signed file, written atomically),
``assessor-gateway bundle import`` at the gateway (checked whole, then `Store.push` and the
PDFs' offers and chunks, and the signed receipt), and the receipt imported on the laptop
(every revision and PDF marked sent). The records are `bench.sync`'s (100 people, each with a
record saved 9 times: 1,000 revisions; 50 signed PDFs of four pages), made once in one vault
and copied, so the same records go the other way too in the same run: `sync_now` to
`assessor-gateway serve` on loopback with mutual TLS (in its own process, as an authority runs
it; ``--in-process``: a thread of this one), from "Sync now" to everything marked sent.

Floor for the file: the envelope alone, on the same payload: sealing it (X25519 and
AES-GCM to the authority, ECDSA by the laptop), writing it atomically (fsync), and opening it
(signature, decryption): what any bundle of these bytes costs before the vault or the store
does anything. Not a target: what the app adds over it. Run: ``python -m bench.bundle
[--revisions N] [--pdfs N] [--in-process]``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_private_key

from assessor_app.core.storage import enrolment as enrolment_store
from assessor_app.core.storage import outbox
from assessor_app.core.storage.documents import DocumentRepository
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import (
    enrolment_request,
    finish_enrolment,
)
from assessor_app.core.sync_client.file_transport import export_bundle, import_receipt
from bench.common import PASSPHRASE, Row, new_vault
from bench.sync import PDFS, _fill, timed_sync
from sync.bundle import open_bundle, seal_bundle, write_atomic
from sync.gateway.bundles import BundleKey, import_bundle
from sync.gateway.ca import GatewayCA
from sync.gateway.enrolment import EnrolmentTerms, answer_enrolment
from sync.gateway.store import Store


@dataclass(frozen=True)
class BundleResult:
    revisions: int
    pdfs: int
    pdf_bytes: int
    export_seconds: float
    import_seconds: float
    receipt_seconds: float
    bundle_bytes: int
    receipt_bytes: int
    envelope_seconds: float
    online_seconds: float
    online_bytes: int
    """The request bodies the online sync sent (JSON as the transport encodes it, and the PDFs'
    chunks): what crossed the network, less HTTP and TLS framing."""
    online_where: str

    @property
    def file_seconds(self) -> float:
        return self.export_seconds + self.import_seconds + self.receipt_seconds

    def summary(self) -> list[Row]:
        return [
            Row(
                f"send {self.revisions} revisions and {self.pdfs} signed PDFs by file "
                "(export, gateway import, receipt)",
                "- (compare online)",
                f"envelope alone {self.envelope_seconds:.2f} s; online {self.online_seconds:.2f} s",
                f"{self.file_seconds:.2f} s, {self.bundle_bytes / 1e6:.1f} MB",
                None,
                None,
            )
        ]

    def lines(self) -> list[str]:
        mb = 1e6
        return [
            f"By file: {self.revisions} revisions and {self.pdfs} signed PDFs "
            f"({self.pdf_bytes / mb:.2f} MB of PDF), against the same records online "
            f"({self.online_where})",
            f"  bundle export on the laptop          {self.export_seconds:7.2f} s"
            f"   bundle {self.bundle_bytes / mb:6.2f} MB",
            f"  bundle import at the gateway         {self.import_seconds:7.2f} s"
            f"   receipt {self.receipt_bytes / 1e3:6.1f} KB",
            f"  receipt import on the laptop         {self.receipt_seconds:7.2f} s",
            f"  by file, all three                   {self.file_seconds:7.2f} s",
            f"  floor: the envelope alone            {self.envelope_seconds:7.2f} s"
            "   (seal, write with fsync, open)",
            f"  online: sync_now, the same records   {self.online_seconds:7.2f} s"
            f"   sent {self.online_bytes / mb:6.2f} MB of request bodies",
        ]


def _enrol_in_process(vault: Vault, store: Store, ca: GatewayCA, key: BundleKey) -> None:
    """Enrol as the gateway's enrol endpoint answers (a file path needs no server)."""
    now = dt.datetime.now(dt.UTC)
    who = store.create_assessor("Bench Assessor", now)
    code = store.issue_code(who, now, dt.timedelta(minutes=5))
    terms = EnrolmentTerms(ca.pem.decode("ascii"), None, None, key.public.text)
    _, answer = answer_enrolment(store, ca, enrolment_request(vault, code), now, terms)
    finish_enrolment(vault, "https://gateway.invalid", answer, now=now)


def _envelope(vault: Vault, data: bytes, key: BundleKey, folder: Path) -> float:
    """The floor: the same payload sealed, written atomically and opened again."""
    opened = open_bundle(data, key.decrypt, key.public)
    enrolled = enrolment_store.load_enrolment(vault)
    assert enrolled is not None
    device_key = load_der_private_key(enrolled.key_der, password=None)
    assert isinstance(device_key, ec.EllipticCurvePrivateKey)
    started = time.perf_counter()
    sealed = seal_bundle(
        opened.header, opened.payload, key.public, device_key, enrolled.certificate_der
    )
    write_atomic(folder / "floor.bundle", sealed)
    open_bundle((folder / "floor.bundle").read_bytes(), key.decrypt, key.public)
    return time.perf_counter() - started


def run(revisions: int = 1000, pdfs: int = PDFS, *, in_process: bool = False) -> BundleResult:
    """The same records sent once by file and once online, each to an empty gateway."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        made = new_vault(folder / "laptop-file")
        profile = made.folder.name
        _fill(made, revisions, pdfs)
        queued = outbox.summary(made.conn).waiting
        documents = DocumentRepository(made)
        pdf_bytes = sum(
            len(documents.data(str(r[0])))
            for r in made.conn.execute("SELECT id FROM signed_document")
        )
        made.close()
        shutil.copytree(folder / "laptop-file", folder / "laptop-online")
        by_file = Vault.open(folder / "laptop-file", profile, PASSPHRASE)
        online = Vault.open(folder / "laptop-online", profile, PASSPHRASE)
        try:
            data_dir = folder / "gateway-file"
            store = Store(f"sqlite:///{data_dir / 'gateway.db'}")
            store.migrate()
            ca = GatewayCA.load_or_create(data_dir / "ca", "Benchshire")
            key = BundleKey.load_or_create(data_dir / "ca")
            _enrol_in_process(by_file, store, ca, key)
            stick = folder / "stick" / "records.bundle"
            stick.parent.mkdir()

            started = time.perf_counter()
            exported = export_bundle(by_file, stick, dt.datetime.now(dt.UTC))
            export = time.perf_counter() - started
            data = stick.read_bytes()
            started = time.perf_counter()
            taken = import_bundle(store, key, ca.certificate, data, dt.datetime.now(dt.UTC))
            gateway = time.perf_counter() - started
            started = time.perf_counter()
            receipt = import_receipt(by_file, taken.receipt, dt.datetime.now(dt.UTC))
            back = time.perf_counter() - started
            assert exported.revisions == queued == taken.stored == receipt.acknowledged
            assert exported.documents == pdfs == taken.documents == receipt.documents
            assert outbox.summary(by_file.conn).waiting == 0
            envelope = _envelope(by_file, data, key, folder)

            online_seconds, sent = _online(online, folder / "gateway-online", in_process)
        finally:
            by_file.close()
            online.close()
        return BundleResult(
            queued,
            pdfs,
            pdf_bytes,
            export,
            gateway,
            back,
            len(data),
            len(taken.receipt),
            envelope,
            online_seconds,
            sent,
            "gateway in this process" if in_process else "gateway in its own process",
        )


def _online(vault: Vault, data: Path, in_process: bool) -> tuple[float, int]:
    """`sync_now` of everything queued to an empty gateway: its time and the bytes it sent."""
    url = f"sqlite:///{data / 'gateway.db'}"
    store = Store(url)
    store.migrate()
    ca = GatewayCA.load_or_create(data / "ca", "Benchshire")
    now = dt.datetime.now(dt.UTC)
    code = store.issue_code(store.create_assessor("Bench Assessor", now), now, dt.timedelta(1))
    queued = outbox.summary(vault.conn).waiting
    took, report, recording, _ = timed_sync(
        vault, store, ca, data, code, data, in_process=in_process
    )
    assert report.sent == queued and report.finished, report
    sent = sum(
        len(body)
        if isinstance(body, bytes)
        else len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        for _, body in recording.requests
    )
    return took, sent


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.bundle")
    parser.add_argument("--revisions", type=int, default=1000)
    parser.add_argument("--pdfs", type=int, default=PDFS, help="signed PDFs among them")
    parser.add_argument(
        "--in-process", action="store_true", help="run the online gateway on a thread of this one"
    )
    args = parser.parse_args()
    print("\n".join(run(args.revisions, args.pdfs, in_process=args.in_process).lines()))
