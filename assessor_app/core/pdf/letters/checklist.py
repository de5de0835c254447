"""The result of an NHS Continuing Healthcare Checklist: standard and easy read.

A CHC letter never prints anything about money. Imports no Qt.
"""

from __future__ import annotations

from assessor_app.core.chc.levels import CHECKLIST_DOMAINS
from assessor_app.core.pdf.branding import Branding
from assessor_app.core.pdf.document import (
    Block,
    Bullets,
    Heading,
    OutcomeBox,
    Para,
)
from assessor_app.core.pdf.letters.plain_english import _easy, _easy_lines
from assessor_app.core.pdf.letters.shared import _Letter
from assessor_app.core.rules import Outcome

_EASY_DOMAINS = {
    "breathing": "Breathing",
    "nutrition": "Eating and drinking",
    "continence": "Going to the toilet",
    "skin": "Skin",
    "mobility": "Moving around",
    "communication": "Communication",
    "psychological": "Feelings and mental health",
    "cognition": "Memory and understanding",
    "behaviour": "Behaviour",
    "drug_therapies": "Medicines",
    "asc": "Blackouts or fits",
}


def _icb(branding: Branding) -> str:
    return branding.icb_name or "the NHS Integrated Care Board (ICB) for your area"


def _checklist_standard(letter: _Letter, outcome: Outcome) -> list[Block]:
    value = outcome.value
    icb = _icb(letter.branding)
    who = letter.text("practitioner_name") or letter.assessor_name
    role = ", ".join(
        x for x in (letter.text("practitioner_role"), letter.text("practitioner_organisation")) if x
    )
    when = letter.date("date_completed")
    # The threshold reasons, in the words the rule wrote for the person; what staff must do
    # next (a copy, written reasons) the letter says in its own words.
    shown = [d.person for d in outcome.details if d.code.startswith("threshold.") and d.person]
    blocks: list[Block] = [
        Para(
            f"{who}" + (f" ({role})" if role else "") + " completed the NHS Continuing "
            "Healthcare Checklist with you" + (f" on {when}" if when else "") + ". The "
            "Checklist is a screening tool: it shows whether you need a full assessment of "
            "your eligibility for NHS Continuing Healthcare. It does not decide whether you are "
            "eligible."
        ),
        Heading("What NHS Continuing Healthcare is"),
        Para(
            "NHS Continuing Healthcare is care arranged and paid for by the NHS for adults whose "
            'needs are mainly health needs (a "primary health need"). It can be given anywhere, '
            "for example in your own home or in a care home. If you are eligible, the NHS meets "
            "all your assessed health needs and the social care needs that come with them; in a "
            "care home this includes the care home place."
        ),
        Heading("The result"),
        OutcomeBox("The result of your Checklist", outcome.label),
    ]
    if value == "positive":
        blocks.append(
            Para(
                "A positive Checklist means that you need a full assessment. It does not mean "
                "that you are eligible for NHS Continuing Healthcare: that is decided after the "
                "full assessment.",
                bold=True,
            )
        )
    elif value == "refer":
        blocks.append(
            Para(
                "Your needs did not reach the level at which a full assessment is needed, but "
                f"{who} has asked for one anyway, for the reasons below. This does not mean "
                "that you are eligible for NHS Continuing Healthcare.",
                bold=True,
            )
        )
    else:
        blocks.append(
            Para(
                "A negative Checklist means that you do not need a full assessment for NHS "
                "Continuing Healthcare at the moment."
            )
        )
    blocks.append(Heading("Why"))
    blocks.append(
        Para(
            "The Checklist looks at 11 areas of need and scores each one A (the highest), B or C. "
            "This is what your Checklist found:"
        )
    )
    blocks.append(Bullets(tuple(shown)))
    rationale = letter.text("decision_rationale")
    if rationale:
        blocks.append(Para(f"{who}'s reasons:", bold=True))
        blocks.append(Para(rationale))
    blocks.append(Heading("What happens next"))
    if value in ("positive", "refer"):
        blocks.append(
            Para(
                f"The Checklist goes to {icb}, which arranges the full assessment. A team of at "
                "least two health and care professionals who know about your needs (a "
                "multidisciplinary team) will assess them with the national Decision Support "
                "Tool. You, and anyone you would like to support you, can take part. The team "
                f"recommends whether you are eligible, and {icb} decides. The decision should "
                f"usually be made within 28 days of {icb} receiving the Checklist, and it will "
                "write to you with the decision and the reasons."
            )
        )
        blocks.append(
            Para(
                "Eligibility is not permanent: needs change, and if you are eligible your care "
                "will be reviewed, first within three months and then at least once a year."
            )
        )
    else:
        blocks.append(
            Para(
                "You will not have a full assessment for NHS Continuing Healthcare now. This "
                "does not stop you getting other help: we can assess your needs for care and "
                "support, and the NHS may still provide some of your care, for example "
                "NHS-funded nursing care if you live in a nursing home."
            )
        )
        blocks.append(
            Para(
                "Your needs can change. If they do, you can ask for the Checklist to be done "
                "again at any time."
            )
        )
        blocks.append(Heading("If you think the result is wrong"))
        blocks.append(
            Para(
                f"You can ask {icb} to reconsider the decision not to carry out a full "
                "assessment. Tell them, or us, why you think it is wrong and anything you think "
                "was missed; we will help you to do this."
            )
        )
    blocks.append(Heading("Who to contact"))
    contact = letter.text("practitioner_contact")
    blocks.append(
        Bullets(
            (
                f"About the full assessment and the decision on eligibility: {icb}.",
                f"About this Checklist: {who}" + (f", {contact}" if contact else "") + ".",
            )
        )
    )
    return blocks


def _checklist_easy(letter: _Letter, outcome: Outcome) -> list[Block]:
    value = outcome.value
    icb = _icb(letter.branding)
    who = letter.text("practitioner_name") or letter.assessor_name
    when = letter.date("date_completed")
    blocks: list[Block] = [
        _easy(
            f"On {when}, {who} filled in a Checklist with you."
            if when
            else f"{who} filled in a Checklist with you.",
            "The Checklist helps us see if you need a full assessment.",
            "The full assessment is for NHS Continuing Healthcare.",
        ),
        Heading("What is NHS Continuing Healthcare?"),
        _easy(
            "It is care that the NHS arranges and pays for.",
            "It is for adults whose needs are mostly health needs.",
            "You can get it at home or in a care home.",
        ),
        Heading("What was the result?"),
    ]
    if value == "positive":
        blocks.append(Para("Your result is positive.", bold=True))
        blocks.append(
            _easy(
                "This means you will have a full assessment.",
                "It does not mean you will get NHS Continuing Healthcare.",
                "That is decided after the full assessment.",
            )
        )
    elif value == "refer":
        blocks.append(Para("We have asked for a full assessment for you.", bold=True))
        blocks.append(
            _easy(
                "Your Checklist result was negative.",
                "A negative result means you do not need a full assessment now.",
                f"But {who} thinks you should have one.",
                "It does not mean you will get NHS Continuing Healthcare.",
            )
        )
    else:
        blocks.append(Para("Your result is negative.", bold=True))
        blocks.append(_easy("This means you do not need a full assessment now."))
    blocks.append(Heading("Why?"))
    levels = {key: letter.answers.get(f"cl_{key}") for key, _ in CHECKLIST_DOMAINS}
    high = [_EASY_DOMAINS[k] for k, v in levels.items() if v == "A"]
    some = [_EASY_DOMAINS[k] for k, v in levels.items() if v == "B"]
    if high:
        blocks.append(_easy("You have high needs in:"))
        blocks.append(Bullets(tuple(high)))
    if some:
        blocks.append(_easy("You have some needs in:"))
        blocks.append(Bullets(tuple(some)))
    if not high and not some:
        blocks.append(_easy("Your needs were low in all the areas we looked at."))
    rationale = letter.text("decision_rationale")
    if rationale:
        blocks.append(_easy(f"{who} wrote:", *_easy_lines(rationale)))
    blocks.append(Heading("What happens next?"))
    if value in ("positive", "refer"):
        blocks.append(
            _easy(
                f"We will send the Checklist to {icb}.",
                "A team of health and care workers will look at your needs.",
                "You can take part.",
                "Someone can come with you to support you.",
                f"Then {icb} will decide.",
                "This usually takes up to 28 days.",
                "They will write to you.",
            )
        )
    else:
        blocks.append(
            _easy(
                "You will not have a full assessment now.",
                "We can still help you with care and support.",
                "Your needs might change.",
                "Then you can ask for a new Checklist.",
            )
        )
        blocks.append(Heading("Do you think the result is wrong?"))
        blocks.append(
            _easy(
                f"You can ask {icb} to look again.",
                "Tell them or us why.",
                "We can help you do this.",
            )
        )
    blocks.append(Heading("Who can you contact?"))
    contact = letter.text("practitioner_contact")
    blocks.append(
        _easy(
            f"About the full assessment: {icb}.",
            f"About this Checklist: {who}" + (f", {contact}." if contact else "."),
        )
    )
    return blocks
