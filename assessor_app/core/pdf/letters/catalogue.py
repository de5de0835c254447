"""Which letters there are, what each is called, and which a record can give now.

A form names the letters its records can give (`letters:` in its definition); `letters_for`
offers those whose outcome is worked out. `variant_for` turns a preferred format into the
printed variant. Imports no Qt.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assessor_app.core.form_engine.evaluation import Evaluation
from assessor_app.core.form_engine.model import FormDefinition
from assessor_app.core.pdf.document import (
    Variant,
)


@dataclass(frozen=True)
class LetterKind:
    """One kind of letter. A form names the letters its records can give in `letters:`."""

    id: str
    """Stable id: "eligibility_record", "ineligible_advice", "checklist_outcome" or
    "financial_statement"."""
    title: str
    """The letter's title, as lists show it and as the standard and large print letters print
    it (the eligibility record names the kind of assessment in its printed title)."""


ELIGIBILITY_RECORD = LetterKind("eligibility_record", "Your assessment: our decision")
"""The written record of the eligibility determination and its reasons (Care Act s13(2))."""

INELIGIBLE_ADVICE = LetterKind("ineligible_advice", "Your needs are not eligible: what can help")
"""Written information and advice for needs that are not eligible (Care Act s13(5))."""

CHECKLIST_OUTCOME = LetterKind(
    "checklist_outcome", "Your NHS Continuing Healthcare Checklist: the result"
)
"""The Checklist's result, what it means and what happens next."""

FINANCIAL_STATEMENT = LetterKind(
    "financial_statement", "Your financial assessment: what you will pay"
)
"""The weekly charge and the statement of how it was worked out."""

LETTER_KINDS: tuple[LetterKind, ...] = (
    ELIGIBILITY_RECORD,
    INELIGIBLE_ADVICE,
    CHECKLIST_OUTCOME,
    FINANCIAL_STATEMENT,
)
"""Every letter the app writes, in the order lists show them."""

_KINDS = {k.id: k for k in LETTER_KINDS}

_EASY_TITLES = {
    "eligibility_record": "Your assessment: what we decided",
    "ineligible_advice": "What can help you",
    "checklist_outcome": "Your Checklist result",
    "financial_statement": "What you will pay for your care",
}

_ELIGIBILITY_VALUES = frozenset({"eligible", "not_eligible"})

_CHECKLIST_VALUES = frozenset({"positive", "negative", "refer"})

_EASY_LINE_WORDS = 15
"""Easy read aims at no more than this many words to a line."""


def variant_for(preferred_format: str) -> Variant:
    """The printed variant for a person's preferred format for written information.

    Accepts the form's stored values ("easy_read", "large_print", "standard") and the free
    text a person record may hold ("Easy Read", "large-print", "Large print please").
    Formats that are not print (braille, audio, another language) are produced outside the
    app, so their letter prints in standard print, for the assessor to send on.

    Args:
        preferred_format: The answer or free text; empty means no preference.
    """
    words = re.sub(r"[^a-z]+", " ", preferred_format.lower()).split()
    joined = "".join(words)
    if "easyread" in joined or "easy" in words:
        return Variant.EASY_READ
    if "largeprint" in joined or "large" in words or "bigprint" in joined:
        return Variant.LARGE_PRINT
    return Variant.STANDARD


def _value(evaluation: Evaluation, field_id: str) -> Any:
    outcome = evaluation.outcomes.get(field_id)
    return None if outcome is None else outcome.value


def _applies(kind: LetterKind, evaluation: Evaluation, answers: Mapping[str, Any]) -> bool:
    if kind is ELIGIBILITY_RECORD:
        return _value(evaluation, "eligibility") in _ELIGIBILITY_VALUES
    if kind is INELIGIBLE_ADVICE:
        decided = _value(evaluation, "eligibility")
        return decided == "not_eligible" or (
            decided == "eligible" and answers.get("ineligible_info_given") is True
        )
    if kind is CHECKLIST_OUTCOME:
        return _value(evaluation, "checklist_outcome") in _CHECKLIST_VALUES
    charge = _value(evaluation, "charge")
    return isinstance(charge, int) and not isinstance(charge, bool)


def letters_for(
    form: FormDefinition, evaluation: Evaluation, answers: Mapping[str, Any]
) -> list[LetterKind]:
    """The letters this record can give the person now, from its worked-out outcomes.

    Only the letters the form names (`letters:` in its definition) are considered. The
    eligibility record applies once eligibility is decided either way; the advice for needs
    that are not eligible applies when no needs are eligible, or when some are eligible and the
    assessor recorded that information was given for the ones that are not. A Checklist letter
    applies once the result is known, and a statement once the charge is worked out.

    Args:
        form: The record's form definition.
        evaluation: The record's evaluation (``evaluate``).
        answers: The record's answers.
    """
    return [
        kind
        for kind in LETTER_KINDS
        if kind.id in form.letters and _applies(kind, evaluation, answers)
    ]


def _standard_title(kind: LetterKind, *, carer: bool) -> str:
    """The title the standard and large print letters print."""
    if kind is ELIGIBILITY_RECORD:
        if carer:
            return "Your carer's assessment: our decision"
        return "Your needs assessment: our decision"
    return kind.title
