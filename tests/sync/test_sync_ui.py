"""Sync in the window: the status line tells the truth, and a slow server never delays a save."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from assessor_app.core.services.records import start_record
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client import client
from assessor_app.core.sync_client.client import enrol
from sync.gateway.server import free_port
from tests.support import community_person, session_for
from tests.sync.conftest import Gateway

from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.sync_status import SyncController


@pytest.fixture
def ops() -> Any:
    helper = BackgroundOps()
    yield helper
    helper.shutdown()


def _work(vault: Vault) -> str:
    session = session_for(vault, today=dt.date(2026, 12, 3))
    person = session.people.add(community_person())
    return start_record(session, session.forms.latest("sample"), person.id).id


def _controller(qtbot: QtBot, ops: BackgroundOps, vault: Vault) -> SyncController:
    del qtbot  # the controller is a QObject, not a widget: each test stops it at the end
    return SyncController(ops, session_for(vault))


def test_the_status_line_says_queued_then_all_sent(
    qtbot: QtBot, ops: BackgroundOps, vault: Vault, gateway: Gateway
) -> None:
    _work(vault)
    controller = _controller(qtbot, ops, vault)
    with qtbot.waitSignal(controller.status_changed, timeout=5000):
        controller.refresh()
    assert controller.text == "2 changes queued · not enrolled with the council's gateway"
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    bar: list[tuple[int, int]] = []
    controller.progress.connect(lambda sent, total: bar.append((sent, total)))
    with qtbot.waitSignal(controller.finished, timeout=10_000) as done:
        controller.sync_now()
    report = done.args[0]
    assert (report.sent, report.waiting, report.problem) == (2, 0, "")
    assert controller.text.startswith("All sent · last ")
    # The progress bar showed how far it had got of the two, then went away.
    assert bar[0] == (0, 2) and bar[-1] == (0, 0)
    # IT's device list shows the laptop's queue as the sync left it.
    ((_at, queue),) = gateway.store.queue_reports().values()
    assert (queue.waiting, queue.held) == (0, 0)
    assert gateway.store.count() == 2
    controller.stop()


def test_the_window_tells_the_gateway_each_held_change_with_its_form_title_and_reason(
    qtbot: QtBot, ops: BackgroundOps, vault: Vault, gateway: Gateway
) -> None:
    record_id = _work(vault)
    session = session_for(vault)
    person_id = session.records.get(record_id).person_id
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    other = gateway.store.create_assessor("Sam Elsewhere", dt.datetime.now(dt.UTC))
    gateway.store.allocate(person_id, other, dt.datetime.now(dt.UTC))  # not this caseload
    controller = _controller(qtbot, ops, vault)
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.sync_now()
    ((_at, queue),) = gateway.store.queue_reports().values()
    assert queue.held == 2
    kinds = {(i.kind, i.item_id, i.form) for i in queue.held_items}
    title = session.forms.latest("sample").title
    assert kinds == {("person", person_id, ""), ("record", record_id, title)}
    assert all("caseload" in i.reason for i in queue.held_items)
    controller.stop()


def test_a_server_that_cannot_be_reached_is_said_in_words(
    qtbot: QtBot,
    ops: BackgroundOps,
    vault: Vault,
    gateway: Gateway,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    _work(vault)
    real = client.transport_for

    def down(v: Vault, **kwargs: Any) -> Any:
        transport = real(v, **kwargs)
        transport.port = free_port()  # the council's server is down
        return transport

    monkeypatch.setattr(client, "transport_for", down)
    controller = _controller(qtbot, ops, vault)
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.sync_now()
    assert controller.text.startswith("2 changes queued · Can't reach the council's server")
    assert gateway.store.count() == 0
    controller.stop()


def test_a_slow_server_never_delays_a_save(
    qtbot: QtBot,
    ops: BackgroundOps,
    vault: Vault,
    gateway: Gateway,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    record_id = _work(vault)
    in_flight, release = threading.Event(), threading.Event()
    real = client.transport_for

    class SlowNetwork:
        """The real transport, on a network that takes its time to answer."""

        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
            in_flight.set()
            release.wait(10)
            return self.inner.post(path, body)  # type: ignore[no-any-return]

    monkeypatch.setattr(client, "transport_for", lambda v, **k: SlowNetwork(real(v, **k)))
    controller = _controller(qtbot, ops, vault)
    controller.sync_now()
    qtbot.waitUntil(in_flight.is_set, timeout=5000)
    saved: list[float] = []
    started = time.perf_counter()
    records = session_for(vault).records
    ops.run(
        records.save_field,
        record_id,
        "notes",
        "Typed while sending.",
        on_success=lambda _: saved.append(time.perf_counter() - started),
    )
    qtbot.waitUntil(lambda: bool(saved), timeout=2000)  # saved while the upload still waits
    assert saved[0] < 1.0
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        release.set()
    assert gateway.store.count() == 2
    controller.stop()


def test_the_window_sends_again_what_a_restored_gateway_lost(
    qtbot: QtBot, ops: BackgroundOps, vault: Vault, gateway: Gateway
) -> None:
    # The same steps as `sync_now`, run by the window's controller across its callbacks.
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    record = _work(vault)
    controller = _controller(qtbot, ops, vault)
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.sync_now()
    assert gateway.store.count() == 2
    with gateway.store.transaction() as tx:  # restored from a backup taken before the sync
        tx.execute("DELETE FROM revision")
        tx.execute("DELETE FROM allocation")
    session = session_for(vault, today=dt.date(2026, 12, 3))
    session.records.save_field(record, "notes", "Seen again.")
    session.records.checkpoint(record)
    with qtbot.waitSignal(controller.finished, timeout=10_000) as done:
        controller.sync_now()
    report = done.args[0]
    assert (report.waiting, report.problem) == (0, ""), report
    assert gateway.store.count() == 3
    controller.stop()


def test_a_record_sent_without_its_signed_pdf_says_which_pdf_is_still_to_send(
    qtbot: QtBot,
    ops: BackgroundOps,
    vault: Vault,
    gateway: Gateway,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from assessor_app.core.sync_client.transport import TransportError
    from tests.sync.pdfs import keep_signed_pdf

    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    doc = keep_signed_pdf(vault, _work(vault))
    real = client.transport_for

    class LostOnPdfs:
        """The real transport, on a network that fails as soon as a PDF's bytes go."""

        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
            if path == "/v1/documents" and "content" in body:
                self.lost()  # a small PDF's bytes go with its offer
            return self.inner.post(path, body)  # type: ignore[no-any-return]

        def put_bytes(self, path: str, data: bytes) -> dict[str, Any]:
            del path, data  # never sent: the network is lost
            self.lost()
            return {}

        @staticmethod
        def lost() -> None:
            raise TransportError(
                "Can't reach the council's server. Your records are still queued.",
                temporary=True,
            )

    monkeypatch.setattr(client, "transport_for", lambda v, **k: LostOnPdfs(real(v, **k)))
    controller = _controller(qtbot, ops, vault)
    with qtbot.waitSignal(controller.finished, timeout=10_000) as done:
        controller.sync_now()
    assert (done.args[0].sent, done.args[0].documents_waiting) == (2, 1)
    given = community_person().given_name
    assert controller.text == (
        "All changes sent · 1 signed PDF still to send (Sample form – every field type for "
        f"{given} {community_person().family_name}) · Can't reach the council's server"
    )
    assert gateway.store.count() == 2 and gateway.store.document_count() == 0
    # The network is back and the wait is over: the PDF goes, and the line says all is sent.
    monkeypatch.setattr(client, "transport_for", real)
    with vault.transaction() as conn:
        conn.execute("UPDATE document_outbox SET next_attempt_at = NULL")
    with qtbot.waitSignal(controller.finished, timeout=10_000):
        controller.sync_now()
    assert controller.text.startswith("All sent · last ")
    assert gateway.store.document(doc.id) is not None
    controller.stop()


def test_the_window_sends_several_signed_pdfs_and_says_all_sent(
    qtbot: QtBot, ops: BackgroundOps, vault: Vault, gateway: Gateway
) -> None:
    from tests.sync.pdfs import keep_signed_pdf

    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    small = keep_signed_pdf(vault, _work(vault), seed=1)
    large = keep_signed_pdf(vault, _work(vault), padding=600_000, seed=2)
    controller = _controller(qtbot, ops, vault)
    with qtbot.waitSignal(controller.finished, timeout=20_000) as done:
        controller.sync_now()
    assert done.args[0].documents_waiting == 0
    assert controller.text.startswith("All sent · last ")
    for doc in (small, large):
        assert gateway.store.document(doc.id) is not None
    controller.stop()
