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

The package: `catalogue` (which letters, their titles, which a record can give), `shared`
(the parts every letter has), `plain_english` (easy read lines; reasons told to "you"), one
module per letter with its standard and easy read writers (`eligibility`, `ineligible_advice`,
`checklist`, `financial`) and `dispatch` (the checks and `letter_document`).
"""

from __future__ import annotations

from assessor_app.core.pdf.letters.catalogue import (
    CHECKLIST_OUTCOME,
    ELIGIBILITY_RECORD,
    FINANCIAL_STATEMENT,
    INELIGIBLE_ADVICE,
    LETTER_KINDS,
    LetterKind,
    letters_for,
    variant_for,
)
from assessor_app.core.pdf.letters.dispatch import letter_document

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
