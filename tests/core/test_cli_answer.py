"""`assessor-cli record answer`: a draft answered as it would be typed in the app, so a signed
PDF can be made from the command line alone (person add, record start, answer, sign, complete).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.form_engine.model import FieldDef, FieldType
from assessor_app.core.paths import default_forms_dir
from tests.conftest import REPO_ROOT
from tests.core.test_cli import PASS, cli, profile  # noqa: F401 - fixtures
from tests.support import poppler, squash

assert PASS

NEEDS = load_forms_dir(default_forms_dir()).latest("needs_assessment")
ANSWERS: dict[str, Any] = json.loads(
    (REPO_ROOT / "tests/fixtures/forms/answers/needs_custody_eligible.json").read_text()
)


def as_typed(field: FieldDef, value: Any) -> str:
    """How an assessor would type `value` for `field`: day-first dates, pounds, yes/no."""
    if field.type is FieldType.YES_NO:
        return "yes" if value else "no"
    if field.type is FieldType.MONEY:
        return f"{value // 100}.{value % 100:02d}"
    if field.type is FieldType.DATE:
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}"
    if field.type is FieldType.MULTIPLE_CHOICE:
        return ",".join(str(v) for v in value)
    return str(value)


def typed_pairs(answers: dict[str, Any]) -> list[str]:
    pairs = []
    for field_id, value in answers.items():
        field = NEEDS.field(field_id)
        if field.type is FieldType.SIGNATURE:
            continue
        if field.type is FieldType.REPEATING_GROUP:
            for index, item in enumerate(value):
                for inner_id, inner in item.items():
                    inner_field = next(f for f in field.fields if f.id == inner_id)
                    pairs.append(f"{field_id}[{index}].{inner_id}={as_typed(inner_field, inner)}")
            continue
        pairs.append(f"{field_id}={as_typed(field, value)}")
    return pairs


def started(cli) -> str:  # noqa: F811
    person = ["--given", "Łukasz", "--family", "Brindlewood", "--setting", "prison"]
    person += ["--establishment", "HMP Nowhere (synthetic)", "--conviction", "sentenced"]
    code, person_id, err = cli("person", "add", *person)
    assert code == 0, err
    code, record_id, err = cli(
        "record", "start", "--person", person_id.strip(), "--form", "needs_assessment"
    )
    assert code == 0, err
    return record_id.strip()


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils is not installed")
@pytest.mark.usefixtures("profile")
def test_a_signed_pdf_from_the_command_line_alone(cli, tmp_path: Path) -> None:  # noqa: F811
    record = started(cli)
    code, out, err = cli("record", "answer", record, *typed_pairs(ANSWERS))
    assert code == 0, err
    assert out.split("\t")[1].endswith("answers saved")
    code, exported, _ = cli("record", "export", record)
    saved = json.loads(exported)["assessment"]["answers"]
    for field_id, value in ANSWERS.items():
        if not field_id.endswith("_signature"):
            assert saved[field_id] == value, field_id
    assert cli("record", "sign", record, "--as", "person", "--name", "Łukasz Brindlewood")[0] == 0
    assert cli("record", "sign", record, "--as", "assessor", "--name", "Casey Example")[0] == 0
    code, out, err = cli("record", "complete", record)
    assert code == 0 and "completed" in out, err
    code, out, err = cli("record", "pdf", record, "--out", str(tmp_path / "final.pdf"))
    assert code == 0, err
    pdf = Path(out.strip()).read_bytes()
    assert "Signature is Valid" in poppler("pdfsig", pdf, tmp_path)
    assert "HMP Nowhere (synthetic)" in squash(poppler("pdftotext", pdf, tmp_path))
    # Finalised: answering is refused until it is amended.
    code, _, err = cli("record", "answer", record, "impairment_notes=late")
    assert code == 2 and "Amend it first" in err


@pytest.mark.usefixtures("profile")
@pytest.mark.parametrize(
    ("pair", "said"),
    [
        ("consent", "is not QUESTION=ANSWER"),
        ("shoe_size=9", "has no question 'shoe_size'"),
        ("consent=maybe", "'maybe' is not one of the answers to 'Did the person agree"),
        ("referral_date=31/02/2026", "February 2026 has 28 days"),
        ("urgent_needs=perhaps", "with yes or no"),
        ("advocacy_outcome=yes", "worked out or shown by the form"),
        ("person_signature=Ł B", "sign with 'record sign'"),
    ],
)
def test_an_answer_that_cannot_be_read_says_what_would_do_and_saves_nothing(
    cli,  # noqa: F811
    pair: str,
    said: str,
) -> None:
    record = started(cli)
    before = cli("record", "history", record)[1]
    code, out, err = cli("record", "answer", record, "consent=consented", pair)
    assert code == 2 and out == "" and said in err, err
    assert cli("record", "history", record)[1] == before


@pytest.mark.usefixtures("profile")
def test_a_choice_is_taken_by_its_label_and_a_blank_answer_clears_it(cli) -> None:  # noqa: F811
    record = started(cli)
    assert cli("record", "answer", record, "consent=Yes, they agreed")[0] == 0
    saved = json.loads(cli("record", "export", record)[1])["assessment"]["answers"]
    assert saved["consent"] == "consented"
    assert cli("record", "answer", record, "consent=")[0] == 0
    saved = json.loads(cli("record", "export", record)[1])["assessment"]["answers"]
    assert "consent" not in saved


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils is not installed")
@pytest.mark.usefixtures("profile")
def test_record_start_from_a_completed_needs_assessment_makes_the_plan(cli) -> None:  # noqa: F811
    record = started(cli)
    code, out, err = cli("record", "start", "--from", record)
    assert code != 0 and "not complete yet" in err and "Complete the needs assessment" in err
    assert cli("record", "answer", record, *typed_pairs(ANSWERS))[0] == 0
    assert cli("record", "sign", record, "--as", "person", "--name", "Łukasz Brindlewood")[0] == 0
    assert cli("record", "sign", record, "--as", "assessor", "--name", "Casey Example")[0] == 0
    assert cli("record", "complete", record)[0] == 0

    code, plan, err = cli("record", "start", "--from", record)
    assert code == 0, err
    code, exported, _ = cli("record", "export", plan.strip())
    answers = json.loads(exported)["assessment"]["answers"]
    assert json.loads(exported)["assessment"]["form_id"] == "care_support_plan"
    assert answers["eligible_needs"] == ["nutrition", "hygiene"]
    assert [i["need_domain"] for i in answers["plan_needs"]] == ["nutrition", "hygiene"]

    # A review starts from a completed plan only.
    code, _, err = cli("record", "start", "--from", plan.strip())
    assert code != 0 and "care and support plan is not complete yet" in err, err

    # A needs assessment started from the completed one is a reassessment that names it.
    code, again, err = cli("record", "start", "--from", record, "--form", "needs_assessment")
    assert code == 0, err
    answers = json.loads(cli("record", "export", again.strip())[1])["assessment"]["answers"]
    assert answers["follows_record"] == record
    assert answers["follows"] == "Care and support needs assessment of 16 November 2026"
    assert answers["desired_outcomes"] == ANSWERS["desired_outcomes"]

    code, _, err = cli("record", "start", "--from", record, "--form", "financial_assessment")
    assert code != 0 and "Only a care and support plan, a review or a needs assessment" in err
