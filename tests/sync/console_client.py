"""A browser-less client of the web console over real TLS: cookies kept, forms posted.

The standard library's urllib with a cookie jar, trusting the gateway's CA: what a browser
sends, without one (the browser tests drive Chromium itself).
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import re
import secrets
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sync.gateway.accounts import Accounts
from sync.gateway.ca import GatewayCA
from sync.gateway.store import Store
from sync.gateway.teams import Teams


@dataclass
class Page:
    status: int
    url: str
    text: str

    @property
    def csrf(self) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.text)
        assert found, "the page has no form with a CSRF token"
        return found[1]

    def h1(self) -> str:
        found = re.search(r"<h1>(.*?)</h1>", self.text, re.S)
        return found[1].strip() if found else ""


@dataclass
class Raw:
    status: int
    headers: dict[str, str]
    body: bytes


class ConsoleClient:
    def __init__(self, base: str, ca_pem: bytes) -> None:
        self.base = base
        context = ssl.create_default_context(cadata=ca_pem.decode("ascii"))
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context),
            urllib.request.HTTPCookieProcessor(self.jar),
        )

    def _open(self, request: urllib.request.Request) -> Page:
        try:
            with self.opener.open(request, timeout=20) as answer:
                return Page(answer.status, answer.url, answer.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            return Page(e.code, e.url, e.read().decode("utf-8"))

    def get(self, path: str) -> Page:
        return self._open(urllib.request.Request(self.base + path))

    def raw(self, path: str) -> Raw:
        """A GET answered with bytes (a download), with its headers (names in lower case)."""
        try:
            with self.opener.open(urllib.request.Request(self.base + path), timeout=20) as answer:
                headers = {k.lower(): v for k, v in answer.headers.items()}
                return Raw(answer.status, headers, answer.read())
        except urllib.error.HTTPError as e:
            return Raw(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())

    def post(self, path: str, fields: dict[str, str]) -> Page:
        body = urllib.parse.urlencode(fields).encode("ascii")
        return self._open(urllib.request.Request(self.base + path, data=body, method="POST"))

    def post_file(
        self, path: str, fields: dict[str, str], name: str, filename: str, data: bytes
    ) -> Page:
        """A multipart form, as a browser posts a file input (`name`) with other fields."""
        boundary = "----assessor-test-" + secrets.token_hex(8)
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(self.base + path, data=body, method="POST")
        request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
        return self._open(request)

    def sign_in(self, username: str, password: str) -> Page:
        form = self.get("/console/sign-in")
        return self.post(
            "/console/sign-in", {"username": username, "password": password, "csrf": form.csrf}
        )

    def cookie(self, name: str) -> http.cookiejar.Cookie:
        (found,) = [c for c in self.jar if c.name == name]
        return found


TEAM = "North locality"
"""The team of the console tests' team manager, `tam`, and of their assessor."""


def make_accounts(store: Store, password: str, now: dt.datetime, *assessors: str) -> None:
    """One console account of each role: ada (IT), tam (team manager of `TEAM`), aud (auditor).

    `assessors` join `TEAM`, so tam sees them; the tests of other teams add their own.
    """
    teams = Teams(store)
    teams.create(TEAM, now, "test")
    for assessor in assessors:
        teams.add(assessor, TEAM, now, "test")
    accounts = Accounts(store)
    accounts.create("ada", "it_admin", password, now, "test")
    accounts.create("tam", "team_manager", password, now, "test", team=TEAM)
    accounts.create("aud", "auditor", password, now, "test")


def device_certificate(ca: GatewayCA, device_id: str, name: str) -> bytes:
    """A laptop's certificate from `ca` (DER), for `Store.enrol` without a real laptop."""
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "laptop")]))
        .sign(key, hashes.SHA256())
    )
    cert = ca.issue_device(csr.public_bytes(serialization.Encoding.PEM), device_id, name)
    return cert.public_bytes(serialization.Encoding.DER)
