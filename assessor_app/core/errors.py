"""The one error hierarchy of the core: every failure a user can meet, in plain English.

Each error says what happened (`user_message`), what to do next (`next_step`) and whether
saved work is safe (`work_is_safe`). Technical detail stays in the exception chain, which is
logged by record id only. Imports nothing from the UI.
"""

from __future__ import annotations


class AssessorError(Exception):
    """Root of every error the core raises on purpose.

    Attributes:
        user_message: What happened, in words an assessor understands.
        next_step: What the user should do about it.
        work_is_safe: True when nothing already saved was lost or changed.
        exit_code: The CLI exit code for this kind of error (see docs/cli.md).
    """

    exit_code: int = 1

    def __init__(self, user_message: str, next_step: str = "", *, work_is_safe: bool = True):
        super().__init__(f"{user_message} {next_step}".strip())
        self.user_message = user_message
        self.next_step = next_step
        self.work_is_safe = work_is_safe

    def one_line(self) -> str:
        """The message and next step on one line, for stderr and status bars."""
        return f"{self.user_message} {self.next_step}".strip()


class UserCancelledError(AssessorError):
    """The user backed out; shown to nobody."""

    exit_code = 130

    def __init__(self) -> None:
        super().__init__("Cancelled.")


class WrongPassphraseError(AssessorError):
    """The passphrase does not unwrap any key slot. Raised before anything is written."""

    exit_code = 3

    def __init__(self, retry_after_seconds: float = 0.0) -> None:
        wait = ""
        if retry_after_seconds > 0:
            wait = f" You can try again in {int(retry_after_seconds + 0.999)} seconds."
        super().__init__(
            "That passphrase doesn't open this laptop's records.",
            "Check Caps Lock and try again. Nothing has been changed." + wait,
        )
        self.retry_after_seconds = retry_after_seconds


class UnlockBackoffError(AssessorError):
    """Too many wrong passphrases: the next try must wait."""

    exit_code = 3

    def __init__(self, retry_after_seconds: float) -> None:
        super().__init__(
            "Too many wrong passphrases in a row.",
            f"Wait {int(retry_after_seconds + 0.999)} seconds, then try again. "
            "Nothing has been changed.",
        )
        self.retry_after_seconds = retry_after_seconds


class VaultNotFoundError(AssessorError):
    """No profile exists where one was expected."""

    exit_code = 4


class VaultCorruptError(AssessorError):
    """The vault file is not a vault, is truncated, or its key slots are damaged."""

    exit_code = 5


class VaultTooNewError(AssessorError):
    """The vault was written by a newer version of the app."""

    exit_code = 5


class MigrationFailedError(AssessorError):
    """An upgrade step failed; the pre-upgrade copy was put back."""

    exit_code = 5


class StorageWriteError(AssessorError):
    """A write could not be completed (disk full, disk error); the change was not saved."""

    exit_code = 5


class VaultLockedError(AssessorError):
    """An operation needed an unlocked vault."""

    exit_code = 3

    def __init__(self) -> None:
        super().__init__("The records are locked.", "Unlock with your passphrase first.")


class NotFoundError(AssessorError):
    """A person or record id that does not exist in this profile."""

    exit_code = 4


class ValidationError(AssessorError):
    """Input that breaks a rule (an impossible date, a bad NHS number, a bad answer)."""

    exit_code = 2


class FormDefinitionError(AssessorError):
    """A form definition file is malformed. The message names the file and field path."""

    exit_code = 2


class VaultInUseError(AssessorError):
    """The profile is open in another copy of the app (or the command line) on this laptop."""

    exit_code = 8

    def __init__(self, holder: str = "") -> None:
        who = f" ({holder})" if holder else ""
        super().__init__(
            f"This profile is already open in another Assessor window or command{who}.",
            "Switch to that window and carry on there, or close it, then try again. "
            "Nothing has been changed.",
        )
        self.holder = holder


class RecoveryError(AssessorError):
    """Recovering a profile with the authority's recovery key failed; nothing was changed.

    A wrong recovery key, a wrong passphrase for its file, a profile with no recovery slot, or
    a slot that was changed or damaged: the message says which.
    """

    exit_code = 3
