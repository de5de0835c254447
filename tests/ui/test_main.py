"""The composition root's start-up checks, without starting Qt."""

from __future__ import annotations

import pytest

from assessor_app import __main__ as entry


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
