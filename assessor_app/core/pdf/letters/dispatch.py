"""Writing a letter: the checks that it can be written, and the one entry point.

`letter_document` refuses, saying what to finish first, unless the record is finalised and the
rules worked out the outcome the letter tells; then it picks the letter's standard or easy
read writer and adds the parts every letter shares. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from assessor_app.core.errors import ValidationError
from assessor_app.core.form_engine.answers import visible_answers
from assessor_app.core.form_engine.evaluation import Evaluation
from assessor_app.core.form_engine.model import FormDefinition
from assessor_app.core.pdf.branding import Branding
from assessor_app.core.pdf.document import (
    Block,
    Document,
    Variant,
)
from assessor_app.core.pdf.letters.catalogue import (
    _CHECKLIST_VALUES,
    _EASY_TITLES,
    _ELIGIBILITY_VALUES,
    _KINDS,
    CHECKLIST_OUTCOME,
    ELIGIBILITY_RECORD,
    FINANCIAL_STATEMENT,
    INELIGIBLE_ADVICE,
    LETTER_KINDS,
    _standard_title,
    letters_for,
)
from assessor_app.core.pdf.letters.checklist import _checklist_easy, _checklist_standard
from assessor_app.core.pdf.letters.eligibility import _eligibility_easy, _eligibility_standard
from assessor_app.core.pdf.letters.financial import _financial_easy, _financial_standard
from assessor_app.core.pdf.letters.ineligible_advice import _ineligible_easy, _ineligible_standard
from assessor_app.core.pdf.letters.shared import (
    _advocacy,
    _complaints,
    _Letter,
    _opening,
    _sign_off,
)
from assessor_app.core.pdf.record_document import person_line, record_footer, record_reference
from assessor_app.core.records import Assessment, Person, RecordStatus
from assessor_app.core.rules import Outcome


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
        codes = {d.code for d in decided.details if d.person}
        if not {"condition.1", "condition.2", "condition.3", "summary"} <= codes:
            # A replacement eligibility rule that gives only staff sentences: the letter would
            # have to rewrite them for the person, which is how a signed letter changes unseen.
            raise ValidationError(
                "The letter cannot be written: the eligibility rule did not give its reasons "
                "in the words the person reads (each condition and the decision).",
                "Tell your system administrator: the rule in use needs updating. The record "
                "is finalised and signed meanwhile.",
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
    large_type = variant is not Variant.STANDARD
    title = _title(letter)
    opening = _opening(letter)
    blocks: list[Block] = [
        *opening,
        *body,
        *_complaints(letter),
        *_advocacy(letter),
        # Nothing under 16 pt in large type, so the footer's content hash is in the letter,
        # before its sign-off (which ends it, with the signature).
        *(_reference(letter) if large_type else []),
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
        created=_created(record, today),
        large_type=large_type,
    )


def _reference(letter: _Letter) -> list[Block]:
    """The record the letter is written from, as large print and easy read end with it."""
    if letter.easy:
        return record_reference(
            letter.record,
            heading="About this paper",
            told="We keep your record on our computer.\nThese numbers help us find it.",
        )
    return record_reference(letter.record, heading="About this letter")


def _created(record: Assessment, today: dt.date) -> dt.datetime:
    """When a letter was made, as its PDF says: its date, or its revision's saving that day.

    Never earlier than the revision it is written from, nor than the date it bears, and the
    same for the same revision and date, so a letter made again renders to the same bytes.
    """
    dated = dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC)
    saved = record.updated_at
    if saved is None:
        return dated
    saved = saved if saved.tzinfo else saved.replace(tzinfo=dt.UTC)
    return max(saved, dated)
