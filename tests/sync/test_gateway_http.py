"""The gateway over real TLS on loopback: enrolment, mutual TLS, push; on both databases."""

from __future__ import annotations

import datetime as dt
import http.client
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from assessor_app.core.services.records import start_record
from assessor_app.core.storage import history
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.transport import DeviceIdentity, HttpsTransport, TransportError
from sync.gateway.app import create_app
from sync.gateway.ca import GatewayCA
from sync.gateway.server import TLSFiles, development_tls, running
from sync.gateway.store import Store
from sync.protocol import CURRENT, AckStatus, PushItem, PushRequest, PushResponse
from tests.support import community_person, session_for


@dataclass
class Gateway:
    url: str
    store: Store
    ca: GatewayCA


def _tls(folder: Path, ca: GatewayCA) -> TLSFiles:
    return development_tls(folder, ca, ("127.0.0.1", "localhost"))


@pytest.fixture
def gateway(store_url: str, tmp_path: Path) -> Iterator[Gateway]:
    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(tmp_path / "ca", "Exampleshire County Council")
    with running(create_app(store, ca), _tls(tmp_path, ca)) as served:
        yield Gateway(served.url, store, ca)


def _csr() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "laptop")]))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, csr.public_bytes(serialization.Encoding.PEM)


def _enrol(gw: Gateway, code: str) -> tuple[str, DeviceIdentity]:
    import base64

    key_pem, csr_pem = _csr()
    answer = HttpsTransport(gw.url, gw.ca.pem).post(
        "/v1/enrol", {"protocol": CURRENT, "code": code, "csr": csr_pem.decode()}
    )
    assert answer["ca"].encode() == gw.ca.pem  # the CA the laptop pins from now on
    der = base64.b64decode(answer["certificate"])
    cert_pem = x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
    return str(answer["device_id"]), DeviceIdentity(cert_pem, key_pem)


def _code(gw: Gateway, minutes: float = 15) -> str:
    now = dt.datetime.now(dt.UTC)
    assessor = gw.store.create_assessor("Robin Testcase", now)
    return gw.store.issue_code(assessor, now, dt.timedelta(minutes=minutes))


def _revisions(vault: Vault) -> list[PushItem]:
    session = session_for(vault, today=dt.date(2026, 12, 3))
    person = session.people.add(community_person())
    record = start_record(session, session.forms.latest("sample"), person.id)
    session.records.save_field(record.id, "notes", "Seen at home.")
    session.records.checkpoint(record.id)
    people = history.list_revisions(vault.conn, "person", person.id)
    return [PushItem.from_revision(r) for r in (*people, *session.records.history(record.id))]


def test_an_enrolled_laptop_pushes_over_mutual_tls_exactly_once(
    gateway: Gateway, vault: Vault
) -> None:
    device_id, identity = _enrol(gateway, _code(gateway))
    laptop = HttpsTransport(gateway.url, gateway.ca.pem, identity)
    items = _revisions(vault)
    request = PushRequest(tuple(items))
    first = PushResponse.from_json(laptop.post("/v1/push", request.to_json()), items)
    again = PushResponse.from_json(laptop.post("/v1/push", request.to_json()), items)
    assert [a.status for a in first.acks] == [AckStatus.STORED] * 3
    assert [a.status for a in again.acks] == [AckStatus.DUPLICATE] * 3
    assert gateway.store.count() == 3
    (device,) = gateway.store.devices()
    assert device.id == device_id and device.last_seen_at is not None


def test_an_enrolment_code_works_once_and_not_after_it_expires(gateway: Gateway) -> None:
    code = _code(gateway)
    _enrol(gateway, code.lower().replace("-", " "))  # as typed, in any case, with spaces
    with pytest.raises(TransportError, match="already been used") as replayed:
        _enrol(gateway, code)
    assert replayed.value.status == 403 and not replayed.value.temporary
    with pytest.raises(TransportError, match="expired"):
        _enrol(gateway, _code(gateway, minutes=-1))
    with pytest.raises(TransportError, match="not known here"):
        _enrol(gateway, "AAAA-BBBB-CCCC")
    assert len(gateway.store.devices()) == 1


def test_a_laptop_without_a_certificate_or_revoked_is_refused(
    gateway: Gateway, vault: Vault
) -> None:
    items = _revisions(vault)
    body = PushRequest(tuple(items)).to_json()
    with pytest.raises(TransportError, match="not enrolled") as anonymous:
        HttpsTransport(gateway.url, gateway.ca.pem).post("/v1/push", body)
    assert anonymous.value.status == 401
    device_id, identity = _enrol(gateway, _code(gateway))
    assert gateway.store.revoke(device_id, dt.datetime.now(dt.UTC))
    with pytest.raises(TransportError, match="withdrawn") as revoked:
        HttpsTransport(gateway.url, gateway.ca.pem, identity).post("/v1/push", body)
    assert revoked.value.status == 403
    assert gateway.store.count() == 0


def test_a_laptop_revoked_mid_sync_is_refused_on_its_very_next_request(
    gateway: Gateway, vault: Vault
) -> None:
    """The gateway keeps its database connections, and the TLS connection stays open too.

    Nothing about the device is kept between requests: revoking it (here from another
    connection, as `assessor-gateway revoke` would be another process) takes effect at once.
    """
    device_id, identity = _enrol(gateway, _code(gateway))
    laptop = HttpsTransport(gateway.url, gateway.ca.pem, identity)
    items = _revisions(vault)
    for _ in range(3):  # warm every connection the gateway keeps
        laptop.post("/v1/push", PushRequest(tuple(items[:1])).to_json())
    assert gateway.store.revoke(device_id, dt.datetime.now(dt.UTC))
    for path, body in (
        ("/v1/push", PushRequest(tuple(items)).to_json()),
        ("/v1/versions", {"protocol": CURRENT, "record_ids": [items[-1].entity_id]}),
    ):
        with pytest.raises(TransportError, match="withdrawn") as revoked:
            laptop.post(path, body)
        assert revoked.value.status == 403
    with pytest.raises(TransportError, match="withdrawn"):
        laptop.put_bytes("/v1/documents/d0c1/content?offset=0", b"%PDF")
    assert laptop.connections == 1  # all on the one kept connection
    assert gateway.store.count() == 1


def test_a_certificate_from_another_ca_never_reaches_the_gateway(
    gateway: Gateway, vault: Vault, tmp_path: Path
) -> None:
    stranger = GatewayCA.load_or_create(tmp_path / "other-ca", "Elsewhere Council")
    key_pem, csr_pem = _csr()
    forged = stranger.issue_device(csr_pem, "laptop", "Robin Testcase")
    identity = DeviceIdentity(forged.public_bytes(serialization.Encoding.PEM), key_pem)
    body = PushRequest(tuple(_revisions(vault))).to_json()
    with pytest.raises(TransportError, match="enrol the laptop again") as refused:
        HttpsTransport(gateway.url, gateway.ca.pem, identity).post("/v1/push", body)
    # Under TLS 1.3 the refusal comes after the laptop's handshake: it must still not read as
    # a dropped network ("Can't reach"), retried for ever while nobody is told to act.
    assert not refused.value.temporary
    assert "Can't reach" not in str(refused.value)
    assert gateway.store.count() == 0


def test_a_gateway_that_is_down_is_unreachable_not_a_refused_certificate(
    gateway: Gateway, vault: Vault
) -> None:
    _device_id, identity = _enrol(gateway, _code(gateway))
    port = int(gateway.url.rsplit(":", 1)[1])
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nobody = closed.getsockname()[1]
    url = gateway.url.replace(str(port), str(nobody))
    body = PushRequest(tuple(_revisions(vault))).to_json()
    with pytest.raises(TransportError, match="Can't reach") as down:
        HttpsTransport(url, gateway.ca.pem, identity).post("/v1/push", body)
    assert down.value.temporary


def test_a_server_the_laptop_was_not_enrolled_with_is_not_trusted(
    gateway: Gateway, tmp_path: Path
) -> None:
    other = GatewayCA.load_or_create(tmp_path / "impostor", "Impostor")
    with pytest.raises(TransportError, match="did not prove it is the council's gateway"):
        HttpsTransport(gateway.url, other.pem).post("/v1/enrol", {"protocol": CURRENT})


def test_plain_http_is_not_served(gateway: Gateway) -> None:
    port = int(gateway.url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    with pytest.raises((http.client.HTTPException, ConnectionError, OSError)):
        conn.request("GET", "/v1/hello")
        response = conn.getresponse()
        if response.status < 400:  # pragma: no cover - would mean plain HTTP was answered
            raise AssertionError("the gateway answered plain HTTP")
        raise ConnectionError(response.status)
    conn.close()
    # And over TLS it answers, naming the protocol versions it speaks.
    context = ssl.create_default_context(cadata=gateway.ca.pem.decode())
    tls = http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=context)
    tls.request("GET", "/v1/hello")
    assert tls.getresponse().status == 200
    tls.close()
