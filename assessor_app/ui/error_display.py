"""Maps a failure to what the user sees: an `AssessorError` shows its own message and next
step; a cancellation shows nothing; anything else shows a generic reassurance and is logged.

The log gets the exception type and stack only (see `core.logging_setup`), never its message
or locals, because those can hold answers or names. Imports only `dialogs` from the UI.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QWidget

from assessor_app.core.errors import AssessorError, UserCancelledError

from assessor_app.ui import dialogs

# Under "assessor" so core.logging_setup's redacting handler writes it.
log = logging.getLogger("assessor.ui")

UNEXPECTED_MESSAGE = "Something went wrong. Your work is saved."
UNEXPECTED_TITLE = "Something went wrong"


def describe(error: BaseException) -> tuple[str, str] | None:
    """(message, next step) to show for `error`, or None when nothing should be shown."""
    if isinstance(error, UserCancelledError):
        return None
    if isinstance(error, AssessorError):
        return error.user_message, error.next_step
    hint = "If it keeps happening, send the log file to your IT team."
    where = _log_file()
    if where:
        hint = f"Details are in {where}. {hint}"
    return UNEXPECTED_MESSAGE, hint


def log_unexpected(error: BaseException) -> None:
    """Log an unexpected exception's type and stack; the redacting formatter drops messages."""
    log.error("Unexpected %s", type(error).__qualname__, exc_info=error)


def show_error(parent: QWidget | None, error: BaseException) -> None:
    """Show `error` to the user through the dialogs seam (logs it first when unexpected)."""
    if not isinstance(error, AssessorError):
        log_unexpected(error)
    shown = describe(error)
    if shown is None:
        return
    message, next_step = shown
    title = "Assessor" if isinstance(error, AssessorError) else UNEXPECTED_TITLE
    dialogs.show_message(parent, title, message, next_step)


def _log_file() -> str:
    for handler in logging.getLogger("assessor").handlers:
        if isinstance(handler, logging.FileHandler):
            return handler.baseFilename
    return ""
