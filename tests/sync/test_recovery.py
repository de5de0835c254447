"""The authority's recovery key, end to end: IT makes it, enrolment seals each laptop's vault to
it, and a laptop whose passphrase is forgotten is recovered and its queued work then syncs.

Real parts: the gateway on loopback over mutual TLS (SQLite and PostgreSQL behind it), real
SQLCipher vaults, `assessor-gateway recovery-key create` and `assessor-cli vault recover` as IT
runs them (in-process, with passphrase files as a script would).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assessor_app.cli import main as assessor_cli
from assessor_app.core.services.records import start_record
from assessor_app.core.storage import outbox, recovery_key
from assessor_app.core.storage.enrolment import load_enrolment
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.vault import Vault, recovery_fingerprint
from assessor_app.core.sync_client.client import enrol, sync_now, transport_for
from assessor_app.core.sync_client.transport import TransportError
from sync.gateway import recovery
from sync.gateway.app import create_app
from sync.gateway.ca import GatewayCA
from sync.gateway.cli import main as gateway_cli
from sync.gateway.server import development_tls, running
from sync.gateway.store import Store
from tests.conftest import PASSPHRASE
from tests.support import community_person, session_for
from tests.sync.conftest import Gateway

KEY_PASSPHRASE = "county archive walnut seventeen"
NEW_PASSPHRASE = "heron kettle meadow"


@dataclass
class RecoveryFiles:
    """What IT keeps off the gateway: the private key file, and its passphrase (here a file)."""

    key_file: Path
    passphrase_file: Path
    fingerprint: str


def _make_key(data: Path, where: Path) -> RecoveryFiles:
    where.mkdir(parents=True, exist_ok=True)
    secret = where / "key-passphrase.txt"
    secret.write_text(KEY_PASSPHRASE + "\n")
    key_file = where / "recovery-key.json"
    made = recovery.create(data, key_file, KEY_PASSPHRASE, kdf=FAST_KDF_FOR_TESTS)
    return RecoveryFiles(key_file, secret, made.fingerprint)


@pytest.fixture
def recovering_gateway(store_url: str, tmp_path: Path) -> Iterator[tuple[Gateway, RecoveryFiles]]:
    """A gateway with a recovery key made by IT, the private half on "a USB stick"."""
    data = tmp_path / "gateway"
    files = _make_key(data, tmp_path / "usb")
    public = recovery.load_public(data)
    assert public is not None
    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(data / "ca", "Exampleshire County Council")
    assessor = store.create_assessor("Robin Testcase", dt.datetime.now(dt.UTC))
    app = create_app(store, ca, recovery_public_key=public.text)
    with running(app, development_tls(data, ca)) as served:
        yield Gateway(served.url, store, ca, assessor), files


def _work(vault: Vault) -> None:
    session = session_for(vault, today=dt.date(2026, 12, 3))
    person = session.people.add(community_person())
    record = start_record(session, session.forms.latest("sample"), person.id)
    session.records.save_field(record.id, "notes", "Visit 1.")
    session.records.checkpoint(record.id)


def _recover(
    data_dir: Path,
    profile_id: str,
    files: RecoveryFiles,
    tmp_path: Path,
    *,
    new: str = NEW_PASSPHRASE,
    key_passphrase_file: Path | None = None,
) -> int:
    new_file = tmp_path / "new-passphrase.txt"
    new_file.write_text(new + "\n")
    return assessor_cli(
        [
            "--insecure-fast-kdf",
            "--data-dir",
            str(data_dir),
            "vault",
            "recover",
            "--profile",
            profile_id,
            "--recovery-key",
            str(files.key_file),
            "--recovery-passphrase-file",
            str(key_passphrase_file or files.passphrase_file),
            "--new-passphrase-file",
            str(new_file),
        ]
    )


def test_a_forgotten_passphrase_is_recovered_and_the_queued_work_then_syncs(
    recovering_gateway: tuple[Gateway, RecoveryFiles],
    vault: Vault,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gateway, files = recovering_gateway
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    assert recovery_fingerprint(vault.data_dir, vault.profile.id) == files.fingerprint
    _work(vault)  # offline, queued, never sent
    assert outbox.summary(vault.conn).waiting == 3
    profile_id, data_dir = vault.profile.id, vault.data_dir
    vault.close()  # and the assessor forgets the passphrase

    assert _recover(data_dir, profile_id, files, tmp_path) == 0
    assert "now opens with the new passphrase" in capsys.readouterr().out
    with pytest.raises(Exception, match="doesn't open"):
        Vault.open(data_dir, profile_id, PASSPHRASE)
    recovered = Vault.open(data_dir, profile_id, NEW_PASSPHRASE)
    try:
        report = sync_now(recovered, transport_for(recovered))
        assert report.finished and (report.sent, report.waiting) == (3, 0)
        assert gateway.store.count() == 3
    finally:
        recovered.close()


def test_a_wrong_passphrase_for_the_key_file_is_refused_and_nothing_changes(
    recovering_gateway: tuple[Gateway, RecoveryFiles],
    vault: Vault,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gateway, files = recovering_gateway
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    vault.close()
    before = (vault.folder / "keyslots.json").read_bytes()
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("county archive walnut eighteen\n")
    code = _recover(vault.data_dir, vault.profile.id, files, tmp_path, key_passphrase_file=wrong)
    assert code == 3
    assert "That passphrase doesn't open the recovery key file" in capsys.readouterr().err
    assert (vault.folder / "keyslots.json").read_bytes() == before
    Vault.open(vault.data_dir, vault.profile.id, PASSPHRASE).close()


def test_a_weak_new_passphrase_is_refused_by_the_command(
    recovering_gateway: tuple[Gateway, RecoveryFiles],
    vault: Vault,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gateway, files = recovering_gateway
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    vault.close()
    assert _recover(vault.data_dir, vault.profile.id, files, tmp_path, new="letmein1") != 0
    assert "too easy to guess" in capsys.readouterr().err
    Vault.open(vault.data_dir, vault.profile.id, PASSPHRASE).close()


def test_re_enrolment_replaces_the_recovery_slot(
    recovering_gateway: tuple[Gateway, RecoveryFiles],
    vault: Vault,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gateway, old = recovering_gateway
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    # IT replaced the recovery key; the laptop enrols again with the gateway handing out the new.
    data = tmp_path / "gateway"
    assert gateway_cli(["--data", str(data), "recovery-key", "create", "--out", "x"]) == 2
    assert "already has a recovery key" in capsys.readouterr().err
    new = _make_key_replacing(data, tmp_path / "usb2")
    public = recovery.load_public(data)
    assert public is not None and public.fingerprint == new.fingerprint != old.fingerprint
    app = create_app(gateway.store, gateway.ca, recovery_public_key=public.text)
    with running(app, development_tls(data, gateway.ca)) as served:
        enrol(vault, served.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    assert recovery_fingerprint(vault.data_dir, vault.profile.id) == new.fingerprint
    vault.close()
    assert _recover(vault.data_dir, vault.profile.id, old, tmp_path) == 3
    assert "not the recovery key this profile was enrolled with" in capsys.readouterr().err
    assert _recover(vault.data_dir, vault.profile.id, new, tmp_path) == 0
    Vault.open(vault.data_dir, vault.profile.id, NEW_PASSPHRASE).close()


def _make_key_replacing(data: Path, where: Path) -> RecoveryFiles:
    where.mkdir(parents=True)
    secret = where / "key-passphrase.txt"
    secret.write_text(KEY_PASSPHRASE + "\n")
    out = where / "recovery-key.json"
    args = ["--data", str(data), "recovery-key", "create", "--out", str(out), "--replace"]
    assert gateway_cli([*args, "--passphrase-file", str(secret), "--insecure-fast-kdf"]) == 0
    public = recovery.load_public(data)
    assert public is not None
    return RecoveryFiles(out, secret, public.fingerprint)


def test_a_laptop_enrolled_with_a_gateway_without_a_recovery_key_still_works(
    gateway: Gateway,
    vault: Vault,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The old enrolment answer has no recovery key: enrol, sync and rotate as before."""
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    assert load_enrolment(vault) is not None
    assert recovery_fingerprint(vault.data_dir, vault.profile.id) is None
    _work(vault)
    assert sync_now(vault, transport_for(vault)).sent == 3
    vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE, FAST_KDF_FOR_TESTS, rotate_key=True)
    vault.close()
    files = _make_key(tmp_path / "elsewhere", tmp_path / "usb")
    assert _recover(vault.data_dir, vault.profile.id, files, tmp_path) == 3
    assert "no recovery key slot" in capsys.readouterr().err
    Vault.open(vault.data_dir, vault.profile.id, NEW_PASSPHRASE).close()


def test_an_unreadable_recovery_key_in_the_answer_enrols_nothing(
    store_url: str, vault: Vault, tmp_path: Path
) -> None:
    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(tmp_path / "ca", "Exampleshire County Council")
    assessor = store.create_assessor("Robin Testcase", dt.datetime.now(dt.UTC))
    code = store.issue_code(assessor, dt.datetime.now(dt.UTC), dt.timedelta(minutes=15))
    before = (vault.folder / "keyslots.json").read_bytes()
    app = create_app(store, ca, recovery_public_key="x25519:not-a-key")
    with running(app, development_tls(tmp_path, ca)) as served:
        with pytest.raises(TransportError, match="recovery key could not be read"):
            enrol(vault, served.url, code, first_contact_ca=ca.pem)
    assert load_enrolment(vault) is None
    assert (vault.folder / "keyslots.json").read_bytes() == before


# -- assessor-gateway recovery-key -------------------------------------------------------


def test_recovery_key_create_keeps_only_the_public_half_on_the_gateway(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, usb = tmp_path / "gateway", tmp_path / "usb"
    usb.mkdir()
    secret = usb / "pass.txt"
    secret.write_text(KEY_PASSPHRASE + "\n")
    out = usb / "recovery-key.json"
    base = ["--data", str(data), "recovery-key", "create", "--insecure-fast-kdf"]
    assert gateway_cli([*base, "--out", str(out), "--passphrase-file", str(secret)]) == 0
    said = capsys.readouterr().out
    public = recovery.load_public(data)
    assert public is not None and not public.demo and public.fingerprint in said
    assert "Take it off this server" in said
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    private = recovery_key.load_private_key(out.read_bytes(), KEY_PASSPHRASE)
    assert recovery_key.public_key_text(private.public_key()) == public.text
    # Nothing in the gateway's folder can open a slot: no wrapped or raw private key there.
    for path in data.rglob("*"):
        if path.is_file():
            assert b"ciphertext" not in path.read_bytes(), path
    # Not a second time without --replace, not into the gateway's own folder, not weak.
    assert gateway_cli([*base, "--out", str(usb / "b.json"), "--passphrase-file", str(secret)])
    assert "already has a recovery key" in capsys.readouterr().err
    inside = ["--out", str(data / "k.json"), "--passphrase-file", str(secret), "--replace"]
    assert gateway_cli([*base, *inside]) == 2
    assert "must not stay on the gateway" in capsys.readouterr().err
    weak = usb / "weak.txt"
    weak.write_text("password\n")
    args = ["--out", str(usb / "c.json"), "--passphrase-file", str(weak), "--replace"]
    assert gateway_cli([*base, *args]) == 2
    assert "too easy to guess" in capsys.readouterr().err
    assert recovery.load_public(data) == public  # none of those changed the key
    assert gateway_cli(["--data", str(data), "recovery-key", "show"]) == 0
    assert public.fingerprint in capsys.readouterr().out


def test_a_demo_gateway_makes_a_demo_pair_once_and_says_where_it_is(tmp_path: Path) -> None:
    data = tmp_path / "gateway"
    made, new = recovery.ensure_demo(data)
    assert new and made.demo
    again, new_again = recovery.ensure_demo(data)
    assert again == made and not new_again
    passphrase = (data / recovery.DEMO_PASSPHRASE_FILE).read_text().strip()
    private = recovery_key.load_private_key(
        (data / recovery.DEMO_KEY_FILE).read_bytes(), passphrase
    )
    assert recovery_key.public_key_text(private.public_key()) == made.text
    assert oct((data / recovery.DEMO_KEY_FILE).stat().st_mode & 0o777) == "0o600"
    # The real key replaces the demo one without --replace: no real laptop depends on a demo.
    files = _make_key(data, tmp_path / "usb")
    public = recovery.load_public(data)
    assert public is not None and not public.demo and public.fingerprint == files.fingerprint
    assert json.loads((data / recovery.PUBLIC_FILE).read_text())["demo"] is False
