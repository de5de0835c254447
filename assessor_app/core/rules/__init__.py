"""The registry of named rule functions that compute a form's outcome fields.

A rule is a pure function from a form's answers to an `Outcome`. Form definitions name rules
(`rule: sample.support_band`); the form engine checks those names against this registry when it
loads a definition. Importing this package registers every built-in rule. Imports no Qt and no
storage module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from assessor_app.core.errors import NotFoundError

__all__ = ["Outcome", "RuleFn", "get_rule", "register", "rule_names"]

_NAME_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\Z")


@dataclass(frozen=True)
class Outcome:
    """What a rule worked out from the answers, with the reasons an assessor can check."""

    value: str | int | bool | None
    """The computed value; None when the answers are not enough to work it out."""

    label: str
    """The value in plain English, as shown to the assessor (e.g. "Medium support")."""

    reasons: tuple[str, ...] = ()
    """Plain-English sentences naming the answers that led to the value."""


RuleFn = Callable[[Mapping[str, Any]], Outcome]
"""A rule: takes the form's (visible) answers keyed by field id, returns an `Outcome`."""

_RULES: dict[str, RuleFn] = {}


def register(name: str) -> Callable[[RuleFn], RuleFn]:
    """Register the decorated function as the rule called `name`.

    Args:
        name: Dotted name used by form definitions, e.g. ``"sample.support_band"``.

    Returns:
        A decorator that records the function and returns it unchanged.

    Raises:
        ValueError: The name is malformed or already taken. This is a programming error met at
            import time, never by a user, so it is not an `AssessorError`.
    """
    if not _NAME_RE.match(name):
        raise ValueError(f"Rule name {name!r} must look like 'module.rule_name'.")
    if name in _RULES:
        raise ValueError(f"A rule named {name!r} is already registered.")

    def decorator(fn: RuleFn) -> RuleFn:
        _RULES[name] = fn
        return fn

    return decorator


def get_rule(name: str) -> RuleFn:
    """Return the rule registered as `name`.

    Raises:
        NotFoundError: No rule has that name.
    """
    try:
        return _RULES[name]
    except KeyError as e:
        raise NotFoundError(
            f"There is no rule called '{name}'.",
            "Check the rule name in the form definition.",
        ) from e


def rule_names() -> list[str]:
    """Every registered rule name, sorted."""
    return sorted(_RULES)


# Imported last, for its side effect of registering the built-in rules: each rule module uses
# `register` and `Outcome` defined above, so this cannot move to the top.
from assessor_app.core.rules import sample as sample  # noqa: E402
