"""Sync by file (issue 16): a laptop's bundle to the gateway, and the receipt back.

Real vaults and a real gateway store (SQLite and PostgreSQL); no HTTP: a bundle never meets a
network. The online sync these tests mix in calls the store as the gateway's push endpoint
does.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from assessor_app.core.services.records import start_record
from assessor_app.core.storage import outbox
from assessor_app.core.storage.enrolment import load_enrolment
from assessor_app.core.storage.outbox import OutboxState
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import enrolment_request, finish_enrolment, sync_now
from assessor_app.core.sync_client.file_transport import (
    SENT_BY_FILE,
    BundleFileError,
    export_bundle,
    import_receipt,
)
from assessor_app.core.sync_client.inbound import import_file
from assessor_app.core.sync_client.transport import TransportError
from sync.bundle import (
    CONTRIBUTION_KIND,
    BundleError,
    BundleHeader,
    LockedBundleError,
    TamperedBundleError,
    member_decryption_key,
    member_encryption_key,
    member_key_id,
    new_bundle_id,
    open_contribution,
    seal_bundle,
    seal_contribution,
)
from sync.gateway.bundles import BundleKey, import_bundle
from sync.gateway.ca import GatewayCA
from sync.gateway.store import Store
from sync.protocol import (
    CURRENT,
    ContactAnswer,
    PullRequest,
    PushRequest,
    PushResponse,
    ReferenceRequest,
    ReferenceResponse,
    closing_digest,
)
from tests.support import community_person, content_hash, session_for

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=1)
"""After the certificates the tests' CA issues (on the real clock) start to be valid."""


@dataclass
class Authority:
    """A gateway without its web server: the store, its CA and its bundle key."""

    store: Store
    ca: GatewayCA
    key: BundleKey
    assessor: str

    def take(self, data: bytes, now: dt.datetime = NOW) -> Any:
        return import_bundle(self.store, self.key, self.ca.certificate, data, now)


class _CAClock(dt.datetime):
    """The CA's clock held just before `NOW`, so what it issues is valid at `NOW`.

    `NOW` is fixed when this module is imported; a whole run of the suite takes longer than
    the five minutes a certificate is back-dated by, so on the real clock a certificate issued
    late in the run would not yet be valid at `NOW`.
    """

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _CAClock:  # type: ignore[override]
        at = NOW - dt.timedelta(minutes=1)
        return cls.fromtimestamp(at.timestamp(), tz)


@pytest.fixture
def authority(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Authority]:
    """The gateway's side, on each database, with one assessor to enrol laptops for."""
    import types

    from sync.gateway import ca as ca_module

    clock = types.SimpleNamespace(datetime=_CAClock, timedelta=dt.timedelta, UTC=dt.UTC)
    monkeypatch.setattr(ca_module, "dt", clock)
    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(tmp_path / "ca", "Exampleshire County Council")
    key = BundleKey.load_or_create(tmp_path / "ca")
    yield Authority(store, ca, key, store.create_assessor("Robin Testcase", NOW))


def _enrol(vault: Vault, authority: Authority, *, bundle_key: bool = True) -> str:
    """Enrol `vault` as the gateway's enrol endpoint would (the answer it sends); the device id."""
    code = authority.store.issue_code(authority.assessor, NOW, dt.timedelta(minutes=15))
    request = enrolment_request(vault, code)

    def certificate(device_id: str, _assessor: str, name: str) -> bytes:
        csr = str(request["csr"]).encode()
        issued = authority.ca.issue_device(csr, device_id, name)
        return issued.public_bytes(serialization.Encoding.DER)

    device, der = authority.store.enrol(code, NOW, certificate)
    answer: dict[str, object] = {
        "protocol": CURRENT,
        "device_id": device.id,
        "assessor_id": device.assessor_id,
        "certificate": base64.b64encode(der).decode(),
        "ca": authority.ca.pem.decode(),
    }
    if bundle_key:
        answer["bundle_public_key"] = authority.key.public.text
    finish_enrolment(vault, "https://gateway.invalid", answer, now=NOW)
    return device.id


class StoreTransport:
    """The online path in process: a push goes to `Store.push` as the endpoint sends it."""

    def __init__(self, authority: Authority, device_id: str) -> None:
        self.authority, self.device_id = authority, device_id

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if path == "/v1/status":  # the queue's state at the end of the sync, for IT
            return {}
        if path == "/v1/pull":  # then the caseload flows down
            asked = PullRequest.from_json(body)
            page = self.authority.store.pull(
                self.authority.assessor, self.device_id, asked.cursor, asked.limit
            )
            return page.to_json()
        if path == "/v1/contact":  # each sync's first call: no lease, no order
            return ContactAnswer(NOW, None).to_json()
        if path == "/v1/reference":  # the council's reference data, last: none published here
            have = ReferenceRequest.from_json(body).have
            packages, more = self.authority.store.reference_newer(dict(have), 1 << 20)
            return ReferenceResponse(tuple(packages), more).to_json()
        if path.startswith("/v1/dst/"):  # the shared DSTs: none here
            return {"protocol": CURRENT, "answers": [], "dsts": []}
        assert path == "/v1/push"
        items = PushRequest.from_json(body).items
        store = self.authority.store
        acks = store.push(self.device_id, items, NOW, assessor=self.authority.assessor)
        held = store.held([a.hash for a in acks if a.status.acknowledged])
        return PushResponse(tuple(acks), closing_digest(held)).to_json()

    def put_bytes(self, path: str, data: bytes) -> dict[str, Any]:  # noqa: ARG002 - Transport
        raise AssertionError("no PDFs in these tests")


def _work(vault: Vault, visits: int = 2) -> str:
    """An assessor's offline work: a person, a record and some saves."""
    session = session_for(vault, today=dt.date(2026, 12, 3))
    person = session.people.add(community_person())
    record = start_record(session, session.forms.latest("sample"), person.id)
    for i in range(visits):
        session.records.save_field(record.id, "notes", f"Visit {i + 1}.")
        session.records.checkpoint(record.id)
    return record.id


def _gateway_hash(store: Store) -> str:
    """A digest of every row of every table of the gateway's database."""
    digest = hashlib.sha256()
    with store.transaction() as tx:
        if store.url.startswith("postgres"):
            sql = (
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() ORDER BY table_name"
            )
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        for (table,) in tx.execute(sql).fetchall():
            rows = sorted(repr(tuple(r)) for r in tx.execute(f"SELECT * FROM {table}").fetchall())
            digest.update(f"{table}:{rows}".encode())
    return digest.hexdigest()


def _vault_hash(vault: Vault) -> str:
    """A digest of the laptop's queue and enrolment."""
    rows = [
        *vault.conn.execute("SELECT * FROM outbox ORDER BY revision_hash").fetchall(),
        *vault.conn.execute("SELECT * FROM sync_enrolment").fetchall(),
    ]
    return hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()


def _dump(obj: Any) -> bytes:
    """JSON as the bundle writers spell it (a forger would too)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def _states(vault: Vault) -> set[OutboxState]:
    return {i.state for i in outbox.items(vault.conn)}


def test_export_import_and_receipt_leave_every_revision_acknowledged_once(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    _work(vault)
    _enrol(vault, authority)
    stick = tmp_path / "stick" / "laptop.bundle"
    stick.parent.mkdir()

    report = export_bundle(vault, stick, NOW, random.Random(1))
    assert (report.revisions, report.sequence) == (4, 1)
    rows = outbox.items(vault.conn)
    assert len(rows) == 4 and {r.reason for r in rows} == {SENT_BY_FILE}
    assert _states(vault) == {OutboxState.RETRYING}
    assert list(stick.parent.iterdir()) == [stick]  # no half-written file left beside it
    assert b"Quillfeather" not in stick.read_bytes()  # the payload is encrypted

    taken = authority.take(stick.read_bytes())
    assert (taken.stored, taken.duplicate, taken.refused, taken.again) == (4, 0, 0, False)
    assert authority.store.count() == 4

    got = import_receipt(vault, taken.receipt, NOW)
    assert (got.acknowledged, got.waiting, got.held) == (4, 0, 0)
    assert _states(vault) == {OutboxState.ACKNOWLEDGED}


def test_the_same_bundle_twice_or_an_older_one_after_a_newer_changes_nothing(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    _work(vault)
    _enrol(vault, authority)
    first = tmp_path / "first.bundle"
    export_bundle(vault, first, NOW)
    _work(vault, visits=1)
    second = tmp_path / "second.bundle"
    assert export_bundle(vault, second, NOW).sequence == 2

    authority.take(second.read_bytes())
    before = _gateway_hash(authority.store)
    again = authority.take(second.read_bytes())
    assert again.again and "imported before" in again.summary
    assert _gateway_hash(authority.store) == before
    with pytest.raises(BundleError, match=r"older than one already imported"):
        authority.take(first.read_bytes())
    assert _gateway_hash(authority.store) == before
    # The second held everything the first did: both records and people, once each.
    assert authority.store.count() == 7


def test_an_older_bundle_racing_a_newer_one_is_refused_and_stores_nothing(
    authority: Authority, vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two gateway processes import bundles 1 and 2 at once; 2 is noted first."""
    _work(vault)
    device = _enrol(vault, authority)
    first = tmp_path / "first.bundle"
    export_bundle(vault, first, NOW)
    _work(vault, visits=1)
    second = tmp_path / "second.bundle"
    export_bundle(vault, second, NOW)
    authority.take(second.read_bytes())
    before = _gateway_hash(authority.store)
    count = authority.store.count()
    # The other process read "nothing imported yet" just before bundle 2 was noted.
    real = type(authority.store).last_bundle
    reads: list[str] = []

    def stale(store: Store, device_id: str) -> tuple[int, str] | None:
        reads.append(device_id)
        return None if len(reads) == 1 else real(store, device_id)

    monkeypatch.setattr(type(authority.store), "last_bundle", stale)
    with pytest.raises(BundleError, match=r"\(number 1\) is older .* \(number 2\)"):
        authority.take(first.read_bytes())
    monkeypatch.undo()
    assert _gateway_hash(authority.store) == before and authority.store.count() == count
    assert authority.store.last_bundle(device) == (2, authority.store.last_bundle(device)[1])


def test_an_online_sync_and_a_bundle_of_the_same_revisions_store_each_once(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    _work(vault)
    device = _enrol(vault, authority)
    bundle = tmp_path / "laptop.bundle"
    export_bundle(vault, bundle, NOW)
    # The laptop meets a network after all, before the stick reaches the gateway.
    later = NOW + dt.timedelta(days=1)
    report = sync_now(vault, StoreTransport(authority, device), now=lambda: later)
    assert report.sent == 4 and authority.store.count() == 4

    taken = authority.take(bundle.read_bytes())
    assert (taken.stored, taken.duplicate) == (0, 4)
    assert authority.store.count() == 4
    assert import_receipt(vault, taken.receipt, later).acknowledged == 0
    assert _states(vault) == {OutboxState.ACKNOWLEDGED}


class _NetworkDownTransport(StoreTransport):
    """The online path with the network gone from `fails_from` on (a push, or a PDF upload)."""

    def __init__(self, authority: Authority, device_id: str, fails_from: str) -> None:
        super().__init__(authority, device_id)
        self.fails_from = fails_from

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if path.startswith(self.fails_from):
            raise TransportError("No connection to the council's server.", temporary=True)
        return super().post(path, body)


def test_a_failed_online_sync_leaves_sent_by_file_and_a_later_one_acknowledges_once(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    _work(vault)
    device = _enrol(vault, authority)
    bundle = tmp_path / "laptop.bundle"
    export_bundle(vault, bundle, NOW)
    later = NOW + dt.timedelta(days=1)

    down = sync_now(vault, _NetworkDownTransport(authority, device, "/v1/"), now=lambda: later)
    assert "No connection" in down.problem and authority.store.count() == 0
    rows = outbox.items(vault.conn)
    assert len(rows) == 4 and {(r.state, r.reason) for r in rows} == {
        (OutboxState.RETRYING, SENT_BY_FILE)
    }

    after = later + dt.timedelta(hours=1)
    report = sync_now(vault, StoreTransport(authority, device), now=lambda: after)
    assert report.sent == 4 and authority.store.count() == 4
    assert _states(vault) == {OutboxState.ACKNOWLEDGED}
    taken = authority.take(bundle.read_bytes())
    assert (taken.stored, taken.duplicate) == (0, 4)
    assert import_receipt(vault, taken.receipt, after).acknowledged == 0


def test_a_signed_pdf_sent_by_file_keeps_its_state_when_its_online_upload_fails(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    from assessor_app.core.storage import document_outbox
    from tests.sync.pdfs import keep_signed_pdf

    record = _work(vault)
    kept = keep_signed_pdf(vault, record)
    device = _enrol(vault, authority)
    bundle = tmp_path / "laptop.bundle"
    assert export_bundle(vault, bundle, NOW).documents == 1
    later = NOW + dt.timedelta(days=1)

    transport = _NetworkDownTransport(authority, device, "/v1/documents")
    report = sync_now(vault, transport, now=lambda: later)
    assert report.sent == 4 and "No connection" in report.problem  # the revisions went online
    reason = vault.conn.execute(
        "SELECT reason FROM document_outbox WHERE document_id = ?", (kept.id,)
    ).fetchone()[0]
    assert reason == SENT_BY_FILE
    assert document_outbox.state_of(vault.conn, kept.id) is OutboxState.RETRYING

    got = import_receipt(vault, authority.take(bundle.read_bytes()).receipt, later)
    assert (got.acknowledged, got.documents) == (0, 1)
    assert document_outbox.state_of(vault.conn, kept.id) is OutboxState.ACKNOWLEDGED


def _refused_with_nothing_changed(authority: Authority, data: bytes, match: str) -> None:
    before = _gateway_hash(authority.store)
    with pytest.raises(BundleError, match=match):
        authority.take(data)
    assert _gateway_hash(authority.store) == before


def test_tampered_truncated_and_expired_bundles_are_refused_in_words(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    _work(vault)
    _enrol(vault, authority)
    path = tmp_path / "laptop.bundle"
    export_bundle(vault, path, NOW)
    data = path.read_bytes()

    _refused_with_nothing_changed(authority, data[: len(data) // 2], "not a complete")
    raw = json.loads(data)
    raw["header"]["sequence"] = 99
    _refused_with_nothing_changed(authority, _dump(raw), "has been changed")
    raw = json.loads(data)
    sealed = bytearray(base64.b64decode(raw["sealed"]["data"]))
    sealed[5] ^= 1
    raw["sealed"]["data"] = base64.b64encode(bytes(sealed)).decode()
    _refused_with_nothing_changed(authority, _dump(raw), "has been changed")
    late = NOW + dt.timedelta(days=31)
    before = _gateway_hash(authority.store)
    with pytest.raises(BundleError, match="expired"):
        authority.take(data, now=late)
    assert _gateway_hash(authority.store) == before


def test_a_bundle_for_another_authority_or_from_an_unknown_device_is_refused(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    _work(vault)
    _enrol(vault, authority)
    path = tmp_path / "laptop.bundle"
    export_bundle(vault, path, NOW)
    data = path.read_bytes()
    other = BundleKey.load_or_create(tmp_path / "other")
    with pytest.raises(BundleError, match="another council"):
        import_bundle(authority.store, other, authority.ca.certificate, data, NOW)

    # Signed by a key the gateway's CA never certified, naming the enrolled device.
    enrolled = load_enrolment(vault)
    assert enrolled is not None
    stranger = ec.generate_private_key(ec.SECP256R1())
    header = BundleHeader(
        "outbound",
        authority.key.public.id,
        enrolled.device_id,
        new_bundle_id(),
        5,
        NOW,
        NOW + dt.timedelta(days=1),
    )
    forged = seal_bundle(
        header, {"pushes": []}, authority.key.public, stranger, enrolled.certificate_der
    )
    _refused_with_nothing_changed(authority, forged, "has been changed")
    foreign_ca = GatewayCA.load_or_create(tmp_path / "foreign", "Elsewhere Council")
    before = _gateway_hash(authority.store)
    with pytest.raises(BundleError, match="did not enrol"):
        import_bundle(authority.store, authority.key, foreign_ca.certificate, data, NOW)
    assert _gateway_hash(authority.store) == before


def test_a_revoked_laptops_bundle_is_not_taken_and_its_receipt_deletes_the_vault(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    """Issue 15: told by file, as it would be online at its next contact."""
    _work(vault)
    device = _enrol(vault, authority)
    path = tmp_path / "laptop.bundle"
    export_bundle(vault, path, NOW)
    authority.store.revoke(device, NOW)
    taken = authority.take(path.read_bytes())
    assert taken.withdrawn and "nothing in its bundle was taken" in taken.summary
    assert authority.store.count() == 0 and authority.store.last_bundle(device) is None
    told = authority.store.device(device)
    assert told is not None and told.order_told_at is not None

    folder = vault.folder
    report = import_receipt(vault, taken.receipt, NOW)
    assert report.withdrawn is not None and report.withdrawn.left_unsent == 4
    assert not vault.is_open and not folder.exists()


def test_a_tampered_or_foreign_receipt_is_refused_and_the_queue_is_unchanged(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    _work(vault)
    _enrol(vault, authority)
    path = tmp_path / "laptop.bundle"
    export_bundle(vault, path, NOW)
    receipt = authority.take(path.read_bytes()).receipt
    before = _vault_hash(vault)

    raw = json.loads(receipt)
    raw["payload"]["acks"][0]["status"] = "refused"
    with pytest.raises(BundleFileError, match="has been changed"):
        import_receipt(vault, _dump(raw), NOW)
    raw = json.loads(receipt)
    raw["header"]["device_id"] = "someone-else"
    with pytest.raises(BundleFileError, match="another laptop"):
        import_receipt(vault, _dump(raw), NOW)
    with pytest.raises(BundleFileError, match="not a complete receipt"):
        import_receipt(vault, receipt[:-10], NOW)
    with pytest.raises(BundleFileError, match="not a receipt"):
        import_receipt(vault, path.read_bytes(), NOW)
    assert _vault_hash(vault) == before


def test_a_laptop_enrolled_before_bundle_keys_is_told_to_enrol_again(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    _work(vault)
    _enrol(vault, authority, bundle_key=False)
    with pytest.raises(BundleFileError, match="Enrol again to send by file"):
        export_bundle(vault, tmp_path / "laptop.bundle", NOW)
    assert not (tmp_path / "laptop.bundle").exists()
    assert {i.state for i in outbox.items(vault.conn)} == {OutboxState.QUEUED}


def test_nothing_waiting_writes_no_bundle(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    _enrol(vault, authority)
    assert export_bundle(vault, tmp_path / "laptop.bundle", NOW).revisions == 0
    assert not (tmp_path / "laptop.bundle").exists()


def _mutations(
    data: bytes, spare: bytes, rng: random.Random, count: int = 2_000
) -> Iterator[bytes]:
    """Damaged and forged variants of `data`: flips, cuts, splices, swaps, nesting, bulk.

    Cheap on purpose (byte edits of a file already made, no new signing), so thousands run in
    seconds: every bundle kind is fuzzed through the one parser with these, which together
    come to over 10,000 cases (outbound, receipt, inbound, enrolment, dst-contribution).
    """
    raw, other = json.loads(data), json.loads(spare)
    for key in raw:
        if raw[key] != other.get(key):  # the same laptop's certificate is in both
            yield _dump({**raw, key: other[key]})  # a section from another bundle
    yield _dump({**raw, "signature": raw["signature"][::-1]})
    yield b'{"header":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    yield _dump({**raw, "signature": "A" * 4_000_000})
    yield _dump({**raw, "header": {**raw["header"], "device_id": "d" * 10_000}})
    yield b"\xff\xfe" + data
    yield b""
    for _ in range(count):
        mutated = bytearray(data)
        kind = rng.randrange(4)
        if kind == 0:
            for _ in range(rng.randint(1, 3)):
                mutated[rng.randrange(len(mutated))] ^= 1 << rng.randrange(8)
        elif kind == 1:
            del mutated[rng.randrange(len(mutated)) :]
        elif kind == 2:
            at = rng.randrange(len(mutated))
            mutated[at:at] = rng.randbytes(rng.randint(1, 8))
        else:
            at = rng.randrange(len(mutated))
            mutated[at : at + rng.randint(1, 40)] = spare[at : at + rng.randint(1, 40)]
        if bytes(mutated) != data:
            yield bytes(mutated)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_thousands_of_mutated_bundles_and_receipts_are_refused_cleanly(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    _work(vault)
    _enrol(vault, authority)
    first, second = tmp_path / "first.bundle", tmp_path / "second.bundle"
    export_bundle(vault, first, NOW)
    export_bundle(vault, second, NOW)
    data, spare = first.read_bytes(), second.read_bytes()
    rng = random.Random(16)
    gateway_before = _gateway_hash(authority.store)
    tried = 0
    for mutated in _mutations(data, spare, rng):
        with pytest.raises(BundleError) as refused:
            authority.take(mutated)
        assert "Nothing was changed" in str(refused.value)
        tried += 1
        if tried % 100 == 0:  # the gateway's whole database: every hundredth, and at the end
            assert _gateway_hash(authority.store) == gateway_before
    assert tried > 2_000
    assert _gateway_hash(authority.store) == gateway_before

    receipt = authority.take(data).receipt
    spare_receipt = authority.take(spare).receipt
    vault_before = content_hash(vault)
    tried = 0
    for mutated in _mutations(receipt, spare_receipt, rng):
        if mutated == spare_receipt:
            continue
        with pytest.raises(BundleFileError) as refused_receipt:
            import_receipt(vault, mutated, NOW)
        assert refused_receipt.value.user_message and refused_receipt.value.next_step
        assert content_hash(vault) == vault_before
        tried += 1
    assert tried > 2_000


def test_a_stick_pulled_mid_write_leaves_no_bundle_and_the_queue_unchanged(
    authority: Authority, vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _work(vault)
    _enrol(vault, authority)
    stick = tmp_path / "stick"
    stick.mkdir()
    before = [(i.revision_hash, i.state, i.reason) for i in outbox.items(vault.conn)]

    def pulled(_fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("sync.bundle.os.fsync", pulled)
    with pytest.raises(BundleFileError, match="could not be written"):
        export_bundle(vault, stick / "laptop.bundle", NOW)
    assert list(stick.iterdir()) == []
    assert [(i.revision_hash, i.state, i.reason) for i in outbox.items(vault.conn)] == before


def test_a_receipt_used_twice_changes_nothing_the_second_time(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    _work(vault)
    _enrol(vault, authority)
    path = tmp_path / "laptop.bundle"
    export_bundle(vault, path, NOW)
    receipt = authority.take(path.read_bytes()).receipt
    assert import_receipt(vault, receipt, NOW).acknowledged == 4
    before = _vault_hash(vault)
    assert import_receipt(vault, receipt, NOW + dt.timedelta(hours=1)).acknowledged == 0
    assert _vault_hash(vault) == before


def test_an_enrolment_answer_with_an_unreadable_bundle_key_enrols_nothing(
    authority: Authority, vault: Vault
) -> None:

    code = authority.store.issue_code(authority.assessor, NOW, dt.timedelta(minutes=15))
    request = enrolment_request(vault, code)

    def certificate(device_id: str, _assessor: str, name: str) -> bytes:
        issued = authority.ca.issue_device(str(request["csr"]).encode(), device_id, name)
        return issued.public_bytes(serialization.Encoding.DER)

    device, der = authority.store.enrol(code, NOW, certificate)
    answer: dict[str, object] = {
        "device_id": device.id,
        "assessor_id": device.assessor_id,
        "certificate": base64.b64encode(der).decode(),
        "ca": authority.ca.pem.decode(),
        "bundle_public_key": "assessor-bundle-key/1:nonsense:more",
    }
    with pytest.raises(TransportError, match="sending by file could not be read"):
        finish_enrolment(vault, "https://gateway.invalid", answer, now=NOW)
    assert load_enrolment(vault) is None


def test_a_bundle_signed_with_an_expired_laptop_certificate_is_refused(
    authority: Authority, vault: Vault
) -> None:
    from cryptography import x509

    _work(vault)
    _enrol(vault, authority)
    enrolled = load_enrolment(vault)
    assert enrolled is not None
    key = serialization.load_der_private_key(enrolled.key_der, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    ends = x509.load_der_x509_certificate(enrolled.certificate_der).not_valid_after_utc
    late = ends + dt.timedelta(days=1)
    header = BundleHeader(
        "outbound",
        authority.key.public.id,
        enrolled.device_id,
        new_bundle_id(),
        1,
        late,
        late + dt.timedelta(days=1),
    )
    data = seal_bundle(header, {"pushes": []}, authority.key.public, key, enrolled.certificate_der)
    before = _gateway_hash(authority.store)
    with pytest.raises(BundleError, match="certificate that has expired"):
        authority.take(data, now=late)
    assert _gateway_hash(authority.store) == before


def test_signed_pdfs_travel_with_their_revisions_and_are_acknowledged_by_the_receipt(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    from assessor_app.core.storage import document_outbox
    from tests.sync.pdfs import keep_signed_pdf

    record = _work(vault)
    kept = keep_signed_pdf(vault, record, padding=300_000)  # more than one 256 KiB chunk
    _enrol(vault, authority)
    path = tmp_path / "laptop.bundle"
    report = export_bundle(vault, path, NOW)
    assert (report.revisions, report.documents) == (4, 1)
    assert document_outbox.state_of(vault.conn, kept.id) is OutboxState.RETRYING

    taken = authority.take(path.read_bytes())
    assert taken.documents == 1
    held = authority.store.document(kept.id)
    assert held is not None and hashlib.sha256(held[1]).hexdigest() == kept.sha256
    before = _gateway_hash(authority.store)
    assert authority.take(path.read_bytes()).again
    assert _gateway_hash(authority.store) == before

    got = import_receipt(vault, taken.receipt, NOW)
    assert (got.acknowledged, got.documents) == (4, 1)
    assert document_outbox.state_of(vault.conn, kept.id) is OutboxState.ACKNOWLEDGED


def test_a_bundle_whose_pdf_does_not_match_its_checksum_is_refused_whole(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    """Forged by someone holding the laptop's key: the gateway still checks the PDF's bytes."""
    from tests.sync.pdfs import keep_signed_pdf

    record = _work(vault)
    keep_signed_pdf(vault, record)
    _enrol(vault, authority)
    enrolled = load_enrolment(vault)
    assert enrolled is not None
    export_bundle(vault, tmp_path / "laptop.bundle", NOW)
    opened = __import__("sync.bundle", fromlist=["open_bundle"]).open_bundle(
        (tmp_path / "laptop.bundle").read_bytes(), authority.key.decrypt, authority.key.public
    )
    payload = opened.payload
    payload["documents"][0]["data"] = base64.b64encode(b"%PDF-1.7 not the one signed").decode()
    key = serialization.load_der_private_key(enrolled.key_der, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    header = BundleHeader(
        "outbound",
        opened.header.authority,
        enrolled.device_id,
        new_bundle_id(),
        9,
        NOW,
        NOW + dt.timedelta(days=1),
    )
    forged = seal_bundle(header, payload, authority.key.public, key, enrolled.certificate_der)
    _refused_with_nothing_changed(authority, forged, "does not match its checksum")


def test_a_receipt_is_a_contact_for_the_lease_and_an_old_one_used_again_is_not(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    """Laptops that never go online sync by file: a receipt starts their lease again."""
    from assessor_app.core.sync_client.lease import check_lease, start_lease

    _work(vault)
    _enrol(vault, authority)
    start_lease(vault, b"k" * 32, 14, NOW - dt.timedelta(days=30))  # last contact long ago
    assert check_lease(vault, NOW).locked
    path = tmp_path / "laptop.bundle"
    export_bundle(vault, path, NOW)
    receipt = authority.take(path.read_bytes()).receipt
    import_receipt(vault, receipt, NOW)
    assert not check_lease(vault, NOW).locked
    later = NOW + dt.timedelta(days=30)
    assert check_lease(vault, later).locked
    import_receipt(vault, receipt, later)  # the same receipt again, weeks on
    assert check_lease(vault, later).locked
    assert check_lease(vault, NOW + dt.timedelta(days=1)).locked  # nor with the clock set back


# -- DST contribution files: the same envelope between members (decision 0013) ----------------


def _contribution_file(signer: Ed25519PrivateKey, recipients: list[Ed25519PrivateKey]) -> bytes:
    header = BundleHeader(
        CONTRIBUTION_KIND, member_key_id(signer.public_key()), "dst-1", new_bundle_id(), 1,
        NOW, NOW + dt.timedelta(days=90),
    )  # fmt: skip
    keys = [member_encryption_key(r.public_key()) for r in recipients]
    return seal_contribution(header, {"record_id": "dst-1", "signed": {}}, signer, keys, None)


def test_a_members_signing_key_seals_and_opens_as_the_libraries_convert_it() -> None:
    for _ in range(50):
        key = Ed25519PrivateKey.generate()
        by_private = member_decryption_key(key).public_key().public_bytes_raw()
        assert member_encryption_key(key.public_key()).public_bytes_raw() == by_private
    author, robin, kim = (Ed25519PrivateKey.generate() for _ in range(3))
    data = _contribution_file(author, [robin, kim])
    for member in (robin, kim):
        opened = open_contribution(data, member_decryption_key(member), None)
        assert opened.payload["record_id"] == "dst-1"
        assert opened.signer_key == author.public_key().public_bytes_raw()
    with pytest.raises(LockedBundleError) as locked:
        open_contribution(data, member_decryption_key(author), None)  # not sealed to itself
    assert not locked.value.has_passphrase


def test_a_contribution_is_sealed_to_someone_and_names_its_signer() -> None:
    author = Ed25519PrivateKey.generate()
    with pytest.raises(ValueError, match="sealed to someone"):
        _contribution_file(author, [])
    data = json.loads(_contribution_file(author, [Ed25519PrivateKey.generate()]))
    other = Ed25519PrivateKey.generate()
    # Signed again by another key, the header still naming the author: refused as changed.
    body = {**data, "signer": base64.b64encode(other.public_key().public_bytes_raw()).decode()}
    del body["signature"]
    forged = _dump({**body, "signature": base64.b64encode(other.sign(_dump(body))).decode()})
    with pytest.raises(TamperedBundleError):
        open_contribution(forged, None, None)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_contribution_file_is_refused_by_the_gateway_and_the_laptops_import(
    authority: Authority, vault: Vault
) -> None:
    _enrol(vault, authority)
    data = _contribution_file(Ed25519PrivateKey.generate(), [Ed25519PrivateKey.generate()])
    with pytest.raises(BundleError, match="DST contribution"):
        authority.take(data)
    before = content_hash(vault)
    with pytest.raises(BundleFileError, match="Import a contribution") as err:
        import_file(vault, data, NOW)
    assert "Nothing was changed" in err.value.user_message and content_hash(vault) == before
