"""`assessor-cli record complete|pdf|letter|documents|amend`: finalising signs, drafts never.

Runs the real CLI against a real vault; the signed files are then checked by `pdf verify`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assessor_app.core.demo import write_demo_branding
from tests.conftest import REPO_ROOT
from tests.core.test_cli import PASS, cli, profile  # noqa: F401 - fixtures
from tests.support import reseal_export

assert PASS


def _finalisable_record(cli, tmp_path: Path) -> str:  # noqa: F811
    """A needs assessment of a synthetic prisoner, answered and signed, imported by the CLI."""
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
        "--prison-number",
        "A1234BC",
    )
    assert code == 0
    code, record_id, _ = cli(
        "record", "start", "--person", person_id.strip(), "--form", "needs_assessment"
    )
    assert code == 0
    code, exported, _ = cli("record", "export", record_id.strip())
    data = json.loads(exported)
    fixture = REPO_ROOT / "tests/fixtures/forms/answers/needs_custody_eligible.json"
    answers = json.loads(fixture.read_text("utf-8"))
    data["assessment"]["answers"] = answers
    data["assessment"]["id"] = "5c1d2e3f-0000-4000-8000-00000000f1a1"
    # The CLI sets no answers: the file plays an unsigned (format 1) export from another
    # system that holds them, its hash made afresh; a signed export so edited is refused.
    data["format"] = "assessor.record/1"
    del data["signature"]
    reseal_export(data)
    path = tmp_path / "record.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = cli("record", "import", "--unsigned", str(path))
    assert code == 0, err
    return "5c1d2e3f-0000-4000-8000-00000000f1a1"


@pytest.mark.usefixtures("profile")
def test_cli_finalises_keeps_exports_and_makes_a_letter(cli, tmp_path: Path) -> None:  # noqa: F811
    record_id = _finalisable_record(cli, tmp_path)
    code, out, err = cli("record", "pdf", record_id, "--out", str(tmp_path / "draft.pdf"))
    assert code == 0, err
    draft = Path(out.strip())
    assert b"/ByteRange" not in draft.read_bytes()  # a draft is never signed

    code, out, err = cli("record", "complete", record_id)
    assert code == 0, err
    assert "completed" in out and "signed PDF" in out

    code, out, err = cli("record", "pdf", record_id, "--out", str(tmp_path / "final.pdf"))
    assert code == 0, err
    final = Path(out.strip())
    code, out, _ = cli("pdf", "verify", str(final))
    assert code == 0 and "Casey Example" in out

    letter = (
        "record",
        "letter",
        record_id,
        "eligibility_record",
        "--variant",
        "easy_read",
        "--out",
        str(tmp_path / "letter.pdf"),
    )
    # Without the authority's branding file a letter would carry example phone numbers.
    code, _, err = cli(*letter)
    assert code == 2 and "branding" in err
    write_demo_branding(tmp_path / "data")  # stands in for the authority's own file
    code, out, err = cli(*letter)
    assert code == 0, err
    code, verified, _ = cli("pdf", "verify", out.strip())
    assert code == 0
    code, listed, _ = cli("record", "documents", record_id)
    kinds = [line.split("\t")[1:3] for line in listed.strip().splitlines()]
    assert kinds == [["letter:eligibility_record", "easy_read"], ["record", "standard"]]

    code, out, _ = cli("record", "amend", record_id)
    assert code == 0 and "amended" in out
    # The amendment is signed again before it can be finalised; nothing kept changes.
    code, _, err = cli("record", "complete", record_id)
    assert code == 2 and "Not signed by" in err
    code, listed, _ = cli("record", "documents", record_id)
    assert len(listed.strip().splitlines()) == 2


@pytest.mark.usefixtures("profile")
def test_cli_refuses_to_finalise_without_signatures(cli) -> None:  # noqa: F811
    code, person_id, _ = cli("person", "add", "--given", "Nia", "--family", "Mockford")
    code, record_id, _ = cli(
        "record", "start", "--person", person_id.strip(), "--form", "chc_checklist"
    )
    code, _, err = cli("record", "complete", record_id.strip())
    assert code == 2 and "Not signed by" in err
    code, listed, _ = cli("record", "documents", record_id.strip())
    assert code == 0 and listed.strip() == ""
