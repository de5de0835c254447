"""The console's second slice over real TLS, on both databases: wipe, unlock codes, lease
state, received records with their signed PDFs checked on the page, and the team's queue.

A real laptop (a SQLCipher vault, enrolled and syncing through the real client) sends the
records and PDFs; the console is read with the browser-less client, request by request. The
browser tests (`test_console_browser.py`) show the same in Chromium.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assessor_app.core.services.records import start_record
from assessor_app.core.storage.documents import DocumentRepository
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import enrol, form_title, sync_now, transport_for
from assessor_app.core.sync_client.lease import check_lease, enter_unlock_code
from sync.gateway.accounts import Accounts
from sync.gateway.app import create_app
from sync.gateway.ca import GatewayCA
from sync.gateway.server import development_tls, running
from sync.gateway.store import Store
from sync.gateway.teams import Teams
from sync.lease import unlock_code
from sync.protocol import OrderKind, QueueReport
from tests.support import community_person, session_for
from tests.sync.console_client import TEAM, ConsoleClient, Page, make_accounts
from tests.sync.pdfs import keep_signed_pdf

PASSWORD = "a long synthetic passphrase"
LEASE_DAYS = 14


class Clock:
    """The one clock the gateway and the laptop read (it starts at the real time: the
    laptop stamps its revisions with it)."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Served:
    url: str
    store: Store
    ca: GatewayCA
    clock: Clock
    assessor: str

    def client(self, username: str) -> ConsoleClient:
        client = ConsoleClient(self.url, self.ca.pem)
        assert client.sign_in(username, PASSWORD).status == 200
        return client

    def enrol(self, vault: Vault) -> str:
        code = self.store.issue_code(self.assessor, self.clock(), dt.timedelta(minutes=15))
        return enrol(vault, self.url, code, first_contact_ca=self.ca.pem, now=self.clock).device_id


@pytest.fixture
def served(store_url: str, tmp_path: Path) -> Iterator[Served]:
    """A gateway with a 14-day lease, one account of each role and one assessor."""
    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(tmp_path / "ca", "Exampleshire County Council")
    clock = Clock()
    assessor = store.create_assessor("Robin Testcase", clock())
    make_accounts(store, PASSWORD, clock(), assessor)
    tls = development_tls(tmp_path, ca, ("127.0.0.1", "localhost"))
    with running(create_app(store, ca, clock=clock, lease_days=LEASE_DAYS), tls) as gateway:
        yield Served(gateway.url, store, ca, clock, assessor)


def _record(vault: Vault, family_name: str = "Quillfeather") -> str:
    """A person and a draft record of theirs, made on the laptop."""
    session = session_for(vault, today=dt.date(2026, 12, 4))
    person = session.people.add(community_person(family_name=family_name))
    record = start_record(session, session.forms.latest("sample"), person.id)
    session.records.save_field(record.id, "notes", "Seen at home.")
    session.records.checkpoint(record.id)
    return record.id


def _words(page: Page) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page.text).split())


def _audit(store: Store) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.subject) for e in Accounts(store).audit_log()]


def test_an_administrator_orders_a_wipe_and_the_laptop_deletes_its_records_at_its_next_sync(
    served: Served, vault: Vault
) -> None:
    device = served.enrol(vault)
    _record(vault)  # work not sent: a lost laptop sends nothing more
    folder = vault.folder
    admin, manager = served.client("ada"), served.client("tam")

    confirm = admin.get(f"/console/devices/{device}/wipe")
    assert confirm.status == 200 and confirm.h1() == "Wipe the laptop of Robin Testcase?"
    words = _words(confirm)
    assert "At its next contact with the gateway" in words and "deletes its records" in words
    assert "Nothing more is taken from it first" in words
    for forged in (
        manager.get(f"/console/devices/{device}/wipe"),
        manager.post(
            f"/console/devices/{device}/wipe", {"csrf": manager.get("/console/devices").csrf}
        ),
    ):
        assert forged.status == 403 and "A team manager cannot do this" in forged.text
    assert served.store.device(device).wipe_ordered_at is None  # type: ignore[union-attr]

    done = admin.post(f"/console/devices/{device}/wipe", {"csrf": confirm.csrf})
    assert done.status == 200 and f"Laptop {device} is ordered wiped" in _words(done)
    assert "not told yet" in _words(done)
    assert ("ada", "wipe ordered", device) in _audit(served.store)

    report = sync_now(vault, transport_for(vault), now=served.clock)
    assert report.withdrawn is not None and report.withdrawn.order.kind is OrderKind.WIPE
    assert not folder.exists() and served.store.count() == 0
    assert "told" in _words(admin.get("/console/devices")).split("Wipe ordered")[1][:60]


def test_the_devices_page_shows_the_lease_and_an_unlock_code_opens_the_locked_laptop(
    served: Served, vault: Vault
) -> None:
    device = served.enrol(vault)
    admin = served.client("ada")
    assert "0 days of 14" in _words(admin.get("/console/devices"))
    served.clock.now += dt.timedelta(days=LEASE_DAYS + 1)
    admin = served.client("ada")  # weeks later: signed in again
    listed = _words(admin.get("/console/devices"))
    assert "Locked 15 days of 14" in listed
    assert check_lease(vault, served.clock()).locked

    confirm = admin.get(f"/console/devices/{device}/unlock-code")
    assert confirm.status == 200 and "check who is calling" in _words(confirm)
    assert "unlock code read" not in [a for _, a, _ in _audit(served.store)]  # not yet shown
    shown = admin.post(f"/console/devices/{device}/unlock-code", {"csrf": confirm.csrf})
    code = shown.text.split('id="unlock-code">')[1].split("<")[0]
    key = served.store.lease_key(device)
    assert key is not None and code == unlock_code(key, device, served.clock().date())
    assert "read it over the phone" in _words(shown).lower()
    assert ("ada", "unlock code read", device) in _audit(served.store)

    assert not enter_unlock_code(vault, code, served.clock()).locked


def test_a_team_manager_or_auditor_cannot_read_an_unlock_code_and_a_withdrawn_laptop_gets_none(
    served: Served, vault: Vault
) -> None:
    device = served.enrol(vault)
    for who in ("tam", "aud"):
        client = served.client(who)
        page = client.get("/console/devices")
        assert device in page.text
        assert "Unlock code" not in page.text and "/wipe" not in page.text
        assert client.get(f"/console/devices/{device}/unlock-code").status == 403
        forged = client.post(f"/console/devices/{device}/unlock-code", {"csrf": page.csrf})
        assert forged.status == 403 and "unlock" not in forged.text.split("<main")[1].lower()
    assert not any(a == "unlock code read" for _, a, _ in _audit(served.store))
    admin = served.client("ada")
    served.store.revoke(device, served.clock())
    refused = admin.get(f"/console/devices/{device}/unlock-code")
    assert refused.status == 409 and "gets no unlock code" in refused.text


def test_an_auditor_sees_a_received_record_its_revisions_and_its_signed_pdf_verified(
    served: Served, vault: Vault
) -> None:
    device = served.enrol(vault)
    record_id = _record(vault)
    doc = keep_signed_pdf(vault, record_id)
    data = DocumentRepository(vault).data(doc.id)
    assert sync_now(vault, transport_for(vault), now=served.clock).finished
    auditor = served.client("aud")

    listed = auditor.get("/console/records")
    assert listed.status == 200 and f'href="/console/records/{record_id}"' in listed.text
    assert "Robin Quillfeather" in _words(listed) or "Quillfeather" in _words(listed)
    page = auditor.get(f"/console/records/{record_id}")
    words = _words(page)
    assert page.status == 200 and "Valid: signed by" in words and "Not valid" not in words
    assert "document signing CA" in words and doc.sha256 in words
    assert device in words and "Robin Testcase" in words  # which laptop, and whose
    assert words.count("draft") >= 2  # both revisions, with their status

    pdf = auditor.raw(f"/console/documents/{doc.id}")
    assert pdf.status == 200 and pdf.body == data
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == f'attachment; filename="{doc.filename}"'
    assert ("aud", "signed PDF downloaded", doc.id) in _audit(served.store)
    assert auditor.get("/console/records/no-such-record").status == 404


def test_a_pdf_changed_in_the_gateways_store_is_shown_not_valid(
    served: Served, vault: Vault
) -> None:
    served.enrol(vault)
    record_id = _record(vault)
    doc = keep_signed_pdf(vault, record_id)
    assert sync_now(vault, transport_for(vault), now=served.clock).finished
    with served.store.transaction() as tx:
        (row,) = tx.execute(
            "SELECT data FROM document_chunk WHERE document_id = ?", (doc.id,)
        ).fetchall()
        data = bytes(row[0]).replace(b"Synthetic signed record", b"Synthetic forged  record")
        tx.execute("UPDATE document_chunk SET data = ? WHERE document_id = ?", (data, doc.id))

    words = _words(served.client("ada").get(f"/console/records/{record_id}"))
    assert "Not valid" in words and "Valid: signed by" not in words
    assert "SHA-256 differs from the one kept" in words


def test_received_records_are_paged_newest_first_and_filtered_by_person_and_assessor(
    served: Served, vault: Vault
) -> None:
    served.enrol(vault)
    made = []
    for n in range(27):
        made.append(_record(vault, family_name=f"Testperson{n:02d}"))
        served.clock.now += dt.timedelta(seconds=1)
        assert sync_now(vault, transport_for(vault), now=served.clock).finished
    manager = served.client("tam")  # the laptop's assessor is in the manager's team
    first = manager.get("/console/records")
    ids = re.findall(r'href="/console/records/([0-9a-zA-Z_-]+)"', first.text)
    assert ids == made[::-1][:25] and "Older records" in first.text
    second = manager.get("/console/records?page=2")
    assert re.findall(r'href="/console/records/([0-9a-zA-Z_-]+)"', second.text) == made[1::-1]

    person = vault.conn.execute(
        "SELECT person_id FROM assessment WHERE id = ?", (made[3],)
    ).fetchone()[0]
    one = manager.get(f"/console/records?person={person}")
    assert re.findall(r'href="/console/records/([0-9a-zA-Z_-]+)"', one.text) == [made[3]]
    other = served.store.create_assessor("Sam Synthetic", served.clock())
    Teams(served.store).add(other, TEAM, served.clock(), "test")
    assert "No record received matches" in manager.get(f"/console/records?assessor={other}").text
    ours = manager.get(f"/console/records?assessor={served.assessor}&page=2")
    assert len(re.findall(r'href="/console/records/', ours.text)) == 2
    bad = manager.get("/console/records?person=not%20an%20id")
    assert bad.status == 400 and 'href="#person"' in bad.text


def test_the_team_queue_shows_each_laptops_queue_and_a_draft_untouched_for_14_days_as_overdue(
    served: Served, vault: Vault
) -> None:
    device = served.enrol(vault)
    record_id = _record(vault, family_name="Overduesson")
    assert sync_now(vault, transport_for(vault), now=served.clock).finished
    manager = served.client("tam")

    page = manager.get("/console/queue")
    words = _words(page)
    assert page.status == 200 and "Robin Testcase" in words and device in words
    assert "0 changes, 0 signed PDFs" in words  # what the laptop reported after its sync
    assert "Overduesson" in words and f'href="/console/records/{record_id}"' in page.text
    assert "overdue" not in words.split("is not counted.")[1]  # only the explanation says it

    served.clock.now += dt.timedelta(days=15)
    late = _words(served.client("tam").get("/console/queue"))  # a new day: signed in again
    assert "1 overdue" in late and "draft, last changed" in late
    assert served.client("aud").get("/console/queue").status == 403


def test_every_new_page_has_one_heading_labelled_fields_and_headed_tables(
    served: Served, vault: Vault
) -> None:
    device = served.enrol(vault)
    record_id = _record(vault)
    keep_signed_pdf(vault, record_id)
    assert sync_now(vault, transport_for(vault), now=served.clock).finished
    admin = served.client("ada")
    csrf = admin.get("/console/devices").csrf
    pages = [
        admin.get(path)
        for path in (
            "/console/devices",
            f"/console/devices/{device}/wipe",
            f"/console/devices/{device}/unlock-code",
            "/console/records",
            "/console/records?person=not%20an%20id",
            f"/console/records/{record_id}",
            "/console/queue",
        )
    ] + [admin.post(f"/console/devices/{device}/unlock-code", {"csrf": csrf})]
    for page in pages:
        assert page.text.count("<h1") == 1, page.url
        assert 'href="#main"' in page.text and 'id="main"' in page.text
        for field in re.findall(r'<(?:input|select) id="([^"]+)"', page.text):
            assert f'<label for="{field}">' in page.text, (page.url, field)
        assert "<th>" not in page.text, page.url  # every header cell says its scope
        assert "<table" not in page.text or "<caption" in page.text, page.url
        for error in re.findall(r'<a href="#([a-z]+)">', page.text):
            assert f'aria-describedby="{error}-error"' in page.text, (page.url, error)


def test_held_items_reach_the_console_with_their_reasons_and_no_names(
    served: Served, vault: Vault
) -> None:
    device = served.enrol(vault)
    record_id = _record(vault, family_name="Heldsworth")
    session = session_for(vault)
    person_id = session.records.get(record_id).person_id
    # IT put the person on another assessor's caseload before this laptop sent them.
    other = served.store.create_assessor("Sam Elsewhere", served.clock())
    served.store.allocate(person_id, other, served.clock())

    report = sync_now(
        vault, transport_for(vault), now=served.clock, form_title=form_title(session.forms)
    )

    assert report.held == 2  # the person's details and their record, refused for good
    admin = served.client("ada")
    listed = admin.get("/console/devices")
    assert f'href="/console/devices/{device}/held"' in listed.text
    page = served.client("tam").get(f"/console/devices/{device}/held")
    words = _words(page)
    assert page.status == 200 and "Held on the laptop of Robin Testcase" in words
    assert "2 changes and 0 signed PDFs held" in words
    assert f"A person's details, revision 1 {person_id}" in words
    title = session.forms.latest("sample").title
    assert f"{title}, revision 1 {person_id} {record_id}" in words
    assert words.count("caseload") >= 2  # each with the gateway's reason
    assert "Heldsworth" not in page.text  # no names travel in the report
    # The assessor's team manager sees the same from the team queue.
    assert (
        f'href="/console/devices/{device}/held"' in served.client("tam").get("/console/queue").text
    )


def test_a_queue_report_from_an_older_app_still_stands_and_the_page_says_why_none_are_listed(
    served: Served, vault: Vault
) -> None:
    device = served.enrol(vault)
    older = {  # what assessor-sync/1 and /2 apps send: counts only
        "protocol": "assessor-sync/1",
        "waiting": 3,
        "held": 1,
        "documents_waiting": 0,
        "documents_held": 0,
        "app_version": "0.0.9",
    }
    transport_for(vault).post("/v1/status", older)
    ((_at, queue),) = served.store.queue_reports().values()
    assert (queue.held, queue.held_items) == (1, ())
    words = _words(served.client("aud").get(f"/console/devices/{device}/held"))
    assert "reports how many are held, not which" in words and "Update the app" in words
    # A laptop with nothing held sends exactly what it always sent.
    assert "held_items" not in QueueReport(0, 0, 0, 0, "0.1.0").to_json()
