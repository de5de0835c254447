r"""Reading JSON that came from outside this laptop: a USB stick, an email, another system.

`json.loads` trusts its input more than a file from elsewhere deserves: nesting a thousand
levels deep raises `RecursionError`, and an escaped lone surrogate (``"\\ud800"``) decodes to a
string that fails later, far from the file, as `UnicodeEncodeError`, sometimes after part of an
import was written. `load_untrusted_json` parses once and checks the whole value before anyone
uses it, so every such file is refused up front with one error. Imports no Qt.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_DEPTH", "UntrustedJsonError", "check_untrusted", "load_untrusted_json"]

MAX_DEPTH = 32
"""Deepest nesting any file of ours has (a record's repeating groups sit at depth 5)."""


class UntrustedJsonError(ValueError):
    """The text is not JSON this app could have written; `reason` says why, in plain words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def load_untrusted_json(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON from outside and check it (see `check_untrusted`).

    Raises:
        UntrustedJsonError: not UTF-8, not JSON, nested too deeply, or holding text that is
            not valid Unicode.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise UntrustedJsonError("it is not UTF-8 text") from e
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError as e:
        raise UntrustedJsonError("it is nested far more deeply than any file of ours") from e
    except ValueError as e:
        raise UntrustedJsonError("it is not readable JSON") from e
    check_untrusted(value, max_depth=max_depth)
    return value


def check_untrusted(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Check an already parsed value: depth at most `max_depth`, every string valid Unicode.

    Walks without recursion, so a hostile value cannot exhaust the stack here either.

    Raises:
        UntrustedJsonError: as for `load_untrusted_json`.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict | list):
            if depth > max_depth:
                raise UntrustedJsonError("it is nested far more deeply than any file of ours")
            if isinstance(item, dict):
                for key, child in item.items():
                    if not isinstance(key, str):
                        raise UntrustedJsonError("it has a key that is not text")
                    _check_text(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
        elif item is not None and not isinstance(item, bool | int | float):
            raise UntrustedJsonError("it holds a value that is not plain JSON")


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are not JSON, and no file of ours holds them.
    raise ValueError(f"{name} is not JSON")


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise UntrustedJsonError("it holds text that is not valid Unicode") from e
