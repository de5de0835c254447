"""Cold start: a new Python process until the unlock window is shown, against a bare window.

Both are `python -c` subprocesses on the offscreen Qt platform. The app side goes the way
`assessor_app.ui.app.run_gui` does (load the forms, `build_main_window`, show it), with a data
folder holding one profile, so the window opens on the unlock view; the floor imports PySide6
and shows a bare QWidget. Time runs from spawning the process until it prints `shown` after
the first event-loop pass. Runs alternate, after one unmeasured warm-up each, so both sides
see the same (warm) OS file cache: this is a process cold start, not a cold disk.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import median, ms, new_vault

REPO_ROOT = Path(__file__).resolve().parents[1]

APP = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from pathlib import Path
from PySide6.QtWidgets import QApplication
from assessor_app.core.paths import default_forms_dir
from assessor_app.ui.app import open_window
app = QApplication(sys.argv[:1])
window = open_window(app, data_dir=Path(sys.argv[1]), forms_dir=default_forms_dir(),
                     demo=False, idle_minutes=5)
window.show()
app.processEvents()
sys.stdout.write("shown\\n")
sys.stdout.flush()
os._exit(0)
"""

BARE = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication(sys.argv[:1])
window = QWidget()
window.show()
app.processEvents()
sys.stdout.write("shown\\n")
sys.stdout.flush()
os._exit(0)
"""


@dataclass(frozen=True)
class ColdStartResult:
    """Seconds from spawn to window shown, per run."""

    app: list[float]
    bare: list[float]
    what: str

    def lines(self) -> list[str]:
        app, bare = median(self.app), median(self.bare)
        return [
            f"Cold start to first window ({len(self.app)} runs each, median, offscreen)",
            f"  {self.what:<44} {ms(app):>11}",
            f"  {'bare PySide6 QWidget':<44} {ms(bare):>11}",
            f"  ratio {app / bare:.2f}x   (target <= 1.5x)",
        ]


def _time_once(code: str, data_dir: Path) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
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
    line = child.stdout.readline()
    elapsed = time.perf_counter() - start
    _, err = child.communicate(timeout=60)
    if line.strip() != "shown":
        raise RuntimeError(f"cold-start child failed:\n{err}")
    return elapsed


def run(runs: int) -> ColdStartResult:
    """Time `runs` app starts and `runs` bare-window starts, alternating."""
    with tempfile.TemporaryDirectory(prefix="assessor-bench-") as tmp:
        data_dir = Path(tmp)
        new_vault(data_dir).close()
        _time_once(APP, data_dir)
        _time_once(BARE, data_dir)
        app: list[float] = []
        bare: list[float] = []
        for _ in range(runs):
            app.append(_time_once(APP, data_dir))
            bare.append(_time_once(BARE, data_dir))
    return ColdStartResult(app, bare, "main window on unlock (build_main_window)")
