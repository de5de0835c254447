"""The registries of named rule functions a form definition can refer to.

Three kinds, each a pure function, each registered under a dotted name:

- a **rule** computes an outcome field from the answers (`rule: sample.support_band`);
- a **completion check** lists the `Blocker`s that stop a record being marked as completed
  (form-level `completion_checks: [...]`), beyond the missing and invalid answers the engine
  finds itself;
- a **start check** refuses to start a form for a person it does not apply to (form-level
  `start_check: ...`), e.g. a CHC Checklist for someone under 18.

Each one declares what it reads (`reads=`): the field ids, the kind of question each must be
and the option values it compares with. That declaration is the contract between a form and
its rules. The form engine checks it when it loads a definition (`forms check` names the
file, the field and the rule when a form breaks it), and a rule is handed only the answers it
declared, so a rule cannot come to depend on a field no form was checked for. Under
`strict_reads()` (the test suite) reading an undeclared answer raises instead.

Importing this package registers every built-in rule. Imports no Qt and no storage module.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from assessor_app.core.errors import NotFoundError
from assessor_app.core.records import PersonDetails

__all__ = [
    "Blocker",
    "CheckFn",
    "FormAnswers",
    "Need",
    "Outcome",
    "Reason",
    "Refusal",
    "RuleFn",
    "StartContext",
    "StartFn",
    "UndeclaredRead",
    "age_on",
    "check_names",
    "get_check",
    "get_rule",
    "get_start_check",
    "option_label",
    "register",
    "register_check",
    "register_start_check",
    "reads_of",
    "rule_names",
    "start_check_names",
    "strict_reads",
    "today_of",
]

_NAME_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\Z")


@dataclass(frozen=True)
class Reason:
    """One reason a rule gives, in a form a letter can use without rewriting it.

    The rule writes both sentences: `staff` for the assessor (about "the person") and `person`
    for the person it is about (to "you", without instructions to staff). A letter picks
    reasons by `code` and prints `person`, so rewording a reason is a change to the rule that
    a test sees, never a letter silently changed by a pattern.
    """

    code: str
    """What the reason is about, stable across wording, e.g. ``"condition.2"``."""

    staff: str
    """The sentence as the assessor reads it (the same as in `Outcome.reasons`)."""

    person: str
    """The sentence as the person reads it in a letter; "" when it is for staff only."""

    facts: Mapping[str, Any] = field(default_factory=dict)
    """What it was worked out from, for a letter to use (e.g. ``{"met": True}``)."""


@dataclass(frozen=True)
class Outcome:
    """What a rule worked out from the answers, with the reasons an assessor can check."""

    value: str | int | bool | None
    """The computed value; None when the answers are not enough to work it out."""

    label: str
    """The value in plain English, as shown to the assessor (e.g. "Medium support")."""

    reasons: tuple[str, ...] = ()
    """Plain-English sentences naming the answers that led to the value."""

    details: tuple[Reason, ...] = ()
    """The same reasons, structured (a code, the facts, a sentence for staff and one for the
    person), from rules whose reasons a letter quotes; empty for the others."""

    @classmethod
    def explained(
        cls, value: str | int | bool | None, label: str, details: Sequence[Reason]
    ) -> Outcome:
        """An outcome whose reasons are the staff sentences of `details`."""
        return cls(value, label, tuple(d.staff for d in details), tuple(details))


@dataclass(frozen=True)
class Blocker:
    """Something that stops a record being marked as completed, and where to put it right."""

    path: str
    """The question to take the assessor to (a field id or ``group[i].field``)."""

    message: str
    """What is wrong and what to do, in plain English, e.g. "Record the date the written
    information was given: needs that are not eligible must have it (Care Act s13(5))."."""

    as_typed: bool = False
    """A contradiction between answers rather than something still to do: the engine reports
    it with the answers' own problems, so the editor shows it at the question as it is typed
    (and it still stops completing)."""


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
    """What stops it, e.g. "NHS Continuing Healthcare is for adults aged 18 or over."."""

    next_step: str
    """What the assessor can do instead."""


def age_on(born: dt.date, on: dt.date) -> int:
    """A person's age in whole years on a day (a birthday counts from the day itself)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(frozen=True)
class Need:
    """What a rule needs of one field: the kinds of question it may be, the options it uses."""

    types: frozenset[str]
    """The form field types (`FieldType` values, e.g. ``"yes_no"``) the field may have."""

    options: frozenset[str | int | bool] = frozenset()
    """Option values the rule compares the answer with: the field must offer every one."""

    fields: Mapping[str, Need] = field(default_factory=dict)
    """For a repeating group: what the rule needs of the questions inside each item."""

    optional: bool = False
    """The rule copes when the form does not ask this (it reads it only if present)."""

    allowed: frozenset[str | int | bool] | None = None
    """When set, every value the rule understands: the field must offer no other."""

    @classmethod
    def of(
        cls,
        *types: str,
        options: Iterable[str | int | bool] = (),
        optional: bool = False,
        fields: Mapping[str, Need] | None = None,
        allowed: Iterable[str | int | bool] | None = None,
    ) -> Need:
        """A need for a field of one of `types`, offering at least `options`."""
        known = None if allowed is None else frozenset(allowed)
        return cls(frozenset(types), frozenset(options), dict(fields or {}), optional, known)


def text(*, optional: bool = False) -> Need:
    """A short or long text answer."""
    return Need.of("short_text", "long_text", optional=optional)


def yes_no(*, optional: bool = False) -> Need:
    """A yes/no answer."""
    return Need.of("yes_no", optional=optional)


def date(*, optional: bool = False) -> Need:
    """A date answer."""
    return Need.of("date", optional=optional)


def number(*, optional: bool = False) -> Need:
    """A number answer."""
    return Need.of("number", optional=optional)


def money(*, optional: bool = False) -> Need:
    """An amount of money (pence)."""
    return Need.of("money", optional=optional)


def choice(*options: str, optional: bool = False, allowed: Iterable[str] | None = None) -> Need:
    """A single choice that offers at least `options` (and, given `allowed`, only those)."""
    return Need.of("single_choice", options=options, optional=optional, allowed=allowed)


def choices(*options: str, optional: bool = False, allowed: Iterable[str] | None = None) -> Need:
    """A multiple choice that offers at least `options` (and, given `allowed`, only those)."""
    return Need.of("multiple_choice", options=options, optional=optional, allowed=allowed)


def rating(
    *options: str | int, optional: bool = False, allowed: Iterable[str | int] | None = None
) -> Need:
    """A rating whose scale has at least `options` (and, given `allowed`, only those)."""
    return Need.of("rating", options=options, optional=optional, allowed=allowed)


def group(
    items: Mapping[str, Need] | None = None, /, *, optional: bool = False, **fields: Need
) -> Need:
    """A repeating group whose items ask at least `items` and `fields`."""
    return Need.of("repeating_group", fields={**(items or {}), **fields}, optional=optional)


def signature(*, optional: bool = False) -> Need:
    """A signature."""
    return Need.of("signature", optional=optional)


def outcome(*, optional: bool = False) -> Need:
    """An outcome field: another rule's stored result, or a value kept on completing."""
    return Need.of("outcome", optional=optional)


Reads = Mapping[str, Need]
"""Field id -> what a rule needs of it."""


class UndeclaredRead(AssertionError):
    """A rule read an answer it did not declare (raised only under `strict_reads()`)."""


_STRICT = False


@contextlib.contextmanager
def strict_reads() -> Iterator[None]:
    """Inside the block, a rule that reads an answer it did not declare raises `UndeclaredRead`.

    Outside it (in the app) such a read finds no answer, as if the question were not asked.
    """
    global _STRICT
    before, _STRICT = _STRICT, True
    try:
        yield
    finally:
        _STRICT = before


class FormAnswers(Mapping[str, Any]):
    """A form's answers as the form engine hands them to a rule, with the form's option labels.

    The labels are the one source of how an option reads: a rule that names a chosen option
    in a reason asks `option_label` for the form's own wording rather than keeping its own.
    """

    def __init__(
        self,
        answers: Mapping[str, Any],
        labels: Mapping[str, Mapping[Any, str]],
        rates: object | None = None,
        today: dt.date | None = None,
    ) -> None:
        self._answers = answers
        self.labels = labels
        self.rates = rates
        """The charging rates tables the session holds (None: the rules use those in force)."""
        self.today = today
        """The date the answers are looked at (None when a rule is called without one)."""

    def __getitem__(self, key: str) -> Any:
        return self._answers[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._answers)

    def __len__(self) -> int:
        return len(self._answers)


def option_label(answers: Mapping[str, Any], field_id: str, value: Any) -> str:
    """How the form words option `value` of `field_id`, for the middle of a sentence.

    The form's label with its first letter lowered (unless the label opens with an
    abbreviation, as "GP or NHS" does); without a form (a rule called directly), the value
    with underscores as spaces.
    """
    labels: Mapping[str, Mapping[Any, str]] = getattr(answers, "labels", {})
    label = labels.get(field_id, {}).get(value)
    if not label:
        return str(value).replace("_", " ")
    if len(label) > 1 and label[1].isupper():
        return label
    return label[0].lower() + label[1:]


def today_of(answers: Mapping[str, Any]) -> dt.date | None:
    """The date the form engine is evaluating `answers` on, or None.

    None when a rule is called directly: it then says nothing that depends on the day, such
    as "overdue".
    """
    today = getattr(answers, "today", None)
    return today if isinstance(today, dt.date) else None


class _Declared(Mapping[str, Any]):
    """The answers a rule declared it reads, and no others."""

    def __init__(self, answers: Mapping[str, Any], reads: Reads, rule: str) -> None:
        self._answers = answers
        self._reads = reads
        self._rule = rule
        self.labels: Mapping[str, Mapping[Any, str]] = getattr(answers, "labels", {})
        self.rates: object | None = getattr(answers, "rates", None)
        self.today: dt.date | None = getattr(answers, "today", None)

    def __getitem__(self, key: str) -> Any:
        if key not in self._reads:
            if _STRICT:
                raise UndeclaredRead(f"{self._rule} read '{key}', which it does not declare")
            raise KeyError(key)
        return self._answers[key]

    def __iter__(self) -> Iterator[str]:
        return (k for k in self._reads if k in self._answers)

    def __len__(self) -> int:
        return sum(1 for _ in self)


_READS: dict[str, Reads] = {}


def reads_of(name: str) -> Reads:
    """What the rule, completion check or start check called `name` declared it reads."""
    return _READS.get(name, {})


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


def _registrar(
    table: dict[str, Any], kind: str, name: str, reads: Reads | None
) -> Callable[[_F], _F]:
    if not _NAME_RE.match(name):
        raise ValueError(f"{kind} name {name!r} must look like 'module.rule_name'.")
    if name in table:
        raise ValueError(f"A {kind.lower()} named {name!r} is already registered.")
    declared = dict(reads or {})

    def decorator(fn: _F) -> _F:
        if reads is None:  # start checks read the person, never the answers
            table[name] = fn
            return fn

        @functools.wraps(fn)  # type: ignore[arg-type]
        def limited(answers: Mapping[str, Any]) -> Any:
            return fn(_Declared(answers, declared, name))  # type: ignore[operator]

        table[name] = limited
        _READS[name] = declared
        return limited  # type: ignore[return-value]

    return decorator


def _lookup(table: dict[str, _F], kind: str, name: str) -> _F:
    try:
        return table[name]
    except KeyError as e:
        raise NotFoundError(
            f"There is no {kind} called '{name}'.",
            "Check the name in the form definition.",
        ) from e


def register_check(name: str, *, reads: Reads) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated function as the completion check called `name`.

    It is handed only the answers named in `reads` (see the module docstring).

    Raises:
        ValueError: The name is malformed or already taken (a programming error).
    """
    return _registrar(_CHECKS, "Completion check", name, reads)


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
    return _registrar(_START_CHECKS, "Start check", name, None)


def get_start_check(name: str) -> StartFn:
    """Return the start check registered as `name`.

    Raises:
        NotFoundError: No start check has that name.
    """
    return _lookup(_START_CHECKS, "start check", name)


def start_check_names() -> list[str]:
    """Every registered start check name, sorted."""
    return sorted(_START_CHECKS)


def register(name: str, *, reads: Reads) -> Callable[[RuleFn], RuleFn]:
    """Register the decorated function as the rule called `name`.

    Args:
        name: Dotted name used by form definitions, e.g. ``"sample.support_band"``.
        reads: Every answer the rule reads and what it needs of each; the rule is handed
            only these (see the module docstring).

    Returns:
        A decorator that records the function and returns it, limited to its `reads`.

    Raises:
        ValueError: The name is malformed or already taken. This is a programming error met at
            import time, never by a user, so it is not an `AssessorError`.
    """
    return _registrar(_RULES, "Rule", name, reads)


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
from assessor_app.core.rules import care_plan as care_plan  # noqa: E402
from assessor_app.core.rules import care_review as care_review  # noqa: E402
from assessor_app.core.rules import charging as charging  # noqa: E402
from assessor_app.core.rules import chc as chc  # noqa: E402
from assessor_app.core.rules import sample as sample  # noqa: E402
