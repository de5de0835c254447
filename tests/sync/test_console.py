"""The gateway's web console over real TLS, on both databases: sign-in, CSRF, roles, lockout.

What the browser tests (`test_console_browser.py`) show in Chromium, here checked request by
request, with what the database keeps.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from assessor_app.core.sync_client.transport import HttpsTransport
from sync.gateway.accounts import AccountError, Accounts, SignInRefused
from sync.gateway.app import create_app
from sync.gateway.ca import GatewayCA
from sync.gateway.console import SESSION_COOKIE
from sync.gateway.server import development_tls, running
from sync.gateway.store import Store
from sync.protocol import CURRENT, ca_fingerprint
from tests.sync.console_client import ConsoleClient, make_accounts

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long synthetic passphrase"
START = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Console:
    url: str
    store: Store
    ca: GatewayCA
    clock: Clock
    assessor: str

    def client(self, username: str | None = None) -> ConsoleClient:
        client = ConsoleClient(self.url, self.ca.pem)
        if username:
            page = client.sign_in(username, PASSWORD)
            assert page.status == 200 and page.url.endswith(("/devices", "/allocation")), page.text
        return client

    def enrol_laptop(self) -> str:
        key = ec.generate_private_key(ec.SECP256R1())
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "laptop")]))
            .sign(key, hashes.SHA256())
        )
        code = self.store.issue_code(self.assessor, self.clock(), dt.timedelta(minutes=15))
        pem = csr.public_bytes(serialization.Encoding.PEM).decode()
        answer = HttpsTransport(self.url, self.ca.pem).post(
            "/v1/enrol", {"protocol": CURRENT, "code": code, "csr": pem}
        )
        return str(answer["device_id"])


@pytest.fixture
def console(store_url: str, tmp_path: Path) -> Iterator[Console]:
    """A gateway on loopback TLS with one account of each role and one assessor."""
    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(tmp_path / "ca", "Exampleshire County Council")
    clock = Clock()
    assessor = store.create_assessor("Robin Testcase", START)
    make_accounts(store, PASSWORD, START, assessor)
    tls = development_tls(tmp_path, ca, ("127.0.0.1", "localhost"))
    with running(create_app(store, ca, clock=clock), tls) as served:
        yield Console(served.url, store, ca, clock, assessor)


def _one(store: Store, sql: str) -> list[tuple[object, ...]]:
    with store.transaction() as tx:
        return [tuple(r) for r in tx.execute(sql).fetchall()]


def test_passwords_and_sessions_are_kept_only_as_hashes_and_sign_out_ends_the_session(
    console: Console,
) -> None:
    (digest,) = _one(
        console.store, "SELECT password_hash FROM console_account WHERE username='ada'"
    )
    assert str(digest[0]).startswith("$argon2id$") and PASSWORD not in str(digest[0])
    admin = console.client("ada")
    cookie = admin.cookie(SESSION_COOKIE)
    assert cookie.secure and cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.get_nonstandard_attr("SameSite", "").lower() == "strict"
    assert cookie.path == "/" and not cookie.domain_specified  # a __Host- cookie
    (stored,) = _one(console.store, "SELECT token_hash FROM console_session")
    assert stored[0] == hashlib.sha256(str(cookie.value).encode()).hexdigest()

    signed_out = admin.post("/console/sign-out", {"csrf": admin.get("/console/devices").csrf})
    assert signed_out.url.endswith("/console/sign-in")
    assert _one(console.store, "SELECT token_hash FROM console_session") == []
    # The old cookie, sent again by hand, signs nobody in.
    thief = console.client()
    thief.jar.set_cookie(cookie)
    ended = thief.get("/console/devices")
    assert ended.url.endswith("/console/sign-in?ended=ended") and "session has ended" in ended.text


def test_five_wrong_passwords_lock_the_account_for_15_minutes_in_every_process(
    console: Console,
) -> None:
    client = console.client()
    for tries_left in (4, 3, 2, 1):
        page = client.sign_in("ada", "not the password")
        assert page.status == 401 and f"After {tries_left} more wrong" in page.text
    locked = client.sign_in("ada", "still not it")
    assert locked.status == 401 and "locked after 5 wrong passwords" in locked.text
    assert "Try again after 09:15 UTC" in locked.text
    right = client.sign_in("ada", PASSWORD)
    assert right.status == 401 and "locked" in right.text  # even the right one, for now
    # Another gateway process on the same database refuses it too: the lock is in the database.
    with pytest.raises(SignInRefused, match="locked"):
        Accounts(Store(console.store.url)).sign_in("ada", PASSWORD, START)

    console.clock.now = START + dt.timedelta(minutes=16)
    assert client.sign_in("ada", PASSWORD).url.endswith("/console/devices")
    entries = [(e.actor, e.action) for e in Accounts(console.store).audit_log()]
    assert ("ada", "account locked") in entries and ("ada", "signed in") in entries
    unknown = console.client().sign_in("nobody", PASSWORD)
    assert unknown.status == 401 and "do not match an account" in unknown.text


def test_a_session_idle_for_15_minutes_signs_out_and_says_so_and_a_form_sent_then_is_not_saved(
    console: Console,
) -> None:
    manager = console.client("tam")
    for minutes in (14, 28, 42):  # each request keeps it open for 15 minutes more
        console.clock.now = START + dt.timedelta(minutes=minutes)
        assert manager.get("/console/allocation").status == 200
    csrf = manager.get("/console/allocation").csrf
    console.clock.now = START + dt.timedelta(minutes=57, seconds=1)
    form = {"person": "p-0003", "assessor": console.assessor, "csrf": csrf}
    sent = manager.post("/console/allocation", form)
    assert sent.url.endswith("/console/sign-in?ended=idle&unsent=1")
    words = " ".join(sent.text.split())
    assert "You were signed out after 15 minutes without activity" in words
    assert "The form you had just sent was not saved: sign in, then send it again" in words
    assert console.store.allocations() == []  # nothing done with the stale session
    # Another gateway process on the same database sees it ended too: it is in the database.
    other = Accounts(Store(console.store.url))
    assert other.session(str(manager.cookie(SESSION_COOKIE).value), console.clock()) is None
    later = manager.get("/console/devices")
    assert later.url.endswith("?ended=idle") and "nothing you saved is lost" in later.text
    # Sign out, pressed on a page left open: signed out already, and nothing to send again.
    gone = manager.post("/console/sign-out", {"csrf": csrf})
    assert gone.url.endswith("?ended=idle") and "not saved" not in gone.text
    assert manager.sign_in("tam", PASSWORD).url.endswith("/console/devices")


def test_a_busy_session_still_ends_8_hours_after_sign_in_with_its_own_message(
    console: Console,
) -> None:
    admin = console.client("ada")
    for minutes in range(10, 8 * 60, 10):
        console.clock.now = START + dt.timedelta(minutes=minutes)
        assert admin.get("/console/devices").status == 200, minutes
    console.clock.now = START + dt.timedelta(hours=8)
    ended = admin.get("/console/devices")
    assert ended.url.endswith("/console/sign-in?ended=lifetime")
    assert "a session lasts at most 8 hours" in " ".join(ended.text.split())


def test_the_idle_time_is_a_serve_setting_and_a_wrong_one_is_refused_with_the_range(
    store_url: str, tmp_path: Path
) -> None:
    store = Store(store_url)
    store.migrate()
    accounts = Accounts(store, idle_after=dt.timedelta(minutes=60))
    accounts.create("ada", "it_admin", PASSWORD, START, "test")
    token = accounts.sign_in("ada", PASSWORD, START)
    assert accounts.session(token, START + dt.timedelta(minutes=59)) is not None
    assert accounts.session(token, START + dt.timedelta(minutes=119, seconds=1)) is None
    assert accounts.session_end(token).value == "idle"
    with pytest.raises(AccountError, match="1 minute to 8 hours"):
        Accounts(store, idle_after=dt.timedelta(hours=9))
    refused = _gateway(tmp_path / "gw", "serve", "--console-idle-minutes", "0")
    assert refused.returncode == 2 and "1 to 480 minutes" in refused.stderr


def test_a_post_without_this_sessions_csrf_token_is_refused_and_changes_nothing(
    console: Console,
) -> None:
    manager, admin = console.client("tam"), console.client("ada")
    form = {"person": "p-0001", "assessor": console.assessor}
    for csrf in (None, "", "0" * 64, "é" * 64, admin.get("/console/allocation").csrf):
        fields = form if csrf is None else {**form, "csrf": csrf}
        refused = manager.post("/console/allocation", fields)
        assert refused.status == 403 and "security token" in refused.text
        assert "Nothing was changed" in refused.text
    assert console.store.allocations() == []
    # The sign-in form checks its own token, before there is a session.
    anon = console.client()
    fields = {"username": "ada", "password": PASSWORD}
    assert anon.post("/console/sign-in", fields).status == 403
    done = manager.post(
        "/console/allocation", {**form, "csrf": manager.get("/console/allocation").csrf}
    )
    assert done.status == 200 and "p-0001 is now on Robin Testcase" in done.text
    assert [a[:2] for a in console.store.allocations()] == [("p-0001", console.assessor)]


def test_every_route_checks_the_role_on_the_server_whatever_the_page_shows(
    console: Console,
) -> None:
    device = console.enrol_laptop()
    manager, auditor, admin = console.client("tam"), console.client("aud"), console.client("ada")

    page = manager.get("/console/devices")
    assert page.status == 200 and device in page.text and "Revoke" not in page.text
    assert manager.get(f"/console/devices/{device}/revoke").status == 403
    forged = manager.post(f"/console/devices/{device}/revoke", {"csrf": page.csrf})
    assert forged.status == 403 and "A team manager cannot do this" in forged.text
    assert manager.get("/console/enrolment-codes").status == 403
    assert manager.get("/console/audit").status == 403

    csrf = auditor.get("/console/audit").csrf
    changes = [
        (f"/console/devices/{device}/revoke", {}),
        ("/console/allocation", {"person": "p-0002", "assessor": console.assessor}),
        ("/console/enrolment-codes", {"assessor": console.assessor, "minutes": "15"}),
        ("/console/assessors", {"name": "Sam Synthetic"}),
    ]
    for path, fields in changes:
        assert auditor.post(path, {**fields, "csrf": csrf}).status == 403, path
    assert "Allocate" not in auditor.get("/console/allocation").text
    assert console.store.device(device).revoked_at is None  # type: ignore[union-attr]
    assert console.store.allocations() == [] and len(console.store.assessors()) == 1

    confirm = admin.get(f"/console/devices/{device}/revoke")
    assert confirm.status == 200 and "Revoke this laptop" in confirm.text
    revoked = admin.post(f"/console/devices/{device}/revoke", {"csrf": confirm.csrf})
    assert revoked.status == 200 and "is revoked" in revoked.text
    assert console.store.device(device).revoked_at is not None  # type: ignore[union-attr]
    log = auditor.get("/console/audit")
    assert log.status == 200 and "device revoked" in log.text and device in log.text


def test_an_enrolment_code_is_shown_once_with_the_fingerprint_and_enrols_a_laptop(
    console: Console,
) -> None:
    admin = console.client("ada")
    csrf = admin.get("/console/enrolment-codes").csrf
    bad = admin.post("/console/enrolment-codes", {"assessor": "", "minutes": "x", "csrf": csrf})
    assert bad.status == 400 and 'href="#assessor"' in bad.text and 'href="#minutes"' in bad.text
    assert 'aria-describedby="minutes-error"' in bad.text

    page = admin.post(
        "/console/enrolment-codes", {"assessor": console.assessor, "minutes": "15", "csrf": csrf}
    )
    assert page.status == 200 and ca_fingerprint(console.ca.pem) in page.text
    code = page.text.split('id="code">')[1].split("<")[0]
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "laptop")]))
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )
    answer = HttpsTransport(console.url, console.ca.pem).post(
        "/v1/enrol", {"protocol": CURRENT, "code": code, "csr": csr}
    )
    assert base64.b64decode(answer["certificate"])
    assert answer["device_id"] in admin.get("/console/devices").text
    log = Accounts(console.store).audit_log()
    assert any(e.action == "enrolment code issued" for e in log)
    assert not any(code in f"{e.subject} {e.detail}" for e in log)  # the code is never kept


def test_every_page_has_one_heading_labelled_fields_and_headed_tables(console: Console) -> None:
    console.enrol_laptop()
    admin = console.client("ada")
    csrf = admin.get("/console/allocation").csrf
    pages = [
        admin.get(path)
        for path in (
            "/console/devices",
            "/console/enrolment-codes",
            "/console/allocation",
            "/console/reference-data",
            "/console/teams",
        )
    ] + [
        admin.post("/console/allocation", {"person": "", "assessor": "", "csrf": csrf}),
        admin.post("/console/teams", {"name": "", "csrf": csrf}),
        admin.post("/console/teams/members", {"assessor": "", "team": "", "csrf": csrf}),
        admin.get("/console/audit"),
        console.client().get("/console/sign-in"),
    ]
    for page in pages:
        assert page.text.count("<h1") == 1, page.url
        assert 'href="#main"' in page.text and 'id="main"' in page.text  # the skip link
        fields = re.findall(r'<(?:input|select) id="([^"]+)"', page.text)
        for field in fields:
            assert f'<label for="{field}">' in page.text, (page.url, field)
        assert "<th>" not in page.text  # every header cell says its scope
        for error in re.findall(r'<a href="#([a-z]+)">', page.text):
            assert f'aria-describedby="{error}-error"' in page.text or (
                f'id="{error}-error"' in page.text
            ), (page.url, error)


def _gateway(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync.gateway.cli", "--data", str(data), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_console_accounts_are_made_and_reset_from_the_command_line(tmp_path: Path) -> None:
    data, secret = tmp_path / "gw", tmp_path / "password"
    secret.write_text("short\n")
    made = _gateway(
        data, "console-account", "create", "--username", "Ada", "--role", "it_admin",
        "--password-file", str(secret),
    )  # fmt: skip
    assert made.returncode == 2 and "at least 12 characters" in made.stderr
    secret.write_text(PASSWORD + "\n")
    made = _gateway(
        data, "console-account", "create", "--username", "Ada", "--role", "it_admin",
        "--password-file", str(secret),
    )  # fmt: skip
    assert made.returncode == 0 and "ada made (IT administrator)" in made.stdout
    again = _gateway(
        data, "console-account", "create", "--username", "ada", "--role", "auditor",
        "--password-file", str(secret),
    )  # fmt: skip
    assert again.returncode == 2 and "already an account 'ada'" in again.stderr

    store = Store(f"sqlite:///{data / 'gateway.db'}")
    accounts = Accounts(store)
    for _ in range(5):
        with pytest.raises(SignInRefused):
            accounts.sign_in("ada", "wrong", dt.datetime.now(dt.UTC))
    session = _one(store, "SELECT COUNT(*) FROM console_session")
    secret.write_text("a new synthetic passphrase\n")
    reset = _gateway(
        data, "console-account", "reset-password", "--username", "ada",
        "--password-file", str(secret),
    )  # fmt: skip
    assert reset.returncode == 0 and "lockout is lifted" in reset.stdout
    assert accounts.sign_in("ada", "a new synthetic passphrase", dt.datetime.now(dt.UTC))
    assert session == [(0,)]
    nobody = _gateway(
        data, "console-account", "reset-password", "--username", "nobody",
        "--password-file", str(secret),
    )  # fmt: skip
    assert nobody.returncode == 2 and "no account 'nobody'" in nobody.stderr
    actions = [(e.actor, e.action) for e in accounts.audit_log()]
    assert ("assessor-gateway (command line)", "password reset") in actions
