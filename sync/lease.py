"""Lease unlock codes: what IT reads over the phone to open a laptop past its lease.

Imported by both sides (`assessor-gateway unlock-code` makes a code; the app checks it
offline). A code is an HMAC-SHA256, under the lease key the gateway gave the laptop at
enrolment, of the device id and a date (UTC), cut to 50 bits and written as 10 characters
of an alphabet without 0/O or 1/I, in two groups of five: ``K7QWM-3XHTD``. It is valid on its
date and the day after (a code read out late in the evening still works after midnight).
Imports neither FastAPI nor Qt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "VALID_DAYS_AFTER",
    "code_date",
    "normalise_code",
    "unlock_code",
]

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""32 symbols (5 bits each), none that reads as another over the phone (no 0/O, 1/I)."""
CODE_LENGTH = 10
"""Characters in a code: 50 bits, far beyond guessing at one try per `lease` lockout."""
VALID_DAYS_AFTER = 1
"""A code for date D opens the laptop on D and on the day after, no other day."""
_PURPOSE = b"assessor-lease-unlock/1"


def unlock_code(lease_key: bytes, device_id: str, day: dt.date) -> str:
    """The unlock code for `device_id` on `day`, as IT reads it out (``XXXXX-XXXXX``).

    Args:
        lease_key: The device's lease key (the gateway's copy, or the laptop's).
        device_id: The id the gateway knows the laptop by.
        day: The date (UTC) the code is for.
    """
    message = b"|".join((_PURPOSE, device_id.encode("utf-8"), day.isoformat().encode("ascii")))
    digest = hmac.new(lease_key, message, hashlib.sha256).digest()
    bits = int.from_bytes(digest[:8], "big") >> (64 - 5 * CODE_LENGTH)
    chars = []
    for _ in range(CODE_LENGTH):
        chars.append(CODE_ALPHABET[bits & 31])
        bits >>= 5
    code = "".join(reversed(chars))
    return f"{code[:5]}-{code[5:]}"


def normalise_code(typed: str) -> str | None:
    """The code's characters as typed (spaces, dashes and case ignored); None if not one.

    The letters O and I, which a listener may write for 0 and 1, are not in the alphabet,
    so a code with them is not one (rather than silently read as something else).
    """
    chars = "".join(c for c in typed.upper() if c not in " -")
    if len(chars) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in chars):
        return None
    return chars


def code_date(lease_key: bytes, device_id: str, typed: str, today: dt.date) -> dt.date | None:
    """The date a typed code is valid for, when it opens this device `today`; else None.

    Compared in constant time against the codes for `today` and the `VALID_DAYS_AFTER` days
    before it.
    """
    chars = normalise_code(typed)
    if chars is None:
        return None
    for back in range(VALID_DAYS_AFTER + 1):
        day = today - dt.timedelta(days=back)
        expected = unlock_code(lease_key, device_id, day).replace("-", "")
        if hmac.compare_digest(expected, chars):
            return day
    return None
