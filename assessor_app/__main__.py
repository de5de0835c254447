"""Composition root: parse the command line, resolve folders, start the GUI.

`assessor-app [--data-dir DIR] [--demo] [--idle-minutes N]`. Without a desktop session it
says so on stderr and points at `assessor-cli` (exit 2) instead of letting Qt abort.
"""

from __future__ import annotations

import argparse
import os
import sys

from assessor_app.core.errors import AssessorError
from assessor_app.core.hardening import harden_process
from assessor_app.core.logging_setup import configure_logging
from assessor_app.core.paths import default_forms_dir, resolve_data_dir

MAX_IDLE_MINUTES = 24 * 60
"""A laptop left unlocked for more than a day is a lost laptop; Qt timers also cap at ~24 days."""

NO_DISPLAY_MESSAGE = (
    "assessor-app needs a desktop session (no display found); "
    "use assessor-cli for the command line."
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The GUI's command-line options."""
    parser = argparse.ArgumentParser(prog="assessor-app", description="Assessor desktop app")
    parser.add_argument("--data-dir", metavar="DIR", help="folder holding the profiles")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open a throwaway profile of invented people, deleted on exit",
    )
    parser.add_argument(
        "--idle-minutes",
        metavar="N",
        type=float,
        default=5.0,
        help="lock after N minutes without input (default 5)",
    )
    args = parser.parse_args(argv)
    if not 0 < args.idle_minutes <= MAX_IDLE_MINUTES:
        parser.error(f"--idle-minutes must be more than 0 and at most {MAX_IDLE_MINUTES} (a day)")
    return args


def has_display(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """False on a Linux/BSD machine with no X11 or Wayland session and no Qt platform chosen."""
    if environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform.startswith(("win", "darwin")):
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def main(argv: list[str] | None = None) -> int:
    """Entry point of `assessor-app`."""
    args = parse_args(argv)
    if not has_display():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 2
    try:
        harden_process()
        data_dir = resolve_data_dir(args.data_dir)
        configure_logging(data_dir)
        # Imported here so `--help` and the no-display message work without Qt libraries.
        from assessor_app.ui.app import run_gui

        return run_gui(
            data_dir=data_dir,
            forms_dir=default_forms_dir(),
            demo=args.demo,
            idle_minutes=args.idle_minutes,
        )
    except AssessorError as e:
        print(e.one_line(), file=sys.stderr)
        return e.exit_code


if __name__ == "__main__":
    sys.exit(main())
