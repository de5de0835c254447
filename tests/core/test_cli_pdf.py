"""`assessor-cli pdf verify`: checks a signed PDF anywhere, with no profile or passphrase.

Exit codes as docs/cli.md lists them: 0 intact (trusted or not), 7 broken or changed in a way
the signer did not allow, 2 for a file that is not a signed PDF.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from assessor_app.cli import main
from assessor_app.core.services.signing import install_certificate, profile_signing_identity
from assessor_app.core.storage.vault import Vault
from tests.core.test_pdf_signing import der, issue_certificate, make_ca, sign, simple_pdf
from tests.support import session_for


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run the CLI as on an IT desk: an empty data folder, no profile, no passphrase."""
    monkeypatch.setenv("ASSESSOR_DATA_DIR", str(tmp_path / "cli-data"))
    monkeypatch.delenv("ASSESSOR_PASSPHRASE", raising=False)
    monkeypatch.delenv("ASSESSOR_PROFILE", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def _file(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_an_intact_self_signed_pdf_exits_0_and_says_it_is_not_trusted(
    cli, vault: Vault, tmp_path: Path
) -> None:
    path = _file(tmp_path, "signed.pdf", sign(profile_signing_identity(vault)))
    code, out, err = cli("pdf", "verify", path)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Intact, but the signer is not confirmed: signed by Robin Testcase")
    assert "  Trust: not trusted (self-signed: not issued by an authority you trust)" in lines
    assert "  Type: certified: no changes allowed" in lines
    assert err == ""
    assert not (tmp_path / "cli-data" / "profiles").exists()  # no profile was needed or made


def test_a_trust_root_in_pem_or_der_makes_it_trusted(cli, vault: Vault, tmp_path: Path) -> None:
    ca = make_ca()
    identity = install_certificate(
        session_for(vault), issue_certificate(ca, profile_signing_identity(vault)), [der(ca[1])]
    )
    path = _file(tmp_path, "signed.pdf", sign(identity))
    pem = _file(tmp_path, "root.pem", ca[1].public_bytes(serialization.Encoding.PEM))
    raw = _file(tmp_path, "root.der", der(ca[1]))
    for root in (pem, raw):
        code, out, _ = cli("pdf", "verify", path, "--trust-root", root)
        assert code == 0 and out.startswith("Valid: signed by Robin Testcase"), out
        assert "issued by Exampleshire Test CA, which you trust" in out


def test_a_changed_pdf_exits_7_and_says_not_to_rely_on_it(
    cli, vault: Vault, tmp_path: Path
) -> None:
    signed = sign(profile_signing_identity(vault))
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=b"0 0 m")))
    changed = io.BytesIO()
    writer.write(changed)
    flipped = bytearray(signed)
    flipped[signed.index(b"Synthetic") + 3] ^= 0x01
    for data in (changed.getvalue(), bytes(flipped)):
        code, out, err = cli("pdf", "verify", _file(tmp_path, "changed.pdf", data))
        assert code == 7
        assert out.startswith("NOT VALID")
        assert err.count("\n") == 1 and "Do not rely on it" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04 a zip file", "not a PDF"),
        (None, "damaged or incomplete"),
        (simple_pdf(), "no digital signature"),
    ],
    ids=["not-a-pdf", "truncated", "unsigned"],
)
def test_files_that_are_not_signed_pdfs_exit_2_with_what_to_do(
    cli, vault: Vault, tmp_path: Path, content: bytes | None, message: str
) -> None:
    if content is None:
        signed = sign(profile_signing_identity(vault))
        content = signed[: len(signed) // 3]
    code, out, err = cli("pdf", "verify", _file(tmp_path, "input.pdf", content))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err
    assert err.startswith("assessor-cli: ")


def test_a_missing_file_or_a_bad_trust_root_exits_2(cli, vault: Vault, tmp_path: Path) -> None:
    code, _, err = cli("pdf", "verify", str(tmp_path / "nowhere.pdf"))
    assert code == 2 and "There is no file" in err and "Check the path" in err
    path = _file(tmp_path, "signed.pdf", sign(profile_signing_identity(vault)))
    bad_root = _file(tmp_path, "root.pem", b"not a certificate")
    code, _, err = cli("pdf", "verify", path, "--trust-root", bad_root)
    assert code == 2 and "not an X.509 certificate" in err
