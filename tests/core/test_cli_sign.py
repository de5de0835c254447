"""`assessor-cli record sign`: a record signed and finalised from the command line alone.

Each signer signs by typing their name, or is recorded as unable to sign with a reason, in the
answer shapes the app's signature question keeps; `record complete` then keeps a PDF signed
with the profile's certificate, checked here by poppler's pdfsig and pdftotext.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.form_engine.definition import FieldDef, FieldType
from assessor_app.core.form_engine.signatures import describe_signature
from assessor_app.core.form_engine.value_checks import value_messages
from tests.conftest import REPO_ROOT
from tests.core.test_cli import PASS, cli, profile  # noqa: F401 - fixtures
from tests.support import poppler, reseal_export, squash

assert PASS

TODAY = dt.date(2026, 11, 23)
SIGNATURES = ("person_signature", "representative_signature", "assessor_signature")


def _answered_draft(cli, tmp_path: Path, form: str = "needs_assessment") -> str:  # noqa: F811
    """A synthetic prisoner's needs assessment, every answer given but no one signed.

    The person and the draft come from the CLI; the answers from an unsigned (format 1) export
    of another system, as in test_cli_record_pdf (the CLI sets no other answers).
    """
    person_args = ["--given", "Łukasz", "--family", "Brindlewood", "--setting", "prison"]
    person_args += ["--establishment", "HMP Nowhere (synthetic)", "--conviction", "sentenced"]
    code, person_id, err = cli("person", "add", *person_args)
    assert code == 0, err
    code, record_id, err = cli("record", "start", "--person", person_id.strip(), "--form", form)
    assert code == 0, err
    if form != "needs_assessment":
        return record_id.strip()
    code, exported, _ = cli("record", "export", record_id.strip())
    data = json.loads(exported)
    answers = json.loads(
        (REPO_ROOT / "tests/fixtures/forms/answers/needs_custody_eligible.json").read_text()
    )
    data["assessment"]["answers"] = {k: v for k, v in answers.items() if k not in SIGNATURES}
    data["assessment"]["id"] = "5c1d2e3f-0000-4000-8000-00000000f1b2"
    data["format"] = "assessor.record/1"
    del data["signature"]
    reseal_export(data)
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = cli("record", "import", "--unsigned", str(path))
    assert code == 0, err
    return "5c1d2e3f-0000-4000-8000-00000000f1b2"


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils is not installed")
@pytest.mark.usefixtures("profile")
def test_sign_everyone_and_finalise_a_signed_pdf_from_the_cli(cli, tmp_path: Path) -> None:  # noqa: F811
    record = _answered_draft(cli, tmp_path)
    code, _, err = cli("record", "complete", record)
    assert code == 2 and "Not signed by" in err and "the assessor" in err

    code, out, err = cli(
        "record",
        "sign",
        record,
        "--as",
        "person",
        "--name",
        "Łukasz Brindlewood",
        "--unable",
        "custody_not_permitted",
        "--detail",
        "Pens not allowed on the wing.",
    )
    assert code == 0, err
    assert out.split("\t")[1:4] == [
        "person_signature",
        "Łukasz Brindlewood",
        "unable to sign (Not permitted to sign in custody)",
    ]
    code, _, err = cli("record", "complete", record)
    assert code == 2 and "Not signed by: the assessor" in err
    code, out, err = cli("record", "sign", record, "--as", "assessor", "--name", "Casey Example")
    assert code == 0 and "signed by typing their name" in out, err

    code, out, err = cli("record", "complete", record)
    assert code == 0 and "completed" in out and "signed PDF" in out, err
    code, out, err = cli("record", "pdf", record, "--out", str(tmp_path / "final.pdf"))
    assert code == 0, err
    pdf = Path(out.strip()).read_bytes()
    verdict = poppler("pdfsig", pdf, tmp_path)
    assert "Signature is Valid" in verdict and "Total document signed" in verdict, verdict
    text = squash(poppler("pdftotext", pdf, tmp_path))
    assert "Casey Example Signed by typing their name" in text
    assert (
        "Unable to sign: Not permitted to sign in custody (Pens not allowed on the wing.)" in text
    )

    code, listed, _ = cli("record", "list")
    assert listed.split("\t")[3] == "completed"
    # Finalised: the signatures stay as signed, until the record is amended.
    code, _, err = cli("record", "sign", record, "--as", "assessor", "--name", "X", "--replace")
    assert code == 2 and "amend" in err
    assert cli("record", "amend", record)[0] == 0
    code, _, err = cli("record", "sign", record, "--as", "assessor", "--name", "Casey Example")
    assert code == 0, err


@pytest.mark.usefixtures("profile")
def test_sign_says_what_is_wrong_and_saves_nothing(
    cli,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    record = _answered_draft(cli, tmp_path)
    history = cli("record", "history", record)[1]

    def refused(*args: str) -> str:
        code, out, err = cli("record", "sign", record, *args)
        assert code == 2 and out == "", (args, out, err)
        assert err.startswith("assessor-cli: ") and err.count("\n") == 1, err
        return err

    assert "--as assessor" in refused("--name", "Casey Example")
    err = refused("--as", "carer", "--name", "Sam Helper")
    assert "no signature by the carer" in err and "the assessor (assessor_signature)" in err
    err = refused("--as", "representative", "--name", "Rowan Deputy", "--capacity", "deputy")
    assert "does not ask for the signature of their representative" in err
    assert "Describe the reason" in refused(
        "--as", "person", "--name", "Łukasz Brindlewood", "--unable", "other"
    )
    assert "Enter the name" in refused("--as", "assessor", "--name", "  ")
    assert "no signature question 'nope'" in refused("--field", "nope", "--name", "A B")
    assert cli("record", "history", record)[1] == history  # nothing saved

    with pytest.raises(SystemExit) as exited:  # argparse refuses it, listing the reasons
        cli("record", "sign", record, "--as", "person", "--name", "Ł B", "--unable", "x")
    err = capsys.readouterr().err
    assert exited.value.code == 2 and "invalid choice" in err and "'declined'" in err

    assert cli("record", "sign", record, "--as", "assessor", "--name", "Casey Example")[0] == 0
    assert "--replace" in refused("--as", "assessor", "--name", "Casey Exampleton")
    code, out, _ = cli(
        "record", "sign", record, "--as", "assessor", "--name", "Casey Exampleton", "--replace"
    )
    assert code == 0 and "replacing the earlier one" in out


@pytest.mark.usefixtures("profile")
def test_a_representative_signs_with_their_authority(cli, tmp_path: Path) -> None:  # noqa: F811
    record = _answered_draft(cli, tmp_path, form="financial_assessment")
    sign = ("record", "sign", record, "--as", "representative", "--name", "Rowan Deputy")
    code, _, err = cli(*sign)
    assert code == 2 and "Choose the authority their representative signs with" in err
    code, _, err = cli(*sign, "--capacity", "other")
    assert code == 2 and "what authority their representative has" in err
    code, _, err = cli(*sign, "--capacity", "deputy", "--unable", "declined")
    assert code == 2 and "not with a reason" in err
    code, out, err = cli(*sign, "--capacity", "other", "--capacity-detail", "Litigation friend")
    assert code == 0 and "representative_signature" in out, err
    answers = json.loads(cli("record", "export", record)[1])["assessment"]["answers"]
    assert answers["representative_signature"] == {
        "typed": True,
        "name": "Rowan Deputy",
        "signed_on": dt.date.today().isoformat(),
        "capacity": "other",
        "capacity_detail": "Litigation friend",
    }


# -- the typed shape in the core: checked as the editor checks it, read as the PDF reads it ----


def _sig(signer: str | None = "person") -> FieldDef:
    return FieldDef(id="s", type=FieldType.SIGNATURE, label="Signature", signer=signer)


def typed(**more: Any) -> dict[str, Any]:
    return {"typed": True, "name": "Jordan Example", "signed_on": "2026-11-16", **more}


@pytest.mark.parametrize(
    ("signer", "value", "said"),
    [
        ("person", typed(), None),
        ("assessor", typed(), None),
        (None, typed(), None),
        ("representative", typed(capacity="deputy"), None),
        ("representative", typed(), "Choose the authority"),
        ("person", typed(capacity="deputy"), "could not be read"),
        ("person", typed(typed="yes"), "could not be read"),
        ("person", typed(strokes=[[[1, 2], [3, 4]]]), "could not be read"),
        ("person", typed(unable_to_sign="declined"), "Keep either the signature or the reason"),
        ("person", typed(name=" "), "Enter the name of the person assessed"),
        ("person", typed(signed_on="2026-11-24"), "cannot be after today"),
        ("person", {"typed": True, "name": "Jordan Example"}, "Enter the date it was signed"),
    ],
)
def test_a_typed_signature_is_checked_like_a_drawn_one(
    signer: str | None, value: dict[str, Any], said: str | None
) -> None:
    messages = value_messages(_sig(signer), value, TODAY)
    if said is None:
        assert messages == []
    else:
        assert len(messages) == 1 and said in messages[0], messages


def test_a_typed_signature_reads_as_signed_and_typed() -> None:
    summary = describe_signature(typed(capacity="lpa_health_welfare"))
    assert summary is not None and summary.signed and summary.typed
    assert summary.name == "Jordan Example" and summary.strokes == ()
    assert summary.signed_on == dt.date(2026, 11, 16)
    assert summary.capacity_label and summary.capacity_label.startswith("Attorney")
    assert describe_signature({"typed": True}) is None  # no name typed: nothing signed
    drawn = describe_signature({"strokes": [[[1, 2]]], "name": "A B", "signed_on": "2026-11-16"})
    assert drawn is not None and not drawn.typed
