"""Signing a record by hand without the signature pad: a typed name, or why they cannot sign.

The desktop app records a signature through its editor (a drawn signature, or "unable to sign"
with a reason) and saves it as an answer with `save_field`. Where nothing can be drawn (the
command line), `sign_record` builds the same answer, in one of the shapes
`form_engine/signatures.py` defines (``typed`` for a name typed as the signature), checks it
with the same value checks the editor shows, and saves it the same way, as a revision of its
own. Not to be confused with `signing.py`, the profile's certificate that signs the PDF.
Imports no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assessor_app.core.errors import ValidationError
from assessor_app.core.form_engine.answers import is_visible
from assessor_app.core.form_engine.model import FieldDef, FieldType, is_answered
from assessor_app.core.form_engine.signatures import (
    OTHER,
    REPRESENTATIVE_CAPACITIES,
    SIGNER_LABELS,
    UNABLE_REASONS,
    signer_phrase,
)
from assessor_app.core.form_engine.value_checks import value_messages
from assessor_app.core.records import Assessment, AssessmentId
from assessor_app.core.services.records import open_for_editing
from assessor_app.core.services.session import Session

__all__ = ["AlreadySignedError", "SignedAnswer", "sign_record", "signature_answer"]


class AlreadySignedError(ValidationError):
    """The question holds a signature or a reason already, and replacing it was not asked for."""


@dataclass(frozen=True)
class SignedAnswer:
    """What `sign_record` saved."""

    record: Assessment
    """The record at the revision holding the signature."""
    field: FieldDef
    """The signature question answered."""
    value: dict[str, Any]
    """The answer saved."""
    replaced: bool
    """True when it replaced an earlier signature or reason."""


def signature_answer(
    name: str,
    signed_on: str,
    *,
    unable: str | None = None,
    detail: str | None = None,
    capacity: str | None = None,
    capacity_detail: str | None = None,
) -> dict[str, Any]:
    """The answer for a name typed as a signature, or for "unable to sign" with a reason.

    Args:
        name: The signer's name in full: the signature itself, or their name in print.
        signed_on: The day, YYYY-MM-DD.
        unable: A key of `UNABLE_REASONS`; None when they sign by typing their name.
        detail: Why they cannot sign, in words (needed for "other").
        capacity: A representative's authority, a key of `REPRESENTATIVE_CAPACITIES`.
        capacity_detail: That authority in words (needed for "other").

    Raises:
        ValidationError: A reason or an authority that is not one of the listed ones, or an
            authority given with a reason for not signing.
    """
    if unable is not None:
        if unable not in UNABLE_REASONS:
            raise ValidationError(
                f"'{unable}' is not one of the reasons someone may be unable to sign.",
                "Use one of: " + ", ".join(UNABLE_REASONS) + ".",
            )
        if capacity is not None:
            raise ValidationError(
                "An authority is recorded with a representative's signature, not with a reason "
                "for not signing.",
                "Leave the authority out, or record the signature instead of the reason.",
            )
        text = (detail or "").strip()
        return {
            "unable_to_sign": unable,
            **({"detail": text} if text else {}),
            "name": name.strip(),
            "signed_on": signed_on,
        }
    value: dict[str, Any] = {"typed": True, "name": name.strip(), "signed_on": signed_on}
    if capacity is not None:
        if capacity not in REPRESENTATIVE_CAPACITIES:
            raise ValidationError(
                f"'{capacity}' is not one of the authorities a representative signs with.",
                "Use one of: " + ", ".join(REPRESENTATIVE_CAPACITIES) + ".",
            )
        value["capacity"] = capacity
        if capacity == OTHER and (capacity_detail or "").strip():
            value["capacity_detail"] = (capacity_detail or "").strip()
    return value


def _described(f: FieldDef) -> str:
    return f"{signer_phrase(f.signer, f.label)} ({f.id})"


def _signature_field(fields: list[FieldDef], signer: str | None, field_id: str | None) -> FieldDef:
    """The one signature question meant: by its id, else by who signs it."""
    asked = "It asks for: " + (", ".join(_described(f) for f in fields) or "no signature") + "."
    if field_id is not None:
        chosen = [f for f in fields if f.id == field_id]
        if not chosen:
            raise ValidationError(f"This form has no signature question '{field_id}'.", asked)
        if signer is not None and chosen[0].signer not in (signer, None):
            raise ValidationError(
                f"'{field_id}' is signed by {signer_phrase(chosen[0].signer)}, not by "
                f"{signer_phrase(signer)}.",
                asked,
            )
        return chosen[0]
    if signer not in SIGNER_LABELS:
        raise ValidationError(
            f"'{signer}' is not someone who signs a record.",
            "Use one of: " + ", ".join(SIGNER_LABELS) + ".",
        )
    chosen = [f for f in fields if f.signer == signer]
    if not chosen:
        raise ValidationError(f"This form asks for no signature by {signer_phrase(signer)}.", asked)
    if len(chosen) > 1:
        raise ValidationError(
            f"This form asks {signer_phrase(signer)} to sign more than once.",
            "Name the question: one of " + ", ".join(f.id for f in chosen) + ".",
        )
    return chosen[0]


def sign_record(
    session: Session,
    assessment_id: AssessmentId,
    value: dict[str, Any],
    *,
    signer: str | None = None,
    field_id: str | None = None,
    replace: bool = False,
) -> SignedAnswer:
    """Save a signature answer (from `signature_answer`) on a draft or an amendment.

    Args:
        session: The unlocked session.
        assessment_id: The record to sign.
        value: The answer, as `signature_answer` builds it.
        signer: Who signs (a key of `SIGNER_LABELS`): picks the form's signature question for
            them. Needed unless `field_id` is given.
        field_id: The signature question by its id, for a form with more than one for the same
            signer or with questions that name no signer.
        replace: Replace a signature or reason already recorded; else that is refused.

    Raises:
        NotFoundError: No such record, or its form is not installed.
        ValidationError: The record is finalised; the form has no such signature question, or
            does not ask for it on this record (its answers hide it); it is signed already
            (`AlreadySignedError`, when `replace` is False); or the answer fails the check the
            editor makes (a missing name, a representative's authority not given, "other"
            without words). Nothing is saved.
    """
    opened = open_for_editing(session, assessment_id)
    record, form = opened.record, opened.form
    if not opened.editable:
        raise ValidationError(
            f"This record is {record.status.value}: its signatures stay as they were when it "
            "was finalised.",
            "To change them, amend the record first; it is then signed again.",
        )
    fields = [f for f in form.top_fields() if f.type is FieldType.SIGNATURE]
    field = _signature_field(fields, signer, field_id)
    who = signer_phrase(field.signer, field.label)
    if not is_visible(field, record.answers):
        raise ValidationError(
            f"This record does not ask for the signature of {who} ({field.id}): the answers "
            "given so far leave that question out.",
            "Check the answers that decide it (for a representative, who may act for the person).",
        )
    earlier = record.answers.get(field.id)
    if is_answered(earlier) and not replace:
        raise AlreadySignedError(
            f"The signature of {who} ({field.id}) is recorded already.",
            "Nothing was changed. To record it again, say that it replaces the earlier one.",
        )
    problems = value_messages(field, value, session.today())
    if problems:
        error = ValidationError(f"{field.id}: {problems[0]}", "Nothing was saved.")
        error.problems = [f"{field.id}: {p}" for p in problems]  # type: ignore[attr-defined]
        raise error
    records = session.records
    with records.vault.transaction():
        records.save_field(record.id, field.id, value)
        saved = records.checkpoint(record.id)
    return SignedAnswer(saved, field, value, is_answered(earlier))
