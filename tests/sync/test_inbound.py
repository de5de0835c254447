"""The way down by file (issue 16, decision 0011): enrolment by file and inbound bundles.

Real vaults and a real gateway store (SQLite and PostgreSQL); no HTTP: a laptop that never
joins a network. The other laptop in these tests (another assessor's, whose person IT then
allocates) is enrolled with the gateway's own enrolment code and sends by `Store.push`, as
the online endpoints do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from assessor_app.core.records import Role
from assessor_app.core.storage import outbox
from assessor_app.core.storage.enrolment import load_enrolment
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.lease import load_lease
from assessor_app.core.storage.outbox import OutboxState
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import enrolment_request, finish_enrolment
from assessor_app.core.sync_client.file_transport import (
    BundleFileError,
    ReceiptReport,
    export_bundle,
)
from assessor_app.core.sync_client.inbound import (
    InboundReport,
    StaleBundleError,
    finish_enrolment_by_file,
    import_file,
    import_inbound,
    inbound_text,
    write_enrolment_request,
)
from assessor_app.core.sync_client.pull import stored_cursor
from sync.bundle import BundleHeader, new_bundle_id, seal_to_device
from sync.gateway.bundles import inbound_for_device
from sync.gateway.enrolment import EnrolmentTerms, answer_enrolment, enrol_by_file
from sync.protocol import PushRequest, ca_fingerprint
from tests.support import community_person, content_hash
from tests.sync import test_bundles, test_pull
from tests.sync.test_bundles import NOW, Authority, _dump, _mutations, _work

authority = test_bundles.authority
"""The gateway's side, on each database (the fixture the outbound tests use)."""

LATER = NOW + dt.timedelta(hours=1)


def _laptop(folder: Path, name: str = "Robin Testcase") -> Vault:
    return Vault.create(
        folder,
        name=name,
        role=Role.SOCIAL_WORKER,
        authority="Exampleshire County Council",
        passphrase="amber lantern orchard",
        kdf=FAST_KDF_FOR_TESTS,
    )


def _terms(authority: Authority) -> EnrolmentTerms:
    return EnrolmentTerms(authority.ca.pem.decode("ascii"), 30)


def _enrol_by_file(vault: Vault, authority: Authority, tmp_path: Path) -> str:
    """The laptop writes its request, IT's gateway answers, the laptop finishes; the device id."""
    code = authority.store.issue_code(authority.assessor, NOW, dt.timedelta(minutes=15))
    request = tmp_path / "enrol.request"
    write_enrolment_request(vault, code, request)
    _device, answer = enrol_by_file(
        authority.store, authority.ca, authority.key, request.read_bytes(), NOW, _terms(authority)
    )
    enrolled = finish_enrolment_by_file(vault, answer, ca_fingerprint(authority.ca.pem), NOW)
    return enrolled.device_id


def _vault_hash(vault: Vault) -> str:
    """A digest of every row of every table of the vault."""
    digest = hashlib.sha256()
    tables = vault.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    ).fetchall()
    for (table,) in tables:
        rows = sorted(repr(tuple(r)) for r in vault.conn.execute(f"SELECT * FROM {table}"))
        digest.update(f"{table}:{rows}".encode())
    return digest.hexdigest()


def _names(vault: Vault) -> list[str]:
    return sorted(p.details.family_name for p in PeopleRepository(vault).search(""))


@pytest.fixture
def elsewhere(authority: Authority, tmp_path: Path) -> Iterator[tuple[Vault, str]]:
    """Another assessor's laptop, enrolled online (the gateway's own enrolment code path)."""
    other = authority.store.create_assessor("Sam Othercase", NOW)
    vault = _laptop(tmp_path / "other-laptop", "Sam Othercase")
    code = authority.store.issue_code(other, NOW, dt.timedelta(minutes=15))
    device, answer = answer_enrolment(
        authority.store, authority.ca, enrolment_request(vault, code), NOW, _terms(authority)
    )
    finish_enrolment(vault, "https://gateway.invalid", answer, now=NOW)
    yield vault, device.id
    if vault.is_open:
        vault.close()


def _allocate_from_elsewhere(
    authority: Authority, elsewhere: tuple[Vault, str], family: str
) -> str:
    """A person made on the other laptop and sent online, then allocated by IT to ours."""
    vault, device_id = elsewhere
    from tests.support import session_for

    session = session_for(vault, today=dt.date(2026, 12, 3))
    person = session.people.add(community_person(family_name=family))
    items = PushRequest.from_json(dict(_batch_of(vault).body)).items
    other = authority.store.device(device_id)
    assert other is not None
    authority.store.push(device_id, items, NOW, assessor=other.assessor_id)
    with vault.transaction() as conn:  # acknowledged, as the push's answer would leave it
        conn.execute("UPDATE outbox SET state = 'acknowledged'")
    authority.store.allocate(person.id, authority.assessor, NOW)
    return person.id


def _batch_of(vault: Vault):  # type: ignore[no-untyped-def]
    from assessor_app.core.sync_client.client import next_batch

    batch = next_batch(vault, NOW + dt.timedelta(days=1))
    assert batch is not None
    return batch


def _inbound(authority: Authority, device_id: str, **kwargs: object) -> bytes:
    return inbound_for_device(authority.store, authority.key, device_id, NOW, **kwargs).data  # type: ignore[arg-type]


def test_a_laptop_never_online_is_enrolled_by_file_and_its_work_goes_both_ways(
    authority: Authority, vault: Vault, tmp_path: Path, elsewhere: tuple[Vault, str]
) -> None:
    device_id = _enrol_by_file(vault, authority, tmp_path)
    enrolled = load_enrolment(vault)
    assert enrolled is not None and enrolled.device_id == device_id
    assert enrolled.bundle_public_key == authority.key.public.text
    lease = load_lease(vault.conn)
    assert lease is not None and lease.lease_key == authority.store.lease_key(device_id)

    _work(vault)
    export_bundle(vault, tmp_path / "laptop.bundle", NOW)
    taken = authority.take((tmp_path / "laptop.bundle").read_bytes())
    assert taken.stored > 0
    receipt = import_file(vault, taken.receipt, NOW)
    assert isinstance(receipt, ReceiptReport) and receipt.acknowledged == taken.stored
    assert {i.state for i in outbox.items(vault.conn)} == {OutboxState.ACKNOWLEDGED}

    person = _allocate_from_elsewhere(authority, elsewhere, "Quillfeather")
    report = import_file(vault, _inbound(authority, device_id, lease_days=45), LATER)
    assert isinstance(report, InboundReport)
    assert report.pulled.people == 1 and report.lease_days == 45
    assert "Quillfeather" in _names(vault) and person
    assert "1 new person(s)" in inbound_text(report)
    lease = load_lease(vault.conn)
    assert lease is not None and lease.lease_days == 45 and lease.last_contact_at == NOW


def test_repeated_and_reordered_inbound_bundles_change_nothing(
    authority: Authority, vault: Vault, tmp_path: Path, elsewhere: tuple[Vault, str]
) -> None:
    device_id = _enrol_by_file(vault, authority, tmp_path)
    _allocate_from_elsewhere(authority, elsewhere, "Quillfeather")
    first = _inbound(authority, device_id)
    _allocate_from_elsewhere(authority, elsewhere, "Brindlewood")
    second = _inbound(authority, device_id)

    before = _vault_hash(vault)
    with pytest.raises(BundleFileError, match="follows one this laptop never took"):
        import_inbound(vault, second, NOW)  # out of order: it would leave a gap
    assert _vault_hash(vault) == before

    import_inbound(vault, first, NOW)
    assert _names(vault) == ["Quillfeather"]
    import_inbound(vault, second, NOW)
    assert _names(vault) == ["Brindlewood", "Quillfeather"]
    after = _vault_hash(vault)
    for again in (first, second):
        with pytest.raises(StaleBundleError, match="nothing was changed"):
            import_inbound(vault, again, LATER)
        assert _vault_hash(vault) == after


def test_a_lost_bundle_is_made_good_by_one_written_from_the_start(
    authority: Authority, vault: Vault, tmp_path: Path, elsewhere: tuple[Vault, str]
) -> None:
    device_id = _enrol_by_file(vault, authority, tmp_path)
    _allocate_from_elsewhere(authority, elsewhere, "Quillfeather")
    _inbound(authority, device_id)  # lost on the way
    _allocate_from_elsewhere(authority, elsewhere, "Brindlewood")
    import_inbound(vault, _inbound(authority, device_id, from_start=True), NOW)
    assert _names(vault) == ["Brindlewood", "Quillfeather"]
    assert stored_cursor(vault.conn) == authority.store.last_inbound(device_id)[1]


def test_a_lost_bundle_is_made_good_by_the_next_once_the_laptop_has_sent_a_bundle(
    authority: Authority, vault: Vault, tmp_path: Path, elsewhere: tuple[Vault, str]
) -> None:
    """The laptop's own bundle says what it took, so IT need not know one was lost."""
    device_id = _enrol_by_file(vault, authority, tmp_path)
    _allocate_from_elsewhere(authority, elsewhere, "Quillfeather")
    import_inbound(vault, _inbound(authority, device_id), NOW)  # number 1, taken
    _allocate_from_elsewhere(authority, elsewhere, "Brindlewood")
    _inbound(authority, device_id)  # number 2, lost on the way
    _work(vault)
    export_bundle(vault, tmp_path / "laptop.bundle", NOW)  # says: took 1, at its cursor
    authority.take((tmp_path / "laptop.bundle").read_bytes())
    _allocate_from_elsewhere(authority, elsewhere, "Ashcombe")
    import_inbound(vault, _inbound(authority, device_id), NOW)  # number 3 covers 2 as well
    assert _names(vault) == ["Ashcombe", "Brindlewood", "Quillfeather", "Quillfeather"]


def test_a_revoke_order_by_inbound_file_deletes_the_vault(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    device_id = _enrol_by_file(vault, authority, tmp_path)
    _work(vault)
    folder = vault.folder
    authority.store.revoke(device_id, NOW)
    report = import_inbound(vault, _inbound(authority, device_id), NOW)
    assert report.withdrawn is not None and report.withdrawn.left_unsent > 0
    assert not vault.is_open and not folder.exists()
    told = authority.store.device(device_id)
    assert told is not None and told.order_told_at is not None


def _sealed_for(  # type: ignore[no-untyped-def]
    authority: Authority,
    device_id: str,
    payload: dict[str, object],
    signer: Ed25519PrivateKey | None = None,
    **at: object,
):
    """An inbound bundle as the gateway would write it, with `payload` and header fields."""
    from sync.gateway.enrolment import inbound_public_key

    key = inbound_public_key(authority.store.inbound_key(device_id))
    fields: dict[str, object] = {
        "kind": "inbound",
        "authority": authority.key.public.id,
        "device_id": device_id,
        "bundle_id": new_bundle_id(),
        "sequence": 50,
        "created": NOW,
        "expires": NOW + dt.timedelta(days=30),
        **at,
    }
    signer = signer or authority.key.sign
    return seal_to_device(BundleHeader(**fields), payload, key, signer)  # type: ignore[arg-type]


def test_tampered_wrong_device_and_expired_inbound_bundles_are_refused_unchanged(
    authority: Authority, vault: Vault, tmp_path: Path, elsewhere: tuple[Vault, str]
) -> None:
    device_id = _enrol_by_file(vault, authority, tmp_path)
    _allocate_from_elsewhere(authority, elsewhere, "Quillfeather")
    good = _inbound(authority, device_id)
    other_device = elsewhere[1]
    authority.store.note_inbound(other_device, 0, NOW)  # (its key is known: enrolled online)
    raw = json.loads(good)
    tampered = _dump({**raw, "header": {**raw["header"], "sequence": 99}})
    payload = json.loads(json.dumps({"protocol": "x"}))
    good_payload = json.dumps({"protocol": "1", "contact": {}, "pages": [], "from_cursor": 0})
    cases = {
        tampered: "changed since",
        good[: len(good) // 2]: "not a complete",
        _inbound(authority, other_device): "another laptop",
        _sealed_for(authority, device_id, payload, expires=NOW): "expired",
        _sealed_for(authority, device_id, payload): "cannot read",
        # Sealed to this laptop and naming this council, but signed by another key.
        _sealed_for(
            authority, device_id, json.loads(good_payload), Ed25519PrivateKey.generate()
        ): "changed since",
    }
    before = _vault_hash(vault)
    for data, words in cases.items():
        with pytest.raises(BundleFileError, match=words):
            import_file(vault, data, NOW + dt.timedelta(seconds=1))
        assert _vault_hash(vault) == before
    assert _names(vault) == []


def test_enrolment_answers_that_are_tampered_for_another_laptop_expired_or_from_elsewhere_are_refused(  # noqa: E501
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    fingerprint = ca_fingerprint(authority.ca.pem)
    code = authority.store.issue_code(authority.assessor, NOW, dt.timedelta(minutes=15))
    write_enrolment_request(vault, code, tmp_path / "mine.request")
    _, answer = enrol_by_file(
        authority.store,
        authority.ca,
        authority.key,
        (tmp_path / "mine.request").read_bytes(),
        NOW,
        _terms(authority),
    )
    stranger = _laptop(tmp_path / "stranger")
    code = authority.store.issue_code(authority.assessor, NOW, dt.timedelta(minutes=15))
    write_enrolment_request(stranger, code, tmp_path / "theirs.request")
    _, theirs = enrol_by_file(
        authority.store,
        authority.ca,
        authority.key,
        (tmp_path / "theirs.request").read_bytes(),
        NOW,
        _terms(authority),
    )
    stranger.close()
    raw = json.loads(answer)
    cases = [
        (_dump({**raw, "signature": raw["signature"][::-1]}), fingerprint, NOW, "changed"),
        (answer[:-10], fingerprint, NOW, "not a complete"),
        (theirs, fingerprint, NOW, "changed since|another laptop"),
        (answer, fingerprint, NOW + dt.timedelta(days=15), "expired"),
        (answer, "ABCD " * 16, NOW, "not from the council's gateway"),
    ]
    before = _vault_hash(vault)
    for data, typed, when, words in cases:
        with pytest.raises(BundleFileError, match=words):
            finish_enrolment_by_file(vault, data, typed, when)
        assert _vault_hash(vault) == before
        assert load_enrolment(vault) is None
    assert finish_enrolment_by_file(vault, answer, fingerprint[:39], NOW).device_id


def test_an_enrolment_answer_forged_with_another_key_and_ca_is_refused(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    """A forger holding the request (it is not secret) answers with a CA of their own."""
    from sync.gateway.bundles import BundleKey
    from sync.gateway.ca import GatewayCA

    forger = Authority(
        authority.store,
        GatewayCA.load_or_create(tmp_path / "forger", "Exampleshire County Council"),
        BundleKey.load_or_create(tmp_path / "forger"),
        authority.assessor,
    )
    code = authority.store.issue_code(authority.assessor, NOW, dt.timedelta(minutes=15))
    write_enrolment_request(vault, code, tmp_path / "mine.request")
    _, forged = enrol_by_file(
        forger.store, forger.ca, forger.key, (tmp_path / "mine.request").read_bytes(), NOW,
        _terms(forger),
    )  # fmt: skip
    with pytest.raises(BundleFileError, match="not from the council's gateway"):
        finish_enrolment_by_file(vault, forged, ca_fingerprint(authority.ca.pem), NOW)
    assert load_enrolment(vault) is None


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_thousands_of_mutated_inbound_bundles_are_refused_cleanly(
    authority: Authority, vault: Vault, tmp_path: Path, elsewhere: tuple[Vault, str]
) -> None:
    device_id = _enrol_by_file(vault, authority, tmp_path)
    _allocate_from_elsewhere(authority, elsewhere, "Quillfeather")
    data = _inbound(authority, device_id)
    spare = _inbound(authority, device_id, from_start=True)
    before = content_hash(vault)
    tried = 0
    for mutated in _mutations(data, spare, random.Random(11)):
        if mutated == spare:
            continue
        with pytest.raises(BundleFileError) as refused:
            import_file(vault, mutated, NOW)
        assert refused.value.user_message and refused.value.next_step
        assert content_hash(vault) == before
        tried += 1
    assert tried > 2_000
    import_file(vault, data, NOW)  # the real one still works
    assert _names(vault) == ["Quillfeather"]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_thousands_of_mutated_enrolment_answers_enrol_nothing(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    fingerprint = ca_fingerprint(authority.ca.pem)
    answers = []
    for name in ("first", "second"):
        code = authority.store.issue_code(authority.assessor, NOW, dt.timedelta(minutes=15))
        write_enrolment_request(vault, code, tmp_path / name)
        answers.append(
            enrol_by_file(
                authority.store, authority.ca, authority.key, (tmp_path / name).read_bytes(),
                NOW, _terms(authority),
            )[1]
        )  # fmt: skip
    data, spare = answers
    before = content_hash(vault)
    tried = 0
    for mutated in _mutations(data, spare, random.Random(12)):
        if mutated == spare:
            continue
        with pytest.raises(BundleFileError) as refused:
            finish_enrolment_by_file(vault, mutated, fingerprint, NOW)
        assert refused.value.user_message and refused.value.next_step
        assert content_hash(vault) == before
        tried += 1
    assert tried > 2_000
    assert load_enrolment(vault) is None
    with pytest.raises(BundleFileError, match="enrolment answer"):
        import_file(vault, data, NOW)  # not the file for Import from file…
    assert finish_enrolment_by_file(vault, data, fingerprint, NOW).device_id


def test_an_inbound_bundle_for_a_laptop_enrolled_before_is_refused_at_the_gateway(
    authority: Authority, vault: Vault
) -> None:
    from sync.bundle import BundleError
    from tests.sync.test_bundles import _enrol

    device_id = _enrol(vault, authority)
    with authority.store.transaction() as tx:
        tx.execute("UPDATE device SET inbound_key = NULL WHERE id = ?", (device_id,))
    with pytest.raises(BundleError, match="enrol it again"):
        inbound_for_device(authority.store, authority.key, device_id, NOW)
    with pytest.raises(BundleError, match="no laptop"):
        inbound_for_device(authority.store, authority.key, "nosuchdevice", NOW)


council = test_pull.council
"""Three people made on an intake laptop, sent online over TLS and allocated (test_pull's)."""


def _revisions(vault: Vault) -> int:
    return int(vault.conn.execute("SELECT COUNT(*) FROM revision").fetchone()[0])


def test_online_syncs_and_inbound_files_of_the_same_caseload_keep_each_revision_once(
    council: test_pull.Council, tmp_path: Path
) -> None:
    """A laptop enrolled online over TLS gets files too; whichever route comes first counts."""
    gw = council.gateway
    assert gw.bundle_key is not None
    vault = council.laptop(tmp_path / "laptop")
    enrolled = load_enrolment(vault)
    assert enrolled is not None
    now = dt.datetime.now(dt.UTC)
    first = inbound_for_device(gw.store, gw.bundle_key, enrolled.device_id, now, lease_days=9)
    assert first.people == 3

    assert test_pull._sync(vault).finished  # online first: the three people come that way
    held = _revisions(vault)
    assert sorted(_names(vault)) == sorted(test_pull.FAMILIES)
    report = import_inbound(vault, first.data, now)
    assert report.skipped and report.pulled.received == 0 and report.pulled.people == 0
    assert _revisions(vault) == held  # nothing twice
    lease = load_lease(vault.conn)
    assert lease is not None and lease.lease_days == 9

    # Then IT moves one person away: the next file says so, and the online sync after it
    # finds nothing more to do.
    other = gw.store.create_assessor("Sam Othercase", now)
    gw.store.allocate(council.people["Ashcombe"], other, now)
    second = inbound_for_device(gw.store, gw.bundle_key, enrolled.device_id, now, lease_days=9)
    assert second.removed == 1
    assert import_inbound(vault, second.data, now).pulled.leaving == 1
    assert test_pull._sync(vault).finished
    assert "Ashcombe" not in _names(vault) and _revisions(vault) < held


def test_reference_data_goes_down_by_file_checked_as_online_and_not_twice(
    authority: Authority, vault: Vault, tmp_path: Path
) -> None:
    """An inbound bundle carries the packages newer than the laptop holds; each is checked
    against the publishing key the laptop was enrolled with, and one signed by another key is
    refused in words while the app keeps what it had."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from assessor_app.core import reference_data
    from sync.reference import publishing_key_text, seal_package

    publisher = Ed25519PrivateKey.generate()
    terms = EnrolmentTerms(
        authority.ca.pem.decode("ascii"),
        30,
        publishing_public_key=publishing_key_text(publisher.public_key()),
    )
    code = authority.store.issue_code(authority.assessor, NOW, dt.timedelta(minutes=15))
    write_enrolment_request(vault, code, tmp_path / "enrol.request")
    _device, answer = enrol_by_file(
        authority.store,
        authority.ca,
        authority.key,
        (tmp_path / "enrol.request").read_bytes(),
        NOW,
        terms,
    )
    device_id = finish_enrolment_by_file(
        vault, answer, ca_fingerprint(authority.ca.pem), NOW
    ).device_id
    leaflet = {"carers-leaflet.txt": b"Support for carers in Exampleshire (synthetic).\n"}
    package = seal_package("leaflets", 1, "Carers' leaflet", leaflet, publisher, published=NOW)
    assert authority.store.publish_reference("leaflets", 1, "Carers' leaflet", package, NOW)

    written = inbound_for_device(authority.store, authority.key, device_id, NOW)
    assert written.reference == 1 and "1 reference-data package(s)" in written.summary
    report = import_inbound(vault, written.data, NOW)
    assert report.reference.accepted == ("leaflets package version 1",)
    assert "leaflets package version 1" in inbound_text(report)
    assert reference_data.kept_versions(vault.conn) == {"leaflets": 1}

    # The gateway has not heard what the laptop holds, so the next file carries it again:
    # passed over quietly, not refused as "not newer".
    again = import_inbound(vault, _inbound(authority, device_id), LATER)
    assert again.reference.accepted == () and again.reference.problem == ""
    # Once the laptop's own bundle has said what it holds, nothing is sent again.
    _work(vault)
    export_bundle(vault, tmp_path / "laptop.bundle", LATER)
    authority.take((tmp_path / "laptop.bundle").read_bytes())
    assert inbound_for_device(authority.store, authority.key, device_id, LATER).reference == 0

    # A package signed by another key is refused in words; what the laptop had stays.
    stranger = seal_package("leaflets", 2, "Not ours", leaflet, Ed25519PrivateKey.generate(),
                            published=NOW)  # fmt: skip
    assert authority.store.publish_reference("leaflets", 2, "Not ours", stranger, NOW)
    refused = import_inbound(vault, _inbound(authority, device_id), LATER)
    assert "is not signed by the council's publishing key" in refused.reference.problem
    assert "the app goes on with what it had" in inbound_text(refused)
    assert reference_data.kept_versions(vault.conn) == {"leaflets": 1}
