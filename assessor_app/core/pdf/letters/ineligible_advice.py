"""Information and advice for needs that are not eligible (Care Act s13(5)).

Standard and easy read. Imports no Qt.
"""

from __future__ import annotations

from assessor_app.core.pdf.document import (
    Block,
    Bullets,
    Heading,
    Para,
)
from assessor_app.core.pdf.letters.catalogue import ELIGIBILITY_RECORD, _standard_title
from assessor_app.core.pdf.letters.plain_english import _easy, _easy_lines
from assessor_app.core.pdf.letters.shared import _Letter
from assessor_app.core.rules import Outcome

_EASY_PREVENTION = {
    "information_advice": "Information and advice",
    "equipment": "Equipment, or small changes to your home",
    "reablement": "Short-term help to get back on your feet",
    "technology": "Technology, like an alarm you can wear",
    "community": "Groups and activities near you",
    "health": "Seeing a health worker",
    "caring_safely": "How to care safely, like lifting safely",
    "own_health": "Looking after your own health",
    "work_life": "Work, learning and time for you",
    "breaks": "Breaks from caring",
    "local_support": "Local groups for carers",
    "money": "Advice about money and benefits",
}


def _prevention(letter: _Letter) -> tuple[list[str], list[str], str]:
    """(option values, option labels, details) of what was offered to prevent or delay needs."""
    offered_id, details_id = (
        ("support_offered", "support_details")
        if letter.carer
        else ("prevention_offered", "prevention_details")
    )
    chosen = letter.answers.get(offered_id)
    values = [v for v in chosen if isinstance(v, str)] if isinstance(chosen, list) else []
    values = [v for v in values if v != "nothing_suitable"]
    labels = [
        label for label in letter.labels(offered_id) if label != "Nothing suitable at this stage"
    ]
    return values, labels, letter.text(details_id)


def _ineligible_standard(letter: _Letter, outcome: Outcome) -> list[Block]:
    some = outcome.value == "eligible"
    when = letter.date("assessment_date")
    whose = " as a carer" if letter.carer else ""
    assessed = (
        f"When we assessed your needs{whose}{f' on {when}' if when else ''}, we decided that "
    )
    record = _standard_title(ELIGIBILITY_RECORD, carer=letter.carer)
    decided = (
        "some of your needs are eligible for support from us, and some are not. Our letter "
        f'"{record}" explains which, and why.'
        if some
        else f'your needs are not eligible for support from us. Our letter "{record}" gives '
        "the reasons."
    )
    _, labels, details = _prevention(letter)
    blocks: list[Block] = [
        Para(assessed + decided),
        Para(
            "We must still give you information and advice about what can help with "
            + ("the needs that are not eligible" if some else "your needs")
            + " (Care Act 2014, section 13(5)). This letter is that information."
        ),
        Heading("What could meet or reduce your needs"),
        Para(letter.text("ineligible_info_content")),
        Heading("Preventing or delaying needs in future"),
    ]
    if labels or details:
        blocks.append(Para("During the assessment we offered or talked about:"))
        if labels:
            blocks.append(Bullets(tuple(labels)))
        if details:
            blocks.append(Para(details))
    blocks.append(
        Para(
            "If you start to find things harder, contact us early: information, advice, "
            "equipment or a short period of support can often stop needs getting worse."
        )
    )
    blocks.append(Heading("If things change"))
    blocks.append(
        Para(
            "You can ask us for a new assessment at any time if your needs or circumstances "
            "change. If you think we have missed something or got something wrong, please tell "
            "us and we will look at our decision again."
        )
    )
    return blocks


def _ineligible_easy(letter: _Letter, outcome: Outcome) -> list[Block]:
    some = outcome.value == "eligible"
    values, _, details = _prevention(letter)
    blocks: list[Block] = [
        _easy(
            "We talked with you about your needs.",
            "Some of your needs are not eligible." if some else "Your needs are not eligible.",
            "This means we will not arrange or pay for support for "
            + ("those needs." if some else "them."),
            "But there is other help you can get.",
            "This letter tells you about it.",
        ),
        Heading("What can help now?"),
        _easy(f"{letter.writer} wrote this for you:"),
        _easy(*_easy_lines(letter.text("ineligible_info_content"))),
        Heading("How can you stop things getting harder?"),
    ]
    easy_offers = [_EASY_PREVENTION[v] for v in values if v in _EASY_PREVENTION]
    if easy_offers:
        blocks.append(_easy("We talked about:"))
        blocks.append(Bullets(tuple(easy_offers)))
    if details:
        blocks.append(_easy(*_easy_lines(details)))
    blocks.append(
        _easy(
            "Are things getting harder?",
            "Tell us early.",
            "A little help now can stop things getting worse.",
        )
    )
    blocks.append(Heading("What if things change?"))
    blocks.append(
        _easy(
            "You can ask us to look at your needs again at any time.",
            "Do you think we got it wrong?",
            "Please tell us.",
            "We will look again.",
        )
    )
    return blocks
