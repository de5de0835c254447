"""A plan for the person it is for: an easy-read and a large-print edition.

Both plans get them: the care and support plan and the carer's support plan (`PLAN_WORDS`
holds what differs: the easy-read title, the plain names of the needs, who meets a need
otherwise, and the signature field).

Both are written from the plan's answers (never by scaling the standard PDF) and print every
word at 16 point or more (`Document.large_type`), left aligned, black on white, with no
pictures under text. The project has no picture set of its own, so easy read has none.

Easy read takes each need in turn under a heading in plain words ("Keeping clean"), with
"What you told us", "What you want", "What will happen", "Who will help", "When" and "How
much you pay each week", one idea to a line. The person's own words (what they said, the
outcomes they want) are printed exactly, broken into lines only at their sentences and
clauses (`letters.plain_english`). The weekly amount the person pays is one amount for all
their help, from the plan's personal budget; it is never split between the needs.

Large print is the whole plan in the form's own words, each question over its answer, the
personal budget line by line. Imports no Qt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assessor_app.core import answer_values as read
from assessor_app.core.charging.calculation import format_pounds
from assessor_app.core.form_engine.answer_text import format_date
from assessor_app.core.form_engine.evaluation import Evaluation
from assessor_app.core.form_engine.model import FormDefinition
from assessor_app.core.form_engine.signatures import describe_signature
from assessor_app.core.pdf.branding import Branding
from assessor_app.core.pdf.document import (
    Block,
    Document,
    Heading,
    KeyValues,
    Para,
    StampBox,
    Variant,
)
from assessor_app.core.pdf.letters.plain_english import _easy_lines, _sentence
from assessor_app.core.pdf.record_document import (
    record_document,
    record_footer,
    record_reference,
)
from assessor_app.core.records import Assessment, Person, RecordStatus

__all__ = ["PLAN_WORDS", "RENDITIONS", "PlanWords", "plan_rendition", "renditions_for"]

RENDITIONS: tuple[Variant, ...] = (Variant.EASY_READ, Variant.LARGE_PRINT)
"""The editions made for the person beside the standard signed PDF of a plan."""

EASY_TITLE = "Your care and support plan"

PLAIN_NEED = {
    "nutrition": "Eating and drinking",
    "hygiene": "Keeping clean",
    "toilet": "Using the toilet",
    "clothing": "Getting dressed",
    "home_safety": "Being safe at home",
    "habitable_home": "Keeping your home clean and safe",
    "relationships": "Family and friends",
    "work_education": "Work, learning and volunteering",
    "community": "Going out and using local places",
    "child_care": "Looking after a child",
}
"""Each need of the Care Act's outcomes in plain words, as an easy-read heading."""

PLAIN_CARER_NEED = {
    "child_care": "Looking after a child",
    "other_caring": "Caring for other people",
    "habitable_home": "Keeping your home clean and safe",
    "nutrition": "Eating and drinking",
    "relationships": "Family and friends",
    "work_education": "Work, learning and volunteering",
    "community": "Going out and using local places",
    "recreation": "Doing things you enjoy",
    "carer_health": "Your health",
}
"""Each need of a carer's outcomes (and the effect of caring on their health) in plain words."""


@dataclass(frozen=True)
class PlanWords:
    """What the easy-read edition of one kind of plan says differently."""

    title: str
    """The easy-read title."""
    about: tuple[str, ...]
    """The opening lines after "Hello", before the date the plan was made."""
    needs: Mapping[str, str]
    """Each need's key in plain words, as a heading."""
    otherwise: Mapping[str, str]
    """Who meets a need otherwise (the plan's `met_otherwise_by`), as a sentence."""
    signature: str
    """The field holding the signature of the person the plan is for."""


PLAN_WORDS: dict[str, PlanWords] = {
    "care_support_plan": PlanWords(
        EASY_TITLE,
        (
            "This is your plan.",
            "It says what help you will get.",
            "It says who will help you, and when.",
        ),
        PLAIN_NEED,
        {
            "carer": "A carer helps you with this.",
            "other_service": "Another service helps you with this.",
            "own_arrangements": "You have your own help with this.",
        },
        "person_signature",
    ),
    "carers_support_plan": PlanWords(
        "Your support plan as a carer",
        (
            "This is your plan.",
            "It is about you, as a carer.",
            "It says what help you will get.",
            "It says who will help you, and when.",
        ),
        PLAIN_CARER_NEED,
        {
            "cared_for_support": "The help for the person you care for also helps you with this.",
            "other_service": "Another service helps you with this.",
            "own_arrangements": "You have your own help with this.",
        },
        "carer_signature",
    ),
}
"""The words of each plan's easy-read edition, by the plan's form id."""


def renditions_for(form_id: str) -> tuple[Variant, ...]:
    """The editions for the person a finalised record of this form gets (none for most)."""
    return RENDITIONS if form_id in PLAN_WORDS else ()


def _person_name(person: Person) -> str:
    d = person.details
    return " ".join(p for p in (d.given_name.strip(), d.family_name.strip()) if p)


def _header_line(person: Person) -> str:
    d = person.details
    born = f"  ·  born {d.date_of_birth:%d/%m/%Y}" if d.date_of_birth else ""
    return f"{_person_name(person)}{born}"


def _lines(text: str) -> str:
    return "\n".join(_easy_lines(text))


def _pounds(pence: int) -> str:
    return format_pounds(pence).removesuffix(".00") if pence % 100 == 0 else format_pounds(pence)


def _budget(evaluation: Evaluation) -> tuple[int | None, int | None, int | None]:
    """The weekly cost, what the person pays and the authority's share, in pence (or None)."""
    outcome = evaluation.outcomes.get("personal_budget")
    if outcome is None:
        return None, None, None
    found: dict[str, int] = {}
    for reason in outcome.details:
        pence = reason.facts.get("pence")
        if isinstance(pence, int):
            found[reason.code] = pence
    total = found.get("budget.total")
    paid = found.get("budget.capped", found.get("budget.contribution"))
    if outcome.value is None:
        paid = None
    return total, paid, found.get("budget.share")


def _need_name(item: Mapping[str, Any], words: PlanWords) -> str:
    domain = read.choice(item, "need_domain") or ""
    return words.needs.get(domain) or read.text(item, "need_other") or "Another need"


def _need_blocks(item: Mapping[str, Any], paid: int | None, words: PlanWords) -> list[Block]:
    name = _need_name(item, words)
    blocks: list[Block] = [Heading(name, room=0.999)]
    if read.choice(item, "need_basis") == "chosen_to_meet":
        blocks.append(Para("We do not have to help with this.\nWe have chosen to help you."))
    said = read.text(item, "need_said")
    if said:
        blocks += [Heading("What you told us", level=2), Para(_lines(said))]
    wanted = read.text(item, "need_outcome")
    if wanted:
        blocks += [Heading("What you want", level=2), Para(_lines(wanted))]
    if read.choice(item, "how_met") == "otherwise":
        who = read.choice(item, "met_otherwise_by") or ""
        blocks += [
            Heading("What will happen", level=2),
            Para(words.otherwise.get(who, "Someone else helps you with this.")),
        ]
        reason = read.text(item, "met_otherwise_reason")
        if reason:
            blocks += [Heading("Why", level=2), Para(_lines(reason))]
        blocks += [
            Heading("How much you pay each week", level=2),
            Para("We do not pay for this help.\nYou do not pay us for it."),
        ]
    else:
        blocks += [Heading("What will happen", level=2), Para(_lines(read.text(item, "met_how")))]
        blocks += [Heading("Who will help", level=2), Para(_sentence(read.text(item, "met_by")))]
        blocks += [Heading("When", level=2), Para(_sentence(read.text(item, "met_often")))]
        blocks += [Heading("How much you pay each week", level=2), _need_cost(item, paid)]
    return blocks


def _need_cost(item: Mapping[str, Any], paid: int | None) -> Para:
    cost = read.whole_number(item, "weekly_cost")
    lines = []
    if cost == 0:
        lines.append("This help does not cost anything.")
    elif cost is not None:
        lines.append(f"This help costs {_pounds(cost)} each week.")
    if paid is None:
        lines += ["We have not worked out yet what you pay.", "We will tell you."]
    elif paid == 0:
        lines.append("You pay nothing towards your help.")
    else:
        lines += [
            f"You pay {_pounds(paid)} each week.",
            "That is for all your help together, not for each part.",
        ]
    return Para("\n".join(lines))


def _money(total: int | None, paid: int | None, share: int | None) -> list[Block]:
    blocks: list[Block] = [Heading("Your money", room=0.3)]
    lines = []
    if total is not None:
        lines.append(f"All your help costs {_pounds(total)} each week.")
    if paid is None:
        lines += ["We have not worked out yet what you pay.", "We will look at your money first."]
    else:
        lines.append(f"You pay {_pounds(paid)} each week.")
        if share is not None:
            lines.append(f"We pay {_pounds(share)} each week.")
        lines.append("We worked out what you pay from your money.")
        lines.append("You never pay more than your help costs.")
    blocks.append(Para("\n".join(lines)))
    return blocks


def _signed(answers: Mapping[str, Any], assessor: str, field_id: str) -> list[Block]:
    lines = []
    person = describe_signature(answers.get(field_id))
    if person is not None:
        when = f" on {format_date(person.signed_on.isoformat())}" if person.signed_on else ""
        if person.signed and person.capacity_label:
            lines.append(f"{person.name or 'Someone'} signed it for you{when}.")
        elif person.signed:
            lines.append(f"You signed it{when}.")
        else:
            lines.append("You did not sign it.")
            if person.unable_reason_label:
                lines.append(f"This is why: {person.unable_reason_label.lower()}.")
    worker = describe_signature(answers.get("assessor_signature"))
    if worker is not None and worker.signed:
        when = f" on {format_date(worker.signed_on.isoformat())}" if worker.signed_on else ""
        lines.append(f"{worker.name or assessor} signed it for us{when}.")
    # A page of its own with what follows: questions, the record's numbers, the stamp.
    return [Heading("Who signed this plan", room=0.999), Para("\n".join(lines))] if lines else []


def _contact(branding: Branding) -> list[Block]:
    lines = ["Do you have a question?", "Do you want to change something?", "Please tell us."]
    if branding.phone:
        lines.append(f"Phone: {branding.phone}")
    if branding.email:
        lines.append(f"Email: {branding.email}")
    return [
        Heading("Questions"),
        Para("\n".join(lines)),
        Para(
            "Do you want this plan in a different way?\nOr the full plan with all the details?"
            "\nPlease ask us."
        ),
    ]


def _easy_read(
    record: Assessment, person: Person, evaluation: Evaluation, branding: Branding
) -> list[Block]:
    answers = record.answers
    words = PLAN_WORDS[record.form_id]
    total, paid, share = _budget(evaluation)
    agreed = read.text(answers, "plan_date")
    intro = list(words.about)
    if agreed:
        intro.append(f"We made it with you on {format_date(agreed)}.")
    blocks: list[Block] = [Para("\n".join([f"Hello {person.details.given_name.strip()}.", *intro]))]
    # What the help is for comes first, as a short list, then what the person wants.
    needs = [item for item in read.items(answers, "plan_needs") if read.choice(item, "need_domain")]
    if needs:
        count = "one thing" if len(needs) == 1 else f"{len(needs)} things"
        blocks += [
            Heading("Your help"),
            # One paragraph, not a list: a list's spacing pushes the page's last part over.
            Para(
                "\n".join(
                    [f"You need help with {count}:", *(f"•  {_need_name(i, words)}" for i in needs)]
                )
            ),
        ]
    outcomes = read.text(answers, "person_outcomes")
    if outcomes:
        blocks += [Heading("What matters to you"), Para("You told us:\n" + _lines(outcomes))]
    strengths = read.text(answers, "strengths_and_support")
    if strengths:
        blocks += [Heading("What helps you already"), Para(_lines(strengths))]
    for item in needs:
        blocks += _need_blocks(item, paid, words)
    # The advice on each need after them all, so that each need fits a page of its own.
    advice = [(item, read.text(item, "prevention_offered")) for item in needs]
    if any(text for _, text in advice):
        blocks += [
            Heading("Other things that can help", room=0.999),
            Para("We told you about things that can help you stay well."),
        ]
        for item, text in advice:
            if text:
                blocks += [Heading(_need_name(item, words), level=2), Para(_lines(text))]
    blocks += _money(total, paid, share)
    blocks += _signed(answers, record.author, words.signature)
    blocks += _contact(branding)
    blocks += record_reference(
        record,
        heading="About this paper",
        told="We keep this plan on our computer.\nThese numbers help us find it.",
    )
    blocks.append(StampBox("Signed on a computer. Any PDF reader can check it."))
    return blocks


def _named_need(block: Block, form: FormDefinition, answers: Mapping[str, Any]) -> Block:
    """Large print's "Need 2" heading with the need's name, in the form's words."""
    if not isinstance(block, Heading) or block.level != 2:
        return block
    number = block.text.removeprefix("Need ")
    items = read.items(answers, "plan_needs")
    if not number.isdigit() or not 1 <= int(number) <= len(items):
        return block
    item = items[int(number) - 1]
    domain = read.choice(item, "need_domain")
    labels = {o.value: o.label for o in form.field("need_domain").options}
    name = read.text(item, "need_other") if domain == "other" else labels.get(domain or "", "")
    return Heading(f"{block.text}: {name}", level=2) if name else block


def plan_rendition(
    form: FormDefinition,
    record: Assessment,
    person: Person,
    evaluation: Evaluation,
    branding: Branding,
    variant: Variant,
) -> Document:
    """The plan as the person reads it: easy read or large print, every word 16 pt or more.

    Args:
        form: The plan's form definition.
        record: The plan (a draft prints DRAFT on every page and has no signature space).
        person: Who the plan is for.
        evaluation: The plan's evaluation (its personal budget).
        branding: Who it comes from.
        variant: `Variant.EASY_READ` or `Variant.LARGE_PRINT`.
    """
    draft = record.status in (RecordStatus.DRAFT, RecordStatus.AMENDED)
    if variant is Variant.EASY_READ:
        title = PLAN_WORDS[record.form_id].title
        blocks: tuple[Block, ...] = tuple(_easy_read(record, person, evaluation, branding))
    else:
        standard = record_document(
            form, record, person, evaluation, branding, variant=Variant.LARGE_PRINT
        )
        title = form.title
        body = [_named_need(b, form, record.answers) for b in standard.blocks]
        body = [b for b in body if not isinstance(b, StampBox)]
        if isinstance(body[0], KeyValues):
            body[0] = KeyValues((("Edition", "Large print"), *body[0].rows))
        tail: list[Block] = [*record_reference(record)]
        if not draft:
            tail.append(StampBox("Signed electronically. Any PDF reader can check the signature."))
        blocks = (*body, *tail)
    return Document(
        title=title,
        branding=branding,
        person_line=_header_line(person),
        footer=record_footer(record),
        blocks=tuple(b for b in blocks if draft is False or not isinstance(b, StampBox)),
        author=record.author,
        subject=f"{form.title} ({variant.label.lower()}) for {_person_name(person)}",
        draft=draft,
        variant=variant,
        keywords=(form.id, f"v{form.version}", record.id, variant.value),
        created=record.updated_at,
        large_type=True,
    )
