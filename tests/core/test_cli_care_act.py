"""`assessor-cli` with the Care Act forms: the determination and its reasons as JSON, start
refusals, and `record complete` refusing with the form's legal blocks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.core.test_cli import PASS, cli, profile  # noqa: F401 - fixtures

ANSWERS = REPO_ROOT / "tests" / "fixtures" / "forms" / "answers"
assert PASS


@pytest.mark.parametrize(
    ("form", "answers", "label", "cites"),
    [
        ("needs_assessment", "needs_custody_eligible.json", "Eligible needs", "reg 2(1)"),
        ("carers_assessment", "carers_eligible.json", "Eligible needs", "reg 3(1)"),
    ],
)
def test_forms_evaluate_gives_the_determination_with_reasons(
    cli,  # noqa: F811 - the fixture
    form: str,
    answers: str,
    label: str,
    cites: str,
) -> None:
    code, out, _ = cli("forms", "evaluate", form, str(ANSWERS / answers))
    result = json.loads(out)
    assert code == 0 and result["completable"] is True, result["problems"] + result["blockers"]
    eligibility = result["outcomes"]["eligibility"]
    assert eligibility["value"] == "eligible" and eligibility["label"] == label
    assert any(cites in reason for reason in eligibility["reasons"])
    assert [r.split(":")[0] for r in eligibility["reasons"][:3]] == ["Met", "Met", "Met"]


def test_forms_evaluate_reports_a_blocker(cli, tmp_path: Path) -> None:  # noqa: F811
    data = json.loads((ANSWERS / "needs_custody_eligible.json").read_text(encoding="utf-8"))
    data.update(out_hygiene_status="achieved")
    del data["out_hygiene_ways"], data["out_hygiene_carer"]
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, out, _ = cli("forms", "evaluate", "needs_assessment", str(path))
    result = json.loads(out)
    assert code == 0 and result["valid"] is True and result["completable"] is False
    assert result["outcomes"]["eligibility"]["value"] == "not_eligible"
    assert [b["path"] for b in result["blockers"]] == ["ineligible_info_given"]


@pytest.mark.usefixtures("profile")
def test_a_carers_assessment_for_a_prisoner_starts_but_will_not_complete_without_a_reason(
    cli,  # noqa: F811
) -> None:
    code, person_id, _ = cli(
        "person",
        "add",
        "--given",
        "Łukasz",
        "--family",
        "Brindlewood",
        "--setting",
        "prison",
        "--establishment",
        "HMP Nowhere (synthetic)",
        "--conviction",
        "sentenced",
    )
    assert code == 0
    code, out, _ = cli(
        "record", "start", "--person", person_id.strip(), "--form", "carers_assessment"
    )
    assert code == 0
    code, _, err = cli("record", "complete", out.strip())
    assert code != 0 and "in general not carers under the Care Act" in err
    assert "Record the reason to assess them despite this" in err
    code, out, _ = cli(
        "record", "start", "--person", person_id.strip(), "--form", "needs_assessment"
    )
    assert code == 0
    code, _, err = cli("record", "complete", out.strip())
    assert code != 0 and "Not ready to complete" in err and "nothing was lost" in err


@pytest.mark.usefixtures("profile")
def test_chc_import_of_a_file_that_is_not_a_contribution_says_so(
    cli,  # noqa: F811 - the fixture
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, person_id, _ = cli(
        "person", "add", "--given", "Nia", "--family", "Mockford", "--dob", "1947-11-13"
    )
    code, record_id, _ = cli("record", "start", "--person", person_id.strip(), "--form", "chc_dst")
    assert code == 0
    bogus = tmp_path / "holiday.jpg"
    bogus.write_bytes(b"\xff\xd8\xff not json")
    monkeypatch.setenv("ASSESSOR_EXCHANGE_PASSPHRASE", "agreed mdt passphrase")
    code, _, err = cli("chc", "import", record_id.strip(), str(bogus))
    assert code != 0 and "assessor-cli:" in err and "Nothing has been imported" in err


def test_forms_evaluate_gives_the_checklist_outcome_and_the_dst_checks(
    cli,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    code, out, _ = cli(
        "forms", "evaluate", "chc_checklist", str(ANSWERS / "chc_checklist_positive.json")
    )
    checklist = json.loads(out)["outcomes"]["checklist_outcome"]
    assert code == 0 and checklist["value"] == "positive"
    assert checklist["reasons"][0].startswith("2 domains at A (Nutrition and Mobility)")

    dst = json.loads((ANSWERS / "chc_dst_two_members.json").read_text(encoding="utf-8"))
    del dst["dst_mobility_disagreement"]
    dst["mdt_members"] = [
        {
            "member_name": "A",
            "member_profession": "social_worker",
            "member_organisation": "Exampleshire",
        }
    ] * 2
    path = tmp_path / "dst.json"
    path.write_text(json.dumps(dst), encoding="utf-8")
    code, out, _ = cli("forms", "evaluate", "chc_dst", str(path))
    result = json.loads(out)
    assert code == 0 and result["completable"] is False
    assert result["outcomes"]["dst_indicators"]["value"] == "may_indicate"
    assert [b["path"] for b in result["blockers"]] == ["mdt_members", "dst_mobility_disagreement"]


def test_record_files_between_two_profiles_need_the_senders_fingerprint_once(
    cli,  # noqa: F811 - the fixture
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two assessors on one laptop's command line: the second imports the first's record."""
    first = tmp_path / "first"
    monkeypatch.setenv("ASSESSOR_DATA_DIR", str(first))
    assert (
        cli(
            "profile",
            "create",
            "--name",
            "Casey Example",
            "--role",
            "nurse",
            "--authority",
            "Exampleshire",
        )[0]
        == 0
    )
    _, person_id, _ = cli(
        "person",
        "add",
        "--given",
        "Nia",
        "--family",
        "Mockford",
        "--dob",
        "1947-11-13",
        "--nhs",
        "943 476 5919",
    )
    _, record_id, _ = cli("record", "start", "--person", person_id.strip(), "--form", "sample")
    exported = tmp_path / "record.json"
    assert cli("record", "export", record_id.strip(), "--out", str(exported))[0] == 0
    code, fingerprint, _ = cli("chc", "fingerprint")
    assert code == 0 and len(fingerprint.split()) == 4

    monkeypatch.setenv("ASSESSOR_DATA_DIR", str(tmp_path / "second"))
    assert (
        cli(
            "profile",
            "create",
            "--name",
            "Robin Testcase",
            "--role",
            "social_worker",
            "--authority",
            "Exampleshire",
        )[0]
        == 0
    )
    code, _, err = cli("record", "import", str(exported))
    assert code == 2 and fingerprint.strip() in err and "--confirm-fingerprint" in err
    code, out, err = cli(
        "record", "import", str(exported), "--confirm-fingerprint", fingerprint.strip()
    )
    assert code == 0, err
    code, out, _ = cli("record", "history", out.strip())
    assert "exported by Casey Example: signed by key " + fingerprint.strip() in out
    code, out, _ = cli("audit", "verify")
    assert code == 0 and "the newest this profile saved" in out


@pytest.mark.usefixtures("profile")
def test_the_cli_lists_every_problem_that_stops_completing_and_says_when_lists_are_empty(
    cli,  # noqa: F811 - the fixture
) -> None:
    code, _, err = cli("person", "list")
    assert code == 0 and "No one is in this caseload yet" in err
    code, person_id, _ = cli("person", "add", "--given", "Nia", "--family", "Mockford")
    code, record_id, _ = cli(
        "record", "start", "--person", person_id.strip(), "--form", "needs_assessment"
    )
    code, _, err = cli("record", "complete", record_id.strip())
    lines = err.strip().splitlines()
    assert code != 0 and "more things to put right" in lines[0]
    more = int(lines[0].split("(")[-1].split()[0])
    assert len(lines) == 1 + more and all(line.startswith("  also: ") for line in lines[1:])


def test_the_cli_help_speaks_to_its_users() -> None:
    from assessor_app.cli import build_parser

    text = build_parser().format_help()
    assert "Imports no Qt" not in text and "ASSESSOR_PASSPHRASE" in text
