"""The written record of an eligibility determination (Care Act s13(2)): standard and easy read.

Imports no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessor_app.core.pdf.document import (
    Block,
    Bullets,
    Heading,
    OutcomeBox,
    Para,
)
from assessor_app.core.pdf.letters.catalogue import INELIGIBLE_ADVICE
from assessor_app.core.pdf.letters.plain_english import _easy, _easy_lines
from assessor_app.core.pdf.letters.shared import _Letter
from assessor_app.core.rules import Outcome
from assessor_app.core.rules.care_act import ADULT_WAYS, CARER_WAYS, direct_payments

_ADULT_CONDITIONS = (
    "1. The needs arise from or relate to a physical or mental impairment or illness",
    "2. Because of them, you are unable to achieve two or more of the outcomes set out in the "
    "regulations",
    "3. As a result, there is, or is likely to be, a significant impact on your wellbeing",
)

_CARER_CONDITIONS = (
    "1. The needs arise because you provide necessary care to an adult",
    "2. Because of that, your physical or mental health is, or is at risk of, getting worse, "
    "or you are unable to achieve one or more of the outcomes set out in the regulations",
    "3. As a result, there is, or is likely to be, a significant impact on your wellbeing",
)

_EASY_ADULT_OUTCOMES = {
    "nutrition": "Eating and drinking",
    "hygiene": "Washing and keeping clean",
    "toilet": "Using the toilet",
    "clothing": "Getting dressed",
    "home_safety": "Moving around your home safely",
    "habitable_home": "Keeping your home clean and safe",
    "relationships": "Seeing family and friends",
    "work_education": "Work, learning or volunteering",
    "community": "Going out and using local places",
    "child_care": "Looking after a child",
}

_EASY_CARER_OUTCOMES = {
    "child_care": "Looking after a child",
    "other_caring": "Caring for other people",
    "habitable_home": "Keeping your home clean and safe",
    "nutrition": "Eating and drinking well",
    "relationships": "Seeing family and friends",
    "work_education": "Work, learning or volunteering",
    "community": "Using local places and services",
    "recreation": "Doing things you enjoy",
}


_EASY_DIRECT_PAYMENTS: dict[object, tuple[str, ...]] = {
    "available": (
        "You can ask for direct payments.",
        "This is money from us.",
        "You use it to arrange your own support.",
    ),
    "not_available": (
        "We will arrange your support for you.",
        "You cannot have direct payments while you are in custody.",
        "Direct payments are money to arrange your own support.",
    ),
}
"""What easy read says for each value of the `care_act.direct_payments` rule (custody only)."""


@dataclass(frozen=True)
class _Determination:
    """The eligibility outcome's reasons as the person reads them, in the parts printed.

    Read from the rule's structured reasons (`Outcome.details`) by code, in the person's words
    the rule wrote: nothing is parsed out of, or rewritten from, the staff sentences.
    """

    conditions: tuple[tuple[bool, str], ...]
    """(met, the reason told to the person) for the three conditions, in order."""
    summary: str
    eligible_needs: tuple[str, ...]
    notes: tuple[str, ...]


_CONDITIONS = ("condition.1", "condition.2", "condition.3")


def _determination(outcome: Outcome) -> _Determination:
    by_code = {d.code: d for d in outcome.details}
    conditions = tuple(
        (by_code[c].facts.get("met") is True, by_code[c].person)
        for c in _CONDITIONS
        if c in by_code
    )
    summary = by_code["summary"].person if "summary" in by_code else ""
    needs_reason = by_code.get("eligible_needs")
    needs = tuple(needs_reason.facts.get("needs", ())) if needs_reason is not None else ()
    notes = tuple(d.person for d in outcome.details if d.code.startswith("note.") and d.person)
    return _Determination(conditions, summary, needs, notes)


def _unable_keys(letter: _Letter) -> list[str]:
    """The outcomes the person cannot achieve, read as the eligibility rule reads them."""
    prefix, ways = ("c_", CARER_WAYS) if letter.carer else ("out_", ADULT_WAYS)
    outcomes = _EASY_CARER_OUTCOMES if letter.carer else _EASY_ADULT_OUTCOMES
    keys = []
    for key in outcomes:
        chosen = letter.answers.get(f"{prefix}{key}_ways")
        if (
            letter.answers.get(f"{prefix}{key}_status") == "not_achieved"
            and isinstance(chosen, list)
            and any(way in chosen for way, _ in ways)
        ):
            keys.append(key)
    return keys


def _direct_payments(letter: _Letter) -> Outcome:
    """Whether direct payments can be offered, as the `care_act.direct_payments` rule says.

    The form's own outcome when it has one (the needs assessment, in custody); otherwise (the
    carer's assessment) the same rule, run on the record's setting and conviction status, or
    the person's where the record does not ask. The letter never decides this itself.
    """
    shown = letter.evaluation.outcomes.get("direct_payments")
    if shown is not None:
        return shown
    details = letter.person.details
    setting = letter.answers.get("setting", details.setting.value)
    status = letter.answers.get(
        "conviction_status",
        details.conviction_status.value if details.conviction_status is not None else None,
    )
    return direct_payments(
        {
            key: value
            for key, value in (("setting", setting), ("conviction_status", status))
            if value is not None
        }
    )


def _direct_payments_sentence(letter: _Letter) -> str:
    """The rule's own sentence to the person about direct payments ("" when not worked out)."""
    return next(
        (
            d.person
            for d in _direct_payments(letter).details
            if d.code.startswith("direct_payments.") and d.person
        ),
        "",
    )


def _eligibility_standard(letter: _Letter, outcome: Outcome) -> list[Block]:
    eligible = outcome.value == "eligible"
    parsed = _determination(outcome)
    needs = parsed.eligible_needs
    summary = parsed.summary
    reasons = [reason for _, reason in parsed.conditions]
    notes = parsed.notes
    when = letter.date("assessment_date")
    what = (
        "your carer's assessment"
        if letter.carer
        else "the assessment of your needs for care and support"
    )
    blocks: list[Block] = [
        Para(
            f"Thank you for taking part in {what}"
            + (f" on {when}" if when else "")
            + ". This letter is the written record of our decision about whether your needs "
            "are eligible for support from us, and of our reasons (Care Act 2014, section 13(2))."
        ),
        Heading("Our decision"),
        OutcomeBox(
            "Our decision",
            "your needs are eligible. The eligible needs are:"
            if eligible and needs
            else "your needs are eligible"
            if eligible
            else "your needs are not eligible",
            needs if eligible else (),
        ),
    ]
    if summary:
        blocks.append(Para(summary))
    if letter.custody:
        blocks.append(
            Para(
                "The same eligibility rules apply in custody as in the community: where you are "
                "living has played no part in this decision."
            )
        )
    blocks.append(Heading("The three conditions and our reasons"))
    blocks.append(
        Para(
            "Needs are eligible only when all three of these conditions are met (Care and "
            "Support (Eligibility Criteria) Regulations 2015, regulation "
            + ("3" if letter.carer else "2")
            + "). For each one, this is what we found."
        )
    )
    names = _CARER_CONDITIONS if letter.carer else _ADULT_CONDITIONS
    for name, reason in zip(names, reasons, strict=True):
        blocks.append(Heading(name, level=2))
        blocks.append(Para(reason))
    if notes:
        blocks.append(Para("We also took this into account:", bold=True))
        blocks.append(Bullets(notes))
    reasoning = letter.text("eligibility_reasoning")
    if reasoning:
        blocks.append(Heading("Our reasoning, in the assessor's words"))
        blocks.append(Para(reasoning))
    blocks.append(Heading("What happens next"))
    if eligible:
        plan = "support plan" if letter.carer else "care and support plan"
        blocks.append(
            Para(
                f"We must meet your eligible needs. We will work with you on a {plan}: it sets "
                "out what you want to achieve, how your eligible needs will be met, and your "
                "personal budget (what the support costs). You may be asked to pay towards the "
                "cost; if so, we will do a financial assessment first and tell you the result "
                "in writing."
            )
        )
        if letter.custody:
            payments = _direct_payments_sentence(letter)
            blocks.append(
                Para(
                    f"We will agree the plan with you and with {letter.place}, and look at it "
                    "again if you move or are released." + (f" {payments}" if payments else "")
                )
            )
    else:
        blocks.append(
            Para(
                "We will give you written information and advice about what could meet or "
                "reduce your needs, and about preventing or delaying needs in future (Care Act "
                "2014, section 13(5)). It comes in a separate letter, "
                f'"{INELIGIBLE_ADVICE.title}".'
            )
        )
    blocks.append(Heading("If you think we have got something wrong"))
    blocks.append(
        Para(
            "If you think we have missed something or got something wrong, please tell us and we "
            "will look at our decision again. If your needs or circumstances change, you can ask "
            "for a new assessment at any time."
        )
    )
    return blocks


def _easy_conditions(letter: _Letter, parsed: _Determination) -> list[Block]:
    met = [m for m, _ in parsed.conditions]
    easy_names = _EASY_CARER_OUTCOMES if letter.carer else _EASY_ADULT_OUTCOMES
    unable = [easy_names[k] for k in _unable_keys(letter)]
    impact = letter.answers.get("wellbeing_impact")
    blocks: list[Block] = [_easy("We looked at 3 things.")]
    if letter.carer:
        cared_for = letter.text("cared_for_name") or "the person"
        blocks.append(
            _easy(
                f"1. You give care that {cared_for} needs."
                if met[0]
                else f"1. The care you give is not care that {cared_for} needs."
            )
        )
        health = letter.answers.get("health_deteriorating")
        lines = ["2. How caring affects you."]
        if health == "deteriorating":
            lines.append("Caring is making your health worse.")
        elif health == "at_risk":
            lines.append("Caring could make your health worse.")
        else:
            lines.append("Caring is not making your health worse.")
        if unable:
            lines.append("Because of caring, you cannot do these things without help:")
        elif not met[1]:
            lines.append("You can still do the things we asked about.")
        blocks.append(_easy(*lines))
        if unable:
            blocks.append(Bullets(tuple(unable)))
    else:
        blocks.append(
            _easy(
                "1. Your needs come from a health condition or disability."
                if met[0]
                else "1. Your needs do not come from a health condition or disability."
            )
        )
        if unable:
            blocks.append(
                _easy(
                    "2. You cannot do these things without help.",
                    "Or they are very hard for you:",
                )
            )
            blocks.append(Bullets(tuple(unable)))
        else:
            blocks.append(_easy("2. You can do the everyday things we asked about."))
        if not met[1]:
            blocks.append(_easy("Needs are eligible only if 2 or more things are hard."))
    if met[2]:
        third = (
            "3. This has a big effect on your life."
            if impact == "significant"
            else "3. This is likely to have a big effect on your life."
        )
    else:
        third = "3. This does not have a big effect on your life."
    blocks.append(_easy(third))
    verdict = (
        "All 3 things are true. So your needs are eligible."
        if all(met)
        else "Not all 3 things are true. So your needs are not eligible."
    )
    blocks.append(Para(verdict, bold=True))
    return blocks


def _eligibility_easy(letter: _Letter, outcome: Outcome) -> list[Block]:
    eligible = outcome.value == "eligible"
    parsed = _determination(outcome)
    when = letter.date("assessment_date")
    blocks: list[Block] = [
        _easy(
            f"We talked with you about your needs on {when}."
            if when
            else "We talked with you about your needs.",
            "This letter tells you what we decided.",
            "It also tells you why.",
        ),
        Heading("What did we decide?"),
    ]
    if eligible:
        blocks.append(Para("Your needs are eligible.", bold=True))
        blocks.append(
            _easy(
                "Eligible means we must help you get the support you need.",
                "We can arrange support, or help pay for it.",
                "You might have to pay something towards it.",
                "We will tell you before you have to pay anything.",
            )
        )
    else:
        blocks.append(Para("Your needs are not eligible.", bold=True))
        blocks.append(
            _easy(
                "This means we will not arrange or pay for support for these needs.",
                "But we can still tell you about help you can get.",
            )
        )
    if letter.custody:
        blocks.append(
            _easy(
                "Being in custody did not change our decision.",
                "The rules are the same everywhere.",
            )
        )
    blocks.append(Heading("Why did we decide this?"))
    blocks.extend(_easy_conditions(letter, parsed))
    reasoning = letter.text("eligibility_reasoning")
    if reasoning:
        blocks.append(Heading("What did we find out?"))
        blocks.append(_easy(f"{letter.writer} wrote this for you:"))
        blocks.append(_easy(*_easy_lines(reasoning)))
    blocks.append(Heading("What happens next?"))
    if eligible:
        plan = "support plan" if letter.carer else "care and support plan"
        blocks.append(
            _easy(
                "We will make a plan with you.",
                f"It is called a {plan}.",
                "The plan says how you will get the support you need.",
                f"We will make the plan with the staff at {letter.place} too."
                if letter.custody
                else "",
            )
        )
        payments = _EASY_DIRECT_PAYMENTS.get(_direct_payments(letter).value, ())
        if letter.custody and payments:
            blocks.append(_easy(*payments))
    else:
        blocks.append(
            _easy(
                "We will send you another letter.",
                "It tells you about other help you can get.",
            )
        )
    blocks.append(Heading("Do you think we got it wrong?"))
    blocks.append(
        _easy(
            "Please tell us.",
            "We will look at our decision again.",
            "Things can change.",
            "You can ask us to look at your needs again at any time.",
        )
    )
    return blocks
