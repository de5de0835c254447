"""Screenshots of the review of a carer's support plan: its editor, started from the plan.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/take_carer_review.py

In the demo vault, an invented carer's completed carer's assessment (the fixture
carers_eligible.json) makes a support plan, answered and completed as in
tests/core/test_carer_support_plan.py; a review is started from it as the app does, and each
editor section is saved to `carer_review/<nn>-<section id>.png` (the plan and the carer's
assessment it names, and the outcomes carried over). Synthetic people only.
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

from PySide6.QtWidgets import QApplication  # noqa: E402

from assessor_app.core.records import AssessmentId, PersonId  # noqa: E402
from assessor_app.core.services.records import complete_record, start_record  # noqa: E402
from assessor_app.core.storage.people import PeopleRepository  # noqa: E402
from tests.core.test_carer_support_plan import SIGNED, _by_plan, _otherwise  # noqa: E402
from tests.support import community_person  # noqa: E402

CARER = json.loads((ROOT / "tests/fixtures/forms/answers/carers_eligible.json").read_text("utf-8"))


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        window = demo_window(app, Path(tmp))
        session = window.session
        assert session is not None
        person = PersonId(
            PeopleRepository(session.vault).add(community_person(given_name="Ifeoma")).id
        )
        form = session.forms.latest("carers_assessment")
        source = session.records.create(person, form.id, form.version, CARER).id
        complete_record(session, AssessmentId(source))
        plan = start_record(session, session.forms.latest("carers_support_plan"), person)
        recreation, health = plan.answers["plan_needs"]
        answers = {
            **SIGNED,
            "dp_choice": "declines",
            "plan_needs": [_by_plan(recreation, 6000), _otherwise(health)],
        }
        for field_id, value in answers.items():
            session.records.save_field(plan.id, field_id, value)
        complete_record(session, plan.id)
        review = start_record(
            session, session.forms.latest("care_review"), person, from_record=plan.id
        )

        window.show_person(person)
        window.show_record(review.id)
        wait_for(lambda: window.editor is not None and window.editor.defn is not None)
        editor = window.editor
        assert editor is not None and editor.defn is not None
        folder = HERE / "carer_review"
        grab_sections(window, editor, folder)
        window.go_back()
        wait_for(lambda: window.ops.pending == 0)
        window.close()
        window.ops.shutdown()
    print(f"written to {folder}")


if __name__ == "__main__":
    main()
