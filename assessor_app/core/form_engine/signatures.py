"""Signatures by hand: who signs, the words for reasons and authorities, and reading a value.

This is the one place that names the signers a form can declare (a signature question's
``signer:``), why someone may be unable to sign, and the authority a representative signs with.
The form checker, the value checks, the completion message, the signature widget and the PDF
all take their words from here.

A signature answer is one of:

- drawn: ``{"strokes": [[[x, y], ...], ...], "name": "Printed name", "signed_on":
  "YYYY-MM-DD"}``, with points in pad pixels; a representative's also has ``"capacity"`` (a key
  of `REPRESENTATIVE_CAPACITIES`) and, when that is ``"other"``, ``"capacity_detail"``;
- typed: ``{"typed": true, "name": "Typed name", "signed_on": "YYYY-MM-DD"}``, the signer's
  name typed as their signature where nothing can be drawn (`assessor-cli record sign`); a
  representative's has ``"capacity"`` as a drawn one does. The PDF says it was typed;
- unable to sign: ``{"unable_to_sign": <a key of UNABLE_REASONS>, "detail": "...", "name":
  "...", "signed_on": "YYYY-MM-DD"}``, with ``detail`` needed for ``"other"``.

Answers saved before signers existed are still read: ``{"strokes": [...]}`` alone, and
``{"unable_to_sign": "free text"}``, whose text is read as the reason "other" with that text as
its detail. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

SIGNER_LABELS: dict[str, str] = {
    "person": "The person assessed",
    "carer": "The carer",
    "representative": "Their representative",
    "assessor": "Assessor",
    "mdt_member": "MDT member",
}
"""Every allowed ``signer:`` value, with how the signer is named on screen and in the PDF."""

SIGNER_PHRASES: dict[str, str] = {
    "person": "the person assessed",
    "carer": "the carer",
    "representative": "their representative",
    "assessor": "the assessor",
    "mdt_member": "the MDT member",
}
"""The same signers as they are named inside a sentence ("Not signed by: the assessor.")."""

UNSPECIFIED_SIGNER_PHRASE = "the person"
"""How a signature question without a ``signer:`` names whoever signs."""

UNABLE_REASONS: dict[str, str] = {
    "declined": "Declined to sign",
    "lacks_capacity": "Lacks capacity to sign",
    "not_present": "Not present to sign",
    "custody_not_permitted": "Not permitted to sign in custody",
    "other": "Another reason",
}
"""Why someone is unable to sign, by the value saved in ``unable_to_sign``."""

REPRESENTATIVE_CAPACITIES: dict[str, str] = {
    "lpa_health_welfare": "Attorney (health and welfare Lasting Power of Attorney)",
    "lpa_property_finance": "Attorney (property and financial affairs Lasting Power of Attorney)",
    "deputy": "Deputy appointed by the Court of Protection",
    "appointee": "Appointee for benefits (DWP)",
    "other": "Other authority",
}
"""The authority a representative signs with, by the value saved in ``capacity``."""

OTHER = "other"
"""The reason and the capacity that need a written detail."""


@dataclass(frozen=True)
class SignatureSummary:
    """A signature answer read for printing.

    Enough for "Signed by <name>, <role>, <date>" or "Unable to sign: <reason>". Built by
    `describe_signature`; every text is ready to print as it is.
    """

    signed: bool
    """True when strokes were drawn or a name typed as the signature; False when the answer
    records why they could not sign."""

    name: str | None
    """The printed name, or None when none was given (answers saved before names were kept)."""

    signed_on: dt.date | None
    """The date signed (or the reason recorded); None when missing or not a real date."""

    strokes: tuple[tuple[tuple[int, int], ...], ...]
    """The drawn strokes, each a run of (x, y) points in pad pixels; empty when not signed."""

    capacity_label: str | None
    """A representative's authority in words, e.g. "Deputy appointed by the Court of
    Protection"; for "other", the assessor's own words ("Other authority: litigation friend").
    None when no capacity was recorded."""

    unable_reason_label: str | None
    """Why they could not sign, from `UNABLE_REASONS`; None when they signed."""

    detail: str | None
    """The assessor's explanation of why they could not sign (always given for "other"); None
    when there is none or they signed."""

    typed: bool = False
    """True when they signed by typing their name (no strokes); False when drawn or unable."""


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _strokes(value: Any) -> tuple[tuple[tuple[int, int], ...], ...]:
    if not isinstance(value, list):
        return ()
    strokes = []
    for stroke in value:
        if not isinstance(stroke, list):
            continue
        points = tuple(
            (round(p[0]), round(p[1]))
            for p in stroke
            if isinstance(p, list)
            and len(p) == 2
            and all(
                isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)
                for c in p
            )
        )
        if points:
            strokes.append(points)
    return tuple(strokes)


def _capacity_label(value: dict[str, Any]) -> str | None:
    capacity = value.get("capacity")
    if capacity not in REPRESENTATIVE_CAPACITIES:
        return None
    label = REPRESENTATIVE_CAPACITIES[capacity]
    detail = _text(value.get("capacity_detail"))
    return f"{label}: {detail}" if capacity == OTHER and detail else label


def describe_signature(value: Any) -> SignatureSummary | None:
    """Read a signature answer, of any shape ever saved, into words ready to print.

    Never raises: parts that cannot be read are left out (None or empty).

    Args:
        value: The saved answer to a signature question.

    Returns:
        The summary, or None when the question is unanswered, or the answer holds neither
        drawn strokes, a typed name nor a reason for not signing.
    """
    if not isinstance(value, dict):
        return None
    name, signed_on = _text(value.get("name")), _date(value.get("signed_on"))
    strokes = _strokes(value.get("strokes"))
    if strokes:
        return SignatureSummary(
            signed=True,
            name=name,
            signed_on=signed_on,
            strokes=strokes,
            capacity_label=_capacity_label(value),
            unable_reason_label=None,
            detail=None,
        )
    if value.get("typed") is True and name is not None:
        return SignatureSummary(
            signed=True,
            name=name,
            signed_on=signed_on,
            strokes=(),
            capacity_label=_capacity_label(value),
            unable_reason_label=None,
            detail=None,
            typed=True,
        )
    reason = _text(value.get("unable_to_sign"))
    if reason is None:
        return None
    if reason in UNABLE_REASONS:
        label, detail = UNABLE_REASONS[reason], _text(value.get("detail"))
    else:  # saved before reasons were a list: the free text is the detail of "other"
        label, detail = UNABLE_REASONS[OTHER], reason
    return SignatureSummary(
        signed=False,
        name=name,
        signed_on=signed_on,
        strokes=(),
        capacity_label=None,
        unable_reason_label=label,
        detail=detail,
    )


def signer_phrase(signer: str | None, label: str = "") -> str:
    """How the signer of a question is named inside a sentence, e.g. "the assessor".

    For the `assessor` role, a label of the form "Signature of the clinician" names the signer
    more exactly (a Fast Track clinician or a DST coordinator signs as `assessor`), so it wins.
    """
    if signer in (None, "assessor") and label[:13].casefold() == "signature of ":
        return label[13:].strip()
    if signer is None:
        return UNSPECIFIED_SIGNER_PHRASE
    return SIGNER_PHRASES.get(signer, UNSPECIFIED_SIGNER_PHRASE)
