"""The composition root's start-up checks, without starting Qt."""

from __future__ import annotations

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
