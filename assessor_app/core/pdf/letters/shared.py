"""What every letter shares, from the opening to the sign-off.

The letter being written (`_Letter`), the recipient, the opening, the complaints route (with
the custody edition's Prisons and Probation Ombudsman), independent advocacy and the
sign-off. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assessor_app.core.form_engine.answer_text import format_date
from assessor_app.core.form_engine.evaluation import Evaluation
from assessor_app.core.form_engine.model import FormDefinition
from assessor_app.core.pdf.branding import Branding
from assessor_app.core.pdf.document import (
    Block,
    Heading,
    Para,
    StampBox,
    Variant,
)
from assessor_app.core.pdf.letters.catalogue import LetterKind
from assessor_app.core.pdf.letters.plain_english import (
    _MORE_IN_STANDARD,
    _authority_lines,
    _easy,
    _easy_lines,
    _sentence,
)
from assessor_app.core.records import Assessment, Person


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


_EASY_COMPLAINTS = (
    ("You can complain if you are not happy.", ("complain",)),
    ("You can ask us to look again.", ("look", "again")),
    ("We can help you make a complaint.", ("help", "complain")),
)
"""What easy read says about complaining in its own words, each with the words that show the
authority's own sentences say it already (so it is never said twice)."""


def _said(lines: list[str], words: tuple[str, ...]) -> bool:
    """Whether one of `lines` has all of `words` (ignoring case)."""
    return any(all(w in line.lower() for w in words) for line in lines)


def _complaints(letter: _Letter) -> list[Block]:
    b = letter.branding
    if letter.easy:
        # One complaints block: the authority's own sentences, with easy read's words only for
        # what those sentences do not say.
        theirs, left_out = _authority_lines(b.complaints)
        ours = [line for line, words in _EASY_COMPLAINTS if not _said(theirs, words)]
        blocks: list[Block] = [
            Heading("Not happy?"),
            Para(
                "\n".join(
                    (
                        "You can tell us what you think.",
                        "You can tell us what we did well.",
                        *ours,
                        *_contact_lines(b),
                    )
                )
            ),
        ]
        if theirs:
            blocks.append(_easy(*theirs))
        if not _said(theirs, ("ombudsman",)):
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
