"""The registries of named rule functions a form definition can refer to.

Three kinds, each a pure function, each registered under a dotted name:

- a **rule** computes an outcome field from the answers (`rule: sample.support_band`);
- a **completion check** lists the `Blocker`s that stop a record being marked as completed
  (form-level `completion_checks: [...]`), beyond the missing and invalid answers the engine
  finds itself;
- a **start check** refuses to start a form for a person it does not apply to (form-level
  `start_check: ...`), e.g. a carer's assessment for a fellow prisoner.

The form engine checks every name against these registries when it loads a definition.
Importing this package registers every built-in rule. Imports no Qt and no storage module.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from assessor_app.core.errors import NotFoundError
from assessor_app.core.records import PersonDetails

__all__ = [
    "Blocker",
    "CheckFn",
    "Outcome",
    "Refusal",
    "RuleFn",
    "StartContext",
    "StartFn",
    "check_names",
    "get_check",
    "get_rule",
    "get_start_check",
    "register",
    "register_check",
    "register_start_check",
    "rule_names",
    "start_check_names",
]

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


@dataclass(frozen=True)
class Blocker:
    """Something that stops a record being marked as completed, and where to put it right."""

    path: str
    """The question to take the assessor to (a field id or ``group[i].field``)."""

    message: str
    """What is wrong and what to do, in plain English, e.g. "Record the date the written
    information was given: needs that are not eligible must have it (Care Act s13(5))."."""


@dataclass(frozen=True)
class StartContext:
    """What a start check knows: who the form would be about, and when."""

    person: PersonDetails
    """The person the record would be about (for a carer's assessment, the carer)."""

    today: dt.date
    """The date the record would be started."""


@dataclass(frozen=True)
class Refusal:
    """Why a form cannot be started for this person, and what to do instead."""

    message: str
    """What stops it, e.g. "Fellow prisoners are not carers under the Care Act."."""

    next_step: str
    """What the assessor can do instead."""


RuleFn = Callable[[Mapping[str, Any]], Outcome]
"""A rule: takes the form's (visible) answers keyed by field id, returns an `Outcome`."""

CheckFn = Callable[[Mapping[str, Any]], Sequence[Blocker]]
"""A completion check: takes the form's (visible) answers, returns what blocks completing."""

StartFn = Callable[[StartContext], Refusal | None]
"""A start check: returns a `Refusal` when the form must not be started, else None."""

_F = TypeVar("_F")
_RULES: dict[str, RuleFn] = {}
_CHECKS: dict[str, CheckFn] = {}
_START_CHECKS: dict[str, StartFn] = {}


def _registrar(table: dict[str, _F], kind: str, name: str) -> Callable[[_F], _F]:
    if not _NAME_RE.match(name):
        raise ValueError(f"{kind} name {name!r} must look like 'module.rule_name'.")
    if name in table:
        raise ValueError(f"A {kind.lower()} named {name!r} is already registered.")

    def decorator(fn: _F) -> _F:
        table[name] = fn
        return fn

    return decorator


def _lookup(table: dict[str, _F], kind: str, name: str) -> _F:
    try:
        return table[name]
    except KeyError as e:
        raise NotFoundError(
            f"There is no {kind} called '{name}'.",
            "Check the name in the form definition.",
        ) from e


def register_check(name: str) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated function as the completion check called `name`.

    Raises:
        ValueError: The name is malformed or already taken (a programming error).
    """
    return _registrar(_CHECKS, "Completion check", name)


def get_check(name: str) -> CheckFn:
    """Return the completion check registered as `name`.

    Raises:
        NotFoundError: No completion check has that name.
    """
    return _lookup(_CHECKS, "completion check", name)


def check_names() -> list[str]:
    """Every registered completion check name, sorted."""
    return sorted(_CHECKS)


def register_start_check(name: str) -> Callable[[StartFn], StartFn]:
    """Register the decorated function as the start check called `name`.

    Raises:
        ValueError: The name is malformed or already taken (a programming error).
    """
    return _registrar(_START_CHECKS, "Start check", name)


def get_start_check(name: str) -> StartFn:
    """Return the start check registered as `name`.

    Raises:
        NotFoundError: No start check has that name.
    """
    return _lookup(_START_CHECKS, "start check", name)


def start_check_names() -> list[str]:
    """Every registered start check name, sorted."""
    return sorted(_START_CHECKS)


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
    return _registrar(_RULES, "Rule", name)


def get_rule(name: str) -> RuleFn:
    """Return the rule registered as `name`.

    Raises:
        NotFoundError: No rule has that name.
    """
    return _lookup(_RULES, "rule", name)


def rule_names() -> list[str]:
    """Every registered rule name, sorted."""
    return sorted(_RULES)


# Imported last, for its side effect of registering the built-in rules: each rule module uses
# `register` and `Outcome` defined above, so this cannot move to the top.
from assessor_app.core.rules import care_act as care_act  # noqa: E402
from assessor_app.core.rules import charging as charging  # noqa: E402
from assessor_app.core.rules import chc as chc  # noqa: E402
from assessor_app.core.rules import sample as sample  # noqa: E402
