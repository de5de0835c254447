"""QApplication setup and wiring: builds the background helper and the main window from the
core objects the composition root passes in. No module-level app object.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QApplication

from assessor_app.core.demo import populate_demo
from assessor_app.core.errors import AssessorError
from assessor_app.core.form_engine.definition import FormRegistry, load_forms_dir
from assessor_app.core.records import Role
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS, KdfParams
from assessor_app.core.storage.vault import Vault

from assessor_app.ui import dialogs
from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.views.main_window import AppContext, MainWindow

log = logging.getLogger(__name__)

DEMO_PASSPHRASE = "demo-demo"
"""Vault.create needs at least 8 characters, so the demo's passphrase is 'demo' twice."""


def make_demo_vault(data_dir: Path, registry: FormRegistry) -> Vault:
    """A throwaway profile full of invented people (cheap KDF: never for real data)."""
    vault = Vault.create(
        data_dir, name="Demo Assessor", role=Role.SOCIAL_WORKER,
        authority="Demoshire County Council (synthetic)", passphrase=DEMO_PASSPHRASE,
        kdf=FAST_KDF_FOR_TESTS,
    )
    populate_demo(vault, registry)
    return vault


def build_main_window(
    app: QApplication,
    *,
    data_dir: Path,
    registry: FormRegistry,
    kdf: KdfParams | None = None,
    idle_minutes: float = 5.0,
    demo: bool = False,
    today: Callable[[], dt.date] = dt.date.today,
) -> MainWindow:
    """The app's window, wired to a fresh `BackgroundOps`. Tests call this with a temp folder
    and `kdf=FAST_KDF_FOR_TESTS`; with `demo`, a demo vault is made in `data_dir` and opened.
    """
    window: MainWindow | None = None
    ops = BackgroundOps(error_parent=lambda: window)
    ctx = AppContext(
        data_dir=data_dir, registry=registry, kdf=kdf, idle_minutes=idle_minutes, today=today,
        unlock_note=f"Demo passphrase: {DEMO_PASSPHRASE}" if demo else "",
    )
    window = MainWindow(ctx, ops, app)
    ops.setParent(window)
    if demo:
        ops.run(make_demo_vault, data_dir, registry, on_success=window.open_vault)
    return window


def run_gui(*, data_dir: Path, forms_dir: Path, demo: bool, idle_minutes: float) -> int:
    """Start Qt, show the window and run until it closes. Returns the exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Assessor")
    app.setOrganizationName("Assessor")
    try:
        registry = load_forms_dir(forms_dir)
    except AssessorError as e:
        # Launched from a menu, nobody reads stderr: say it in a window as well.
        dialogs.show_message(None, "Assessor cannot start", e.user_message, e.next_step)
        raise
    demo_dir = Path(tempfile.mkdtemp(prefix="assessor-demo-")) if demo else None
    try:
        window = build_main_window(
            app, data_dir=demo_dir or data_dir, registry=registry,
            idle_minutes=idle_minutes, demo=demo,
        )
        settings = QSettings()  # window geometry only: nothing naming people goes here
        geometry = settings.value("main_window/geometry")
        if isinstance(geometry, QByteArray):
            window.restoreGeometry(geometry)
        window.show()
        code = app.exec()
        settings.setValue("main_window/geometry", window.saveGeometry())
        window.ops.shutdown()
        return code
    finally:
        if demo_dir is not None:
            shutil.rmtree(demo_dir, ignore_errors=True)
