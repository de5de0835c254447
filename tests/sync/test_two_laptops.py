"""Issue 14's check, whole: two laptops' vaults and one gateway, as the two assessors meet it.

Each assessor enrols by the fingerprint IT reads out, then works with the gateway out of
reach (it is stopped): finalised, signed records in a real vault. The gateway comes back with
the folder drop; both laptops sync, one of them through a connection cut part way, and both
sync again. The council's folder then holds each revision once, as JSON, and each signed PDF
once, byte for byte the laptop's, valid by poppler's `pdfsig`. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.records import Role
from assessor_app.core.services.documents import Finalised, finalise_record
from assessor_app.core.storage import document_outbox, outbox
from assessor_app.core.storage.documents import DocumentRepository
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.outbox import OutboxState
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import SyncReport, enrol, sync_now, transport_for
from sync.gateway.adapters import FolderDrop
from sync.gateway.app import create_app
from sync.gateway.ca import GatewayCA
from sync.gateway.server import development_tls, free_port, running
from sync.gateway.store import Store
from sync.protocol import ca_fingerprint
from tests.conftest import REPO_ROOT
from tests.support import poppler, prisoner, session_for
from tests.sync.faults import Answering, FaultyProxy

pytestmark = pytest.mark.skipif(
    shutil.which("pdfsig") is None, reason="poppler-utils is not installed"
)

ASSESSORS = ("Robin Testcase", "Sam Exampleton")

CUT = 60_000
"""Bytes of the second laptop's upload let through before the cut: past its push (under 40 kB
for a person and a record here) and part way into its signed PDF (the test checks it was)."""


def _laptop(folder: Path, name: str) -> Vault:
    return Vault.create(
        folder,
        name=name,
        role=Role.SOCIAL_WORKER,
        authority="Exampleshire County Council",
        passphrase="amber lantern orchard",
        kdf=FAST_KDF_FOR_TESTS,
    )


def _finalise_offline(vault: Vault, families: tuple[str, ...]) -> list[Finalised]:
    """An assessor's day away from any network: records completed, signed and kept."""
    forms = load_forms_dir(default_forms_dir())
    answers = json.loads(
        (REPO_ROOT / "tests/fixtures/forms/answers/needs_custody_eligible.json").read_text()
    )
    session = session_for(vault, forms, today=dt.date(2026, 12, 3))
    done = []
    for family in families:
        person = session.people.add(prisoner(family_name=family))
        form = forms.latest("needs_assessment")
        draft = session.records.create(person.id, form.id, form.version, answers=answers)
        done.append(finalise_record(session, draft.id))
    return done


def _sync(vault: Vault, clock: list[dt.datetime], port: int | None = None) -> SyncReport:
    transport = transport_for(vault, timeout=5.0)
    if port is not None:
        transport.port = port  # through the proxy that cuts the connection
    try:
        return sync_now(vault, transport, now=lambda: clock[0])
    finally:
        transport.close()


def test_two_laptops_one_gateway_and_the_folder_drop_holds_each_record_once_with_its_pdf(
    store_url: str, tmp_path: Path
) -> None:
    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(tmp_path / "ca", "Exampleshire County Council")
    tls = development_tls(tmp_path / "tls", ca)
    fingerprint = ca_fingerprint(ca.pem)  # what `assessor-gateway enrolment-code` prints
    drop = tmp_path / "drop"
    app = create_app(store, ca, adapters=[FolderDrop(drop)])
    port = free_port()
    laptops = [_laptop(tmp_path / f"laptop-{i}", name) for i, name in enumerate(ASSESSORS)]
    try:
        now = dt.datetime.now(dt.UTC)
        codes = [
            store.issue_code(store.create_assessor(name, now), now, dt.timedelta(minutes=15))
            for name in ASSESSORS
        ]
        with running(app, tls, port) as gw:
            for vault, code in zip(laptops, codes, strict=True):
                enrol(vault, gw.url, code, fingerprint=fingerprint)

        # The gateway is out of reach (stopped) while both assessors work.
        work = {
            laptops[0].profile.id: _finalise_offline(laptops[0], ("Quillfeather", "Brindlewood")),
            laptops[1].profile.id: _finalise_offline(laptops[1], ("Ashcombe",)),
        }
        clock = [dt.datetime.now(dt.UTC)]
        with running(app, tls, port):
            first = _sync(laptops[0], clock)
            assert first.finished and first.documents_sent == 2, first
            # The second laptop's connection is cut part way through its upload.
            proxy = FaultyProxy(port, ["cut_upload"], Answering(), slow=1.0, cut_after=CUT)
            try:
                cut = _sync(laptops[1], clock, proxy.port)
            finally:
                proxy.close()
            assert not cut.finished and "Can't reach the council's server" in cut.problem
            # Cut inside the signed PDF: its record's revisions went, the PDF waits.
            assert (cut.sent, cut.waiting, cut.documents_waiting) == (3, 0, 1), cut
            clock[0] += outbox.LONGEST_WAIT  # the next sync, after the back-off
            resumed = _sync(laptops[1], clock)
            assert resumed.finished and resumed.documents_waiting == 0, resumed
            stamps = {f.name: f.stat().st_mtime_ns for f in drop.iterdir()}
            again = [_sync(vault, clock) for vault in laptops]  # both sync once more
        assert [(r.sent, r.documents_sent, r.finished) for r in again] == [(0, 0, True)] * 2
        assert {f.name: f.stat().st_mtime_ns for f in drop.iterdir()} == stamps

        # Every revision of both laptops reached the gateway, and the folder, exactly once.
        sent: list[str] = []
        for vault in laptops:
            items = outbox.items(vault.conn)
            assert {i.state for i in items} == {OutboxState.ACKNOWLEDGED}
            assert document_outbox.pending(vault.conn) == []
            sent += [i.revision_hash for i in items]
        assert not list(drop.glob(".partial-*"))
        delivered = [json.loads(f.read_text(encoding="utf-8")) for f in sorted(drop.glob("*.json"))]
        assert collections.Counter(r["hash"] for r in delivered) == collections.Counter(sent)
        assert store.count() == len(sent)

        # One PDF per signed document, exactly as signed on its laptop, valid by pdfsig.
        pdfs = sorted(drop.glob("*.pdf"))
        assert len(pdfs) == sum(len(done) for done in work.values()) == 3
        for vault in laptops:
            documents = DocumentRepository(vault)
            for finalised in work[vault.profile.id]:
                record, doc = finalised.record, finalised.document
                pdf = drop / f"assessment-{record.id}-doc-{doc.id}.pdf"
                data = pdf.read_bytes()
                assert data == documents.data(doc.id)
                checked = poppler("pdfsig", data, tmp_path)
                assert "Signature is Valid" in checked and "Total document signed" in checked
                seqs = sorted(
                    r["seq"]
                    for r in delivered
                    if r["entity_type"] == "assessment" and r["entity_id"] == record.id
                )
                assert seqs == list(range(1, record.revision + 1))
                assert doc.revision_hash in {r["hash"] for r in delivered}
    finally:
        for vault in laptops:
            vault.close()
