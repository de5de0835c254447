"""The composition root's start-up checks, without starting Qt."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from assessor_app import __main__ as entry
from assessor_app.core.errors import FormDefinitionError

from assessor_app.ui.app import run_gui


def test_without_a_display_it_says_so_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(entry, "has_display", lambda: False)
    assert entry.main([]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "desktop session" in err[0] and "assessor-cli" in err[0]


def test_display_detection_honours_an_explicit_qt_platform() -> None:
    if not entry.sys.platform.startswith("linux"):
        pytest.skip("X11/Wayland detection is Linux-only")
    assert entry.has_display({"QT_QPA_PLATFORM": "offscreen"})
    assert not entry.has_display({})
    assert entry.has_display({"WAYLAND_DISPLAY": "wayland-0"})


def test_idle_minutes_must_be_positive() -> None:
    with pytest.raises(SystemExit):
        entry.parse_args(["--idle-minutes", "0"])
    assert entry.parse_args(["--demo", "--idle-minutes", "2"]).idle_minutes == 2.0


@pytest.mark.gui
def test_malformed_forms_folder_is_shown_in_a_window(
    tmp_path: Path, shown_messages: list[tuple[str, str, str]]
) -> None:
    broken = tmp_path / "forms" / "broken"
    broken.mkdir(parents=True)
    (broken / "v1.yaml").write_text("id: broken\nversion: 1\ntitle: [unclosed\n")
    with pytest.raises(FormDefinitionError):
        run_gui(
            data_dir=tmp_path / "data", forms_dir=tmp_path / "forms", demo=False, idle_minutes=5
        )
    [(title, text, _)] = shown_messages
    assert title == "Assessor cannot start" and "v1.yaml" in text


@pytest.mark.parametrize("minutes", ["0", "-5", "40000"])
def test_impossible_idle_time_is_refused_with_the_range(
    minutes: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        entry.parse_args(["--idle-minutes", minutes])
    assert stopped.value.code == 2
    assert "at most 1440" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_ends_the_demo_cleanly_and_deletes_its_vault(tmp_path: Path) -> None:
    """As at logout: the app closes as if the window were closed, leaving nothing behind."""
    import signal
    import subprocess
    import time

    env = {
        **os.environ,
        "TMPDIR": str(tmp_path),
        "QT_QPA_PLATFORM": "offscreen",
        "ASSESSOR_DATA_DIR": str(tmp_path / "data"),
    }
    app = subprocess.Popen(
        [sys.executable, "-m", "assessor_app", "--demo"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob("assessor-demo-*/profiles/*/head.json")):
            assert app.poll() is None, app.stderr.read() if app.stderr else ""
            assert time.monotonic() < deadline, "the demo vault never appeared"
            time.sleep(0.2)
        app.send_signal(signal.SIGTERM)
        assert app.wait(timeout=60) == 0
    finally:
        if app.poll() is None:
            app.kill()
    assert not list(tmp_path.glob("assessor-demo-*"))
