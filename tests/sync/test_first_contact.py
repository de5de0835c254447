"""Enrolling by fingerprint: the CA is checked before the code goes, over real TLS on loopback.

Each gateway here records every request it is asked, so a refusal can be shown to have sent
nothing but the request for the CA: never the code, never a certificate request.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from assessor_app.core.services.records import start_record
from assessor_app.core.storage.enrolment import load_enrolment
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import enrol, sync_now, transport_for
from assessor_app.core.sync_client.first_contact import FingerprintError
from assessor_app.core.sync_client.transport import TransportError
from sync.gateway.app import create_app
from sync.gateway.ca import GatewayCA
from sync.gateway.server import development_tls, running
from sync.gateway.store import Store
from sync.protocol import ca_fingerprint, fingerprint_digits
from tests.support import community_person, session_for

CA_ONLY = [("GET", "/v1/ca")]


@dataclass
class Recorded:
    """A gateway on loopback and every request (method, path) it was asked."""

    url: str
    store: Store
    ca: GatewayCA
    assessor: str
    asked: list[tuple[str, str]] = field(default_factory=list)

    def code(self) -> str:
        now = dt.datetime.now(dt.UTC)
        return self.store.issue_code(self.assessor, now, dt.timedelta(minutes=15))

    @property
    def fingerprint(self) -> str:
        return ca_fingerprint(self.ca.pem)


def _recording(app: Any, asked: list[tuple[str, str]]) -> Any:
    async def recorded(scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            asked.append((scope["method"], scope["path"]))
        await app(scope, receive, send)

    return recorded


@contextlib.contextmanager
def _serving(
    url: str, folder: Path, authority: str, *, hands_out: bytes | None = None
) -> Iterator[Recorded]:
    """A gateway with its own CA; `hands_out` is the CA ``/v1/ca`` answers with instead."""
    store = Store(url)
    store.migrate()
    ca = GatewayCA.load_or_create(folder / "ca", authority)
    tls = development_tls(folder, ca)
    assessor = store.create_assessor("Robin Testcase", dt.datetime.now(dt.UTC))
    asked: list[tuple[str, str]] = []
    app = _recording(create_app(store, ca, server_ca_pem=hands_out), asked)
    with running(app, tls) as served:
        yield Recorded(served.url, store, ca, assessor, asked)


@pytest.fixture
def council(store_url: str, tmp_path: Path) -> Iterator[Recorded]:
    """The council's gateway, on SQLite and on PostgreSQL."""
    with _serving(store_url, tmp_path / "council", "Exampleshire County Council") as g:
        yield g


def test_the_fingerprint_is_the_sha256_of_the_ca_in_groups_of_four(council: Recorded) -> None:
    cert = x509.load_pem_x509_certificate(council.ca.pem)
    digits = cert.fingerprint(hashes.SHA256()).hex().upper()
    shown = council.fingerprint
    assert shown.replace(" ", "") == digits
    assert [len(g) for g in shown.split(" ")] == [4] * 16


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("ab12 " * 16, "AB12" * 16),
        ("AB-12-" * 8, "AB12" * 8),
        ("ab:12:" * 10, "AB12" * 10),
        ("AB12" * 7, None),  # 7 groups: too few to be sure
        ("AB12" * 17, None),
        ("GB12" * 16, None),
        ("", None),
    ],
)
def test_a_fingerprint_is_read_whatever_the_spacing_and_case(typed: str, digits: str) -> None:
    assert fingerprint_digits(typed) == digits


def test_the_right_fingerprint_enrols_and_pins_the_gateways_ca(
    council: Recorded, vault: Vault
) -> None:
    # As people type it: lower case, dashes, only the first 8 groups.
    typed = "-".join(council.fingerprint.lower().split(" ")[:8])
    done = enrol(vault, council.url, council.code(), fingerprint=typed)
    assert done.gateway_url == council.url
    enrolled = load_enrolment(vault)
    assert enrolled is not None and enrolled.server_ca_pem == council.ca.pem
    assert council.asked[:2] == [("GET", "/v1/ca"), ("POST", "/v1/enrol")]
    assert len(council.store.devices()) == 1
    # The pinned CA is the working one: the laptop's records go.
    session = session_for(vault)
    person = session.people.add(community_person())
    start_record(session, session.forms.latest("sample"), person.id)
    transport = transport_for(vault)
    try:
        assert sync_now(vault, transport).finished
    finally:
        transport.close()
    assert council.store.count() >= 1


def test_another_gateways_fingerprint_is_refused_and_the_code_still_works(
    council: Recorded, vault: Vault, store_url: str, tmp_path: Path
) -> None:
    with _serving(store_url, tmp_path / "other", "Otherton Borough Council") as other:
        wrong = other.fingerprint
    code = council.code()
    right = council.fingerprint
    with pytest.raises(TransportError) as refused:
        enrol(vault, council.url, code, fingerprint=wrong)
    assert str(refused.value) == (
        f"The gateway at {council.url} is not the council's: its fingerprint is {right}, not "
        f"{wrong}. Nothing was sent. Check the address and the fingerprint with IT."
    )
    assert council.asked == CA_ONLY
    assert load_enrolment(vault) is None and council.store.devices() == []
    enrol(vault, council.url, code, fingerprint=right)
    assert len(council.store.devices()) == 1


def test_a_server_in_the_middle_with_its_own_ca_is_refused_and_never_sees_the_code(
    council: Recorded, vault: Vault, store_url: str, tmp_path: Path
) -> None:
    code = council.code()
    with _serving(store_url, tmp_path / "middle", "Impostor") as middle:
        with pytest.raises(TransportError, match="is not the council's: its fingerprint is"):
            enrol(vault, middle.url, code, fingerprint=council.fingerprint)
        assert middle.asked == CA_ONLY
    assert load_enrolment(vault) is None
    enrol(vault, council.url, code, fingerprint=council.fingerprint)
    assert len(council.store.devices()) == 1


def test_a_server_handing_out_the_councils_ca_but_not_holding_its_key_is_refused(
    council: Recorded, vault: Vault, store_url: str, tmp_path: Path
) -> None:
    """A cleverer middle copies the council's public CA: the verified handshake fails."""
    code = council.code()
    with _serving(store_url, tmp_path / "copy", "Impostor", hands_out=council.ca.pem) as middle:
        with pytest.raises(TransportError, match="did not prove it is the council's gateway"):
            enrol(vault, middle.url, code, fingerprint=council.fingerprint)
        assert middle.asked == CA_ONLY
    assert load_enrolment(vault) is None
    enrol(vault, council.url, code, fingerprint=council.fingerprint)
    assert len(council.store.devices()) == 1


@pytest.mark.parametrize("typed", ["1234 5678", "WXYZ " * 16, "not a fingerprint"])
def test_a_malformed_fingerprint_is_refused_before_anything_is_sent(
    council: Recorded, vault: Vault, typed: str
) -> None:
    with pytest.raises(FingerprintError, match="That is not the gateway's fingerprint") as e:
        enrol(vault, council.url, council.code(), fingerprint=typed)
    assert "Nothing was sent" in e.value.user_message
    assert council.asked == [] and load_enrolment(vault) is None


def test_an_unreachable_address_says_so_and_sends_nothing(council: Recorded, vault: Vault) -> None:
    from sync.gateway.server import free_port

    with pytest.raises(TransportError, match="Can't reach the gateway at") as e:
        enrol(
            vault,
            f"https://127.0.0.1:{free_port()}",
            "AAAA-BBBB-CCCC",
            fingerprint=council.fingerprint,
        )
    assert e.value.temporary and load_enrolment(vault) is None


def _old_gateway(app: Any) -> Any:
    """A gateway from before ``GET /v1/ca``: that path is not found."""

    async def older(scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") == "http" and scope["path"] == "/v1/ca":
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b'{"detail":"Not Found"}'})
            return
        await app(scope, receive, send)

    return older


def test_an_older_gateway_without_the_ca_endpoint_says_to_use_the_file(
    store_url: str, vault: Vault, tmp_path: Path
) -> None:
    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(tmp_path / "ca", "Exampleshire County Council")
    assessor = store.create_assessor("Robin Testcase", dt.datetime.now(dt.UTC))
    code = store.issue_code(assessor, dt.datetime.now(dt.UTC), dt.timedelta(minutes=15))
    app = _old_gateway(create_app(store, ca))
    with running(app, development_tls(tmp_path, ca)) as old:
        with pytest.raises(TransportError, match="Ask IT for the gateway's certificate file"):
            enrol(vault, old.url, code, fingerprint=ca_fingerprint(ca.pem))
        assert store.devices() == []
        enrol(vault, old.url, code, first_contact_ca=ca.pem)
    assert len(store.devices()) == 1


def test_a_server_that_hands_out_no_certificate_is_refused_and_sees_no_code(
    council: Recorded, vault: Vault, store_url: str, tmp_path: Path
) -> None:
    with _serving(store_url, tmp_path / "junk", "Impostor", hands_out=b"not a certificate") as junk:
        with pytest.raises(TransportError, match="did not send the council's certificate"):
            enrol(vault, junk.url, council.code(), fingerprint=council.fingerprint)
        assert junk.asked == CA_ONLY
    assert load_enrolment(vault) is None
