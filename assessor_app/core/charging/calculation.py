"""The weekly charge for care and support: pure functions over frozen inputs and a rates table.

Follows the Care and Support (Charging and Assessment of Resources) Regulations 2014 and
statutory guidance ch. 8 and Annexes B, C and F, as summarised in ``domain/RULES.md`` section 4:

- **Free services** (reg 3): intermediate care and reablement for the first 6 weeks, aids,
  minor adaptations up to £1,000, information and advice, s117 after-care, care for people
  with Creutzfeldt-Jakob disease. Reablement and intermediate care stay free after week 6
  until the council records a decision to charge from week 7, and from the date of that
  decision (FC-02).
- **Light-touch assessments** (reg 10): a refusal, or resources clearly over the upper limit,
  means the full cost; resources clearly under it mean no contribution or an agreed charge.
- **Capital**: the person's share of each asset not disregarded, plus any notional capital.
  Above the upper capital limit the person pays the full cost (a permanent care home
  resident whose home takes them over the limit must be offered a deferred payment
  agreement: the charge owed is still the full cost, and the statement shows the part paid
  from income now, worked out as for a resident under the limit on the capital other than the
  home, and the rest that can be deferred). Between the limits, tariff income is £1 a week
  for every £250, or part of £250, above the lower limit.
- **Care at home**: counted income plus tariff income, less the Minimum Income Guarantee,
  housing costs and disability-related expenditure. **Care home**: counted income plus
  tariff income, less the Personal Expenses Allowance. The charge is never below £0 and never
  more than the cost of the care.
- **Pension half paid to a spouse or civil partner at home** (care home cases, permanent or
  temporary): only half of that occupational or private pension is counted, the other half
  disregarded. For care at home the answer is ignored and the pension counted in full.

Money is whole pence (int) everywhere. **Rounding**: each income line is converted to a weekly
amount in Decimal (weekly as is, fortnightly / 2, four-weekly / 4, monthly x 12 / 52,
yearly / 52), halved first when the income is joint, and rounded **once**, to the nearest
penny with halves rounded up (ROUND_HALF_UP): £100 a month is £23.08 a week. The one
exception: when half of a pension is disregarded because it is paid to a spouse or civil
partner at home, the half counted is half of that rounded weekly amount (the figure the
statement shows), again rounded to the penny with halves up: £100.01 a week counts £50.01.
A share of a jointly owned asset drops any part of a penny, in the person's favour.
Everything after that is whole-penny integer arithmetic, and no float is ever used.

Deliberate readings where the spec met doubtful law (see each function): a temporary care
home resident keeps their housing costs and has Attendance Allowance, DLA care and PIP daily
living disregarded (statutory guidance Annex F); a lone parent at Pension Credit age gets the
(higher) Pension Credit age amount; partial disregards (War Widow's pension, Savings Credit)
are given once per person however many lines the income is entered on. Imports no Qt and no
storage module.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from assessor_app.core.charging.rates import (
    FIGURE_LABELS,
    HOME_ONLY_OVERRIDES,
    IMPLEMENTED_POLICIES,
    REQUIRED_FIGURES,
    AuthorityOverride,
    RatesTable,
    RatesTableError,
    long_date,
)
from assessor_app.core.errors import ValidationError

__all__ = [
    "ASSET_KINDS",
    "CARE_TYPES",
    "DISREGARD_REASONS",
    "FREE_SERVICES",
    "FREQUENCIES",
    "INCOME_KINDS",
    "INCOME_TREATMENT",
    "LIGHT_TOUCH_BASES",
    "SPOUSE_HALF_KINDS",
    "Asset",
    "ChargeOutcome",
    "ChargeResult",
    "ChargingInputs",
    "Income",
    "Line",
    "PersonCircumstances",
    "calculate_charge",
    "format_pounds",
    "tariff_income",
    "weekly_amount",
]


class ChargeOutcome(StrEnum):
    """What kind of answer a charge is; `ChargeResult.outcome` holds the value."""

    FREE = "free"
    """A service free by regulation: the charge is £0."""

    MEANS_TESTED = "means_tested"
    """Worked out from income and capital (the charge may still be £0)."""

    FULL_COST = "full_cost"
    """Capital over the upper limit, or a light-touch refusal or "clearly over"."""

    FULL_COST_DPA_OFFER = "full_cost_dpa_offer"
    """Full cost, and the council must offer a deferred payment agreement."""

    NO_CONTRIBUTION = "no_contribution"
    """Light-touch: the evidence shows the person cannot contribute."""

    AGREED_CHARGE = "agreed_charge"
    """Light-touch: a small charge the person can clearly afford, as agreed."""

    INCOMPLETE = "incomplete"
    """Not worked out: a line says what is missing. Tell the person no figure."""


CARE_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "home": "care at home",
        "permanent_care_home": "a permanent care home place",
        "temporary_care_home": "a temporary care home stay",
    }
)
"""Where care is given, with the words used in statements."""

FREE_SERVICES: Mapping[str, str] = MappingProxyType(
    {
        "reablement": "reablement",
        "intermediate_care": "intermediate care",
        "aids": "aids (community equipment)",
        "minor_adaptation": "a minor adaptation",
        "information_advice": "information and advice",
        "s117_aftercare": "after-care under section 117 of the Mental Health Act 1983",
        "cjd": "care for a person with Creutzfeldt-Jakob disease",
    }
)
"""Services that may be free by regulation, with the words used in statements."""

LIGHT_TOUCH_BASES = frozenset({"refused", "clearly_over", "clearly_under"})
"""Why a light-touch assessment was used (reg 10)."""

_ASSESSMENT_KINDS = frozenset({"full", "light_touch"})

ASSET_KINDS: Mapping[str, str] = MappingProxyType(
    {
        "bank": "Bank account",
        "savings": "Savings",
        "investments": "Investments",
        "property_main_home": "Main home",
        "property_other": "Other property",
        "other": "Other capital",
    }
)
"""Kinds of capital, with their default labels."""

DISREGARD_REASONS = frozenset(
    {"none", "main_home_care_at_home", "twelve_week", "occupied_by_partner_or_relative", "other"}
)
"""Why an asset might not be counted; the engine also applies the main-home rules itself."""

FREQUENCIES: Mapping[str, tuple[int, int]] = MappingProxyType(
    {
        "weekly": (1, 1),
        "fortnightly": (1, 2),
        "four_weekly": (1, 4),
        "monthly": (12, 52),
        "yearly": (1, 52),
    }
)
"""How often an income is paid, as (multiply, divide) to turn it into a weekly amount."""

_FREQUENCY_WORDS = {
    "weekly": "a week",
    "fortnightly": "a fortnight",
    "four_weekly": "every 4 weeks",
    "monthly": "a month",
    "yearly": "a year",
}

INCOME_KINDS: Mapping[str, str] = MappingProxyType(
    {
        "earnings": "Earnings",
        "dla_mobility": "Disability Living Allowance (mobility)",
        "pip_mobility": "Personal Independence Payment (mobility)",
        "direct_payments": "Direct payments",
        "armed_forces_gip": "Armed Forces Guaranteed Income Payment",
        "war_pension": "War Pension",
        "war_pension_caa": "War Pension Constant Attendance Allowance",
        "charitable": "Charitable or voluntary payments",
        "child_benefit": "Child Benefit, Child Tax Credit or Guardian's Allowance",
        "war_widows_pension": "War Widow's or Widower's pension",
        "savings_credit": "Pension Credit (Savings Credit)",
        "state_pension": "State Pension",
        "occupational_pension": "Occupational pension",
        "private_pension": "Private pension",
        "pension_credit_guarantee": "Pension Credit (Guarantee Credit)",
        "attendance_allowance": "Attendance Allowance",
        "dla_care": "Disability Living Allowance (care)",
        "pip_daily_living": "Personal Independence Payment (daily living)",
        "universal_credit": "Universal Credit",
        "esa": "Employment and Support Allowance",
        "income_support": "Income Support",
        "carers_allowance": "Carer's Allowance",
        "other": "Other income",
    }
)
"""Kinds of income, with their default labels."""

INCOME_TREATMENT: Mapping[str, str] = MappingProxyType(
    {
        **dict.fromkeys(
            (
                "earnings",
                "dla_mobility",
                "pip_mobility",
                "direct_payments",
                "armed_forces_gip",
                "war_pension",
                "charitable",
                "child_benefit",
            ),
            "disregarded",
        ),
        "war_widows_pension": "partly",
        "savings_credit": "partly",
        **dict.fromkeys(
            (
                "state_pension",
                "occupational_pension",
                "private_pension",
                "pension_credit_guarantee",
                "attendance_allowance",
                "dla_care",
                "pip_daily_living",
                "universal_credit",
                "esa",
                "income_support",
                "carers_allowance",
                "war_pension_caa",
                "other",
            ),
            "counted",
        ),
    }
)
"""How each kind of income is treated: ``disregarded``, ``partly`` or ``counted``."""

_DISABILITY_BENEFITS = frozenset({"attendance_allowance", "dla_care", "pip_daily_living"})
SPOUSE_HALF_KINDS = frozenset({"occupational_pension", "private_pension"})
"""Pensions half of which is disregarded when paid to a spouse or civil partner at home."""
_ALWAYS_FREE = {
    "aids": "Aids and community equipment are always free (reg 3).",
    "information_advice": "Information and advice can never be charged for.",
    "s117_aftercare": (
        "After-care under section 117 of the Mental Health Act 1983 is free: it cannot be "
        "charged for."
    ),
    "cjd": "Care and support for a person with Creutzfeldt-Jakob disease is free.",
}


# --- Money ----------------------------------------------------------------------------------


def format_pounds(pence: int) -> str:
    """Whole pence as pounds for people: 123456 -> ``£1,234.56``; -5 -> ``-£0.05``."""
    sign = "-" if pence < 0 else ""
    pounds, pennies = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{pennies:02d}"


def weekly_amount(amount_pence: int, frequency: str, *, joint: bool = False) -> int:
    """An income's weekly amount in pence, rounded once, halves up.

    Args:
        amount_pence: The amount paid each `frequency`.
        frequency: One of `FREQUENCIES`.
        joint: True when the income is paid jointly: the person's half is taken before
            the one rounding.

    Raises:
        ValidationError: An unknown frequency.
    """
    if frequency not in FREQUENCIES:
        raise ValidationError(
            f"'{frequency}' is not a way an income can be paid.",
            "Choose weekly, fortnightly, every 4 weeks, monthly or yearly.",
        )
    times, per = FREQUENCIES[frequency]
    if joint:
        per *= 2
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        weekly = Decimal(amount_pence * times) / Decimal(per)
        return int(weekly.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def tariff_income(capital_pence: int, lower: int, upper: int, step: int, per_step: int) -> int:
    """Weekly tariff income: `per_step` for every `step`, or part of one, above `lower`.

    Capital at or below `lower` gives none; capital above `upper` is counted only up to
    `upper` (the caller treats it as full cost). With the national figures: £14,250 -> £0,
    £14,250.01 -> £1, £14,500 -> £1, £14,500.01 -> £2, £23,250 -> £36.
    """
    if capital_pence <= lower:
        return 0
    excess = min(capital_pence, upper) - lower
    return -(-excess // step) * per_step


# --- Inputs ---------------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _need_pence(value: Any, what: str, *, optional: bool = False) -> None:
    if optional and value is None:
        return
    if not _is_int(value) or value < 0:
        raise ValidationError(
            f"The {what} must be an amount of money of £0.00 or more.",
            "Enter it in pounds and pence.",
        )


def _need_bool(value: Any, what: str) -> None:
    if not isinstance(value, bool):
        raise ValidationError(
            f"Answer yes or no to {what}.", "The charge cannot be worked out without it."
        )


def _need_choice(value: Any, allowed: Mapping[str, Any] | frozenset[str], what: str) -> None:
    if value not in allowed:
        options = ", ".join(sorted(allowed))
        raise ValidationError(
            f"'{value}' is not a {what} the charging rules know.",
            f"Choose one of: {options}.",
        )


def _need_date(value: Any, what: str, *, optional: bool = False) -> None:
    if optional and value is None:
        return
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError(f"Enter the {what} as a date.", "For example 6 April 2025.")


@dataclass(frozen=True)
class PersonCircumstances:
    """Who the charge is for, as the Minimum Income Guarantee needs them (reg 7)."""

    age: int
    """Age in whole years on the date the charge starts."""

    pension_age: bool = False
    """True at or above Pension Credit qualifying age. For a member of a couple: True when the
    person **or their partner** has reached it, as the couple amounts of the Minimum Income
    Guarantee turn on either member (reg 7)."""

    couple: bool = False
    """True for a member of a couple."""

    lone_parent: bool = False
    """True for a lone parent (not a member of a couple) responsible for a child."""

    dependent_children: int = 0
    """Children in the household the person is responsible for."""

    disability_premium: bool = False
    """Gets, or would get, the disability premium under income support rules."""

    enhanced_disability_premium: bool = False
    """Gets, or would get, the enhanced disability premium."""

    carer_premium: bool = False
    """Gets, or would get, the carer premium."""

    def __post_init__(self) -> None:
        if not _is_int(self.age) or self.age < 18 or self.age > 130:
            raise ValidationError(
                f"The person's age ({self.age}) must be 18 or over for adult care charging.",
                "Check the date of birth and the date the charge starts.",
            )
        if not _is_int(self.dependent_children) or self.dependent_children < 0:
            raise ValidationError(
                "The number of dependent children must be 0 or more.", "Enter a whole number."
            )
        for name in (
            "pension_age",
            "couple",
            "lone_parent",
            "disability_premium",
            "enhanced_disability_premium",
            "carer_premium",
        ):
            _need_bool(getattr(self, name), name.replace("_", " "))
        if self.couple and self.lone_parent:
            raise ValidationError(
                "A person cannot be both a member of a couple and a lone parent.",
                "Answer one of the two questions no.",
            )


@dataclass(frozen=True)
class Asset:
    """One item of capital and how much of it is the person's."""

    kind: str
    """One of `ASSET_KINDS`."""

    value_pence: int
    """The whole asset's value (for property, less any sale costs and debts secured on it)."""

    joint: bool = False
    """Owned with someone else; the share defaults to a half."""

    share_numerator: int | None = None
    """The person's share, top of the fraction; with `share_denominator`."""

    share_denominator: int | None = None
    """The person's share, bottom of the fraction."""

    disregard: str = "none"
    """One of `DISREGARD_REASONS`; the main-home rules apply whatever is chosen here."""

    label: str = ""
    """How the statement names it (defaults to the kind's label)."""

    disregard_reason: str = ""
    """With ``disregard="other"``: why it is not counted (e.g. a personal injury trust), as
    the assessor recorded it; shown on the statement line."""

    def __post_init__(self) -> None:
        _need_choice(self.kind, ASSET_KINDS, "kind of capital")
        if not isinstance(self.disregard_reason, str):
            raise ValidationError(
                f"The reason '{self.display_label}' is not counted must be text.",
                "Write the reason in words.",
            )
        _need_pence(self.value_pence, f"value of '{self.display_label}'")
        _need_bool(self.joint, "whether the asset is jointly owned")
        _need_choice(self.disregard, DISREGARD_REASONS, "reason to disregard capital")
        num, den = self.share_numerator, self.share_denominator
        if (num is None) != (den is None):
            raise ValidationError(
                f"Give both parts of the person's share of '{self.display_label}', or neither.",
                "For a half share enter 1 and 2.",
            )
        if num is not None and (
            not _is_int(num) or not _is_int(den) or den is None or not 0 < num <= den
        ):
            raise ValidationError(
                f"The person's share of '{self.display_label}' must be a fraction between "
                "nothing and all of it.",
                "For a half share enter 1 and 2; for a third, 1 and 3.",
            )
        main_home_reasons = {"main_home_care_at_home", "twelve_week"}
        if self.kind != "property_main_home" and self.disregard in main_home_reasons | {
            "occupied_by_partner_or_relative"
        }:
            raise ValidationError(
                f"'{self.display_label}' is not the main home, so it cannot be disregarded "
                "for that reason.",
                "Choose 'other' and record the reason, or choose 'none'.",
            )

    @property
    def display_label(self) -> str:
        """The label, or the kind's label when none was given."""
        return self.label.strip() or ASSET_KINDS.get(self.kind, self.kind)

    def share(self) -> tuple[int, int]:
        """The person's share as (numerator, denominator)."""
        if self.share_numerator is not None and self.share_denominator is not None:
            return self.share_numerator, self.share_denominator
        return (1, 2) if self.joint else (1, 1)

    def share_pence(self) -> int:
        """The person's share of the value, part pennies dropped."""
        num, den = self.share()
        return self.value_pence * num // den


@dataclass(frozen=True)
class Income:
    """One income the person receives."""

    kind: str
    """One of `INCOME_KINDS`."""

    amount_pence: int
    """The amount paid each `frequency`."""

    frequency: str = "weekly"
    """One of `FREQUENCIES`."""

    joint: bool = False
    """Paid jointly: the person's half counts."""

    label: str = ""
    """How the statement names it (defaults to the kind's label)."""

    half_to_spouse: bool = False
    """An occupational or private pension half of which is paid to a spouse or civil partner
    who still lives at home: in a care home (permanent or temporary) only half of it is
    counted. Ignored for care at home."""

    def __post_init__(self) -> None:
        _need_choice(self.kind, INCOME_KINDS, "kind of income")
        _need_pence(self.amount_pence, f"amount of '{self.display_label}'")
        _need_choice(self.frequency, FREQUENCIES, "way of paying an income")
        _need_bool(self.joint, "whether the income is paid jointly")
        _need_bool(
            self.half_to_spouse,
            "whether half of the pension is paid to a spouse or civil partner at home",
        )
        if self.half_to_spouse and self.kind not in SPOUSE_HALF_KINDS:
            raise ValidationError(
                f"'{self.display_label}' is not an occupational or private pension, so half of "
                "it cannot be disregarded for a spouse or civil partner at home.",
                "Answer no, or choose the kind of pension it is.",
            )

    @property
    def display_label(self) -> str:
        """The label, or the kind's label when none was given."""
        return self.label.strip() or INCOME_KINDS.get(self.kind, self.kind)

    def weekly_pence(self) -> int:
        """The person's weekly amount (see the module's rounding rule)."""
        return weekly_amount(self.amount_pence, self.frequency, joint=self.joint)


@dataclass(frozen=True)
class ChargingInputs:
    """Everything a charge is worked out from, apart from the rates table."""

    care_type: str
    """One of `CARE_TYPES`."""

    weekly_cost_of_care: int
    """The weekly cost of meeting the person's eligible needs, in pence: the charge cap."""

    effective_date: dt.date
    """The date the charge applies from; it picks the rates table."""

    person: PersonCircumstances
    """The person's circumstances for the Minimum Income Guarantee."""

    assets: tuple[Asset, ...] = ()
    """Every item of capital."""

    incomes: tuple[Income, ...] = ()
    """Every income."""

    notional_capital_pence: int | None = None
    """Capital the person is treated as having (deprivation), as the assessor recorded it."""

    first_admission: bool = False
    """Permanent care home: this is the person's first permanent admission."""

    first_permanent_admission_date: dt.date | None = None
    """Permanent care home: the date of that first permanent admission."""

    free_service: str | None = None
    """One of `FREE_SERVICES` when the service may be free by regulation."""

    service_start_date: dt.date | None = None
    """When reablement or intermediate care started."""

    charge_after_free_weeks: bool = False
    """Reablement or intermediate care: the council has recorded a decision to charge for it
    once the free weeks end (from week 7). Without one it stays free (FC-02)."""

    charge_decision_date: dt.date | None = None
    """The date of that decision; no charge starts before it."""

    adaptation_cost: int | None = None
    """The cost of a minor adaptation, in pence."""

    assessment_kind: str = "full"
    """``full`` or ``light_touch``."""

    light_touch_basis: str | None = None
    """For a light-touch assessment: one of `LIGHT_TOUCH_BASES`."""

    light_touch_no_contribution: bool = False
    """Light-touch, clearly under: the council's evidence (e.g. means-tested benefits) shows
    the person cannot contribute."""

    agreed_weekly_charge: int | None = None
    """Light-touch, clearly under, otherwise: the weekly charge agreed, in pence."""

    housing_costs_weekly: int = 0
    """Weekly rent, mortgage, council tax and service charges net of benefits, in pence."""

    dre_items: tuple[tuple[str, int], ...] = ()
    """Disability-related expenditure as (label, weekly pence) pairs."""

    use_standard_dre: bool = False
    """Use the authority's standard DRE allowance instead of itemised expenditure."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "assets", tuple(self.assets))
        object.__setattr__(self, "incomes", tuple(self.incomes))
        object.__setattr__(self, "dre_items", tuple(tuple(i) for i in self.dre_items))
        _need_choice(self.care_type, CARE_TYPES, "type of care")
        _need_pence(self.weekly_cost_of_care, "weekly cost of care")
        _need_date(self.effective_date, "date the charge starts")
        if not isinstance(self.person, PersonCircumstances):
            raise ValidationError(
                "The person's circumstances are missing.",
                "Fill in their age and household before working out a charge.",
            )
        for asset in self.assets:
            if not isinstance(asset, Asset):
                raise ValidationError(
                    "An item of capital is not filled in properly.",
                    "Check each item of capital has a kind and a value.",
                )
        for income in self.incomes:
            if not isinstance(income, Income):
                raise ValidationError(
                    "An income is not filled in properly.",
                    "Check each income has a kind, an amount and how often it is paid.",
                )
        _need_pence(self.notional_capital_pence, "notional capital", optional=True)
        _need_bool(self.first_admission, "whether this is the first permanent admission")
        _need_date(
            self.first_permanent_admission_date, "first permanent admission date", optional=True
        )
        if self.free_service is not None:
            _need_choice(self.free_service, FREE_SERVICES, "free service")
        _need_date(self.service_start_date, "date the service started", optional=True)
        _need_bool(self.charge_after_free_weeks, "whether the council decided to charge")
        _need_date(self.charge_decision_date, "date of the decision to charge", optional=True)
        _need_pence(self.adaptation_cost, "cost of the adaptation", optional=True)
        _need_choice(self.assessment_kind, _ASSESSMENT_KINDS, "kind of financial assessment")
        if self.light_touch_basis is not None:
            _need_choice(self.light_touch_basis, LIGHT_TOUCH_BASES, "light-touch basis")
        _need_bool(self.light_touch_no_contribution, "whether the evidence shows no contribution")
        _need_pence(self.agreed_weekly_charge, "agreed weekly charge", optional=True)
        _need_pence(self.housing_costs_weekly, "weekly housing costs")
        for item in self.dre_items:
            if len(item) != 2 or not isinstance(item[0], str):
                raise ValidationError(
                    "Each disability-related expense needs a description and a weekly amount.",
                    "Fill in both, or remove the expense.",
                )
            _need_pence(item[1], f"weekly amount of '{item[0]}'")
        _need_bool(self.use_standard_dre, "whether to use the standard DRE allowance")
        if self.use_standard_dre and self.dre_items:
            raise ValidationError(
                "Both the standard disability-related expenditure allowance and itemised "
                "expenses were entered.",
                "Use one or the other, so nothing is allowed twice.",
            )
        if self.first_admission and self.first_permanent_admission_date is None:
            raise ValidationError(
                "Enter the date of the first permanent admission to a care home.",
                "The 12-week property disregard runs from that date.",
            )


# --- Result ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One line of the statement the person receives."""

    label: str
    """What the line is, e.g. "Tariff income"."""

    pence: int | None
    """The weekly (or capital) amount; None for a line that is only words."""

    note: str = ""
    """How it was worked out, or why it is (not) counted."""

    to_you: str | None = None
    """The note as the person reads it in their statement ("your capital", "you pay"); None
    when it reads the same to them (it names nobody)."""

    def text(self) -> str:
        """The line as one sentence-like row: ``Tariff income: £6.00 (...)``."""
        return self._row(self.note)

    def text_to_you(self) -> str:
        """The line as the person's statement prints it."""
        return self._row(self.note_to_you)

    @property
    def note_to_you(self) -> str:
        """The note in the person's words."""
        return self.note if self.to_you is None else self.to_you

    def _row(self, note_text: str) -> str:
        amount = f": {format_pounds(self.pence)}" if self.pence is not None else ""
        note = f" ({note_text})" if note_text and self.pence is not None else ""
        words = f": {note_text}" if note_text and self.pence is None else ""
        return f"{self.label}{amount}{note}{words}"


@dataclass(frozen=True)
class _Said:
    """A note written twice: for staff ("the person's capital") and for the person ("your")."""

    staff: str
    you: str


@dataclass(frozen=True)
class ChargeResult:
    """A worked-out charge, with the statement and exactly which figures it came from."""

    outcome: str
    """A `ChargeOutcome` value."""

    weekly_charge_pence: int
    """What the person pays a week: never below 0 or above the cost of care. 0 when the
    outcome is ``incomplete``, which must not be told to the person as a charge."""

    lines: tuple[Line, ...]
    """The statement, in order: capital, tariff, each income, MIG or PEA, housing, DRE,
    total, cap at cost."""

    table_id: str
    """The rates table used."""

    table_version: int
    """Its version."""

    table_sha256: str
    """SHA-256 of its file, so the same pennies can be reproduced later."""

    warnings: tuple[str, ...] = ()
    """Things for staff to check before telling the person (one per unconfirmed figure used,
    and why a charge could not be worked out). Never part of the statement `lines`."""

    overrides_used: tuple[str, ...] = ()
    """Names of the figures taken from the authority override."""

    override_sha256: str | None = None
    """SHA-256 of the authority override file, when one was used."""

    def statement(self) -> str:
        """The lines as plain text, one a row."""
        return "\n".join(line.text() for line in self.lines)


# --- Working it out -------------------------------------------------------------------------


class _Rates:
    """Figure look-ups for one charge, remembering which were used and which overridden."""

    def __init__(
        self, table: RatesTable, override: AuthorityOverride | None, care_type: str
    ) -> None:
        self.table = table
        self.override = override
        self.care_type = care_type
        self.used: dict[str, None] = {}
        self.overridden: dict[str, None] = {}

    def _override_value(self, name: str) -> int | None:
        if self.override is None:
            return None
        figure = self.override.figures.get(name)
        if figure is None:
            return None
        if name in HOME_ONLY_OVERRIDES and self.care_type != "home":
            return None
        return figure.value

    def _national_wins(self, name: str) -> bool:
        """True when the override sets `name` but a later national figure is higher.

        The higher national figure then applies instead of the local one.
        """
        local = self._override_value(name)
        national = self.table.figures.get(name)
        return local is not None and national is not None and national.value > local

    def is_overridden(self, name: str) -> bool:
        return self._override_value(name) is not None and not self._national_wins(name)

    def value(self, name: str) -> int:
        """The figure used: the higher of the national and the authority's own figure."""
        local = self._override_value(name)
        if local is not None and not self._national_wins(name):
            self.overridden[name] = None
            return local
        self.used[name] = None
        return self.table.figures[name].value

    def money(self, name: str) -> str:
        return format_pounds(self.value(name))

    def note(self, name: str) -> str:
        """Words saying a figure is the authority's own, if it is."""
        local = self._override_value(name)
        if local is None or self.override is None:
            return ""
        national = self.table.figures.get(name)
        if self._national_wins(name):
            return (
                "national figure applies: it is higher than the local one "
                f"({self.override.authority}'s {format_pounds(local)})"
            )
        than = f"; the national figure is {format_pounds(national.value)}" if national else ""
        return f"{self.override.authority}'s own figure{than}"

    def warnings(self) -> list[str]:
        found = []
        for name in self.used:
            figure = self.table.figures[name]
            if figure.confirmed:
                continue
            amount = (
                format_pounds(figure.value)
                if figure.unit == "pence"
                else f"{figure.value} {figure.unit}"
            )
            found.append(
                f"The figure '{FIGURE_LABELS.get(name, name)}' ({amount}) in table "
                f"{self.table.id} version {self.table.version} is not confirmed; check it "
                "before telling the person."
            )
        return found


class _Statement:
    """The lines and extra warnings of one charge as they are worked out."""

    def __init__(self, inputs: ChargingInputs) -> None:
        self.inputs = inputs
        self.lines: list[Line] = []
        self.warnings: list[str] = []

    def add(self, label: str, pence: int | None, note: str | _Said = "") -> None:
        if isinstance(note, _Said):
            self.lines.append(Line(label, pence, note.staff, note.you))
        else:
            self.lines.append(Line(label, pence, note))


def _joined(parts: Sequence[str | _Said]) -> str | _Said:
    staff = "; ".join(p.staff if isinstance(p, _Said) else p for p in parts if p)
    if not any(isinstance(p, _Said) for p in parts):
        return staff
    return _Said(staff, "; ".join(p.you if isinstance(p, _Said) else p for p in parts if p))


def _check_rates(
    inputs: ChargingInputs, table: RatesTable, override: AuthorityOverride | None
) -> None:
    missing = sorted(REQUIRED_FIGURES - set(table.figures))
    problems = [f"{table.describe()}: figures.{name}: missing" for name in missing]
    for name, body in table.policies.items():
        if body.get("enabled") and name not in IMPLEMENTED_POLICIES:
            problems.append(
                f"{table.describe()}: policies.{name}: switches on a policy this version of "
                "the app does not implement"
            )
    if problems:
        raise RatesTableError(problems)
    if not table.covers(inputs.effective_date):
        raise ValidationError(
            f"The rates table {table.describe()} covers {long_date(table.effective_from)} to "
            f"{long_date(table.effective_to)}, not {long_date(inputs.effective_date)}.",
            "Use the table for the date the charge starts.",
        )
    if override is not None:
        if override.applies_from > inputs.effective_date:
            raise ValidationError(
                f"{override.authority}'s figures apply from {long_date(override.applies_from)}, "
                f"after {long_date(inputs.effective_date)}.",
                "Use the figures in force on the date the charge starts.",
            )
        # Checked strictly only against the table in force when the override started; a later
        # national rise above a local figure is not a fault: the higher figure applies.
        problems = override.problems_against(table) if table.covers(override.applies_from) else []
        if not problems and inputs.care_type == "home":
            lower, upper = (
                max(table.figures[name].value, _local_or_zero(override, name))
                for name in ("lower_capital_limit", "upper_capital_limit")
            )
            if lower >= upper:
                label = override.source_path.name if override.source_path else override.authority
                problems = [
                    f"{label}: figures.lower_capital_limit: {format_pounds(lower)} must be below "
                    f"the upper capital limit ({format_pounds(upper)}) in rates table "
                    f"{table.describe()}"
                ]
        if problems:
            raise RatesTableError(
                problems,
                "Ask your finance team for a corrected, signed-off override file, or remove it "
                "to use the national figures.",
            )


def _local_or_zero(override: AuthorityOverride, name: str) -> int:
    figure = override.figures.get(name)
    return figure.value if figure is not None else 0


def calculate_charge(
    inputs: ChargingInputs,
    table: RatesTable,
    override: AuthorityOverride | None = None,
) -> ChargeResult:
    """Work out the weekly charge for `inputs` with the figures of `table`.

    Args:
        inputs: The person's circumstances, resources and care.
        table: The rates table covering `inputs.effective_date` (`RatesRegistry.for_date`),
            or an older one fetched by id and version to reproduce an earlier charge.
        override: The authority's signed-off figures in force on that date, if any
            (`RatesRegistry.override_for`).

    Returns:
        The charge, its statement lines, the table it used and any warnings.

    Raises:
        ValidationError: The table does not cover the date, or the override does not yet apply.
        RatesTableError: The table lacks figures or enables an unimplemented policy, or the
            override is less generous than the table in force on the date it applies from.
            A later table's higher national figure is used instead of a lower local one.
    """
    _check_rates(inputs, table, override)
    rates = _Rates(table, override, inputs.care_type)
    out = _Statement(inputs)
    outcome, charge = _work_out(inputs, rates, out)
    return ChargeResult(
        outcome=str(outcome),
        weekly_charge_pence=charge,
        lines=tuple(out.lines),
        table_id=table.id,
        table_version=table.version,
        table_sha256=table.sha256,
        warnings=tuple(rates.warnings() + out.warnings),
        overrides_used=tuple(rates.overridden),
        override_sha256=override.sha256 if override is not None and rates.overridden else None,
    )


def _work_out(inputs: ChargingInputs, rates: _Rates, out: _Statement) -> tuple[ChargeOutcome, int]:
    free = _free_service(inputs, rates, out)
    if free:
        out.add("Weekly charge", 0, "nothing to pay for this service")
        return ChargeOutcome.FREE, 0
    if inputs.assessment_kind == "light_touch":
        return _light_touch(inputs, out)
    return _full_assessment(inputs, rates, out)


def _free_service(inputs: ChargingInputs, rates: _Rates, out: _Statement) -> bool:
    service = inputs.free_service
    if service is None:
        return False
    if service in _ALWAYS_FREE:
        out.add("Free service", None, _ALWAYS_FREE[service])
        return True
    if service == "minor_adaptation":
        if inputs.adaptation_cost is None:
            raise ValidationError(
                "Enter the cost of the adaptation.",
                "A minor adaptation is free when it costs no more than the limit.",
            )
        limit = rates.value("minor_adaptation_limit")
        cost = format_pounds(inputs.adaptation_cost)
        if inputs.adaptation_cost <= limit:
            out.add(
                "Free service",
                None,
                f"The adaptation costs {cost}, no more than the {format_pounds(limit)} limit "
                "for a minor adaptation, so it is free (reg 3).",
            )
            return True
        out.add(
            "Adaptation",
            None,
            f"The adaptation costs {cost}, more than the {format_pounds(limit)} limit for a "
            "minor adaptation, so it is not free by regulation and the usual charging rules "
            "apply.",
        )
        return False
    # Reablement and intermediate care: free for the first weeks from the start.
    if inputs.service_start_date is None:
        raise ValidationError(
            f"Enter the date {FREE_SERVICES[service]} started.",
            "It is free for the first weeks from that date.",
        )
    weeks = rates.value("free_intermediate_care_weeks")
    start = inputs.service_start_date
    ends = start + dt.timedelta(weeks=weeks)
    what = FREE_SERVICES[service].capitalize()
    last_day = long_date(ends - dt.timedelta(days=1))
    if inputs.effective_date < ends:
        out.add(
            "Free service",
            None,
            f"{what} started on {long_date(start)} and is free for the first {weeks} weeks, up "
            f"to and including {last_day} (reg 3).",
        )
        return True
    # After the free weeks it stays free until the council records a decision to charge, and
    # no charge starts before the date of that decision (FC-02).
    ended = f"{what} started on {long_date(start)}; the free {weeks} weeks ended on {last_day}."
    week = weeks + 1
    if not inputs.charge_after_free_weeks:
        out.add(
            "Free service",
            None,
            f"{ended} The council has not recorded a decision to charge for it from week "
            f"{week}, so it stays free.",
        )
        return True
    decided = inputs.charge_decision_date
    if decided is None:
        raise ValidationError(
            f"Enter the date the council decided to charge for {FREE_SERVICES[service]} from "
            f"week {week}.",
            "No charge can start before that decision; until then the service stays free.",
        )
    if inputs.effective_date < decided:
        out.add(
            "Free service",
            None,
            f"{ended} The council decided on {long_date(decided)} to charge for it from week "
            f"{week}; no charge starts before that decision, so it is free on "
            f"{long_date(inputs.effective_date)}.",
        )
        return True
    out.add(
        "Free period ended",
        None,
        f"{ended} The council decided on {long_date(decided)} to charge for it from week "
        f"{week}, so the usual charging rules apply.",
    )
    return False


def _light_touch(inputs: ChargingInputs, out: _Statement) -> tuple[ChargeOutcome, int]:
    basis = inputs.light_touch_basis
    cost = inputs.weekly_cost_of_care
    full_assessment = Line(
        "Full assessment",
        None,
        "The person can ask for a full financial assessment at any time.",
        "You can ask for a full financial assessment at any time.",
    )
    if basis is None:
        raise ValidationError(
            "Record why a light-touch financial assessment was used.",
            "Choose refused, clearly over the upper limit or clearly under it.",
        )
    if basis in ("refused", "clearly_over"):
        why = (
            _Said(
                "The person refused a financial assessment, so they are treated as having "
                "resources over the upper limit (reg 10).",
                "You refused a financial assessment, so you are treated as having resources "
                "over the upper limit (reg 10).",
            )
            if basis == "refused"
            else _Said(
                "With the person's consent, the council is satisfied from the evidence seen "
                "that their resources are over the upper limit, so they are treated as having "
                "resources over the upper limit (reg 10).",
                "With your consent, the council is satisfied from the evidence seen that your "
                "resources are over the upper limit, so you are treated as having resources "
                "over the upper limit (reg 10).",
            )
        )
        out.add("Light-touch financial assessment", None, why)
        out.lines.append(full_assessment)
        out.add("Weekly cost of care", cost)
        out.add("Weekly charge", cost, "the full cost of the care")
        return ChargeOutcome.FULL_COST, cost
    out.add(
        "Light-touch financial assessment",
        None,
        _Said(
            "With the person's consent, the council is satisfied from the evidence seen that "
            "their resources are under the upper limit (reg 10).",
            "With your consent, the council is satisfied from the evidence seen that your "
            "resources are under the upper limit (reg 10).",
        ),
    )
    if inputs.light_touch_no_contribution:
        out.add(
            "Evidence",
            None,
            _Said(
                "The council's evidence (such as means-tested benefits) shows the person cannot "
                "contribute.",
                "The council's evidence (such as means-tested benefits) shows you cannot "
                "contribute.",
            ),
        )
        out.lines.append(full_assessment)
        out.add("Weekly charge", 0, "no contribution")
        return ChargeOutcome.NO_CONTRIBUTION, 0
    agreed = inputs.agreed_weekly_charge
    if agreed is None:
        raise ValidationError(
            "Enter the weekly charge agreed with the person, or record that the evidence shows "
            "they cannot contribute.",
            "A light-touch assessment under the limit needs one or the other.",
        )
    out.add(
        "Agreed weekly charge",
        agreed,
        _Said("a charge the person can clearly afford", "a charge you can clearly afford"),
    )
    out.lines.append(full_assessment)
    out.add("Weekly cost of care", cost)
    charge = min(agreed, cost)
    out.add("Weekly charge", charge, _cap_note(agreed, cost))
    return ChargeOutcome.AGREED_CHARGE, charge


def _cap_note(worked_out: int, cost: int) -> str:
    if worked_out == 0:
        return "nothing to pay"
    if worked_out > cost:
        return (
            f"the {format_pounds(worked_out)} worked out is more than the cost of the care, so "
            "the charge is the cost of the care"
        )
    return "no more than the cost of the care"


@dataclass
class _Capital:
    total: int = 0
    main_home_counted: int = 0
    owns_main_home: bool = False
    main_home_disregarded: bool = False
    disregard_ends: dt.date | None = None


def _main_home_treatment(
    inputs: ChargingInputs, asset: Asset, rates: _Rates
) -> tuple[bool, str | _Said, dt.date | None]:
    """(disregarded, why, end of a 12-week disregard) for a main home."""
    care = inputs.care_type
    if care == "home":
        return (
            True,
            _Said(
                "not counted: the home the person lives in is never counted for care at home",
                "not counted: the home you live in is never counted for care at home",
            ),
            None,
        )
    if care == "temporary_care_home":
        return (
            True,
            _Said(
                "not counted: the person's stay in the care home is temporary",
                "not counted: your stay in the care home is temporary",
            ),
            None,
        )
    if asset.disregard == "occupied_by_partner_or_relative":
        return (
            True,
            _Said(
                "not counted: lived in by the person's partner or a qualifying relative",
                "not counted: lived in by your partner or a qualifying relative",
            ),
            None,
        )
    if asset.disregard == "other":
        return True, _other_reason(asset), None
    if inputs.first_admission and inputs.first_permanent_admission_date is not None:
        weeks = rates.value("property_disregard_weeks")
        ends = inputs.first_permanent_admission_date + dt.timedelta(weeks=weeks)
        last_day = long_date(ends - dt.timedelta(days=1))
        if inputs.effective_date < ends:
            return (
                True,
                f"not counted: the {weeks}-week property disregard from the first permanent "
                f"admission runs up to and including {last_day}",
                ends,
            )
        return False, f"counted: the {weeks}-week property disregard ended on {last_day}", None
    if asset.disregard == "twelve_week":
        return (
            False,
            "counted: the 12-week property disregard applies only from a first permanent admission",
            None,
        )
    return False, "counted", None


def _other_reason(asset: Asset) -> str:
    reason = asset.disregard_reason.strip()
    if reason:
        return f"not counted, for another reason: {reason}"
    return "not counted: disregarded for the reason recorded"


def _capital(inputs: ChargingInputs, rates: _Rates, out: _Statement) -> _Capital:
    cap = _Capital()
    for asset in inputs.assets:
        share = asset.share_pence()
        num, den = asset.share()
        parts: list[str | _Said] = []
        if (num, den) != (1, 1):
            parts.append(f"{num}/{den} share of {format_pounds(asset.value_pence)}")
        if asset.kind == "property_main_home":
            disregarded, why, ends = _main_home_treatment(inputs, asset, rates)
            if share > 0:
                cap.owns_main_home = True
            if disregarded:
                cap.main_home_disregarded = cap.main_home_disregarded or share > 0
                cap.disregard_ends = ends or cap.disregard_ends
            else:
                cap.main_home_counted += share
        elif asset.disregard == "other":
            disregarded, why = True, _other_reason(asset)
        else:
            disregarded, why = False, "counted"
        parts.append(why)
        if not disregarded:
            cap.total += share
        out.add(f"Capital: {asset.display_label}", share, _joined(parts))
    if inputs.notional_capital_pence is not None:
        cap.total += inputs.notional_capital_pence
        out.add(
            "Notional capital",
            inputs.notional_capital_pence,
            _Said(
                "counted: capital the person is treated as still having, as the assessor recorded",
                "counted: capital you are treated as still having, as the assessor recorded",
            ),
        )
    return cap


def _full_assessment(
    inputs: ChargingInputs, rates: _Rates, out: _Statement
) -> tuple[ChargeOutcome, int]:
    cost = inputs.weekly_cost_of_care
    home = inputs.care_type == "home"
    cap = _capital(inputs, rates, out)
    upper = rates.value("upper_capital_limit")
    lower = rates.value("lower_capital_limit")
    limits = f"lower limit {format_pounds(lower)}, upper limit {format_pounds(upper)}"
    for name, which in (("lower_capital_limit", "lower"), ("upper_capital_limit", "upper")):
        if rates.note(name):
            limits += f"; the {which} limit for care at home is {rates.note(name)}"
    out.add("Total capital counted", cap.total, limits)

    if cap.total > upper:
        return _over_upper_limit(inputs, cap, rates, out)

    tariff = 0
    if cap.total <= lower:
        out.add("Tariff income", 0, "capital is not above the lower limit, so none")
    else:
        step, per_step = rates.value("tariff_step"), rates.value("tariff_per_step")
        tariff = tariff_income(cap.total, lower, upper, step, per_step)
        out.add(
            "Tariff income",
            tariff,
            f"{format_pounds(per_step)} a week for every {format_pounds(step)}, or part of "
            f"{format_pounds(step)}, of the {format_pounds(cap.total - lower)} above the lower "
            "limit",
        )

    counted_income = _incomes(inputs, rates, out)
    assessable = counted_income + tariff
    out.add("Total weekly income assessed", assessable, "counted income plus tariff income")

    deductions = 0
    if home:
        mig = _minimum_income_guarantee(inputs.person, rates)
        out.add("Less Minimum Income Guarantee", mig[0], mig[1])
        deductions += mig[0]
    else:
        pea = rates.value("personal_expenses_allowance")
        out.add(
            "Less Personal Expenses Allowance",
            pea,
            _joined(
                [
                    "the amount a care home resident keeps each week",
                    rates.note("personal_expenses_allowance"),
                ]
            ),
        )
        deductions += pea
    deductions += _housing(inputs, out)
    dre = _dre(inputs, rates, counted_income, out)
    if dre is None:
        out.add(
            "Weekly charge",
            None,
            _Said(
                "not worked out: see disability-related expenditure above; tell the person no "
                "figure yet",
                "not worked out yet",
            ),
        )
        return ChargeOutcome.INCOMPLETE, 0
    deductions += dre

    available = assessable - deductions
    if available < 0:
        out.add(
            "Amount available towards care",
            0,
            f"the allowances are {format_pounds(-available)} more than the income assessed, so "
            "there is nothing to pay",
        )
    else:
        out.add("Amount available towards care", available, "income assessed less allowances")
    worked_out = max(0, available)
    charge = min(cost, worked_out)
    out.add("Weekly cost of care", cost)
    out.add("Weekly charge", charge, _cap_note(worked_out, cost))
    if cap.disregard_ends is not None and inputs.care_type == "permanent_care_home":
        out.add(
            "When the property disregard ends",
            None,
            _Said(
                f"From {long_date(cap.disregard_ends)} the home's value counts as capital. If "
                "the person's other capital is then no more than the upper limit, the council "
                "must offer a deferred payment agreement: talk about it now.",
                f"From {long_date(cap.disregard_ends)} the home's value counts as capital. If "
                "your other capital is then no more than the upper limit, you can ask us for a "
                "deferred payment agreement.",
            ),
        )
    return ChargeOutcome.MEANS_TESTED, charge


def _over_upper_limit(
    inputs: ChargingInputs, cap: _Capital, rates: _Rates, out: _Statement
) -> tuple[ChargeOutcome, int]:
    cost = inputs.weekly_cost_of_care
    upper = rates.value("upper_capital_limit")
    out.add(
        "Capital above the upper limit",
        cap.total - upper,
        _Said(
            f"capital of {format_pounds(cap.total)} is more than the {format_pounds(upper)} "
            "upper limit, so the person pays the full cost of the care",
            f"capital of {format_pounds(cap.total)} is more than the {format_pounds(upper)} "
            "upper limit, so you pay the full cost of the care",
        ),
    )
    outcome = ChargeOutcome.FULL_COST
    if (
        inputs.care_type == "permanent_care_home"
        and cap.owns_main_home
        and not cap.main_home_disregarded
        and cap.total - cap.main_home_counted <= upper
    ):
        outcome = ChargeOutcome.FULL_COST_DPA_OFFER
        other = format_pounds(cap.total - cap.main_home_counted)
        for label, note in (
            (
                "Deferred payment agreement",
                _Said(
                    f"The person's capital other than their home is {other}, no more than the "
                    "upper limit, so the council must offer a deferred payment agreement (Care "
                    "Act 2014 ss34-36).",
                    f"Your capital other than your home is {other}, no more than the upper "
                    "limit, so you can ask us for a deferred payment agreement (Care Act 2014 "
                    "ss34-36).",
                ),
            ),
            (
                "What it means",
                _Said(
                    "The council pays the care home fees and the person pays back later, so "
                    "the home need not be sold during their lifetime.",
                    "The council pays the care home fees and you pay back later, so the home "
                    "need not be sold during your lifetime.",
                ),
            ),
            (
                "What it costs",
                _Said(
                    "The deferred amount is a loan, not written off: it is repaid when the home "
                    "is sold or from the person's estate. The council may charge interest and "
                    "an administration fee.",
                    "The deferred amount is a loan, not written off: it is repaid when the home "
                    "is sold or from your estate. The council may charge interest and an "
                    "administration fee.",
                ),
            ),
            (
                "What it needs",
                _Said(
                    "Adequate security for the loan, usually a legal charge on the home. The "
                    "person may keep part of their income each week (the disposable income "
                    "allowance).",
                    "Adequate security for the loan, usually a legal charge on the home. You "
                    "may keep part of your income each week (the disposable income allowance).",
                ),
            ),
        ):
            out.add(label, None, note)
        from_income = _dpa_income_contribution(inputs, cap, rates, out)
        deferred = cost - from_income
        out.add("Weekly cost of care", cost)
        out.add(
            "Paid from income now",
            from_income,
            "a week: counted income plus tariff income on the capital other than the home, "
            "less the Personal Expenses Allowance",
        )
        out.add(
            "Can be deferred under a deferred payment agreement",
            deferred,
            _Said(
                "a week: the rest of the cost, which the council pays and the person repays "
                "later if they agree to a deferred payment",
                "a week: the rest of the cost, which the council pays and you repay later if "
                "you agree to a deferred payment",
            ),
        )
        out.add(
            "Weekly charge",
            cost,
            f"the full cost of the care is what is owed each week: {format_pounds(from_income)} "
            f"paid from income now and {format_pounds(deferred)} that can be deferred",
        )
        return outcome, cost
    out.add("Weekly cost of care", cost)
    out.add("Weekly charge", cost, "the full cost of the care")
    return outcome, cost


def _dpa_income_contribution(
    inputs: ChargingInputs, cap: _Capital, rates: _Rates, out: _Statement
) -> int:
    """What a deferred payment case pays from income now, as for a resident under the limit.

    Counted income plus tariff income on the capital other than the home, less the Personal
    Expenses Allowance; never below £0 nor above the cost of care.
    """
    cost = inputs.weekly_cost_of_care
    other = cap.total - cap.main_home_counted
    lower = rates.value("lower_capital_limit")
    upper = rates.value("upper_capital_limit")
    if other <= lower:
        tariff = 0
        out.add(
            "Tariff income on capital other than the home",
            0,
            f"capital other than the home ({format_pounds(other)}) is not above the lower "
            "limit, so none",
        )
    else:
        step, per_step = rates.value("tariff_step"), rates.value("tariff_per_step")
        tariff = tariff_income(other, lower, upper, step, per_step)
        out.add(
            "Tariff income on capital other than the home",
            tariff,
            f"{format_pounds(per_step)} a week for every {format_pounds(step)}, or part of "
            f"{format_pounds(step)}, of the {format_pounds(other - lower)} above the lower "
            "limit",
        )
    counted_income = _incomes(inputs, rates, out)
    assessable = counted_income + tariff
    out.add("Total weekly income assessed", assessable, "counted income plus tariff income")
    pea = rates.value("personal_expenses_allowance")
    out.add(
        "Less Personal Expenses Allowance",
        pea,
        _joined(
            [
                "the amount a care home resident keeps each week",
                rates.note("personal_expenses_allowance"),
            ]
        ),
    )
    return min(cost, max(0, assessable - pea))


def _incomes(inputs: ChargingInputs, rates: _Rates, out: _Statement) -> int:
    temporary = inputs.care_type == "temporary_care_home"
    left: dict[str, int] = {}
    total = 0
    for income in inputs.incomes:
        weekly = income.weekly_pence()
        parts = []
        if income.frequency != "weekly" or income.joint:
            parts.append(
                f"{format_pounds(income.amount_pence)} {_FREQUENCY_WORDS[income.frequency]}"
                + (" paid jointly, half of it" if income.joint else "")
                + f" is {format_pounds(weekly)} a week"
            )
        treatment = INCOME_TREATMENT[income.kind]
        if temporary and income.kind in _DISABILITY_BENEFITS:
            treatment = "disregarded"
            parts.append(
                "disregarded in full for a temporary care home stay (statutory guidance Annex F)"
            )
            counted = 0
        elif treatment == "disregarded":
            counted = 0
            parts.append("disregarded in full")
        elif treatment == "partly":
            name = (
                "war_widow_pension_disregard"
                if income.kind == "war_widows_pension"
                else (
                    "savings_credit_disregard_couple"
                    if inputs.person.couple
                    else "savings_credit_disregard_single"
                )
            )
            if income.kind not in left:
                left[income.kind] = rates.value(name)
            ignored = min(weekly, left[income.kind])
            left[income.kind] -= ignored
            counted = weekly - ignored
            parts.append(
                f"{format_pounds(ignored)} disregarded (up to {rates.money(name)} a week in "
                f"all), {format_pounds(counted)} counted"
            )
        elif (
            income.half_to_spouse
            and income.kind in SPOUSE_HALF_KINDS
            and inputs.care_type != "home"
        ):
            counted = _half_up(weekly)
            if not parts:
                parts.append(f"{format_pounds(weekly)} a week")
            parts.append("half disregarded because it is paid to a spouse or civil partner at home")
        else:
            counted = weekly
            parts.append("counted in full")
        total += counted
        out.add(f"Income: {income.display_label}", counted, _joined(parts))
    return total


def _half_up(pence: int) -> int:
    """Half of a whole-penny amount of 0 or more, halves rounded up: 10001 -> 5001."""
    return (pence + 1) // 2


def _minimum_income_guarantee(person: PersonCircumstances, rates: _Rates) -> tuple[int, str]:
    if person.couple:
        name = "mig_couple_pension_age" if person.pension_age else "mig_couple_18_plus"
    elif person.pension_age:
        name = "mig_single_pension_age"
    elif person.lone_parent:
        name = "mig_lone_parent"
    elif person.age <= 24:
        name = "mig_single_18_24"
    else:
        name = "mig_single_25_to_pension_age"
    total = rates.value(name)
    parts = [_mig_part(FIGURE_LABELS[name][len("Minimum Income Guarantee, ") :], name, rates)]
    if person.dependent_children:
        child = rates.value("mig_dependent_child")
        total += child * person.dependent_children
        count = person.dependent_children
        noun = "dependent child" if count == 1 else "dependent children"
        parts.append(_mig_part(f"{count} {noun} at", "mig_dependent_child", rates))
    suffix = "couple" if person.couple else "single"
    for wanted, base in (
        (person.disability_premium, "mig_disability_premium"),
        (person.enhanced_disability_premium, "mig_enhanced_disability_premium"),
        (person.carer_premium, "mig_carer_premium"),
    ):
        if not wanted:
            continue
        premium = base if base == "mig_carer_premium" else f"{base}_{suffix}"
        total += rates.value(premium)
        parts.append(_mig_part(FIGURE_LABELS[premium], premium, rates))
    return total, parts[0] + "".join(f", plus {p}" for p in parts[1:])


def _mig_part(words: str, name: str, rates: _Rates) -> str:
    local = rates.note(name)
    return f"{words} {rates.money(name)}" + (f" ({local})" if local else "")


def _housing(inputs: ChargingInputs, out: _Statement) -> int:
    housing = inputs.housing_costs_weekly
    if inputs.care_type == "home":
        out.add(
            "Less housing costs",
            housing,
            "rent, mortgage, council tax and service charges, less any benefits towards them",
        )
        return housing
    if inputs.care_type == "temporary_care_home":
        if housing:
            out.add(
                "Less housing costs",
                housing,
                "the costs of keeping the home during a temporary stay (statutory guidance "
                "Annex F)",
            )
        return housing
    if housing:
        out.add(
            "Housing costs",
            None,
            f"{format_pounds(housing)} a week was entered but is not taken off for a permanent "
            "care home resident",
        )
    return 0


def _dre(inputs: ChargingInputs, rates: _Rates, counted_income: int, out: _Statement) -> int | None:
    """Disability-related expenditure taken off (care at home only); None if it cannot be."""
    if inputs.care_type != "home":
        if inputs.dre_items or inputs.use_standard_dre:
            out.add(
                "Disability-related expenditure",
                None,
                "not taken off for a care home resident",
            )
        return 0
    if inputs.use_standard_dre:
        if not rates.is_overridden("standard_dre_allowance"):
            message = (
                "The standard allowance was chosen, but no signed-off authority override "
                "provides one: enter the person's actual expenses instead, or ask the finance "
                "team for the standard allowance."
            )
            out.add(
                "Less disability-related expenditure", None, _Said(message, "not worked out yet")
            )
            out.warnings.append("No charge was worked out. " + message)
            return None
        amount = rates.value("standard_dre_allowance")
        out.add(
            "Less disability-related expenditure",
            amount,
            _joined(["the authority's standard allowance", rates.note("standard_dre_allowance")]),
        )
        return amount
    total = sum(pence for _, pence in inputs.dre_items)
    if inputs.dre_items:
        listed = ", ".join(f"{label} {format_pounds(p)}" for label, p in inputs.dre_items)
        out.add("Less disability-related expenditure", total, listed)
    elif counted_income > 0 and any(
        i.kind in _DISABILITY_BENEFITS and i.amount_pence > 0 for i in inputs.incomes
    ):
        out.add(
            "Less disability-related expenditure",
            0,
            _Said(
                "none entered: disability benefits are counted, so the person's "
                "disability-related expenditure must be considered (Annex C)",
                "none entered: disability benefits are counted, so your disability-related "
                "expenditure must be considered (Annex C)",
            ),
        )
    return total
