"""Regenerate the README's screenshots from a demo vault, offscreen.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/take.py

Writes caseload.png, person.png and record_editor.png beside this file. Open them and look:
a screen that renders but reads badly is not done.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from assessor_app.core.form_engine.definition import load_forms_dir  # noqa: E402
from assessor_app.core.paths import default_forms_dir  # noqa: E402
from assessor_app.core.storage.assessments import AssessmentRepository  # noqa: E402
from assessor_app.core.storage.people import PeopleRepository  # noqa: E402

from assessor_app.ui.app import build_main_window  # noqa: E402

HERE = Path(__file__).resolve().parent


def wait_for(condition: Callable[[], object], seconds: float = 20) -> None:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            raise SystemExit("timed out waiting for the window")
        QTest.qWait(50)


def demo_window(app: QApplication, folder: Path, seconds: float = 180) -> Any:
    """The app's window on a demo profile in `folder`, at 1200x760, once its caseload shows and
    its worker is idle (what the scripts that drive a form start from)."""
    window = build_main_window(
        app, data_dir=folder, registry=load_forms_dir(default_forms_dir()), demo=True
    )
    window.resize(1200, 760)
    window.show()
    wait_for(lambda: window.caseload is not None, seconds=seconds)
    wait_for(lambda: window.ops.pending == 0)
    return window


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    registry = load_forms_dir(default_forms_dir())
    with tempfile.TemporaryDirectory() as tmp:
        window = build_main_window(app, data_dir=Path(tmp), registry=registry, demo=True)
        window.resize(1000, 640)
        window.show()
        wait_for(
            lambda: window.caseload is not None and window.caseload.results.topLevelItemCount()
        )
        QTest.qWait(300)
        window.grab().save(str(HERE / "caseload.png"))
        wait_for(lambda: window.ops.pending == 0)  # nothing else touches the vault meanwhile
        people = PeopleRepository(window.vault)
        records = AssessmentRepository(window.vault)
        person = next(
            p
            for p in people.search("")
            if p.details.prison_number and records.list_for_person(p.id)
        )
        window.show_person(person.id)
        wait_for(lambda: window.person is not None and window.person.records.topLevelItemCount())
        QTest.qWait(300)
        window.grab().save(str(HERE / "person.png"))
        window.show_record(records.list_for_person(person.id)[0].id)
        wait_for(lambda: window.editor is not None and window.editor.defn is not None)
        QTest.qWait(500)
        window.grab().save(str(HERE / "record_editor.png"))
        window.close()
        window.ops.shutdown()


if __name__ == "__main__":
    main()
