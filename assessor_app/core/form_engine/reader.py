"""Problem collection for one form file: the `Reader` that parsing and checks report into.

Problems are plain strings ``<file>: <path>: <message>`` so the CLI can print them as they are
and `FormDefinitionError` can carry the first. Imports no Qt.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from typing import Any

ID_RE = re.compile(r"[a-z][a-z0-9_]*\Z")


def field_path(path: str, field_id: str | None) -> str:
    """A field's path with its id appended for readability: ``sections[0].fields[3] (name)``."""
    return f"{path} ({field_id})" if field_id else path


class Reader:
    """Collects problems for one file while its data is turned into dataclasses."""

    def __init__(self, label: str) -> None:
        """Start reading the file shown to users as `label` (e.g. ``forms/sample/v1.yaml``)."""
        self.label = label
        self.problems: list[str] = []
        self.field_paths: dict[str, str] = {}
        self.broken_ids: set[str] = set()

    def add(self, path: str, message: str) -> None:
        """Record a problem at `path` (empty for the whole file)."""
        where = f"{self.label}: {path}" if path else self.label
        self.problems.append(f"{where}: {message}")

    def keys(
        self,
        path: str,
        data: Mapping[Any, Any],
        allowed: Collection[str],
        required: Collection[str],
        elsewhere: Collection[str] = (),
        kind: str = "",
    ) -> None:
        """Report missing required keys and unknown keys (suggesting the nearest known key)."""
        for key in required:
            if key not in data:
                self.add(path, f"missing required key '{key}'")
        for key in data:
            if key in allowed:
                continue
            if key in elsewhere:
                self.add(path, f"'{key}' does not apply to a {kind} field")
                continue
            near = difflib.get_close_matches(str(key), [*allowed, *elsewhere], n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            self.add(path, f"unknown key '{key}'{hint}")

    def text(self, path: str, data: Mapping[str, Any], key: str) -> str | None:
        """A non-empty string value, or None (reporting a problem if present but wrong)."""
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool):
            self.add(path, f"'{key}' must be some text (put quotes round yes, no, on and off)")
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(path, f"'{key}' must be some text")
            return None
        return value

    def flag(self, path: str, data: Mapping[str, Any], key: str) -> bool:
        """A true/false value, defaulting to False."""
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.add(path, f"'{key}' must be true or false")
            return False
        return value

    def count(self, path: str, data: Mapping[str, Any], key: str, least: int) -> int | None:
        """A whole number of at least `least`, or None."""
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            self.add(path, f"'{key}' must be a whole number of {least} or more")
            return None
        return value

    def ident(self, path: str, value: Any, what: str) -> str | None:
        """A valid id (lower-case letters, digits and underscores, starting with a letter)."""
        if not isinstance(value, str) or not ID_RE.match(value):
            self.add(
                path,
                f"{what} {value!r} must start with a lower-case letter and use only "
                "lower-case letters, digits and underscores",
            )
            return None
        return value
