"""Cold start: a new process until the unlock window has accepted a keystroke, against a bare
QMainWindow with a QLineEdit measured the same way.

Both are `python -c` subprocesses on the offscreen Qt platform. The app side runs the real
composition root, `assessor_app.__main__.main(["--data-dir", DIR])` (hardening, logging,
`run_gui` with its timers and its event loop), with a data folder holding one profile, so the
window opens on the unlock view. The floor shows a bare `QMainWindow` whose central widget is a
`QLineEdit` and runs `app.exec()`.

Both sides share one probe. The app side first imports what `python -m assessor_app` imports
before Qt, then what `main` imports before `run_gui`, in that order; then the probe
imports PySide6 and makes the QApplication that `run_gui` then uses. When a line edit first
gets the keyboard focus (the window has been shown and activated, inside the event loop), the
probe queues a zero-delay timer, which Qt fires after every timer already due, and that timer
posts one typed character to the line edit through the event queue, as a user's key arrives.
It is posted as the input method delivers text (`QInputMethodEvent`), not as a `QKeyEvent`:
building a key event in Python needs `Qt.KeyboardModifier`, and the first touch of a `Qt.*`
enum makes PySide6 build all of them (~30 ms), which a real keystroke does not cost. The time
runs from spawning the process until the line edit's text has changed. A few more runs post a
second key `LATER_MS` after the first, while the app reads its forms in the background, and
report how long that key waited.

Runs alternate, after one unmeasured warm-up each, so both sides see the same (warm) OS file
cache and compiled modules (`PYTHONPYCACHEPREFIX` in the temp folder, as an installed app has
its .pyc files even where `PYTHONDONTWRITEBYTECODE` is set): a process cold start, not a cold
disk.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import Row, median, ms, new_vault

REPO_ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QLineEdit

_LATER_MS = int(os.environ.get("COLDSTART_LATER_MS", "0"))
_posted = []

def _say(word):
    sys.stdout.write(word + "\\n")
    sys.stdout.flush()

def _typed(text):
    if len(text) == 1:
        _say("typed")
        if not _LATER_MS:
            os._exit(0)
        box = _app.focusWidget()
        QTimer.singleShot(_LATER_MS, lambda: _post_key(box))
    elif len(text) == 2:
        _say(f"later {time.perf_counter() - _posted[-1]}")
        os._exit(0)

def _post_key(box):
    _posted.append(time.perf_counter())
    key = QInputMethodEvent("", [])
    key.setCommitString("a")
    QApplication.postEvent(box, key)

def _focus_changed(old, new):
    if isinstance(new, QLineEdit) and not getattr(_focus_changed, "done", False):
        _focus_changed.done = True
        _say("focused")
        new.textChanged.connect(_typed)
        QTimer.singleShot(0, lambda: _post_key(new))

_app = QApplication(sys.argv[:1])
_app.focusChanged.connect(_focus_changed)
"""

APP = (
    """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
import assessor_app.__main__ as entry  # its imports, before Qt's, as `python -m` has them
import assessor_app.ui.app  # what entry.main imports before it calls run_gui
"""
    + PROBE
    + """
entry.main(["--data-dir", sys.argv[1]])
sys.exit("the app's event loop ended before a keystroke was accepted")
"""
)

BARE = (
    PROBE
    + """
from PySide6.QtWidgets import QMainWindow
window = QMainWindow()
window.setCentralWidget(QLineEdit())
window.show()
_app.exec()
sys.exit("the event loop ended before a keystroke was accepted")
"""
)


LATER_MS = 250
"""The second keystroke is posted this long after the first: a passphrase typed while
`run_gui` reads the forms and imports the vault's libraries in the background."""


@dataclass(frozen=True)
class ColdStartResult:
    """Seconds from spawn to the focused line edit and to the accepted keystroke, per run, and
    how long a later keystroke waited (posted to accepted)."""

    app: list[float]
    bare: list[float]
    app_focused: list[float]
    bare_focused: list[float]
    app_later: list[float]
    bare_later: list[float]

    def summary(self) -> list[Row]:
        app, bare = median(self.app), median(self.bare)
        ratios = sorted(a / b for a, b in zip(self.app, self.bare, strict=True))
        return [
            Row(
                "cold start until the unlock window takes a keystroke, median",
                "<= 1.5x floor",
                f"{ms(bare)} bare QMainWindow + QLineEdit",
                f"{ms(app)} (pairs {ratios[0]:.2f}x-{ratios[-1]:.2f}x)",
                app / bare,
                app / bare <= 1.5,
            )
        ]

    def lines(self) -> list[str]:
        app, bare = median(self.app), median(self.bare)
        ratios = sorted(a / b for a, b in zip(self.app, self.bare, strict=True))
        spread = statistics.pstdev(self.app) if len(self.app) > 1 else 0.0
        return [
            f"Cold start to the first accepted keystroke ({len(self.app)} runs each, median, "
            "offscreen)",
            f"  {'unlock window (python -m assessor_app)':<44} {ms(app):>11}"
            f"   (focused {ms(median(self.app_focused))}, sd {ms(spread)})",
            f"  {'bare QMainWindow with a QLineEdit':<44} {ms(bare):>11}"
            f"   (focused {ms(median(self.bare_focused))})",
            f"  ratio {app / bare:.2f}x   (per pair {ratios[0]:.2f}x-{ratios[-1]:.2f}x; "
            "target <= 1.5x)",
            f"  a keystroke {LATER_MS} ms later, posted to accepted ({len(self.app_later)} runs): "
            f"app median {ms(median(self.app_later))}, max {ms(max(self.app_later))}; "
            f"bare median {ms(median(self.bare_later))}",
        ]


def _time_once(
    code: str, data_dir: Path, home: Path, later_ms: int = 0
) -> tuple[float, float, float]:
    # A home of its own: the app reads its window geometry from QSettings.
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "COLDSTART_LATER_MS": str(later_ms),
        # Compiled modules, as an installed app has them: the warm-up runs write them here.
        "PYTHONPYCACHEPREFIX": str(home / "pycache"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(data_dir)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    focused_line = child.stdout.readline()
    focused = time.perf_counter() - start
    typed_line = child.stdout.readline()
    typed = time.perf_counter() - start
    later_line = child.stdout.readline() if later_ms else "later 0"
    try:
        _, err = child.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()
        _, err = child.communicate()
    words = (focused_line.strip(), typed_line.strip(), later_line.split()[:1])
    if words != ("focused", "typed", ["later"]):
        raise RuntimeError(f"cold-start child failed:\n{err}")
    return focused, typed, float(later_line.split()[1])


def run(runs: int) -> ColdStartResult:
    """Time `runs` app starts and `runs` bare-window starts, alternating; then a few of each
    with a second keystroke `LATER_MS` after the first."""
    with tempfile.TemporaryDirectory(prefix="assessor-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        home = Path(tmp) / "home"
        data_dir.mkdir()
        home.mkdir()
        new_vault(data_dir).close()
        _time_once(APP, data_dir, home)
        _time_once(BARE, data_dir, home)
        app: list[tuple[float, float, float]] = []
        bare: list[tuple[float, float, float]] = []
        for _ in range(runs):
            app.append(_time_once(APP, data_dir, home))
            bare.append(_time_once(BARE, data_dir, home))
        app_later: list[float] = []
        bare_later: list[float] = []
        for _ in range(max(3, runs // 2)):
            app_later.append(_time_once(APP, data_dir, home, LATER_MS)[2])
            bare_later.append(_time_once(BARE, data_dir, home, LATER_MS)[2])
    return ColdStartResult(
        app=[t for _, t, _ in app],
        bare=[t for _, t, _ in bare],
        app_focused=[f for f, _, _ in app],
        bare_focused=[f for f, _, _ in bare],
        app_later=app_later,
        bare_later=bare_later,
    )


if __name__ == "__main__":
    print("\n".join(run(int(sys.argv[1]) if len(sys.argv) > 1 else 5).lines()))
