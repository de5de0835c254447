"""The financial assessment's rules: the weekly charge, the checks for staff, and the rates.

All read the form's answers through `charging.from_answers` and the rates tables the session
hands in with them (`Session.rates`, through `evaluate(..., rates=)`); called without, they
use those the `rates_dir` setting names, else ``resources/rates``, loaded once per folder.
The table and the authority override are chosen by the date the charge takes effect, unless
the record keeps them (``rates_table_used``, written when the record is completed, see
`pin_of`): then exactly that table version and exactly that override (or none) are used, and
a table or override whose figures changed since, or that is no longer installed, is refused
rather than silently giving different pennies. Imports no Qt and no storage module.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assessor_app.core import answer_values as read
from assessor_app.core import settings
from assessor_app.core.charging.calculation import (
    CARE_TYPES,
    FREE_SERVICES,
    FREQUENCIES,
    INCOME_KINDS,
    LIGHT_TOUCH_BASES,
    ChargeOutcome,
    ChargeResult,
    calculate_charge,
    format_pounds,
)
from assessor_app.core.charging.from_answers import (
    ASSET_KEYS,
    ASSETS_ID,
    DRE_ID,
    DRE_KEYS,
    FORM_ASSET_KINDS,
    INCOME_KEYS,
    INCOMES_ID,
    inputs_from_answers,
)
from assessor_app.core.charging.pension_age import QualifyingAge, pension_credit_age
from assessor_app.core.charging.rates import (
    AuthorityOverride,
    RatesRegistry,
    RatesTable,
    default_rates_dir,
    load_rates_dir,
    long_date,
)
from assessor_app.core.errors import AssessorError
from assessor_app.core.rules import (
    Blocker,
    Need,
    Outcome,
    Reason,
    choice,
    date,
    group,
    money,
    number,
    register,
    register_check,
    text,
    yes_no,
)

__all__ = [
    "rates_registry",
    "NO_OVERRIDE",
    "charge_checks",
    "financial_completion",
    "fingerprint",
    "override_fingerprint",
    "override_pin",
    "pension_credit_qualifying_age",
    "pin_of",
    "rates_used",
    "weekly_charge",
]

"""Environment variable naming another rates folder (tests, an authority's own tables)."""

PIN_FIELD = "rates_table_used"

_A, _I, _D = ASSET_KEYS, INCOME_KEYS, DRE_KEYS
CHARGE_READS: dict[str, Need] = {
    "effective_date": date(),
    "date_of_birth": date(),
    "care_type": choice(*CARE_TYPES, allowed=CARE_TYPES),
    "first_permanent_admission": yes_no(),
    "admission_date": date(),
    "weekly_cost_of_care": money(),
    "free_service": choice(allowed={"none", *FREE_SERVICES}),
    "service_start_date": date(),
    "charge_from_week_7": yes_no(),
    "charge_decision_date": date(),
    "adaptation_cost": money(),
    "assessment_kind": choice("full", "light_touch", allowed=("full", "light_touch")),
    "light_touch_basis": choice(allowed=LIGHT_TOUCH_BASES),
    "light_touch_no_contribution": yes_no(),
    "agreed_weekly_charge": money(),
    "couple": yes_no(),
    "lone_parent": yes_no(),
    "dependent_children": number(),
    "pension_age": yes_no(),
    "partner_pension_age": yes_no(),
    "disability_premium": yes_no(),
    "enhanced_disability_premium": yes_no(),
    "carer_premium": yes_no(),
    ASSETS_ID: group(
        {
            _A["kind"]: choice(allowed=FORM_ASSET_KINDS),
            _A["label"]: text(),
            _A["value_pence"]: money(),
            _A["joint"]: yes_no(),
            _A["owners"]: number(),
            _A["share_percent"]: number(),
            _A["occupied"]: yes_no(),
            _A["disregard_other"]: yes_no(),
            _A["disregard_reason"]: text(),
        }
    ),
    "notional_capital": yes_no(),
    "notional_capital_value": money(),
    INCOMES_ID: group(
        {
            _I["kind"]: choice(allowed=INCOME_KINDS),
            _I["amount_pence"]: money(),
            _I["frequency"]: choice(allowed=FREQUENCIES),
            _I["joint"]: yes_no(),
            _I["half_to_spouse"]: yes_no(),
        }
    ),
    "housing_costs": money(),
    "dre_standard": yes_no(),
    DRE_ID: group({_D["label"]: text(), _D["weekly_pence"]: money()}),
    PIN_FIELD: text(),
}
"""Every answer the charge is worked out from (the contract `forms check` holds the form to)."""
"""The answer that keeps the table and override a completed record used."""

NO_OVERRIDE = "none"
"""The override part of a pin when no authority override was in force."""

_LABELS = {
    ChargeOutcome.FREE: "No charge: the service must be free",
    ChargeOutcome.FULL_COST: "Pays the full cost",
    ChargeOutcome.FULL_COST_DPA_OFFER: "Pays the full cost; a deferred payment must be offered",
    ChargeOutcome.NO_CONTRIBUTION: "No contribution",
}

_NO_FIGURE = "Ask your system administrator; do not tell the person a figure from this record."


@functools.lru_cache(maxsize=4)
def _registry(folder: str) -> RatesRegistry:
    return load_rates_dir(Path(folder))


def rates_registry(folder: Path | None = None) -> RatesRegistry:
    """The rates tables in `folder` (None: those shipped), loaded once per folder."""
    return _registry(str(folder or default_rates_dir()))


def _rates(answers: Mapping[str, Any]) -> RatesRegistry:
    """The session's rates tables, handed in with the answers; else those the settings name."""
    handed = getattr(answers, "rates", None)
    if isinstance(handed, RatesRegistry):
        return handed
    return rates_registry(settings.current().rates_dir)


def _digest(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def fingerprint(table: RatesTable) -> str:
    """A hash of what a charge depends on: the dates, the figures' values and the policies.

    Sources and confirmed/unconfirmed status are left out, so an administrator confirming a
    figure (or correcting its source) does not make completed records unreproducible; changing
    a value does.
    """
    return _digest(
        {
            "id": table.id,
            "version": table.version,
            "from": table.effective_from.isoformat(),
            "to": table.effective_to.isoformat(),
            "figures": {name: [f.value, f.unit] for name, f in sorted(table.figures.items())},
            "policies": repr(sorted(table.policies.items())) if table.policies else "",
        }
    )


def override_fingerprint(override: AuthorityOverride) -> str:
    """A hash of what a charge takes from an authority override: who, from when, and values.

    The reasons, notes and sign-off details are left out (they never change a penny); adding,
    removing or changing a figure's value changes the hash.
    """
    return _digest(
        {
            "authority": override.authority,
            "applies_from": override.applies_from.isoformat(),
            "figures": {name: f.value for name, f in sorted(override.figures.items())},
        }
    )


def _slug(authority: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", authority.lower()).strip("-") or "authority"


def override_pin(override: AuthorityOverride | None) -> str:
    """How a record keeps its authority override, or `NO_OVERRIDE` when none was in force.

    E.g. ``exampleshire-county-council@2025-04-06#<first 12 of its fingerprint>``.
    """
    if override is None:
        return NO_OVERRIDE
    return (
        f"{_slug(override.authority)}@{override.applies_from.isoformat()}"
        f"#{override_fingerprint(override)[:12]}"
    )


def pin_of(table: RatesTable, override: AuthorityOverride | None) -> str:
    """How a record keeps the figures it used: the table, then ``+`` and the override.

    E.g. ``england-2025-26@1#<12 hex>+none``, or with the authority's figures
    ``england-2025-26@1#<12 hex>+exampleshire-county-council@2025-04-06#<12 hex>``.
    """
    return f"{table.id}@{table.version}#{fingerprint(table)[:12]}+{override_pin(override)}"


def _unreadable(pinned: str) -> AssessorError:
    return AssessorError(
        f"The rates table kept with this record ('{pinned}') cannot be read.", _NO_FIGURE
    )


def _pinned_table(registry: RatesRegistry, part: str, pinned: str) -> RatesTable:
    name, _, rest = part.partition("@")
    version_text, _, digest = rest.partition("#")
    if not version_text.isdigit():
        raise _unreadable(pinned)
    table = registry.get(name, int(version_text))
    if digest and not fingerprint(table).startswith(digest):
        raise AssessorError(
            f"The rates table {table.describe()} has changed since this record was completed, "
            "so its figures cannot be reproduced.",
            "Ask your system administrator to reinstall the original table.",
        )
    return table


def _pinned_override(registry: RatesRegistry, part: str, pinned: str) -> AuthorityOverride | None:
    if part == NO_OVERRIDE:
        return None
    slug, _, rest = part.partition("@")
    day_text, _, digest = rest.partition("#")
    try:
        applies_from = dt.date.fromisoformat(day_text)
    except ValueError:
        raise _unreadable(pinned) from None
    if not slug or not re.fullmatch(r"[0-9a-f]{6,64}", digest):
        raise _unreadable(pinned)
    for override in registry.overrides:
        if _slug(override.authority) == slug and override.applies_from == applies_from:
            if not override_fingerprint(override).startswith(digest):
                raise AssessorError(
                    f"{override.authority}'s local charging figures applying from "
                    f"{long_date(applies_from)} have changed since this record was completed, "
                    "so its figures cannot be reproduced.",
                    "Ask your system administrator to reinstall the original signed-off "
                    "override file; do not tell the person a figure from this record.",
                )
            return override
    raise AssessorError(
        f"The authority's local charging figures this record was completed with ({slug}, "
        f"applying from {long_date(applies_from)}) are no longer installed, so its figures "
        "cannot be reproduced.",
        "Ask your system administrator to reinstall that signed-off override file; do not "
        "tell the person a figure from this record.",
    )


def _figures(
    answers: Mapping[str, Any], result_date: dt.date
) -> tuple[RatesTable, AuthorityOverride | None]:
    """The table and override for a charge: those kept with the record, else by date."""
    pinned = answers.get(PIN_FIELD)
    registry = _rates(answers)
    if not (isinstance(pinned, str) and pinned.strip()):
        return registry.for_date(result_date), registry.override_for(result_date)
    table_part, plus, override_part = pinned.strip().partition("+")
    table = _pinned_table(registry, table_part, pinned)
    if not plus:
        # Kept before overrides were pinned: whether local figures were used then, and which,
        # is unknown, so no figure is given rather than one that might differ.
        raise AssessorError(
            f"This record was completed before the app kept the authority's local figures "
            f"with it ('{pinned}'), so the charge it gave cannot be reproduced for certain.",
            "Do not tell the person a figure from this record. To work the charge out again "
            "with the figures in force now, amend the record and clear 'Rates table kept with "
            "this record'.",
        )
    return table, _pinned_override(registry, override_part, pinned)


PENSION_AGE_READS: dict[str, Need] = {"date_of_birth": date(), "effective_date": date()}


def _qualifying(answers: Mapping[str, Any]) -> tuple[QualifyingAge, dt.date, dt.date] | None:
    """Pension Credit qualifying age, the date of birth and the charge's date, once both known."""
    born = read.date(answers, "date_of_birth")
    on = read.date(answers, "effective_date")
    if born is None or on is None:
        return None
    return pension_credit_age(born), born, on


def _when(qualifying: QualifyingAge) -> str:
    at = f" at {qualifying.age}" if qualifying.age else ""
    return f"{at} on {long_date(qualifying.date)}"


def _pension_age_misfit(answers: Mapping[str, Any]) -> Blocker | None:
    """The Pension Credit age answer that contradicts the date of birth, as a blocker.

    A single person's answer must be what the date of birth gives on the date the charge takes
    effect. A member of a couple is asked about the person *or their partner*; the partner's
    date of birth is not recorded, so only "No" for a person who has reached it is refused.
    """
    worked_out = _qualifying(answers)
    if worked_out is None:
        return None
    qualifying, born, on = worked_out
    reached = qualifying.reached_by(on)
    born_on = f"born {long_date(born)}"
    if answers.get("couple") is True:
        if answers.get("partner_pension_age") is False and reached:
            return Blocker(
                "partner_pension_age",
                f"The person ({born_on}) reached Pension Credit qualifying age"
                f"{_when(qualifying)}, before the charge takes effect, so the answer is Yes "
                "whatever their partner's age.",
                as_typed=True,
            )
        return None
    said = answers.get("pension_age")
    if said is True and not reached:
        return Blocker(
            "pension_age",
            f"The person ({born_on}) reaches Pension Credit qualifying age{_when(qualifying)}, "
            f"after the charge takes effect on {long_date(on)}, so the answer is No (it "
            "decides the Minimum Income Guarantee).",
            as_typed=True,
        )
    if said is False and reached:
        return Blocker(
            "pension_age",
            f"The person ({born_on}) reached Pension Credit qualifying age{_when(qualifying)}, "
            f"by the time the charge takes effect on {long_date(on)}, so the answer is Yes (it "
            "decides the Minimum Income Guarantee).",
            as_typed=True,
        )
    return None


@register("charging.pension_credit_age", reads=PENSION_AGE_READS)
def pension_credit_qualifying_age(answers: Mapping[str, Any]) -> Outcome:
    """When the person reaches Pension Credit qualifying age, from their date of birth.

    Args:
        answers: The financial assessment's visible answers; reads ``date_of_birth`` and
            ``effective_date``.

    Returns:
        Value: whether it is reached by the date the charge takes effect; None until both
        dates are answered. The label gives the date, the reasons the law it comes from.
    """
    worked_out = _qualifying(answers)
    if worked_out is None:
        return Outcome(
            None,
            "Not yet worked out",
            ("Answer the date of birth and the date the charge takes effect.",),
        )
    qualifying, born, on = worked_out
    reached = qualifying.reached_by(on)
    label = (
        f"Reached on {long_date(qualifying.date)}"
        if reached
        else f"Not reached: reached on {long_date(qualifying.date)}"
    )
    age = f" ({qualifying.age})" if qualifying.age else ""
    return Outcome(
        reached,
        label + age,
        (
            f"Born {long_date(born)}: Pension Credit qualifying age{_when(qualifying)}, a "
            f"woman's State Pension age for that date of birth ({qualifying.law}; State Pension "
            "Credit Act 2002 s1(6)), for men and women alike.",
            f"The charge takes effect on {long_date(on)}, "
            + ("on or after that day." if reached else "before that day."),
        ),
    )


def _work_out(answers: Mapping[str, Any]) -> ChargeResult | Outcome:
    misfit = _pension_age_misfit(answers)
    if misfit is not None:
        return Outcome(
            None,
            "Not enough answers yet",
            (misfit.message, "Change the Pension Credit age answer to work out the charge."),
        )
    try:
        inputs = inputs_from_answers(answers)
        table, override = _figures(answers, inputs.effective_date)
        return calculate_charge(inputs, table, override)
    except AssessorError as e:
        return Outcome(None, "Not enough answers yet", (e.user_message, e.next_step or ""))


@register("charging.weekly_charge", reads=CHARGE_READS)
def weekly_charge(answers: Mapping[str, Any]) -> Outcome:
    """The weekly charge in pence, with the person's statement lines as the reasons.

    The reasons are only the statement the person is given; what staff must check first is
    in `charge_checks`.

    Args:
        answers: The financial assessment's visible answers keyed by field id.

    Returns:
        Value: the weekly charge in whole pence; None while answers are missing, a figure
        cannot be worked out, or the calculation is incomplete (the reasons say what to do).
    """
    result = _work_out(answers)
    if isinstance(result, Outcome):
        return result
    lines = tuple(
        Reason(
            "statement.line",
            line.text(),
            line.text_to_you(),
            {"label": line.label, "pence": line.pence, "note": line.note_to_you},
        )
        for line in result.lines
    )
    if result.outcome == ChargeOutcome.INCOMPLETE:
        return Outcome.explained(None, "Cannot be worked out yet", lines)
    amount = f"{format_pounds(result.weekly_charge_pence)} a week"
    kind = _LABELS.get(ChargeOutcome(result.outcome))
    label = f"{amount} ({kind})" if kind else amount
    return Outcome.explained(result.weekly_charge_pence, label, lines)


@register("charging.charge_checks", reads=CHARGE_READS)
def charge_checks(answers: Mapping[str, Any]) -> Outcome:
    """What staff must check before telling the person the charge; never part of the statement.

    Args:
        answers: The financial assessment's visible answers keyed by field id.

    Returns:
        Value: how many checks there are (0 for none); None until the charge can be worked
        out. Reasons: one sentence per check, e.g. each unconfirmed figure the charge used.
    """
    result = _work_out(answers)
    if isinstance(result, Outcome):
        return Outcome(None, "Nothing to check until the charge can be worked out")
    count = len(result.warnings)
    if not count:
        return Outcome(0, "Nothing to check")
    return Outcome(count, f"{count} thing{'s' if count != 1 else ''} to check", result.warnings)


@register("charging.rates_used", reads=CHARGE_READS)
def rates_used(answers: Mapping[str, Any]) -> Outcome:
    """Which rates table (and version, and authority override) the charge uses.

    Args:
        answers: The financial assessment's visible answers keyed by field id.

    Returns:
        Value: the pin kept with the record on completion (see `pin_of`); None until the date
        the charge takes effect is known and a table covers it, or when the figures kept with
        the record cannot be reproduced.
    """
    try:
        inputs = inputs_from_answers(answers)
        table, override = _figures(answers, inputs.effective_date)
    except AssessorError as e:
        return Outcome(None, "No rates table yet", (e.user_message,))
    reasons = [
        f"{table.title or table.describe()}, version {table.version}: in force from "
        f"{long_date(table.effective_from)} to {long_date(table.effective_to)}.",
    ]
    kept = isinstance(answers.get(PIN_FIELD), str) and bool(answers.get(PIN_FIELD))
    if kept:
        reasons.append(
            "Kept with this record when it was completed, with the authority's local figures "
            "(or none) used then, so the figures never change."
        )
    unconfirmed = sorted(name for name, figure in table.figures.items() if not figure.confirmed)
    if unconfirmed:
        reasons.append(
            f"{len(unconfirmed)} figure{'s' if len(unconfirmed) != 1 else ''} in this table "
            "are not yet confirmed by an administrator; the checks name any the charge uses."
        )
    if override is not None:
        reasons.append(
            f"With {override.authority}'s more generous local figures applying from "
            f"{long_date(override.applies_from)}, signed off by {override.signed_off_by} on "
            f"{long_date(override.signed_off_on)}."
        )
    elif kept:
        reasons.append("No local authority figures were in force when it was completed.")
    return Outcome(pin_of(table, override), table.describe(), tuple(reasons))


@register_check("charging.financial_completion", reads=CHARGE_READS)
def financial_completion(answers: Mapping[str, Any]) -> list[Blocker]:
    """What stops a financial assessment being completed, beyond missing answers.

    The charge must be worked out (not "cannot be worked out yet"), and a single person's
    Pension Credit age answer must fit their date of birth and the date the charge takes
    effect (see `core/charging/pension_age.py`): it decides which Minimum Income Guarantee applies,
    and a wrong answer changes the charge by more than £100 a week. That contradiction is
    reported as it is typed (`Blocker.as_typed`), at the question, and instead of "the charge
    cannot be worked out", which it causes.

    Args:
        answers: The financial assessment's visible answers keyed by field id.
    """
    misfit = _pension_age_misfit(answers)
    if misfit is not None:
        return [misfit]
    result = _work_out(answers)
    if isinstance(result, Outcome) or result.outcome == ChargeOutcome.INCOMPLETE:
        return [
            Blocker(
                "charge",
                "The weekly charge cannot be worked out yet; see 'The weekly charge' for why.",
            )
        ]
    return []
