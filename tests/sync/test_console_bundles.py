"""The console's Bundles page over real TLS, on both databases, with a real laptop's files.

A laptop enrols online, works offline and writes a bundle; IT takes it in through the page and
downloads the receipt, which the laptop then imports; and IT writes the laptop's inbound
bundle with a lease of its choosing. What the browser tests show in Chromium, checked request
by request with what both sides keep.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assessor_app.core.services.records import start_record
from assessor_app.core.storage import outbox
from assessor_app.core.storage.outbox import SENT_BY_FILE, OutboxState
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import enrol
from assessor_app.core.sync_client.file_transport import export_bundle, import_receipt
from assessor_app.core.sync_client.inbound import import_inbound
from sync.gateway.accounts import Accounts
from sync.gateway.app import create_app
from sync.gateway.bundles import BundleKey
from sync.gateway.ca import GatewayCA
from sync.gateway.server import development_tls, running
from sync.gateway.store import Store
from tests.support import community_person, session_for
from tests.sync.console_client import ConsoleClient, Page, make_accounts

PASSWORD = "a long synthetic passphrase"
LEASE_DAYS = 14


def _now() -> dt.datetime:
    # The real clock: the laptop's certificate is issued on it, and a bundle is checked
    # against its validity at the gateway's time.
    return dt.datetime.now(dt.UTC)


@dataclass
class Desk:
    url: str
    store: Store
    ca: GatewayCA
    assessor: str
    folder: Path

    def client(self, username: str) -> ConsoleClient:
        client = ConsoleClient(self.url, self.ca.pem)
        assert client.sign_in(username, PASSWORD).status == 200
        return client

    def laptop(self, vault: Vault) -> str:
        """`vault` enrolled online (so it holds the bundle key), then its work done offline."""
        code = self.store.issue_code(self.assessor, _now(), dt.timedelta(minutes=5))
        device = enrol(vault, self.url, code, first_contact_ca=self.ca.pem).device_id
        session = session_for(vault, today=dt.date(2026, 12, 4))
        person = session.people.add(community_person(family_name="Stickworth"))
        record = start_record(session, session.forms.latest("sample"), person.id)
        for visit in ("First visit.", "Second visit."):
            session.records.save_field(record.id, "notes", visit)
            session.records.checkpoint(record.id)
        return device

    def bundle(self, vault: Vault) -> bytes:
        path = self.folder / "stick" / "records.bundle"
        path.parent.mkdir(exist_ok=True)
        assert export_bundle(vault, path, _now()).revisions == 4
        return path.read_bytes()


def _desk(
    store_url: str, tmp_path: Path, *, bundle_key: bool = True, **options: int
) -> Iterator[Desk]:
    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(tmp_path / "ca", "Exampleshire County Council")
    assessor = store.create_assessor("Robin Testcase", _now())
    make_accounts(store, PASSWORD, _now(), assessor)
    app = create_app(
        store,
        ca,
        bundle_key=BundleKey.load_or_create(tmp_path / "ca") if bundle_key else None,
        lease_days=LEASE_DAYS,
        **options,  # type: ignore[arg-type]
    )
    with running(app, development_tls(tmp_path, ca, ("127.0.0.1", "localhost"))) as served:
        yield Desk(served.url, store, ca, assessor, tmp_path)


@pytest.fixture
def desk(store_url: str, tmp_path: Path) -> Iterator[Desk]:
    """A gateway with a bundle key on loopback TLS: one account of each role, one assessor."""
    yield from _desk(store_url, tmp_path)


def _upload(client: ConsoleClient, data: bytes, name: str = "records.bundle") -> Page:
    csrf = client.get("/console/bundles").csrf
    return client.post_file("/console/bundles/import", {"csrf": csrf}, "bundle", name, data)


def _link(page: Page) -> str:
    """The download link on a result page."""
    (path,) = {p for p in page.text.split('href="')[1:] if p.startswith("/console/bundles/files/")}
    return path.split('"')[0]


def _kept(store: Store) -> list[tuple[object, ...]]:
    with store.transaction() as tx:
        return [tuple(r) for r in tx.execute("SELECT * FROM console_bundle_file").fetchall()]


def _imports(store: Store) -> list[tuple[object, ...]]:
    with store.transaction() as tx:
        return [tuple(r) for r in tx.execute("SELECT * FROM bundle_import").fetchall()]


def test_it_imports_a_bundle_and_the_receipt_it_downloads_acknowledges_the_laptops_records(
    desk: Desk, vault: Vault
) -> None:
    device = desk.laptop(vault)
    data = desk.bundle(vault)
    admin = desk.client("ada")

    page = _upload(admin, data)

    assert page.status == 200 and page.h1() == "Bundle imported", page.text
    words = " ".join(page.text.split())
    assert "4 revision(s) stored, 0 already held" in words and device in words
    assert desk.store.count() == 4
    receipt = admin.raw(_link(page))
    assert receipt.status == 200
    assert receipt.headers["content-disposition"] == 'attachment; filename="records.bundle.receipt"'
    assert {i.reason for i in outbox.items(vault.conn)} == {SENT_BY_FILE}
    assert import_receipt(vault, receipt.body, _now()).acknowledged == 4
    assert {i.state for i in outbox.items(vault.conn)} == {OutboxState.ACKNOWLEDGED}

    again = _upload(admin, data)  # the same file twice (a receipt lost on the way back)
    assert again.status == 200 and "imported before, so nothing was changed" in again.text
    assert desk.store.count() == 4
    listed = admin.get("/console/bundles")
    assert listed.text.count("records.bundle.receipt") == 2  # both receipts, to download
    actions = [(e.action, e.subject) for e in Accounts(desk.store).audit_log()]
    assert actions.count(("bundle imported", device)) == 2
    assert any(a == "bundle file downloaded" for a, _ in actions)


def test_a_tampered_or_empty_upload_is_refused_on_the_page_and_changes_nothing(
    desk: Desk, vault: Vault
) -> None:
    desk.laptop(vault)
    data = bytearray(desk.bundle(vault))
    data[len(data) // 2] ^= 0x01
    admin = desk.client("ada")

    page = _upload(admin, bytes(data))

    assert page.status == 400 and page.h1() == "Bundles"
    assert "The bundle was not taken" in page.text and "Nothing was changed" in page.text
    assert desk.store.count() == 0 and _imports(desk.store) == [] and _kept(desk.store) == []
    assert {i.state for i in outbox.items(vault.conn)} == {OutboxState.RETRYING}
    refused = [e for e in Accounts(desk.store).audit_log() if e.action == "bundle refused"]
    assert [e.subject for e in refused] == ["records.bundle"]

    empty = _upload(admin, b"")
    assert empty.status == 400 and 'href="#bundle"' in empty.text
    assert 'aria-describedby="bundle-hint bundle-error"' in empty.text
    assert desk.store.count() == 0


def test_only_it_may_use_the_bundles_page_and_a_post_without_its_token_changes_nothing(
    desk: Desk, vault: Vault
) -> None:
    desk.laptop(vault)
    data = desk.bundle(vault)
    admin = desk.client("ada")
    made = _upload(admin, data)
    link = _link(made)
    for username in ("tam", "aud"):
        other = desk.client(username)
        assert other.get("/console/bundles").status == 403
        assert "Bundles" not in other.get("/console/devices").text  # not in the menu
        assert other.raw(link).status == 403
        csrf = other.get("/console/devices").csrf
        forged = other.post_file("/console/bundles/import", {"csrf": csrf}, "bundle", "b", data)
        assert forged.status == 403 and "cannot do this. Nothing was changed" in forged.text
    no_token = admin.post_file("/console/bundles/import", {}, "bundle", "b", data)
    assert no_token.status == 403 and "Nothing was changed" in no_token.text
    assert len(_kept(desk.store)) == 1 and len(_imports(desk.store)) == 1


def test_an_upload_over_the_gateways_limit_is_refused_with_a_page_before_it_is_read(
    store_url: str, tmp_path: Path
) -> None:
    for desk in _desk(store_url, tmp_path, max_request_bytes=64 * 1024):
        admin = desk.client("ada")
        page = _upload(admin, b"\0" * (200 * 1024))
        assert page.status == 413 and page.h1() == "The file is too large"
        assert "up to 64 KB" in page.text and "Nothing was changed" in page.text
        assert "assessor-gateway bundle import FILE" in page.text
        assert "up to 64 KB" in admin.get("/console/bundles").text  # the form says so first
        assert _kept(desk.store) == [] and _imports(desk.store) == []


def test_it_writes_an_inbound_bundle_with_the_lease_it_chooses_and_the_laptop_takes_it(
    desk: Desk, vault: Vault
) -> None:
    device = desk.laptop(vault)
    desk.store.allocate("p-inbound-1", desk.assessor, _now())
    admin = desk.client("ada")
    csrf = admin.get("/console/bundles").csrf
    form = {"csrf": csrf, "device": device, "lease": "days", "days": "0"}

    bad = admin.post("/console/bundles/inbound", form)
    assert bad.status == 400 and 'id="days-error"' in bad.text and "from 1 to 365" in bad.text
    assert admin.post("/console/bundles/inbound", {**form, "device": ""}).status == 400
    assert _kept(desk.store) == []

    page = admin.post("/console/bundles/inbound", {**form, "days": "10"})

    assert page.status == 200 and page.h1() == "Inbound bundle written", page.text
    assert "Inbound bundle 1" in page.text
    download = admin.raw(_link(page))
    assert download.headers["content-disposition"] == f'attachment; filename="{device}-1.inbound"'
    report = import_inbound(vault, download.body, _now())
    assert (report.sequence, report.lease_days) == (1, 10)
    audit = [(e.action, e.subject) for e in Accounts(desk.store).audit_log()]
    assert ("inbound bundle written", device) in audit

    gateway = admin.post("/console/bundles/inbound", {**form, "lease": "gateway", "days": ""})
    assert gateway.status == 200
    report = import_inbound(vault, admin.raw(_link(gateway)).body, _now())
    assert (report.sequence, report.lease_days) == (2, LEASE_DAYS)


def test_every_field_of_the_bundles_page_has_its_label_and_every_table_its_headers(
    desk: Desk, vault: Vault
) -> None:
    desk.laptop(vault)
    admin = desk.client("ada")
    _upload(admin, desk.bundle(vault))
    page = admin.get("/console/bundles")
    fields = re.findall(r'<(?:input|select)(?= )[^>]*? id="([^"]+)"', page.text)
    assert {"bundle", "device", "lease", "lease-none", "lease-days", "days", "from_start"} <= set(
        fields
    )
    for field in fields:
        assert f'<label for="{field}"' in page.text, field
    assert page.text.count("<h1") == 1 and "<th>" not in page.text
    assert "<legend>Lease</legend>" in page.text  # the radios are one named group


def test_a_revoked_laptops_bundle_takes_nothing_and_its_receipt_carries_the_order(
    desk: Desk, vault: Vault
) -> None:
    device = desk.laptop(vault)
    data = desk.bundle(vault)
    desk.store.revoke(device, _now())
    admin = desk.client("ada")

    page = _upload(admin, data)

    assert page.status == 200 and "access was withdrawn, so nothing in its bundle" in page.text
    assert "Stored now" not in page.text and desk.store.count() == 0
    report = import_receipt(vault, admin.raw(_link(page)).body, _now())
    assert report.withdrawn is not None  # the laptop obeys: its vault is deleted


def test_a_gateway_without_a_bundle_key_says_so_and_takes_no_upload(
    store_url: str, tmp_path: Path
) -> None:
    for desk in _desk(store_url, tmp_path, bundle_key=False):
        admin = desk.client("ada")
        page = admin.get("/console/bundles")
        assert page.status == 200 and "Sending by file is not set up" in page.text
        assert 'action="/console/bundles/import"' not in page.text
        forged = admin.post_file(
            "/console/bundles/import", {"csrf": page.csrf}, "bundle", "b.bundle", b"x"
        )
        assert forged.status == 409 and "Nothing was changed" in forged.text
        assert _kept(desk.store) == []
