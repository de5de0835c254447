"""Page images of a completed custody care plan's signed PDF, for looking at (not for tests).

    .venv/bin/python docs/screenshots/take_plan_pdf.py

Runs the real flow in a throwaway vault: a sentenced prisoner's completed needs assessment and
financial assessment, the plan started from them, its custody section answered, completed and
finalised; then writes every page to docs/screenshots/pdf/pages/care_support_plan-<page>.png
with poppler's pdftoppm. Synthetic people only.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assessor_app.core.form_engine.definition import load_forms_dir  # noqa: E402
from assessor_app.core.paths import default_forms_dir  # noqa: E402
from assessor_app.core.records import AssessmentId, Role  # noqa: E402
from assessor_app.core.services.care_plans import start_plan  # noqa: E402
from assessor_app.core.services.documents import finalise_record  # noqa: E402
from assessor_app.core.services.records import complete_record  # noqa: E402
from assessor_app.core.storage.documents import DocumentRepository  # noqa: E402
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS  # noqa: E402
from assessor_app.core.storage.people import PeopleRepository  # noqa: E402
from assessor_app.core.storage.vault import Vault  # noqa: E402
from tests.support import CUSTODY_PLAN, complete_financial, prisoner, session_for  # noqa: E402

OUT = ROOT / "docs" / "screenshots" / "pdf" / "pages"
NEEDS = ROOT / "tests" / "fixtures" / "forms" / "answers" / "needs_custody_eligible.json"
SIGNED = {"typed": True, "name": "Łukasz Brindlewood", "signed_on": "2026-11-20"}


def _plan_answers(items: list[dict[str, object]]) -> dict[str, object]:
    nutrition, hygiene = items
    return {
        "plan_date": "2026-11-20",
        "strengths_and_support": "Keeps in touch with his sister by phone every week; works "
        "in the prison library.",
        "plan_needs": [
            nutrition
            | {
                "need_outcome": "To eat a hot meal without help cutting it.",
                "how_met": "plan",
                "met_how": "Adapted cutlery, and help at the servery from a trained peer "
                "supporter.",
                "met_by": "Healthcare unit care team",
                "met_often": "Each meal",
                "weekly_cost": 8550,
                "prevention_offered": "Occupational therapy review of grip strength.",
            },
            hygiene
            | {
                "need_outcome": "To shower without falling.",
                "how_met": "plan",
                "met_how": "A care worker helps him shower; a shower chair and rails on the wing.",
                "met_by": "Exampleshire domiciliary care (synthetic)",
                "met_often": "Three times a week",
                "weekly_cost": 12000,
                "prevention_offered": "Advice on non-slip mats.",
            },
        ],
        **CUSTODY_PLAN,
        "custody_equipment": [
            {
                "equipment_item": "Shower chair",
                "equipment_responsible": "authority",
                "equipment_agreed": "2026-11-20",
            },
            {
                "equipment_item": "Grab rails in the wing shower",
                "equipment_responsible": "establishment",
                "equipment_agreed": "2026-11-20",
            },
        ],
        "plan_safeguarding": True,
        "plan_safeguarding_how": "He has been pressured for his medication. Healthcare now "
        "hands it over in private, and the wing officer knows.",
        "person_signature": SIGNED,
        "assessor_signature": SIGNED | {"name": "Robin Testcase"},
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    registry = load_forms_dir(default_forms_dir())
    with tempfile.TemporaryDirectory() as tmp:
        vault = Vault.create(
            Path(tmp) / "vault",
            name="Robin Testcase",
            role=Role.SOCIAL_WORKER,
            authority="Exampleshire County Council",
            passphrase="amber lantern orchard",
            kdf=FAST_KDF_FOR_TESTS,
        )
        session = session_for(vault, registry, today=dt.date(2026, 11, 23))
        person = PeopleRepository(vault).add(prisoner()).id
        complete_financial(session, person)
        form = registry.latest("needs_assessment")
        answers = json.loads(NEEDS.read_text("utf-8"))
        needs = session.records.create(person, form.id, form.version, answers).id
        complete_record(session, AssessmentId(needs))
        plan = start_plan(session, AssessmentId(needs))
        for field_id, value in _plan_answers(plan.answers["plan_needs"]).items():
            session.records.save_field(plan.id, field_id, value)
        done = finalise_record(session, plan.id)
        pdf = Path(tmp) / "plan.pdf"
        pdf.write_bytes(DocumentRepository(vault).data(done.document.id))
        for old in OUT.glob("care_support_plan-*.png"):
            old.unlink()
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", str(pdf), str(OUT / "care_support_plan")],
            check=True,
        )
        vault.close()
    print(f"written to {OUT}")


if __name__ == "__main__":
    main()
