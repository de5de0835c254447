"""The financial assessment's rules: the weekly charge and the rates table it comes from.

Both read the form's answers through `charging.from_answers` and the rates tables in
``resources/rates`` (or ``$ASSESSOR_RATES_DIR``), loaded once per folder. The table is chosen
by the date the charge takes effect, unless the record keeps one (``rates_table_used``, written
when the record is completed): then exactly that table and version is used, and a table whose
contents changed since is refused rather than silently giving different pennies. Imports no
Qt and no storage module.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assessor_app.core.charging.calculation import (
    ChargeOutcome,
    ChargeResult,
    calculate_charge,
    format_pounds,
)
from assessor_app.core.charging.from_answers import inputs_from_answers
from assessor_app.core.charging.rates import (
    RatesRegistry,
    RatesTable,
    default_rates_dir,
    load_rates_dir,
)
from assessor_app.core.errors import AssessorError
from assessor_app.core.rules import Blocker, Outcome, register, register_check

__all__ = [
    "RATES_DIR_ENV",
    "financial_completion",
    "fingerprint",
    "pin_of",
    "rates_used",
    "weekly_charge",
]

RATES_DIR_ENV = "ASSESSOR_RATES_DIR"
"""Environment variable naming another rates folder (tests, an authority's own tables)."""

PIN_FIELD = "rates_table_used"
"""The answer that keeps the table a completed record used."""

_LABELS = {
    ChargeOutcome.FREE: "No charge: the service must be free",
    ChargeOutcome.FULL_COST: "Pays the full cost",
    ChargeOutcome.FULL_COST_DPA_OFFER: "Pays the full cost; a deferred payment must be offered",
    ChargeOutcome.NO_CONTRIBUTION: "No contribution",
}


@functools.lru_cache(maxsize=4)
def _registry(folder: str) -> RatesRegistry:
    return load_rates_dir(Path(folder))


def _rates() -> RatesRegistry:
    return _registry(os.environ.get(RATES_DIR_ENV) or str(default_rates_dir()))


def fingerprint(table: RatesTable) -> str:
    """A hash of what a charge depends on: the dates, the figures' values and the policies.

    Sources and confirmed/unconfirmed status are left out, so an administrator confirming a
    figure (or correcting its source) does not make completed records unreproducible; changing
    a value does.
    """
    content = {
        "id": table.id,
        "version": table.version,
        "from": table.effective_from.isoformat(),
        "to": table.effective_to.isoformat(),
        "figures": {name: [f.value, f.unit] for name, f in sorted(table.figures.items())},
        "policies": repr(sorted(table.policies.items())) if table.policies else "",
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def pin_of(table: RatesTable) -> str:
    """How a record keeps its table: ``england-2025-26@1#<first 12 of its fingerprint>``."""
    return f"{table.id}@{table.version}#{fingerprint(table)[:12]}"


def _table(answers: Mapping[str, Any], result_date: Any) -> RatesTable:
    pinned = answers.get(PIN_FIELD)
    registry = _rates()
    if not (isinstance(pinned, str) and pinned.strip()):
        return registry.for_date(result_date)
    name, _, rest = pinned.strip().partition("@")
    version_text, _, digest = rest.partition("#")
    if not version_text.isdigit():
        raise AssessorError(
            f"The rates table kept with this record ('{pinned}') cannot be read.",
            "Ask your system administrator; do not tell the person a figure from this record.",
        )
    table = registry.get(name, int(version_text))
    if digest and not fingerprint(table).startswith(digest):
        raise AssessorError(
            f"The rates table {table.describe()} has changed since this record was completed, "
            "so its figures cannot be reproduced.",
            "Ask your system administrator to reinstall the original table.",
        )
    return table


def _work_out(answers: Mapping[str, Any]) -> ChargeResult | Outcome:
    try:
        inputs = inputs_from_answers(answers)
        table = _table(answers, inputs.effective_date)
        override = _rates().override_for(inputs.effective_date)
        return calculate_charge(inputs, table, override)
    except AssessorError as e:
        return Outcome(None, "Not enough answers yet", (e.user_message, e.next_step or ""))


@register("charging.weekly_charge")
def weekly_charge(answers: Mapping[str, Any]) -> Outcome:
    """The weekly charge in pence, with the statement's lines as the reasons.

    Args:
        answers: The financial assessment's visible answers keyed by field id.

    Returns:
        Value: the weekly charge in whole pence; None while answers are missing, a figure
        cannot be worked out, or the calculation is incomplete (the reasons say what to do).
    """
    result = _work_out(answers)
    if isinstance(result, Outcome):
        return result
    checks = tuple(f"Check: {warning}" for warning in result.warnings)
    lines = tuple(line.text() for line in result.lines)
    if result.outcome == ChargeOutcome.INCOMPLETE:
        return Outcome(None, "Cannot be worked out yet", (*checks, *lines))
    amount = f"{format_pounds(result.weekly_charge_pence)} a week"
    kind = _LABELS.get(ChargeOutcome(result.outcome))
    label = f"{amount} ({kind})" if kind else amount
    return Outcome(result.weekly_charge_pence, label, (*lines, *checks))


@register("charging.rates_used")
def rates_used(answers: Mapping[str, Any]) -> Outcome:
    """Which rates table (and version, and authority override) the charge uses.

    Args:
        answers: The financial assessment's visible answers keyed by field id.

    Returns:
        Value: the pin kept with the record on completion (see `pin_of`); None until the date
        the charge takes effect is known and a table covers it.
    """
    try:
        inputs = inputs_from_answers(answers)
        table = _table(answers, inputs.effective_date)
        override = _rates().override_for(inputs.effective_date)
    except AssessorError as e:
        return Outcome(None, "No rates table yet", (e.user_message,))
    reasons = [
        f"{table.title or table.describe()}, version {table.version}: in force from "
        f"{table.effective_from:%-d %B %Y} to {table.effective_to:%-d %B %Y}.",
    ]
    if isinstance(answers.get(PIN_FIELD), str) and answers.get(PIN_FIELD):
        reasons.append("Kept with this record when it was completed, so the figures never change.")
    unconfirmed = sorted(name for name, figure in table.figures.items() if not figure.confirmed)
    if unconfirmed:
        reasons.append(
            f"{len(unconfirmed)} figure{'s' if len(unconfirmed) != 1 else ''} in this table "
            "are not yet confirmed by an administrator; the charge names any it uses."
        )
    if override is not None:
        reasons.append(
            f"With {override.authority}'s more generous local figures, signed off by "
            f"{override.signed_off_by} on {override.signed_off_on:%-d %B %Y}."
        )
    return Outcome(pin_of(table), table.describe(), tuple(reasons))


@register_check("charging.financial_completion")
def financial_completion(answers: Mapping[str, Any]) -> list[Blocker]:
    """What stops a financial assessment being completed, beyond missing answers.

    The charge must be worked out (not "cannot be worked out yet"), and the Pension Credit
    age answer must fit the date of birth: it decides which Minimum Income Guarantee applies,
    and a wrong answer changes the charge by more than £100 a week. State Pension age is 66
    and rising towards 67, so only answers clearly at odds with the age are refused.

    Args:
        answers: The financial assessment's visible answers keyed by field id.
    """
    found: list[Blocker] = []
    result = _work_out(answers)
    if isinstance(result, Outcome) or result.outcome == ChargeOutcome.INCOMPLETE:
        found.append(
            Blocker(
                "charge",
                "The weekly charge cannot be worked out yet; see 'The weekly charge' for why.",
            )
        )
        return found
    said = answers.get("pension_age")
    age = inputs_from_answers(answers).person.age
    if said is True and age < 66:
        found.append(
            Blocker(
                "pension_age",
                f"The person is {age}, below State Pension age, but is recorded as having reached "
                "Pension Credit qualifying age: check the answer (it decides the Minimum Income "
                "Guarantee).",
            )
        )
    elif said is False and age >= 67:
        found.append(
            Blocker(
                "pension_age",
                f"The person is {age}, past State Pension age, but is recorded as not having "
                "reached Pension Credit qualifying age: check the answer.",
            )
        )
    return found
