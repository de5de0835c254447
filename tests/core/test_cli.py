"""`assessor-cli` as IT staff and scripts use it: exit codes, one-line errors, JSON out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assessor_app.cli import main

PASS = "copper meadow lantern"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run the CLI against a fresh data dir; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("ASSESSOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSESSOR_PASSPHRASE", PASS)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--insecure-fast-kdf", *argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture
def profile(cli) -> str:
    """A profile of a synthetic assessor, created through the CLI."""
    code, out, _ = cli(
        "profile",
        "create",
        "--name",
        "Casey Example",
        "--role",
        "nurse",
        "--authority",
        "Exampleshire",
    )
    assert code == 0
    return out.strip()


@pytest.mark.usefixtures("profile")
def test_person_record_export_import_round_trip(cli, tmp_path: Path) -> None:
    code, person_id, _ = cli(
        "person",
        "add",
        "--given",
        "Nguyễn",
        "--family",
        "Testperson",
        "--dob",
        "1950-01-31",
        "--nhs",
        "943 476 5919",
    )
    assert code == 0
    person_id = person_id.strip()
    code, out, _ = cli("person", "list", "--search", "testp")
    assert out.startswith(person_id) and "943 476 5919" in out
    code, record_id, _ = cli("record", "start", "--person", person_id, "--form", "sample")
    assert code == 0
    export = tmp_path / "record.json"
    assert cli("record", "export", record_id.strip(), "--out", str(export))[0] == 0
    data = json.loads(export.read_text())
    assert data["assessment"]["form_id"] == "sample" and data["person"]["given_name"] == "Nguyễn"
    code, _, err = cli("record", "import", str(export))
    assert code == 2 and "already in this profile" in err
    code, out, _ = cli("record", "history", record_id.strip())
    assert code == 0 and out.startswith("1\t")
    code, out, _ = cli("audit", "verify")
    assert code == 0 and "History intact" in out


@pytest.mark.usefixtures("profile")
def test_wrong_passphrase_exits_3_with_one_line(cli, monkeypatch) -> None:
    monkeypatch.setenv("ASSESSOR_PASSPHRASE", "not the passphrase")
    code, out, err = cli("person", "list")
    assert code == 3
    assert err.count("\n") == 1 and "Check Caps Lock" in err and out == ""


@pytest.mark.usefixtures("profile")
def test_impossible_date_is_refused_with_the_format(cli) -> None:
    code, _, err = cli("person", "add", "--given", "A", "--family", "B", "--dob", "1950-02-30")
    assert code == 2 and "not a real date" in err and "February 1950 has 28 days" in err
    assert cli("person", "list")[1] == ""


@pytest.mark.usefixtures("profile")
def test_person_add_refuses_a_misfit_conviction_status_and_a_bad_prison_number(cli) -> None:
    base = ("person", "add", "--given", "A", "--family", "B", "--setting", "prison")
    code, _, err = cli(*base, "--conviction", "unconvicted_on_bail")
    assert code == 2 and "'Not convicted (on bail)' does not fit someone in prison" in err
    assert "approved premises or bail accommodation" in err
    code, _, err = cli(*base, "--conviction", "remanded", "--prison-number", "hello")
    assert code == 2 and "'hello' is not one letter, four digits and two letters" in err
    assert cli("person", "list")[1] == ""
    code, out, _ = cli(*base, "--conviction", "remanded", "--prison-number", "a 1234 bc")
    assert code == 0 and out.strip() in cli("person", "list", "--search", "A1234BC")[1]


@pytest.mark.usefixtures("profile")
def test_vault_info_shows_slots_but_never_key_material(cli) -> None:
    code, out, _ = cli("vault", "info")
    info = json.loads(out)
    assert info["schema_version"] == info["schema_max_version"] >= 1
    assert info["key_slots"][0]["kdf"] == "argon2id"
    raw = json.dumps(info)
    assert "ciphertext" not in raw and "salt" not in raw and "nonce" not in raw


def test_forms_check_lists_problems_and_exits_2(cli, tmp_path: Path) -> None:
    bad = tmp_path / "forms" / "broken"
    bad.mkdir(parents=True)
    (bad / "v1.yaml").write_text(
        "id: broken\nversion: 1\ntitle: Broken\nsections:\n"
        "  - id: s\n    title: S\n    fields:\n"
        "      - id: a\n        type: short_text\n        requird: true\n"
    )
    code, _, err = cli("forms", "check", str(tmp_path / "forms"))
    assert code == 2 and "v1.yaml" in err and "requird" in err
    code, out, _ = cli("forms", "check", "forms")
    assert code == 0 and "valid" in out


def test_forms_evaluate_prints_problems_and_outcomes(cli, tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(
        json.dumps(
            {"preferred_name": "Zoë", "visit_date": "2999-01-01", "mobility": "C", "hours": 20}
        )
    )
    code, out, _ = cli("forms", "evaluate", "sample", str(answers))
    result = json.loads(out)
    assert code == 0 and result["form"] == "sample" and result["valid"] is False
    assert any(p["path"] == "visit_date" for p in result["problems"])
    assert all(o["reasons"] for o in result["outcomes"].values())
    answers.write_text("[1, 2")
    code, _, err = cli("forms", "evaluate", "sample", str(answers))
    assert code == 2 and "not readable JSON" in err


def test_no_passphrase_and_no_terminal_says_what_to_set(tmp_path: Path) -> None:
    env = {"ASSESSOR_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "assessor_app.cli",
            "profile",
            "create",
            "--name",
            "X",
            "--role",
            "other",
            "--authority",
            "Y",
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 1
    assert "ASSESSOR_PASSPHRASE" in result.stderr


@pytest.mark.usefixtures("profile")
@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("31/02/1950", "the date of birth: 31/02/1950 is not a real date: February 1950 has 28"),
        ("1950-13-01", "no month 13"),
        ("31 Jan 1950", "not written as a date. Type it as day/month/year"),
        ("yesterday", "not written as a date"),
    ],
)
def test_a_date_that_is_wrong_says_whether_its_form_or_its_day_is(
    cli, typed: str, said: str
) -> None:
    code, _, err = cli("person", "add", "--given", "A", "--family", "B", "--dob", typed)
    assert code == 2 and said in err


@pytest.mark.usefixtures("profile")
def test_dates_are_taken_as_the_app_takes_them_or_as_iso(cli) -> None:
    for typed in ("31/01/1950", "1950-01-31", "31.1.1950"):
        code, _person, err = cli("person", "add", "--given", "A", "--family", "B", "--dob", typed)
        assert code == 0, err
    code, out, _ = cli("person", "list")
    assert out.count("\t1950-01-31\t") == 3
