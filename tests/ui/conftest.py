"""GUI test fixtures: a main window over a temp data folder with the cheap KDF, and helpers
that wait for the background worker instead of sleeping.

`tests/conftest.py` sets QT_QPA_PLATFORM=offscreen before Qt loads; it is set here too so this
folder can run on its own.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator  # noqa: E402 - platform must be set first
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from pytestqt.qtbot import QtBot  # noqa: E402

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from assessor_app.core.form_engine.definition import FormRegistry, load_forms_dir  # noqa: E402
from assessor_app.core.paths import default_forms_dir  # noqa: E402
from assessor_app.core.records import Person, PersonDetails  # noqa: E402
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS  # noqa: E402
from assessor_app.core.storage.people import PeopleRepository  # noqa: E402

from assessor_app.ui import dialogs  # noqa: E402
from assessor_app.ui.app import build_main_window  # noqa: E402
from assessor_app.ui.views.caseload import CaseloadView  # noqa: E402
from assessor_app.ui.views.main_window import MainWindow  # noqa: E402
from assessor_app.ui.views.person_form import PersonDialog  # noqa: E402
from assessor_app.ui.views.profile_create import ProfileCreateView  # noqa: E402
from assessor_app.ui.views.unlock import UnlockView  # noqa: E402

UI_PASSPHRASE = "otter lantern plum"


@pytest.fixture(scope="session")
def registry() -> FormRegistry:
    """The shipped forms (including `sample`), loaded once: they are immutable."""
    return load_forms_dir(default_forms_dir())


@pytest.fixture
def shown_messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """Every modal message the app tried to show; a real message box would block the test."""
    shown: list[tuple[str, str, str]] = []

    def record(_parent: object, title: str, text: str, detail: str = "") -> None:
        shown.append((title, text, detail))

    monkeypatch.setattr(dialogs, "show_message", record)
    return shown


WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def make_window(
    qtbot: QtBot, tmp_path: Path, registry: FormRegistry, shown_messages: list[object]
) -> Iterator[WindowFactory]:
    """Build the app's window the way `run_gui` does, but with the fast KDF and a temp folder.

    Closing it (at teardown) closes any open vault and drains the worker.
    """
    del shown_messages  # requested so no test can block on a message box
    windows: list[MainWindow] = []

    def factory(**kwargs: object) -> MainWindow:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        options: dict[str, object] = {
            "data_dir": tmp_path / "data",
            "registry": registry,
            "kdf": FAST_KDF_FOR_TESTS,
        }
        options.update(kwargs)
        Path(options["data_dir"]).mkdir(parents=True, exist_ok=True)  # type: ignore[arg-type]
        window = build_main_window(app, **options)  # type: ignore[arg-type]
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()  # offscreen has no window manager to do it
        qtbot.waitUntil(window.isActiveWindow)
        windows.append(window)
        return window

    yield factory
    for window in windows:
        window.close()


def wait_for_worker(qtbot: QtBot, window: MainWindow, timeout: int = 10_000) -> None:
    """Wait until every queued background op has run and its result was delivered."""
    qtbot.waitUntil(lambda: window.ops.pending == 0, timeout=timeout)


# -- driving the window the way a user does (shared by the journey tests) -----------------


def create_profile(qtbot: QtBot, window, name: str = "Robin Testcase") -> None:
    view = window.stack.currentWidget()
    assert isinstance(view, ProfileCreateView)
    qtbot.keyClicks(view.name, name)
    view.role.setCurrentIndex(1)
    qtbot.keyClicks(view.authority, "Exampleshire County Council")
    qtbot.keyClicks(view.passphrase, UI_PASSPHRASE)
    qtbot.keyClicks(view.confirm, UI_PASSPHRASE)
    with qtbot.waitSignal(window.did_unlock, timeout=10_000):
        qtbot.mouseClick(view.create_button, Qt.MouseButton.LeftButton)


def unlock(qtbot: QtBot, window, passphrase: str = UI_PASSPHRASE) -> None:
    view = window.stack.currentWidget()
    assert isinstance(view, UnlockView)
    qtbot.keyClicks(view.passphrase, passphrase)
    with qtbot.waitSignal(window.did_unlock, timeout=10_000):
        qtbot.keyClick(view.passphrase, Qt.Key.Key_Return)


def reactivate(qtbot: QtBot, window) -> None:
    """Offscreen has no window manager to give focus back to the window after a dialog."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def press_ctrl_l(qtbot: QtBot, window) -> None:
    target = QApplication.focusWidget() or window
    with qtbot.waitSignal(window.did_lock):
        qtbot.keyClick(target, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)


def add_person(qtbot: QtBot, window: MainWindow, details: PersonDetails) -> Person:
    """Add a person on the worker, as the UI would (the vault is not for the GUI thread)."""
    assert window.vault is not None
    added: list[Person] = []
    window.ops.run(PeopleRepository(window.vault).add, details, on_success=added.append)
    wait_for_worker(qtbot, window)
    return added[0]


def new_profile_caseload(
    qtbot: QtBot, make_window: WindowFactory, **options: object
) -> tuple[MainWindow, CaseloadView]:
    """A window with a freshly created profile, on its (empty) caseload."""
    window = make_window(**options)
    create_profile(qtbot, window)
    caseload = window.caseload
    assert caseload is not None
    return window, caseload


def open_add_person_dialog(caseload: CaseloadView) -> PersonDialog:
    """Open the caseload's Add person dialog and return it."""
    caseload.open_add_person()
    dialog = caseload.add_person_dialog
    assert dialog is not None
    return dialog
