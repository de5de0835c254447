"""Page images of every form's signed PDF and every letter, for looking at (not for tests).

    .venv/bin/python docs/screenshots/take_pdfs.py

Writes docs/screenshots/pdf/pages/<name>-<page>.png with poppler's pdftoppm: for each form, the
first page and the last (signatures and the certificate stamp), signed in a throwaway vault of
an invented assessor; for each letter, the first page and the last of each variant (60 dpi).
Synthetic people only.
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
from assessor_app.core.form_engine.evaluation import evaluate  # noqa: E402
from assessor_app.core.paths import default_forms_dir  # noqa: E402
from assessor_app.core.pdf.branding import load_branding  # noqa: E402
from assessor_app.core.pdf.document import Variant, build_pdf  # noqa: E402
from assessor_app.core.pdf.letters import letter_document  # noqa: E402
from assessor_app.core.pdf.record_document import record_document  # noqa: E402
from assessor_app.core.pdf.signing import StampPlacement, sign_pdf  # noqa: E402
from assessor_app.core.records import Assessment, Person, RecordStatus, Role  # noqa: E402
from assessor_app.core.services.signing import profile_signing_identity  # noqa: E402
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS  # noqa: E402
from assessor_app.core.storage.vault import Vault  # noqa: E402
from tests.support import community_person, prisoner  # noqa: E402

OUT = ROOT / "docs" / "screenshots" / "pdf" / "pages"
ANSWERS = ROOT / "tests" / "fixtures" / "forms" / "answers"
TODAY = dt.date(2026, 11, 23)
FORMS = {
    "needs_assessment": ("needs_custody_eligible.json", prisoner()),
    "carers_assessment": ("carers_eligible.json", community_person()),
    "financial_assessment": ("financial_home.json", community_person()),
    "chc_checklist": ("chc_checklist_positive.json", community_person()),
    "chc_dst": ("chc_dst_two_members.json", community_person()),
}
LETTERS = {
    "eligibility_record": "needs_assessment",
    "ineligible_advice": None,
    "checklist_outcome": "chc_checklist",
    "financial_statement": "financial_assessment",
}


def _pages(pdf: bytes, name: str, pages: list[int], dpi: int = 45) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(pdf)
        for page in pages:
            target = OUT / f"{name}-{page}"
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    str(dpi),
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    "-singlefile",
                    str(path),
                    str(target),
                ],
                check=True,
            )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    registry = load_forms_dir(default_forms_dir())
    branding = load_branding(None, "Exampleshire County Council")
    with tempfile.TemporaryDirectory() as tmp:
        vault = Vault.create(
            Path(tmp),
            name="Robin Testcase",
            role=Role.SOCIAL_WORKER,
            authority="Exampleshire County Council",
            passphrase="amber lantern orchard",
            kdf=FAST_KDF_FOR_TESTS,
        )
        identity = profile_signing_identity(vault)
        vault.close()
    for form_id, (fixture, details) in FORMS.items():
        form = registry.latest(form_id)
        answers = json.loads((ANSWERS / fixture).read_text(encoding="utf-8"))
        person = Person("person", details, dt.datetime.now(dt.UTC))
        record = Assessment(
            "0f5e1c2a-synthetic",
            person.id,
            form.id,
            form.version,
            RecordStatus.COMPLETED,
            "Robin Testcase",
            answers,
            9,
            "9f" * 32,
            dt.datetime.now(dt.UTC),
        )
        evaluation = evaluate(form, answers, today=TODAY)
        rendered = build_pdf(record_document(form, record, person, evaluation, branding))
        assert rendered.stamp_page is not None and rendered.stamp_box is not None
        signed = sign_pdf(
            rendered.data,
            identity,
            placement=StampPlacement(rendered.stamp_page, rendered.stamp_box),
            reason="Screenshot",
            location="Exampleshire",
        )
        _pages(signed, form_id, sorted({1, rendered.pages}))
        for kind, letter_form in LETTERS.items():
            if letter_form != form_id:
                continue
            for variant in Variant:
                doc = letter_document(
                    kind,
                    form,
                    record,
                    person,
                    evaluation,
                    branding,
                    variant=variant,
                    today=TODAY,
                    assessor_name="Robin Testcase",
                    assessor_role="Social worker",
                )
                letter = build_pdf(doc)
                # Letters at 60 dpi, where the large-type header and the sign-off can be read.
                pages = sorted({1, letter.pages})
                _pages(letter.data, f"letter-{kind}-{variant.value}", pages, dpi=60)
    print(f"written to {OUT}")


if __name__ == "__main__":
    main()
