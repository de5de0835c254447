"""Care Act 2014 rules for the needs assessment and the carer's assessment.

Eligibility follows the Care and Support (Eligibility Criteria) Regulations 2015: reg 2 for
adults (two or more outcomes) and reg 3 for carers (one outcome, or their health). The other
rules cover refusal (Care Act s11), mental capacity (Mental Capacity Act 2005 ss1-3),
independent advocacy (s67), and what changes in custody (s76): direct payments, choice of
accommodation, safeguarding, who counts as a carer.

Every function reads the answers defensively and never raises on a missing or odd answer. The
reasons are printed in the written record the person receives, so they are plain English and
name the answers and the law they rest on. Imports no Qt and no storage module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assessor_app.core import answer_values as read
from assessor_app.core.records import (
    CUSTODY_SETTINGS,
    ConvictionStatus,
    Setting,
    conviction_status_misfit,
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
    option_label,
    register,
    register_check,
    register_start_check,
    text,
    yes_no,
)

__all__ = [
    "ADULT_OUTCOMES",
    "ADULT_WAYS",
    "CARER_OUTCOMES",
    "CARER_WAYS",
    "NO_S42_SETTINGS",
    "YOUTH_SETTINGS",
    "adult_eligibility",
    "advocacy",
    "capacity",
    "carer_authority",
    "carer_completion",
    "carer_direct_payments",
    "carer_eligibility",
    "carer_start",
    "choice_of_accommodation",
    "custody_flags",
    "direct_payments",
    "needs_completion",
    "refusal",
]

ADULT_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("nutrition", "managing and maintaining nutrition"),
    ("hygiene", "maintaining personal hygiene"),
    ("toilet", "managing toilet needs"),
    ("clothing", "being appropriately clothed"),
    ("home_safety", "being able to make use of the home safely"),
    ("habitable_home", "maintaining a habitable home environment"),
    ("relationships", "developing and maintaining family or other personal relationships"),
    ("work_education", "accessing and engaging in work, training, education or volunteering"),
    (
        "community",
        "making use of necessary facilities or services in the local community, including "
        "public transport and recreational facilities or services",
    ),
    ("child_care", "carrying out any caring responsibilities for a child"),
)
"""The ten adult outcomes of reg 2(2), as (key, label); the needs form asks ``out_<key>_*``."""

CARER_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("child_care", "carrying out any caring responsibilities the carer has for a child"),
    ("other_caring", "providing care to other persons for whom the carer provides care"),
    ("habitable_home", "maintaining a habitable home environment in the carer's home"),
    ("nutrition", "managing and maintaining nutrition"),
    ("relationships", "developing and maintaining family or other personal relationships"),
    ("work_education", "engaging in work, training, education or volunteering"),
    (
        "community",
        "making use of necessary facilities or services in the local community, including "
        "recreational facilities or services",
    ),
    ("recreation", "engaging in recreational activities"),
)
"""The eight carer outcomes of reg 3(2)(b), as (key, label); the carer's form asks ``c_<key>_*``."""

ADULT_WAYS: tuple[tuple[str, str], ...] = (
    ("without_assistance", "they cannot do it without help, including prompting"),
    ("pain_distress", "doing it without help causes significant pain, distress or anxiety"),
    (
        "endangers",
        "doing it without help endangers, or is likely to endanger, their health or safety "
        "or that of others",
    ),
    (
        "takes_longer",
        "doing it without help takes significantly longer than would normally be expected",
    ),
)
"""The four ways an adult can be unable to achieve an outcome (reg 2(3)), as (key, phrase)."""

CARER_WAYS: tuple[tuple[str, str], ...] = (
    ("without_assistance", "they cannot do it without help"),
    (
        "pain_distress",
        "doing it without help causes, or is likely to cause, significant pain, distress "
        "or anxiety",
    ),
    (
        "endangers",
        "doing it without help endangers, or is likely to endanger, their health or safety "
        "or that of others",
    ),
)
"""The three ways a carer can be unable to achieve an outcome (reg 3(3)): no "takes longer"."""

_WAYS_TO_YOU: Mapping[str, str] = {
    "without_assistance": "you cannot do it without help, including prompting",
    "pain_distress": "doing it without help causes significant pain, distress or anxiety",
    "endangers": "doing it without help endangers, or is likely to endanger, your health or "
    "safety or that of others",
    "takes_longer": "doing it without help takes significantly longer than would normally be "
    "expected",
}
_CARER_WAYS_TO_YOU: Mapping[str, str] = {
    "without_assistance": "you cannot do it without help",
    "pain_distress": "doing it without help causes, or is likely to cause, significant pain, "
    "distress or anxiety",
    "endangers": _WAYS_TO_YOU["endangers"],
}
"""The ways of `ADULT_WAYS` and `CARER_WAYS` as the person reads them in a letter."""


@dataclass(frozen=True)
class _Voice:
    """Who a reason is told about: staff read "the person", the person reads "you"."""

    who: str
    whose: str
    be: str
    provide: str
    ways: Mapping[str, str]


YOUTH_SETTINGS: frozenset[Setting] = frozenset(
    {
        Setting.YOUNG_OFFENDER_INSTITUTION,
        Setting.SECURE_TRAINING_CENTRE,
        Setting.SECURE_CHILDRENS_HOME,
    }
)
"""Custody settings that hold young people, where a transition assessment may fall due."""

NO_S42_SETTINGS: frozenset[Setting] = CUSTODY_SETTINGS - {Setting.BAIL_ACCOMMODATION}
"""Settings where the authority's safeguarding enquiry duty (ss42-47) does not apply: prisons
(including youth custody) and approved premises (Care Act s76(7)). Someone bailed to an
address is not in either, so a concern about them follows the community route."""

_REGS = "the Care and Support (Eligibility Criteria) Regulations 2015"
_NOT_ENOUGH = "Not enough answers yet"
_STATUSES = frozenset({"achieved", "not_achieved", "not_applicable"})
_WELLBEING = frozenset({"significant", "likely", "not_significant"})
_CONSENTS = frozenset({"consented", "refused", "proceeding"})
_CONVICTIONS = frozenset({"remanded", "sentenced", "unconvicted_on_bail"})
_CONVICTION_WORDS = {
    "remanded": "remanded in custody",
    "sentenced": "sentenced",
    "unconvicted_on_bail": "not convicted, on bail",
}
_SHARING_ALLOWED = frozenset({"consented", "lawful_basis"})
_NOT_CARER_RELATIONSHIPS = frozenset({"fellow_prisoner", "establishment_staff"})
_NOT_A_CARER_SETTINGS = {
    Setting.PRISON: "in a prison",
    Setting.YOUNG_OFFENDER_INSTITUTION: "in a young offender institution",
    Setting.SECURE_TRAINING_CENTRE: "in a secure training centre",
    Setting.SECURE_CHILDRENS_HOME: "in a secure children's home",
    Setting.APPROVED_PREMISES: "in approved premises",
}
_IN_SETTING = {**_NOT_A_CARER_SETTINGS, Setting.BAIL_ACCOMMODATION: "in bail accommodation"}
_FORMATS = ("standard", "large_print", "easy_read", "other_language", "braille", "audio")
_ADVOCACY_DIFFICULTIES = ("understanding", "retaining", "weighing", "communicating")
# The labels of these options are the form's (`option_label`): one source for how they read.
_CAPACITY_ABILITIES = (
    ("capacity_understand", "understand the information relevant to the decision"),
    ("capacity_retain", "retain that information"),
    ("capacity_weigh", "use or weigh that information as part of making the decision"),
    ("capacity_communicate", "communicate their decision by any means"),
)


# --- What each rule reads (the contract `forms check` holds each form to) --------------------

_CUSTODY_VALUES = tuple(sorted(s.value for s in CUSTODY_SETTINGS))


def _outcome_reads(
    prefix: str, outcomes: Sequence[tuple[str, str]], ways: Sequence[str], *, adult: bool
) -> dict[str, Need]:
    reads: dict[str, Need] = {}
    for key, _label in outcomes:
        reads[f"{prefix}{key}_status"] = choice("achieved", "not_achieved")
        reads[f"{prefix}{key}_ways"] = choices(*ways)
        if adult:
            reads[f"{prefix}{key}_carer"] = yes_no()
            reads[f"{prefix}{key}_fluctuates"] = yes_no()
    return reads


_WELLBEING_READS = {"wellbeing_impact": choice(*sorted(_WELLBEING))}

ADULT_ELIGIBILITY_READS: dict[str, Need] = {
    "needs_from_impairment": yes_no(),
    "impairment_types": choices(),
    **_outcome_reads("out_", ADULT_OUTCOMES, [w for w, _ in ADULT_WAYS], adult=True),
    **_WELLBEING_READS,
}
_NOT_A_CARER_READS = {"relationship": choice(*sorted(_NOT_CARER_RELATIONSHIPS))}
CARER_ELIGIBILITY_READS: dict[str, Need] = {
    **_NOT_A_CARER_READS,
    "care_necessary": yes_no(),
    "health_deteriorating": choice("deteriorating", "at_risk", "no"),
    **_outcome_reads("c_", CARER_OUTCOMES, [w for w, _ in CARER_WAYS], adult=False),
    **_WELLBEING_READS,
}
_SETTING_READS = {"setting": choice(*_CUSTODY_VALUES)}
_REFUSAL_EXCEPTION_READS = {
    "refusal_has_capacity": yes_no(),
    "refusal_best_interests": yes_no(),
    "refusal_abuse_risk": yes_no(),
}
REFUSAL_READS: dict[str, Need] = {
    "consent": choice(*sorted(_CONSENTS)),
    **_REFUSAL_EXCEPTION_READS,
}
CAPACITY_READS: dict[str, Need] = {
    "capacity_decision": text(),
    "capacity_doubt": yes_no(),
    "capacity_impairment": yes_no(),
    **{key: yes_no() for key, _ in _CAPACITY_ABILITIES},
    "capacity_causal": yes_no(),
    "capacity_practicable_steps": yes_no(),
}
ADVOCACY_READS: dict[str, Need] = {
    **_SETTING_READS,
    "advocacy_difficulty": yes_no(),
    "advocacy_difficulties": choices(*_ADVOCACY_DIFFICULTIES),
    "appropriate_person": yes_no(),
}
DIRECT_PAYMENTS_READS: dict[str, Need] = {
    **_SETTING_READS,
    "conviction_status": choice(*sorted(_CONVICTIONS)),
}
ACCOMMODATION_READS: dict[str, Need] = {**_SETTING_READS, "preparing_for_release": yes_no()}
CUSTODY_FLAGS_READS: dict[str, Need] = {
    **_SETTING_READS,
    "date_of_birth": date(),
    "assessment_date": date(),
    "care_leaver": yes_no(),
    "looked_after_authority": text(),
}
_INELIGIBLE_INFO_READS = {
    "consent": choice("refused", optional=True),
    "ineligible_info_given": yes_no(),
    "ineligible_info_date": date(),
    "ineligible_info_format": choice(*_FORMATS),
    "preferred_format": choice(*_FORMATS),
}
_ADVOCATE_ARRANGED_READS: dict[str, Need] = {
    "advocacy_difficulty": yes_no(),
    "appropriate_person": yes_no(),
    "advocate_referral_date": date(),
    "advocate_declined": text(),
}
_CARER_OFFERS = ("offered", "accepted", "declined", "already", "not_a_carer")
NEEDS_COMPLETION_READS: dict[str, Need] = {
    **ADULT_ELIGIBILITY_READS,
    **CAPACITY_READS,
    **REFUSAL_READS,
    **_INELIGIBLE_INFO_READS,
    **DIRECT_PAYMENTS_READS,
    **_ADVOCATE_ARRANGED_READS,
    "supporters": group(
        supporter_name=text(),
        supporter_carer_offer=choice("offered", allowed=_CARER_OFFERS),
    ),
    "best_interests": text(),
    "safeguarding_concern": yes_no(),
    "safeguarding_notified_who": text(),
    "safeguarding_notified_date": date(),
    "safeguarding_referral_date": date(),
    "sharing_consent": choice(*sorted(_SHARING_ALLOWED)),
    "sharing_records": group(),
    "preparing_for_release": yes_no(),
    "expected_release_date": date(),
    "release_area": text(),
    "notify_other_authority": yes_no(),
    "named_leads": group(lead_party=choice("this_authority", "other_authority"), lead_name=text()),
}
CARER_AUTHORITY_READS: dict[str, Need] = {
    "responsible_authority": text(),
    "carer_home_authority": text(),
}
CARER_COMPLETION_READS: dict[str, Need] = {
    **CARER_ELIGIBILITY_READS,
    **_INELIGIBLE_INFO_READS,
    **_SETTING_READS,
    **_ADVOCATE_ARRANGED_READS,
    "custody_assess_reason": text(),
    "combined": yes_no(),
    "combined_carer_agrees": yes_no(),
    "combined_cared_for_agrees": yes_no(),
    "date_of_birth": date(),
    "assessment_date": date(),
    "young_carer_in_household": yes_no(),
    "young_carer_referral_date": date(),
}


# --- Reading answers -----------------------------------------------------------------------


def _has_date(answers: Mapping[str, Any], key: str) -> bool:
    return read.date(answers, key) is not None


def _setting(answers: Mapping[str, Any]) -> Setting | None:
    value = answers.get("setting")
    if not isinstance(value, str):
        return None
    try:
        return Setting(value)
    except ValueError:
        return None


def _and_list(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _semi_list(items: Sequence[str]) -> str:
    # Outcome labels contain commas, so lists of them are separated by semicolons.
    return "; ".join(items)


def _not_enough(*reasons: str) -> Outcome:
    return Outcome(value=None, label=_NOT_ENOUGH, reasons=reasons)


# --- Eligibility, shared by adults and carers ------------------------------------------------


@dataclass(frozen=True)
class _Scheme:
    """How one kind of assessment asks about outcomes and which ways count."""

    prefix: str
    outcomes: tuple[tuple[str, str], ...]
    ways: tuple[tuple[str, str], ...]
    ignored_ways: tuple[tuple[str, str, str], ...]
    ways_reg: str
    who: str
    reads_carer_help: bool
    fluctuation_reg: str | None
    staff: _Voice
    person: _Voice


@dataclass(frozen=True)
class _Reading:
    """The outcome answers read against a scheme."""

    unable: tuple[tuple[str, tuple[str, ...]], ...]
    """(label, keys of the ways) of each outcome the person is unable to achieve."""
    unanswered: tuple[str, ...]
    """Labels of the outcomes with no status yet."""
    notes: tuple[Reason, ...]
    """Extra reasons: ways still to choose, ignored ways, carers helping, fluctuating needs."""


_ADULT_SCHEME = _Scheme(
    prefix="out_",
    outcomes=ADULT_OUTCOMES,
    ways=ADULT_WAYS,
    ignored_ways=(),
    ways_reg=f"reg 2(3) of {_REGS}",
    who="the person",
    reads_carer_help=True,
    fluctuation_reg=f"reg 2(4) of {_REGS}",
    staff=_Voice("the person", "the person's", "is", "provides", dict(ADULT_WAYS)),
    person=_Voice("you", "your", "are", "provide", _WAYS_TO_YOU),
)
_CARER_SCHEME = _Scheme(
    prefix="c_",
    outcomes=CARER_OUTCOMES,
    ways=CARER_WAYS,
    ignored_ways=(
        (
            "takes_longer",
            '"takes significantly longer than would normally be expected"',
            "carers have no such limb. A carer is unable to achieve an outcome only if they "
            "cannot do it without help, or doing it without help causes significant pain, "
            "distress or anxiety, or endangers health or safety",
        ),
    ),
    ways_reg=f"reg 3(3) of {_REGS}",
    who="the carer",
    reads_carer_help=False,
    fluctuation_reg=None,
    staff=_Voice("the carer", "the carer's", "is", "provides", dict(CARER_WAYS)),
    person=_Voice("you", "your", "are", "provide", _CARER_WAYS_TO_YOU),
)


def _read_outcomes(answers: Mapping[str, Any], scheme: _Scheme) -> _Reading:
    """Read every outcome's status and ways; only a not-achieved outcome with a way counts."""
    unable: list[tuple[str, tuple[str, ...]]] = []
    unanswered: list[str] = []
    no_way: list[str] = []
    helped: list[str] = []
    fluctuating: list[str] = []
    ignored: dict[str, list[str]] = {key: [] for key, _, _ in scheme.ignored_ways}
    for key, label in scheme.outcomes:
        base = f"{scheme.prefix}{key}"
        status = read.choice(answers, f"{base}_status", _STATUSES)
        if status is None:
            unanswered.append(label)
            continue
        if status != "not_achieved":
            continue
        chosen = read.strings(answers, f"{base}_ways")
        for way in ignored:
            if way in chosen:
                ignored[way].append(label)
        ways = tuple(way for way, _ in scheme.ways if way in chosen)
        if ways:
            unable.append((label, ways))
        else:
            no_way.append(label)
            if not any(way in ignored for way in chosen):
                # Not a firm "achieved": the determination waits for the way to be chosen.
                unanswered.append(label)
        if scheme.reads_carer_help and read.flag(answers, f"{base}_carer") is True:
            helped.append(label)
        if scheme.fluctuation_reg and read.flag(answers, f"{base}_fluctuates") is True:
            fluctuating.append(label)
    notes: list[Reason] = []
    if no_way:
        seen = (
            f"Marked as not achieved but with no way chosen, so not counted yet: "
            f"{_semi_list(no_way)}."
        )
        notes.append(
            Reason(
                "note.no_way",
                f"{seen} Choose which way {scheme.who} is unable to achieve it "
                f"({scheme.ways_reg}).",
                seen,
            )
        )
    for way, description, why in scheme.ignored_ways:
        if ignored[way]:
            text = (
                f"The way {description} was chosen for {_semi_list(ignored[way])}, but it is "
                f"ignored: {why} ({scheme.ways_reg})."
            )
            notes.append(Reason("note.ignored_way", text, text))
    if helped:
        text = (
            f"Someone currently helps with {_semi_list(helped)}; eligibility is decided as if "
            f"they did not."
        )
        notes.append(Reason("note.helped", text, text))
    if fluctuating and scheme.fluctuation_reg:
        text = (
            f"Needs fluctuate for {_semi_list(fluctuating)}: they are judged over a period long "
            f"enough to show the usual level of need ({scheme.fluctuation_reg})."
        )
        notes.append(Reason("note.fluctuating", text, text))
    return _Reading(tuple(unable), tuple(unanswered), tuple(notes))


def _unable_list(reading: _Reading, voice: _Voice) -> str:
    return _semi_list(
        [
            f"{label} (because {' and '.join(voice.ways[way] for way in ways)})"
            for label, ways in reading.unable
        ]
    )


def _outcome_count_text(reading: _Reading, scheme: _Scheme, voice: _Voice) -> str:
    count = len(reading.unable)
    total = len(scheme.outcomes)
    if count == 0:
        return (
            f"{voice.who} {voice.be} not recorded as unable to achieve any of the {total} outcomes"
        )
    return (
        f"{voice.who} {voice.be} unable to achieve {count} of the {total} outcomes: "
        + _unable_list(reading, voice)
    )


def _told(
    code: str,
    scheme: _Scheme,
    sentence: Callable[[_Voice], str],
    **facts: Any,
) -> Reason:
    """A reason written once for both voices: `sentence` is given each in turn."""
    return Reason(code, sentence(scheme.staff), sentence(scheme.person), facts)


def _wellbeing_condition(answers: Mapping[str, Any], scheme: _Scheme) -> tuple[bool | None, Reason]:
    impact = read.choice(answers, "wellbeing_impact", _WELLBEING)
    if impact == "significant":
        return True, _told(
            "condition.3",
            scheme,
            lambda v: f"Met: there is a significant impact on {v.whose} wellbeing.",
            met=True,
        )
    if impact == "likely":
        return True, _told(
            "condition.3",
            scheme,
            lambda v: f"Met: there is likely to be a significant impact on {v.whose} wellbeing.",
            met=True,
        )
    if impact == "not_significant":
        return False, _told(
            "condition.3",
            scheme,
            lambda v: (
                f"Not met: there is not, and is not likely to be, a significant impact on "
                f"{v.whose} wellbeing."
            ),
            met=False,
        )
    return None, _told(
        "condition.3",
        scheme,
        lambda v: (
            f"Not yet answered: whether there is, or is likely to be, a significant impact "
            f"on {v.whose} wellbeing."
        ),
        met=None,
    )


def _eligibility_outcome(
    conditions: Sequence[tuple[bool | None, Reason]],
    *,
    scheme: _Scheme,
    reg: str,
    eligible_needs: Sequence[tuple[str, str]],
    notes: Sequence[Reason],
) -> Outcome:
    """Combine the three conditions of reg 2(1) or reg 3(1) into the outcome.

    `eligible_needs` is each need as (staff wording, the person's wording).
    """
    states = [state for state, _ in conditions]
    lines = [line for _, line in conditions]
    if any(state is None for state in states):
        pending = (
            f"Eligibility under {reg} of {_REGS} can be decided once the questions above are "
            f"answered."
        )
        return Outcome.explained(
            None, _NOT_ENOUGH, (*lines, Reason("pending", pending, pending), *notes)
        )
    if all(states):
        needs = Reason(
            "eligible_needs",
            f"The eligible needs are: {_semi_list([staff for staff, _ in eligible_needs])}.",
            f"The eligible needs are: {_semi_list([own for _, own in eligible_needs])}.",
            {"needs": tuple(own for _, own in eligible_needs)},
        )
        summary = _told(
            "summary",
            scheme,
            lambda v: (
                f"All three conditions in {reg} of {_REGS} are met, so {v.whose} needs are "
                f"eligible."
            ),
        )
        return Outcome.explained("eligible", "Eligible needs", (*lines, summary, needs, *notes))

    def decided(v: _Voice) -> str:
        return (
            f"Not all three conditions in {reg} of {_REGS} are met, so {v.whose} needs are "
            f"not eligible."
        )

    summary = Reason(
        "summary",
        decided(scheme.staff) + " Written information and advice on meeting or reducing the "
        "needs, and on preventing or delaying them, must still be given (Care Act s13(5)).",
        decided(scheme.person),
    )
    return Outcome.explained("not_eligible", "No eligible needs", (*lines, summary, *notes))


@register("care_act.adult_eligibility", reads=ADULT_ELIGIBILITY_READS)
def adult_eligibility(answers: Mapping[str, Any]) -> Outcome:
    """Decide whether an adult's needs meet the eligibility criteria (reg 2(1)).

    All three conditions must hold: (a) the needs arise from or relate to a physical or mental
    impairment or illness; (b) because of them the person is unable to achieve two or more of
    the ten outcomes; (c) as a consequence there is, or is likely to be, a significant impact
    on their wellbeing. Whether a carer currently meets a need is ignored, and so is the
    setting: custody changes who assesses, never the criteria.

    Args:
        answers: The needs assessment's visible answers keyed by field id.

    Returns:
        "eligible" or "not_eligible" with one reason per condition, or value None while any
        condition cannot be judged yet.
    """
    scheme = _ADULT_SCHEME
    from_impairment = read.flag(answers, "needs_from_impairment")
    if from_impairment is True:
        chosen = read.strings(answers, "impairment_types")
        types = [option_label(answers, "impairment_types", key) for key in chosen]
        kinds = f", recorded as {_and_list(types)}" if types else " (the type is not recorded)"
        met = (
            f"Met: the needs arise from or relate to a physical or mental impairment or "
            f"illness{kinds}."
        )
        cond_a: tuple[bool | None, Reason] = (
            True,
            Reason("condition.1", met, met, {"met": True, "impairments": tuple(chosen)}),
        )
    elif from_impairment is False:
        not_met = (
            "Not met: the needs do not arise from or relate to a physical or mental impairment "
            "or illness."
        )
        cond_a = (False, Reason("condition.1", not_met, not_met, {"met": False}))
    else:
        unknown = (
            "Not yet answered: whether the needs arise from or relate to a physical or mental "
            "impairment or illness."
        )
        cond_a = (None, Reason("condition.1", unknown, unknown, {"met": None}))

    reading = _read_outcomes(answers, scheme)
    unable = len(reading.unable)
    if reading.unanswered:
        cond_b: tuple[bool | None, Reason] = (
            None,
            _told(
                "condition.2",
                scheme,
                lambda v: (
                    f"Not yet answered: whether {v.who} can achieve each outcome; still to "
                    f"answer: {_semi_list(reading.unanswered)}."
                ),
                met=None,
            ),
        )
    else:
        state = "Met" if unable >= 2 else "Not met"
        cond_b = (
            unable >= 2,
            _told(
                "condition.2",
                scheme,
                lambda v: (
                    f"{state}: {_outcome_count_text(reading, scheme, v)}. Two or more are needed."
                ),
                met=unable >= 2,
                unable=tuple(label for label, _ in reading.unable),
            ),
        )

    return _eligibility_outcome(
        (cond_a, cond_b, _wellbeing_condition(answers, scheme)),
        scheme=scheme,
        reg="reg 2(1)",
        eligible_needs=[(label, label) for label, _ in reading.unable],
        notes=reading.notes,
    )


def _is_not_a_carer(answers: Mapping[str, Any]) -> str | None:
    """The relationship that stops someone being a carer under the Act, if it is one."""
    return read.choice(answers, "relationship", _NOT_CARER_RELATIONSHIPS)


@register("care_act.carer_eligibility", reads=CARER_ELIGIBILITY_READS)
def carer_eligibility(answers: Mapping[str, Any]) -> Outcome:
    """Decide whether a carer's needs meet the eligibility criteria (reg 3(1)).

    All three conditions must hold: (a) the needs arise because the carer provides necessary
    care to an adult; (b) the carer's physical or mental health is deteriorating or at risk of
    deteriorating, or the carer is unable to achieve at least one of the eight outcomes; (c) as
    a consequence there is, or is likely to be, a significant impact on their wellbeing.
    Fellow prisoners and establishment staff are not carers under the Act at all.

    Args:
        answers: The carer's assessment's visible answers keyed by field id.

    Returns:
        "eligible", "not_eligible" or "not_a_carer" with reasons, or value None while a needed
        answer is missing.
    """
    not_carer = _is_not_a_carer(answers)
    if not_carer is not None:
        who = (
            "A fellow prisoner or resident who cares for someone in the same establishment"
            if not_carer == "fellow_prisoner"
            else "A member of staff who cares for someone as part of their work"
        )
        return Outcome(
            value="not_a_carer",
            label="Not a carer under the Care Act",
            reasons=(
                f"{who} is not a carer under the Care Act (s76 for prisoners and residents of "
                f"approved premises; s10(9) for care given under a contract or as voluntary "
                f"work), so the carer eligibility criteria do not apply.",
                "The needs of the person cared for are met through their own needs assessment.",
            ),
        )

    scheme = _CARER_SCHEME
    necessary = read.flag(answers, "care_necessary")
    if necessary is True:
        cond_a: tuple[bool | None, Reason] = (
            True,
            _told(
                "condition.1",
                scheme,
                lambda v: (
                    f"Met: the needs arise because {v.who} {v.provide} necessary care to an adult."
                ),
                met=True,
            ),
        )
    elif necessary is False:
        not_met = "Not met: the needs do not arise from providing necessary care to an adult."
        cond_a = (False, Reason("condition.1", not_met, not_met, {"met": False}))
    else:
        cond_a = (
            None,
            _told(
                "condition.1",
                scheme,
                lambda v: (
                    f"Not yet answered: whether the needs arise because {v.who} "
                    f"{v.provide} necessary care to an adult."
                ),
                met=None,
            ),
        )

    reading = _read_outcomes(answers, scheme)
    health = read.choice(answers, "health_deteriorating", {"deteriorating", "at_risk", "no"})
    health_text = {
        "deteriorating": "{whose} physical or mental health is deteriorating",
        "at_risk": "{whose} physical or mental health is at risk of deteriorating",
    }
    if health in health_text:
        said = health_text[str(health)]
        cond_b: tuple[bool | None, Reason] = (
            True,
            _told(
                "condition.2",
                scheme,
                lambda v: (
                    f"Met: {said.format(whose=v.whose)}"
                    + (
                        f"; also, {_outcome_count_text(reading, scheme, v)}"
                        if reading.unable
                        else ""
                    )
                    + ". Either the health effect or one outcome is enough."
                ),
                met=True,
                unable=tuple(label for label, _ in reading.unable),
                health=True,
            ),
        )
    elif reading.unable and not reading.unanswered:
        cond_b = (
            True,
            _told(
                "condition.2",
                scheme,
                lambda v: f"Met: {_outcome_count_text(reading, scheme, v)}. One outcome is enough.",
                met=True,
                unable=tuple(label for label, _ in reading.unable),
                health=False,
            ),
        )
    elif health == "no" and not reading.unanswered:
        cond_b = (
            False,
            _told(
                "condition.2",
                scheme,
                lambda v: (
                    f"Not met: {v.whose} physical or mental health is not deteriorating "
                    f"or at risk of deteriorating, and {_outcome_count_text(reading, scheme, v)}."
                ),
                met=False,
            ),
        )
    else:
        missing = []
        if health is None:
            missing.append("whether the carer's health is deteriorating or at risk")
        if reading.unanswered:
            missing.append(f"the outcomes {_semi_list(reading.unanswered)}")
        unknown = (
            f"Not yet answered: the effect of caring on the carer; still to answer: "
            f"{'; and '.join(missing)}."
        )
        cond_b = (None, Reason("condition.2", unknown, unknown, {"met": None}))

    needs = [(label, label) for label, _ in reading.unable]
    if not reading.unable:
        needs = [
            (
                "the needs arising from the effect of caring on the carer's health",
                "the needs arising from the effect of caring on your health",
            )
        ]
    elif health in health_text:
        needs.append(
            (
                "and the needs arising from the effect on the carer's health",
                "and the needs arising from the effect on your health",
            )
        )
    return _eligibility_outcome(
        (cond_a, cond_b, _wellbeing_condition(answers, scheme)),
        scheme=scheme,
        reg="reg 3(1)",
        eligible_needs=needs,
        notes=reading.notes,
    )


# --- Refusal, capacity, advocacy -------------------------------------------------------------


def _refusal_exception(answers: Mapping[str, Any]) -> tuple[bool | None, list[str]]:
    """Whether s11(2) makes the assessment go ahead despite a refusal, and which limbs hold.

    Returns:
        True when a limb holds, False when neither can hold, None while that is unknown; and
        the plain-English limbs that hold.
    """
    has_capacity = read.flag(answers, "refusal_has_capacity")
    best_interests = read.flag(answers, "refusal_best_interests")
    abuse = read.flag(answers, "refusal_abuse_risk")
    if has_capacity is True:
        limb_a: bool | None = False
    elif has_capacity is False:
        limb_a = best_interests
    else:
        limb_a = None
    holding = []
    if limb_a is True:
        holding.append(
            "the person lacks capacity to refuse and the assessment is in their best interests"
        )
    if abuse is True:
        holding.append("the person is experiencing, or is at risk of, abuse or neglect")
    if holding:
        return True, holding
    if limb_a is False and abuse is False:
        return False, holding
    return None, holding


_S11_EXCEPTIONS = (
    "the person lacks capacity to refuse and the assessment is in their best interests, or "
    "they are experiencing or at risk of abuse or neglect (Care Act s11(2))"
)


@register("care_act.refusal", reads=REFUSAL_READS)
def refusal(answers: Mapping[str, Any]) -> Outcome:
    """Say whether a refused assessment may close, must go ahead, or may not go ahead.

    A person can refuse a needs assessment (Care Act s11(1)) unless they lack capacity to
    refuse and the assessment is in their best interests, or they are experiencing or at risk
    of abuse or neglect (s11(2)).

    Args:
        answers: The needs assessment's visible answers keyed by field id.

    Returns:
        "may_close", "must_assess" or "proceed_not_allowed"; value None when the person agreed
        (there is no refusal to judge) or while the answers needed are missing.
    """
    consent = read.choice(answers, "consent", _CONSENTS)
    if consent is None:
        return _not_enough("Record whether the person agreed to the assessment.")
    if consent == "consented":
        return Outcome(
            value=None,
            label="The person agreed to the assessment",
            reasons=("The person agreed to the assessment, so there is no refusal to consider.",),
        )
    holds, limbs = _refusal_exception(answers)
    if holds is True:
        verb = "refused" if consent == "refused" else "has not agreed"
        return Outcome(
            value="must_assess",
            label="Cannot close as a refusal: the assessment must go ahead",
            reasons=(
                f"The person {verb}, but {_and_list(limbs)}.",
                "In that case the authority must carry out the assessment without the "
                "person's agreement (Care Act s11(2)).",
            ),
        )
    if holds is None:
        return _not_enough(
            "Answer whether the person has capacity to refuse (and, if not, whether the "
            "assessment is in their best interests) and whether they are at risk of abuse or "
            "neglect.",
        )
    if consent == "refused":
        return Outcome(
            value="may_close",
            label="Can close as a refusal",
            reasons=(
                "The person refused the assessment, and neither exception applies: "
                f"{_S11_EXCEPTIONS} is not the case.",
                "The authority does not have to carry out the assessment (Care Act s11(1)). The "
                "person can ask for an assessment again at any time.",
            ),
        )
    return Outcome(
        value="proceed_not_allowed",
        label="Cannot go ahead without the person's agreement",
        reasons=(
            f"An assessment can go ahead without agreement only when {_S11_EXCEPTIONS}; "
            "neither applies here.",
            "Record the refusal instead.",
        ),
    )


@register("care_act.capacity", reads=CAPACITY_READS)
def capacity(answers: Mapping[str, Any]) -> Outcome:
    """Apply the two-stage mental capacity test (Mental Capacity Act 2005 ss1-3).

    Capacity is presumed unless there is reason to doubt it. A person lacks capacity for a
    decision only if they have an impairment of, or a disturbance in the functioning of, the
    mind or brain (stage 1) and cannot understand, retain, use or weigh the information, or
    communicate their decision (stage 2; any one is enough).

    Args:
        answers: The needs assessment's visible answers keyed by field id.

    Returns:
        "presumed", "has" or "lacks" with reasons naming the abilities, or value None while an
        answer the test needs is missing.
    """
    decision = read.text(answers, "capacity_decision")
    about = (f"The decision: {decision}.",) if decision else ()
    doubt = read.flag(answers, "capacity_doubt")
    if doubt is False:
        return Outcome(
            value="presumed",
            label="Capacity presumed",
            reasons=(
                *about,
                "There is no reason to doubt the person's capacity, so capacity is presumed "
                "(Mental Capacity Act s1(2)).",
            ),
        )
    if doubt is None:
        return _not_enough(*about, "Answer whether there is reason to doubt capacity.")
    impairment = read.flag(answers, "capacity_impairment")
    if impairment is False:
        return Outcome(
            value="has",
            label="Has capacity for this decision",
            reasons=(
                *about,
                "There is no impairment of, or disturbance in the functioning of, the mind or "
                "brain, so the person cannot be found to lack capacity (Mental Capacity Act "
                "s2(1)).",
            ),
        )
    abilities = [(label, read.flag(answers, key)) for key, label in _CAPACITY_ABILITIES]
    cannot = [label for label, can in abilities if can is False]
    missing = [label for label, can in abilities if can is None]
    if impairment is True and cannot:
        # Asked only on forms that have these questions; answers without them (older drafts,
        # the carer's form) keep the two-stage reading.
        causal = read.flag(answers, "capacity_causal")
        steps = read.flag(answers, "capacity_practicable_steps")
        if causal is False:
            return Outcome(
                value="has",
                label="Has capacity for this decision",
                reasons=(
                    *about,
                    f"The person cannot {_and_list(cannot)}, but not because of the impairment "
                    "or disturbance, so they cannot be found to lack capacity (Mental Capacity "
                    "Act s2(1); A Local Authority v JB [2021] UKSC 52).",
                ),
            )
        if steps is False:
            return _not_enough(
                *about,
                "Take all practicable steps to help the person make the decision before "
                "finding that they cannot (Mental Capacity Act s1(3)).",
            )
        return Outcome(
            value="lacks",
            label="Lacks capacity for this decision",
            reasons=(
                *about,
                "Stage 1: there is an impairment of, or a disturbance in the functioning of, the "
                "mind or brain.",
                f"Stage 2: the person cannot {_and_list(cannot)} (Mental Capacity Act s3(1); "
                f"any one is enough)"
                + (", because of that impairment or disturbance." if causal else "."),
                "So the person lacks capacity to make this decision (Mental Capacity Act s2(1)), "
                "and it must be made in their best interests (s4).",
            ),
        )
    if impairment is True and not missing:
        return Outcome(
            value="has",
            label="Has capacity for this decision",
            reasons=(
                *about,
                "There is an impairment of, or a disturbance in the functioning of, the mind or "
                "brain, but the person can understand, retain, use or weigh the information, and "
                "communicate their decision, so they have capacity to make it (Mental Capacity "
                "Act s3(1)).",
            ),
        )
    still = []
    if impairment is None:
        still.append("whether there is an impairment of or disturbance in the mind or brain")
    still.extend(f"whether the person can {label}" for label in missing)
    return _not_enough(*about, f"Still to answer: {_semi_list(still)}.")


@register("care_act.advocacy", reads=ADVOCACY_READS)
def advocacy(answers: Mapping[str, Any]) -> Outcome:
    """Say whether the authority must arrange an independent advocate (Care Act s67).

    An advocate is needed when the person would have substantial difficulty in being involved
    and there is no appropriate person to support and represent them.

    Args:
        answers: The needs assessment's visible answers keyed by field id.

    Returns:
        "required", "appropriate_person" or "not_needed" with reasons naming the difficulties,
        or value None while an answer is missing.
    """
    setting = _setting(answers)
    custody_note = (
        ("People in custody have the same right to an advocate; the authority arranges it.",)
        if setting in CUSTODY_SETTINGS
        else ()
    )
    difficulty = read.flag(answers, "advocacy_difficulty")
    if difficulty is False:
        return Outcome(
            value="not_needed",
            label="No advocate needed",
            reasons=(
                "The person would not have substantial difficulty in being involved in the "
                "assessment, so an independent advocate is not needed (Care Act s67).",
                *custody_note,
            ),
        )
    if difficulty is None:
        return _not_enough(
            "Answer whether the person would have substantial difficulty in being involved.",
            *custody_note,
        )
    chosen = read.strings(answers, "advocacy_difficulties")
    named = [
        option_label(answers, "advocacy_difficulties", key)
        for key in _ADVOCACY_DIFFICULTIES
        if key in chosen
    ]
    which = f" ({_and_list(named)})" if named else ""
    first = f"The person would have substantial difficulty in being involved{which}."
    appropriate = read.flag(answers, "appropriate_person")
    if appropriate is True:
        return Outcome(
            value="appropriate_person",
            label="An appropriate person will support them",
            reasons=(
                first,
                "An appropriate person can support and represent them, so the authority does "
                "not have to arrange an independent advocate (Care Act s67).",
                *custody_note,
            ),
        )
    if appropriate is False:
        return Outcome(
            value="required",
            label="Independent advocate required",
            reasons=(
                first,
                "There is no appropriate person to support and represent them, so the authority "
                "must arrange an independent advocate (Care Act s67).",
                *custody_note,
            ),
        )
    return _not_enough(
        first, "Answer whether there is an appropriate person to support them.", *custody_note
    )


# --- Custody -----------------------------------------------------------------------------------


@register("care_act.direct_payments", reads=DIRECT_PAYMENTS_READS)
def direct_payments(answers: Mapping[str, Any]) -> Outcome:
    """Say whether direct payments can be offered, given the setting (Care Act s76).

    Direct payments do not apply in custody, except to unconvicted people on bail living in
    bail accommodation or approved premises.

    Args:
        answers: The visible answers; reads ``setting`` and ``conviction_status``.

    Returns:
        "available" or "not_available" with the reason, or value None while the setting (or,
        in custody, the conviction status) is not recorded.
    """
    return _direct_payments(answers, "the person", "your own support")


@register("care_act.carer_direct_payments", reads=DIRECT_PAYMENTS_READS)
def carer_direct_payments(answers: Mapping[str, Any]) -> Outcome:
    """`direct_payments` for a carer's support plan, where the record's person is the carer.

    The same rules (Care Act ss31-33 and s76) over the carer's own setting, told of "the
    carer": a carer's personal budget (s26) can be taken as a direct payment like a person's
    (REQUIREMENTS FC-14). A fellow prisoner is never a carer (CA-11), so custody rarely
    arises here, but the answer is the same as for anyone in that setting.

    Args:
        answers: The support plan's visible answers; reads ``setting`` and
            ``conviction_status``.
    """
    return _direct_payments(answers, "the carer", "your support as a carer")


def _direct_payments(answers: Mapping[str, Any], who: str, support: str) -> Outcome:
    """`direct_payments` told of `who` ("the person", "the carer"); `support` is theirs."""
    setting = _setting(answers)
    if setting is None:
        return _not_enough(f"Record where {who} lives.")
    # Capitalised by hand: str.capitalize would lower the rest of the sentence too.
    subject = who[0].upper() + who[1:]
    offer = f"choose to have direct payments: money from us, so that you can arrange {support}."
    if setting not in CUSTODY_SETTINGS:
        why = (
            f"{subject} lives in the community ({setting.label.lower()}), so direct "
            "payments can be offered (Care Act ss31-33)."
        )
        return Outcome.explained(
            "available",
            "Direct payments can be offered",
            (Reason("direct_payments.available", why, f"You can {offer}"),),
        )
    status = read.choice(answers, "conviction_status", _CONVICTIONS)
    if status is None:
        return _not_enough("Record the conviction status.")
    if status == "unconvicted_on_bail" and setting in {
        Setting.BAIL_ACCOMMODATION,
        Setting.APPROVED_PREMISES,
    }:
        return Outcome.explained(
            "available",
            "Direct payments can be offered",
            (
                Reason(
                    "direct_payments.available",
                    f"{subject} is unconvicted and on bail, living in "
                    f"{setting.label.lower()}: unconvicted people in bail accommodation or "
                    "approved premises can have direct payments (Care Act s76).",
                    "Because you have not been convicted and are on bail, living in "
                    f"{setting.label.lower()}, you can {offer}",
                ),
            ),
        )
    return Outcome.explained(
        "not_available",
        "Direct payments not available",
        (
            Reason(
                "direct_payments.not_available",
                f"{subject} is {_IN_SETTING.get(setting, 'in custody')} "
                f"({_CONVICTION_WORDS[status]}): direct payments cannot be made in prison or "
                "youth custody, and in approved premises or bail accommodation only to a person "
                "not convicted and on bail (Care Act s76).",
                "While you are in custody, support is arranged for you: direct payments are not "
                "available.",
            ),
        ),
    )


@register("care_act.choice_of_accommodation", reads=ACCOMMODATION_READS)
def choice_of_accommodation(answers: Mapping[str, Any]) -> Outcome:
    """Say whether the right to choose accommodation (Care Act s30) applies.

    In custody it applies only to accommodation on release (Care Act s76).

    Args:
        answers: The visible answers; reads ``setting`` and ``preparing_for_release``.

    Returns:
        "applies" or "not_applicable" with the reason, or value None while an answer is
        missing.
    """
    setting = _setting(answers)
    if setting is None:
        return _not_enough("Record where the person lives.")
    if setting not in CUSTODY_SETTINGS:
        return Outcome(
            value="applies",
            label="Choice of accommodation applies",
            reasons=(
                "The person can choose particular accommodation when their needs are to be met "
                "by accommodation of a specified type (Care Act s30).",
            ),
        )
    release = read.flag(answers, "preparing_for_release")
    if release is True:
        return Outcome(
            value="applies",
            label="Choice of accommodation applies",
            reasons=(
                "The right to choose accommodation applies to accommodation on release "
                "(Care Act s76).",
            ),
        )
    if release is False:
        return Outcome(
            value="not_applicable",
            label="Choice of accommodation does not apply",
            reasons=(
                "The right to choose accommodation (Care Act s30) does not apply while the "
                "person is in custody; it applies only to accommodation arranged for their "
                "release (Care Act s76).",
            ),
        )
    return _not_enough("Record whether the person is preparing for release.")


@register("care_act.custody_flags", reads=CUSTODY_FLAGS_READS)
def custody_flags(answers: Mapping[str, Any]) -> Outcome:
    """Flag what the caseload and the reader must not miss: transition, care leaver, reviews.

    Args:
        answers: The visible answers; reads ``setting``, ``date_of_birth``,
            ``assessment_date``, ``care_leaver`` and ``looked_after_authority``.

    Returns:
        "flags" with one reason per flag, or "none"; value None while the setting is missing.
    """
    setting = _setting(answers)
    if setting is None:
        return _not_enough("Record where the person lives.")
    flags: list[str] = []
    notes: list[str] = []
    if setting in YOUTH_SETTINGS:
        born = read.date(answers, "date_of_birth")
        on = read.date(answers, "assessment_date")
        if born is None or on is None:
            notes.append(
                "Record the date of birth and the assessment date to check whether a transition "
                "assessment is due."
            )
        elif age_on(born, on) == 17:
            flags.append(
                "Approaching 18 in youth custody: a transition assessment is due (Care Act s58)."
            )
        elif age_on(born, on) < 17:
            flags.append(
                "Under 18 in youth custody: consider whether a transition assessment would be of "
                "significant benefit now (Care Act s58)."
            )
    if read.flag(answers, "care_leaver") is True:
        authority = read.text(answers, "looked_after_authority")
        if authority:
            flags.append(
                f"Care leaver: the authority that looked after them ({authority}) stays "
                "responsible for leaving-care services."
            )
        else:
            flags.append(
                "Care leaver: the authority that looked after them stays responsible for "
                "leaving-care services; record which authority it is."
            )
    if setting in CUSTODY_SETTINGS:
        flags.append("Review the plan each time the person enters or leaves custody.")
    if not flags:
        return Outcome(
            value="none",
            label="No flags",
            reasons=("Nothing about custody or leaving care needs flagging.", *notes),
        )
    label = f"{len(flags)} flag{'' if len(flags) == 1 else 's'}"
    return Outcome(value="flags", label=label, reasons=(*flags, *notes))


# --- Completion checks -------------------------------------------------------------------------


def _ineligible_info_blockers(answers: Mapping[str, Any], eligibility: Outcome) -> list[Blocker]:
    """The s13(5) information that must be given when no needs are eligible."""
    if eligibility.value != "not_eligible" or answers.get("consent") == "refused":
        return []
    why = (
        "no needs are eligible, so written information and advice on meeting or reducing the "
        "needs and preventing or delaying them must be given (Care Act s13(5))"
    )
    if read.flag(answers, "ineligible_info_given") is not True:
        return [Blocker("ineligible_info_given", f"Give the written information: {why}.")]
    if not _has_date(answers, "ineligible_info_date"):
        return [Blocker("ineligible_info_date", f"Record the date it was given: {why}.")]
    given = read.text(answers, "ineligible_info_format")
    if not given:
        return [Blocker("ineligible_info_format", f"Record the format it was given in: {why}.")]
    preferred = read.text(answers, "preferred_format")

    def norm(value: str) -> str:
        return "_".join(value.lower().replace("-", " ").split())

    if preferred and norm(preferred) != norm(given):
        given_as = option_label(answers, "ineligible_info_format", norm(given))
        asked = option_label(answers, "preferred_format", norm(preferred))
        return [
            Blocker(
                "ineligible_info_format",
                f"The written information was given in {given_as} but the person asked for "
                f"{asked}: give it in the format they asked for.",
            )
        ]
    return []


def _refusal_grounds_blockers(answers: Mapping[str, Any]) -> list[Blocker]:
    """The grounds for overriding a refusal must be recorded, not just asserted (s11(2))."""
    found: list[Blocker] = []
    if read.flag(answers, "refusal_has_capacity") is False:
        if capacity(answers).value != "lacks":
            found.append(
                Blocker(
                    "capacity_doubt",
                    "You recorded that the person lacks capacity to refuse the assessment, but "
                    "the mental capacity test does not show it. On 'Mental capacity and who may "
                    "act', record the test for the decision whether to agree to the assessment "
                    "(Mental Capacity Act ss2-3).",
                )
            )
        if not read.text(answers, "best_interests"):
            found.append(
                Blocker(
                    "best_interests",
                    "The person lacks capacity to refuse: record why the assessment is in their "
                    "best interests and who was consulted (Mental Capacity Act s4).",
                )
            )
    if read.flag(answers, "refusal_abuse_risk") is True and (
        read.flag(answers, "safeguarding_concern") is not True
    ):
        found.append(
            Blocker(
                "safeguarding_concern",
                "The person is experiencing, or at risk of, abuse or neglect: record the "
                "safeguarding concern and what was done about it.",
            )
        )
    return found


def _custody_detail_blockers(answers: Mapping[str, Any], setting: Setting | None) -> list[Blocker]:
    """Conviction status that cannot apply, and release or transfer details left unrecorded."""
    found: list[Blocker] = []
    if setting is None or setting not in CUSTODY_SETTINGS:
        return found
    status = read.choice(answers, "conviction_status", _CONVICTIONS)
    misfit = conviction_status_misfit(setting, ConvictionStatus(status)) if status else None
    if misfit:
        # The same words the person's details are refused in (people.validate_person_details).
        found.append(
            Blocker("conviction_status", f"{misfit} Check the setting and the conviction status.")
        )
    if read.flag(answers, "preparing_for_release") is True:
        for key, what in (
            ("expected_release_date", "the expected release date"),
            ("release_area", "the area the person intends to live in after release"),
        ):
            if not (_has_date(answers, key) if key.endswith("date") else read.text(answers, key)):
                found.append(Blocker(key, f"The person is preparing for release: record {what}."))
    if read.flag(answers, "notify_other_authority") is True:
        leads = answers.get("named_leads")
        parties = {
            item.get("lead_party")
            for item in (leads if isinstance(leads, list) else [])
            if isinstance(item, dict) and item.get("lead_name")
        }
        missing = [
            words
            for party, words in (
                ("this_authority", "this authority"),
                ("other_authority", "the other authority"),
            )
            if party not in parties
        ]
        if missing:
            found.append(
                Blocker(
                    "named_leads",
                    f"Another authority must be told: name a lead for {' and '.join(missing)}, "
                    "so the two authorities can share the plan in time.",
                )
            )
    return found


def _advocate_blockers(answers: Mapping[str, Any], who: str) -> list[Blocker]:
    """An advocate the `care_act.advocacy` rule finds required must be asked for (s67).

    Shared by the needs and the carer's assessments (`who` is "person" or "carer").
    """
    if (
        read.flag(answers, "advocacy_difficulty") is True
        and read.flag(answers, "appropriate_person") is False
        and not _has_date(answers, "advocate_referral_date")
        and not read.text(answers, "advocate_declined")
    ):
        return [
            Blocker(
                "advocate_referral_date",
                f"The {who} would have substantial difficulty in being involved and has no "
                "appropriate person to support them, so an independent advocate must be arranged "
                f"(Care Act s67): record the date of the referral, or, if the {who} has capacity "
                "and declined one, what they said.",
            )
        ]
    return []


def _carer_offer_blockers(answers: Mapping[str, Any]) -> list[Blocker]:
    """A carer's assessment offered to a supporter must be answered before completing (s10).

    Every supporter records what happened to the offer (the form requires it); one still
    "offered", with no answer, is an open task that stops the needs assessment completing.
    """
    found: list[Blocker] = []
    for i, supporter in enumerate(read.items(answers, "supporters")):
        if supporter.get("supporter_carer_offer") != "offered":
            continue
        name = supporter.get("supporter_name")
        who = name.strip() if isinstance(name, str) and name.strip() else "A supporter"
        found.append(
            Blocker(
                f"supporters[{i}].supporter_carer_offer",
                f"{who} was offered a carer's assessment and their answer is not recorded: "
                "record whether they accepted or declined it (Care Act s10; a carer who "
                "appears to need support must always be offered one).",
            )
        )
    return found


@register_check("care_act.needs_completion", reads=NEEDS_COMPLETION_READS)
def needs_completion(answers: Mapping[str, Any]) -> list[Blocker]:
    """List what stops a needs assessment being completed, beyond missing answers.

    Covers refusal (Care Act s11), independent advocacy (s67), information when no needs are
    eligible (s13(5)), best interests when the person lacks capacity, sharing information in
    custody, and safeguarding referrals (worded for custody or the community).

    Args:
        answers: The needs assessment's visible answers keyed by field id.

    Returns:
        The blockers, each with the question to go to; empty when nothing blocks.
    """
    blockers: list[Blocker] = []
    setting = _setting(answers)
    in_custody = setting in CUSTODY_SETTINGS

    consent = read.choice(answers, "consent", _CONSENTS)
    holds, limbs = _refusal_exception(answers)
    if consent == "refused" and holds is True:
        blockers.append(
            Blocker(
                "consent",
                f"This assessment cannot close as a refusal: {_and_list(limbs)}, so it must go "
                'ahead (Care Act s11(2)). Choose "goes ahead without the person\'s agreement" '
                "and complete the assessment.",
            )
        )
    elif consent == "proceeding" and holds is False:
        blockers.append(
            Blocker(
                "consent",
                f"An assessment can go ahead without the person's agreement only when "
                f"{_S11_EXCEPTIONS}; neither applies here. Record the refusal instead.",
            )
        )

    blockers.extend(_advocate_blockers(answers, "person"))
    blockers.extend(_carer_offer_blockers(answers))

    if consent in ("refused", "proceeding"):
        blockers.extend(_refusal_grounds_blockers(answers))

    blockers.extend(_ineligible_info_blockers(answers, adult_eligibility(answers)))
    blockers.extend(_custody_detail_blockers(answers, setting))

    if capacity(answers).value == "lacks" and not read.text(answers, "best_interests"):
        blockers.append(
            Blocker(
                "best_interests",
                "The person lacks capacity to make this decision: record the best interests "
                "decision and who was consulted (Mental Capacity Act s4).",
            )
        )

    if in_custody:
        records = answers.get("sharing_records")
        sharing = read.choice(answers, "sharing_consent", _SHARING_ALLOWED)
        if isinstance(records, list) and records and sharing is None:
            blockers.append(
                Blocker(
                    "sharing_consent",
                    "Information is recorded as shared, but sharing with the establishment, the "
                    "offender manager or prison healthcare needs the person's consent or a "
                    "recorded lawful basis: record which.",
                )
            )

    if read.flag(answers, "safeguarding_concern") is True:
        if setting in NO_S42_SETTINGS:
            custody_why = (
                "in custody the establishment's management responds to safeguarding concerns "
                "under HMPPS policy; the authority does not lead the enquiry"
            )
            if not read.text(answers, "safeguarding_notified_who"):
                blockers.append(
                    Blocker(
                        "safeguarding_notified_who",
                        "Record who at the establishment was told about the safeguarding "
                        f"concern: {custody_why}.",
                    )
                )
            if not _has_date(answers, "safeguarding_notified_date"):
                blockers.append(
                    Blocker(
                        "safeguarding_notified_date",
                        "Record the date the establishment was told about the safeguarding "
                        f"concern: {custody_why}.",
                    )
                )
        elif not _has_date(answers, "safeguarding_referral_date"):
            blockers.append(
                Blocker(
                    "safeguarding_referral_date",
                    "Record the date the safeguarding concern was referred to the authority's "
                    "safeguarding team, which decides on an enquiry (Care Act s42).",
                )
            )
    return blockers


@register_check("care_act.carer_completion", reads=CARER_COMPLETION_READS)
def carer_completion(answers: Mapping[str, Any]) -> list[Blocker]:
    """List what stops a carer's assessment being completed, beyond missing answers.

    Covers a carer living in custody or approved premises (in general not a carer, Care Act
    s76: completing needs the recorded reason to assess them despite it), fellow prisoners and
    staff, independent advocacy (s67), a combined assessment's agreement, age, young carers
    and information when no needs are eligible.

    Args:
        answers: The carer's assessment's visible answers keyed by field id.

    Returns:
        The blockers, each with the question to go to; empty when nothing blocks.
    """
    blockers: list[Blocker] = []
    setting = _setting(answers)
    where = _NOT_A_CARER_SETTINGS.get(setting) if setting is not None else None
    if where is not None and not read.text(answers, "custody_assess_reason"):
        blockers.append(
            Blocker(
                "custody_assess_reason",
                f"The carer lives {where}: prisoners and residents of approved premises are in "
                "general not carers under the Care Act for care they give there (Care Act s76). "
                "Record the reason to assess them despite this, or leave this assessment and "
                "consider the needs of the person cared for in their own needs assessment.",
            )
        )
    if _is_not_a_carer(answers) is not None:
        blockers.append(
            Blocker(
                "relationship",
                "This person is not a carer under the Care Act: prisoners, residents of "
                "approved premises and staff who care for someone there are not carers "
                "(Care Act s76). A carer's assessment cannot be completed; consider the needs "
                "of the person cared for in their own needs assessment instead.",
            )
        )
    blockers.extend(_advocate_blockers(answers, "carer"))
    if read.flag(answers, "combined") is True:
        for key, who in (
            ("combined_carer_agrees", "the carer"),
            ("combined_cared_for_agrees", "the person cared for"),
        ):
            if read.flag(answers, key) is not True:
                blockers.append(
                    Blocker(
                        key,
                        f"Record that {who} agrees: a combined assessment needs both people to "
                        "agree (Care Act s12(5)).",
                    )
                )
    born, on = read.date(answers, "date_of_birth"), read.date(answers, "assessment_date")
    if born is not None and on is not None and age_on(born, on) < 18:
        blockers.append(
            Blocker(
                "date_of_birth",
                "The carer is under 18 on the date of this assessment. Young carers are assessed "
                "by children's services (Children Act 1989 s17ZA); a young carer's transition "
                "assessment (Care Act s63) is for those approaching 18.",
            )
        )
    if read.flag(answers, "young_carer_in_household") is True and not _has_date(
        answers, "young_carer_referral_date"
    ):
        blockers.append(
            Blocker(
                "young_carer_referral_date",
                "A young carer lives in the household: refer them to children's services for a "
                "young carer's needs assessment (Children Act 1989 s17ZA) and record the date "
                "of the referral.",
            )
        )
    blockers.extend(_ineligible_info_blockers(answers, carer_eligibility(answers)))
    return blockers


# --- Carers: authority and start check ---------------------------------------------------------


def _authority_key(name: str) -> str:
    key = " ".join(name.lower().split())
    return key[4:] if key.startswith("the ") else key


@register("care_act.carer_authority", reads=CARER_AUTHORITY_READS)
def carer_authority(answers: Mapping[str, Any]) -> Outcome:
    """Say whether the carer lives in the same authority as the person they care for.

    The responsible authority is the one where the person cared for is ordinarily resident,
    even when the carer lives elsewhere. Names are compared ignoring case, surrounding spaces
    and a leading "the".

    Args:
        answers: The visible answers; reads ``responsible_authority`` and
            ``carer_home_authority``.

    Returns:
        "same" or "cross_border" with the reason, or value None while either name is missing.
    """
    responsible = read.text(answers, "responsible_authority")
    carer_home = read.text(answers, "carer_home_authority")
    if not responsible or not carer_home:
        return _not_enough(
            "Record the authority of the person cared for and the authority the carer lives in."
        )
    if _authority_key(responsible) == _authority_key(carer_home):
        return Outcome(
            value="same",
            label="Same authority",
            reasons=(
                f"The carer lives in the area of {responsible}, which is also responsible "
                "as the authority where the person cared for is ordinarily resident.",
            ),
        )
    return Outcome(
        value="cross_border",
        label="Carer lives in another authority",
        reasons=(
            f"The carer lives in a different authority ({carer_home}); the responsible "
            f"authority is {responsible}, where the person cared for is ordinarily resident.",
        ),
    )


@register_start_check("care_act.carer_start")
def carer_start(ctx: StartContext) -> Refusal | None:
    """Refuse a carer's assessment (or support plan) for someone under 18: see below.

    People under 18 are young carers, assessed under the Children Act 1989 (s17ZA). People in
    prison, youth custody or approved premises are in general not carers for care they give
    there (Care Act s76), but that is a block on completing the assessment that a recorded
    reason lifts (`carer_completion`), not a refusal to start it.

    Args:
        ctx: The would-be carer and the date the assessment would start.

    Returns:
        The refusal with what to do instead, or None when the assessment can start.
    """
    born = ctx.person.date_of_birth
    if isinstance(born, dt.date) and age_on(born, ctx.today) < 18:
        return Refusal(
            message=(
                f"The person is under 18 ({age_on(born, ctx.today)} on "
                f"{ctx.today.isoformat()}): young carers are assessed under the Children Act "
                "1989 (s17ZA), not the Care Act."
            ),
            next_step="Refer them to children's services for a young carer's needs assessment.",
        )
    return None
