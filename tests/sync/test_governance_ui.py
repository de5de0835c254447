"""The lease lock screen and the "records deleted" message, in the real window (pytest-qt).

A real gateway on loopback (SQLite and PostgreSQL), a real vault the window unlocks, and one
clock both read, moved by the test.
"""

# ruff: noqa: F811 - the window fixtures are imported from tests/ui, then asked for by name
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from assessor_app.core.records import Role
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.profiles import list_profiles
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import enrol
from sync.lease import unlock_code
from tests.support import community_person, session_for
from tests.sync.test_governance import Clock, Governed, _gateway
from tests.ui.conftest import (  # noqa: F401 - fixtures, shared with the window's own tests
    UI_PASSPHRASE,
    WindowFactory,
    make_window,
    registry,
    shown_messages,
    unlock,
)

from assessor_app.ui.views.caseload import CaseloadView
from assessor_app.ui.views.lease_lock import LeaseLockView
from assessor_app.ui.views.profile_create import ProfileCreateView
from assessor_app.ui.views.withdrawn import WithdrawnView

SCREENSHOT = os.environ.get("ASSESSOR_SCREENSHOT", "")
"""A path (say /tmp/lease-lock.png) to save the lock screen to at 1024×640, to look at."""


@pytest.fixture
def governed(store_url: str, tmp_path: Path) -> Iterator[Governed]:
    with _gateway(store_url, tmp_path / "gw", revoked_may_send=False) as gateway:
        gateway.clock.at = dt.datetime.now(dt.UTC)
        yield gateway


def _enrolled_profile(tmp_path: Path, governed: Governed) -> str:
    """A profile in the window's data folder, enrolled, with one person; locked again."""
    vault = Vault.create(
        tmp_path / "data",
        name="Robin Testcase",
        role=Role.SOCIAL_WORKER,
        authority="Exampleshire County Council",
        passphrase=UI_PASSPHRASE,
        kdf=FAST_KDF_FOR_TESTS,
    )
    session_for(vault).people.add(community_person())
    enrolled = enrol(
        vault, governed.url, governed.code(), first_contact_ca=governed.ca.pem, now=governed.clock
    )
    vault.close()
    return enrolled.device_id


def _locked_window(
    qtbot: QtBot, make_window: WindowFactory, clock: Clock, days: int
) -> tuple[object, LeaseLockView]:
    clock.move(days=days)
    window = make_window(now=clock)
    unlock(qtbot, window)
    view = window.stack.currentWidget()
    assert isinstance(view, LeaseLockView)
    return window, view


def test_past_its_lease_the_laptop_shows_the_lock_screen_and_a_code_opens_it(
    qtbot: QtBot, make_window: WindowFactory, governed: Governed, tmp_path: Path
) -> None:
    device = _enrolled_profile(tmp_path, governed)
    window, view = _locked_window(qtbot, make_window, governed.clock, days=20)
    assert view.message.text() == (
        "This laptop has not reached the council's server for 20 days. Connect to sync, or "
        "ring IT for an unlock code."
    )
    assert window.caseload is None  # type: ignore[attr-defined]
    if SCREENSHOT:
        window.resize(1024, 640)  # type: ignore[attr-defined]
        qtbot.wait(50)
        window.grab().save(SCREENSHOT)  # type: ignore[attr-defined]

    qtbot.keyClicks(view.code, "AAAAA-AAAAA")
    view.unlock_button.click()
    qtbot.waitUntil(lambda: "does not open this laptop today" in view.problem.text())
    assert window.caseload is None  # type: ignore[attr-defined]

    key = governed.store.lease_key(device)
    assert key is not None
    view.code.setText(unlock_code(key, device, governed.clock().date()))
    view.unlock_button.click()
    qtbot.waitUntil(
        lambda: isinstance(window.stack.currentWidget(), CaseloadView)  # type: ignore[attr-defined]
    )
    assert window.lease_lock is None  # type: ignore[attr-defined]


def test_a_sync_from_the_lock_screen_lifts_it(
    qtbot: QtBot, make_window: WindowFactory, governed: Governed, tmp_path: Path
) -> None:
    _enrolled_profile(tmp_path, governed)
    window, view = _locked_window(qtbot, make_window, governed.clock, days=20)
    view.sync_button.click()
    qtbot.waitUntil(
        lambda: isinstance(window.stack.currentWidget(), CaseloadView),  # type: ignore[attr-defined]
        timeout=10_000,
    )
    assert governed.store.count() == 1  # the person queued before went too


def test_a_revoked_laptop_says_so_in_plain_words_and_its_profile_is_gone(
    qtbot: QtBot, make_window: WindowFactory, governed: Governed, tmp_path: Path
) -> None:
    device = _enrolled_profile(tmp_path, governed)
    governed.store.revoke(device, governed.clock())
    window = make_window(now=governed.clock)
    unlock(qtbot, window)
    with qtbot.waitSignal(window.withdrawn, timeout=10_000):
        window.sync_now()
    view = window.stack.currentWidget()
    assert isinstance(view, WithdrawnView)
    assert view.heading.text() == "This laptop's access has been withdrawn"
    text = view.message.text()
    assert "Robin Testcase's profile has been deleted" in text
    assert "1 change(s) or signed PDF(s) had not reached the council" in text
    assert window.vault is None and window.caseload is None
    assert list_profiles(tmp_path / "data") == []
    view.ok_button.click()
    assert isinstance(window.stack.currentWidget(), ProfileCreateView)


def test_a_receipt_carrying_the_order_deletes_the_profile_and_says_so(
    qtbot: QtBot,
    make_window: WindowFactory,
    governed: Governed,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Told by file (a laptop that never goes online): the receipt IT brings back."""
    from assessor_app.core.sync_client.file_transport import export_bundle
    from sync.gateway.bundles import import_bundle

    from assessor_app.ui import dialogs

    device = _enrolled_profile(tmp_path, governed)
    (profile,) = list_profiles(tmp_path / "data")
    vault = Vault.open(tmp_path / "data", profile.id, UI_PASSPHRASE)
    bundle = tmp_path / "laptop.bundle"
    export_bundle(vault, bundle, governed.clock())
    vault.close()
    governed.store.order_wipe(device, governed.clock())
    taken = import_bundle(
        governed.store,
        governed.bundle_key,
        governed.ca.certificate,
        bundle.read_bytes(),
        governed.clock(),
    )
    receipt = tmp_path / "laptop.receipt"
    receipt.write_bytes(taken.receipt)

    window = make_window(now=governed.clock)
    unlock(qtbot, window)
    monkeypatch.setattr(dialogs, "open_file", lambda *_a: receipt)
    with qtbot.waitSignal(window.withdrawn, timeout=10_000):
        window.receipt_action.trigger()
    view = window.stack.currentWidget()
    assert isinstance(view, WithdrawnView)
    assert view.heading.text() == "IT has wiped this laptop's records"
    assert "reported this laptop lost" in view.message.text()
    assert list_profiles(tmp_path / "data") == []


def test_an_inbound_file_from_the_lock_screen_renews_the_lease_and_lifts_it(
    qtbot: QtBot,
    make_window: WindowFactory,
    governed: Governed,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A laptop that never connects: IT's inbound file is its contact (issue 16)."""
    from sync.gateway.bundles import inbound_for_device

    from assessor_app.ui import dialogs

    device = _enrolled_profile(tmp_path, governed)
    window, _view = _locked_window(qtbot, make_window, governed.clock, days=20)
    assert governed.bundle_key is not None
    written = inbound_for_device(
        governed.store, governed.bundle_key, device, governed.clock(), lease_days=14
    )
    inbound = tmp_path / "laptop.inbound"
    inbound.write_bytes(written.data)
    said: list[str] = []
    monkeypatch.setattr(dialogs, "open_file", lambda *_a: inbound)
    monkeypatch.setattr(dialogs, "inform", lambda _p, _t, text, *_a: said.append(text))
    window.receipt_action.trigger()  # type: ignore[attr-defined]
    qtbot.waitUntil(
        lambda: isinstance(window.stack.currentWidget(), CaseloadView),  # type: ignore[attr-defined]
        timeout=10_000,
    )
    assert window.lease_lock is None  # type: ignore[attr-defined]
    assert "The lease was renewed: 14 days" in said[0]
