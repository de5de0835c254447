"""`emit(signal, *args)`: the one way UI code emits a Qt signal from Python.

Why: PySide6 6.12.0's `SignalInstance.emit` returns `True` without taking a reference, so
every Python-side emit drops one reference to the `True` singleton; after a few thousand
(an afternoon of typing) Python aborts with "bool_dealloc". This helper puts the reference
back when, and only when, the installed PySide6 is found to have the defect (probed once at
import). It is a stop-gap: the same build also drops a reference to `None` on every call of a
void Qt method (setText, processEvents...), which only a dependency pin fixes (PySide6 6.12.0
on CPython 3.11; 3.12+ makes None/True immortal). Remove this once the pin lands.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance


class _Probe(QObject):
    probed = Signal()


def _emit_drops_a_reference() -> bool:
    probe = _Probe()
    trials = 64
    before = sys.getrefcount(True)
    for _ in range(trials):
        probe.probed.emit()
    lost = before - sys.getrefcount(True)
    if lost > 0:
        for _ in range(lost):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return lost >= trials // 2


_EMIT_DROPS_A_REFERENCE = _emit_drops_a_reference()


def emit(signal: SignalInstance, *args: Any) -> None:
    """Emit `signal` with `args`, working around the PySide6 reference leak above."""
    result = signal.emit(*args)
    if _EMIT_DROPS_A_REFERENCE and isinstance(result, bool):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
