"""`assessor-gateway` as IT uses it: one command starts a demo gateway; codes, devices, revoke."""

from __future__ import annotations

import http.client
import json
import os
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

from sync.gateway.server import free_port
from sync.protocol import CURRENT

ROOT = Path(__file__).resolve().parents[2]


def _gateway(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync.gateway.cli", "--data", str(data), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_assessors_codes_and_devices_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "gw"
    made = _gateway(data, "create-assessor", "Robin Testcase")
    assert made.returncode == 0
    assessor = made.stdout.strip()
    code = _gateway(data, "enrolment-code", assessor)
    assert code.returncode == 0
    assert len(code.stdout.strip()) == 14 and code.stdout.count("-") == 2  # XXXX-XXXX-XXXX
    assert "once, within 15 minutes" in code.stderr
    assert _gateway(data, "devices").stdout == ""
    moved = _gateway(data, "allocate", "0f5e1c2a7b9d4e21", assessor)
    assert moved.returncode == 0 and "caseload" in moved.stdout
    assert "no assessor nobody" in _gateway(data, "allocate", "0f5e1c2a7b9d4e21", "nobody").stderr
    unknown = _gateway(data, "revoke", "nosuchdevice")
    assert unknown.returncode == 2 and "no active device nosuchdevice" in unknown.stderr
    bad = _gateway(data, "enrolment-code", "nosuchassessor")
    assert bad.returncode == 2 and "no assessor nosuchassessor" in bad.stderr
    wrong_db = _gateway(data, "--db", "mysql://x", "devices")
    assert wrong_db.returncode == 2 and "neither postgresql" in wrong_db.stderr


def test_serve_starts_a_working_gateway_with_nothing_set_up(tmp_path: Path) -> None:
    data, port = tmp_path / "fresh", free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sync.gateway.cli",
            "--data",
            str(data),
            "serve",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        context = None
        answer = None
        for _ in range(100):
            ca = data / "ca" / "ca.pem"
            if ca.exists():
                context = context or ssl.create_default_context(cafile=str(ca))
                try:
                    conn = http.client.HTTPSConnection(
                        "127.0.0.1", port, timeout=2, context=context
                    )
                    conn.request("GET", "/v1/hello")
                    answer = json.loads(conn.getresponse().read())
                    conn.close()
                    break
                except OSError:
                    pass
            time.sleep(0.1)
        assert answer is not None, proc.stderr.read() if proc.poll() is not None else "no answer"
        assert answer["protocol"] == CURRENT
        assert (data / "gateway.db").exists()
        assert oct((data / "ca" / "ca.key").stat().st_mode & 0o777) == "0o600"
        # A demo gateway hands out a demo recovery key, its private file kept beside it.
        assert (data / "recovery" / "recovery-public.json").exists()
        assert oct((data / "recovery" / "DEMO-recovery-key.json").stat().st_mode)[-3:] == "600"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)


def test_an_enrolment_code_comes_with_the_gateways_fingerprint(tmp_path: Path) -> None:
    from sync.gateway.ca import GatewayCA
    from sync.protocol import ca_fingerprint

    data = tmp_path / "gw"
    assessor = _gateway(data, "create-assessor", "Robin Testcase").stdout.strip()
    before = _gateway(data, "enrolment-code", assessor)
    assert before.returncode == 0 and "not known until it has served once" in before.stderr
    refused = _gateway(data, "fingerprint")
    assert refused.returncode == 2 and "run 'assessor-gateway serve' once" in refused.stderr
    # What `serve` makes the first time it starts.
    ca = GatewayCA.load_or_create(data / "ca", "Exampleshire County Council")
    fingerprint = ca_fingerprint(ca.pem)
    made = _gateway(data, "enrolment-code", assessor)
    assert made.returncode == 0 and len(made.stdout.strip()) == 14  # the code alone on stdout
    assert f"\n    {fingerprint}\n" in made.stderr
    assert _gateway(data, "fingerprint").stdout == fingerprint + "\n"
    other = tmp_path / "authority-ca.pem"
    other.write_bytes(GatewayCA.load_or_create(tmp_path / "other", "Authority").pem)
    named = _gateway(data, "fingerprint", "--server-ca", str(other))
    assert named.stdout.strip() == ca_fingerprint(other.read_bytes()) != fingerprint
    missing = _gateway(data, "enrolment-code", assessor, "--server-ca", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "there is no CA certificate at" in missing.stderr
