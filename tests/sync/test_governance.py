"""Governing devices (issue 15): revocation and wipe orders obeyed, and the lease with IT's codes.

Real parts throughout: SQLCipher vaults, the gateway over mutual TLS on loopback, SQLite and
PostgreSQL behind it. The clock is injected on both sides (one `Clock` the test moves), so a
laptop "weeks later" is a number, not a sleep.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assessor_app.core.records import Role
from assessor_app.core.storage import outbox
from assessor_app.core.storage.enrolment import load_enrolment
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.profiles import list_profiles
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import enrol, sync_now, transport_for
from assessor_app.core.sync_client.lease import (
    FREE_WRONG_CODES,
    UnlockCodeError,
    check_lease,
    enter_unlock_code,
    lock_message,
)
from assessor_app.core.sync_client.transport import TransportError
from sync.gateway.app import create_app
from sync.gateway.bundles import BundleKey
from sync.gateway.ca import GatewayCA
from sync.gateway.server import development_tls, running
from sync.gateway.store import Store
from sync.lease import unlock_code
from sync.protocol import OrderKind
from tests.conftest import PASSPHRASE
from tests.support import community_person, session_for

LEASE_DAYS = 14
START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


class Clock:
    """The one clock both the gateway and the laptop read; the test moves it."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def move(self, **delta: float) -> dt.datetime:
        self.at += dt.timedelta(**delta)
        return self.at


@dataclass
class Governed:
    url: str
    store: Store
    ca: GatewayCA
    assessor: str
    clock: Clock
    bundle_key: BundleKey

    def code(self) -> str:
        return self.store.issue_code(self.assessor, self.clock(), dt.timedelta(minutes=15))


@contextlib.contextmanager
def _gateway(store_url: str, folder: Path, *, revoked_may_send: bool) -> Iterator[Governed]:
    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(folder / "ca", "Exampleshire County Council")
    tls = development_tls(folder, ca)
    clock = Clock(START)
    assessor = store.create_assessor("Robin Testcase", clock())
    key = BundleKey.load_or_create(folder / "ca")
    app = create_app(
        store,
        ca,
        clock=clock,
        lease_days=LEASE_DAYS,
        revoked_may_send=revoked_may_send,
        bundle_public_key=key.public.text,
    )
    with running(app, tls) as served:
        yield Governed(served.url, store, ca, assessor, clock, key)


@pytest.fixture
def governed(store_url: str, tmp_path: Path) -> Iterator[Governed]:
    """A gateway with a 14-day lease; revoked laptops send nothing first (the default)."""
    with _gateway(store_url, tmp_path / "gw", revoked_may_send=False) as gateway:
        yield gateway


def _enrolled(gateway: Governed, vault: Vault) -> str:
    enrolled = enrol(
        vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem, now=gateway.clock
    )
    return enrolled.device_id


def _work(vault: Vault) -> None:
    session = session_for(vault, today=dt.date(2026, 12, 1))
    session.people.add(community_person())


def _profile_files(vault: Vault) -> list[Path]:
    return sorted(p for p in vault.folder.parent.rglob("*") if p.is_file())


# -- revocation and wipe ----------------------------------------------------------------------


def test_a_revoked_laptop_is_told_at_its_next_contact_and_its_vault_is_deleted(
    governed: Governed, vault: Vault, data_dir: Path
) -> None:
    device = _enrolled(governed, vault)
    _work(vault)
    folder = vault.folder
    vault.close()  # a lock leaves a backup beside the records file: it must go too
    vault = Vault.open(data_dir, folder.name, PASSPHRASE)
    assert (folder / "vault.db").exists() and (folder / "backups").is_dir()
    assert governed.store.revoke(device, governed.clock())

    report = sync_now(vault, transport_for(vault), now=governed.clock)

    assert report.withdrawn is not None
    assert report.withdrawn.order.kind is OrderKind.REVOKED
    assert not report.withdrawn.order.send_first
    assert report.withdrawn.left_unsent == 1  # the person was not sent: policy said not
    assert not vault.is_open
    assert not folder.exists()  # vault.db, -wal, -shm, key slots, anchor, backups: all gone
    assert list_profiles(data_dir) == []
    assert governed.store.count() == 0
    told = governed.store.device(device)
    assert told is not None and told.order_told_at is not None


def test_a_wipe_order_deletes_a_lost_laptops_vault_and_takes_nothing_from_it(
    store_url: str, tmp_path: Path, vault: Vault
) -> None:
    with _gateway(store_url, tmp_path / "gw", revoked_may_send=True) as governed:
        device = _enrolled(governed, vault)
        _work(vault)
        folder = vault.folder
        assert governed.store.order_wipe(device, governed.clock())

        report = sync_now(vault, transport_for(vault), now=governed.clock)

        assert report.withdrawn is not None
        assert report.withdrawn.order.kind is OrderKind.WIPE
        assert not report.withdrawn.order.send_first  # never for a lost laptop
        assert not folder.exists()
        assert governed.store.count() == 0
        wiped = governed.store.device(device)
        assert wiped is not None and wiped.revoked_at is not None


def test_with_send_first_a_revoked_laptop_sends_its_queue_then_deletes_its_vault(
    store_url: str, tmp_path: Path, vault: Vault
) -> None:
    with _gateway(store_url, tmp_path / "gw", revoked_may_send=True) as governed:
        device = _enrolled(governed, vault)
        _work(vault)
        folder = vault.folder
        governed.store.revoke(device, governed.clock())

        report = sync_now(vault, transport_for(vault), now=governed.clock)

        assert report.withdrawn is not None and report.withdrawn.order.send_first
        assert report.sent == 1 and report.withdrawn.left_unsent == 0
        assert governed.store.count() == 1  # the person reached the council first
        assert not folder.exists()


def test_with_send_first_a_revoked_laptop_sends_its_signed_pdfs_too(
    store_url: str, tmp_path: Path, vault: Vault
) -> None:
    """Several PDFs go in one batch request: the policy lets that through as well."""
    from assessor_app.core.services.records import start_record
    from tests.support import community_person
    from tests.sync.pdfs import keep_signed_pdf

    with _gateway(store_url, tmp_path / "gw", revoked_may_send=True) as governed:
        device = _enrolled(governed, vault)
        session = session_for(vault, today=dt.date(2026, 12, 1))
        docs = []
        for n, family in enumerate(("Quillfeather", "Brindlewood"), start=1):
            person = session.people.add(community_person(family_name=family))
            record = start_record(session, session.forms.latest("sample"), person.id)
            docs.append(keep_signed_pdf(vault, record.id, seed=n))
        governed.store.revoke(device, governed.clock())

        report = sync_now(vault, transport_for(vault), now=governed.clock)

        assert report.withdrawn is not None and report.withdrawn.left_unsent == 0
        assert governed.store.document_count() == 2
        for doc in docs:
            assert governed.store.document(doc.id) is not None


def test_a_laptop_revoked_mid_sync_obeys_the_order_in_the_refusal(
    governed: Governed, vault: Vault
) -> None:
    """Revoked between its contact and its push: the 403 carries the order, and it is obeyed."""
    device = _enrolled(governed, vault)
    _work(vault)
    transport = transport_for(vault)
    real_post = transport.post

    def revoke_after_contact(path: str, body: dict[str, object]) -> dict[str, object]:
        answer = real_post(path, body)
        if path == "/v1/contact":
            governed.store.revoke(device, governed.clock())
        return answer

    transport.post = revoke_after_contact  # type: ignore[method-assign]
    report = sync_now(vault, transport, now=governed.clock)
    assert report.withdrawn is not None and not vault.folder.exists()


def test_a_revoked_laptop_cannot_enrol_again_with_a_code_from_before(
    governed: Governed, vault: Vault, data_dir: Path
) -> None:
    spare = governed.code()  # issued before the revocation, never used
    device = _enrolled(governed, vault)
    governed.clock.move(minutes=1)
    governed.store.revoke(device, governed.clock())
    sync_now(vault, transport_for(vault), now=governed.clock)  # told, and deleted
    again = Vault.create(
        data_dir,
        name="Robin Testcase",
        role=Role.SOCIAL_WORKER,
        authority="Exampleshire County Council",
        passphrase=PASSPHRASE,
        kdf=FAST_KDF_FOR_TESTS,
    )
    try:
        with pytest.raises(TransportError, match="issued before one of this assessor's laptops"):
            enrol(again, governed.url, spare, first_contact_ca=governed.ca.pem)
        assert load_enrolment(again) is None
        governed.clock.move(minutes=1)
        fresh = enrol(again, governed.url, governed.code(), first_contact_ca=governed.ca.pem)
        assert fresh.device_id != device
    finally:
        again.close()


# -- the lease --------------------------------------------------------------------------------


def test_a_laptop_past_its_lease_locks_and_a_sync_lifts_it(
    governed: Governed, vault: Vault
) -> None:
    _enrolled(governed, vault)
    governed.clock.move(days=LEASE_DAYS - 1)
    assert not check_lease(vault, governed.clock()).locked
    governed.clock.move(days=2)
    state = check_lease(vault, governed.clock())
    assert state.locked and state.days_since_contact == LEASE_DAYS + 1
    assert lock_message(state) == (
        "This laptop has not reached the council's server for 15 days. Connect to sync, or "
        "ring IT for an unlock code."
    )
    report = sync_now(vault, transport_for(vault), now=governed.clock)
    assert report.finished
    assert not check_lease(vault, governed.clock()).locked


def test_an_unlock_code_from_the_gateway_opens_the_laptop_for_its_day_and_the_next(
    governed: Governed, vault: Vault
) -> None:
    device = _enrolled(governed, vault)
    now = governed.clock.move(days=30)
    assert check_lease(vault, now).locked
    key = governed.store.lease_key(device)
    assert key is not None
    code = unlock_code(key, device, now.date())
    assert len(code) == 11 and code[5] == "-"

    state = enter_unlock_code(vault, code.lower().replace("-", " "), now)  # as typed
    assert not state.locked
    assert not check_lease(vault, governed.clock.move(days=1)).locked  # the day after
    assert check_lease(vault, governed.clock.move(days=1)).locked  # not the day after that


def test_the_gateway_command_prints_the_code_the_laptop_takes(
    governed: Governed, vault: Vault, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from sync.gateway.cli import main

    device = _enrolled(governed, vault)
    now = governed.clock.move(days=20)
    assert main(["--db", store_url, "unlock-code", device, "--date", now.date().isoformat()]) == 0
    printed = capsys.readouterr().out.strip()
    assert not enter_unlock_code(vault, printed, now).locked


def test_a_wrong_code_or_one_for_another_laptop_or_day_does_not_open_it(
    governed: Governed, vault: Vault
) -> None:
    device = _enrolled(governed, vault)
    now = governed.clock.move(days=30)
    key = governed.store.lease_key(device)
    assert key is not None
    other_laptop = unlock_code(key, "0123456789abcdef", now.date())
    last_week = unlock_code(key, device, now.date() - dt.timedelta(days=7))
    tomorrow = unlock_code(key, device, now.date() + dt.timedelta(days=1))
    wrong_key = unlock_code(b"k" * 32, device, now.date())
    for code in (other_laptop, last_week, tomorrow, wrong_key):
        with pytest.raises(UnlockCodeError, match="does not open this laptop today"):
            enter_unlock_code(vault, code, now)
    with pytest.raises(UnlockCodeError, match="not an unlock code"):
        enter_unlock_code(vault, "OIOIO-12345", now)
    assert check_lease(vault, now).locked


def test_many_wrong_codes_make_the_next_try_wait(governed: Governed, vault: Vault) -> None:
    device = _enrolled(governed, vault)
    now = governed.clock.move(days=30)
    key = governed.store.lease_key(device)
    assert key is not None
    for _ in range(FREE_WRONG_CODES):
        with pytest.raises(UnlockCodeError, match="does not open"):
            enter_unlock_code(vault, "AAAAA-AAAAA", now)
    right = unlock_code(key, device, now.date())
    with pytest.raises(UnlockCodeError, match="Too many wrong unlock codes.*10 minutes"):
        enter_unlock_code(vault, right, now)
    # Setting the clock back does not shorten the wait: it is counted on the largest time seen.
    with pytest.raises(UnlockCodeError, match="Too many"):
        enter_unlock_code(vault, right, now - dt.timedelta(hours=3))
    assert not enter_unlock_code(vault, right, now + dt.timedelta(minutes=11)).locked


def test_a_clock_set_back_does_not_extend_the_lease(governed: Governed, vault: Vault) -> None:
    _enrolled(governed, vault)
    later = governed.clock.move(days=LEASE_DAYS + 1)
    assert check_lease(vault, later).locked
    # The assessor winds the clock back to the day after enrolling: still locked.
    assert check_lease(vault, START + dt.timedelta(days=1)).locked
    # Nor does an old code for that earlier day open it.
    device = load_enrolment(vault)
    key = governed.store.lease_key(device.device_id if device else "")
    assert key is not None and device is not None
    with pytest.raises(UnlockCodeError):
        enter_unlock_code(
            vault, unlock_code(key, device.device_id, START.date()), START + dt.timedelta(days=1)
        )


def test_a_clock_set_forward_for_a_sync_and_back_again_gains_nothing(
    governed: Governed, vault: Vault
) -> None:
    """The contact counts from the earlier of the two clocks, the gateway's here."""
    _enrolled(governed, vault)
    ahead = START + dt.timedelta(days=365)
    assert sync_now(vault, transport_for(vault), now=lambda: ahead).finished
    # Back to the true date, and the lease's days go by as usual from the gateway's time.
    assert check_lease(vault, START + dt.timedelta(days=3)).locked  # the year ahead was seen
    governed.clock.move(days=3)
    assert sync_now(vault, transport_for(vault), now=governed.clock).finished
    assert not check_lease(vault, governed.clock()).locked  # a sync with the clock right: open


def test_a_laptop_enrolled_before_leases_never_locks(governed: Governed, vault: Vault) -> None:
    _enrolled(governed, vault)
    with vault.transaction() as conn:
        conn.execute("DELETE FROM sync_lease")  # as a vault upgraded from schema 13 has
    assert not check_lease(vault, governed.clock.move(days=400)).locked
    assert sync_now(vault, transport_for(vault), now=governed.clock).finished
    assert not check_lease(vault, governed.clock()).locked
    assert outbox.summary(vault.conn).waiting == 0


def test_the_command_line_refuses_past_the_lease_and_opens_with_the_code(
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from assessor_app.cli import main

    monkeypatch.setenv("ASSESSOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSESSOR_PASSPHRASE", PASSPHRASE)

    def cli(*argv: str) -> tuple[int, str, str]:
        code = main(["--insecure-fast-kdf", *argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    with _gateway(store_url, tmp_path / "gw", revoked_may_send=False) as governed:
        governed.clock.at = dt.datetime.now(dt.UTC)
        assert (
            cli(
                "profile",
                "create",
                "--name",
                "Robin Testcase",
                "--role",
                "nurse",
                "--authority",
                "Exampleshire",
            )[0]
            == 0
        )
        ca = tmp_path / "gateway-ca.pem"
        ca.write_bytes(governed.ca.pem)
        code, _, err = cli(
            "sync", "enrol", "--gateway", governed.url, "--code", governed.code(), "--ca", str(ca)
        )
        assert code == 0, err
        (profile,) = list_profiles(tmp_path / "data")
        vault = Vault.open(tmp_path / "data", profile.id, PASSPHRASE)
        enrolled = load_enrolment(vault)
        assert enrolled is not None
        with vault.transaction() as conn:  # the last contact, three weeks ago
            weeks_ago = (governed.clock() - dt.timedelta(days=21)).isoformat()
            conn.execute("UPDATE sync_lease SET last_contact_at = ?", (weeks_ago,))
        vault.close()

        code, _, err = cli("person", "list")
        assert code != 0 and "has not reached the council's server for 21 days" in err
        assert "assessor-cli vault unlock-code" in err
        code, _, err = cli("vault", "unlock-code", "AAAAA-AAAAA")
        assert code != 0 and "does not open this laptop today" in err
        key = governed.store.lease_key(enrolled.device_id)
        assert key is not None
        right = unlock_code(key, enrolled.device_id, governed.clock().date())
        code, out, err = cli("vault", "unlock-code", right)
        assert code == 0, err
        assert "open until" in out
        assert cli("person", "list")[0] == 0


def test_it_orders_a_wipe_and_sees_when_the_laptop_was_told(
    governed: Governed, vault: Vault, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from sync.gateway.cli import main

    device = _enrolled(governed, vault)
    assert main(["--db", store_url, "wipe", device]) == 0
    assert "ordered wiped" in capsys.readouterr().out
    assert main(["--db", store_url, "devices"]) == 0
    assert "not yet told" in capsys.readouterr().out
    sync_now(vault, transport_for(vault), now=governed.clock)
    assert main(["--db", store_url, "devices"]) == 0
    listed = capsys.readouterr().out
    assert "wipe ordered" in listed and ", told " in listed
    assert main(["--db", store_url, "unlock-code", device]) == 2  # a withdrawn laptop gets none
    assert main(["--db", store_url, "wipe", "nosuchdevice"]) == 2
