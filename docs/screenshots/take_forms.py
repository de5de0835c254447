"""Screenshot every section of the real forms, offscreen, at a normal window size.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/take_forms.py

Opens the demo vault's drafts (filled from `resources/demo/`): a needs assessment of someone
in prison, and a carer's assessment. Writes `<form id>/<nn>-<section id>.png` beside this
file. Open them and look: a form that renders but reads badly is not done.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from assessor_app.core.form_engine.definition import load_forms_dir  # noqa: E402
from assessor_app.core.paths import default_forms_dir  # noqa: E402
from assessor_app.core.storage.assessments import AssessmentRepository  # noqa: E402
from assessor_app.core.storage.people import PeopleRepository  # noqa: E402

from assessor_app.ui.app import build_main_window  # noqa: E402
from assessor_app.ui.views.record_editor import RecordEditorView  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from take import wait_for  # noqa: E402


def grab_sections(window: QWidget, editor: RecordEditorView, folder: Path) -> None:
    """Save the window with each of the editor's sections shown, as `<nn>-<section id>.png`."""
    assert editor.defn is not None
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    for index, section in enumerate(editor.defn.sections):
        editor.sections.setCurrentRow(index)
        QTest.qWait(150)
        window.grab().save(str(folder / f"{index + 1:02d}-{section.id}.png"))


HERE = Path(__file__).resolve().parent
WANTED: dict[str, bool | None] = {
    "needs_assessment": True,
    "carers_assessment": None,
    "financial_assessment": None,
    "chc_checklist": None,
    "chc_dst": None,
}
"""Form id -> whether to show one about a person in custody (None: either)."""


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    registry = load_forms_dir(default_forms_dir())
    with tempfile.TemporaryDirectory() as tmp:
        window = build_main_window(app, data_dir=Path(tmp), registry=registry, demo=True)
        window.resize(1200, 760)
        window.show()
        wait_for(lambda: window.caseload is not None)
        wait_for(lambda: window.ops.pending == 0)
        people = PeopleRepository(window.vault)
        records = AssessmentRepository(window.vault)
        for form_id, custody in WANTED.items():
            record = next(
                r
                for p in people.search("", limit=1000)
                if custody is None or p.details.setting.is_custody == custody
                for r in records.list_for_person(p.id)
                if r.form_id == form_id
            )
            window.show_person(record.person_id)
            window.show_record(record.id)
            wait_for(lambda: window.editor is not None and window.editor.defn is not None)
            editor = window.editor
            assert editor is not None and editor.defn is not None
            grab_sections(window, editor, HERE / form_id)
            window.go_back()
            wait_for(lambda: window.ops.pending == 0)
        window.close()
        window.ops.shutdown()


if __name__ == "__main__":
    main()
