"""NHS Continuing Healthcare rules: the Checklist threshold, and the DST's indicators and checks.

The app helps the practitioner and the MDT; it never decides eligibility. The Checklist
outcome follows the national thresholds (para 19 of the 2022 Checklist guidance, see
domain/RULES.md 1.3); the DST gets indicators ("a clear recommendation of eligibility would be
expected"), never a decision. Imports no Qt and no storage module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assessor_app.core.chc.levels import CHECKLIST_ASTERISKED, CHECKLIST_DOMAINS
from assessor_app.core.rules import Blocker, Outcome, register, register_check

__all__ = ["checklist_completion", "checklist_outcome"]

_LEVELS = ("A", "B", "C")
_PROCEEDING = ("consented", "proxy", "best_interests")


def _names(keys: list[str]) -> str:
    labels = dict(CHECKLIST_DOMAINS)
    names = [labels[k] for k in keys]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _count(n: int, level: str) -> str:
    return f"{n} domain{'s' if n != 1 else ''} at {level}"


@register("chc.checklist_outcome")
def checklist_outcome(answers: Mapping[str, Any]) -> Outcome:
    """Whether the Checklist is positive (a full assessment is needed), with the reason.

    Positive when any holds: two or more domains at A; five or more at B; one at A and four or
    more at B; an A in an asterisked domain (Breathing, Behaviour, Drug therapies, Altered
    states of consciousness). A positive result can be known before every domain is answered;
    a negative one cannot.

    Args:
        answers: The Checklist's visible answers keyed by field id.

    Returns:
        "positive", "negative", "refer" (negative, but referred anyway) or None while domains
        that could still change a negative result are unanswered.
    """
    levels = {k: answers.get(f"cl_{k}") for k, _ in CHECKLIST_DOMAINS}
    at_a = [k for k, v in levels.items() if v == "A"]
    at_b = [k for k, v in levels.items() if v == "B"]
    missing = [k for k, v in levels.items() if v not in _LEVELS]
    starred = [k for k in at_a if k in CHECKLIST_ASTERISKED]
    reasons: list[str] = []
    if len(at_a) >= 2:
        reasons.append(f"{_count(len(at_a), 'A')} ({_names(at_a)}); two or more at A is enough.")
    if len(at_b) >= 5:
        reasons.append(f"{_count(len(at_b), 'B')} ({_names(at_b)}); five or more at B is enough.")
    if len(at_a) == 1 and len(at_b) >= 4:
        reasons.append(
            f"One domain at A ({_names(at_a)}) and {_count(len(at_b), 'B')} ({_names(at_b)}); "
            "one A with four or more B is enough."
        )
    for key in starred:
        reasons.append(
            f"A in {_names([key])}, which carries a Priority level in the Decision Support "
            "Tool; one such A is enough on its own."
        )
    if reasons:
        return Outcome(
            "positive",
            "Positive: a full assessment of eligibility is needed",
            (
                *reasons,
                "This does not mean the person is eligible for NHS Continuing Healthcare.",
            ),
        )
    if missing:
        return Outcome(
            None,
            "Not finished",
            (f"Still to choose A, B or C for: {_names(missing)}.",),
        )
    summary = (
        f"{_count(len(at_a), 'A')} and {_count(len(at_b), 'B')}, with no A in Breathing, "
        "Behaviour, Drug therapies or Altered states of consciousness: the threshold for a "
        "full assessment is not met."
    )
    if answers.get("refer_anyway") is True:
        return Outcome(
            "refer",
            "Referred for a full assessment although the threshold is not met",
            (summary, "The practitioner has referred anyway; the rationale says why."),
        )
    return Outcome(
        "negative",
        "Negative: no full assessment is needed",
        (
            summary,
            "The person must be given a copy and written reasons, and told they can ask for "
            "the decision to be reconsidered.",
        ),
    )


@register_check("chc.checklist_completion")
def checklist_completion(answers: Mapping[str, Any]) -> list[Blocker]:
    """What stops a Checklist being completed, beyond missing answers.

    Consent must cover completing the tools before the domains are scored.

    Args:
        answers: The Checklist's visible answers keyed by field id.
    """
    found: list[Blocker] = []
    scope = answers.get("consent_scope")
    if answers.get("consent_status") in ("consented", "proxy") and not (
        isinstance(scope, list) and "complete_tools" in scope
    ):
        found.append(
            Blocker(
                "consent_scope",
                "The consent recorded does not cover completing the Checklist: record consent "
                "to completing the tools, or a best-interests decision.",
            )
        )
    return found
