"""Guard for the pinned Qt binding: a build that leaks references aborts the app mid-visit.

PySide6 6.12.0 on CPython 3.11 dropped one reference to None on every void Qt call and one
to True on every signal emit; after a few thousand keystrokes Python aborted. Run in a child
process, because the failure is an abort, not an exception.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel
class Probe(QObject):
    fired = Signal(int)
app = QApplication([])
label, probe = QLabel(), Probe()
probe.fired.connect(lambda value: None)
none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
for i in range(5000):
    label.setText("x")
    probe.fired.emit(i)
print(sys.getrefcount(None) - none_before, sys.getrefcount(True) - true_before)
"""


@pytest.mark.gui
def test_qt_binding_keeps_references_to_none_and_true() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"the Qt binding aborted Python:\n{result.stderr[-2000:]}"
    lost_none, lost_true = (int(n) for n in result.stdout.split())
    assert lost_none > -100 and lost_true > -100, (lost_none, lost_true)
