"""Process-wide safety settings applied at start-up, before any vault is opened.

A crash must not leave decrypted answers on disk: core dumps are switched off, and every file
the process creates is owner-only. Python's own tracebacks are logged by record id only (see
`logging_setup`). Imports no Qt.
"""

from __future__ import annotations

import os
import sys

DEBUGGABLE_ENV = "ASSESSOR_DEBUGGABLE"
"""Set to 1 to let a profiler (py-spy) or debugger attach: for developers only."""
_PR_SET_DUMPABLE = 4


def harden_process() -> None:
    """Disable core dumps, keep other processes out of this one's memory, files private.

    On Linux the process is made non-dumpable: other programs running as the same user can
    no longer read its memory through /proc or attach to it, so decrypted answers are not
    theirs to take while the app runs.
    """
    os.umask(0o077)
    if sys.platform != "win32":
        import resource  # POSIX only

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux") and os.environ.get(DEBUGGABLE_ENV) != "1":
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
