"""Screenshots of the gateway's web console, from a demo gateway with synthetic data.

    PYTHONPATH=. .venv/bin/python docs/screenshots/take_console.py [--small]

Serves a throwaway gateway on loopback TLS, drives headless Chromium (Debian's chromium and
chromium-driver) through each page at 1280x800 (``--small``: 1024x640 as well, written with a
``-1024`` suffix) and writes ``console/<page>.png`` beside this file. Open them and look: a
page that renders but reads badly is not done.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from assessor_app.core.paths import resources_dir
from assessor_app.core.records import Role
from assessor_app.core.services.records import start_record
from assessor_app.core.storage import history
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import enrol, sync_now, transport_for
from assessor_app.core.sync_client.file_transport import export_bundle
from sync.gateway.accounts import Accounts
from sync.gateway.app import create_app
from sync.gateway.bundles import BundleKey
from sync.gateway.ca import GatewayCA
from sync.gateway.publishing import PublishingKey, package_files, publish
from sync.gateway.server import development_tls, running
from sync.gateway.store import Store
from sync.gateway.teams import Teams
from sync.protocol import HeldItem, QueueReport
from tests.support import community_person, prisoner, session_for
from tests.sync.console_client import device_certificate
from tests.sync.pdfs import keep_signed_pdf

HERE = Path(__file__).resolve().parent / "console"
PASSWORD = "a long synthetic passphrase"


def _demo(store: Store, ca: GatewayCA) -> list[str]:
    now = dt.datetime.now(dt.UTC)
    accounts = Accounts(store)
    accounts.create("ada.admin", "it_admin", PASSWORD, now, "assessor-gateway (command line)")
    teams = Teams(store)
    for team in ("North locality", "South locality"):
        teams.create(team, now, "ada.admin")
    accounts.create(
        "tam.manager", "team_manager", PASSWORD, now, "ada.admin", team="North locality"
    )
    # A manager's account from before teams (schema 17) has none until IT gives it one.
    accounts.create(
        "new.manager", "team_manager", PASSWORD, now, "ada.admin", team="North locality"
    )
    with store.transaction() as tx:
        tx.execute("UPDATE console_account SET team = NULL WHERE username = 'new.manager'")
    ids = []
    elsewhere = (
        "This person is on another assessor's caseload at the council, so this laptop "
        "cannot send their records. Ask your manager to allocate them to you."
    )
    held = (
        HeldItem("person", "p-0042", 1, "p-0042", "", "", elsewhere),
        HeldItem("record", "r-7f3a", 2, "p-0042", "r-7f3a", "Care and support needs", elsewhere),
        HeldItem(
            "pdf",
            "d-19c2",
            0,
            "p-0003",
            "r-5b21",
            "Financial assessment",
            "The signed PDF that arrived does not match the SHA-256 it was offered with.",
        ),
    )
    for name, queue in (
        ("Robin Testcase", QueueReport(3, 0, 1, 0, "0.1.0")),
        ("Sam Synthetic", QueueReport(12, 2, 1, 1, "0.1.0", held)),
        ("Alex Example", None),
    ):
        assessor = store.create_assessor(name, now)
        ids.append(assessor)
        teams.add(
            assessor,
            "South locality" if name == "Alex Example" else "North locality",
            now,
            "ada.admin",
        )
        code = store.issue_code(assessor, now, dt.timedelta(minutes=15))
        device, _ = store.enrol(code, now, lambda d, _a, n: device_certificate(ca, d, n))
        if queue is not None:
            store.seen(device.id, now)
            store.report_queue(device.id, now, queue)
            # What each said it holds at its last request for reference data.
            store.note_reference(device.id, {"rates": 1 if queue.held else 2}, now)
        if name == "Sam Synthetic":  # three weeks without reaching the gateway: locked
            store.seen(device.id, now - dt.timedelta(days=21))
    for n, person in enumerate(("p-0001", "p-0002", "p-0003")):
        store.allocate(person, ids[n % 2], now)
    accounts.create("aud.auditor", "auditor", PASSWORD, now, "ada.admin")
    return ids


def _laptop(folder: Path, url: str, store: Store, ca: GatewayCA, assessor: str) -> tuple[Path, str]:
    """A real laptop of `assessor` (a SQLCipher vault) that made records and signed PDFs,
    one of them three weeks ago, and synced; one PDF is then changed in the store. It then
    works offline and writes a bundle: its path (a tampered copy is beside it) and the laptop."""
    vault = Vault.create(
        folder / "laptop",
        name="Alex Example",
        role=Role.SOCIAL_WORKER,
        authority="Exampleshire County Council",
        passphrase="amber lantern orchard",
        kdf=FAST_KDF_FOR_TESTS,
    )
    code = store.issue_code(assessor, dt.datetime.now(dt.UTC), dt.timedelta(minutes=5))
    device = enrol(vault, url, code, first_contact_ca=ca.pem).device_id
    session = session_for(vault)
    real_now = history.now_utc
    signed = []
    for n, (details, weeks_ago) in enumerate(
        (
            (community_person(), 3),
            (prisoner(), 0),
            (community_person(given_name="Ada", family_name="Marchbank"), 0),
        )
    ):
        history.now_utc = lambda w=weeks_ago: real_now() - dt.timedelta(weeks=w)  # type: ignore[misc]
        try:
            person = session.people.add(details)
            record = start_record(session, session.forms.latest("sample"), person.id)
            session.records.save_field(record.id, "notes", f"Visit {n + 1}.")
            session.records.checkpoint(record.id)
        finally:
            history.now_utc = real_now  # type: ignore[misc]
        if weeks_ago == 0:
            signed.append(keep_signed_pdf(vault, record.id, seed=n).id)
    sync_now(vault, transport_for(vault))
    person = session.people.add(community_person(given_name="Kit", family_name="Stickworth"))
    record = start_record(session, session.forms.latest("sample"), person.id)
    for visit in ("Seen at home.", "Seen again with family."):
        session.records.save_field(record.id, "notes", visit)
        session.records.checkpoint(record.id)
    bundle = folder / "records.bundle"
    export_bundle(vault, bundle, dt.datetime.now(dt.UTC))
    changed = bytearray(bundle.read_bytes())
    changed[-40] ^= 0x01
    (folder / "tampered.bundle").write_bytes(bytes(changed))
    vault.close()
    with store.transaction() as tx:  # the last PDF changed in the gateway's store
        (row,) = tx.execute(
            "SELECT data FROM document_chunk WHERE document_id = ?", (signed[-1],)
        ).fetchall()
        data = bytes(row[0]).replace(b"Synthetic signed record", b"Synthetic forged  record")
        tx.execute("UPDATE document_chunk SET data = ? WHERE document_id = ?", (data, signed[-1]))
    return bundle, device


def _publish(store: Store, key: PublishingKey, folder: Path) -> None:
    """Two versions of the 2025-26 rates table, the second a pound higher on one figure."""
    table = (resources_dir() / "rates" / "england-2025-26-v1.yaml").read_text(encoding="utf-8")
    now = dt.datetime.now(dt.UTC)
    for version, mig in ((1, 23260), (2, 23360)):
        source = folder / f"rates-{version}" / f"england-2025-26-v{version}.yaml"
        source.parent.mkdir()
        text = table.replace("version: 1\n", f"version: {version}\n", 1)
        source.write_text(text.replace("value: 23260", f"value: {mig}"), encoding="utf-8")
        what = "2025-26 rates as issued" if version == 1 else "Pension-age MIG corrected"
        publish(store, key, "rates", package_files(source, "rates"), what, now)


def main() -> int:
    sizes = [(1280, 800, "")] + ([(1024, 640, "-1024")] if "--small" in sys.argv else [])
    HERE.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = Store(f"sqlite:///{folder / 'gateway.db'}")
        store.migrate()
        ca = GatewayCA.load_or_create(folder / "ca", "Exampleshire County Council")
        ids = _demo(store, ca)
        tls = development_tls(folder, ca, ("127.0.0.1", "localhost"))
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--ignore-certificate-errors"):
            options.add_argument(argument)
        driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
        driver.implicitly_wait(2)
        try:
            key = PublishingKey.load_or_create(folder / "ca")
            _publish(store, key, folder)
            app = create_app(
                store,
                ca,
                lease_days=14,
                publishing_public_key=key.public_text,
                bundle_key=BundleKey.load_or_create(folder / "ca"),
            )
            with running(app, tls) as gateway:
                bundle, device = _laptop(folder, gateway.url, store, ca, ids[2])
                for width, height, suffix in sizes:
                    driver.set_window_size(width, height)
                    _pages(driver, gateway.url, suffix, device)
                # An import happens once: each of its pages is shot at every size in turn.
                _bundle_pages(driver, gateway.url, bundle, device, sizes)
        finally:
            driver.quit()
    print(f"Written to {HERE}")
    return 0


def _go(driver: webdriver.Chrome, element: WebElement) -> None:
    """Click what loads a page, and wait until the new page is there.

    The old page's element stops answering: Chromium says so as "stale", or, when asked in the
    middle of the swap, as "node does not belong to the document" (as the browser tests wait).
    """
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def gone(_driver: object) -> bool:
        try:
            page.is_enabled()
        except WebDriverException:
            return True
        return False

    WebDriverWait(driver, 10).until(gone)


def _pages(driver: webdriver.Chrome, url: str, suffix: str, south_laptop: str) -> None:
    def shot(name: str) -> None:
        driver.save_screenshot(str(HERE / f"{name}{suffix}.png"))

    def go(element: WebElement) -> None:
        _go(driver, element)

    def sign_in(username: str, password: str = PASSWORD) -> None:
        driver.get(url + "/console/sign-in")
        driver.delete_all_cookies()
        driver.get(url + "/console/sign-in")
        driver.find_element(By.ID, "username").send_keys(username)
        driver.find_element(By.ID, "password").send_keys(password)
        go(driver.find_element(By.XPATH, "//button[.='Sign in']"))

    sign_in("ada.admin", "not the password")
    shot("sign-in-wrong-password")
    sign_in("ada.admin")
    shot("devices")
    go(driver.find_elements(By.PARTIAL_LINK_TEXT, "Revoke")[0])
    shot("revoke-confirm")
    driver.get(url + "/console/devices")
    go(driver.find_elements(By.PARTIAL_LINK_TEXT, "Wipe")[0])
    shot("wipe-confirm")
    driver.get(url + "/console/devices")
    go(driver.find_element(By.XPATH, "//tr[.//strong[.='Locked']]//a[contains(., 'Unlock code')]"))
    shot("unlock-code-confirm")
    go(driver.find_element(By.XPATH, '//button[.="Show today\'s code"]'))
    shot("unlock-code-shown")
    driver.get(url + "/console/enrolment-codes")
    go(driver.find_element(By.XPATH, "//button[.='Issue a code']"))
    shot("enrolment-codes-error")
    Select(driver.find_element(By.ID, "assessor")).select_by_visible_text("Alex Example")
    go(driver.find_element(By.XPATH, "//button[.='Issue a code']"))
    shot("enrolment-code-issued")
    driver.get(url + "/console/allocation")
    driver.find_element(By.ID, "person").send_keys("p-0004")
    Select(driver.find_element(By.ID, "assessor")).select_by_visible_text("Alex Example")
    go(driver.find_element(By.XPATH, "//button[.='Allocate']"))
    shot("allocation")
    go(driver.find_element(By.LINK_TEXT, "Teams"))
    shot("teams")
    driver.get(url + "/console/audit")
    shot("audit-log")
    driver.get(url + "/console/reference-data")
    shot("reference-data")
    driver.execute_script("document.getElementById('held').scrollIntoView()")
    shot("reference-data-laptops")
    driver.get(url + "/console/sign-in?ended=idle")
    shot("sign-in-idle")
    sign_in("tam.manager")
    shot("devices-team-manager")
    go(driver.find_element(By.PARTIAL_LINK_TEXT, "Why held"))
    shot("held-items")
    driver.get(url + "/console/queue")
    shot("team-queue")
    driver.get(url + "/console/allocation")
    shot("allocation-team-manager")
    driver.get(url + f"/console/devices/{south_laptop}/held")  # another team's laptop
    shot("refused-outside-team")
    sign_in("new.manager")
    shot("team-manager-no-team")
    sign_in("aud.auditor")
    driver.get(url + "/console/records")
    shot("received-records")
    links = driver.find_elements(By.CSS_SELECTOR, "tbody th a")
    hrefs = [str(a.get_attribute("href")) for a in links]
    for href in hrefs:  # the one with a valid PDF, and the one whose PDF was changed
        driver.get(href)
        checks = driver.find_elements(By.CSS_SELECTOR, "td.check")
        if checks and checks[0].text.startswith("Valid"):
            shot("received-record")
        elif checks:
            shot("received-record-not-valid")
    sign_in("tam.manager")
    driver.get(url + "/console/audit")
    shot("refused")


def _bundle_pages(
    driver: webdriver.Chrome,
    url: str,
    bundle: Path,
    device: str,
    sizes: list[tuple[int, int, str]],
) -> None:
    def shot(name: str) -> None:
        for width, height, suffix in sizes:
            driver.set_window_size(width, height)
            driver.save_screenshot(str(HERE / f"{name}{suffix}.png"))

    def go(element: WebElement) -> None:
        _go(driver, element)

    driver.get(url + "/console/sign-in")
    driver.delete_all_cookies()
    driver.get(url + "/console/sign-in")
    driver.find_element(By.ID, "username").send_keys("ada.admin")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    go(driver.find_element(By.XPATH, "//button[.='Sign in']"))
    driver.get(url + "/console/bundles")
    shot("bundles-form")
    driver.find_element(By.ID, "bundle").send_keys(str(bundle.with_name("tampered.bundle")))
    go(driver.find_element(By.XPATH, "//button[.='Import the bundle']"))
    shot("bundle-refused")
    driver.find_element(By.ID, "bundle").send_keys(str(bundle))
    go(driver.find_element(By.XPATH, "//button[.='Import the bundle']"))
    shot("bundle-imported")
    driver.get(url + "/console/bundles")
    Select(driver.find_element(By.ID, "device")).select_by_value(device)
    driver.find_element(By.ID, "lease-days").click()
    go(driver.find_element(By.XPATH, "//button[.='Write the inbound bundle']"))
    # Where the error summary's link leads: the field, with its own message.
    driver.execute_script("document.getElementById('days').scrollIntoView({block: 'center'})")
    shot("bundle-lease-error")
    driver.find_element(By.ID, "days").send_keys("10")
    go(driver.find_element(By.XPATH, "//button[.='Write the inbound bundle']"))
    shot("bundle-written")
    driver.get(url + "/console/bundles")
    # A laptop enrolled before files could go down to laptops (the demo's first): refused.
    driver.find_element(By.XPATH, "//option[starts-with(., 'Robin Testcase')]").click()
    go(driver.find_element(By.XPATH, "//button[.='Write the inbound bundle']"))
    shot("bundle-not-written")
    driver.get(url + "/console/bundles#files")
    shot("bundles")


if __name__ == "__main__":
    sys.exit(main())
