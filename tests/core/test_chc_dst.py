"""The CHC Decision Support Tool: domains and levels as the national tool, indicators (never a
decision), the rationale check and the 28-day clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assessor_app.core.chc.levels import DST_ALLOWED, DST_DOMAINS, PRIORITY_DOMAINS
from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.form_engine.evaluation import evaluate
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.rules.chc import (
    contribution_proposals,
    dst_completion,
    dst_due_dates,
    dst_indicators,
    dst_timeline,
    mdt_check,
    rationale_check,
)

KEYS = [k for k, _ in DST_DOMAINS]

# RULES.md 2.1, written out literally: the levels each domain allows.
EXPECTED_LEVELS = {
    "breathing": "NLMHSP",
    "nutrition": "NLMHS",
    "continence": "NLMH",
    "skin": "NLMHS",
    "mobility": "NLMHS",
    "communication": "NLMH",
    "psychological": "NLMH",
    "cognition": "NLMHS",
    "behaviour": "NLMHSP",
    "drug_therapies": "NLMHSP",
    "asc": "NLMHP",
    "other": "NLMHS",
}
LETTER = {"no_needs": "N", "low": "L", "moderate": "M", "high": "H", "severe": "S", "priority": "P"}


def test_each_domain_allows_only_its_own_levels() -> None:
    assert [name for _, name in DST_DOMAINS][0] == "Breathing"
    assert len(DST_DOMAINS) == 12 and KEYS[-1] == "other"
    assert {k: "".join(LETTER[lv] for lv in DST_ALLOWED[k]) for k in KEYS} == EXPECTED_LEVELS
    assert PRIORITY_DOMAINS == ("breathing", "behaviour", "drug_therapies", "asc")


def dst(**levels: str) -> dict[str, Any]:
    answers: dict[str, Any] = {f"dst_{k}_level": "low" for k in KEYS}
    answers.update({f"dst_{k}_level": v for k, v in levels.items()})
    return answers


@pytest.mark.parametrize(
    ("answers", "value"),
    [
        pytest.param(dst(), "none", id="all-low"),
        *[
            pytest.param(dst(**{k: "priority"}), "clear", id=f"priority-{k}")
            for k in PRIORITY_DOMAINS
        ],
        pytest.param(dst(mobility="severe", cognition="severe"), "clear", id="two-severe"),
        pytest.param(dst(mobility="severe"), "none", id="one-severe-alone"),
        pytest.param(
            dst(mobility="severe", nutrition="moderate"),
            "may_indicate",
            id="one-severe-with-other-needs",
        ),
        pytest.param(dst(mobility="high", cognition="high"), "may_indicate", id="two-high"),
        pytest.param(dst(mobility="high"), "none", id="one-high"),
        pytest.param(
            dst(mobility="high", cognition="moderate", behaviour="moderate"),
            "may_indicate",
            id="three-high-or-moderate",
        ),
        pytest.param(dst(mobility="moderate", cognition="moderate"), "none", id="two-moderate"),
    ],
)
def test_indicators(answers: dict[str, Any], value: str) -> None:
    outcome = dst_indicators(answers)
    assert outcome.value == value
    if value == "clear":
        assert outcome.label == "A clear recommendation of eligibility would be expected"
        assert "not a decision" in outcome.reasons[-1]


def test_indicators_wait_for_every_level_unless_already_clear() -> None:
    assert dst_indicators({"dst_mobility_level": "low"}).value is None
    assert dst_indicators({"dst_breathing_level": "priority"}).value == "clear"


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("Her needs are well managed by staff.", "well managed"),
        ("He lives in a nursing home so his needs are met.", "setting"),
        ("Because of his diagnosis of Parkinson's.", "diagnosis"),
        ("Her daughter provides most care.", "who provides"),
        ("A registered nurse is required at night.", "specialist"),
        ("She already receives funded nursing care.", "other NHS-funded"),
        ("The family cannot afford the fees.", "finance"),
    ],
)
def test_rationale_check_flags_excluded_reasons(text: str, flagged: str) -> None:
    outcome = rationale_check({"recommendation_rationale": text})
    assert outcome.value == "warnings"
    assert any(flagged in r for r in outcome.reasons)


def test_rationale_naming_the_four_characteristics_passes() -> None:
    text = (
        "The nature of her needs calls for skilled intervention; their intensity is "
        "high; the complexity of interacting needs is marked; unpredictability is shown "
        "by sudden seizures."
    )
    assert rationale_check({"recommendation_rationale": text}).value == "ok"
    missing = rationale_check({"recommendation_rationale": "The nature of needs is clear."})
    assert any("intensity" in r for r in missing.reasons)


def test_the_28_day_clock_runs_from_the_icb_receiving_the_referral() -> None:
    answers = {"icb_referral_received": "2026-01-31"}
    assert dst_due_dates(answers) == {"decision": dt.date(2026, 2, 28)}
    assert dst_timeline(answers).value == "2026-02-28"
    decided = {**answers, "icb_decision_date": "2026-03-05"}
    due = dst_due_dates(decided)
    assert due["first_review"] == dt.date(2026, 6, 5)
    assert due["annual_review"] == dt.date(2027, 6, 5)
    assert any("33 days, longer than 28" in r for r in dst_timeline(decided).reasons)
    month_end = dst_due_dates({"icb_decision_date": "2025-11-30"})
    assert month_end["first_review"] == dt.date(2026, 2, 28)


C = {"contributed_on": "2026-11-20", "revision": 1}
NURSE = {
    **C,
    "contribution_id": "aaaa1111",
    "contributor_name": "Sam Nurse",
    "contributor_profession": "registered_nurse",
    "m_mobility_level": "high",
    "m_mobility_evidence": "Two falls this month.",
}
SOCIAL_WORKER = {
    **C,
    "contribution_id": "bbbb2222",
    "contributor_name": "Robin Social",
    "contributor_profession": "social_worker",
    "m_mobility_level": "moderate",
    "m_mobility_evidence": "Transfers with one carer.",
}
VALID_MDT = [{"member_profession": "registered_nurse"}, {"member_profession": "social_worker"}]


@pytest.mark.parametrize(
    ("professions", "valid"),
    [
        (["social_worker", "social_worker"], False),
        (["registered_nurse", "registered_nurse"], False),
        (["registered_nurse", "occupational_therapist"], True),
        (["registered_nurse", "social_worker"], True),
        (["registered_nurse"], False),
    ],
    ids=["two-social-workers", "two-nurses", "nurse-and-ot", "nurse-and-social-worker", "one"],
)
def test_mdt_composition(professions: list[str], valid: bool) -> None:
    answers = {"mdt_members": [{"member_profession": p} for p in professions]}
    assert mdt_check(answers).value is valid
    paths = [b.path for b in dst_completion(answers)]
    assert ("mdt_members" in paths) is not valid


def test_disagreement_proposes_the_higher_level_and_must_be_recorded() -> None:
    answers = {
        "contributions": [SOCIAL_WORKER, NURSE],
        "mdt_members": VALID_MDT,
        "dst_mobility_level": "high",
    }
    outcome = contribution_proposals(answers)
    assert outcome.value == 1
    assert "Sam Nurse (registered nurse) proposed High" in outcome.reasons[0]
    assert "The higher level, High, is proposed" in outcome.reasons[0]
    assert [b.path for b in dst_completion(answers)] == ["dst_mobility_disagreement"]
    recorded = {**answers, "dst_mobility_disagreement": "Robin saw good days only."}
    assert dst_completion(recorded) == []


def test_confirming_below_a_members_level_needs_reasons_even_without_disagreement() -> None:
    answers = {"contributions": [NURSE], "mdt_members": VALID_MDT, "dst_mobility_level": "moderate"}
    assert [b.path for b in dst_completion(answers)] == ["dst_mobility_disagreement"]


def test_an_incomplete_contribution_is_not_counted_and_never_crashes() -> None:
    outcome = contribution_proposals({"contributions": [{"contributor_name": "Half typed"}]})
    assert outcome.value is None and "not complete" in outcome.reasons[-1]


@pytest.mark.parametrize(
    ("extra", "blocked"),
    [
        ({"recommendation": "not_eligible"}, ["indicator_departure"]),
        ({"recommendation": "not_eligible", "indicator_departure": "Because..."}, []),
        ({"recommendation": "eligible"}, []),
        ({"recommendation": "eligible", "icb_decision": "not_eligible"}, ["icb_reasons"]),
        (
            {
                "recommendation": "eligible",
                "icb_decision": "not_eligible",
                "icb_reasons": "Exceptional: ...",
            },
            [],
        ),
    ],
    ids=[
        "clear-but-not-eligible",
        "departure-explained",
        "consistent",
        "icb-departs",
        "icb-departure-explained",
    ],
)
def test_recommendation_and_icb_decision_consistency(
    extra: dict[str, Any], blocked: list[str]
) -> None:
    answers = {**dst(breathing="priority"), **extra}
    assert [b.path for b in dst_completion(answers)] == blocked


def test_the_form_offers_each_domain_only_its_own_levels_in_order() -> None:
    from assessor_app.core.form_engine.definition import load_forms_dir
    from assessor_app.core.paths import default_forms_dir

    form = load_forms_dir(default_forms_dir()).latest("chc_dst")
    domain_sections = [s for s in form.sections if s.id.startswith("domain_")]
    assert [s.id for s in domain_sections] == [f"domain_{k}" for k in KEYS]
    for key in KEYS:
        for field_id in (f"dst_{key}_level", f"m_{key}_level"):
            assert tuple(o.value for o in form.field(field_id).options) == DST_ALLOWED[key]


def test_a_decision_past_its_28_days_is_called_overdue_where_the_timeline_is_shown() -> None:
    dst = load_forms_dir(default_forms_dir()).latest("chc_dst")
    answers = {"consent_status": "consented", "icb_referral_received": "2026-11-02"}

    def timeline(today: dt.date) -> Any:
        return evaluate(dst, answers, today=today).outcomes["dst_timeline"]

    on_time = timeline(dt.date(2026, 11, 30))
    assert on_time.label == "Awaiting the ICB's decision"
    assert not any("overdue" in r for r in on_time.reasons)
    late = timeline(dt.date(2026, 12, 2))
    assert late.label == "Decision overdue"
    assert "expected within 28 days, by 30 November 2026" in late.reasons[0]
    assert "The decision is overdue: it was due 2 days ago." in late.reasons[1]
    # Called without a day (as a test or a script might), it says nothing it cannot know.
    assert dst_timeline(answers).label == "Awaiting the ICB's decision"


# -- Consent (issue 12) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("consent", "blocked"),
    [
        ({"consent_status": "consented", "consent_scope": ["share"]}, True),
        ({"consent_status": "proxy", "consent_scope": ["share", "involve_named"]}, True),
        ({"consent_status": "consented", "consent_scope": ["complete_tools"]}, False),
        ({"consent_status": "best_interests"}, False),
        ({"consent_status": "refused"}, False),
    ],
    ids=["sharing-only", "proxy-without-the-tools", "the-tools", "best-interests", "refused"],
)
def test_the_dst_needs_consent_to_the_dst_itself(consent: dict[str, Any], blocked: bool) -> None:
    answers = {**dst(breathing="priority"), "recommendation": "eligible", **consent}
    found = [b for b in dst_completion(answers) if b.path == "consent_scope"]
    assert bool(found) is blocked
    if blocked:
        assert "does not cover completing the Decision Support Tool" in found[0].message


# -- Impossible levels never count (issue 12) ------------------------------------------------


@pytest.mark.parametrize(
    ("impossible", "other"),
    [("asc", "mobility"), ("continence", "cognition"), ("psychological", "nutrition")],
)
def test_a_level_a_domain_does_not_have_never_counts_towards_the_indicator(
    impossible: str, other: str
) -> None:
    assert "severe" not in DST_ALLOWED[impossible]
    # Two Severe would be "clear"; one of them is impossible, so it is not counted.
    answers = dst(**{impossible: "severe", other: "severe"})
    assert dst_indicators(dst(**{other: "severe", "breathing": "severe"})).value == "clear"
    outcome = dst_indicators(answers)
    assert outcome.value is None
    assert dict(DST_DOMAINS)[impossible] in outcome.reasons[-1]
    assert "Severe in 2" not in " ".join(outcome.reasons)
    # Priority where a domain has none does not make it clear either.
    assert dst_indicators(dst(mobility="priority")).value is None


def test_an_impossible_level_is_not_compared_with_a_members_proposal() -> None:
    nurse = {**NURSE, "m_mobility_level": "high"}
    answers = {"contributions": [nurse], "mdt_members": VALID_MDT, "dst_mobility_level": "priority"}
    # Not counted as above the proposal, nor as the confirmed level: no disagreement blocker.
    assert [b.path for b in dst_completion(answers)] == []


# -- Other registered healthcare professionals (issue 12) ------------------------------------


def _others(*professions: str | None) -> dict[str, Any]:
    return {
        "mdt_members": [
            {"member_profession": "other_healthcare"}
            | ({} if p is None else {"member_other_profession": p})
            for p in professions
        ]
    }


@pytest.mark.parametrize(
    ("professions", "valid"),
    [
        (("Podiatrist", "Radiographer"), True),
        (("Podiatrist", " podiatrist "), False),
        (("Orthoptist", "Orthoptist"), False),
        ((None, None), False),
        (("Podiatrist", None), False),
    ],
    ids=["two-professions", "same-profession-spelt-apart", "same", "not-recorded", "one-recorded"],
)
def test_other_healthcare_professionals_count_by_the_profession_recorded(
    professions: tuple[str | None, ...], valid: bool
) -> None:
    outcome = mdt_check(_others(*professions))
    assert outcome.value is valid, outcome.reasons
    if valid:
        assert (
            "2 different healthcare professions (Podiatrist and Radiographer)"
            in (outcome.reasons[0])
        )


def test_an_other_healthcare_professional_and_a_nurse_make_an_mdt() -> None:
    answers = _others("Podiatrist")
    answers["mdt_members"].append({"member_profession": "registered_nurse"})
    assert mdt_check(answers).value is True


def test_the_form_asks_which_profession_only_for_other_healthcare() -> None:
    from assessor_app.core.form_engine.definition import load_forms_dir
    from assessor_app.core.form_engine.evaluation import evaluate
    from assessor_app.core.paths import default_forms_dir

    form = load_forms_dir(default_forms_dir()).latest("chc_dst")
    member = form.field("member_other_profession")
    assert member.required
    unnamed = {
        "consent_status": "best_interests",
        "mdt_members": [{"member_name": "A", "member_profession": "other_healthcare"}],
    }
    problems = evaluate(form, unnamed, today=dt.date(2026, 11, 23)).problems
    assert any("member_other_profession" in p.path for p in problems)
    nurse = {
        "consent_status": "best_interests",
        "mdt_members": [{"member_name": "A", "member_profession": "registered_nurse"}],
    }
    problems = evaluate(form, nurse, today=dt.date(2026, 11, 23)).problems
    assert not any("member_other_profession" in p.path for p in problems)


# -- The rationale check matches words, not fragments (issue 12) -----------------------------

_FOUR = (
    " The nature of the needs, their intensity, the complexity of how they interact and their "
    "unpredictability are set out above."
)


@pytest.mark.parametrize(
    "text",
    [
        "He needs a person with him at all times, for good reason: his seizures are "
        "uncontrolled and come without warning, several a day.",
        "Her breathing is unstable and her blood sugars are poorly controlled; the reasons for "
        "each hypoglycaemic episode are not understood.",
        "Pain is not controlled by the current regimen. She takes controlled drugs four times a "
        "day and needs personal care from two people because of the seasonal pattern of flares.",
        "Her son reports three falls at night this week. His wife says he no longer recognises "
        "her. His mood is no longer stable and his behaviour puts others at risk.",
        "The comparison with last month's records shows more frequent aspiration; there is no "
        "reasonable way to predict when it will happen.",
    ],
    ids=[
        "person-reason-uncontrolled",
        "unstable-poorly-controlled",
        "controlled-drugs",
        "son-wife-no-longer-stable",
        "comparison-reasonable",
    ],
)
def test_a_realistic_rationale_without_excluded_reasons_does_not_warn(text: str) -> None:
    outcome = rationale_check({"recommendation_rationale": text + _FOUR})
    assert outcome.value == "ok", outcome.reasons


@pytest.mark.parametrize(
    ("text", "what", "words"),
    [
        ("His epilepsy is controlled with medication.", "well managed", "controlled"),
        ("Her condition has been stable for a year.", "well managed", "stable"),
        ("Her needs are well-managed by the staff.", "well managed", "well-managed"),
        ("Most of his care is provided by his wife.", "who provides the care", "provided by"),
        ("Her daughter provides most care.", "who provides the care", "daughter provides"),
        ("He lives in a nursing home where needs are met.", "setting", "nursing home"),
        ("Because of her diagnosis of dementia.", "diagnosis", "diagnosis"),
        ("The family cannot afford the fees.", "finance", "afford"),
    ],
)
def test_a_rationale_leaning_on_an_excluded_reason_warns(text: str, what: str, words: str) -> None:
    outcome = rationale_check({"recommendation_rationale": text + _FOUR})
    assert outcome.value == "warnings"
    [warning] = outcome.reasons
    assert what in warning and f"'{words}'" in warning


def test_the_four_characteristics_are_words_too() -> None:
    outcome = rationale_check({"recommendation_rationale": "Naturally, she is unpredictable."})
    assert outcome.reasons == ("It does not mention nature, intensity, complexity.",)
