"""Evaluating a set of answers: their problems, every outcome, and what blocks completing.

The result is a frozen value with a JSON-able form for the CLI and for saving alongside the
answers. Rules never crash an evaluation: a rule that raises or misbehaves becomes an outcome
with no value and a reason, and a completion check that does so becomes a blocker (a legal
check that could not run must not let a record through).

Required signatures that are missing are reported together as the first blocker, naming who
has not signed, so refusing to complete a record starts with them. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assessor_app.core import rules
from assessor_app.core.errors import NotFoundError
from assessor_app.core.form_engine.answers import (
    AnswerCheck,
    Problem,
    SectionStatus,
    check_answers,
    is_visible,
    section_status,
    validate_answers,
)
from assessor_app.core.form_engine.model import FieldDef, FieldType, FormDefinition, is_answered
from assessor_app.core.form_engine.signatures import signer_phrase
from assessor_app.core.form_engine.value_checks import not_signed_message
from assessor_app.core.rules import Blocker, Outcome

__all__ = ["Evaluation", "Review", "evaluate", "review"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evaluation:
    """Everything worked out from one form's answers."""

    form_id: str
    """The form evaluated."""

    version: int
    """The form version evaluated."""

    problems: tuple[Problem, ...]
    """Every problem with the answers (empty when they are valid), including contradictions
    the completion checks find (`Blocker.as_typed`)."""

    outcomes: dict[str, Outcome]
    """Outcome field id to what its rule worked out, in form order."""

    rules: dict[str, str]
    """Outcome field id to the name of the rule that computed it."""

    blockers: tuple[Blocker, ...] = ()
    """What stops the record being completed: first the required signatures still missing (one
    blocker naming everyone who has not signed), then what the form's completion checks say."""

    unsigned: tuple[str, ...] = ()
    """Ids of the required signature questions (with a signer) still to be signed, which the
    first blocker reports together."""

    contradictions: tuple[Problem, ...] = ()
    """The problems (also in `problems`) that completion checks found, such as a Pension
    Credit age the date of birth contradicts: the form's contents list counts them too."""

    @property
    def valid(self) -> bool:
        """Whether the answers have no problems."""
        return not self.problems

    @property
    def completable(self) -> bool:
        """Whether the record may be marked as completed: no problems and no blockers."""
        return not self.problems and not self.blockers

    def completion_problems(self) -> list[Problem]:
        """Blockers first (they say why), then problems with the answers, in form order.

        A missing signature is said once, by the blocker naming who has not signed, so the
        signature questions' own "add a signature" problems are left out here.
        """
        return [Problem(b.path, b.message) for b in self.blockers] + [
            p for p in self.problems if p.path not in self.unsigned
        ]

    def to_json(self) -> dict[str, Any]:
        """The evaluation as plain dicts, lists and scalars, ready for `json.dumps`."""
        return {
            "form": self.form_id,
            "version": self.version,
            "valid": self.valid,
            "completable": self.completable,
            "problems": [{"path": p.path, "message": p.message} for p in self.problems],
            "blockers": [{"path": b.path, "message": b.message} for b in self.blockers],
            "outcomes": {
                field_id: {
                    "rule": self.rules[field_id],
                    "value": outcome.value,
                    "label": outcome.label,
                    "reasons": list(outcome.reasons),
                }
                for field_id, outcome in self.outcomes.items()
            },
        }


def _failed(rule_name: str) -> Outcome:
    return Outcome(
        value=None,
        label="Could not be worked out",
        reasons=(
            f"The rule '{rule_name}' went wrong, so no suggestion could be worked out. Your "
            "answers are safe. Tell your system administrator if this keeps happening.",
        ),
    )


def _run(field: FieldDef, answers: Mapping[str, Any]) -> Outcome:
    name = field.rule or ""
    try:
        outcome = rules.get_rule(name)(answers)
    except NotFoundError:
        return Outcome(None, "Could not be worked out", (f"There is no rule called '{name}'.",))
    except rules.UndeclaredRead:
        raise  # only under strict_reads(), in tests: a rule broke its own declaration
    # Any fault in a rule must not stop the assessor; log only the rule and error type, never
    # the message, which could quote personal answers.
    except Exception as e:  # noqa: BLE001 - rules are plug-ins; see comment above
        logger.warning("Rule %s raised %s", name, type(e).__name__)
        return _failed(name)
    if not isinstance(outcome, Outcome):
        logger.warning("Rule %s returned %s, not an Outcome", name, type(outcome).__name__)
        return _failed(name)
    return outcome


def _blockers(name: str, answers: Mapping[str, Any]) -> list[Blocker]:
    try:
        found = list(rules.get_check(name)(answers))
    except NotFoundError:
        found = [Blocker("", f"There is no completion check called '{name}'.")]
    except rules.UndeclaredRead:
        raise  # only under strict_reads(), in tests
    except Exception as e:  # noqa: BLE001 - checks are plug-ins; see the module docstring
        logger.warning("Completion check %s raised %s", name, type(e).__name__)
        found = [
            Blocker(
                "",
                f"The check '{name}' went wrong, so the record cannot be confirmed as ready. "
                "Your answers are safe. Tell your system administrator.",
            )
        ]
    if not all(isinstance(b, Blocker) for b in found):
        logger.warning("Completion check %s returned something other than blockers", name)
        return [Blocker("", f"The check '{name}' went wrong. Tell your system administrator.")]
    return found


def option_labels(defn: FormDefinition) -> dict[str, dict[Any, str]]:
    """Field id -> option value -> the label the form gives it (for rules' reasons)."""
    return {f.id: {o.value: o.label for o in f.choices()} for f in defn.all_fields() if f.choices()}


PERSON_NAME_SOURCE = "person.name"
"""The prefill source whose answer names the person assessed in the "Not signed by" message."""


def _unsigned(defn: FormDefinition, answers: Mapping[str, Any]) -> list[FieldDef]:
    """Required, shown signature questions with a signer that have no answer yet."""
    return [
        f
        for f in defn.top_fields()
        if f.type is FieldType.SIGNATURE
        and f.signer is not None
        and f.required
        and is_visible(f, answers)
        and not is_answered(answers.get(f.id))
    ]


def _not_signed(
    defn: FormDefinition, shown: Mapping[str, Any], unsigned: list[FieldDef]
) -> Blocker:
    name = next(
        (shown.get(f.id) for f in defn.top_fields() if f.prefill == PERSON_NAME_SOURCE), None
    )
    who = []
    for f in unsigned:
        phrase = signer_phrase(f.signer, f.label)
        if f.signer == "person" and isinstance(name, str) and name.strip():
            phrase += f" ({name.strip()})"
        who.append(phrase)
    return Blocker(unsigned[0].id, not_signed_message(list(dict.fromkeys(who))))


def evaluate(
    defn: FormDefinition,
    answers: Mapping[str, Any],
    *,
    today: dt.date,
    rates: object | None = None,
    checked: AnswerCheck | None = None,
) -> Evaluation:
    """Validate `answers` and compute every outcome field with its rule.

    Rules see only the answers to questions currently shown, so a stale answer to a hidden
    question never changes an outcome. Rules run even when there are problems; they report
    missing inputs in their own reasons.

    Args:
        defn: The form version the answers belong to.
        answers: Field id to answer; not changed.
        today: The date that "not in the future" is measured against.
        rates: The charging rates tables of the session (`Session.rates`), handed to the
            rules; None lets them use the tables the settings name.
        checked: `check_answers` of the same answers, when already worked out.
    """
    once = checked or check_answers(defn, answers, today=today)
    shown = rules.FormAnswers(once.shown, option_labels(defn), rates, today=today)
    outcome_fields = [f for f in defn.all_fields() if f.type is FieldType.OUTCOME]
    unsigned = _unsigned(defn, shown)
    signatures = [_not_signed(defn, shown, unsigned)] if unsigned else []
    found = [b for name in defn.completion_checks for b in _blockers(name, shown)]
    # A contradiction a check finds is a problem with the answers, shown at its question as
    # soon as it is typed; the rest wait for completing.
    contradictions = [Problem(b.path, b.message) for b in found if b.as_typed]
    return Evaluation(
        form_id=defn.id,
        version=defn.version,
        problems=tuple(validate_answers(defn, answers, today=today, checked=once))
        + tuple(contradictions),
        outcomes={f.id: _run(f, shown) for f in outcome_fields},
        rules={f.id: f.rule or "" for f in outcome_fields},
        blockers=tuple(signatures + [b for b in found if not b.as_typed]),
        unsigned=tuple(f.id for f in unsigned),
        contradictions=tuple(contradictions),
    )


@dataclass(frozen=True)
class Review:
    """What a screen showing the answers needs after each edit, worked out in one pass."""

    shown: dict[str, Any]
    """The answers to the questions shown (`visible_answers`)."""

    evaluation: Evaluation
    """`evaluate` of the answers."""

    sections: list[SectionStatus]
    """`section_status` of the answers, counting the evaluation's contradictions."""


def review(
    defn: FormDefinition,
    answers: Mapping[str, Any],
    *,
    today: dt.date,
    rates: object | None = None,
) -> Review:
    """`visible_answers`, `evaluate` and `section_status` of `answers`, checked once.

    Visibility and validation are worked out once for all three (the record editor calls
    this on every keystroke).

    Args:
        defn: The form version the answers belong to.
        answers: Field id to answer; not changed.
        today: The date that "not in the future" is measured against.
        rates: As for `evaluate`.
    """
    checked = check_answers(defn, answers, today=today)
    evaluation = evaluate(defn, answers, today=today, rates=rates, checked=checked)
    sections = section_status(
        defn, answers, today=today, also=evaluation.contradictions, checked=checked
    )
    return Review(checked.shown, evaluation, sections)
