"""NHS Continuing Healthcare rules: the Checklist threshold, and the DST's indicators and checks.

The app helps the practitioner and the MDT; it never decides eligibility. The Checklist
outcome follows the national thresholds (para 19 of the 2022 Checklist guidance, see
domain/RULES.md 1.3); the DST gets indicators ("a clear recommendation of eligibility would be
expected"), never a decision. Imports no Qt and no storage module.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from assessor_app.core import answer_values as read
from assessor_app.core.chc.levels import (
    CHECKLIST_ASTERISKED,
    CHECKLIST_DOMAINS,
    DST_ALLOWED,
    DST_DOMAINS,
    DST_LEVELS,
    OTHER_HEALTHCARE,
    level_rank,
)
from assessor_app.core.chc.merge import (
    contribution_problems,
    domain_proposals,
    mdt_composition,
    merge_contributions,
)
from assessor_app.core.rules import (
    Blocker,
    Need,
    Outcome,
    Reason,
    Refusal,
    StartContext,
    age_on,
    choice,
    choices,
    date,
    group,
    register,
    register_check,
    register_start_check,
    text,
    today_of,
    yes_no,
)

__all__ = [
    "EXCLUDED_REASONS",
    "adult_start",
    "checklist_completion",
    "checklist_outcome",
    "contribution_proposals",
    "dst_completion",
    "dst_due_dates",
    "dst_indicators",
    "dst_timeline",
    "mdt_check",
    "rationale_check",
]

_LEVELS = ("A", "B", "C")
_PROCEEDING = ("consented", "proxy", "best_interests")

# What each rule reads (the contract `forms check` holds each form to).
CHECKLIST_READS: dict[str, Need] = {
    **{f"cl_{key}": choice(*_LEVELS) for key, _ in CHECKLIST_DOMAINS},
    "refer_anyway": yes_no(),
}
CHECKLIST_COMPLETION_READS: dict[str, Need] = {
    "consent_status": choice("consented", "proxy"),
    "consent_scope": choices("complete_tools"),
}
DST_LEVEL_READS: dict[str, Need] = {
    f"dst_{key}_level": choice(*DST_ALLOWED[key]) for key, _ in DST_DOMAINS
}
_CONTRIBUTION_ITEM = {
    "contribution_id": text(),
    "contributor_name": text(),
    "contributor_profession": choice(),
    "contributed_on": date(),
    **{f"m_{key}_level": choice(*DST_ALLOWED[key]) for key, _ in DST_DOMAINS},
    **{f"m_{key}_evidence": text() for key, _ in DST_DOMAINS},
}
CONTRIBUTIONS_READS: dict[str, Need] = {"contributions": group(_CONTRIBUTION_ITEM)}
MDT_READS: dict[str, Need] = {
    "mdt_members": group(member_profession=choice(OTHER_HEALTHCARE), member_other_profession=text())
}
DUE_DATES_READS: dict[str, Need] = {"icb_referral_received": date(), "icb_decision_date": date()}
"""What `dst_due_dates` reads (the caseload's alerts read only these, from their index)."""
TIMELINE_READS: dict[str, Need] = {**DUE_DATES_READS, "icb_delay_reason": text()}
RATIONALE_READS: dict[str, Need] = {"recommendation_rationale": text()}
DST_COMPLETION_READS: dict[str, Need] = {
    **CHECKLIST_COMPLETION_READS,
    **DST_LEVEL_READS,
    **CONTRIBUTIONS_READS,
    **MDT_READS,
    **{f"dst_{key}_disagreement": text() for key, _ in DST_DOMAINS},
    "recommendation": choice("eligible", "not_eligible"),
    "indicator_departure": text(),
    "icb_decision": choice("eligible", "not_eligible"),
    "icb_reasons": text(),
}


def _names(keys: list[str]) -> str:
    labels = dict(CHECKLIST_DOMAINS)
    names = [labels[k] for k in keys]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _count(n: int, level: str) -> str:
    return f"{n} domain{'s' if n != 1 else ''} at {level}"


@register("chc.checklist_outcome", reads=CHECKLIST_READS)
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
    met: list[Reason] = []

    def threshold(code: str, sentence: str) -> None:
        met.append(Reason(f"threshold.{code}", sentence, sentence))

    if len(at_a) >= 2:
        threshold(
            "two_a", f"{_count(len(at_a), 'A')} ({_names(at_a)}); two or more at A is enough."
        )
    if len(at_b) >= 5:
        threshold(
            "five_b", f"{_count(len(at_b), 'B')} ({_names(at_b)}); five or more at B is enough."
        )
    if len(at_a) == 1 and len(at_b) >= 4:
        threshold(
            "one_a_four_b",
            f"One domain at A ({_names(at_a)}) and {_count(len(at_b), 'B')} ({_names(at_b)}); "
            "one A with four or more B is enough.",
        )
    for key in starred:
        threshold(
            "priority_a",
            f"A in {_names([key])}, which carries a Priority level in the Decision Support "
            "Tool; one such A is enough on its own.",
        )
    if met:
        return Outcome.explained(
            "positive",
            "Positive: a full assessment of eligibility is needed",
            (
                *met,
                Reason(
                    "not_a_decision",
                    "This does not mean the person is eligible for NHS Continuing Healthcare.",
                    "This does not mean you are eligible for NHS Continuing Healthcare.",
                ),
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
    not_met = Reason("threshold.not_met", summary, summary)
    if answers.get("refer_anyway") is True:
        return Outcome.explained(
            "refer",
            "Referred for a full assessment although the threshold is not met",
            (
                not_met,
                Reason(
                    "referred_anyway",
                    "The practitioner has referred anyway; the rationale says why.",
                    "",
                ),
            ),
        )
    return Outcome.explained(
        "negative",
        "Negative: no full assessment is needed",
        (
            not_met,
            Reason(
                "duty.copy_and_reasons",
                "The person must be given a copy and written reasons, and told they can ask for "
                "the decision to be reconsidered.",
                "",
            ),
        ),
    )


def _consent_scope_blocker(answers: Mapping[str, Any], tool: str) -> list[Blocker]:
    """Consent given (by the person or their attorney) must cover completing the tools.

    Consent to sharing information, or to involving people, is not consent to the tool
    itself. A best-interests decision or a refusal records no scope, so nothing is checked.
    """
    scope = answers.get("consent_scope")
    if answers.get("consent_status") in ("consented", "proxy") and not (
        isinstance(scope, list) and "complete_tools" in scope
    ):
        return [
            Blocker(
                "consent_scope",
                f"The consent recorded does not cover completing the {tool}: record consent "
                "to completing the tools, or a best-interests decision.",
            )
        ]
    return []


@register_check("chc.checklist_completion", reads=CHECKLIST_COMPLETION_READS)
def checklist_completion(answers: Mapping[str, Any]) -> list[Blocker]:
    """What stops a Checklist being completed, beyond missing answers.

    Consent must cover completing the tools before the domains are scored.

    Args:
        answers: The Checklist's visible answers keyed by field id.
    """
    return _consent_scope_blocker(answers, "Checklist")


@register_start_check("chc.adult_start")
def adult_start(ctx: StartContext) -> Refusal | None:
    """Refuse a CHC tool for someone under 18: NHS Continuing Healthcare is for adults (CH-11).

    Used by the Checklist, the Decision Support Tool and the Fast Track Pathway Tool. A person
    whose date of birth is not recorded can be started (the tools do not need it).

    Args:
        ctx: The person and the date the tool would be started.

    Returns:
        The refusal with what to do instead, or None when the tool can start.
    """
    born = ctx.person.date_of_birth
    if not isinstance(born, dt.date):
        return None
    age = age_on(born, ctx.today)
    if age >= 18:
        return None
    return Refusal(
        message=(
            f"The person is under 18 ({age} on {ctx.today:%-d %B %Y}): NHS Continuing "
            "Healthcare is for adults aged 18 or over, so this tool cannot be started."
        ),
        next_step=(
            "For a child or young person, refer to the children and young people's continuing "
            "care process; start the adult tools as they approach 18. If the date of birth is "
            "wrong, correct it in the person's details first."
        ),
    )


# -- Decision Support Tool -----------------------------------------------------------------

_INDICATOR_CLEAR = "A clear recommendation of eligibility would be expected"
_INDICATOR_MAY = "May indicate a primary health need: weigh the totality of needs"

EXCLUDED_REASONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "the person's diagnosis",
        ("diagnos*", "because of (her|his|their) condition", "(has|have) dementia"),
    ),
    (
        "the setting of care",
        ("care home*", "nursing home*", "residential home*", "at home", "setting*", "hospice*"),
    ),
    (
        "the need being well managed",
        (
            "well managed",
            "managed well",
            "well controlled",
            "controlled(?! drugs?)",
            "stable",
            "stabili[sz]ed",
        ),
    ),
    (
        "who provides the care",
        (
            "(family|carers?|relatives?) provides?",
            "(wife|husband|partner|daughter|son|mother|father|family) (provides|gives|does|meets)",
            "provided by",
            "cared for by",
            "looked after by",
        ),
    ),
    (
        "the need for specialist or registered staff",
        ("specialist staff", "registered nurses?", "qualified staff", "trained staff"),
    ),
    ("other NHS-funded care", ("funded nursing care", "fnc", "nhs funded")),
    (
        "finance",
        ("afford*", "costs?", "costly", "fund", "funds", "funding", "financ*", "money", "savings")
        + ("budget*", "fees"),
    ),
)
"""Reasons the National Framework excludes from an eligibility decision, with the words and
phrases that suggest a rationale leans on them. Each is matched as whole words, in any case,
with any spacing or a hyphen between words (`*` ends a word stem; the rest is a regular
expression), so "son" never matches "person" and "controlled" never "uncontrolled". A match is
a prompt to look again, never a block."""

_NEGATED = frozenset(
    {"not", "never", "poorly", "badly", "hardly", "barely", "less", "longer", "isn't", "wasn't"}
)
"""Words that, just before (or one word before) "stable", "controlled" or "well managed",
turn it into evidence of unpredictability: "not controlled", "no longer stable"."""

_NEGATABLE = "the need being well managed"

_CHARACTERISTICS = (
    ("nature", "nature*"),
    ("intensity", "intensity"),
    ("complexity", "complexity"),
    ("unpredictability", "unpredictab*"),
)
"""The four key characteristics, each with the words that name it."""


def _phrase(term: str) -> re.Pattern[str]:
    """A term as a pattern matching whole words only (see `EXCLUDED_REASONS`)."""
    body = term.removesuffix("*").replace(" ", r"[\s-]+")
    tail = r"\w*" if term.endswith("*") else ""
    return re.compile(rf"(?<![\w-]){body}{tail}(?![\w-])", re.IGNORECASE)


_EXCLUDED_PATTERNS = tuple(
    (what, tuple(_phrase(term) for term in terms)) for what, terms in EXCLUDED_REASONS
)
_CHARACTERISTIC_PATTERNS = tuple((name, _phrase(term)) for name, term in _CHARACTERISTICS)
_WORD = re.compile(r"[\w']+")


def _negated(text: str, start: int) -> bool:
    """Whether one of `_NEGATED` is among the two words before `start`."""
    before = _WORD.findall(text[max(0, start - 40) : start].lower())[-2:]
    return any(word in _NEGATED for word in before)


def _excluded_match(text: str, what: str, patterns: tuple[re.Pattern[str], ...]) -> str | None:
    """The first words in `text` suggesting the excluded reason `what`, or None."""
    for pattern in patterns:
        for found in pattern.finditer(text):
            if what == _NEGATABLE and _negated(text, found.start()):
                continue
            return " ".join(found.group(0).split())
    return None


def _dst_levels(answers: Mapping[str, Any]) -> dict[str, str | None]:
    """Each domain's confirmed level; None when unset or a level the domain does not have.

    An impossible level (Severe in Altered states of consciousness, say, from an imported or
    hand-edited record) is reported by the form's own answer checks and never counted here.
    """
    levels: dict[str, str | None] = {}
    for key, _ in DST_DOMAINS:
        value = answers.get(f"dst_{key}_level")
        levels[key] = value if isinstance(value, str) and value in DST_ALLOWED[key] else None
    return levels


def _dst_names(keys: list[str]) -> str:
    labels = dict(DST_DOMAINS)
    names = [labels[k] for k in keys]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@register("chc.dst_indicators", reads=DST_LEVEL_READS)
def dst_indicators(answers: Mapping[str, Any]) -> Outcome:
    """Indicators from the confirmed levels; never a decision (DST guidance, RULES.md 2.3).

    "Clear": Priority in any domain, or two or more Severe. "May indicate": one Severe with
    Moderate or higher needs elsewhere, or two or more High, or three or more domains at High
    or Moderate. These are prompts for the MDT, who must weigh the totality of needs and the
    four key characteristics whatever the pattern.

    Args:
        answers: The DST's visible answers keyed by field id.
    """
    levels = _dst_levels(answers)
    at = {lv: [k for k, v in levels.items() if v == lv] for lv in DST_LEVELS}
    missing = [k for k, v in levels.items() if v is None]
    weigh = (
        "The MDT must still weigh the totality of needs, how they interact, and nature, "
        "intensity, complexity and unpredictability."
    )
    if at["priority"] or len(at["severe"]) >= 2:
        why = []
        if at["priority"]:
            why.append(f"Priority in {_dst_names(at['priority'])}.")
        if len(at["severe"]) >= 2:
            why.append(f"Severe in {len(at['severe'])} domains ({_dst_names(at['severe'])}).")
        return Outcome("clear", _INDICATOR_CLEAR, (*why, "This is an indicator, not a decision."))
    raised = at["high"] + at["moderate"]
    why = []
    if at["severe"] and (raised or len(at["severe"]) > 1):
        why.append(
            f"Severe in {_dst_names(at['severe'])}, with needs in other domains "
            f"({_dst_names(raised)})."
        )
    if len(at["high"]) >= 2:
        why.append(f"High in {len(at['high'])} domains ({_dst_names(at['high'])}).")
    elif len(raised) >= 3:
        why.append(f"High or Moderate needs in {len(raised)} domains ({_dst_names(raised)}).")
    if why:
        return Outcome("may_indicate", _INDICATOR_MAY, (*why, weigh))
    if missing:
        return Outcome(
            None, "Not all domains have a level yet", (f"Still to confirm: {_dst_names(missing)}.",)
        )
    return Outcome(
        "none",
        "No indicator",
        ("The pattern of levels does not by itself suggest a primary health need.", weigh),
    )


@register("chc.rationale_check", reads=RATIONALE_READS)
def rationale_check(answers: Mapping[str, Any]) -> Outcome:
    """Warn when the rationale leans on excluded reasons or skips a key characteristic.

    Never blocks: the MDT may have good reason to mention them.

    Args:
        answers: The DST's visible answers keyed by field id.
    """
    text = answers.get("recommendation_rationale")
    if not isinstance(text, str) or not text.strip():
        return Outcome(None, "No rationale yet", ("Write the rationale to have it checked.",))
    warnings = []
    for what, patterns in _EXCLUDED_PATTERNS:
        found = _excluded_match(text, what, patterns)
        if found is not None:
            warnings.append(
                f"It may rely on {what}, which must not decide eligibility (words such as "
                f"'{found}')."
            )
    skipped = [name for name, pattern in _CHARACTERISTIC_PATTERNS if not pattern.search(text)]
    if skipped:
        warnings.append(f"It does not mention {', '.join(skipped)}.")
    if not warnings:
        return Outcome(
            "ok",
            "No concerns found",
            ("It names all four key characteristics and none of the excluded reasons.",),
        )
    return Outcome("warnings", "Look again at the rationale", tuple(warnings))


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [
        31,
        29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month - 1]
    return dt.date(year, month, min(day.day, last))


def dst_due_dates(answers: Mapping[str, Any]) -> dict[str, dt.date]:
    """Dates the caseload watches: the 28-day decision and the first and annual reviews."""
    due: dict[str, dt.date] = {}
    received = read.date(answers, "icb_referral_received")
    decided = read.date(answers, "icb_decision_date")
    if received and not decided:
        due["decision"] = received + dt.timedelta(days=28)
    if decided:
        due["first_review"] = _add_months(decided, 3)
        due["annual_review"] = _add_months(decided, 15)
    return due


@register("chc.dst_timeline", reads=TIMELINE_READS)
def dst_timeline(answers: Mapping[str, Any]) -> Outcome:
    """The 28-day clock from the ICB's receipt of the referral, and the review dates.

    Args:
        answers: The DST's visible answers keyed by field id.
    """
    received = read.date(answers, "icb_referral_received")
    decided = read.date(answers, "icb_decision_date")
    due = dst_due_dates(answers)
    if not received and not decided:
        return Outcome(
            None,
            "No dates yet",
            ("Record the date the ICB received the referral: the 28-day clock starts then.",),
        )
    reasons = []
    if received:
        reasons.append(
            f"The ICB received the referral on {received:%-d %B %Y}; a decision is expected "
            f"within 28 days, by {received + dt.timedelta(days=28):%-d %B %Y}."
        )
    explained = bool(read.text(answers, "icb_delay_reason"))
    if received and decided:
        days = (decided - received).days
        said = f"The decision took {days} day{'s' if days != 1 else ''}"
        if days <= 28:
            reasons.append(f"{said}.")
        elif explained:
            reasons.append(f"{said}, longer than 28; the reason for the delay is recorded.")
        else:
            reasons.append(
                f"{said}, longer than 28: record why it took longer (ask the ICB; CH-34)."
            )
    if decided:
        reasons.append(
            f"First review due by {due['first_review']:%-d %B %Y} (within 3 months of the "
            "decision), then at least every 12 months."
        )
        return Outcome(due["first_review"].isoformat(), "Decided; review dates set", tuple(reasons))
    today = today_of(answers)
    late = (today - due["decision"]).days if today is not None else 0
    if late > 0:
        # Said here as the caseload says it: a date passed without a word reads as on time.
        reasons.append(
            f"The decision is overdue: it was due {late} day{'s' if late != 1 else ''} ago. "
            "Ask the ICB when it will decide, and record the decision date once it does"
            + (
                ", and why it is late."
                if not explained
                else "; the reason for the delay is recorded."
            )
        )
        return Outcome(due["decision"].isoformat(), "Decision overdue", tuple(reasons))
    return Outcome(due["decision"].isoformat(), "Awaiting the ICB's decision", tuple(reasons))


def _contributions(answers: Mapping[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """The complete contributions, merged; and how many items are not complete yet."""
    items = read.items(answers, "contributions")
    complete = [i for i in items if not contribution_problems(i)]
    return merge_contributions(complete), len(items) - len(complete)


def _members(answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "profession": m.get("member_profession"),
            "other_profession": m.get("member_other_profession"),
        }
        for m in read.items(answers, "mdt_members")
    ]


@register("chc.mdt_composition", reads=MDT_READS)
def mdt_check(answers: Mapping[str, Any]) -> Outcome:
    """Whether the MDT members recorded make a valid MDT, and why.

    Args:
        answers: The DST's visible answers keyed by field id.
    """
    members = _members(answers)
    if not members:
        return Outcome(None, "No members yet", ("Add the MDT's members.",))
    valid, why = mdt_composition(members)
    return Outcome(valid, "A valid MDT" if valid else "Not an MDT yet", (why,))


@register("chc.contribution_proposals", reads=CONTRIBUTIONS_READS)
def contribution_proposals(answers: Mapping[str, Any]) -> Outcome:
    """Every member's proposed level per domain; the higher level where they disagree.

    Args:
        answers: The DST's visible answers keyed by field id.
    """
    contributions, incomplete = _contributions(answers)
    waiting = (
        (
            f"{incomplete} contribution{'s are' if incomplete != 1 else ' is'} not complete "
            "and not counted yet.",
        )
        if incomplete
        else ()
    )
    if not contributions:
        return Outcome(
            None,
            "No contributions yet",
            ("Members' contributions appear here when they are added or imported.", *waiting),
        )
    proposals = domain_proposals(contributions)
    disagreements = [p for p in proposals.values() if p.disagreement]
    reasons = [
        f"{dict(DST_DOMAINS)[key]}: {proposal.record}"
        for key, proposal in proposals.items()
        if proposal.proposed_level is not None
    ]
    count = len(contributions)
    label = f"{count} contribution{'s' if count != 1 else ''}" + (
        f"; members disagree on {len(disagreements)} domain{'s' if len(disagreements) != 1 else ''}"
        if disagreements
        else "; no disagreements"
    )
    return Outcome(len(disagreements), label, (*reasons, *waiting))


@register_check("chc.dst_completion", reads=DST_COMPLETION_READS)
def dst_completion(answers: Mapping[str, Any]) -> list[Blocker]:
    """What stops the DST being finalised, beyond missing answers.

    Consent must cover completing the tools (as for the Checklist); the MDT must be valid;
    every disagreement between members, and every level confirmed
    below what a member proposed, must have its reasons recorded; the recommendation must be
    consistent with the indicators or say why not; an ICB decision that departs from the
    recommendation needs its reasons.

    Args:
        answers: The DST's visible answers keyed by field id.
    """
    found = _consent_scope_blocker(answers, "Decision Support Tool")
    members = _members(answers)
    if members:
        valid, why = mdt_composition(members)
        if not valid:
            found.append(Blocker("mdt_members", why))
    proposals = domain_proposals(_contributions(answers)[0])
    confirmed_levels = _dst_levels(answers)
    for key, name in DST_DOMAINS:
        proposal = proposals.get(key)
        confirmed = confirmed_levels[key]
        reasons = answers.get(f"dst_{key}_disagreement")
        if (
            proposal is None
            or proposal.proposed_level is None
            or (isinstance(reasons, str) and reasons.strip())
        ):
            continue
        lower = isinstance(confirmed, str) and level_rank(confirmed) < level_rank(
            proposal.proposed_level
        )
        if proposal.disagreement or lower:
            found.append(
                Blocker(
                    f"dst_{key}_disagreement",
                    f"{name}: "
                    + (
                        "members proposed different levels"
                        if proposal.disagreement
                        else "the confirmed level is lower than a member proposed"
                    )
                    + ". Record the disagreement and the reasons.",
                )
            )
    indicator = dst_indicators(answers).value
    recommendation = answers.get("recommendation")
    departure = answers.get("indicator_departure")
    explained = isinstance(departure, str) and bool(departure.strip())
    if not explained and (
        (indicator == "clear" and recommendation == "not_eligible")
        or (indicator == "none" and recommendation == "eligible")
    ):
        found.append(
            Blocker(
                "indicator_departure",
                "The recommendation differs from what the indicators suggest: explain why, "
                "with reference to the totality of needs and the four key characteristics.",
            )
        )
    decision = answers.get("icb_decision")
    icb_reasons = answers.get("icb_reasons")
    if (
        isinstance(decision, str)
        and isinstance(recommendation, str)
        and decision != recommendation
        and not (isinstance(icb_reasons, str) and icb_reasons.strip())
    ):
        found.append(
            Blocker(
                "icb_reasons",
                "The ICB's decision departs from the MDT's recommendation: record its reasons "
                "(only in exceptional circumstances, clearly explained).",
            )
        )
    return found
