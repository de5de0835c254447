"""QApplication setup and wiring: builds the background helper and the main window from the
core objects the composition root passes in. No module-level app object.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QApplication

from assessor_app.core import settings
from assessor_app.core.errors import AssessorError

from assessor_app.ui import dialogs
from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.vault_loading import prewarm
from assessor_app.ui.views.main_window import AppContext, MainWindow

if TYPE_CHECKING:
    from assessor_app.core.form_engine.definition import FormRegistry
    from assessor_app.core.storage.keyslots import KdfParams
    from assessor_app.core.storage.vault import Vault

log = logging.getLogger(__name__)


def load_forms(forms_dir: Path) -> FormRegistry:
    """Read the form definitions (the form engine is imported here, off the start-up path)."""
    from assessor_app.core.form_engine.definition import load_forms_dir

    return load_forms_dir(forms_dir)


class FormsLoader(QObject):
    """The form definitions, read once on a thread of their own after the window is up.

    Nothing before unlocking needs the forms, and reading them (the form engine, the rules and
    every YAML file: about 300 ms) on the GUI thread's first pass kept the unlock window from
    taking a keystroke. `start` begins reading in the background; `get` (the window's
    `load_registry`, from any thread) starts it if it has not begun and waits for it, so a
    record opened before the background read finishes gets the same registry, read once.
    `finished` is delivered on the GUI thread with the failure, or None.
    """

    finished = Signal(object)

    def __init__(self, forms_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._forms_dir = forms_dir
        self._future: Future[FormRegistry] = Future()
        self._started = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Begin reading on a background thread (once; later calls do nothing)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._read, name="assessor-forms").start()

    def _read(self) -> None:
        try:
            self._future.set_result(load_forms(self._forms_dir))
        except BaseException as e:  # noqa: BLE001 - handed to whoever asks, never dropped
            self._future.set_exception(e)
        failure = self._future.exception()
        try:
            self.finished.emit(failure)
        except RuntimeError:  # the window (and this object) went first: nobody to tell
            pass

    def get(self) -> FormRegistry:
        """The registry, waiting for the background read (raises what reading raised)."""
        self.start()
        return self._future.result()


DEMO_PASSPHRASE = "demo-demo"
"""Vault.create needs at least 8 characters, so the demo's passphrase is 'demo' twice."""


def make_demo_vault(data_dir: Path, registry: FormRegistry) -> Vault:
    """A throwaway profile full of invented people (cheap KDF: never for real data)."""
    # Demo only: kept off the start-up path.
    from assessor_app.core.demo import populate_demo, write_demo_branding
    from assessor_app.core.records import Role
    from assessor_app.core.services.session import Session
    from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
    from assessor_app.core.storage.vault import Vault

    vault = Vault.create(
        data_dir,
        name="Demo Assessor",
        role=Role.SOCIAL_WORKER,
        authority="Demoshire County Council (synthetic)",
        passphrase=DEMO_PASSPHRASE,
        kdf=FAST_KDF_FOR_TESTS,
    )
    populate_demo(Session(vault, registry))
    write_demo_branding(data_dir)
    return vault


def build_main_window(
    app: QApplication,
    *,
    data_dir: Path,
    registry: FormRegistry | Callable[[], FormRegistry],
    kdf: KdfParams | None = None,
    idle_minutes: float = 5.0,
    demo: bool = False,
    today: Callable[[], dt.date] = dt.date.today,
    developer_forms: bool = False,
    now: Callable[[], dt.datetime] | None = None,
) -> MainWindow:
    """The app's window, wired to a fresh `BackgroundOps`. Tests call this with a temp folder
    and `kdf=FAST_KDF_FOR_TESTS`; with `demo`, a demo vault is made in `data_dir` and opened.
    `developer_forms` offers the forms marked for developers (the sample form). `now` is the
    wall clock the lease is measured by (tests move it).
    """
    window: MainWindow | None = None
    ops = BackgroundOps(error_parent=lambda: window)
    loader = registry if callable(registry) else (lambda: registry)
    ctx = AppContext(
        data_dir=data_dir,
        load_registry=loader,
        kdf=kdf,
        idle_minutes=idle_minutes,
        today=today,
        unlock_note=f"Demo passphrase: {DEMO_PASSPHRASE}" if demo else "",
        developer_forms=developer_forms,
    )
    if now is not None:
        ctx.now = now
    window = MainWindow(ctx, ops, app)
    ops.setParent(window)
    if demo:
        ops.run(make_demo_vault, data_dir, ctx.registry, on_success=window.open_vault)
    return window


def open_window(
    app: QApplication, *, data_dir: Path, forms: FormsLoader, demo: bool, idle_minutes: float
) -> MainWindow:
    """Build the start-up window the way a user gets it (bench/coldstart.py times this).

    The window reads the forms through `forms`, which `run_gui` starts once the window has
    taken input (`start_background_loading`); the demo needs them at once, to fill its profile.
    """
    return build_main_window(
        app,
        data_dir=data_dir,
        registry=forms.get,
        idle_minutes=idle_minutes,
        demo=demo,
        # The one developers' switch: whoever may attach a debugger may see the sample form.
        developer_forms=settings.current().debuggable,
    )


BACKGROUND_AFTER_MS = 200
"""How long after the event loop starts `run_gui` begins reading the forms and importing the
vault's libraries on background threads. Not at once: both hold Python's GIL for most of
their ~300 ms and, started during the first event-loop passes, delayed the unlock window's
first paint and first keystroke (bench/coldstart.py). Nobody sees a new window and starts
typing in less time than this."""


def start_background_loading(window: MainWindow, forms: FormsLoader) -> None:
    """Read the forms and import cryptography and SQLCipher while the passphrase is typed."""
    window.ops.run(prewarm)
    forms.start()


def _quit_on_termination(app: QApplication) -> None:
    """SIGTERM (logout, shutdown) and SIGHUP end the app as closing the window does.

    Python's default handler ends the process on the spot: no lock, no checkpoint, and the
    demo's throwaway vault left in the temp folder. Python runs signal handlers only when it
    has control, so a timer hands it control a few times a second.
    """
    if sys.platform == "win32":
        return

    def end(*_args: object) -> None:
        # Queued, not app.quit() at once: a quit asked for before the event loop runs (while
        # the demo fills its vault, say) is ignored by Qt, and the app would never end.
        QTimer.singleShot(0, app.quit)

    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, end)
    ticker = QTimer(app)
    ticker.setInterval(250)
    ticker.timeout.connect(lambda: None)
    ticker.start()


def run_gui(*, data_dir: Path, forms_dir: Path, demo: bool, idle_minutes: float) -> int:
    """Start Qt, show the window and run until it closes. Returns the exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Assessor")
    app.setOrganizationName("Assessor")
    demo_dir = Path(tempfile.mkdtemp(prefix="assessor-demo-")) if demo else None
    # Before anything slow (the demo fills its vault next), so a logout meanwhile still ends
    # the app cleanly, once its event loop starts.
    _quit_on_termination(app)
    try:
        forms = FormsLoader(forms_dir, app)
        window = open_window(
            app,
            data_dir=demo_dir or data_dir,
            forms=forms,
            demo=demo,
            idle_minutes=idle_minutes,
        )
        remembered = QSettings()  # window geometry only: nothing naming people goes here
        geometry = remembered.value("main_window/geometry")
        if isinstance(geometry, QByteArray):
            window.restoreGeometry(geometry)
        window.show()
        failed: list[AssessorError] = []

        def check_forms(_failure: BaseException | None) -> None:
            try:
                window.ctx.registry  # noqa: B018 - loading is the check
            except AssessorError as e:
                failed.append(e)
                # Launched from a menu, nobody reads stderr: say it in a window as well.
                dialogs.show_message(window, "Assessor cannot start", e.user_message, e.next_step)
                app.exit(e.exit_code)

        forms.finished.connect(check_forms)
        QTimer.singleShot(BACKGROUND_AFTER_MS, partial(start_background_loading, window, forms))
        code = app.exec()
        if not failed:
            remembered.setValue("main_window/geometry", window.saveGeometry())
        window.close()
        window.ops.shutdown()
        window.deleteLater()
        if failed:
            raise failed[0]
        return code
    finally:
        if demo_dir is not None:
            shutil.rmtree(demo_dir, ignore_errors=True)
