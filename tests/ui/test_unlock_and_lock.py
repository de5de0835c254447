"""Unlocking and locking: a wrong passphrase changes nothing, idle time locks, and demo mode
opens straight into a caseload of invented people."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from assessor_app.core.records import Role
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.vault import Vault
from tests.ui.conftest import UI_PASSPHRASE, WindowFactory, wait_for_worker

from assessor_app.ui.views.caseload import CaseloadView
from assessor_app.ui.views.unlock import UnlockView

pytestmark = pytest.mark.gui


@pytest.fixture
def existing_profile(tmp_path):
    """A profile made earlier on this laptop (so the app starts at the unlock screen)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    Vault.create(
        data_dir,
        name="Robin Testcase",
        role=Role.NURSE,
        authority="Example NHS Trust",
        passphrase=UI_PASSPHRASE,
        kdf=FAST_KDF_FOR_TESTS,
    ).close()
    return data_dir


def test_wrong_passphrase_shows_message_and_stays_locked(
    qtbot: QtBot, make_window: WindowFactory, existing_profile
) -> None:
    window = make_window(data_dir=existing_profile)
    view = window.stack.currentWidget()
    assert isinstance(view, UnlockView)
    qtbot.keyClicks(view.passphrase, "not the passphrase")
    qtbot.keyClick(view.passphrase, Qt.Key.Key_Return)
    wait_for_worker(qtbot, window)
    assert view.problem.isVisible()
    assert "doesn't open this laptop's records" in view.problem.text()
    assert "Nothing has been changed" in view.problem.text()
    assert window.vault is None
    assert window.stack.currentWidget() is view
    assert view.passphrase.text() == ""
    assert not window.nav.isVisible()


def test_repeated_wrong_passphrases_count_down_the_backoff(
    qtbot: QtBot, make_window: WindowFactory, existing_profile
) -> None:
    window = make_window(data_dir=existing_profile)
    view = window.stack.currentWidget()
    for _ in range(3):
        qtbot.keyClicks(view.passphrase, "wrong wrong wrong")
        view.submit()
        wait_for_worker(qtbot, window)
    assert not view.unlock_button.isEnabled()
    assert view.unlock_button.text().startswith("Wait ")
    assert "try again in" in view.problem.text()


def test_idle_time_locks_and_drops_personal_screens(
    qtbot: QtBot, make_window: WindowFactory, existing_profile
) -> None:
    window = make_window(data_dir=existing_profile, idle_minutes=0.3 / 60)  # 300 ms
    view = window.stack.currentWidget()
    qtbot.keyClicks(view.passphrase, UI_PASSPHRASE)
    with qtbot.waitSignal(window.did_unlock, timeout=10_000):
        view.submit()
    assert isinstance(window.caseload, CaseloadView)
    with qtbot.waitSignal(window.did_lock, timeout=5000):
        pass
    assert window.vault is None and window.caseload is None
    assert isinstance(window.stack.currentWidget(), UnlockView)
    assert window.stack.currentWidget().selected_profile_id == window.resume.profile_id


def test_demo_mode_opens_a_caseload_of_people(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window(demo=True)
    qtbot.waitUntil(lambda: window.caseload is not None, timeout=20_000)
    caseload = window.caseload
    qtbot.waitUntil(lambda: caseload.results.topLevelItemCount() > 10, timeout=10_000)
    assert window.vault.profile.name == "Demo Assessor"
    assert "shown" in caseload.count.text()


def test_a_profile_open_elsewhere_says_so_at_unlock(
    qtbot: QtBot, make_window: WindowFactory, existing_profile
) -> None:
    from assessor_app.core.storage.profiles import list_profiles

    [profile] = list_profiles(existing_profile)
    elsewhere = Vault.open(existing_profile, profile.id, UI_PASSPHRASE)  # the CLI, say
    try:
        window = make_window(data_dir=existing_profile)
        view = window.stack.currentWidget()
        qtbot.keyClicks(view.passphrase, UI_PASSPHRASE)
        view.submit()
        wait_for_worker(qtbot, window)
        assert window.vault is None
        assert "already open in another Assessor window" in view.problem.text()
    finally:
        elsewhere.close()


def test_an_older_copy_of_the_records_file_is_pointed_out_after_unlock(
    qtbot: QtBot, make_window: WindowFactory, existing_profile, shown_messages
) -> None:
    from assessor_app.core.storage.people import PeopleRepository
    from assessor_app.core.storage.profiles import list_profiles
    from tests.support import community_person

    [profile] = list_profiles(existing_profile)
    db = existing_profile / "profiles" / profile.id / "vault.db"
    older = db.read_bytes()
    vault = Vault.open(existing_profile, profile.id, UI_PASSPHRASE)
    PeopleRepository(vault).add(community_person())
    vault.close()
    db.write_bytes(older)  # the person added since is gone
    window = make_window(data_dir=existing_profile)
    view = window.stack.currentWidget()
    qtbot.keyClicks(view.passphrase, UI_PASSPHRASE)
    with qtbot.waitSignal(window.did_unlock, timeout=10_000):
        view.submit()
    [(title, text, detail)] = [m for m in shown_messages if "not as this profile" in m[0]]
    assert "older copy" in text and "Tell IT" in detail


def test_a_second_window_on_the_same_profile_switches_to_the_first(
    qtbot: QtBot, make_window: WindowFactory, existing_profile
) -> None:
    first = make_window(data_dir=existing_profile)
    view = first.stack.currentWidget()
    qtbot.keyClicks(view.passphrase, UI_PASSPHRASE)
    with qtbot.waitSignal(first.did_unlock, timeout=10_000):
        view.submit()
    second = make_window(data_dir=existing_profile)
    second.show()
    other = second.stack.currentWidget()
    qtbot.keyClicks(other.passphrase, UI_PASSPHRASE)
    other.submit()
    wait_for_worker(qtbot, second)
    assert second.vault is None and other.switch_button.isVisible()
    with qtbot.waitSignal(first.came_forward, timeout=5000):
        qtbot.mouseClick(other.switch_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not second.isVisible(), timeout=5000)
    assert first.vault is not None  # the first window carries on as it was


def test_switching_when_the_command_line_holds_the_profile_says_so(
    qtbot: QtBot, make_window: WindowFactory, existing_profile
) -> None:
    from assessor_app.core.storage.profiles import list_profiles

    [profile] = list_profiles(existing_profile)
    elsewhere = Vault.open(existing_profile, profile.id, UI_PASSPHRASE)
    try:
        window = make_window(data_dir=existing_profile)
        view = window.stack.currentWidget()
        qtbot.keyClicks(view.passphrase, UI_PASSPHRASE)
        view.submit()
        wait_for_worker(qtbot, window)
        qtbot.mouseClick(view.switch_button, Qt.MouseButton.LeftButton)
        assert "command line" in view.problem.text() and not view.switch_button.isVisible()
    finally:
        elsewhere.close()
