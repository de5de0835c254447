"""A laptop and a gateway, as users meet them: enrol, work offline, sync; nothing lost or doubled.

Real parts throughout: a SQLCipher vault, the outbox, the gateway on loopback over mutual TLS,
SQLite or PostgreSQL behind it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from assessor_app.core.services.records import start_record
from assessor_app.core.storage import outbox
from assessor_app.core.storage.enrolment import load_enrolment
from assessor_app.core.storage.outbox import OutboxState
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import (
    NotEnrolledError,
    enrol,
    sync_now,
    transport_for,
)
from assessor_app.core.sync_client.transport import HttpsTransport, TransportError
from sync.gateway.ca import GatewayCA
from sync.gateway.server import free_port
from tests.support import community_person, session_for
from tests.sync.conftest import Gateway


def _work(vault: Vault, visits: int = 2) -> str:
    """An assessor's offline work: a person, a record and some saves."""
    session = session_for(vault, today=dt.date(2026, 12, 3))
    person = session.people.add(community_person())
    record = start_record(session, session.forms.latest("sample"), person.id)
    for i in range(visits):
        session.records.save_field(record.id, "notes", f"Visit {i + 1}.")
        session.records.checkpoint(record.id)
    return record.id


def test_work_done_offline_reaches_the_gateway_once_after_enrolling(
    gateway: Gateway, vault: Vault
) -> None:
    _work(vault)
    with pytest.raises(NotEnrolledError, match="not enrolled"):
        transport_for(vault)
    enrolled = enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    assert enrolled.assessor_id == gateway.assessor
    queued = outbox.summary(vault.conn).waiting
    assert queued == 4  # the person, and the record's three revisions

    report = sync_now(vault, transport_for(vault))
    assert report.finished and (report.sent, report.waiting) == (4, 0)
    assert gateway.store.count() == 4
    held = gateway.store.held([i.revision_hash for i in outbox.items(vault.conn)])
    assert len(held) == 4
    # Nothing more to send, and sending again sends nothing twice.
    assert sync_now(vault, transport_for(vault)).sent == 0
    _work(vault, visits=1)
    assert sync_now(vault, transport_for(vault)).sent == 3
    assert gateway.store.count() == 7


def test_a_gateway_that_cannot_be_reached_keeps_everything_queued_with_the_reason(
    gateway: Gateway, vault: Vault
) -> None:
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    _work(vault)
    enrolled = load_enrolment(vault)
    assert enrolled is not None
    # The same laptop, pointed at a port nothing listens on (the council's server is down).
    down = transport_for(vault)
    down.port = free_port()
    report = sync_now(vault, down)
    assert not report.finished and "Can't reach the council's server" in report.problem
    assert report.waiting == 4 and gateway.store.count() == 0
    waiting = outbox.items(vault.conn)
    assert {i.state for i in waiting} == {OutboxState.RETRYING}
    assert all("still queued" in i.reason for i in waiting)
    # When the server is back and the wait is over, everything goes, once.
    later = dt.datetime.now(dt.UTC) + outbox.LONGEST_WAIT
    assert sync_now(vault, transport_for(vault), now=lambda: later).sent == 4
    assert gateway.store.count() == 4


def test_a_revoked_laptop_is_told_why_and_its_profile_is_deleted(
    gateway: Gateway, vault: Vault
) -> None:
    """Issue 15: a revoked laptop no longer keeps its work (tests/sync/test_governance.py)."""
    enrolled = enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    _work(vault)
    gateway.store.revoke(enrolled.device_id, dt.datetime.now(dt.UTC))
    report = sync_now(vault, transport_for(vault))
    assert "withdrew this laptop's access" in report.problem and report.sent == 0
    assert "4 change(s)" in report.problem  # what had not reached the council is said
    assert report.withdrawn is not None and not vault.folder.exists()


def test_a_refused_revision_is_held_with_the_gateways_reason_and_the_rest_go(
    gateway: Gateway, vault: Vault
) -> None:
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    first = _work(vault, visits=1)
    second = _work(vault, visits=1)
    # Someone edited the first record's first revision inside the vault file: its hash no
    # longer holds, and the gateway refuses it for good.
    (head,) = [i for i in outbox.items(vault.conn) if i.entity_id == first and i.seq == 1]
    with vault.transaction() as conn:
        conn.execute("DROP TRIGGER IF EXISTS revision_append_only_update")
        conn.execute("UPDATE revision SET author = 'Mallory' WHERE hash = ?", (head.revision_hash,))
    report = sync_now(vault, transport_for(vault))
    assert report.held == 1 and report.finished
    states = {(i.entity_id, i.seq): i for i in outbox.items(vault.conn)}
    assert states[(first, 1)].state is OutboxState.QUARANTINED
    assert "changed after it was saved" in states[(first, 1)].reason
    # The revision after it is kept and waits behind it: it is not sent again until the held
    # one is put right and retried, whatever the clock says.
    assert states[(first, 2)].state is OutboxState.RETRYING
    assert "earlier revision" in states[(first, 2)].reason
    much_later = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    assert first not in {i.entity_id for i in outbox.due(vault.conn, much_later)}
    assert states[(second, 1)].state is states[(second, 2)].state is OutboxState.ACKNOWLEDGED


def test_enrolling_with_a_used_code_changes_nothing(gateway: Gateway, vault: Vault) -> None:
    code = gateway.code()
    enrol(vault, gateway.url, code, first_contact_ca=gateway.ca.pem)
    before = load_enrolment(vault)
    with pytest.raises(TransportError, match="already been used"):
        enrol(vault, gateway.url, code, first_contact_ca=gateway.ca.pem)
    assert load_enrolment(vault) == before


def test_after_enrolling_the_laptop_trusts_only_the_pinned_ca(
    gateway: Gateway, vault: Vault, tmp_path: Path
) -> None:
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    enrolled = load_enrolment(vault)
    assert enrolled is not None and enrolled.server_ca_pem == gateway.ca.pem
    impostor = GatewayCA.load_or_create(tmp_path / "impostor", "Impostor")
    with pytest.raises(TransportError, match="did not prove"):
        HttpsTransport(gateway.url, impostor.pem).post("/v1/push", {})


def test_offline_mode_touches_no_network_and_keeps_everything_queued(
    gateway: Gateway, vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assessor_app.core.sync_client.client import OfflineError

    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    _work(vault)
    monkeypatch.setenv("ASSESSOR_OFFLINE", "1")
    with pytest.raises(OfflineError, match="Offline mode is on"):
        transport_for(vault)
    with pytest.raises(OfflineError):
        enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    assert gateway.store.count() == 0
    assert {i.state for i in outbox.items(vault.conn)} == {OutboxState.QUEUED}


def test_a_gateway_that_takes_only_small_uploads_gets_everything_in_smaller_batches(
    store_url: str, tmp_path: Path, vault: Vault
) -> None:
    from sync.gateway.app import create_app
    from sync.gateway.ca import GatewayCA
    from sync.gateway.server import development_tls, running
    from sync.gateway.store import Store

    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(tmp_path / "ca", "Exampleshire")
    tls = development_tls(tmp_path, ca)
    assessor = store.create_assessor("Robin Testcase", dt.datetime.now(dt.UTC))
    code = store.issue_code(assessor, dt.datetime.now(dt.UTC), dt.timedelta(minutes=5))
    for _ in range(3):
        _work(vault, visits=1)
    session = session_for(vault, today=dt.date(2026, 12, 3))
    huge = session.people.add(community_person(family_name="Hugenotes"))
    record = start_record(session, session.forms.latest("sample"), huge.id)
    session.records.save_field(record.id, "notes", "A very long account. " * 400)
    session.records.checkpoint(record.id)
    # A gateway that takes no request over about 6 KB.
    with running(create_app(store, ca, max_request_bytes=6_000), tls) as gw:
        enrol(vault, gw.url, code, first_contact_ca=ca.pem)
        report = sync_now(vault, transport_for(vault))
    held = outbox.items(vault.conn, OutboxState.QUARANTINED)
    assert [i.entity_id for i in held] == [record.id]  # the one too big to send alone
    assert "larger than the council's gateway accepts (6 KB at most)" in held[0].reason
    assert report.held == 1 and report.finished
    waiting = outbox.summary(vault.conn)
    # Everything else went, in smaller batches.
    assert waiting.acknowledged == store.count() == len(outbox.items(vault.conn)) - 1


def test_a_revision_stamped_in_another_iso_form_is_sent_as_stored_and_accepted(
    gateway: Gateway, vault: Vault
) -> None:
    # A revision that came from elsewhere (a record file, an older app) may carry its time as
    # "…Z" rather than "+00:00". Its hash covers the text as stored, so that text is what is
    # sent: re-writing it would make the gateway refuse a genuine revision as changed.
    from assessor_app.core.storage import history

    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    record = _work(vault, visits=1)
    (last,) = [i for i in outbox.items(vault.conn) if i.entity_id == record and i.seq == 2]
    (revision,) = [
        r for r in history.list_revisions(vault.conn, "assessment", record) if r.seq == 2
    ]
    zulu = revision.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    rehashed = history.chain_hash(
        "assessment",
        record,
        2,
        zulu,
        revision.author,
        history.canonical_json(revision.body),
        revision.prev_hash,
    )
    with vault.transaction() as conn:
        for trigger in ("revision_append_only_update", "outbox_acknowledged_stays"):
            conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        conn.execute(
            "UPDATE revision SET created_at = ?, hash = ? WHERE hash = ?",
            (zulu, rehashed, last.revision_hash),
        )
        conn.execute(
            "UPDATE outbox SET revision_hash = ? WHERE revision_hash = ?",
            (rehashed, last.revision_hash),
        )
    report = sync_now(vault, transport_for(vault))
    assert report.finished and report.held == 0, report
    assert gateway.store.held([rehashed]) == {rehashed}


def _forget_at_gateway(
    gateway: Gateway, *chains: tuple[str, str], allocations: bool = False
) -> int:
    """The gateway restored from a backup older than some of what it acknowledged."""
    gone = 0
    with gateway.store.transaction() as tx:
        for entity_type, entity_id in chains:
            gone += tx.execute(
                "DELETE FROM revision WHERE entity_type = ? AND entity_id = ?",
                (entity_type, entity_id),
            ).rowcount
        if allocations:
            tx.execute("DELETE FROM allocation")
    return gone


@pytest.mark.parametrize("lost", ["the record", "the person and the record"])
def test_a_gateway_restored_from_an_old_backup_gets_back_what_it_lost(
    gateway: Gateway, vault: Vault, lost: str
) -> None:
    # The laptop holds the lost revisions as acknowledged and never queues them again; the
    # record's next revision would wait for ever for a predecessor the gateway no longer has.
    from assessor_app.core.storage import history

    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    record = _work(vault, visits=2)
    assert sync_now(vault, transport_for(vault)).sent == 4
    (first,) = history.list_revisions(vault.conn, "assessment", record)[:1]
    person = first.body["person_id"]
    chains = [("assessment", record)] + ([("person", person)] if "person" in lost else [])
    assert _forget_at_gateway(gateway, *chains, allocations="person" in lost) >= 3

    session = session_for(vault, today=dt.date(2026, 12, 3))
    session.records.save_field(record, "notes", "After the restore.")
    session.records.checkpoint(record)
    report = sync_now(vault, transport_for(vault))

    assert report.finished and report.waiting == 0, report
    assert {i.state for i in outbox.items(vault.conn)} == {OutboxState.ACKNOWLEDGED}
    everything = [i.revision_hash for i in outbox.items(vault.conn)]
    assert gateway.store.held(everything) == set(everything)
    assert gateway.store.count() == len(everything) == 5


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils is not installed")
def test_finalised_records_reach_the_folder_drop_once_with_their_signed_pdfs(
    store_url: str, tmp_path: Path, vault: Vault
) -> None:
    """As users meet it: finalise offline, sync, and the council's folder holds it all once."""
    import json

    from assessor_app.core.form_engine.definition import load_forms_dir
    from assessor_app.core.paths import default_forms_dir
    from assessor_app.core.services.documents import finalise_record
    from sync.gateway.adapters import FolderDrop
    from sync.gateway.app import create_app
    from sync.gateway.server import development_tls, running
    from sync.gateway.store import Store
    from tests.conftest import REPO_ROOT
    from tests.support import poppler, prisoner

    forms = load_forms_dir(default_forms_dir())
    answers = json.loads(
        (REPO_ROOT / "tests/fixtures/forms/answers/needs_custody_eligible.json").read_text()
    )
    session = session_for(vault, forms, today=dt.date(2026, 11, 23))
    finalised = []
    for family in ("Quillfeather", "Brindlewood"):
        person = session.people.add(prisoner(family_name=family))
        form = forms.latest("needs_assessment")
        draft = session.records.create(person.id, form.id, form.version, answers=answers)
        finalised.append(finalise_record(session, draft.id))
    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(tmp_path / "ca", "Exampleshire")
    tls = development_tls(tmp_path, ca)
    assessor = store.create_assessor("Robin Testcase", dt.datetime.now(dt.UTC))
    code = store.issue_code(assessor, dt.datetime.now(dt.UTC), dt.timedelta(minutes=5))
    folder = tmp_path / "drop"
    with running(create_app(store, ca, adapters=[FolderDrop(folder)]), tls) as gw:
        enrol(vault, gw.url, code, first_contact_ca=ca.pem)
        report = sync_now(vault, transport_for(vault))
        assert report.finished and report.documents_sent == 2 and report.documents_waiting == 0
        stamps = {f.name: f.stat().st_mtime_ns for f in folder.iterdir()}
        again = sync_now(vault, transport_for(vault))  # a second sync delivers nothing again
    assert (again.sent, again.documents_sent) == (0, 0)
    assert {f.name: f.stat().st_mtime_ns for f in folder.iterdir()} == stamps
    assert not list(folder.glob(".partial-*"))
    for done in finalised:
        record, doc = done.record, done.document
        revisions = [
            json.loads(f.read_text(encoding="utf-8"))
            for f in folder.glob(f"assessment-{record.id}-rev*.json")
        ]
        assert sorted(r["seq"] for r in revisions) == list(range(1, record.revision + 1))
        (pdf,) = folder.glob(f"assessment-{record.id}-doc-*.pdf")
        assert pdf.name == f"assessment-{record.id}-doc-{doc.id}.pdf"
        data = pdf.read_bytes()
        assert data == session.documents.data(doc.id)  # exactly as signed on the laptop
        checked = poppler("pdfsig", data, tmp_path)
        assert "Signature is Valid" in checked and "Total document signed" in checked
        assert doc.revision_hash in {r["hash"] for r in revisions}


def test_it_sees_each_laptops_queue_as_it_stood_after_its_last_sync(
    gateway: Gateway, vault: Vault, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from sync.gateway.cli import main as gateway_cli

    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    assert gateway_cli(["--db", store_url, "devices"]) == 0
    assert "queue not reported" in capsys.readouterr().out
    first = _work(vault, visits=1)
    _work(vault, visits=1)
    (head,) = [i for i in outbox.items(vault.conn) if i.entity_id == first and i.seq == 1]
    with vault.transaction() as conn:  # one record the gateway will refuse for good
        conn.execute("DROP TRIGGER IF EXISTS revision_append_only_update")
        conn.execute("UPDATE revision SET author = 'Mallory' WHERE hash = ?", (head.revision_hash,))
    report = sync_now(vault, transport_for(vault))
    assert report.held == 1
    ((device_id, (_at, queue)),) = gateway.store.queue_reports().items()
    # What the laptop still holds: the refused revision and the one waiting behind it.
    assert (queue.waiting, queue.held) == (report.waiting, 1) == (2, 1)
    assert gateway_cli(["--db", store_url, "devices"]) == 0
    line = capsys.readouterr().out
    assert device_id in line and "2 changes waiting (1 held), 0 signed PDFs" in line


def test_a_queue_report_that_does_not_add_up_is_refused_and_nothing_kept(
    gateway: Gateway, vault: Vault
) -> None:
    from sync.protocol import CURRENT

    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    bad = {
        "protocol": CURRENT,
        "waiting": 1,
        "held": 5,
        "documents_waiting": 0,
        "documents_held": 0,
        "app_version": "0.1.0",
    }
    with pytest.raises(TransportError, match="could not read the queue report") as refused:
        transport_for(vault).post("/v1/status", bad)
    assert refused.value.status == 400
    assert gateway.store.queue_reports() == {}
