"""Screenshots of a carer's support plan: its editor, and the pages of its three signed editions.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/take_carer_plan.py

In the demo vault, an invented carer's completed carer's assessment (the fixture
carers_eligible.json) makes a support plan as the app does; its draft is answered as in
tests/core/test_carer_support_plan.py and each editor section is saved to
`carers_support_plan/<nn>-<section id>.png`; then it is finalised, and each kept edition's
pages go to `pdf/pages/carers_support_plan-<variant>-<page>.png` (pdftoppm at 60 dpi: every
page of easy read, the first and last two of the others). Synthetic people only.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]

from take import demo_window, wait_for  # noqa: E402
from take_forms import grab_sections  # noqa: E402
from take_plan_pdfs import _write_pages  # noqa: E402

from PySide6.QtWidgets import QApplication  # noqa: E402

from assessor_app.core.records import AssessmentId, PersonId  # noqa: E402
from assessor_app.core.services.documents import finalise_record  # noqa: E402
from assessor_app.core.services.records import complete_record, start_record  # noqa: E402
from assessor_app.core.storage.documents import DocumentRepository  # noqa: E402
from assessor_app.core.storage.people import PeopleRepository  # noqa: E402
from tests.core.test_carer_support_plan import SIGNED, _by_plan, _otherwise  # noqa: E402
from tests.support import community_person  # noqa: E402

FORM = "carers_support_plan"
CARER = json.loads((ROOT / "tests/fixtures/forms/answers/carers_eligible.json").read_text("utf-8"))


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        window = demo_window(app, Path(tmp))
        session = window.session
        assert session is not None
        person = PeopleRepository(session.vault).add(community_person(given_name="Ifeoma")).id
        form = session.forms.latest("carers_assessment")
        source = session.records.create(person, form.id, form.version, CARER).id
        complete_record(session, AssessmentId(source))
        plan = start_record(session, session.forms.latest(FORM), PersonId(person))
        recreation, health = plan.answers["plan_needs"]
        answers = {
            **SIGNED,
            "plan_needs": [_by_plan(recreation, 6000), _otherwise(health)],
            "dp_choice": "wants",
            "dp_manager": "nominated",
            "dp_manager_name": "Tobias Quillfeather",
        }
        for field_id, value in answers.items():
            session.records.save_field(plan.id, field_id, value)

        window.show_person(person)
        window.show_record(plan.id)
        wait_for(lambda: window.editor is not None and window.editor.defn is not None)
        editor = window.editor
        assert editor is not None and editor.defn is not None
        folder = HERE / FORM
        grab_sections(window, editor, folder)
        window.go_back()
        wait_for(lambda: window.ops.pending == 0)

        pages = HERE / "pdf" / "pages"
        for old in pages.glob(f"{FORM}-*.png"):
            old.unlink()
        finalise_record(session, plan.id)
        repo = DocumentRepository(session.vault)
        for doc in repo.list_for_assessment(plan.id):
            _write_pages(repo.data(doc.id), f"{FORM}-{doc.variant}", doc.variant == "easy_read")
        window.close()
        window.ops.shutdown()
    print(f"written to {folder} and {pages}")


if __name__ == "__main__":
    main()
