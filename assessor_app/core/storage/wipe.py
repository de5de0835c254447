"""Overwriting key material in memory once it is no longer needed.

Python frees memory without clearing it, so a database key that lived in a `bytes` or `str`
stays readable in the process (a core dump, a swap file, a memory probe) long after the vault
locked. The vault keeps its key in a `bytearray`, cleared on lock; the few immutable copies
that APIs force on us (the key as returned by AES-GCM, its hex form in `PRAGMA key`, the
passphrase encoded for Argon2id) are cleared in place here, straight after use.

Clearing an immutable object in place is safe only for an object nobody else shares, so this
is used only on objects this app has just made itself, at least a few bytes long (CPython
shares some tiny and literal ones). It relies on CPython's object layout, checked below; on
another interpreter it does nothing but clear bytearrays. Imports no Qt.
"""

from __future__ import annotations

import ctypes
import platform
import sys

__all__ = ["wipe"]

_CPYTHON = platform.python_implementation() == "CPython"
_BYTES_DATA = sys.getsizeof(b"") - 1  # the header before a bytes object's data
_ASCII_DATA = sys.getsizeof("") - 1  # the header before a compact ASCII str's data
_MIN_LENGTH = 8


def wipe(*values: bytes | bytearray | str | None) -> None:
    """Overwrite each value's contents with zeros (see the module's caveats)."""
    for value in values:
        if value is None or len(value) < _MIN_LENGTH:
            continue
        if isinstance(value, bytearray):
            value[:] = bytes(len(value))
        elif not _CPYTHON:
            continue
        elif isinstance(value, bytes):
            ctypes.memset(id(value) + _BYTES_DATA, 0, len(value))
        elif isinstance(value, str) and value.isascii():
            ctypes.memset(id(value) + _ASCII_DATA, 0, len(value))
