"""Process-wide safety settings applied at start-up, before any vault is opened.

A crash must not leave decrypted answers on disk: core dumps are switched off, and every file
the process creates is owner-only. Python's own tracebacks are logged by record id only (see
`logging_setup`). Imports no Qt.
"""

from __future__ import annotations

import os
import sys

from assessor_app.core import settings

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
    # The `debuggable` setting lets a profiler (py-spy) or debugger attach: developers only.
    if sys.platform.startswith("linux") and not settings.current().debuggable:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
