"""The console's reference data page over real TLS, on both databases, with a real laptop.

`assessor-gateway publish` signs a package into the gateway's database; the laptop (a real
SQLCipher vault, enrolled and syncing through the real client) asks for it after its push; the
page shows each package with the key it checks against and what each laptop said it holds.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import enrol, sync_now, transport_for
from sync.gateway.accounts import Accounts
from sync.gateway.cli import main as gateway_cli
from sync.reference import seal_package
from tests.sync.conftest import Gateway
from tests.sync.console_client import ConsoleClient, Page, make_accounts
from tests.sync.test_reference_data import _rates_v2

PASSWORD = "a long synthetic passphrase"


def _words(page: Page) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page.text).split())


def _console(gateway: Gateway, username: str) -> ConsoleClient:
    if Accounts(gateway.store).role_of(username) is None:
        make_accounts(gateway.store, PASSWORD, dt.datetime.now(dt.UTC))
    client = ConsoleClient(gateway.url, gateway.ca.pem)
    assert client.sign_in(username, PASSWORD).status == 200
    return client


def _row(page: Page, device: str) -> str:
    """The words of the holdings table's row for `device`."""
    (row,) = [r for r in page.text.split("<tr>") if f'<code class="small">{device}<' in r]
    return " ".join(re.sub(r"<[^>]+>", " ", row).split())


def test_the_reference_page_shows_each_package_its_key_and_what_each_laptop_holds(
    gateway: Gateway, vault: Vault, tmp_path: Path, store_url: str
) -> None:
    admin = _console(gateway, "ada")
    empty = admin.get("/console/reference-data")
    assert empty.status == 200 and "Nothing is published yet" in _words(empty)

    args = ["--data", str(tmp_path), "--db", store_url, "publish"]
    rates = str(_rates_v2(tmp_path / "p"))
    assert gateway_cli([*args, rates, "--kind", "rates", "--description", "MIG corrected"]) == 0
    device = enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem).device_id
    page = admin.get("/console/reference-data")
    assert "has not asked yet" in _row(page, device)

    # Its first sync says it holds none, and takes version 1 in that answer.
    assert sync_now(vault, transport_for(vault)).reference == ("rates package version 1",)
    page = admin.get("/console/reference-data")
    words = _words(page)
    assert "rates version 1" in words and "MIG corrected" in words
    assert gateway.publishing_key is not None
    assert f"publishing key {gateway.publishing_key.fingerprint}" in words
    assert "0 laptops" in words
    # Forms, rates, branding, leaflets: it held no rates when it asked; one is published.
    assert f"{device} none none newer published none none" in _row(page, device)

    # At its next sync it says it holds version 1: up to date.
    sync_now(vault, transport_for(vault))
    page = admin.get("/console/reference-data")
    row = _row(page, device)
    assert f"{device} none version 1 none none" in row and "newer published" not in row
    assert "1 laptop " in _words(page)


def test_a_package_laptops_would_refuse_says_so_and_only_it_and_auditors_see_the_page(
    gateway: Gateway,
) -> None:
    stranger = Ed25519PrivateKey.generate()  # not this gateway's publishing key
    now = dt.datetime.now(dt.UTC)
    files = {"carers.txt": b"A leaflet for carers."}
    data = seal_package("leaflets", 1, "Carers leaflet", files, stranger, published=now)
    assert gateway.store.publish_reference("leaflets", 1, "Carers leaflet", data, now)

    page = _console(gateway, "ada").get("/console/reference-data")
    words = _words(page)
    assert "leaflets version 1" in words and "Not signed by this gateway's key" in words
    assert "Laptops refuse it" in words

    auditor = _console(gateway, "aud").get("/console/reference-data")
    assert auditor.status == 200 and 'href="/console/reference-data"' in auditor.text
    manager = _console(gateway, "tam")
    refused = manager.get("/console/reference-data")
    assert refused.status == 403 and "A team manager cannot do this" in _words(refused)
    assert 'href="/console/reference-data"' not in manager.get("/console/devices").text
