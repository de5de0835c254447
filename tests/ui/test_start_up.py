"""Start-up: the unlock window takes input before the forms are read, and reading them later
changes nothing a user can see (bench/coldstart.py measures the time; these check behaviour).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from assessor_app.core.errors import FormDefinitionError
from assessor_app.core.form_engine.definition import FormRegistry
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.records import Role
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.vault import Vault
from tests.conftest import REPO_ROOT
from tests.support import community_person
from tests.ui.conftest import WindowFactory, add_person, create_profile, wait_for_worker

from assessor_app.ui import app as app_module
from assessor_app.ui.app import FormsLoader
from assessor_app.ui.views.unlock import UnlockView

pytestmark = pytest.mark.gui


def _app() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app


def test_a_record_opened_while_the_forms_are_still_being_read_opens_on_them_read_once(
    qtbot: QtBot,
    make_window: WindowFactory,
    registry: FormRegistry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reading, release = threading.Event(), threading.Event()
    reads: list[str] = []
    asked_while_reading: list[bool] = []

    def slow_read(_forms_dir: Path) -> FormRegistry:
        reads.append(threading.current_thread().name)
        reading.set()
        assert release.wait(10)
        return registry

    def first_use() -> FormRegistry:
        # The window's first use of the forms: the read is still going, and finishes while
        # this waits for it.
        asked_while_reading.append(reading.is_set() and not release.is_set())
        release.set()
        return forms.get()

    monkeypatch.setattr(app_module, "load_forms", slow_read)
    forms = FormsLoader(default_forms_dir(), _app())
    window = make_window(registry=first_use)
    create_profile(qtbot, window)
    person = add_person(qtbot, window, community_person())
    assert window.vault is not None
    created: list[object] = []
    records = AssessmentRepository(window.vault)
    window.ops.run(records.create, person.id, "sample", 2, on_success=created.append)
    wait_for_worker(qtbot, window)
    assert asked_while_reading == []  # nothing so far needed the forms

    with qtbot.waitSignal(forms.finished, timeout=10_000) as finished:
        forms.start()
        assert reading.wait(10)
        window.show_person(person.id)  # lists the forms a record can be started on
        window.show_record(created[0].id)  # type: ignore[attr-defined]
    editor = window.editor
    assert editor is not None
    qtbot.waitUntil(lambda: editor.defn is not None)
    assert editor.defn is not None and editor.defn.id == "sample"
    assert asked_while_reading == [True]
    assert finished.args == [None]
    assert reads == ["assessor-forms"]  # once, in the background, not again on first use
    forms.start()
    assert forms.get() is registry and len(reads) == 1


def test_a_forms_folder_that_cannot_be_read_fails_every_use_with_the_same_message(
    qtbot: QtBot, tmp_path: Path
) -> None:
    broken = tmp_path / "forms" / "broken"
    broken.mkdir(parents=True)
    (broken / "v1.yaml").write_text("id: broken\nversion: 1\ntitle: [unclosed\n")
    forms = FormsLoader(tmp_path / "forms", _app())
    with qtbot.waitSignal(forms.finished, timeout=10_000) as finished:
        forms.start()
    [failure] = finished.args
    assert isinstance(failure, FormDefinitionError) and "v1.yaml" in failure.user_message
    with pytest.raises(FormDefinitionError) as again:
        forms.get()
    assert again.value is failure


@pytest.mark.usefixtures("qapp")
def test_a_record_opened_before_the_read_was_started_reads_the_forms_then(
    registry: FormRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[int] = []

    def read(_forms_dir: Path) -> FormRegistry:
        reads.append(1)
        return registry

    monkeypatch.setattr(app_module, "load_forms", read)
    forms = FormsLoader(default_forms_dir(), _app())
    assert forms.get() is registry  # first use starts the read and waits for it
    forms.start()
    assert forms.get() is registry and reads == [1]


HEAVY = (
    "pyhanko",
    "reportlab",
    "cryptography",
    "sqlcipher3",
    "yaml",
    "assessor_app.core.storage.vault",
    "assessor_app.core.form_engine",
    "assessor_app.core.rules",
    "assessor_app.core.charging",
    "assessor_app.core.pdf",
    "assessor_app.core.services",
    "assessor_app.core.sync_client",
    "assessor_app.ui.views.caseload",
    "assessor_app.ui.views.record_editor",
    "assessor_app.ui.views.profile_create",
)

UNLOCK_WINDOW = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from pathlib import Path
from PySide6.QtWidgets import QApplication
data = Path(sys.argv[1])
from assessor_app.core.paths import default_forms_dir
from assessor_app.ui.app import FormsLoader, open_window
from assessor_app.ui.views.unlock import UnlockView
app = QApplication(sys.argv[:1])
window = open_window(app, data_dir=data, forms=FormsLoader(default_forms_dir(), app),
                     demo=False, idle_minutes=5)
window.show()
app.processEvents()
assert isinstance(window.stack.currentWidget(), UnlockView), window.stack.currentWidget()
print(" ".join(sorted(sys.modules)))
"""


def test_the_unlock_window_is_built_without_the_pdf_signing_sync_or_form_code(
    tmp_path: Path,
) -> None:
    Vault.create(
        tmp_path,
        name="Robin Testcase",
        role=Role.SOCIAL_WORKER,
        authority="Exampleshire County Council",
        passphrase="otter lantern plum",
        kdf=FAST_KDF_FOR_TESTS,
    ).close()
    shown = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(UNLOCK_WINDOW), str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    loaded = shown.stdout.split()
    assert "assessor_app.ui.views.unlock" in loaded
    heavy = sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert heavy == [], f"imported before the unlock window takes input: {heavy}"


def test_ctrl_q_on_the_unlock_screen_closes_the_window(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    create_profile(qtbot, window)
    window.lock()
    qtbot.waitUntil(lambda: isinstance(window.stack.currentWidget(), UnlockView))
    assert [key.toString() for key in window.quit_action.shortcuts()] == ["Ctrl+Q"]
    box = window.stack.currentWidget().passphrase
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible())


QT_NAMESPACE = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
import PySide6.QtCore
from PySide6.QtWidgets import QApplication, QLineEdit
import assessor_app.__main__ as entry

def focused(_old, new):
    if isinstance(new, QLineEdit):
        # `Qt` appears in QtCore's namespace only once something has asked for it, and asking
        # builds every Qt.* enum (30-60 ms), which a bare window never pays before a key.
        print("Qt built:", "Qt" in PySide6.QtCore.__dict__, flush=True)
        os._exit(0)

app = QApplication(sys.argv[:1])
app.focusChanged.connect(focused)
entry.main(["--data-dir", sys.argv[1]])
"""


def test_the_unlock_window_takes_the_focus_without_building_the_qt_namespace(
    tmp_path: Path,
) -> None:
    Vault.create(
        tmp_path,
        name="Robin Testcase",
        role=Role.SOCIAL_WORKER,
        authority="Exampleshire County Council",
        passphrase="otter lantern plum",
        kdf=FAST_KDF_FOR_TESTS,
    ).close()
    env = {k: v for k, v in os.environ.items() if k != "ASSESSOR_SETTINGS_FILE"}
    shown = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(QT_NAMESPACE), str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env | {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")},
    )
    assert shown.stdout.strip() == "Qt built: False", shown.stderr
