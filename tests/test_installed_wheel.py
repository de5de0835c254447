"""The app as an authority's IT installs it: the built wheel in a fresh virtual environment,
run from a folder far from the checkout. It must find its own forms, rates tables and fonts
(an installed app once could not make a PDF or work out a charge), so a financial assessment
is finalised there, its charge worked out from the shipped rates, and its signed PDF checked
with poppler's pdfsig."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.support import reseal_export

pytestmark = pytest.mark.slow
PASSPHRASE = "orchard lantern copper"


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the fresh environment's bin folder, an empty working folder away from the checkout)."""
    root = tmp_path_factory.mktemp("installed")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "ASSESSOR_FORMS_DIR", "ASSESSOR_RATES_DIR")
    }
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "-w",
            str(root / "dist"),
            str(REPO_ROOT),
        ],
        root,
        env,
    )
    [wheel] = (root / "dist").glob("assessor-*.whl")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], root, env)
    # The dependencies (PySide6, reportlab, pyHanko...) are the test environment's own,
    # reached through a .pth line: only the app itself comes from the wheel.
    [site] = list((venv / "lib").glob("python3*/site-packages"))
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "-q",
            "--no-deps",
            str(wheel),
        ],
        root,
        env,
    )
    work = root / "elsewhere"
    work.mkdir()
    return venv / "bin", work


def test_the_installed_app_runs_from_its_own_files(installed: tuple[Path, Path]) -> None:
    bin_dir, work = installed
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "ASSESSOR_FORMS_DIR", "ASSESSOR_RATES_DIR")
    }
    where = _run(
        [
            str(bin_dir / "python"),
            "-c",
            "import assessor_app.core.paths as p; print(p.__file__); "
            "print(p.resources_dir()); print(p.default_forms_dir())",
        ],
        work,
        env,
    )
    for line in where.split():
        assert str(REPO_ROOT) not in line and Path(line).exists(), where


def test_the_installed_app_finalises_a_financial_assessment(
    installed: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    bin_dir, work = installed
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "ASSESSOR_FORMS_DIR", "ASSESSOR_RATES_DIR")
    }
    env |= {"ASSESSOR_DATA_DIR": str(tmp_path / "data"), "ASSESSOR_PASSPHRASE": PASSPHRASE}
    cli = [str(bin_dir / "assessor-cli"), "--insecure-fast-kdf"]
    _run(
        [
            *cli,
            "profile",
            "create",
            "--name",
            "Robin Testcase",
            "--role",
            "social_worker",
            "--authority",
            "Exampleshire County Council",
        ],
        work,
        env,
    )
    person = _run(
        [
            *cli,
            "person",
            "add",
            "--given",
            "Zoë",
            "--family",
            "Quillfeather",
            "--dob",
            "1948-03-14",
            "--nhs",
            "943 476 5919",
        ],
        work,
        env,
    ).strip()
    record = _run(
        [*cli, "record", "start", "--person", person, "--form", "financial_assessment"], work, env
    ).strip()
    answers = json.loads(
        (REPO_ROOT / "tests/fixtures/forms/answers/financial_home.json").read_text("utf-8")
    )
    evaluated = json.loads(
        _run(
            [
                *cli,
                "forms",
                "evaluate",
                "financial_assessment",
                str(REPO_ROOT / "tests/fixtures/forms/answers/financial_home.json"),
            ],
            work,
            env,
        )
    )
    # The weekly charge, in pence, from the rates table shipped inside the wheel.
    assert evaluated["outcomes"]["charge"]["value"] == 15390
    assert evaluated["outcomes"]["charge_rates"]["value"].startswith("england-2025-26@1")
    # The CLI sets no answers: an unsigned file from another system brings them in.
    data = json.loads(_run([*cli, "record", "export", record], work, env))
    data["assessment"]["answers"] = answers
    data["assessment"]["id"] = "0a1b2c3d4e5f6071"
    data["format"] = "assessor.record/1"
    del data["signature"], data["exported_by"]
    reseal_export(data)
    (work / "record.json").write_text(json.dumps(data), encoding="utf-8")
    _run([*cli, "record", "import", "--unsigned", "record.json"], work, env)
    done = _run([*cli, "record", "complete", "0a1b2c3d4e5f6071"], work, env)
    assert "completed" in done, done
    document = done.split("signed PDF")[-1].strip()
    _run([*cli, "record", "export-pdf", document, "--out", "statement.pdf"], work, env)
    verdict = subprocess.run(
        ["pdfsig", str(work / "statement.pdf")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Signature is Valid" in verdict.stdout + verdict.stderr
    text = subprocess.run(
        ["pdftotext", str(work / "statement.pdf"), "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "Quillfeather" in text and "£" in text
