"""How strong a passphrase is, and the least the app accepts for a vault or an MDT exchange.

The estimate is a rough entropy count (character classes × length, with a bonus for three or
more words): it steers people to long passphrases, and refuses the ones a guesser tries first
("password", "12345678"), since a stolen laptop's vault and an emailed contribution file can
be attacked offline, where Argon2id only slows the guessing. Imports no Qt.
"""

from __future__ import annotations

import math

from assessor_app.core.errors import AssessorError

__all__ = ["LEVELS", "MIN_LEVEL", "MIN_LENGTH", "require_strong_enough", "strength"]

LEVELS = ("Too short", "Weak", "Fair", "Good", "Strong")
"""What each `strength` level is called on screen."""
MIN_LENGTH = 8
MIN_LEVEL = 2
"""The least accepted: "Fair"."""


_FIRST_GUESSES = frozenset(
    "password passw0rd 12345678 123456789 1234567890 qwertyui qwertyuiop iloveyou letmein "
    "welcome changeme sunshine football monkey dragon abc12345 trustno1 baseball".split()
)
"""What every guesser tries first, however it is capitalised or whatever digits follow."""


def strength(passphrase: str) -> int:
    """0 (too short) to 4 (strong): a rough guide shown while typing."""
    if len(passphrase) < MIN_LENGTH:
        return 0
    core = passphrase.casefold().rstrip("0123456789!?.*#@$ ")
    if core in _FIRST_GUESSES or passphrase.casefold() in _FIRST_GUESSES:
        return 1
    pool = 0
    pool += 26 if any(c.islower() for c in passphrase) else 0
    pool += 26 if any(c.isupper() for c in passphrase) else 0
    pool += 10 if any(c.isdigit() for c in passphrase) else 0
    pool += 33 if any(not c.isalnum() for c in passphrase) else 0
    bits = len(passphrase) * math.log2(max(pool, 2))
    words = len([w for w in passphrase.replace("-", " ").split() if len(w) >= 3])
    if words >= 3:
        bits = max(bits, 60.0)
    if len(set(passphrase)) <= 3:
        bits = min(bits, 20.0)
    return 1 if bits < 40 else 2 if bits < 55 else 3 if bits < 70 else 4


def require_strong_enough(passphrase: str, *, what: str = "passphrase") -> None:
    """Refuse a passphrase rated below "Fair", saying why and what would do.

    Raises:
        AssessorError: too short, or rated "Weak".
    """
    level = strength(passphrase)
    if level >= MIN_LEVEL:
        return
    if level == 0:
        raise AssessorError(
            f"That {what} is too short.",
            f"Use at least {MIN_LENGTH} characters; three random words are easy to remember.",
        )
    raise AssessorError(
        f"That {what} is too easy to guess.",
        "Use three or more random words (for example 'otter lantern plum'), or a longer "
        "mix of letters, numbers and symbols.",
    )
