"""Where an answer sits in a record's answers, and how one is changed: the path grammar.

A record's answers are a mapping from field id to value; a repeating group's value is a list
of mappings. A path names one answer: ``field``, ``group[2]`` (a whole item) or
``group[2].field``. This sits below storage and the form engine, which both use it: storage
to fold autosaves into a revision, the editor to change its copy. It knows no form.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from assessor_app.core.errors import ValidationError

__all__ = ["PATH_RE", "set_answer"]

PATH_RE = re.compile(r"([a-z][a-z0-9_]*)(?:\[(\d+)\](?:\.([a-z][a-z0-9_]*))?)?\Z")
"""A question path: a field id, optionally an item index, optionally a field in that item."""


def set_answer(answers: Mapping[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `answers` with the answer at `path` set to `value`; `answers` is unchanged.

    Paths are ``field``, ``group[2]`` (a whole item) or ``group[2].field``. An index equal to
    the number of items adds a new item. A value of None clears the answer (or removes the
    item, for ``group[2]``).

    Raises:
        ValidationError: The path is malformed, or its index is past the end of the items.
    """
    match = PATH_RE.match(path)
    if match is None:
        raise ValidationError(f"'{path}' is not a question path.")
    key, index_text, nested = match.groups()
    result = copy.deepcopy(dict(answers))
    new = copy.deepcopy(value)
    if index_text is None:
        if new is None:
            result.pop(key, None)
        else:
            result[key] = new
        return result
    items = result.setdefault(key, [])
    index = int(index_text)
    if not isinstance(items, list) or index > len(items):
        raise ValidationError(f"There is no item {index + 1} of '{key}' to change.")
    if index == len(items):
        items.append({})
    if nested is None:
        if new is None:
            del items[index]
        else:
            items[index] = new
        return result
    item = items[index]
    if not isinstance(item, dict):
        raise ValidationError(f"Item {index + 1} of '{key}' cannot hold answers.")
    if new is None:
        item.pop(nested, None)
    else:
        item[nested] = new
    return result
