"""The sample form's one rule: a suggested support band from mobility and weekly hours.

It shows the shape every rule follows: read answers defensively, never raise on a missing or
odd answer, and give reasons that name the answers used. Imports no Qt and no storage module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assessor_app.core.rules import Outcome, number, rating, register

MOBILITY_FIELD = "mobility"
"""Field id of the mobility rating (scale A, B, C) in the sample form."""

HOURS_FIELD = "hours"
"""Field id of the hours of help needed each week in the sample form."""

_MOBILITY_POINTS = {"A": 0, "B": 1, "C": 2}
_MOBILITY_WORDS = {
    "A": "manages without help",
    "B": "needs some help",
    "C": "needs help with most moving about",
}
_BANDS = (
    (0, "low", "Low support"),
    (2, "medium", "Medium support"),
    (3, "high", "High support"),
)


def _hours_points(hours: float) -> int:
    if hours >= 15:
        return 2
    if hours >= 5:
        return 1
    return 0


def _hours_text(hours: float) -> str:
    shown = f"{hours:g}"
    return f"{shown} hour{'' if hours == 1 else 's'}"


@register(
    "sample.support_band",
    reads={
        MOBILITY_FIELD: rating(*_MOBILITY_POINTS, allowed=_MOBILITY_POINTS),
        HOURS_FIELD: number(),
    },
)
def support_band(answers: Mapping[str, Any]) -> Outcome:
    """Suggest a support band from the mobility rating and the weekly hours of help.

    Mobility scores 0 (A), 1 (B) or 2 (C); hours score 0 (under 5), 1 (5 to under 15) or 2
    (15 or more). A total of 0–1 is low, 2 is medium and 3–4 is high.

    Args:
        answers: The form's visible answers keyed by field id.

    Returns:
        The band, or value None with a reason naming the answers still needed.
    """
    rating = answers.get(MOBILITY_FIELD)
    hours: Any = answers.get(HOURS_FIELD)
    rating_ok = isinstance(rating, str) and rating in _MOBILITY_POINTS
    hours_ok = isinstance(hours, int | float) and not isinstance(hours, bool) and hours >= 0
    if not (rating_ok and hours_ok):
        missing = [
            needed
            for ok, needed in (
                (rating_ok, "the mobility rating"),
                (hours_ok, "the hours of help needed each week"),
            )
            if not ok
        ]
        return Outcome(
            value=None,
            label="Not enough answers yet",
            reasons=(f"Answer {' and '.join(missing)} to see a suggested band.",),
        )
    rating_text, hours_value = str(rating), float(hours)
    total = _MOBILITY_POINTS[rating_text] + _hours_points(hours_value)
    value, label = next((v, lab) for floor, v, lab in reversed(_BANDS) if total >= floor)
    return Outcome(
        value=value,
        label=label,
        reasons=(
            f"Mobility was rated {rating_text} (the person {_MOBILITY_WORDS[rating_text]}).",
            f"The person needs {_hours_text(hours_value)} of help each week.",
            f"Together these score {total} out of 4, which suggests {label.lower()}.",
        ),
    )
