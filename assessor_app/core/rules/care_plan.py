"""Rules for the care and support plan and the carer's support plan: completion and budget.

The plan carries over the eligible needs its needs assessment found (`eligible_needs`) and
the person's weekly contribution its financial assessment worked out (`contribution_*`); the
use case `services/care_plans.py` fills those in, so these rules read only the plan's own
answers. Completing is refused while an eligible need is neither met by the plan nor recorded
as met otherwise (Care Act s18 and s25(1); REQUIREMENTS NA-39). The personal budget (s26;
FC-13) is the weekly cost of the needs the plan meets, the person's contribution and the
authority's share, line by line, and says "charge not yet assessed" (never zero) until a
financial assessment is complete. The carer's support plan (Care Act s20 and s25) has the same
two rules over the carer's eligible needs (reg 3), worded for the carer; support for a carer
may be charged for only on the carer's own financial assessment (s14). Both plans ask for the
direct-payment choice where direct payments can be offered (ss31-33, s76), and refuse it
where they cannot. Imports no Qt and no storage module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from assessor_app.core import answer_values as read
from assessor_app.core.charging.calculation import format_pounds
from assessor_app.core.records import CUSTODY_SETTINGS, Setting
from assessor_app.core.rules import (
    Blocker,
    Need,
    Outcome,
    Reason,
    choice,
    choices,
    group,
    money,
    option_label,
    register,
    register_check,
    text,
)
from assessor_app.core.rules.care_act import (
    ADULT_OUTCOMES,
    CARER_OUTCOMES,
    DIRECT_PAYMENTS_READS,
    carer_direct_payments,
    direct_payments,
)

__all__ = [
    "CARER_DOMAINS",
    "CARER_HEALTH",
    "DOMAINS",
    "NOT_ASSESSED",
    "carer_personal_budget",
    "carer_plan_completion",
    "personal_budget",
    "plan_completion",
]

DOMAINS = tuple(key for key, _ in ADULT_OUTCOMES)
"""The ten outcomes of reg 2(2) a need can belong to (plus ``other`` in the plan's items)."""

CARER_HEALTH = "carer_health"
"""The carer's need that arises from the effect of caring on their health (reg 3(2)(a))."""

CARER_DOMAINS = (*(key for key, _ in CARER_OUTCOMES), CARER_HEALTH)
"""The eight carer outcomes of reg 3(2)(b), then the effect on the carer's health."""

NOT_ASSESSED = "Charge not yet assessed"
"""What the budget says of the person's contribution before a financial assessment is done."""

_BASES = ("eligible", "chosen_to_meet")
_HOW = ("plan", "otherwise")


def _budget_reads(domains: tuple[str, ...]) -> dict[str, Need]:
    item = {
        "need_domain": choice(*domains, "other"),
        "need_other": text(),
        "need_basis": choice(*_BASES, allowed=_BASES),
        "how_met": choice(*_HOW, allowed=_HOW),
    }
    return {
        "plan_needs": group({**item, "weekly_cost": money()}),
        "contribution_from": text(),
        "contribution_weekly": money(),
        "contribution_rates": text(),
    }


BUDGET_READS = _budget_reads(DOMAINS)
CARER_BUDGET_READS = _budget_reads(CARER_DOMAINS)
_DP_CHOICES = ("wants", "declines", "thinking")
_DP_READS = {**DIRECT_PAYMENTS_READS, "dp_choice": choice(*_DP_CHOICES, allowed=_DP_CHOICES)}
COMPLETION_READS = {"eligible_needs": choices(*DOMAINS), **BUDGET_READS, **_DP_READS}
CARER_COMPLETION_READS = {
    "eligible_needs": choices(*CARER_DOMAINS),
    **CARER_BUDGET_READS,
    **_DP_READS,
}


@dataclass(frozen=True)
class _Planned:
    """Whose plan it is, in the words its rules use."""

    domains: tuple[str, ...]
    """The needs an eligible need can be (the plan's `eligible_needs` options)."""
    assessment: str
    """The assessment the plan is made from, in a sentence."""
    duty: str
    """The duty to meet the eligible needs, for the blocker that names a need left out."""
    who: str
    """Who the plan is for, in a sentence ("the person", "the carer")."""
    not_assessed: str
    """What the budget says of the contribution before a financial assessment is complete."""
    direct_payments: Callable[[Mapping[str, Any]], Outcome]
    """The rule that says whether direct payments can be offered, told of `who`."""


_PERSON = _Planned(
    DOMAINS,
    "needs assessment",
    "the authority must meet eligible needs, Care Act s18",
    "the person",
    "because no financial assessment of theirs is complete. Complete one, then open this "
    "plan again.",
    direct_payments,
)
_CARER = _Planned(
    CARER_DOMAINS,
    "carer's assessment",
    "the authority must meet a carer's eligible needs, Care Act s20",
    "the carer",
    "because no financial assessment of the carer's own resources is complete, and support "
    "for a carer may be charged for only after one (Care Act s14). If the authority charges "
    "for this support, complete one, then open this plan again.",
    carer_direct_payments,
)


def _need_name(answers: Mapping[str, Any], item: Mapping[str, Any]) -> str:
    """How a plan item's need reads in a sentence: the form's label, or the assessor's words."""
    domain = read.choice(item, "need_domain")
    if domain == "other":
        return read.text(item, "need_other") or "another need"
    if domain is None:
        return "a need not yet named"
    return option_label(answers, "need_domain", domain)


@register_check("care_plan.plan_completion", reads=COMPLETION_READS)
def plan_completion(answers: Mapping[str, Any]) -> list[Blocker]:
    """What stops a plan being completed, beyond missing answers.

    Every eligible need the needs assessment found must be in the plan, either met by it or
    recorded as met otherwise (the reason is a required answer); each is named. An entry must
    say truly whether its need is eligible: one the assessment did not find eligible is
    marked as a need the authority chooses to meet, and an eligible one is never so marked.
    The person's direct-payment choice, and in custody the personal budget, are checked too.

    Args:
        answers: The plan's visible answers keyed by field id.
    """
    blockers = _needs_blockers(answers, _PERSON)
    blockers.extend(_direct_payment_blockers(answers, _PERSON))
    blockers.extend(_custody_budget_blockers(answers))
    return blockers


@register_check("care_plan.carer_plan_completion", reads=CARER_COMPLETION_READS)
def carer_plan_completion(answers: Mapping[str, Any]) -> list[Blocker]:
    """What stops a carer's support plan being completed, beyond missing answers.

    As `plan_completion`, over the eligible needs the carer's assessment found (Care Act s20):
    each must be met by the plan or recorded as met otherwise, and each entry says truly
    whether its need is eligible. The carer's direct-payment choice is checked as the
    person's is (Care Act ss31-33: a carer's personal budget can be paid as one).

    Args:
        answers: The support plan's visible answers keyed by field id.
    """
    return [*_needs_blockers(answers, _CARER), *_direct_payment_blockers(answers, _CARER)]


def _needs_blockers(answers: Mapping[str, Any], planned: _Planned) -> list[Blocker]:
    """Every eligible need in the plan, met by it or otherwise; each entry's basis true."""
    eligible = [d for d in planned.domains if d in read.strings(answers, "eligible_needs")]
    items = read.items(answers, "plan_needs")
    blockers: list[Blocker] = []
    if not eligible:
        blockers.append(
            Blocker(
                "eligible_needs",
                f"This plan names no eligible needs. Start the plan from a completed "
                f"{planned.assessment} whose needs are eligible.",
            )
        )
    covered = {
        read.choice(item, "need_domain")
        for item in items
        if read.choice(item, "how_met", _HOW) is not None
    }
    for needed in eligible:
        if needed not in covered:
            name = option_label(answers, "eligible_needs", needed)
            blockers.append(
                Blocker(
                    "plan_needs",
                    f"The eligible need '{name}' is neither met by this plan nor recorded as "
                    "met otherwise. Add it to the needs, and say how it will be met, or who "
                    f"meets it otherwise and why ({planned.duty}).",
                )
            )
    for i, item in enumerate(items):
        domain = read.choice(item, "need_domain")
        basis = read.choice(item, "need_basis", _BASES)
        name = _need_name(answers, item)
        if basis == "eligible" and domain is not None and domain not in eligible:
            blockers.append(
                Blocker(
                    f"plan_needs[{i}].need_basis",
                    f"'{name}' was not found eligible by the {planned.assessment}. Mark it as "
                    "a need the authority chooses to meet, or remove it.",
                )
            )
        if basis == "chosen_to_meet" and domain in eligible:
            blockers.append(
                Blocker(
                    f"plan_needs[{i}].need_basis",
                    f"'{name}' is an eligible need, so the authority must meet it: mark it as "
                    "an eligible need.",
                )
            )
    return blockers


def _direct_payment_blockers(answers: Mapping[str, Any], planned: _Planned) -> list[Blocker]:
    """Their choice is recorded where direct payments can be offered, and only there."""
    offer = planned.direct_payments(answers)
    picked = read.choice(answers, "dp_choice", _DP_CHOICES)
    why = offer.reasons[0] if offer.reasons else ""
    if offer.value == "available" and picked is None:
        return [
            Blocker(
                "dp_choice",
                f"{why} Record {planned.who}'s choice: yes, no, or that they want to think about "
                "it.",
            )
        ]
    if offer.value == "not_available" and picked is not None:
        return [
            Blocker(
                "dp_choice",
                f"{why} Clear {planned.who}'s choice about direct payments: they cannot be "
                "offered.",
            )
        ]
    return []


def _custody_budget_blockers(answers: Mapping[str, Any]) -> list[Blocker]:
    """In custody the plan still needs its personal budget, worked out in full (FC-13)."""
    value = answers.get("setting")
    if not isinstance(value, str) or value not in {s.value for s in CUSTODY_SETTINGS}:
        return []
    budget = personal_budget(answers)
    if budget.value is not None:
        return []
    setting = Setting(value).label.lower()
    needed = (
        f"A plan for a person in custody ({setting}) must still contain the personal budget, "
        "so they know what meeting their needs costs (Care and Support Statutory Guidance, "
        "chapter 17). "
    )
    if budget.label == NOT_ASSESSED:
        what = (
            "Their contribution is not yet assessed: complete their financial assessment (a "
            "light-touch one where they are unlikely to contribute), then open this plan again."
        )
    else:
        what = "Give the weekly cost of each need this plan meets."
    return [Blocker("personal_budget", needed + what)]


@register("care_plan.personal_budget", reads=BUDGET_READS)
def personal_budget(answers: Mapping[str, Any]) -> Outcome:
    """The personal budget, line by line: each need's weekly cost, the total, who pays what.

    The cost to the authority is the sum of the weekly costs of the needs the plan meets
    (eligible ones, and those it chooses to meet, each marked). The person's contribution is
    the weekly charge their completed financial assessment worked out, kept in the plan with
    the rates table it used; it counts only up to the cost, because nobody is charged more
    than meeting their needs costs. The authority's share is the cost less the contribution.

    Args:
        answers: The plan's visible answers keyed by field id.

    Returns:
        Value: the authority's weekly share in whole pence; None until every need the plan
        meets has a cost, or while the charge is not yet assessed (the label says which).
    """
    return _personal_budget(answers, _PERSON)


@register("care_plan.carer_personal_budget", reads=CARER_BUDGET_READS)
def carer_personal_budget(answers: Mapping[str, Any]) -> Outcome:
    """The carer's personal budget (Care Act s26), line by line, as `personal_budget`.

    The carer's contribution comes only from a completed financial assessment of the carer's
    own resources (s14), kept in the plan as for a person's; until one is complete it is
    "charge not yet assessed", never zero.

    Args:
        answers: The support plan's visible answers keyed by field id.
    """
    return _personal_budget(answers, _CARER)


def _personal_budget(answers: Mapping[str, Any], planned: _Planned) -> Outcome:
    """`personal_budget` for the person or the carer `planned` names."""
    lines: list[Reason] = []
    total = 0
    uncosted: list[str] = []
    for item in read.items(answers, "plan_needs"):
        if read.choice(item, "how_met", _HOW) != "plan":
            continue
        name = _need_name(answers, item)
        name = name[0].upper() + name[1:]
        chosen = read.choice(item, "need_basis", _BASES) == "chosen_to_meet"
        mark = " (not eligible: the authority chooses to meet it)" if chosen else ""
        cost = read.whole_number(item, "weekly_cost")
        if cost is None:
            uncosted.append(name)
            continue
        total += cost
        text_line = f"{name}{mark}: {format_pounds(cost)} a week."
        lines.append(Reason("budget.need", text_line, text_line, {"pence": cost}))
    if uncosted:
        missing = f"Still to cost: {'; '.join(uncosted)}."
        return Outcome.explained(
            None, "Not enough answers yet", (*lines, Reason("budget.uncosted", missing, missing))
        )
    cost_line = f"Cost to the authority of meeting the needs: {format_pounds(total)} a week."
    lines.append(Reason("budget.total", cost_line, cost_line, {"pence": total}))
    contribution = read.whole_number(answers, "contribution_weekly")
    if contribution is None:
        note = (
            f"{planned.who[0].upper()}{planned.who[1:]}'s contribution: "
            f"{NOT_ASSESSED.lower()}, {planned.not_assessed}"
        )
        lines.append(Reason("budget.not_assessed", note, note))
        return Outcome.explained(None, NOT_ASSESSED, lines)
    rates = read.text(answers, "contribution_rates") or "the rates table is not recorded"
    source = read.text(answers, "contribution_from")
    counted = min(contribution, total)
    said = (
        f"{planned.who[0].upper()}{planned.who[1:]}'s contribution, from their "
        f"{source[0].lower() + source[1:] if source else 'financial assessment'} ({rates}): "
        f"{format_pounds(contribution)} a week."
    )
    lines.append(Reason("budget.contribution", said, said, {"pence": contribution}))
    if counted < contribution:
        cap = (
            f"Only {format_pounds(counted)} a week of it is charged: nobody pays more than "
            "meeting their needs costs."
        )
        lines.append(Reason("budget.capped", cap, cap, {"pence": counted}))
    share = total - counted
    share_line = f"The authority's share: {format_pounds(share)} a week."
    lines.append(Reason("budget.share", share_line, share_line, {"pence": share}))
    label = (
        f"{format_pounds(total)} a week ({planned.who} pays {format_pounds(counted)}, "
        f"the authority {format_pounds(share)})"
    )
    return Outcome.explained(share, label, lines)
