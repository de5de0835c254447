"""Evaluating a set of answers: their problems, every outcome, and what blocks completing.

The result is a frozen value with a JSON-able form for the CLI and for saving alongside the
answers. Rules never crash an evaluation: a rule that raises or misbehaves becomes an outcome
with no value and a reason, and a completion check that does so becomes a blocker (a legal
check that could not run must not let a record through). Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assessor_app.core import rules
from assessor_app.core.errors import NotFoundError
from assessor_app.core.form_engine.answers import Problem, validate_answers, visible_answers
from assessor_app.core.form_engine.model import FieldDef, FieldType, FormDefinition
from assessor_app.core.rules import Blocker, Outcome

__all__ = ["Evaluation", "evaluate"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evaluation:
    """Everything worked out from one form's answers."""

    form_id: str
    """The form evaluated."""

    version: int
    """The form version evaluated."""

    problems: tuple[Problem, ...]
    """Every problem with the answers (empty when they are valid)."""

    outcomes: dict[str, Outcome]
    """Outcome field id to what its rule worked out, in form order."""

    rules: dict[str, str]
    """Outcome field id to the name of the rule that computed it."""

    blockers: tuple[Blocker, ...] = ()
    """What the form's completion checks say stops the record being completed."""

    @property
    def valid(self) -> bool:
        """Whether the answers have no problems."""
        return not self.problems

    @property
    def completable(self) -> bool:
        """Whether the record may be marked as completed: no problems and no blockers."""
        return not self.problems and not self.blockers

    def completion_problems(self) -> list[Problem]:
        """Blockers first (they say why), then problems with the answers, in form order."""
        return [Problem(b.path, b.message) for b in self.blockers] + list(self.problems)

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


def evaluate(defn: FormDefinition, answers: Mapping[str, Any], *, today: dt.date) -> Evaluation:
    """Validate `answers` and compute every outcome field with its rule.

    Rules see only the answers to questions currently shown, so a stale answer to a hidden
    question never changes an outcome. Rules run even when there are problems; they report
    missing inputs in their own reasons.

    Args:
        defn: The form version the answers belong to.
        answers: Field id to answer; not changed.
        today: The date that "not in the future" is measured against.
    """
    shown = visible_answers(defn, answers)
    outcome_fields = [f for f in defn.all_fields() if f.type is FieldType.OUTCOME]
    return Evaluation(
        form_id=defn.id,
        version=defn.version,
        problems=tuple(validate_answers(defn, answers, today=today)),
        outcomes={f.id: _run(f, shown) for f in outcome_fields},
        rules={f.id: f.rule or "" for f in outcome_fields},
        blockers=tuple(b for name in defn.completion_checks for b in _blockers(name, shown)),
    )
