"""Tools → Send by file… and Import a receipt from file…, over a real vault and gateway store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtWidgets import QWidget

from assessor_app.core.storage import outbox
from assessor_app.core.storage.outbox import OutboxState
from assessor_app.core.storage.vault import Vault
from tests.sync.test_bundles import Authority, _enrol, _work, authority  # noqa: F401 - fixture

from assessor_app.ui import dialogs
from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.views.send_by_file import import_receipt_file, send_by_file

pytestmark = pytest.mark.gui


@pytest.fixture
def ops() -> Any:
    helper = BackgroundOps()
    yield helper
    helper.shutdown()


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_send_by_file_then_import_the_receipt_from_the_tools_menu(
    qtbot: QtBot,
    ops: BackgroundOps,
    vault: Vault,
    authority: Authority,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _work(vault)
    _enrol(vault, authority)
    window = QWidget()
    qtbot.addWidget(window)
    said: list[str] = []
    target = tmp_path / "records.bundle"
    monkeypatch.setattr(dialogs, "save_file", lambda *_a: target)
    monkeypatch.setattr(dialogs, "inform", lambda _p, _t, text, *_a: said.append(text))

    send_by_file(window, ops, vault)
    qtbot.waitUntil(lambda: len(said) == 1)
    assert "4 change(s) and 0 signed PDF(s) were written to records.bundle" in said[0]
    assert target.exists()

    receipt = tmp_path / "records.receipt"
    receipt.write_bytes(authority.take(target.read_bytes()).receipt)
    monkeypatch.setattr(dialogs, "open_file", lambda *_a: receipt)
    import_receipt_file(window, ops, vault)
    qtbot.waitUntil(lambda: len(said) == 2)
    assert "4 change(s) and 0 signed PDF(s) are now at the council" in said[1]
    ops.run(lambda: None)  # the vault is read after the worker is done with it
    qtbot.waitUntil(
        lambda: {i.state for i in outbox.items(vault.conn)} == {OutboxState.ACKNOWLEDGED}
    )


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_import_from_file_takes_an_inbound_bundle_and_says_what_it_brought(
    qtbot: QtBot,
    ops: BackgroundOps,
    vault: Vault,
    authority: Authority,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 16: a laptop never online gets its caseload and lease by file, from the menu."""
    from assessor_app.core.storage.people import PeopleRepository
    from sync.gateway.bundles import inbound_for_device
    from tests.sync.test_bundles import NOW
    from tests.sync.test_inbound import _enrol_by_file

    device_id = _enrol_by_file(vault, authority, tmp_path)
    # A person IT allocates to this assessor, sent from the assessor's other laptop.
    other = _laptop_with_a_person(authority, tmp_path)
    window = QWidget()
    qtbot.addWidget(window)
    said: list[str] = []
    refreshed: list[bool] = []
    down = tmp_path / "from-the-council.inbound"
    written = inbound_for_device(authority.store, authority.key, device_id, NOW, lease_days=28)
    down.write_bytes(written.data)
    monkeypatch.setattr(dialogs, "open_file", lambda *_a: down)
    monkeypatch.setattr(dialogs, "inform", lambda _p, _t, text, *_a: said.append(text))

    import_receipt_file(window, ops, vault, on_caseload=lambda: refreshed.append(True))
    qtbot.waitUntil(lambda: len(said) == 1)
    assert "File 1 from the council brought 1 new person(s) on your caseload" in said[0]
    assert "The lease was renewed: 28 days" in said[0]
    assert refreshed == [True]
    ops.run(lambda: None)  # the vault is read after the worker is done with it
    qtbot.waitUntil(lambda: [p.id for p in PeopleRepository(vault).search("")] == [other])

    from assessor_app.ui import error_display

    errors: list[str] = []
    monkeypatch.setattr(
        error_display, "show_error", lambda _p, error, *_a: errors.append(error.user_message)
    )
    import_receipt_file(window, ops, vault)  # the same file again: refused, and said so
    qtbot.waitUntil(lambda: len(errors) == 1)
    assert "one this laptop has already taken" in errors[0] and "nothing was changed" in errors[0]
    assert len(said) == 1


def _laptop_with_a_person(authority: Authority, tmp_path: Path) -> str:  # noqa: F811
    """The assessor's other laptop (enrolled online) sends a person; the person's id."""
    import datetime as dt

    from assessor_app.core.records import Role
    from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
    from assessor_app.core.sync_client.client import enrolment_request, finish_enrolment
    from sync.gateway.enrolment import EnrolmentTerms, answer_enrolment
    from sync.protocol import PushRequest
    from tests.support import community_person, session_for
    from tests.sync.test_bundles import NOW

    other = Vault.create(
        tmp_path / "other",
        name="Robin Testcase",
        role=Role.SOCIAL_WORKER,
        authority="Exampleshire County Council",
        passphrase="amber lantern orchard",
        kdf=FAST_KDF_FOR_TESTS,
    )
    code = authority.store.issue_code(authority.assessor, NOW, dt.timedelta(minutes=15))
    device, answer = answer_enrolment(
        authority.store,
        authority.ca,
        enrolment_request(other, code),
        NOW,
        EnrolmentTerms(authority.ca.pem.decode("ascii")),
    )
    finish_enrolment(other, "https://gateway.invalid", answer, now=NOW)
    person = session_for(other).people.add(community_person(family_name="Ashcombe"))
    from assessor_app.core.sync_client.client import next_batch

    batch = next_batch(other, NOW + dt.timedelta(days=1))
    assert batch is not None
    items = PushRequest.from_json(dict(batch.body)).items
    authority.store.push(device.id, items, NOW, assessor=authority.assessor)
    other.close()
    return person.id
