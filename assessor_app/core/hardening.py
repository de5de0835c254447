"""Process-wide safety settings applied at start-up, before any vault is opened.

A crash must not leave decrypted answers on disk: core dumps are switched off, and every file
the process creates is owner-only. Python's own tracebacks are logged by record id only (see
`logging_setup`). Imports no Qt.
"""

from __future__ import annotations

import os
import sys


def harden_process() -> None:
    """Disable core dumps and make new files private to the user."""
    os.umask(0o077)
    if sys.platform != "win32":
        import resource  # POSIX only

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
