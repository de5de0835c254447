"""Letters to the person, written from their record: the decision and what it means for them.

Four letters, each a `Document` for `build_pdf`: the written record of an eligibility
determination (Care Act s13(2)), the information and advice for needs that are not eligible
(s13(5)), the result of an NHS Continuing Healthcare Checklist, and the statement of a weekly
charge. Every letter carries the complaints route (with compliments and comments), independent
advocacy, a sign-off and room for the certificate signature; a person in custody gets the
custody edition, sent to them at the establishment, which also explains what the Prisons and
Probation Ombudsman deals with.

Easy read letters are written separately, in plain words with one idea to a line, never the
standard wording made bigger; large print is the standard wording at 16 pt. A letter is only
written from an outcome the rules worked out: otherwise `letter_document` refuses, saying
what to finish first. The rules' reasons are written for staff about "the person"; where a
letter quotes them it tells them to "you", and leaves out what is an instruction to staff.
A financial statement never prints the staff checks, and a CHC letter never prints anything
about money. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from assessor_app.core.charging.calculation import ASSET_KINDS
from assessor_app.core.chc.levels import CHECKLIST_DOMAINS
from assessor_app.core.errors import ValidationError
from assessor_app.core.form_engine.answers import visible_answers
from assessor_app.core.form_engine.evaluation import Evaluation
from assessor_app.core.form_engine.model import FormDefinition
from assessor_app.core.pdf.branding import Branding
from assessor_app.core.pdf.document import (
    Block,
    Bullets,
    Document,
    Heading,
    OutcomeBox,
    Para,
    StampBox,
    TableBlock,
    Variant,
)
from assessor_app.core.pdf.record_document import format_date, person_line, record_footer
from assessor_app.core.records import Assessment, Person, RecordStatus
from assessor_app.core.rules import Outcome
from assessor_app.core.rules.care_act import ADULT_WAYS, CARER_WAYS

__all__ = [
    "CHECKLIST_OUTCOME",
    "ELIGIBILITY_RECORD",
    "FINANCIAL_STATEMENT",
    "INELIGIBLE_ADVICE",
    "LETTER_KINDS",
    "LetterKind",
    "letter_document",
    "letters_for",
    "variant_for",
]


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


# --- choosing the variant and the letters -------------------------------------------------------


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


# --- what every letter shares ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Letter:
    """Everything one letter is written from."""

    kind: LetterKind
    form: FormDefinition
    record: Assessment
    person: Person
    answers: Mapping[str, Any]
    """The record's answers to the questions on show (a hidden answer is never printed)."""
    evaluation: Evaluation
    branding: Branding
    variant: Variant
    today: dt.date
    assessor_name: str
    assessor_role: str

    @property
    def easy(self) -> bool:
        return self.variant is Variant.EASY_READ

    @property
    def custody(self) -> bool:
        return self.person.details.setting.is_custody

    @property
    def name(self) -> str:
        d = self.person.details
        return " ".join(p for p in (d.given_name.strip(), d.family_name.strip()) if p)

    @property
    def place(self) -> str:
        """The establishment, as the letter names it."""
        return self.person.details.establishment_name.strip() or "the establishment"

    @property
    def writer(self) -> str:
        """Who wrote the record's own words (the record's author)."""
        return self.record.author.strip() or self.assessor_name

    @property
    def carer(self) -> bool:
        return self.form.id == "carers_assessment"

    @property
    def who(self) -> str:
        """Who the rules' reasons mean when they mean the person this letter is to."""
        return "the carer" if self.carer else "the person"

    def told(self, reason: str) -> str:
        """A rule's reason as this letter tells it to the person (see `_told_to_you`)."""
        return _told_to_you(reason, self.who)

    def text(self, field_id: str) -> str:
        value = self.answers.get(field_id)
        return value.strip() if isinstance(value, str) else ""

    def date(self, field_id: str) -> str:
        """A date answer in words, or "" when there is none."""
        value = self.answers.get(field_id)
        if not isinstance(value, str):
            return ""
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return ""
        return format_date(value)

    def labels(self, field_id: str) -> list[str]:
        """The option labels of a multiple-choice answer, in the form's order."""
        chosen = self.answers.get(field_id)
        if not isinstance(chosen, list) or not self.form.has_field(field_id):
            return []
        return [o.label for o in self.form.field(field_id).options if o.value in chosen]


def _address_lines(address: str) -> list[str]:
    lines = [line.strip() for line in address.splitlines() if line.strip()]
    if len(lines) == 1:
        lines = [part.strip() for part in lines[0].split(",") if part.strip()]
    return lines


def _recipient(letter: _Letter) -> list[str]:
    d = letter.person.details
    lines = [letter.name]
    if letter.custody:
        # The custody edition goes to the person at the establishment, under their number.
        if d.prison_number:
            lines.append(f"Prison number {d.prison_number}")
        if d.establishment_name.strip():
            lines.append(d.establishment_name.strip())
    address = _address_lines(d.address)
    if address and address[0] == d.establishment_name.strip():
        address = address[1:]
    return lines + address


def _opening(letter: _Letter) -> list[Block]:
    reference = letter.person.details.authority_person_id
    dated = format_date(letter.today.isoformat())
    if letter.easy:
        return [
            Para("\n".join(_recipient(letter))),
            Para(f"Date: {dated}"),
            Para(f"Dear {letter.name},"),
        ]
    return [
        Para("\n".join(_recipient(letter))),
        Para(dated + (f"\nOur reference: {reference}" if reference else "")),
        Para(f"Dear {letter.name},"),
    ]


def _contact_lines(branding: Branding, *, postal: bool = True) -> list[str]:
    lines = []
    if branding.phone:
        lines.append(f"Phone: {branding.phone}")
    if branding.email:
        lines.append(f"Email: {branding.email}")
    if branding.address and postal:
        lines.append(f"Write to: {branding.authority_name}, {', '.join(branding.address)}")
    return lines


def _custody_complaints(letter: _Letter) -> list[Block]:
    if letter.easy:
        return [
            Heading(f"Not happy with {letter.place}?", level=2),
            Para(
                "\n".join(
                    (
                        f"Use the complaints system at {letter.place} first.",
                        "Still not happy?",
                        "Then you can contact the Prisons and Probation Ombudsman.",
                        "The Ombudsman looks at complaints about prisons and probation.",
                        "Not happy with what we decided?",
                        "Then complain to us, in the ways above.",
                    )
                )
            ),
        ]
    return [
        Heading("If you are in custody", level=2),
        Para(
            "Complaints about our decision, or about the care and support we arrange for you, "
            "come to us by the route above, wherever you are living."
        ),
        Para(
            f"Complaints about {letter.place} itself, or about probation, go through the "
            "establishment's own complaints system first. If you are still unhappy, the Prisons "
            "and Probation Ombudsman can look at them: it deals with complaints about prisons, "
            "young offender institutions, approved premises and probation. It does not deal "
            "with complaints about our decisions."
        ),
    ]


def _complaints(letter: _Letter) -> list[Block]:
    b = letter.branding
    if letter.easy:
        theirs, left_out = _authority_lines(b.complaints)
        blocks: list[Block] = [
            Heading("Not happy?"),
            Para(
                "\n".join(
                    (
                        "You can tell us what you think.",
                        "You can tell us what we did well.",
                        "You can complain if you are not happy.",
                        "You can ask us to look again.",
                        "We can help you make a complaint.",
                        *_contact_lines(b),
                    )
                )
            ),
        ]
        if theirs:
            blocks.append(_easy(*theirs))
        if not any("Ombudsman" in line for line in theirs):
            blocks.append(
                _easy(
                    "Still not happy after we reply?",
                    "You can ask the Local Government and Social Care Ombudsman to look at it.",
                )
            )
        if left_out:
            blocks.append(_easy(*_MORE_IN_STANDARD))
    else:
        blocks = [
            Heading("Comments, complaints and compliments"),
            Para(
                "We want to hear what you think. Comments and compliments help us as much as "
                "complaints do. You can contact us in any of these ways:"
            ),
            Para("\n".join(_contact_lines(b))),
            Para(b.complaints),
        ]
    if letter.custody:
        blocks.extend(_custody_complaints(letter))
    return blocks


def _advocacy(letter: _Letter) -> list[Block]:
    b = letter.branding
    advocate = letter.text("advocate_name")
    at_establishment = letter.text("establishment_advocacy") if letter.custody else ""
    if letter.easy:
        lines = [
            "An advocate can help you.",
            "An advocate does not work for us.",
            "They can help you understand this letter.",
            "They can help you say what you want.",
        ]
        if advocate:
            lines.append(f"Your advocate is {advocate}.")
        theirs, left_out = _authority_lines(b.advocacy)
        blocks: list[Block] = [
            Heading("Do you want help to have your say?"),
            Para("\n".join(lines)),
        ]
        if theirs:
            blocks.append(_easy(*theirs))
        if left_out:
            blocks.append(_easy(*_MORE_IN_STANDARD))
        if at_establishment:
            blocks.append(_easy(f"At {letter.place}:", *_easy_lines(_sentence(at_establishment))))
        return blocks
    blocks = [Heading("Independent advocacy"), Para(b.advocacy)]
    if advocate:
        blocks.append(Para(f"Your advocate is {advocate}."))
    if at_establishment:
        blocks.append(Para(f"At {letter.place}: {_sentence(at_establishment)}"))
    return blocks


def _sign_off(letter: _Letter) -> list[Block]:
    b = letter.branding
    if letter.easy:
        return [
            Heading("Who sent this letter?"),
            Para(
                "\n".join(
                    (
                        letter.assessor_name,
                        letter.assessor_role,
                        b.authority_name,
                        *_contact_lines(b, postal=False),
                    )
                )
            ),
            Para(
                "\n".join(
                    (
                        "Do you want this letter in a different way?",
                        "Or the full letter with all the details?",
                        "Please ask us.",
                    )
                )
            ),
            StampBox("Signed electronically. Any PDF reader can check the signature."),
        ]
    return [
        Heading("Help with this letter", level=2),
        Para(
            "If you would like this letter in large print, easy read, another language or "
            "another format, or would like someone to go through it with you, please contact us."
        ),
        Para("Yours sincerely,"),
        Para(letter.assessor_name, bold=True),
        Para("\n".join(x for x in (letter.assessor_role, b.authority_name) if x)),
        Para("\n".join(_contact_lines(b, postal=False))),
        StampBox(
            f"Signed electronically for {b.authority_name}. Any PDF reader can check the signature."
        ),
    ]


# --- easy read wording ----------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


_CLAUSE_STARTS = frozenset(
    "and but or so because which who then if when while although unless you we they it "
    "this that please".split()
)
"""Words that start a new clause after a comma; a comma before anything else is more likely
to separate the items of a list ("by phone, email or letter"), which must stay on one line."""
_EASY_LINE_MAX = 20
"""Easy read has no sentence longer than this. A sentence of the assessor's this long or
shorter is kept whole on its line; a longer one (the letter must still print it) is cut after
its clauses, and a clause still longer than this at any comma as a last resort. A sentence of
the authority's longer than this is left out of easy read (see `_authority_lines`)."""
_MORE_IN_STANDARD = ("There is more about this in our standard letter.", "Ask us for it.")


def _cut(sentence: str, at: Callable[[str, str], bool]) -> list[str]:
    """`sentence` cut after each punctuation mark (outside brackets) for which `at` holds.

    `at` is given the mark and the word after it.
    """
    pieces: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(sentence):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(depth - 1, 0)
        elif ch in ",;:" and depth == 0 and sentence[i + 1 : i + 2] == " ":
            following = sentence[i + 2 :].split(" ", 1)[0].lower()
            if at(ch, following):
                pieces.append(sentence[start : i + 1].strip())
                start = i + 1
    pieces.append(sentence[start:].strip())
    return [p for p in pieces if p]


def _clauses(sentence: str) -> list[str]:
    """A sentence cut into its clauses.

    Cuts after a semicolon or colon, or a comma before a word that starts a clause; a clause
    still too long is cut at its other commas.
    """
    pieces: list[str] = []
    for piece in _cut(sentence, lambda mark, word: mark != "," or word in _CLAUSE_STARTS):
        if len(piece.split()) > _EASY_LINE_MAX:
            pieces.extend(_cut(piece, lambda _mark, _word: True))
        else:
            pieces.append(piece)
    return pieces


def _sentences(text: str) -> list[str]:
    """The sentences of `text`, exactly as written, whitespace squashed."""
    return [
        sentence
        for paragraph in text.splitlines()
        for sentence in _SENTENCE_END.split(" ".join(paragraph.split()))
        if sentence
    ]


def _easy_lines(text: str) -> list[str]:
    """The assessor's words laid out for easy read: one sentence to a line, words exact.

    A sentence of up to `_EASY_LINE_MAX` words is kept whole on its own line. A longer one is
    still printed (they are the record's words), broken after its clauses so that a line holds
    about one idea.
    """
    lines: list[str] = []
    for sentence in _sentences(text):
        if len(sentence.split()) <= _EASY_LINE_MAX:
            lines.append(sentence)
            continue
        current: list[str] = []
        for piece in _clauses(sentence):
            words = sum(len(p.split()) for p in current) + len(piece.split())
            if current and words > _EASY_LINE_WORDS:
                lines.append(" ".join(current))
                current = []
            current.append(piece)
        if current:
            lines.append(" ".join(current))
    return lines


def _authority_lines(text: str) -> tuple[list[str], bool]:
    """The authority's complaints or advocacy text for easy read, and whether any was left out.

    Each sentence is printed exactly, whole and alone on its line, so a line is one idea. A
    sentence of more than `_EASY_LINE_MAX` words is not easy read and cannot be reworded here,
    so it is left out; the letter then says that the standard letter has the rest, and says the
    essentials (looking again, the Ombudsman) in its own words. An authority gets every
    sentence printed by writing short ones in branding.yaml.
    """
    kept: list[str] = []
    left_out = False
    for sentence in _sentences(text):
        if len(sentence.split()) <= _EASY_LINE_MAX:
            kept.append(sentence)
        else:
            left_out = True
    return kept, left_out


def _sentence(text: str) -> str:
    """Text ending in a full stop (or its own ! or ?), for answers typed without one."""
    text = text.strip()
    return text if not text or text[-1] in ".!?" else f"{text}."


def _easy(*lines: str) -> Para:
    return Para("\n".join(line for line in lines if line))


# --- the rules' reasons, told to the person ---------------------------------------------------

_STAFF_ONLY = re.compile(
    r"\bmust (?:still )?be (?:given|offered|told)\b|\btell the person\b"
    r"|^(?:Choose|Record|Answer|Check)\b",
    re.IGNORECASE,
)
"""A sentence of a rule's reasons that is an instruction to staff, not news for the person."""
_DUTY_TO_OFFER = re.compile(
    r"the council must offer (?:you )?a deferred payment agreement(?:: talk about it now)?"
)
_YOU_VERBS = {
    "is": "are",
    "was": "were",
    "has": "have",
    "does": "do",
    "provides": "provide",
    "pays": "pay",
    "repays": "repay",
    "lives": "live",
    "needs": "need",
    "gets": "get",
    "keeps": "keep",
    "owns": "own",
    "receives": "receive",
    "lacks": "lack",
    **{
        modal: modal
        for modal in ("can", "cannot", "could", "may", "might", "must", "should", "will", "would")
    },
    "did": "did",
}
"""The verbs the reasons use after "the person" or "the carer", as they go after "you". A verb
not listed is left as written, with "the person", rather than guessed at."""
_BEFORE_AN_OBJECT = "about|after|against|as|at|before|by|for|from|of|on|than|to|with"
_THEIR = {
    "their": "your",
    "theirs": "yours",
    "they": "you",
    "them": "you",
    "themselves": "yourself",
}


def _second_person(sentence: str, who: str) -> str:
    """One sentence with `who` ("the person" or "the carer") told as "you", where that is safe.

    "the person's" becomes "your"; "the person" after a preposition becomes "you"; "the person"
    before a verb in `_YOU_VERBS` becomes "you" with the verb agreeing. Only then, in the same
    sentence, "their" and "they" become "your" and "you" (a sentence that never names the person
    may mean someone else by "they"). "The person cared for" is someone else, and is left alone.
    """
    noun = who.removeprefix("the ")
    told = False

    def you(word: str, capital: bool) -> str:
        nonlocal told
        told = True
        return word.capitalize() if capital else word

    sentence = re.sub(rf"\b([Tt])he {noun}'s\b", lambda m: you("your", m[1] == "T"), sentence)
    sentence = re.sub(
        rf"\b({_BEFORE_AN_OBJECT}) the {noun}\b(?!'| cared\b)",
        lambda m: f"{m[1]} {you('you', False)}",
        sentence,
    )
    sentence = re.sub(
        rf"\b([Tt])he {noun} ([a-z]+)\b",
        lambda m: f"{you('you', m[1] == 'T')} {_YOU_VERBS[m[2]]}" if m[2] in _YOU_VERBS else m[0],
        sentence,
    )
    if told:
        sentence = re.sub(
            r"\b([Tt])(heirs|heir|hemselves|hey|hem)\b",
            lambda m: (lambda w: w.capitalize() if m[1] == "T" else w)(_THEIR[f"t{m[2]}"]),
            sentence,
        )
    return sentence


def _told_to_you(reasons: str, who: str) -> str:
    """A rule's reason as a letter prints it: to "you", with no instructions to staff.

    Sentences that tell staff what to do ("must still be given", "Choose which way…") are left
    out: the letter says in its own words what the person can expect. A council's duty to offer
    a deferred payment becomes what the person can ask for. Everything else keeps the rule's
    words, with `who` told as "you" (see `_second_person`).
    """
    kept = []
    for sentence in _SENTENCE_END.split(" ".join(reasons.split())):
        if not sentence or _STAFF_ONLY.search(sentence):
            continue
        sentence = _DUTY_TO_OFFER.sub("you can ask us for a deferred payment agreement", sentence)
        kept.append(_second_person(sentence, who))
    return " ".join(kept)


def _names_someone(text: str, who: str) -> bool:
    """Whether `text` still says `who` ("the person") where it means the letter's reader."""
    return re.search(rf"\b[Tt]he {who.removeprefix('the ')}\b(?! cared\b)", text) is not None


# --- the eligibility record (Care Act s13(2)) -------------------------------------------------

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


@dataclass(frozen=True)
class _Determination:
    """The eligibility outcome's reasons, sorted into the parts the letter prints."""

    conditions: tuple[tuple[bool, str], ...]
    """(met, the reason as the rule gave it) for the three conditions, in order."""
    summary: str
    eligible_needs: tuple[str, ...]
    notes: tuple[str, ...]


def _determination(outcome: Outcome) -> _Determination:
    conditions: list[tuple[bool, str]] = []
    summary = ""
    needs: tuple[str, ...] = ()
    notes: list[str] = []
    prefix = "The eligible needs are: "
    for reason in outcome.reasons:
        if len(conditions) < 3 and reason.startswith(("Met:", "Not met:")):
            conditions.append((reason.startswith("Met:"), reason))
        elif not summary and reason.startswith(("All three conditions", "Not all three")):
            summary = reason
        elif reason.startswith(prefix):
            parts = reason[len(prefix) :].rstrip(".").split("; ")
            needs = tuple(p.removeprefix("and ").strip() for p in parts if p.strip())
        else:
            notes.append(reason)
    return _Determination(tuple(conditions), summary, needs, tuple(notes))


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


def _eligibility_standard(letter: _Letter, outcome: Outcome) -> list[Block]:
    eligible = outcome.value == "eligible"
    parsed = _determination(outcome)
    needs = tuple(letter.told(need) for need in parsed.eligible_needs)
    summary = letter.told(parsed.summary)
    reasons = [letter.told(reason) for _, reason in parsed.conditions]
    notes = tuple(n for n in (letter.told(note) for note in parsed.notes) if n)
    everything = [summary, *reasons, *notes, *needs]
    if len(parsed.conditions) != 3:
        everything = [r for r in (letter.told(r) for r in outcome.reasons) if r]
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
    # The reasons are told to "you"; only if one still names "the person" (a verb the letter
    # does not know how to turn) does the letter say once who that is.
    explain = (
        f' Where our reasons say "{letter.who}", they mean you.'
        if any(_names_someone(text, letter.who) for text in everything)
        else ""
    )
    blocks.append(
        Para(
            "Needs are eligible only when all three of these conditions are met (Care and "
            "Support (Eligibility Criteria) Regulations 2015, regulation "
            + ("3" if letter.carer else "2")
            + "). For each one, this is what we found."
            + explain
        )
    )
    names = _CARER_CONDITIONS if letter.carer else _ADULT_CONDITIONS
    if len(parsed.conditions) == 3:
        for name, reason in zip(names, reasons, strict=True):
            blocks.append(Heading(name, level=2))
            blocks.append(Para(reason))
    else:
        blocks.append(Bullets(tuple(everything)))
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
            blocks.append(
                Para(
                    f"We will agree the plan with you and with {letter.place}, and look at it "
                    "again if you move or are released. While you are in custody, support is "
                    "arranged for you: direct payments are not available."
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
    if len(parsed.conditions) == 3:
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


# --- information and advice for needs that are not eligible (Care Act s13(5)) -----------------

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


# --- the NHS Continuing Healthcare Checklist -------------------------------------------------

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
    # Reasons past the threshold lines are notes for staff; the letter says them in its own words.
    shown = [
        r
        for r in (
            letter.told(reason)
            for reason in (outcome.reasons[:-1] if value == "positive" else outcome.reasons[:1])
        )
        if r
    ]
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


# --- the financial statement ----------------------------------------------------------------------

_STATEMENT_LINE = re.compile(r"^(?P<what>.*?): (?P<amount>-?£[\d,]+\.\d\d)(?: \((?P<note>.*)\))?$")
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
    """One line of the charge's statement."""

    what: str
    amount: str
    """The sum as printed ("£17,500.00"), or "" for a line of words only."""
    note: str
    line: str
    """The line as the rule gave it."""


def _rows(outcome: Outcome) -> list[_Row]:
    rows = []
    for line in outcome.reasons:
        match = _STATEMENT_LINE.match(line)
        if match is None:
            rows.append(_Row(line.split(": ", 1)[0], "", "", line))
        else:
            rows.append(_Row(match["what"], match["amount"], match["note"] or "", line))
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
            words = letter.told(row.line)
            if words:
                cells.append((words, ""))
            continue
        note = letter.told(row.note)
        what = letter.told(row.what)
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


# --- checks and the entry point ---------------------------------------------------------------


def _not_worked_out(what: str, outcome: Outcome | None, finish: str) -> ValidationError:
    why = ""
    if outcome is not None and outcome.reasons:
        # Name what is missing when the rule says so, rather than a condition already met.
        missing = [r for r in outcome.reasons if r.startswith(("Not yet answered", "Still to"))]
        why = f" ({(missing or list(outcome.reasons))[0].rstrip('.')})"
    return ValidationError(
        f"The letter cannot be written: {what} has not been worked out yet{why}.",
        f"{finish} Nothing has been changed.",
    )


def _checked(letter: _Letter) -> tuple[Outcome, ...]:
    """The outcomes the letter is written from, or a refusal saying what to finish first."""
    kind, outcomes = letter.kind, letter.evaluation.outcomes
    if kind.id in (ELIGIBILITY_RECORD.id, INELIGIBLE_ADVICE.id):
        decided = outcomes.get("eligibility")
        if decided is not None and decided.value == "not_a_carer":
            raise ValidationError(
                "The letter cannot be written: this person is not a carer under the Care Act, "
                "so there is no eligibility decision to tell them about.",
                "Consider the needs of the person cared for in their own needs assessment.",
            )
        if decided is None or decided.value not in _ELIGIBILITY_VALUES:
            raise _not_worked_out(
                "the eligibility determination",
                decided,
                "Answer the questions the determination needs; its reasons say which.",
            )
        if kind is INELIGIBLE_ADVICE:
            if INELIGIBLE_ADVICE not in letters_for(letter.form, letter.evaluation, letter.answers):
                raise ValidationError(
                    "This letter is for needs that are not eligible, and this record's needs "
                    "are all eligible.",
                    "If some needs are not eligible, answer Yes to 'was written information and "
                    "advice given?' and record the information and advice for them.",
                )
            if not letter.text("ineligible_info_content"):
                raise ValidationError(
                    "The letter cannot be written: the information and advice for the needs "
                    "that are not eligible is not recorded yet.",
                    "Record it under 'The information and advice given' on the eligibility "
                    "page; the letter prints it.",
                )
        return (decided,)
    if kind is CHECKLIST_OUTCOME:
        result = outcomes.get("checklist_outcome")
        if result is None or result.value not in _CHECKLIST_VALUES:
            raise _not_worked_out(
                "the Checklist result",
                result,
                "Choose A, B or C for every domain (consent must be recorded first).",
            )
        return (result,)
    charge, rates = outcomes.get("charge"), outcomes.get("charge_rates")
    if charge is None or not isinstance(charge.value, int) or isinstance(charge.value, bool):
        raise _not_worked_out(
            "the weekly charge",
            charge,
            "Finish the financial assessment; its reasons say what is missing.",
        )
    if rates is None or rates.value is None:
        raise _not_worked_out("the rates table", rates, "Check the date the charge takes effect.")
    return (charge, rates)


_Writer = Callable[..., list[Block]]
_WRITERS: dict[tuple[str, bool], _Writer] = {
    (ELIGIBILITY_RECORD.id, False): _eligibility_standard,
    (ELIGIBILITY_RECORD.id, True): _eligibility_easy,
    (INELIGIBLE_ADVICE.id, False): _ineligible_standard,
    (INELIGIBLE_ADVICE.id, True): _ineligible_easy,
    (CHECKLIST_OUTCOME.id, False): _checklist_standard,
    (CHECKLIST_OUTCOME.id, True): _checklist_easy,
    (FINANCIAL_STATEMENT.id, False): _financial_standard,
    (FINANCIAL_STATEMENT.id, True): _financial_easy,
}


def _standard_title(kind: LetterKind, *, carer: bool) -> str:
    """The title the standard and large print letters print."""
    if kind is ELIGIBILITY_RECORD:
        if carer:
            return "Your carer's assessment: our decision"
        return "Your needs assessment: our decision"
    return kind.title


def _title(letter: _Letter) -> str:
    if letter.easy:
        if letter.kind is ELIGIBILITY_RECORD and letter.carer:
            return "Your carer's assessment: what we decided"
        return _EASY_TITLES[letter.kind.id]
    return _standard_title(letter.kind, carer=letter.carer)


def _require(ok: bool, message: str, next_step: str) -> None:
    if not ok:
        raise ValidationError(message, next_step)


def letter_document(
    kind_id: str,
    form: FormDefinition,
    record: Assessment,
    person: Person,
    evaluation: Evaluation,
    branding: Branding,
    *,
    variant: Variant,
    today: dt.date,
    assessor_name: str,
    assessor_role: str,
) -> Document:
    """One letter to the person, written from their record, ready for `build_pdf`.

    A record not yet completed (a draft, or an amendment in progress) gives a DRAFT letter
    with no signature space; otherwise the letter ends with the space for its certificate
    signature stamp.

    Args:
        kind_id: Which letter (a `LetterKind` id).
        form: The form version the record was made with.
        record: The record the letter is written from.
        person: The person the record is about, and the letter's addressee.
        evaluation: The record's evaluation (``evaluate(form, record.answers, today=...)``).
        branding: Who the letter comes from: contacts, complaints and advocacy.
        variant: Standard, large print or easy read (see `variant_for`).
        today: The letter's date.
        assessor_name: Who signs the letter off.
        assessor_role: Their job title.

    Raises:
        ValidationError: The letter cannot be written from this record (the outcome is not
            worked out, the letter does not apply, or a mandatory part is missing); the
            message says what to do first.
    """
    kind = _KINDS.get(kind_id)
    _require(
        kind is not None,
        f"There is no letter called '{kind_id}'.",
        "Choose one of: " + ", ".join(k.id for k in LETTER_KINDS) + ".",
    )
    assert kind is not None  # for mypy: _require raised otherwise
    _require(
        kind.id in form.letters,
        f'The letter "{kind.title}" is not written from a {form.title} record.',
        "Choose a letter that the record's form offers.",
    )
    _require(
        record.form_id == form.id and evaluation.form_id == form.id,
        "The record, its form and its evaluation do not belong together.",
        "Open the record again and retry; tell your system administrator if this keeps happening.",
    )
    _require(
        record.person_id == person.id,
        "This record is about someone else: the letter would go to the wrong person.",
        "Open the letter from the person's own record.",
    )
    _require(
        bool(branding.complaints.strip()) and bool(branding.advocacy.strip()),
        "Letters must say how to complain and how to get an independent advocate, and the "
        "authority's branding file has no "
        + (
            " or ".join(
                x
                for x, v in (("complaints", branding.complaints), ("advocacy", branding.advocacy))
                if not v.strip()
            )
        )
        + " text.",
        "Ask your system administrator to add it to branding.yaml (see docs/pdf.md).",
    )
    _require(
        bool(assessor_name.strip()),
        "Letters are signed off by name, and no assessor name was given.",
        "Check the name on your profile.",
    )
    letter = _Letter(
        kind=kind,
        form=form,
        record=record,
        person=person,
        answers=visible_answers(form, record.answers),
        evaluation=evaluation,
        branding=branding,
        variant=variant,
        today=today,
        assessor_name=assessor_name.strip(),
        assessor_role=assessor_role.strip(),
    )
    outcomes = _checked(letter)
    body = _WRITERS[(kind.id, letter.easy)](letter, *outcomes)
    draft = record.status in (RecordStatus.DRAFT, RecordStatus.AMENDED)
    title = _title(letter)
    opening = _opening(letter)
    blocks: list[Block] = [
        *opening,
        *body,
        *_complaints(letter),
        *_advocacy(letter),
        *_sign_off(letter),
    ]
    return Document(
        title=title,
        branding=branding,
        person_line=person_line(person),
        footer=record_footer(record),
        blocks=tuple(blocks),
        author=letter.assessor_name,
        subject=f"{title}: letter to {letter.name}",
        draft=draft,
        variant=variant,
        keywords=(form.id, kind.id, variant.value, record.id),
        # Address and date first, then the title as the letter's subject line, then "Dear".
        title_after=len(opening) - 1,
    )
