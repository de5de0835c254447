"""The app as a user starts it: `./dev run --demo` on a real X display (Xvfb), not offscreen.

Offscreen tests once passed while the app could not start on a fresh machine, because Qt's
xcb plugin lacked system libraries. This starts the real thing, finds its window, takes a
screenshot and checks something was drawn, then ends it as a logout does (SIGTERM) and checks
the demo's throwaway vault is gone.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not all(shutil.which(t) for t in ("Xvfb", "xwininfo", "xwd")),
        reason="needs Xvfb, xwininfo and xwd (./dev test installs them)",
    ),
]


def _start_xvfb() -> tuple[subprocess.Popen[bytes], int]:
    """Xvfb on a display number it picks itself (-displayfd), so test runs side by side (two
    checkouts, or CI beside a developer) never pick the same one and lose it to each other."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(write_end,),
    )
    os.close(write_end)
    with os.fdopen(read_end) as told:
        number = told.readline().strip()  # written once the display accepts connections
    if not number.isdigit():
        xvfb.kill()
        raise AssertionError("Xvfb did not start")
    return xvfb, int(number)


def _wait(until: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not until():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def _distinct_pixels(xwd: bytes) -> int:
    """How many different 32-bit pixels an xwd screenshot of a 24-bit screen holds."""
    header_size = int.from_bytes(xwd[0:4], "big")
    ncolors = int.from_bytes(xwd[76:80], "big")
    pixels = xwd[header_size + 12 * ncolors :]
    return len({pixels[i : i + 4] for i in range(0, len(pixels) - 4, 4 * 97)})


def test_dev_run_opens_a_real_window(tmp_path: Path) -> None:
    xvfb, number = _start_xvfb()
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env |= {
        "DISPLAY": f":{number}",
        "TMPDIR": str(tmp_path),
        "ASSESSOR_DATA_DIR": str(tmp_path / "data"),
    }
    app = None
    try:
        app = subprocess.Popen(
            [str(REPO_ROOT / "dev"), "run", "--demo"],
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )

        def window_shown() -> bool:
            assert app is not None and app.poll() is None, (
                app.stderr.read().decode() if app and app.stderr else ""
            )
            tree = subprocess.run(
                ["xwininfo", "-root", "-tree"],
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            ).stdout
            return '"Assessor"' in tree

        _wait(window_shown, 90, "no Assessor window appeared")
        _wait(
            lambda: list(tmp_path.glob("assessor-demo-*/profiles/*/head.json")),
            60,
            "the demo vault was not made",
        )
        time.sleep(1.0)  # let the caseload paint
        shot = subprocess.run(
            ["xwd", "-root", "-silent"], env=env, capture_output=True, timeout=30, check=True
        ).stdout
        (tmp_path / "screen.xwd").write_bytes(shot)
        assert _distinct_pixels(shot) > 8, "the screen is blank"
        app.send_signal(signal.SIGTERM)  # ./dev execs the app: the signal reaches it
        assert app.wait(timeout=60) == 0
        assert not list(tmp_path.glob("assessor-demo-*")), "the demo vault was left behind"
    finally:
        if app is not None and app.poll() is None:
            app.kill()
        xvfb.terminate()
        xvfb.wait(timeout=30)
