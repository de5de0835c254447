"""Build `ChargingInputs` from a financial assessment form's answers.

The ids are those of ``forms/financial_assessment/v1.yaml``, kept in one place (the ``*_ID``
constants and the group item keys) so renaming a question means changing one string here.
Money answers are whole pence (the form engine's ``money`` type), dates are ISO strings or
dates, yes/no answers are booleans, and repeating groups are lists of mappings. The person's
age is worked out from ``date_of_birth`` on the date the charge starts. For a member of a
couple the Pension Credit age answer is ``partner_pension_age`` ("the person or their
partner"), as the couple amounts of the Minimum Income Guarantee turn on either of them.
An income's ``income_half_to_spouse`` answer is carried only for an occupational or private
pension (a stale answer left from another kind is ignored); the calculation applies it only
in a care home.

A missing or impossible answer that the charge cannot do without raises `ValidationError`
naming the question; optional answers fall back to the spec's defaults. Imports no Qt and no
storage module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from assessor_app.core import answer_values as read
from assessor_app.core.charging.calculation import (
    ASSET_KINDS,
    SPOUSE_HALF_KINDS,
    Asset,
    ChargingInputs,
    Income,
    PersonCircumstances,
)
from assessor_app.core.errors import ValidationError

__all__ = [
    "ASSETS_ID",
    "ASSET_KEYS",
    "DRE_ID",
    "DRE_KEYS",
    "FORM_ASSET_KINDS",
    "INCOMES_ID",
    "INCOME_KEYS",
    "age_on",
    "inputs_from_answers",
]

ASSETS_ID = "assets"
INCOMES_ID = "incomes"
DRE_ID = "dre_items"

ASSET_KEYS: Mapping[str, str] = {
    "kind": "asset_kind",
    "value_pence": "asset_value",
    "joint": "asset_joint",
    "owners": "asset_owners",
    "share_percent": "asset_share_percent",
    "occupied": "asset_occupied",
    "disregard_other": "asset_disregard_other",
    "disregard_reason": "asset_disregard_reason",
    "label": "asset_description",
}
"""What an answer is for -> its key inside one item of the ``assets`` group."""

INCOME_KEYS: Mapping[str, str] = {
    "kind": "income_kind",
    "amount_pence": "income_amount",
    "frequency": "income_frequency",
    "joint": "income_joint",
    "half_to_spouse": "income_half_to_spouse",
}
"""`Income` field -> the key of that answer inside one item of the ``incomes`` group."""

DRE_KEYS: Mapping[str, str] = {"label": "dre_label", "weekly_pence": "dre_weekly"}
"""Disability-related expense -> the keys inside one item of the ``dre_items`` group."""


def age_on(born: dt.date, on: dt.date) -> int:
    """Age in whole years on `on` for someone born on `born`.

    Someone born on 29 February has their birthday on 1 March in other years.
    """
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _need_date(answers: Mapping[str, Any], key: str, what: str) -> dt.date:
    value = read.date(answers, key, strict=True)
    if value is None:
        raise ValidationError(
            f"Enter {what}.", f"The charge cannot be worked out without it ({key})."
        )
    return value


def _bool(answers: Mapping[str, Any], key: str) -> bool:
    return read.flag(answers, key) is True


_ASSET_KIND = {"main_home": "property_main_home", "other_property": "property_other"}
"""The form's asset kinds that the calculation names differently."""

FORM_ASSET_KINDS = frozenset(set(_ASSET_KIND) | (set(ASSET_KINDS) - set(_ASSET_KIND.values())))
"""Every asset kind the form may offer: the calculation's kinds, in the form's names."""


def _share(item: Mapping[str, Any]) -> tuple[int, int] | None:
    """A jointly owned asset's share as (numerator, denominator), or None.

    The per cent share when one is given (evidence of a different share), else an equal share
    among all the owners (reg 24: 1/n of n owners), else None: the engine's default half.
    """
    percent = read.whole_number(item, ASSET_KEYS["share_percent"], strict=True)
    if percent is not None:
        return percent, 100
    owners = read.whole_number(item, ASSET_KEYS["owners"], strict=True)
    if owners is not None:
        if owners < 2:
            raise ValidationError(
                f"A jointly owned asset has at least 2 owners, not {owners}.",
                "Enter how many people own it, including the person.",
            )
        return 1, owners
    return None


def _asset(item: Mapping[str, Any]) -> Asset:
    k = ASSET_KEYS
    value = read.whole_number(item, k["value_pence"], strict=True)
    kind = read.text(item, k["kind"]) or ""
    joint = _bool(item, k["joint"])
    share = _share(item) if joint else None
    if kind == "main_home" and _bool(item, k["occupied"]):
        disregard = "occupied_by_partner_or_relative"
    elif _bool(item, k["disregard_other"]):
        disregard = "other"
    else:
        disregard = "none"
    return Asset(
        kind=_ASSET_KIND.get(kind, kind),
        value_pence=0 if value is None else value,
        joint=joint,
        share_numerator=share[0] if share else None,
        share_denominator=share[1] if share else None,
        disregard=disregard,
        label=read.text(item, k["label"]) or "",
        disregard_reason=(
            (read.text(item, k["disregard_reason"]) or "") if disregard == "other" else ""
        ),
    )


def _income(item: Mapping[str, Any]) -> Income:
    k = INCOME_KEYS
    amount = read.whole_number(item, k["amount_pence"], strict=True)
    kind = read.text(item, k["kind"]) or ""
    return Income(
        kind=kind,
        amount_pence=0 if amount is None else amount,
        frequency=read.text(item, k["frequency"]) or "weekly",
        joint=_bool(item, k["joint"]),
        half_to_spouse=kind in SPOUSE_HALF_KINDS and _bool(item, k["half_to_spouse"]),
    )


def inputs_from_answers(
    answers: Mapping[str, Any], *, effective_date: dt.date | None = None
) -> ChargingInputs:
    """The charging inputs a financial assessment's answers describe.

    Args:
        answers: The record's answers, by field id.
        effective_date: The date the charge starts; the ``effective_date`` answer when None.

    Raises:
        ValidationError: A required answer is missing or impossible, naming the question.
    """
    on = effective_date or _need_date(answers, "effective_date", "the date the charge starts")
    born = _need_date(answers, "date_of_birth", "the person's date of birth")
    cost = read.whole_number(answers, "weekly_cost_of_care", strict=True)
    if cost is None:
        raise ValidationError(
            "Enter the weekly cost of the person's care.",
            "The charge can never be more than the cost, so it is needed (weekly_cost_of_care).",
        )
    couple = _bool(answers, "couple")
    person = PersonCircumstances(
        age=age_on(born, on),
        pension_age=_bool(answers, "partner_pension_age" if couple else "pension_age"),
        couple=couple,
        lone_parent=_bool(answers, "lone_parent"),
        dependent_children=read.whole_number(answers, "dependent_children", strict=True) or 0,
        disability_premium=_bool(answers, "disability_premium"),
        enhanced_disability_premium=_bool(answers, "enhanced_disability_premium"),
        carer_premium=_bool(answers, "carer_premium"),
    )
    free_service = read.text(answers, "free_service") or None
    dre = tuple(
        (
            read.text(item, DRE_KEYS["label"]) or "Disability-related expense",
            read.whole_number(item, DRE_KEYS["weekly_pence"], strict=True) or 0,
        )
        for item in read.items(answers, DRE_ID)
    )
    return ChargingInputs(
        care_type=read.text(answers, "care_type") or "",
        weekly_cost_of_care=cost,
        effective_date=on,
        person=person,
        assets=tuple(_asset(item) for item in read.items(answers, ASSETS_ID)),
        incomes=tuple(_income(item) for item in read.items(answers, INCOMES_ID)),
        notional_capital_pence=(
            read.whole_number(answers, "notional_capital_value", strict=True)
            if _bool(answers, "notional_capital")
            else None
        ),
        first_admission=_bool(answers, "first_permanent_admission"),
        first_permanent_admission_date=read.date(answers, "admission_date", strict=True),
        free_service=None if free_service in (None, "none") else free_service,
        service_start_date=read.date(answers, "service_start_date", strict=True),
        charge_after_free_weeks=_bool(answers, "charge_from_week_7"),
        charge_decision_date=read.date(answers, "charge_decision_date", strict=True),
        adaptation_cost=read.whole_number(answers, "adaptation_cost", strict=True),
        assessment_kind=read.text(answers, "assessment_kind") or "full",
        light_touch_basis=(read.text(answers, "light_touch_basis") or None),
        light_touch_no_contribution=_bool(answers, "light_touch_no_contribution"),
        agreed_weekly_charge=read.whole_number(answers, "agreed_weekly_charge", strict=True),
        housing_costs_weekly=read.whole_number(answers, "housing_costs", strict=True) or 0,
        dre_items=dre,
        use_standard_dre=_bool(answers, "dre_standard"),
    )
