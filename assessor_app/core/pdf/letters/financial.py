"""The statement of a weekly charge from a financial assessment: standard and easy read.

A financial statement never prints the staff checks. Imports no Qt.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from assessor_app.core.charging.calculation import ASSET_KINDS, format_pounds
from assessor_app.core.pdf.document import (
    Block,
    Bullets,
    Heading,
    OutcomeBox,
    Para,
    TableBlock,
    Variant,
)
from assessor_app.core.pdf.letters.plain_english import _easy
from assessor_app.core.pdf.letters.shared import _Letter
from assessor_app.core.rules import Outcome

_NOW, _LATER = "Paid from income now", "Can be deferred under a deferred payment agreement"

_DEFERRED_PAYMENT_NOTES = (
    "Deferred payment agreement",
    "What it means",
    "What it costs",
    "What it needs",
)
"""The statement's lines about a deferred payment that carry no sum: the letter says them to
the person in its own words instead."""

_PROPERTY_KINDS = {"main_home": "property_main_home", "other_property": "property_other"}

_NIL = "£0.00"


@dataclass(frozen=True)
class _Row:
    """One line of the charge's statement, in the person's words."""

    what: str
    amount: str
    """The sum as printed ("£17,500.00"), or "" for a line of words only."""
    note: str
    line: str
    """The whole line as the rule wrote it for the person."""


def _rows(outcome: Outcome) -> list[_Row]:
    """The statement's lines, read from the rule's structured reasons (never parsed)."""
    rows = []
    for d in outcome.details:
        if d.code != "statement.line":
            continue
        pence = d.facts.get("pence")
        amount = format_pounds(pence) if isinstance(pence, int) else ""
        rows.append(
            _Row(str(d.facts.get("label", "")), amount, str(d.facts.get("note", "")), d.person)
        )
    return rows


@dataclass(frozen=True)
class _Deferred:
    """A charge that can be partly deferred: what is paid now, what can wait, and the cost."""

    now: str
    later: str
    cost: str


def _deferred(rows: list[_Row]) -> _Deferred | None:
    """The split of a deferred payment charge, when the statement has one."""
    sums = {row.what: row.amount for row in rows if row.amount}
    if _NOW in sums and _LATER in sums:
        return _Deferred(sums[_NOW], sums[_LATER], sums.get("Weekly cost of care", ""))
    return None


def _money(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    pounds, p = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{p:02d}"


def _statement(letter: _Letter, rows: list[_Row], *, deferred: bool) -> TableBlock:
    cells: list[tuple[str, str]] = []
    for row in rows:
        if deferred and not row.amount and row.what in _DEFERRED_PAYMENT_NOTES:
            continue
        if not row.amount:
            if row.line:
                cells.append((row.line, ""))
            continue
        note, what = row.note, row.what
        cells.append((f"{what}\n({note})" if note else what, row.amount))
    # At 16 pt a six-figure amount needs a wider column than at 10 pt.
    widths = (4.0, 1.2) if letter.variant is Variant.STANDARD else (3.0, 1.3)
    return TableBlock(("What we looked at", "Amount"), tuple(cells), widths)


def _rates_lines(rates: Outcome) -> list[str]:
    """The table's name and dates, and any local figures; never the staff notes about it."""
    lines = [rates.reasons[0]] if rates.reasons else []
    lines += [r for r in rates.reasons[1:] if r.startswith("With ")]
    return lines


def _financial_standard(letter: _Letter, charge: Outcome, rates: Outcome) -> list[Block]:
    pence = int(charge.value) if isinstance(charge.value, int) else 0
    starts = letter.date("effective_date")
    rows = _rows(charge)
    split = _deferred(rows)
    blocks: list[Block] = [
        Para(
            "We have completed your financial assessment. It works out how much you pay each "
            "week towards the cost of your care and support, under the national charging rules "
            "(the Care and Support (Charging and Assessment of Resources) Regulations 2014)."
        ),
        Heading("What you will pay"),
    ]
    if split is not None:
        # What they pay now comes first: the full cost is not what leaves their account.
        blocks += [
            OutcomeBox("What you pay from your income now", f"{split.now} a week"),
            Para(
                f"The rest of the cost of your care, {split.later} a week, can be deferred. "
                f"Your care costs {split.cost} a week in all."
            ),
        ]
    else:
        blocks.append(OutcomeBox("Your weekly charge", f"{_money(pence)} a week"))
        if pence == 0:
            blocks.append(Para("You do not have to pay anything each week towards your care."))
    if starts:
        blocks.append(Para(f"This applies from {starts}."))
    if split is not None:
        blocks += [
            Heading("A deferred payment agreement", level=2),
            Para(
                "You can ask us for a deferred payment agreement. Because your savings and "
                "other capital, apart from your home, are no more than the upper limit, the law "
                "says we have to offer you one."
            ),
            Para(
                f"With a deferred payment agreement you pay {split.now} a week from your income "
                f"now, and we pay the other {split.later} a week of your care home fees for you. "
                "You pay that back later, usually when your home is sold or from your estate, so "
                "you do not have to sell your home during your lifetime to pay for your care. It "
                "is a loan: we may charge interest and an administration fee, and we will need "
                "security for it, usually a legal charge on your home. While you have one you "
                "may keep part of your income each week (the disposable income allowance). "
                "Please ask us about it."
            ),
            Para(
                "If you do not have a deferred payment agreement, you pay the full cost of your "
                f"care, {split.cost} a week, because your capital, including your home, is more "
                "than the upper limit."
            ),
        ]
    blocks += [
        Heading("How we worked it out"),
        Para(
            "These are the lines of the calculation, in order. Capital is the value of your "
            "savings and other assets; every other amount is a weekly amount."
        ),
        _statement(letter, rows, deferred=split is not None),
        Heading("The rates we used"),
        Para(f"The figures come from the rates table {rates.label}."),
    ]
    blocks.extend(Para(line) for line in _rates_lines(rates))
    blocks.append(Heading("If something is wrong or changes"))
    blocks.append(
        Para(
            "Please check the figures above. If anything is wrong or missing, or if your income, "
            "savings or care change, tell us and we will review your charge. You can ask for a "
            "review at any time."
        )
    )
    return blocks


def _property_counted(letter: _Letter, rows: list[_Row]) -> bool:
    """Whether the capital counted includes a home or other property."""
    assets = letter.answers.get("assets")
    names = set()
    for asset in assets if isinstance(assets, list) else []:
        kind = asset.get("asset_kind") if isinstance(asset, Mapping) else None
        if kind in _PROPERTY_KINDS:
            described = asset.get("asset_description")
            described = described.strip() if isinstance(described, str) else ""
            names.add(f"Capital: {described or ASSET_KINDS[_PROPERTY_KINDS[kind]]}")
    return any(row.what in names and row.amount and row.note.startswith("counted") for row in rows)


_EASY_PARTS = (
    ("Total weekly income assessed", "Money coming in each week"),
    ("Less Minimum Income Guarantee", "Money we leave you to live on each week"),
    ("Less Personal Expenses Allowance", "Money you keep for yourself each week"),
    ("Less housing costs", "Your housing costs each week"),
    ("Less disability-related expenditure", "Extra costs because of disability each week"),
    ("Weekly cost of care", "What your care costs each week"),
)
"""The big parts of the statement, in plain words: (the statement's line, what easy read
calls it)."""

_UPPER_LIMIT = re.compile(r"upper limit (£[\d,]+\.\d\d)")


def _easy_working(letter: _Letter, rows: list[_Row], pence: int) -> list[Block]:
    """How the charge was worked out, in its few big parts; the rest is in the standard letter."""
    sums = {row.what: row.amount for row in rows if row.amount}
    words = {row.what for row in rows}
    has_property = _property_counted(letter, rows)
    parts = []
    if "Total capital counted" in sums:
        saved = (
            "Money you have saved, and property we count"
            if has_property
            else ("Money you have saved")
        )
        parts.append(f"{saved}: {sums['Total capital counted']}")
    parts += [f"{plain}: {sums[what]}" for what, plain in _EASY_PARTS if what in sums]
    blocks: list[Block] = []
    if parts:
        blocks += [_easy("We looked at:"), Bullets(tuple(parts))]
    lines: list[str] = []
    tariff = sums.get("Tariff income") or sums.get("Tariff income on capital other than the home")
    if tariff and tariff != _NIL and "Total weekly income assessed" in sums:
        lines.append(f"Money coming in includes {tariff} each week we count from your savings.")
    split = _deferred(rows)
    if "Capital above the upper limit" in sums:
        limit = _UPPER_LIMIT.search(
            next((row.note for row in rows if row.what == "Total capital counted"), "")
        )
        what = "Your savings and property are" if has_property else "Your savings are"
        if limit:
            lines.append(f"{what} worth more than {limit[1]}.")
        if split is not None:
            lines += [
                "So you owe the full cost of your care.",
                f"From your income you pay {split.now} each week now.",
                "We can wait for the rest.",
            ]
        else:
            lines.append("So you pay the full cost of your care.")
    elif "Amount available towards care" in sums:
        lines.append("We start with the money coming in.")
        if "Less Personal Expenses Allowance" in sums:
            lines.append("We take away the money you keep for yourself.")
        if "Less Minimum Income Guarantee" in sums:
            lines.append("We take away the money we leave you to live on.")
        if sums.get("Less housing costs", _NIL) != _NIL:
            lines.append("We take away your housing costs.")
        if sums.get("Less disability-related expenditure", _NIL) != _NIL:
            lines.append("We take away your extra costs because of disability.")
        left = sums["Amount available towards care"]
        if left == _NIL:
            lines.append("Nothing is left. So you do not pay anything.")
        else:
            lines.append(f"What is left is {left} each week.")
            if pence and _money(pence) != left:
                lines += [
                    f"Your care costs {sums.get('Weekly cost of care', _money(pence))} each week.",
                    "You never pay more than your care costs.",
                ]
    elif "Free service" in words:
        lines.append("This service is free.")
    elif "Agreed weekly charge" in sums:
        lines.append("We agreed this amount with you.")
    elif "Evidence" in words:
        lines.append("We know you cannot pay anything towards your care.")
    if lines:
        blocks.append(_easy(*lines))
    blocks.append(_easy("The full calculation is in the standard letter.", "Ask us for it."))
    return blocks


def _financial_easy(letter: _Letter, charge: Outcome, _rates: Outcome) -> list[Block]:
    # The rates table is named only in the standard letter: its id means nothing here.
    pence = int(charge.value) if isinstance(charge.value, int) else 0
    starts = letter.date("effective_date")
    rows = _rows(charge)
    split = _deferred(rows)
    blocks: list[Block] = [
        _easy(
            "We have worked out how much you will pay for your care.",
            "This letter tells you how much.",
            "It also tells you how we worked it out.",
        ),
        Heading("How much will you pay?"),
    ]
    if split is not None:
        blocks += [
            Para(f"You will pay {split.now} each week from your income now.", bold=True),
            _easy(
                f"Your care costs {split.cost} each week.",
                f"The rest is {split.later} each week.",
                "You can ask us to wait for the rest.",
            ),
        ]
    else:
        blocks.append(
            Para(
                f"You will pay {_money(pence)} each week."
                if pence
                else "You do not have to pay anything.",
                bold=True,
            )
        )
    if starts:
        blocks.append(_easy(f"This starts on {starts}."))
    if split is not None:
        blocks += [
            Heading("What is a deferred payment?"),
            _easy(
                "We pay the rest of your care home fees for now.",
                "You pay us back later.",
                "This is usually when your home is sold.",
                "So you do not have to sell your home now.",
                "We may charge interest and fees.",
                "Please ask us about this.",
                f"If you do not want this, you pay {split.cost} each week.",
            ),
        ]
    blocks.append(Heading("How did we work it out?"))
    blocks += _easy_working(letter, rows, pence)
    blocks += [
        Heading("Is something wrong?"),
        _easy(
            "Please check the sums.",
            "Tell us if something is wrong.",
            "Tell us if your money or your care changes.",
            "We will look at your charge again.",
        ),
    ]
    return blocks
