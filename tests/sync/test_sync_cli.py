"""`assessor-cli sync enrol|status|now` against a real gateway over mutual TLS."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessor_app.cli import main
from tests.sync.conftest import Gateway

PASS = "copper meadow lantern"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("ASSESSOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSESSOR_PASSPHRASE", PASS)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--insecure-fast-kdf", *argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    code, _, _ = run(
        "profile",
        "create",
        "--name",
        "Robin Testcase",
        "--role",
        "nurse",
        "--authority",
        "Exampleshire",
    )
    assert code == 0
    return run


def test_enrol_then_status_and_now_from_the_command_line(
    cli, gateway: Gateway, tmp_path: Path
) -> None:
    code, person, _ = cli("person", "add", "--given", "Zoë", "--family", "Testperson")
    assert code == 0
    assert cli("record", "start", "--form", "sample", "--person", person.strip())[0] == 0
    code, out, _ = cli("sync", "status")
    assert "not enrolled" in out and "Queued: 2" in out
    code, _, err = cli("sync", "now")
    assert code != 0 and "not enrolled" in err

    ca = tmp_path / "gateway-ca.pem"
    ca.write_bytes(gateway.ca.pem)
    code, out, err = cli(
        "sync", "enrol", "--gateway", gateway.url, "--code", gateway.code(), "--ca", str(ca)
    )
    assert code == 0, err
    assert "Enrolled as device" in out
    assert (
        "PDFs signed from now on carry Robin Testcase's certificate from Exampleshire County "
        "Council document signing CA." in out
    )
    code, out, _ = cli("sync", "now")
    assert code == 0 and "Sent 2; held 0; still queued 0." in out
    code, out, _ = cli("sync", "status")
    assert f"enrolled with {gateway.url}" in out and "Queued: 0" in out and "Sent: 2" in out
    assert gateway.store.count() == 2


def test_status_names_the_signed_pdfs_still_to_send(cli, gateway: Gateway, tmp_path: Path) -> None:
    from assessor_app.core.storage.profiles import list_profiles
    from assessor_app.core.storage.vault import Vault
    from tests.sync.pdfs import keep_signed_pdf

    code, person, _ = cli("person", "add", "--given", "Zoë", "--family", "Testperson")
    code, record, _ = cli("record", "start", "--form", "sample", "--person", person.strip())
    data = tmp_path / "data"
    (profile,) = list_profiles(data)
    vault = Vault.open(data, profile.id, PASS)
    try:
        doc = keep_signed_pdf(vault, record.strip())
    finally:
        vault.close()
    code, out, _ = cli("sync", "status")
    assert "1 signed PDF still to send (Sample form – every field type for Zoë Testperson)." in out
    assert f"pdf\tdocument\t{doc.id}\trecord {record.strip()}\twaiting for its record" in out
    ca = tmp_path / "gateway-ca.pem"
    ca.write_bytes(gateway.ca.pem)
    cli("sync", "enrol", "--gateway", gateway.url, "--code", gateway.code(), "--ca", str(ca))
    code, out, _ = cli("sync", "now")
    assert code == 0 and "Signed PDFs sent 1; held 0; still to send 0." in out
    code, out, _ = cli("sync", "status")
    assert "signed PDF" not in out and gateway.store.document_count() == 1


def test_enrol_by_fingerprint_from_the_command_line(cli, gateway: Gateway) -> None:
    from sync.protocol import ca_fingerprint

    right = ca_fingerprint(gateway.ca.pem)
    code = gateway.code()
    wrong = "0000 " * 16
    status, _, err = cli(
        "sync", "enrol", "--gateway", gateway.url, "--code", code, "--fingerprint", wrong
    )
    assert status != 0 and f"The gateway at {gateway.url} is not the council's" in err
    assert "Nothing was sent." in err and gateway.store.devices() == []
    status, _, err = cli("sync", "enrol", "--gateway", gateway.url, "--code", code)
    assert status != 0 and "--fingerprint" in err and "--ca FILE" in err
    status, out, err = cli(
        "sync", "enrol", "--gateway", gateway.url, "--code", code, "--fingerprint", right.lower()
    )
    assert status == 0, err
    assert "Enrolled as device" in out and len(gateway.store.devices()) == 1


def test_send_by_file_from_the_command_line_both_ways(
    cli, gateway: Gateway, tmp_path: Path
) -> None:
    from sync.gateway.cli import main as gateway_main

    code, person, _ = cli("person", "add", "--given", "Zoë", "--family", "Testperson")
    assert cli("record", "start", "--form", "sample", "--person", person.strip())[0] == 0
    ca = tmp_path / "gateway-ca.pem"
    ca.write_bytes(gateway.ca.pem)
    enrolled = cli(
        "sync", "enrol", "--gateway", gateway.url, "--code", gateway.code(), "--ca", str(ca)
    )
    assert enrolled[0] == 0, enrolled[2]
    stick = tmp_path / "stick"
    stick.mkdir()
    code, out, err = cli("bundle", "export", str(stick / "laptop.bundle"))
    assert code == 0, err
    assert "Wrote bundle 1 with 2 revision(s) and 0 signed PDF(s)" in out
    code, out, _ = cli("sync", "status")
    assert "Sent by file, awaiting receipt" in out

    argv = ["--data", str(tmp_path), "--db", gateway.store.url, "bundle", "import"]
    assert gateway_main([*argv, str(stick / "laptop.bundle")]) == 0
    assert gateway.store.count() == 2
    assert gateway_main([*argv, str(stick / "laptop.bundle")]) == 0  # again: nothing changes
    assert gateway.store.count() == 2

    code, out, err = cli("bundle", "import", str(stick / "laptop.bundle.receipt"))
    assert code == 0, err
    assert "Acknowledged 2; still queued 0; held 0; signed PDFs acknowledged 0." in out
    code, out, err = cli("bundle", "import", str(stick / "laptop.bundle"))
    assert code != 0 and "not a receipt" in err


def test_sync_now_brings_the_caseload_and_status_names_who_is_moving(
    cli, gateway: Gateway, tmp_path: Path
) -> None:
    import datetime as dt

    ca = tmp_path / "gateway-ca.pem"
    ca.write_bytes(gateway.ca.pem)
    assert (
        cli("sync", "enrol", "--gateway", gateway.url, "--code", gateway.code(), "--ca", str(ca))[0]
        == 0
    )
    code, person, _ = cli("person", "add", "--given", "Zoë", "--family", "Testperson")
    person_id = person.strip()
    assert cli("sync", "now")[0] == 0
    # IT moves the person; a change made here afterwards is refused and keeps them here.
    other = gateway.store.create_assessor("Sam Exampleton", dt.datetime.now(dt.UTC))
    gateway.store.allocate(person_id, other, dt.datetime.now(dt.UTC))
    assert cli("record", "start", "--form", "sample", "--person", person_id)[0] == 0
    code, out, _ = cli("sync", "now")
    assert code == 0
    assert "held 1" in out and "1 moving, kept until this laptop's work on them is sent." in out
    code, out, _ = cli("sync", "status")
    assert f"moving\tperson\t{person_id}\tmoved to another caseload" in out


def test_enrol_by_file_and_an_inbound_bundle_from_the_command_line(
    cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A laptop that never connects: request out, answer back, work out, caseload back."""
    from sync.gateway.cli import main as gateway_main

    def gateway(*argv: str) -> tuple[int, str, str]:
        code = gateway_main(["--data", str(tmp_path / "gateway"), *argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    stick = tmp_path / "stick"
    stick.mkdir()
    _, assessor, _ = gateway("create-assessor", "Robin Testcase")
    _, code, _ = gateway("enrolment-code", assessor.strip())
    status, out, err = cli("sync", "enrol", "--request-file", str(stick / "enrol.request"))
    assert status != 0 and "--code" in err
    status, out, err = cli(
        "sync", "enrol", "--request-file", str(stick / "enrol.request"), "--code", code.strip()
    )
    assert status == 0, err
    status, device, err = gateway(
        "enrol-file", str(stick / "enrol.request"), "--out", str(stick / "enrol.answer")
    )
    assert status == 0, err
    fingerprint = err.split("out to the assessor:")[1].strip()
    status, _, err = gateway(
        "enrol-file", str(stick / "enrol.request"), "--out", str(stick / "again.answer")
    )
    assert status == 2 and "already been used" in err  # a code enrols once, by file too

    status, _, err = cli(
        "sync", "enrol", "--answer-file", str(stick / "enrol.answer"), "--fingerprint", "AB" * 32
    )
    assert status != 0 and "not from the council's gateway" in err
    status, out, err = cli(
        "sync", "enrol", "--answer-file", str(stick / "enrol.answer"), "--fingerprint", fingerprint
    )
    assert status == 0, err
    assert f"Enrolled as device {device.strip()} by file" in out

    _, person, _ = cli("person", "add", "--given", "Zoë", "--family", "Testperson")
    assert cli("bundle", "export", str(stick / "laptop.bundle"))[0] == 0
    assert gateway("bundle", "import", str(stick / "laptop.bundle"))[0] == 0
    status, out, err = cli("bundle", "import", str(stick / "laptop.bundle.receipt"))
    assert status == 0 and "Acknowledged 1" in out, err

    with pytest.raises(SystemExit):  # the lease must be named: a forgotten one would unlock it
        gateway("bundle", "for-device", device.strip(), "--out", str(stick / "d"))
    assert "--lease-days" in capsys.readouterr().err
    status, out, err = gateway(
        "bundle", "for-device", device.strip(), "--out", str(stick / "down"), "--lease-days", "20"
    )
    assert status == 0 and "Inbound bundle 1" in out, err
    status, out, err = cli("bundle", "import", str(stick / "down"))
    assert status == 0, err
    assert "File 1 from the council brought" in out and "20 days" in out
    status, _, err = cli("bundle", "import", str(stick / "down"))
    assert status != 0 and "nothing was changed" in err
