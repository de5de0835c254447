"""The web console in a real headless Chromium (Debian's chromium and chromium-driver).

One gateway on loopback TLS (SQLite) and one browser for the module; each test signs in
afresh. Chromium is started with ``--ignore-certificate-errors``: the gateway's development
certificate is signed by its own devices CA, which this throwaway browser profile does not
trust (docs/gateway.md says so). Where chromium is not installed the tests are skipped on a
developer's machine and fail in CI (`./dev test` installs it).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assessor_app.core.services.records import start_record
from assessor_app.core.storage import outbox
from assessor_app.core.storage.outbox import OutboxState
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import enrol, sync_now, transport_for
from assessor_app.core.sync_client.file_transport import export_bundle, import_receipt
from assessor_app.core.sync_client.inbound import import_inbound
from assessor_app.core.sync_client.lease import check_lease, enter_unlock_code
from assessor_app.core.sync_client.transport import TransportError
from sync.gateway.accounts import Accounts
from sync.gateway.app import create_app
from sync.gateway.bundles import BundleKey
from sync.gateway.ca import GatewayCA
from sync.gateway.publishing import PublishingKey, publish
from sync.gateway.server import development_tls, running
from sync.gateway.store import Store
from sync.gateway.teams import Teams
from sync.protocol import HeldItem, OrderKind, QueueReport
from tests.support import community_person, session_for
from tests.sync.console_a11y import assert_accessible
from tests.sync.console_client import TEAM, device_certificate, make_accounts
from tests.sync.pdfs import keep_signed_pdf

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
PASSWORD = "a long synthetic passphrase"
LEASE_DAYS = 14

pytestmark = pytest.mark.slow


def _missing() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(path):
            return f"{path} is not installed (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return None


@dataclass
class Served:
    url: str
    store: Store
    ca: GatewayCA
    assessor: str
    publishing_fingerprint: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("console")
    store = Store(f"sqlite:///{folder / 'gateway.db'}")
    store.migrate()
    ca = GatewayCA.load_or_create(folder / "ca", "Exampleshire County Council")
    now = dt.datetime.now(dt.UTC)
    assessor = store.create_assessor("Robin Testcase", now)
    make_accounts(store, PASSWORD, now, assessor)
    # One laptop from the start, for the tests that must not be able to revoke it.
    code = store.issue_code(assessor, now, dt.timedelta(minutes=15))
    store.enrol(code, now, lambda device, _who, name: device_certificate(ca, device, name))
    # Leaflets only: a package laptops take without it changing any other test's forms or rates.
    key = PublishingKey.load_or_create(folder / "ca")
    leaflet = {"carers.txt": b"Support for carers in Exampleshire."}
    publish(store, key, "leaflets", leaflet, "Carers' support leaflet", now)
    tls = development_tls(folder, ca, ("127.0.0.1", "localhost"))
    app = create_app(
        store,
        ca,
        lease_days=LEASE_DAYS,
        publishing_public_key=key.public_text,
        bundle_key=BundleKey.load_or_create(folder / "ca"),
    )
    with running(app, tls) as gateway:
        yield Served(gateway.url, store, ca, assessor, key.fingerprint)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    problem = _missing()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem + ". CI must run the console's browser tests.")
        pytest.skip(problem)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # as root in CI
        "--disable-dev-shm-usage",
        "--ignore-certificate-errors",  # the gateway's own development CA (see above)
        "--window-size=1280,800",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.implicitly_wait(2)
    try:
        yield driver
    finally:
        driver.quit()


class Console:
    """The browser on the console: sign in, follow links, fill forms as a person would.

    Every page it arrives at is checked for what a screen reader is given (`assert_accessible`).
    """

    def __init__(self, driver: object, served: Served) -> None:
        from selenium.webdriver.common.by import By

        self.d = driver
        self.served = served
        self.by = By

    def sign_in(self, username: str) -> None:
        self.d.get(self.served.url + "/console/sign-in")  # type: ignore[attr-defined]
        self.d.delete_all_cookies()  # type: ignore[attr-defined]
        self.d.get(self.served.url + "/console/sign-in")  # type: ignore[attr-defined]
        self.field("Username").send_keys(username)
        self.field("Password").send_keys(PASSWORD)
        assert_accessible(self.d)
        self.go(self.button("Sign in"))
        assert self.h1() == "Devices", self.text()

    def open(self, path: str) -> None:
        """Type a console address into the browser (a page no link on this one offers)."""
        self.d.get(self.served.url + path)  # type: ignore[attr-defined]
        assert_accessible(self.d)

    def go(self, element: object) -> None:
        """Click a link or button that loads a page, and wait until the new page is there."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        page = self.find(self.by.TAG_NAME, "html")
        element.click()  # type: ignore[attr-defined]

        def gone(_driver: object) -> bool:
            # The old page's element no longer answers. Chromium says so as "stale", or, when
            # asked in the middle of the swap, as "node does not belong to the document".
            try:
                page.is_enabled()  # type: ignore[attr-defined]
            except WebDriverException:
                return True
            return False

        WebDriverWait(self.d, 10).until(gone)
        WebDriverWait(self.d, 10).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
        )
        assert_accessible(self.d)

    def find(self, by: str, value: str) -> object:
        return self.d.find_element(by, value)  # type: ignore[attr-defined]

    def field(self, label: str) -> object:
        """The input a visible label names (so the label is wired to it)."""
        element = self.find(self.by.XPATH, f'//label[normalize-space()="{label}"]')
        return self.find(self.by.ID, element.get_attribute("for"))  # type: ignore[attr-defined]

    def button(self, text: str) -> object:
        return self.find(self.by.XPATH, f'//button[normalize-space()="{text}"]')

    def link(self, text: str) -> object:
        return self.find(self.by.LINK_TEXT, text)

    def links(self, text: str) -> list[object]:
        """The links whose text holds `text`, at once (none is waited for: the page is there)."""
        self.d.implicitly_wait(0)  # type: ignore[attr-defined]
        try:
            return self.d.find_elements(self.by.PARTIAL_LINK_TEXT, text)  # type: ignore[attr-defined]
        finally:
            self.d.implicitly_wait(2)  # type: ignore[attr-defined]

    def choose(self, label: str, option: str) -> None:
        from selenium.webdriver.support.ui import Select

        Select(self.field(label)).select_by_visible_text(option)

    def h1(self) -> str:
        return str(self.find(self.by.TAG_NAME, "h1").text)  # type: ignore[attr-defined]

    def text(self) -> str:
        return str(self.find(self.by.TAG_NAME, "main").text)  # type: ignore[attr-defined]

    def forge_post(self, path: str, fields: dict[str, str]) -> None:
        """A form this page does not offer, posted with the page's own CSRF token."""
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        page = self.find(self.by.TAG_NAME, "html")
        self.d.execute_script(  # type: ignore[attr-defined]
            "const f = document.createElement('form'); f.method = 'post'; f.action = arguments[0];"
            "const token = document.querySelector('input[name=csrf]').value;"
            "const all = Object.assign({csrf: token}, arguments[1]);"
            "for (const [k, v] of Object.entries(all)) { const i = document.createElement('input');"
            "  i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i); }"
            "document.body.appendChild(f); f.submit();",
            path,
            fields,
        )
        WebDriverWait(self.d, 10).until(expected_conditions.staleness_of(page))
        assert_accessible(self.d)


@pytest.fixture
def console(browser: object, served: Served) -> Console:
    return Console(browser, served)


def test_an_administrator_issues_a_code_a_laptop_enrols_and_the_administrator_revokes_it(
    console: Console, vault: Vault
) -> None:
    console.sign_in("ada")
    console.go(console.link("Enrolment codes"))
    console.choose("Assessor", "Robin Testcase")
    console.go(console.button("Issue a code"))
    assert console.h1() == "Enrolment code for Robin Testcase"
    code = console.find(console.by.ID, "code").text  # type: ignore[attr-defined]
    fingerprint = console.find(console.by.ID, "fingerprint").text  # type: ignore[attr-defined]

    enrolled = enrol(vault, console.served.url, code, fingerprint=fingerprint)

    console.go(console.link("Devices"))
    assert enrolled.device_id in console.text()
    revoke = [
        link
        for link in console.links("Revoke")
        if enrolled.device_id in link.get_attribute("href")  # type: ignore[attr-defined]
    ]
    console.go(revoke[0])
    assert console.h1() == "Revoke the laptop of Robin Testcase?"
    console.go(console.button("Revoke this laptop"))
    assert f"Laptop {enrolled.device_id} is revoked" in console.text()
    device = console.served.store.device(enrolled.device_id)
    assert device is not None and device.revoked_at is not None
    # The laptop is refused from its next contact.
    with pytest.raises(TransportError, match="withdrawn") as refused:
        transport_for(vault).post("/v1/status", QueueReport(0, 0, 0, 0, "0.1.0").to_json())
    assert refused.value.status == 403


def test_an_administrator_allocates_a_person_and_a_bad_entry_is_named_at_its_field(
    console: Console,
) -> None:
    console.sign_in("ada")
    console.go(console.link("Caseload allocation"))
    console.go(console.button("Allocate"))  # nothing filled in
    summary = console.find(console.by.CSS_SELECTOR, ".error-summary")
    assert "Enter the person's id" in summary.text  # type: ignore[attr-defined]
    console.link("Enter the person's id as the laptops know it (up to 64 letters, digits, "
                 "dashes or underscores).").click()  # fmt: skip
    focused = console.d.switch_to.active_element  # type: ignore[attr-defined]
    assert focused.get_attribute("id") == "person"
    assert focused.get_attribute("aria-invalid") == "true"
    console.field("Person's id").send_keys("p-browser-1")
    console.choose("Assessor", "Robin Testcase")
    console.go(console.button("Allocate"))
    assert "p-browser-1 is now on Robin Testcase's caseload" in console.text()
    allocated = {p: a for p, a, _ in console.served.store.allocations()}
    assert allocated["p-browser-1"] == console.served.assessor


def test_a_team_manager_sees_no_revoke_button_and_a_forged_revoke_is_refused(
    console: Console,
) -> None:
    before = console.served.store.devices()
    mine = console.served.assessor  # the manager's team's (another team's laptops are hidden)
    active = [d for d in before if d.revoked_at is None and d.assessor_id == mine]
    console.sign_in("tam")
    assert active[0].id in console.text() and console.links("Revoke") == []
    assert console.links("Enrolment codes") == [] and console.links("Audit log") == []
    console.forge_post(f"/console/devices/{active[0].id}/revoke", {})
    assert console.h1() == "Not allowed for your role"
    assert "A team manager cannot do this. Nothing was changed." in console.text()
    assert console.served.store.devices() == before


def test_a_team_manager_neither_sees_nor_can_allocate_to_another_teams_assessor(
    console: Console,
) -> None:
    from selenium.webdriver.support.ui import Select

    store, now = console.served.store, dt.datetime.now(dt.UTC)
    teams = Teams(store)
    teams.create("South locality", now, "test")
    sam = store.create_assessor("Sam Example", now)
    teams.add(sam, "South locality", now, "test")
    code = store.issue_code(sam, now, dt.timedelta(minutes=15))
    theirs, _ = store.enrol(
        code, now, lambda d, _who, n: device_certificate(console.served.ca, d, n)
    )
    store.allocate("p-south-1", sam, now)
    try:
        console.sign_in("tam")
        assert f"team {TEAM}" in console.find(console.by.CSS_SELECTOR, "form.who").text  # type: ignore[attr-defined]
        assert theirs.id not in console.text()
        console.go(console.link("Team queue"))
        assert "Robin Testcase" in console.text() and "Sam Example" not in console.text()
        console.go(console.link("Caseload allocation"))
        offered = [o.text for o in Select(console.field("Assessor")).options]
        assert "Robin Testcase" in offered and "Sam Example" not in offered
        assert "p-south-1" not in console.text()

        # Not offered, so forged: each is refused with a page, and nothing moves.
        console.forge_post("/console/allocation", {"person": "p-north-9", "assessor": sam})
        assert console.h1() == "Not your team's to allocate"
        assert "Sam Example is not in your team" in console.text()
        console.go(console.link("Back to the console"))
        console.go(console.link("Caseload allocation"))
        move = {"person": "p-south-1", "assessor": console.served.assessor}
        console.forge_post("/console/allocation", move)
        assert console.h1() == "Not your team's to allocate"
        assert "on the caseload of Sam Example, who is not in your team" in console.text()
        allocated = {p: a for p, a, _ in store.allocations()}
        assert allocated["p-south-1"] == sam and "p-north-9" not in allocated
        refused = [e.subject for e in Accounts(store).audit_log() if e.actor == "tam"]
        assert {"p-north-9", "p-south-1"} <= set(refused)
    finally:
        store.revoke(theirs.id, now)  # the other tests' laptops are Robin's alone


def test_an_auditor_reads_the_audit_log_and_can_change_nothing(console: Console) -> None:
    console.sign_in("aud")
    console.go(console.link("Audit log"))
    assert console.h1() == "Audit log"
    assert "aud signed in" in " ".join(console.text().split())
    for page in ("Devices", "Caseload allocation", "Audit log"):
        console.go(console.link(page))
        forms = console.d.find_elements(console.by.TAG_NAME, "form")  # type: ignore[attr-defined]
        assert [f.get_attribute("action").rsplit("/", 1)[1] for f in forms] == ["sign-out"]
    before = console.served.store.allocations()
    console.forge_post("/console/allocation", {"person": "p-aud", "assessor": "x"})
    assert console.h1() == "Not allowed for your role"
    assert console.served.store.allocations() == before


def test_a_form_posted_without_its_csrf_token_is_refused(console: Console) -> None:
    console.sign_in("ada")
    console.go(console.link("Caseload allocation"))
    console.field("Person's id").send_keys("p-no-token")
    console.choose("Assessor", "Robin Testcase")
    console.d.execute_script(  # type: ignore[attr-defined]
        "document.querySelector('form[action=\"/console/allocation\"] input[name=csrf]').remove()"
    )
    console.go(console.button("Allocate"))
    assert console.h1() == "This form could not be accepted"
    assert "Nothing was changed" in console.text()
    assert "p-no-token" not in {p for p, _, _ in console.served.store.allocations()}


# -- the second slice: wipe, unlock codes, received records -----------------------------------


def _enrolled(served: Served, vault: Vault) -> str:
    code = served.store.issue_code(
        served.assessor, dt.datetime.now(dt.UTC), dt.timedelta(minutes=5)
    )
    return enrol(vault, served.url, code, first_contact_ca=served.ca.pem).device_id


def _action(console: Console, text: str, device: str) -> object:
    """The link `text` (Wipe, Unlock code) in the row of laptop `device`."""
    (link,) = [
        link
        for link in console.links(text)
        if f"/devices/{device}/" in link.get_attribute("href")  # type: ignore[attr-defined]
    ]
    return link


def _signed_record(served: Served, vault: Vault, family_name: str) -> tuple[str, str]:
    """A record and its signed PDF made on an enrolled laptop and synced: (record, PDF) ids."""
    _enrolled(served, vault)
    session = session_for(vault, today=dt.date(2026, 12, 4))
    person = session.people.add(community_person(family_name=family_name))
    record = start_record(session, session.forms.latest("sample"), person.id)
    session.records.checkpoint(record.id)
    doc = keep_signed_pdf(vault, record.id)
    assert sync_now(vault, transport_for(vault)).finished
    return record.id, doc.id


def test_an_administrator_orders_a_wipe_and_the_laptop_obeys_at_its_next_sync(
    console: Console, vault: Vault
) -> None:
    device = _enrolled(console.served, vault)
    folder = vault.folder
    console.sign_in("ada")
    console.go(_action(console, "Wipe", device))
    assert console.h1() == "Wipe the laptop of Robin Testcase?"
    words = " ".join(console.text().split())
    assert (
        "At its next contact with the gateway (a sync, or a bundle receipt) the laptop "
        "deletes its records"
        in words
        and "Nothing more is taken from it first" in words
    )
    console.go(console.button("Wipe this laptop"))
    assert f"Laptop {device} is ordered wiped" in console.text()

    report = sync_now(vault, transport_for(vault))

    assert report.withdrawn is not None and report.withdrawn.order.kind is OrderKind.WIPE
    assert not folder.exists()
    console.go(console.link("Devices"))
    row = console.find(console.by.XPATH, f'//tr[.//code[.="{device}"]]')
    assert "Wipe ordered" in row.text and "told" in row.text  # type: ignore[attr-defined]
    assert "not told" not in row.text  # type: ignore[attr-defined]


def test_an_administrator_reads_an_unlock_code_that_opens_a_locked_laptop(
    console: Console, vault: Vault
) -> None:
    device = _enrolled(console.served, vault)
    weeks_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=21)).isoformat()
    with vault.transaction() as conn:  # the laptop last reached the gateway three weeks ago
        conn.execute("UPDATE sync_lease SET last_contact_at = ?", (weeks_ago,))
    with console.served.store.transaction() as tx:
        tx.execute("UPDATE device SET last_seen_at = ? WHERE id = ?", (weeks_ago, device))
    now = dt.datetime.now(dt.UTC)
    assert check_lease(vault, now).locked

    console.sign_in("ada")
    row = console.find(console.by.XPATH, f'//tr[.//code[.="{device}"]]')
    assert "Locked\n21 days of 14" in row.text  # type: ignore[attr-defined]
    console.go(_action(console, "Unlock code", device))
    assert console.h1() == "Unlock code for the laptop of Robin Testcase"
    assert "check who is calling" in console.text()
    console.go(console.button("Show today's code"))
    code = console.find(console.by.ID, "unlock-code").text  # type: ignore[attr-defined]

    assert not enter_unlock_code(vault, code, now).locked

    console.go(console.link("Audit log"))
    assert "unlock code read" in console.text() and device in console.text()


def test_a_team_manager_cannot_wipe_a_laptop_or_read_its_unlock_code(console: Console) -> None:
    before = console.served.store.devices()
    mine = console.served.assessor  # the manager's team's (another team's laptops are hidden)
    active = next(d for d in before if d.revoked_at is None and d.assessor_id == mine)
    console.sign_in("tam")
    assert active.id in console.text()
    assert console.links("Wipe") == [] and console.links("Unlock code") == []
    console.forge_post(f"/console/devices/{active.id}/wipe", {})
    assert console.h1() == "Not allowed for your role"
    console.open(f"/console/devices/{active.id}/unlock-code")
    assert console.h1() == "Not allowed for your role"
    assert "unlock-code" not in console.text()
    console.go(console.link("Devices"))
    console.forge_post(f"/console/devices/{active.id}/unlock-code", {})
    assert console.h1() == "Not allowed for your role"
    assert console.served.store.devices() == before
    log = Accounts(console.served.store).audit_log()
    assert not [e for e in log if e.actor == "tam" and e.subject == active.id]


def test_an_auditor_opens_a_received_record_and_sees_its_pdf_verified(
    console: Console, vault: Vault
) -> None:
    record_id, document_id = _signed_record(console.served, vault, "Verifiedson")
    console.sign_in("aud")
    console.go(console.link("Received records"))
    (link,) = [
        a
        for a in console.links("sample")
        if a.get_attribute("href").endswith(f"/console/records/{record_id}")  # type: ignore[attr-defined]
    ]
    console.go(link)
    assert console.h1().endswith("Verifiedson")
    check = console.find(console.by.CSS_SELECTOR, "td.check")
    assert check.text.startswith("Valid")  # type: ignore[attr-defined]
    assert "document signing CA" in check.text  # type: ignore[attr-defined]
    download = console.find(console.by.CSS_SELECTOR, f'a[href="/console/documents/{document_id}"]')
    assert download.text.endswith(".pdf")  # type: ignore[attr-defined]


def test_a_pdf_tampered_with_in_the_store_shows_not_valid(console: Console, vault: Vault) -> None:
    record_id, document_id = _signed_record(console.served, vault, "Tamperton")
    with console.served.store.transaction() as tx:
        (row,) = tx.execute(
            "SELECT data FROM document_chunk WHERE document_id = ?", (document_id,)
        ).fetchall()
        data = bytes(row[0]).replace(b"Synthetic signed record", b"Synthetic forged  record")
        tx.execute("UPDATE document_chunk SET data = ? WHERE document_id = ?", (data, document_id))
    console.sign_in("aud")
    console.open(f"/console/records/{record_id}")
    check = console.find(console.by.CSS_SELECTOR, "td.check")
    assert check.text.startswith("Not valid")  # type: ignore[attr-defined]
    assert "changed in the gateway's store" in check.text  # type: ignore[attr-defined]


# -- the third slice: reference data, held items' reasons -------------------------------------


def test_an_auditor_reads_the_reference_data_and_which_laptops_hold_it(
    console: Console, vault: Vault
) -> None:
    device = _enrolled(console.served, vault)
    assert sync_now(vault, transport_for(vault)).finished  # asks, holding nothing yet
    console.sign_in("aud")
    console.go(console.link("Reference data"))
    assert console.h1() == "Reference data"
    row = console.find(console.by.XPATH, '//tr[th[contains(., "leaflets version 1")]]')
    words = " ".join(row.text.split())  # type: ignore[attr-defined]
    assert "Carers' support leaflet" in words
    assert " ".join(console.served.publishing_fingerprint.split()) in words
    held = console.find(console.by.XPATH, f'//tr[.//code[.="{device}"]]')
    assert "newer published" in held.text  # type: ignore[attr-defined]
    forms = console.d.find_elements(console.by.TAG_NAME, "form")  # type: ignore[attr-defined]
    assert [f.get_attribute("action").rsplit("/", 1)[1] for f in forms] == ["sign-out"]
    console.sign_in("tam")
    assert console.links("Reference data") == []


def test_a_team_manager_follows_why_held_to_each_items_reason(
    console: Console, vault: Vault
) -> None:
    device = _enrolled(console.served, vault)
    reason = "This person is on another assessor's caseload at the council."
    item = HeldItem("record", "r-held-1", 2, "p-held-1", "r-held-1", "Carer's assessment", reason)
    report = QueueReport(4, 1, 0, 0, "0.1.0", (item,))
    transport_for(vault).post("/v1/status", report.to_json())
    console.sign_in("tam")
    row = console.find(console.by.XPATH, f'//tr[.//code[.="{device}"]]')
    link = row.find_element(console.by.PARTIAL_LINK_TEXT, "Why held")  # type: ignore[attr-defined]
    console.go(link)
    assert console.h1() == "Held on the laptop of Robin Testcase"
    (cells,) = [
        [c.text for c in r.find_elements(console.by.XPATH, "./*")]  # type: ignore[attr-defined]
        for r in console.d.find_elements(console.by.CSS_SELECTOR, "tbody tr")  # type: ignore[attr-defined]
    ]
    assert cells == ["Carer's assessment, revision 2", "p-held-1", "r-held-1", reason]


# -- the fourth slice: bundles taken to and from laptops by file -------------------------------


def _downloaded(console: Console, folder: Path, link: object) -> bytes:
    """Click a download link and wait for the whole file Chromium saves into `folder`."""
    from selenium.webdriver.support.ui import WebDriverWait

    folder.mkdir(exist_ok=True)
    console.d.execute_cdp_cmd(  # type: ignore[attr-defined]
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)}
    )
    link.click()  # type: ignore[attr-defined]

    def whole(_driver: object) -> list[Path]:
        files = list(folder.iterdir())
        return files if files and not any(f.suffix == ".crdownload" for f in files) else []

    (saved,) = WebDriverWait(console.d, 10).until(whole)
    return saved.read_bytes()


def _offline_work(served: Served, vault: Vault) -> str:
    """A laptop enrolled online that then works without a network; its device id."""
    device = _enrolled(served, vault)
    session = session_for(vault, today=dt.date(2026, 12, 4))
    person = session.people.add(community_person(family_name="Stickworth"))
    record = start_record(session, session.forms.latest("sample"), person.id)
    session.records.save_field(record.id, "notes", "Seen at home.")
    session.records.checkpoint(record.id)
    return device


def test_an_administrator_imports_a_laptops_bundle_and_its_receipt_acknowledges_the_records(
    console: Console, vault: Vault, tmp_path: Path
) -> None:
    device = _offline_work(console.served, vault)
    bundle = tmp_path / "records.bundle"
    assert export_bundle(vault, bundle, dt.datetime.now(dt.UTC)).revisions == 3
    tampered = tmp_path / "tampered.bundle"
    data = bytearray(bundle.read_bytes())
    data[-40] ^= 0x01
    tampered.write_bytes(bytes(data))
    held = console.served.store.count()

    console.sign_in("ada")
    console.go(console.link("Bundles"))
    console.field("Bundle file").send_keys(str(tampered))
    console.go(console.button("Import the bundle"))
    summary = console.find(console.by.CSS_SELECTOR, ".error-summary")
    assert "The bundle was not taken" in summary.text  # type: ignore[attr-defined]
    assert "Nothing was changed" in summary.text  # type: ignore[attr-defined]
    assert console.served.store.count() == held

    console.field("Bundle file").send_keys(str(bundle))
    console.go(console.button("Import the bundle"))
    assert console.h1() == "Bundle imported"
    words = " ".join(console.text().split())
    assert "3 revision(s) stored, 0 already held" in words and device in words
    assert console.served.store.count() == held + 3
    receipt = _downloaded(
        console,
        tmp_path / "downloads",
        console.link("Download the receipt (records.bundle.receipt)"),
    )

    assert import_receipt(vault, receipt, dt.datetime.now(dt.UTC)).acknowledged == 3
    assert {i.state for i in outbox.items(vault.conn)} == {OutboxState.ACKNOWLEDGED}
    console.go(console.link("Audit log"))
    assert "bundle refused" in console.text() and "bundle imported" in console.text()


def test_an_administrator_writes_an_inbound_bundle_with_a_chosen_lease_for_a_laptop(
    console: Console, vault: Vault, tmp_path: Path
) -> None:
    device = _enrolled(console.served, vault)
    console.sign_in("ada")
    console.go(console.link("Bundles"))
    console.choose("Laptop", f"Robin Testcase – {device}")
    console.field("Another lease, in days:").click()
    console.go(console.button("Write the inbound bundle"))  # no days given
    assert "Enter the lease in whole days" in console.text()
    console.field("Lease in days").send_keys("10")
    console.go(console.button("Write the inbound bundle"))
    assert console.h1() == "Inbound bundle written"
    inbound = _downloaded(console, tmp_path / "downloads", console.links("Download the inbound")[0])

    report = import_inbound(vault, inbound, dt.datetime.now(dt.UTC))
    assert (report.sequence, report.lease_days) == (1, 10)


def test_a_team_manager_has_no_bundles_page(console: Console) -> None:
    console.sign_in("tam")
    assert console.links("Bundles") == []
    console.open("/console/bundles")
    assert console.h1() == "Not allowed for your role"
