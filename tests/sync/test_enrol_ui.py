"""Enrolling from the window: what was typed is checked, refusals are said, nothing half-done."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from assessor_app.core.storage.enrolment import load_enrolment
from assessor_app.core.storage.vault import Vault
from sync.gateway.ca import GatewayCA
from sync.protocol import ca_fingerprint
from tests.support import session_for
from tests.sync.conftest import Gateway

from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.views.enrol_dialog import EnrolDialog


@pytest.fixture
def ops() -> Any:
    helper = BackgroundOps()
    yield helper
    helper.shutdown()


def _dialog(qtbot: QtBot, ops: BackgroundOps, vault: Vault) -> EnrolDialog:
    dialog = EnrolDialog(ops, session_for(vault))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _fill(dialog: EnrolDialog, gateway: Gateway, code: str, tmp_path: Path) -> None:
    ca = tmp_path / "gateway.pem"
    ca.write_bytes(gateway.ca.pem)
    dialog.address.setText(gateway.url)
    dialog.code.setText(code)
    dialog.certificate.setText(str(ca))


def test_enrolling_from_the_window(
    qtbot: QtBot, ops: BackgroundOps, vault: Vault, gateway: Gateway, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, ops, vault)
    _fill(dialog, gateway, gateway.code(), tmp_path)
    with qtbot.waitSignal(dialog.enrolled, timeout=10_000) as done:
        dialog.enrol_button.click()
    assert done.args[0].gateway_url == gateway.url
    enrolled = load_enrolment(vault)
    assert enrolled is not None and enrolled.server_ca_pem == gateway.ca.pem
    assert len(gateway.store.devices()) == 1


def test_a_used_code_is_refused_in_the_gateways_words_and_nothing_is_kept(
    qtbot: QtBot, ops: BackgroundOps, vault: Vault, gateway: Gateway, tmp_path: Path
) -> None:
    code = gateway.code()
    first = _dialog(qtbot, ops, vault)
    _fill(first, gateway, code, tmp_path)
    with qtbot.waitSignal(first.enrolled, timeout=10_000):
        first.enrol_button.click()
    before = load_enrolment(vault)
    again = _dialog(qtbot, ops, vault)
    _fill(again, gateway, code, tmp_path)
    again.enrol_button.click()
    qtbot.waitUntil(lambda: "already been used" in again.message.text(), timeout=10_000)
    assert again.message.text().endswith("Nothing was changed.")
    assert again.enrol_button.isEnabled() and again.isVisible()
    assert load_enrolment(vault) == before


@pytest.mark.parametrize(
    ("address", "code", "fingerprint", "certificate", "says"),
    [
        ("http://gateway", "AAAA-BBBB-CCCC", "", "", "starts https://"),
        ("https://gateway", "AAAA", "", "", "12-letter enrolment code"),
        ("https://gateway", "AAAA-BBBB-CCCC", "", "/nowhere/gateway.pem", "certificate file"),
        ("https://gateway", "AAAA-BBBB-CCCC", "", "", "Type the gateway's fingerprint"),
        ("https://gateway", "AAAA-BBBB-CCCC", "1234 ABCD", "", "not the gateway's fingerprint"),
        ("https://gateway", "AAAA-BBBB-CCCC", "ABCD " * 16, "/x.pem", "not both"),
    ],
)
def test_what_was_typed_is_checked_before_anything_is_sent(
    qtbot: QtBot,
    ops: BackgroundOps,
    vault: Vault,
    address: str,
    code: str,
    fingerprint: str,
    certificate: str,
    says: str,
) -> None:
    dialog = _dialog(qtbot, ops, vault)
    dialog.address.setText(address)
    dialog.code.setText(code)
    dialog.fingerprint.setText(fingerprint)
    dialog.certificate.setText(certificate)
    dialog.enrol_button.click()
    assert says in dialog.message.text()
    assert load_enrolment(vault) is None and dialog.enrol_button.isEnabled()


def test_enrolling_by_fingerprint_from_the_window(
    qtbot: QtBot, ops: BackgroundOps, vault: Vault, gateway: Gateway
) -> None:
    dialog = _dialog(qtbot, ops, vault)
    dialog.address.setText(gateway.url)
    dialog.code.setText(gateway.code())
    dialog.fingerprint.setText(ca_fingerprint(gateway.ca.pem).lower())
    with qtbot.waitSignal(dialog.enrolled, timeout=10_000):
        dialog.enrol_button.click()
    enrolled = load_enrolment(vault)
    assert enrolled is not None and enrolled.server_ca_pem == gateway.ca.pem
    assert len(gateway.store.devices()) == 1


def test_a_fingerprint_that_does_not_match_is_refused_in_the_dialog_and_the_code_kept(
    qtbot: QtBot, ops: BackgroundOps, vault: Vault, gateway: Gateway, tmp_path: Path
) -> None:
    other = GatewayCA.load_or_create(tmp_path / "other", "Otherton Borough Council")
    code = gateway.code()
    dialog = _dialog(qtbot, ops, vault)
    dialog.address.setText(gateway.url)
    dialog.code.setText(code)
    dialog.fingerprint.setText(ca_fingerprint(other.pem))
    dialog.enrol_button.click()
    qtbot.waitUntil(lambda: "is not the council's" in dialog.message.text(), timeout=10_000)
    assert "Check the address and the fingerprint with IT." in dialog.message.text()
    assert dialog.enrol_button.isEnabled() and dialog.isVisible()
    assert load_enrolment(vault) is None and gateway.store.devices() == []
    # Put right, the same code still enrols.
    dialog.fingerprint.setText(ca_fingerprint(gateway.ca.pem))
    with qtbot.waitSignal(dialog.enrolled, timeout=10_000):
        dialog.enrol_button.click()
    assert len(gateway.store.devices()) == 1


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_enrolling_by_file_from_the_window(
    qtbot: QtBot,
    ops: BackgroundOps,
    vault: Vault,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    store_url: str,
) -> None:
    """A laptop that never connects: a request file out, IT's answer back (decision 0011)."""
    import datetime as dt

    from sync.gateway.bundles import BundleKey
    from sync.gateway.enrolment import EnrolmentTerms, enrol_by_file
    from sync.gateway.store import Store

    from assessor_app.ui import dialogs

    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(tmp_path / "ca", "Exampleshire County Council")
    key = BundleKey.load_or_create(tmp_path / "ca")
    now = dt.datetime.now(dt.UTC)
    code = store.issue_code(store.create_assessor("Robin Testcase", now), now, dt.timedelta(1))
    dialog = _dialog(qtbot, ops, vault)
    request, answer = tmp_path / "enrol.request", tmp_path / "enrol.answer"
    monkeypatch.setattr(dialogs, "save_file", lambda *_a: request)
    monkeypatch.setattr(dialogs, "open_file", lambda *_a: answer)

    dialog.request_button.click()
    qtbot.waitUntil(lambda: "12-letter enrolment code" in dialog.message.text())
    dialog.code.setText(code)
    dialog.request_button.click()
    qtbot.waitUntil(lambda: "was written to enrol.request" in dialog.message.text())
    # The CA's clock runs a little behind, so what it issues is valid as soon as it is read.
    _, sealed = enrol_by_file(
        store, ca, key, request.read_bytes(), now, EnrolmentTerms(ca.pem.decode("ascii"))
    )
    answer.write_bytes(sealed)

    dialog.fingerprint.setText("ABCD " * 16)
    dialog.answer_button.click()
    qtbot.waitUntil(lambda: "not from the council's gateway" in dialog.message.text())
    assert load_enrolment(vault) is None and dialog.answer_button.isEnabled()
    dialog.fingerprint.setText(ca_fingerprint(ca.pem))
    with qtbot.waitSignal(dialog.enrolled, timeout=10_000) as done:
        dialog.answer_button.click()
    assert done.args[0].gateway_url == "" and load_enrolment(vault) is not None
