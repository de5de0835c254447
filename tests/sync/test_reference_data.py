"""Reference data flowing down, as IT and assessors meet it: publish, sync, use; refuse the bad.

Real parts throughout: `assessor-gateway publish` signs a package into the gateway's database
(SQLite or PostgreSQL), the laptop fetches it over mutual TLS on loopback at the end of its
sync, checks it, keeps it in its SQLCipher vault and uses it for new work, while finished work
keeps what it used.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from assessor_app.core import reference_data
from assessor_app.core.form_engine.evaluation import evaluate
from assessor_app.core.paths import default_forms_dir, resources_dir
from assessor_app.core.services.records import complete_record, open_for_editing, start_record
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import enrol, sync_now, transport_for
from assessor_app.core.sync_client.reference import REFERENCE_PATH, reference_request
from sync.gateway.cli import main as gateway_cli
from sync.reference import seal_package
from tests.conftest import REPO_ROOT
from tests.support import community_person, session_for
from tests.sync.conftest import Gateway

ANSWERS: dict[str, Any] = json.loads(
    (REPO_ROOT / "tests/fixtures/forms/answers/financial_home.json").read_text(encoding="utf-8")
)
"""A financial assessment from 2 June 2025: £153.90 a week under england-2025-26 version 1."""
START, DONE = dt.date(2025, 6, 2), dt.date(2025, 6, 9)
NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


def _publish(tmp_path: Path, store_url: str, source: Path, kind: str, *more: str) -> int:
    """`assessor-gateway publish` on the gateway the `gateway` fixture serves."""
    return gateway_cli(
        ["--data", str(tmp_path), "--db", store_url, "publish", str(source), "--kind", kind, *more]
    )


def _rates_v2(folder: Path, mig: int = 23360) -> Path:
    """A corrected 2025-26 table: the next version, the pension-age MIG a pound higher."""
    text = (resources_dir() / "rates" / "england-2025-26-v1.yaml").read_text(encoding="utf-8")
    text = text.replace("version: 1\n", "version: 2\n", 1).replace("value: 23260", f"value: {mig}")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "england-2025-26-v2.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _financial(vault: Vault, *, complete: bool) -> Any:
    session = session_for(vault, today=START)
    form = session.forms.latest("financial_assessment")
    person = session.people.add(community_person())
    record = start_record(session, form, person.id)
    for key, value in ANSWERS.items():
        if record.answers.get(key) != value:
            session.records.save_field(record.id, key, value)
    if not complete:
        return session.records.get(record.id)
    return complete_record(session_for(vault, today=DONE), record.id)


def _charge(vault: Vault, answers: dict[str, Any]) -> tuple[int | None, str]:
    session = session_for(vault, today=DONE)
    form = session.forms.latest("financial_assessment")
    outcomes = evaluate(form, answers, today=DONE, rates=session.rates).outcomes
    return outcomes["charge"].value, str(outcomes["charge_rates"].value)


def test_a_published_rates_table_is_used_for_new_charges_and_a_completed_record_keeps_its_own(
    gateway: Gateway, vault: Vault, tmp_path: Path, store_url: str
) -> None:
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    done = _financial(vault, complete=True)
    assert done.answers["rates_table_used"].startswith("england-2025-26@1#")
    draft = _financial(vault, complete=False)
    assert _charge(vault, draft.answers)[0] == 15_390

    source = _rates_v2(tmp_path / "to-publish")
    assert _publish(tmp_path, store_url, source, "rates", "--description", "MIG corrected") == 0
    report = sync_now(vault, transport_for(vault))
    assert report.finished and report.reference == ("rates package version 1",)

    # A charge worked out now takes the new version; the completed record keeps version 1.
    charge, pin = _charge(vault, draft.answers)
    assert (charge, pin.partition("#")[0]) == (15_290, "england-2025-26@2")
    assert _charge(vault, done.answers) == (15_390, done.answers["rates_table_used"])
    # What is kept is in the vault: a session opened afterwards uses it too.
    assert reference_data.kept_versions(vault.conn) == {"rates": 1}
    assert reference_data.summary(vault)[0][3] == "MIG corrected"


def test_a_published_form_version_is_offered_for_new_records_while_a_draft_stays_on_its_own(
    gateway: Gateway, vault: Vault, tmp_path: Path, store_url: str
) -> None:
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    session = session_for(vault, today=DONE)
    person = session.people.add(community_person())
    draft = start_record(session, session.forms.latest("needs_assessment"), person.id)
    assert draft.form_version == 1

    text = (default_forms_dir() / "needs_assessment" / "v1.yaml").read_text(encoding="utf-8")
    v2 = tmp_path / "forms" / "needs_assessment" / "v2.yaml"
    v2.parent.mkdir(parents=True)
    v2.write_text(text.replace("\nversion: 1\n", "\nversion: 2\n", 1), encoding="utf-8")
    assert _publish(tmp_path, store_url, v2, "forms", "--description", "Needs v2") == 0
    report = sync_now(vault, transport_for(vault))
    assert report.reference == ("forms package version 1",)

    later = session_for(vault, today=DONE)
    assert later.forms.versions("needs_assessment") == [1, 2]
    # The draft is never stranded: no migration leads from v1, so it stays on v1.
    opened = open_for_editing(later, draft.id)
    assert (opened.record.form_version, opened.form.version) == (1, 1)
    fresh = start_record(later, later.forms.latest("needs_assessment"), person.id)
    assert fresh.form_version == 2
    # The window's session picks new forms up after its sync without being rebuilt.
    session.load_reference()
    assert session.forms.latest("needs_assessment").version == 2


def _repack(data: bytes, change: Any) -> bytes:
    package = json.loads(data)
    change(package)
    return json.dumps(package, sort_keys=True, separators=(",", ":")).encode()


def _byte_changed(package: dict[str, Any]) -> None:
    (name,) = package["files"]
    content = bytearray(base64.b64decode(package["files"][name]))
    content[-2] ^= 1
    package["files"][name] = base64.b64encode(bytes(content)).decode()


def _unsigned(package: dict[str, Any]) -> None:
    del package["signature"]


@pytest.mark.parametrize(
    ("how", "refusal"),
    [
        ("byte changed", "is not the one that was signed"),
        ("unsigned", "is not signed,"),
        ("another key", "is not signed by the council's publishing key"),
        ("older", "is not newer than version 1"),
    ],
)
def test_a_bad_package_is_refused_with_a_message_and_the_old_one_stays_in_use(
    gateway: Gateway, vault: Vault, tmp_path: Path, store_url: str, how: str, refusal: str
) -> None:
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    _publish(tmp_path, store_url, _rates_v2(tmp_path / "good"), "rates")
    assert sync_now(vault, transport_for(vault)).reference == ("rates package version 1",)
    good = gateway.store.reference_newer({}, 1 << 30)[0][0]
    draft = _financial(vault, complete=False)
    assert _charge(vault, draft.answers)[0] == 15_290

    # Version 2 of the rates would raise the MIG again, to £235.60: it must not be used.
    bad_table = _rates_v2(tmp_path / "bad", mig=23560).read_bytes()
    files = {"england-2025-26-v3.yaml": bad_table.replace(b"version: 2\n", b"version: 3\n")}
    assert gateway.publishing_key is not None
    signer = Ed25519PrivateKey.generate() if how == "another key" else gateway.publishing_key.sign
    content = seal_package("rates", 2, "bad", files, signer, published=NOW)
    if how == "byte changed":
        content = _repack(content, _byte_changed)
    elif how == "unsigned":
        content = _repack(content, _unsigned)
    elif how == "older":
        content = good  # version 1 again, validly signed, served as if it were new
    assert gateway.store.publish_reference("rates", 2, "bad", content, NOW)

    report = sync_now(vault, transport_for(vault))
    assert refusal in report.problem and "the app keeps what it had" in report.problem
    assert report.reference == ()
    assert reference_data.kept_versions(vault.conn) == {"rates": 1}
    assert _charge(vault, draft.answers)[0] == 15_290  # still version 2 of the table


def test_nothing_changed_is_a_tiny_answer_and_the_gateway_knows_who_has_what(
    gateway: Gateway, vault: Vault, tmp_path: Path, store_url: str, capsys: Any
) -> None:
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    _publish(tmp_path, store_url, _rates_v2(tmp_path / "p"), "rates", "--description", "MIG")
    assert sync_now(vault, transport_for(vault)).reference == ("rates package version 1",)
    transport = transport_for(vault)
    request = reference_request(vault).to_json()
    answer = transport.post(REFERENCE_PATH, request)
    assert answer["packages"] == []
    assert len(json.dumps(request)) + len(json.dumps(answer)) < 200
    assert sync_now(vault, transport).reference == ()
    capsys.readouterr()
    assert gateway_cli(["--data", str(tmp_path), "--db", store_url, "published"]) == 0
    listed = capsys.readouterr().out
    assert "rates\tversion 1" in listed and "1 laptop have it" in listed and "MIG" in listed
    assert gateway.publishing_key is not None  # checked as laptops check it, by this key
    assert f"signed by {gateway.publishing_key.fingerprint[:19]}" in listed


def test_publish_refuses_what_the_laptops_could_not_use(
    tmp_path: Path, store_url: str, capsys: Any
) -> None:
    data = tmp_path / "gw"
    assert gateway_cli(["--data", str(data), "--db", store_url, "publishing-key", "show"]) == 2
    assert "no publishing key yet" in capsys.readouterr().err
    assert gateway_cli(["--data", str(data), "--db", store_url, "publishing-key", "create"]) == 0
    assert "fingerprint" in capsys.readouterr().out
    broken = _rates_v2(tmp_path / "broken")
    broken.write_text(broken.read_text("utf-8").replace("value: 23360", "value: lots"), "utf-8")
    assert _publish(data, store_url, broken, "rates") == 2
    assert "mig_single_pension_age" in capsys.readouterr().err
    # The same version of a released table, with other figures: never published.
    changed = (resources_dir() / "rates" / "england-2025-26-v1.yaml").read_text("utf-8")
    clash = tmp_path / "clash" / "england-2025-26-v1.yaml"
    clash.parent.mkdir()
    clash.write_text(changed.replace("value: 23260", "value: 1"), "utf-8")
    assert _publish(data, store_url, clash, "rates") == 2
    assert capsys.readouterr().err.startswith("assessor-gateway: ")
    assert gateway_cli(["--data", str(data), "--db", store_url, "published"]) == 0
    assert capsys.readouterr().out == ""


def test_the_window_takes_new_forms_at_the_end_of_its_sync_and_says_a_refusal(
    qtbot: Any, gateway: Gateway, vault: Vault, tmp_path: Path, store_url: str
) -> None:
    from assessor_app.ui.operations import BackgroundOps
    from assessor_app.ui.sync_status import SyncController

    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    text = (default_forms_dir() / "needs_assessment" / "v1.yaml").read_text(encoding="utf-8")
    v2 = tmp_path / "forms" / "needs_assessment" / "v2.yaml"
    v2.parent.mkdir(parents=True)
    v2.write_text(text.replace("\nversion: 1\n", "\nversion: 2\n", 1), encoding="utf-8")
    assert _publish(tmp_path, store_url, v2, "forms") == 0
    ops = BackgroundOps()
    session = session_for(vault, today=DONE)
    assert session.forms.latest("needs_assessment").version == 1
    controller = SyncController(ops, session)
    try:
        with qtbot.waitSignal(controller.finished, timeout=20_000) as done:
            controller.sync_now()
        assert done.args[0].reference == ("forms package version 1",)
        assert controller.text.endswith("new from the council: forms package version 1")
        assert session.forms.latest("needs_assessment").version == 2  # offered at once

        assert gateway.publishing_key is not None
        stranger = Ed25519PrivateKey.generate()
        bad = seal_package("forms", 2, "", {"x/v1.yaml": b"id: x\n"}, stranger, published=NOW)
        gateway.store.publish_reference("forms", 2, "", bad, NOW)
        with qtbot.waitSignal(controller.finished, timeout=20_000) as done:
            controller.sync_now()
        assert "not signed by the council's publishing key" in done.args[0].problem
        assert "not signed by the council's publishing key" in controller.detail
        assert session.forms.latest("needs_assessment").version == 2
    finally:
        controller.stop()
        ops.shutdown()


def test_published_branding_goes_on_new_pdfs_unless_the_settings_name_a_file(
    gateway: Gateway, vault: Vault, tmp_path: Path, store_url: str
) -> None:
    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    assert session_for(vault).branding.placeholder  # the shipped example details
    shipped = (resources_dir() / "branding" / "default.yaml").read_text(encoding="utf-8")
    own = shipped.replace("placeholder: true", "placeholder: false").replace(
        'authority_name: ""', 'authority_name: "Westshire Council"'
    )
    folder = tmp_path / "branding"
    folder.mkdir()
    (folder / "branding.yaml").write_text(own, encoding="utf-8")
    assert _publish(tmp_path, store_url, folder, "branding") == 0
    assert sync_now(vault, transport_for(vault)).reference == ("branding package version 1",)
    branding = session_for(vault).branding
    assert (branding.authority_name, branding.placeholder) == ("Westshire Council", False)
