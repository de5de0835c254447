"""Care Act rules: eligibility (regs 2 and 3), refusal, capacity, advocacy, custody, carers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.form_engine.evaluation import option_labels
from assessor_app.core.records import PersonDetails, Setting
from assessor_app.core.rules import (
    Blocker,
    FormAnswers,
    StartContext,
    check_names,
    get_check,
    get_rule,
    get_start_check,
    rule_names,
    start_check_names,
)
from assessor_app.core.rules.care_act import (
    ADULT_OUTCOMES,
    CARER_OUTCOMES,
    adult_eligibility,
    advocacy,
    capacity,
    carer_authority,
    carer_completion,
    carer_eligibility,
    carer_start,
    choice_of_accommodation,
    custody_flags,
    direct_payments,
    needs_completion,
    refusal,
)

ADULT_LABEL = dict(ADULT_OUTCOMES)
CARER_LABEL = dict(CARER_OUTCOMES)
DELETE = object()
"""Marker: drop this key from the answers."""

FORMS = Path(__file__).resolve().parents[2] / "forms"


def _apply(answers: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if value is DELETE:
            answers.pop(key, None)
        else:
            answers[key] = value
    return answers


def adult(unable: dict[str, list[str]] | None = None, **extra: Any) -> dict[str, Any]:
    """Complete needs answers: every outcome achieved except those in `unable` (key -> ways)."""
    answers: dict[str, Any] = {
        "needs_from_impairment": True,
        "impairment_types": ["physical"],
        "wellbeing_impact": "significant",
    }
    for key, _ in ADULT_OUTCOMES:
        answers[f"out_{key}_status"] = "achieved"
    for key, ways in (unable or {}).items():
        answers[f"out_{key}_status"] = "not_achieved"
        answers[f"out_{key}_ways"] = ways
    return _apply(answers, extra)


def carer(unable: dict[str, list[str]] | None = None, **extra: Any) -> dict[str, Any]:
    """Complete carer's answers: health not affected, all outcomes achieved except `unable`."""
    answers: dict[str, Any] = {
        "relationship": "partner",
        "care_necessary": True,
        "health_deteriorating": "no",
        "wellbeing_impact": "significant",
    }
    for key, _ in CARER_OUTCOMES:
        answers[f"c_{key}_status"] = "achieved"
    for key, ways in (unable or {}).items():
        answers[f"c_{key}_status"] = "not_achieved"
        answers[f"c_{key}_ways"] = ways
    return _apply(answers, extra)


ELIGIBLE = {"toilet": ["without_assistance"], "hygiene": ["pain_distress"]}
NOT_ELIGIBLE = {"toilet": ["without_assistance"]}


def paths(blockers: Sequence[Blocker]) -> list[str]:
    return [b.path for b in blockers]


def joined(reasons: Sequence[str]) -> str:
    return "\n".join(reasons)


# --- Registry ----------------------------------------------------------------------------------


def test_every_care_act_name_is_registered() -> None:
    for name in (
        "adult_eligibility",
        "refusal",
        "capacity",
        "advocacy",
        "direct_payments",
        "choice_of_accommodation",
        "custody_flags",
        "carer_eligibility",
        "carer_authority",
    ):
        assert f"care_act.{name}" in rule_names()
    assert get_rule("care_act.adult_eligibility") is adult_eligibility
    assert get_rule("care_act.carer_eligibility") is carer_eligibility
    assert {"care_act.needs_completion", "care_act.carer_completion"} <= set(check_names())
    assert get_check("care_act.needs_completion") is needs_completion
    assert get_check("care_act.carer_completion") is carer_completion
    assert "care_act.carer_start" in start_check_names()
    assert get_start_check("care_act.carer_start") is carer_start


def test_outcome_constants_have_the_regulation_counts_and_order() -> None:
    assert [k for k, _ in ADULT_OUTCOMES] == [
        "nutrition",
        "hygiene",
        "toilet",
        "clothing",
        "home_safety",
        "habitable_home",
        "relationships",
        "work_education",
        "community",
        "child_care",
    ]
    assert [k for k, _ in CARER_OUTCOMES] == [
        "child_care",
        "other_caring",
        "habitable_home",
        "nutrition",
        "relationships",
        "work_education",
        "community",
        "recreation",
    ]
    assert ADULT_LABEL["toilet"] == "managing toilet needs"
    assert CARER_LABEL["recreation"] == "engaging in recreational activities"


# --- Adult eligibility (reg 2) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "value"),
    [
        pytest.param(adult({"toilet": ["without_assistance"]}), "not_eligible", id="one-outcome"),
        pytest.param(
            adult({"toilet": ["without_assistance"], "clothing": ["without_assistance"]}),
            "eligible",
            id="two-outcomes",
        ),
        pytest.param(
            adult({k: ["without_assistance"] for k, _ in ADULT_OUTCOMES}),
            "eligible",
            id="all-ten",
        ),
        pytest.param(adult(), "not_eligible", id="none-unable"),
        *[
            pytest.param(adult({"toilet": [way], "clothing": [way]}), "eligible", id=f"limb-{way}")
            for way in ("without_assistance", "pain_distress", "endangers", "takes_longer")
        ],
        # Marked "unable" with no (readable) way chosen is not yet answered, not "achieved":
        # the panel must not say "No eligible needs" while the way is still to be chosen.
        pytest.param(
            adult({"toilet": ["without_assistance"], "clothing": []}),
            None,
            id="second-not-achieved-without-way",
        ),
        pytest.param(
            adult({"toilet": ["without_assistance"], "clothing": ["bogus"]}),
            None,
            id="second-only-unknown-way",
        ),
        pytest.param(
            adult({"toilet": ["without_assistance"], "clothing": "without_assistance"}),
            None,
            id="ways-not-a-list",
        ),
        pytest.param(
            adult(
                {"toilet": ["without_assistance"]},
                out_clothing_status="not_applicable",
                out_clothing_ways=["without_assistance"],
            ),
            "not_eligible",
            id="second-not-applicable",
        ),
        pytest.param(
            adult({"toilet": ["without_assistance"]}, out_clothing_ways=["without_assistance"]),
            "not_eligible",
            id="second-achieved-with-ways",
        ),
        pytest.param(
            adult(
                {"toilet": ["without_assistance"], "clothing": ["pain_distress"]},
                needs_from_impairment=False,
            ),
            "not_eligible",
            id="no-impairment",
        ),
        pytest.param(
            adult(
                {"toilet": ["without_assistance"], "clothing": ["pain_distress"]},
                wellbeing_impact="not_significant",
            ),
            "not_eligible",
            id="no-significant-impact",
        ),
        pytest.param(
            adult(
                {"toilet": ["without_assistance"], "clothing": ["pain_distress"]},
                wellbeing_impact="likely",
            ),
            "eligible",
            id="impact-likely",
        ),
        pytest.param(
            adult(
                {"toilet": ["without_assistance"], "clothing": ["pain_distress"]},
                impairment_types=[],
            ),
            "eligible",
            id="impairment-type-not-recorded",
        ),
    ],
)
def test_adult_eligibility(answers: dict[str, Any], value: str) -> None:
    assert adult_eligibility(answers).value == value


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param(
            adult({"toilet": ["without_assistance"]}, needs_from_impairment=DELETE),
            id="impairment-unanswered",
        ),
        pytest.param(
            adult({"toilet": ["without_assistance"]}, needs_from_impairment="yes"),
            id="impairment-not-bool",
        ),
        pytest.param(
            adult(ELIGIBLE, out_child_care_status=DELETE),
            id="one-status-unanswered",
        ),
        pytest.param(
            adult(
                {"toilet": ["without_assistance"], "hygiene": ["without_assistance"]},
                out_child_care_status="maybe",
            ),
            id="status-unknown-value-even-with-two-unable",
        ),
        pytest.param(
            adult({"toilet": ["without_assistance"]}, wellbeing_impact=DELETE),
            id="wellbeing-unanswered",
        ),
        pytest.param(
            adult({"toilet": ["without_assistance"]}, wellbeing_impact="very"),
            id="wellbeing-odd",
        ),
        pytest.param(
            adult(needs_from_impairment=False, wellbeing_impact=DELETE),
            id="a-not-met-but-c-unanswered",
        ),
        pytest.param({}, id="empty"),
    ],
)
def test_adult_eligibility_waits_for_answers(answers: dict[str, Any]) -> None:
    outcome = adult_eligibility(answers)
    assert outcome.value is None
    assert outcome.label == "Not enough answers yet"
    assert any(r.startswith("Not yet answered:") for r in outcome.reasons)


def test_adult_unanswered_outcomes_are_named() -> None:
    outcome = adult_eligibility(adult(out_toilet_status=DELETE, out_hygiene_status=DELETE))
    line_b = outcome.reasons[1]
    assert line_b.startswith("Not yet answered:")
    assert "managing toilet needs" in line_b
    assert "maintaining personal hygiene" in line_b
    assert "managing and maintaining nutrition" not in line_b


def test_adult_eligible_reasons_name_conditions_outcomes_ways_and_regulation() -> None:
    outcome = adult_eligibility(
        adult(
            {"toilet": ["without_assistance"], "clothing": ["takes_longer"]},
            impairment_types=["physical", "sensory"],
        )
    )
    assert outcome.label == "Eligible needs"
    a, b, c = outcome.reasons[:3]
    assert a.startswith("Met:") and "physical and sensory" in a
    assert b.startswith("Met:")
    assert "2 of the 10" in b
    assert "managing toilet needs" in b and "being appropriately clothed" in b
    assert "without help" in b and "significantly longer" in b
    assert c == "Met: there is a significant impact on the person's wellbeing."
    conclusion = outcome.reasons[3]
    assert "reg 2(1) of the Care and Support (Eligibility Criteria) Regulations 2015" in conclusion
    assert outcome.reasons[4] == (
        "The eligible needs are: managing toilet needs; being appropriately clothed."
    )


def test_adult_likely_impact_says_is_likely_to_be() -> None:
    outcome = adult_eligibility(
        adult({"toilet": ["endangers"], "hygiene": ["endangers"]}, wellbeing_impact="likely")
    )
    assert outcome.reasons[2].startswith("Met:")
    assert "is likely to be a significant impact" in outcome.reasons[2]


def test_adult_not_eligible_reasons_say_which_condition_failed() -> None:
    outcome = adult_eligibility(adult({"toilet": ["pain_distress"]}))
    assert outcome.label == "No eligible needs"
    assert outcome.reasons[0].startswith("Met:")
    assert outcome.reasons[1].startswith("Not met:")
    assert "1 of the 10" in outcome.reasons[1]
    assert "managing toilet needs" in outcome.reasons[1]
    assert outcome.reasons[2].startswith("Met:")
    assert "reg 2(1)" in outcome.reasons[3]
    assert "s13(5)" in outcome.reasons[3]
    assert not any(r.startswith("The eligible needs") for r in outcome.reasons)


def test_adult_no_impairment_and_no_impact_lines() -> None:
    outcome = adult_eligibility(
        adult(
            {"toilet": ["pain_distress"], "hygiene": ["pain_distress"]},
            needs_from_impairment=False,
            wellbeing_impact="not_significant",
        )
    )
    assert outcome.reasons[0].startswith("Not met:")
    assert outcome.reasons[1].startswith("Met:")
    assert outcome.reasons[2].startswith("Not met:")


def test_not_achieved_without_a_way_asks_to_choose_one() -> None:
    outcome = adult_eligibility(adult({"toilet": ["without_assistance"], "clothing": []}))
    note = next(r for r in outcome.reasons if "no way chosen" in r)
    assert "being appropriately clothed" in note
    assert "Choose which way" in note
    assert "managing toilet needs" not in note


@pytest.mark.parametrize(
    ("unable", "value"),
    [
        pytest.param({"toilet": ["without_assistance"]}, "not_eligible", id="one-outcome"),
        pytest.param(
            {"toilet": ["without_assistance"], "hygiene": ["pain_distress"]},
            "eligible",
            id="two-outcomes",
        ),
    ],
)
def test_a_carer_helping_never_changes_adult_eligibility(
    unable: dict[str, list[str]], value: str
) -> None:
    without = adult_eligibility(adult(unable))
    helped = adult_eligibility(adult(unable, out_toilet_carer=True))
    assert without.value == helped.value == value
    note = "Someone currently helps with managing toilet needs; eligibility is decided as if"
    assert any(r.startswith(note) for r in helped.reasons)
    assert not any("currently helps" in r for r in without.reasons)


def test_carer_help_on_an_achieved_outcome_is_not_mentioned() -> None:
    outcome = adult_eligibility(adult(out_toilet_carer=True))
    assert not any("currently helps" in r for r in outcome.reasons)


def test_fluctuating_need_is_noted_without_changing_the_value() -> None:
    unable = {"toilet": ["without_assistance"]}
    outcome = adult_eligibility(adult(unable, out_toilet_fluctuates=True))
    assert outcome.value == "not_eligible"
    assert any("fluctuate" in r and "managing toilet needs" in r for r in outcome.reasons)


@pytest.mark.parametrize("setting", [s.value for s in Setting])
def test_adult_eligibility_ignores_the_setting(setting: str) -> None:
    unable = {"toilet": ["without_assistance"], "hygiene": ["pain_distress"]}
    assert adult_eligibility(adult(unable, setting=setting)) == adult_eligibility(adult(unable))


# --- Carer eligibility (reg 3) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "value"),
    [
        pytest.param(carer({"recreation": ["without_assistance"]}), "eligible", id="one-outcome"),
        pytest.param(carer({"nutrition": ["pain_distress"]}), "eligible", id="pain-alone"),
        pytest.param(carer({"nutrition": ["endangers"]}), "eligible", id="endangers-alone"),
        pytest.param(carer(), "not_eligible", id="no-outcome-health-fine"),
        pytest.param(carer({"recreation": ["takes_longer"]}), "not_eligible", id="takes-longer"),
        pytest.param(
            carer({"recreation": ["takes_longer", "bogus"]}),
            "not_eligible",
            id="takes-longer-and-unknown",
        ),
        pytest.param(carer({"recreation": []}), None, id="not-achieved-no-way"),
        pytest.param(
            carer(
                c_recreation_status="not_applicable",
                c_recreation_ways=["without_assistance"],
            ),
            "not_eligible",
            id="not-applicable",
        ),
        pytest.param(
            carer(health_deteriorating="deteriorating"), "eligible", id="health-deteriorating"
        ),
        pytest.param(carer(health_deteriorating="at_risk"), "eligible", id="health-at-risk"),
        pytest.param(
            carer(
                health_deteriorating="at_risk",
                **{f"c_{k}_status": DELETE for k, _ in CARER_OUTCOMES},
            ),
            "eligible",
            id="health-at-risk-outcomes-unanswered",
        ),
        pytest.param(
            carer({"recreation": ["without_assistance"]}, health_deteriorating=DELETE),
            "eligible",
            id="one-outcome-health-unanswered",
        ),
        pytest.param(
            carer({"recreation": ["without_assistance"]}, care_necessary=False),
            "not_eligible",
            id="care-not-necessary",
        ),
        pytest.param(
            carer(health_deteriorating="deteriorating", wellbeing_impact="not_significant"),
            "not_eligible",
            id="no-significant-impact",
        ),
        pytest.param(
            carer(health_deteriorating="deteriorating", wellbeing_impact="likely"),
            "eligible",
            id="impact-likely",
        ),
        pytest.param(
            carer({"recreation": ["without_assistance"]}, relationship="fellow_prisoner"),
            "not_a_carer",
            id="fellow-prisoner",
        ),
        pytest.param(
            carer({"recreation": ["without_assistance"]}, relationship="establishment_staff"),
            "not_a_carer",
            id="establishment-staff",
        ),
        pytest.param(
            carer(health_deteriorating="at_risk", relationship="friend_neighbour"),
            "eligible",
            id="friend-is-a-carer",
        ),
    ],
)
def test_carer_eligibility(answers: dict[str, Any], value: str) -> None:
    assert carer_eligibility(answers).value == value


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param(carer(care_necessary=DELETE), id="necessary-unanswered"),
        pytest.param(
            carer(
                health_deteriorating="at_risk",
                care_necessary=DELETE,
                **{f"c_{k}_status": DELETE for k, _ in CARER_OUTCOMES},
            ),
            id="health-at-risk-but-necessary-unanswered",
        ),
        pytest.param(carer(health_deteriorating=DELETE), id="health-unanswered-no-outcome"),
        pytest.param(carer(c_nutrition_status=DELETE), id="status-unanswered-health-no"),
        pytest.param(
            carer({"recreation": ["without_assistance"]}, c_nutrition_status=DELETE),
            id="one-unable-but-another-unanswered",
        ),
        pytest.param(carer(wellbeing_impact=DELETE), id="wellbeing-unanswered"),
        pytest.param(carer(health_deteriorating="sometimes"), id="health-odd"),
    ],
)
def test_carer_eligibility_waits_for_answers(answers: dict[str, Any]) -> None:
    outcome = carer_eligibility(answers)
    assert outcome.value is None
    assert outcome.label == "Not enough answers yet"


def test_takes_longer_counts_for_adults_but_not_for_carers() -> None:
    adult_outcome = adult_eligibility(
        adult({"nutrition": ["takes_longer"], "habitable_home": ["takes_longer"]})
    )
    carer_outcome = carer_eligibility(
        carer({"nutrition": ["takes_longer"], "habitable_home": ["takes_longer"]})
    )
    assert adult_outcome.value == "eligible"
    assert carer_outcome.value == "not_eligible"
    note = next(r for r in carer_outcome.reasons if "no such limb" in r)
    assert "significantly longer" in note
    assert CARER_LABEL["nutrition"] in note
    assert "reg 3(3)" in note
    assert not any("no such limb" in r for r in adult_outcome.reasons)


def test_carer_reasons_name_conditions_outcome_and_regulation() -> None:
    outcome = carer_eligibility(carer({"recreation": ["endangers"]}))
    assert outcome.label == "Eligible needs"
    a, b, c, conclusion, needs = outcome.reasons[:5]
    assert a.startswith("Met:") and "necessary care" in a
    assert b.startswith("Met:")
    assert "1 of the 8" in b and "engaging in recreational activities" in b
    assert "One outcome is enough" in b
    assert c.startswith("Met:")
    assert "reg 3(1) of the Care and Support (Eligibility Criteria) Regulations 2015" in conclusion
    assert "engaging in recreational activities" in needs


def test_carer_health_limb_is_named() -> None:
    outcome = carer_eligibility(carer(health_deteriorating="at_risk"))
    assert outcome.reasons[1].startswith("Met:")
    assert "at risk of deteriorating" in outcome.reasons[1]
    outcome = carer_eligibility(carer(health_deteriorating="deteriorating"))
    assert "health is deteriorating" in outcome.reasons[1]


def test_carer_not_met_lines() -> None:
    outcome = carer_eligibility(carer(care_necessary=False, wellbeing_impact="not_significant"))
    assert [r.split(":")[0] for r in outcome.reasons[:3]] == ["Not met", "Not met", "Not met"]


@pytest.mark.parametrize("relationship", ["fellow_prisoner", "establishment_staff"])
def test_not_a_carer_label_and_reason(relationship: str) -> None:
    outcome = carer_eligibility(carer(relationship=relationship))
    assert outcome.label == "Not a carer under the Care Act"
    assert "not a carer" in outcome.reasons[0]


# --- Refusal (s11) -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "value"),
    [
        pytest.param(
            {"consent": "refused", "refusal_has_capacity": True, "refusal_abuse_risk": False},
            "may_close",
            id="refused-with-capacity",
        ),
        pytest.param(
            {
                "consent": "refused",
                "refusal_has_capacity": False,
                "refusal_best_interests": False,
                "refusal_abuse_risk": False,
            },
            "may_close",
            id="refused-lacks-capacity-not-best-interests",
        ),
        pytest.param(
            {
                "consent": "refused",
                "refusal_has_capacity": False,
                "refusal_best_interests": True,
                "refusal_abuse_risk": False,
            },
            "must_assess",
            id="refused-lacks-capacity-best-interests",
        ),
        pytest.param(
            {"consent": "refused", "refusal_has_capacity": True, "refusal_abuse_risk": True},
            "must_assess",
            id="refused-abuse-risk",
        ),
        pytest.param(
            {"consent": "refused", "refusal_abuse_risk": True},
            "must_assess",
            id="refused-abuse-risk-capacity-unanswered",
        ),
        pytest.param(
            {"consent": "proceeding", "refusal_has_capacity": True, "refusal_abuse_risk": False},
            "proceed_not_allowed",
            id="proceeding-no-exception",
        ),
        pytest.param(
            {
                "consent": "proceeding",
                "refusal_has_capacity": False,
                "refusal_best_interests": True,
                "refusal_abuse_risk": False,
            },
            "must_assess",
            id="proceeding-best-interests",
        ),
        pytest.param(
            {"consent": "proceeding", "refusal_has_capacity": True, "refusal_abuse_risk": True},
            "must_assess",
            id="proceeding-abuse-risk",
        ),
        pytest.param({}, None, id="consent-unanswered"),
        pytest.param({"consent": "consented"}, None, id="consented"),
        pytest.param({"consent": "refused"}, None, id="refused-nothing-else"),
        pytest.param(
            {"consent": "refused", "refusal_has_capacity": False, "refusal_abuse_risk": False},
            None,
            id="refused-lacks-capacity-best-interests-unanswered",
        ),
        pytest.param(
            {"consent": "refused", "refusal_has_capacity": True},
            None,
            id="refused-abuse-unanswered",
        ),
    ],
)
def test_refusal(answers: dict[str, Any], value: str | None) -> None:
    assert refusal(answers).value == value


def test_refusal_labels_and_reasons() -> None:
    must = refusal(
        {"consent": "refused", "refusal_has_capacity": False, "refusal_best_interests": True}
    )
    assert must.label == "Cannot close as a refusal: the assessment must go ahead"
    assert "best interests" in joined(must.reasons) and "s11(2)" in joined(must.reasons)
    may = refusal({"consent": "refused", "refusal_has_capacity": True, "refusal_abuse_risk": False})
    assert may.label == "Can close as a refusal"
    assert "s11(1)" in joined(may.reasons)
    assert refusal({"consent": "consented"}).label != "Not enough answers yet"


# --- Capacity (MCA) ----------------------------------------------------------------------------

ALL_CAN = {
    "capacity_doubt": True,
    "capacity_impairment": True,
    "capacity_understand": True,
    "capacity_retain": True,
    "capacity_weigh": True,
    "capacity_communicate": True,
}


@pytest.mark.parametrize(
    ("answers", "value"),
    [
        pytest.param({"capacity_doubt": False}, "presumed", id="no-doubt"),
        pytest.param({}, None, id="doubt-unanswered"),
        pytest.param(ALL_CAN, "has", id="all-abilities"),
        pytest.param(
            {**ALL_CAN, "capacity_impairment": False, "capacity_understand": False},
            "has",
            id="no-impairment-cannot-understand",
        ),
        pytest.param(
            {"capacity_doubt": True, "capacity_impairment": False},
            "has",
            id="no-impairment-stage-two-unanswered",
        ),
        *[
            pytest.param({**ALL_CAN, key: False}, "lacks", id=f"cannot-{key[9:]}")
            for key in (
                "capacity_understand",
                "capacity_retain",
                "capacity_weigh",
                "capacity_communicate",
            )
        ],
        pytest.param(
            {"capacity_doubt": True, "capacity_impairment": True, "capacity_weigh": False},
            "lacks",
            id="one-false-others-unanswered",
        ),
        pytest.param(
            {**ALL_CAN, "capacity_impairment": DELETE, "capacity_understand": False},
            None,
            id="impairment-unanswered",
        ),
        pytest.param(
            {**ALL_CAN, "capacity_retain": DELETE}, None, id="stage-two-partly-unanswered"
        ),
    ],
)
def test_capacity(answers: dict[str, Any], value: str | None) -> None:
    assert capacity(_apply({}, answers)).value == value


def test_capacity_reasons_name_the_inability_and_decision() -> None:
    outcome = capacity(
        {
            **ALL_CAN,
            "capacity_retain": False,
            "capacity_communicate": False,
            "capacity_decision": "Where to live on release",
        }
    )
    text = joined(outcome.reasons)
    assert "Where to live on release" in text
    assert "retain" in text and "communicate" in text
    assert "understand the information" not in text
    assert capacity({"capacity_doubt": False}).reasons[-1].endswith("(Mental Capacity Act s1(2)).")


# --- Advocacy (s67) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "value"),
    [
        pytest.param({"advocacy_difficulty": False}, "not_needed", id="no-difficulty"),
        pytest.param(
            {"advocacy_difficulty": True, "appropriate_person": False},
            "required",
            id="difficulty-no-appropriate-person",
        ),
        pytest.param(
            {"advocacy_difficulty": True, "appropriate_person": True},
            "appropriate_person",
            id="difficulty-appropriate-person",
        ),
        pytest.param({"advocacy_difficulty": True}, None, id="appropriate-person-unanswered"),
        pytest.param({}, None, id="unanswered"),
    ],
)
def test_advocacy(answers: dict[str, Any], value: str | None) -> None:
    assert advocacy(answers).value == value


def test_advocacy_reasons_name_difficulties_and_custody_right() -> None:
    answers = {
        "advocacy_difficulty": True,
        "appropriate_person": False,
        "advocacy_difficulties": ["retaining", "communicating"],
    }
    community = joined(advocacy({**answers, "setting": "own_home"}).reasons)
    assert "retaining" in community and "communicating" in community
    assert "understanding" not in community
    assert "s67" in community
    assert "custody" not in community
    prison = advocacy({**answers, "setting": "prison"}).reasons
    assert "People in custody have the same right to an advocate" in prison[-1]


# --- Direct payments and choice of accommodation (s76) ---------------------------------------


@pytest.mark.parametrize(
    ("setting", "status", "value"),
    [
        ("own_home", None, "available"),
        ("care_home", None, "available"),
        ("hospital", None, "available"),
        ("other", "sentenced", "available"),
        ("prison", "remanded", "not_available"),
        ("prison", "sentenced", "not_available"),
        ("prison", "unconvicted_on_bail", "not_available"),
        ("young_offender_institution", "sentenced", "not_available"),
        ("secure_training_centre", "remanded", "not_available"),
        ("secure_childrens_home", "remanded", "not_available"),
        ("approved_premises", "unconvicted_on_bail", "available"),
        ("approved_premises", "sentenced", "not_available"),
        ("approved_premises", "remanded", "not_available"),
        ("bail_accommodation", "unconvicted_on_bail", "available"),
        ("bail_accommodation", "remanded", "not_available"),
        ("bail_accommodation", "sentenced", "not_available"),
        ("prison", None, None),
        ("bail_accommodation", "acquitted", None),
        (None, None, None),
        ("castle", None, None),
    ],
    ids=lambda v: str(v),
)
def test_direct_payments(setting: str | None, status: str | None, value: str | None) -> None:
    answers = {"setting": setting, "conviction_status": status}
    assert direct_payments({k: v for k, v in answers.items() if v is not None}).value == value


def test_direct_payments_reasons() -> None:
    not_available = direct_payments({"setting": "prison", "conviction_status": "remanded"})
    assert not_available.reasons == (
        "The person is in a prison (remanded in custody): direct payments cannot be made in "
        "prison or youth custody, and in approved premises or bail accommodation only to a "
        "person not convicted and on bail (Care Act s76).",
    )
    bailed = direct_payments(
        {"setting": "approved_premises", "conviction_status": "unconvicted_on_bail"}
    )
    assert "unconvicted" in bailed.reasons[0]
    assert direct_payments({"setting": "own_home"}).label == "Direct payments can be offered"
    assert "conviction status" in direct_payments({"setting": "prison"}).reasons[0]


@pytest.mark.parametrize(
    ("answers", "value"),
    [
        pytest.param({"setting": "own_home"}, "applies", id="community"),
        pytest.param(
            {"setting": "care_home", "preparing_for_release": False},
            "applies",
            id="community-release-ignored",
        ),
        pytest.param(
            {"setting": "prison", "preparing_for_release": True}, "applies", id="prison-release"
        ),
        pytest.param(
            {"setting": "prison", "preparing_for_release": False},
            "not_applicable",
            id="prison-not-release",
        ),
        pytest.param(
            {"setting": "approved_premises", "preparing_for_release": False},
            "not_applicable",
            id="approved-premises-not-release",
        ),
        pytest.param(
            {"setting": "bail_accommodation", "preparing_for_release": True},
            "applies",
            id="bail-release",
        ),
        pytest.param({"setting": "prison"}, None, id="prison-unanswered"),
        pytest.param({}, None, id="setting-unanswered"),
    ],
)
def test_choice_of_accommodation(answers: dict[str, Any], value: str | None) -> None:
    assert choice_of_accommodation(answers).value == value


def test_choice_of_accommodation_reasons() -> None:
    release = choice_of_accommodation({"setting": "prison", "preparing_for_release": True})
    assert "on release" in release.reasons[0]
    custody = choice_of_accommodation({"setting": "prison", "preparing_for_release": False})
    assert "custody" in custody.reasons[0] and "release" in custody.reasons[0]


# --- Custody flags -----------------------------------------------------------------------------

TRANSITION = "transition assessment is due"


@pytest.mark.parametrize(
    ("setting", "born", "on", "transition", "label"),
    [
        ("young_offender_institution", "2008-05-10", "2025-05-10", True, "2 flags"),
        ("young_offender_institution", "2008-05-10", "2025-05-09", False, "2 flags"),
        ("young_offender_institution", "2008-05-10", "2026-05-09", True, "2 flags"),
        ("young_offender_institution", "2008-05-10", "2026-05-10", False, "1 flag"),
        ("secure_training_centre", "2008-01-01", "2025-06-01", True, "2 flags"),
        ("secure_childrens_home", "2008-01-01", "2025-06-01", True, "2 flags"),
        ("secure_childrens_home", "2009-01-01", "2025-06-01", False, "2 flags"),
        ("prison", "2008-01-01", "2025-06-01", False, "1 flag"),
        ("approved_premises", "2008-01-01", "2025-06-01", False, "1 flag"),
        ("own_home", "2008-01-01", "2025-06-01", False, "No flags"),
    ],
    ids=[
        "yoi-17th-birthday",
        "yoi-day-before-17",
        "yoi-day-before-18",
        "yoi-18th-birthday",
        "stc-17",
        "sch-17",
        "sch-16",
        "adult-prison-17",
        "approved-premises-17",
        "own-home-17",
    ],
)
def test_custody_flags_transition(
    setting: str, born: str, on: str, transition: bool, label: str
) -> None:
    outcome = custody_flags({"setting": setting, "date_of_birth": born, "assessment_date": on})
    assert any(TRANSITION in r for r in outcome.reasons) is transition
    assert outcome.label == label
    assert outcome.value == ("none" if label == "No flags" else "flags")


@pytest.mark.parametrize(
    ("answers", "value", "label"),
    [
        pytest.param({"setting": "own_home"}, "none", "No flags", id="community"),
        pytest.param(
            {"setting": "own_home", "care_leaver": True, "looked_after_authority": "Kent"},
            "flags",
            "1 flag",
            id="care-leaver-community",
        ),
        pytest.param(
            {"setting": "prison", "care_leaver": True}, "flags", "2 flags", id="care-leaver-prison"
        ),
        pytest.param({"setting": "bail_accommodation"}, "flags", "1 flag", id="bail"),
        pytest.param(
            {"setting": "own_home", "care_leaver": False}, "none", "No flags", id="not-care-leaver"
        ),
        pytest.param({}, None, "Not enough answers yet", id="setting-unanswered"),
    ],
)
def test_custody_flags(answers: dict[str, Any], value: str | None, label: str) -> None:
    outcome = custody_flags(answers)
    assert (outcome.value, outcome.label) == (value, label)


def test_custody_flag_texts() -> None:
    outcome = custody_flags(
        {
            "setting": "young_offender_institution",
            "date_of_birth": "2008-03-01",
            "assessment_date": "2025-12-01",
            "care_leaver": True,
            "looked_after_authority": "Leeds City Council",
        }
    )
    assert outcome.label == "3 flags"
    text = joined(outcome.reasons)
    assert "s58" in text
    assert "Care leaver" in text and "(Leeds City Council)" in text
    assert "Review the plan each time the person enters or leaves custody." in outcome.reasons


def test_custody_flags_youth_setting_without_dates_asks_for_them() -> None:
    outcome = custody_flags({"setting": "secure_training_centre", "date_of_birth": "not a date"})
    assert outcome.label == "1 flag"
    assert any("Record the date of birth" in r for r in outcome.reasons)


# --- Completion check: needs assessment --------------------------------------------------------


def needs(unable: dict[str, list[str]] = ELIGIBLE, **extra: Any) -> dict[str, Any]:
    base = adult(
        unable,
        consent="consented",
        capacity_doubt=False,
        advocacy_difficulty=False,
        setting="own_home",
    )
    return _apply(base, extra)


INFO_DONE = {
    "ineligible_info_given": True,
    "ineligible_info_date": "2025-06-01",
    "ineligible_info_format": "standard",
}
LACKS = {"capacity_doubt": True, "capacity_impairment": True, "capacity_understand": False}
CUSTODY_SHARE = {"setting": "prison", "sharing_records": [{"share_recipient": "healthcare"}]}


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        pytest.param(needs(), [], id="complete"),
        # 1. refusal
        pytest.param(
            needs(
                consent="refused",
                refusal_has_capacity=False,
                refusal_best_interests=True,
                refusal_abuse_risk=False,
                **LACKS,
                best_interests="Consulted her sister; assessment is in her interests.",
            ),
            ["consent"],
            id="refused-lacks-capacity-best-interests",
        ),
        pytest.param(
            needs(consent="refused", refusal_has_capacity=True, refusal_abuse_risk=True),
            ["consent", "safeguarding_concern"],
            id="refused-abuse-risk",
        ),
        pytest.param(
            needs(consent="refused", refusal_has_capacity=True, refusal_abuse_risk=False),
            [],
            id="refused-with-capacity",
        ),
        pytest.param(
            needs(
                consent="refused",
                refusal_has_capacity=False,
                refusal_best_interests=False,
                refusal_abuse_risk=False,
                **LACKS,
                best_interests="Assessment now would distress him; revisit in a month.",
            ),
            [],
            id="refused-not-best-interests",
        ),
        pytest.param(
            needs(consent="proceeding", refusal_has_capacity=True, refusal_abuse_risk=False),
            ["consent"],
            id="proceeding-without-exception",
        ),
        pytest.param(
            needs(
                consent="proceeding",
                refusal_has_capacity=False,
                refusal_best_interests=False,
                refusal_abuse_risk=False,
            ),
            ["consent", "capacity_doubt", "best_interests"],
            id="proceeding-lacks-capacity-not-best-interests",
        ),
        pytest.param(
            needs(
                consent="proceeding",
                refusal_has_capacity=False,
                refusal_best_interests=True,
                refusal_abuse_risk=False,
                **LACKS,
                best_interests="Consulted his brother; assessment is in his interests.",
            ),
            [],
            id="proceeding-best-interests",
        ),
        pytest.param(
            needs(
                consent="proceeding",
                refusal_has_capacity=False,
                refusal_best_interests=True,
                refusal_abuse_risk=False,
            ),
            ["capacity_doubt", "best_interests"],
            id="proceeding-lack-of-capacity-asserted-not-tested",
        ),
        pytest.param(
            needs(consent="proceeding", refusal_has_capacity=True, refusal_abuse_risk=True),
            ["safeguarding_concern"],
            id="proceeding-abuse-risk-no-concern-recorded",
        ),
        pytest.param(
            needs(
                consent="proceeding",
                refusal_has_capacity=True,
                refusal_abuse_risk=True,
                safeguarding_concern=True,
                safeguarding_referral_date="2025-06-01",
            ),
            [],
            id="proceeding-abuse-risk",
        ),
        pytest.param(
            needs(consent="proceeding", refusal_has_capacity=True), [], id="proceeding-unknown"
        ),
        # 2. advocacy
        pytest.param(
            needs(advocacy_difficulty=True, appropriate_person=False),
            ["advocate_referral_date"],
            id="advocate-needed-no-referral",
        ),
        pytest.param(
            needs(advocacy_difficulty=True, appropriate_person=False, advocate_referral_date=""),
            ["advocate_referral_date"],
            id="advocate-needed-blank-referral",
        ),
        pytest.param(
            needs(
                advocacy_difficulty=True,
                appropriate_person=False,
                advocate_referral_date="2025-06-01",
            ),
            [],
            id="advocate-referred",
        ),
        pytest.param(
            needs(advocacy_difficulty=True, appropriate_person=True),
            [],
            id="appropriate-person",
        ),
        # 3. information when not eligible
        pytest.param(needs(NOT_ELIGIBLE), ["ineligible_info_given"], id="info-not-given"),
        pytest.param(
            needs(NOT_ELIGIBLE, ineligible_info_given=False),
            ["ineligible_info_given"],
            id="info-given-false",
        ),
        pytest.param(
            needs(NOT_ELIGIBLE, **{**INFO_DONE, "ineligible_info_date": DELETE}),
            ["ineligible_info_date"],
            id="info-no-date",
        ),
        pytest.param(
            needs(NOT_ELIGIBLE, **{**INFO_DONE, "ineligible_info_format": DELETE}),
            ["ineligible_info_format"],
            id="info-no-format",
        ),
        pytest.param(needs(NOT_ELIGIBLE, **INFO_DONE), [], id="info-complete"),
        pytest.param(
            needs(NOT_ELIGIBLE, preferred_format="large_print", **INFO_DONE),
            ["ineligible_info_format"],
            id="info-wrong-format",
        ),
        pytest.param(
            needs(NOT_ELIGIBLE, preferred_format="standard", **INFO_DONE),
            [],
            id="info-preferred-format",
        ),
        pytest.param(
            needs(
                NOT_ELIGIBLE,
                consent="refused",
                refusal_has_capacity=True,
                refusal_abuse_risk=False,
            ),
            [],
            id="info-not-needed-after-refusal",
        ),
        pytest.param(needs(), [], id="info-not-needed-when-eligible"),
        pytest.param(
            needs(NOT_ELIGIBLE, wellbeing_impact=DELETE), [], id="info-not-needed-undecided"
        ),
        # 4. capacity
        pytest.param(needs(**LACKS), ["best_interests"], id="lacks-no-best-interests"),
        pytest.param(
            needs(**LACKS, best_interests="  "), ["best_interests"], id="lacks-blank-best-interests"
        ),
        pytest.param(
            needs(**LACKS, best_interests="Decided with his sister"),
            [],
            id="lacks-best-interests-recorded",
        ),
        pytest.param(
            needs(
                **{
                    **LACKS,
                    "capacity_understand": True,
                    "capacity_retain": True,
                    "capacity_weigh": True,
                    "capacity_communicate": True,
                }
            ),
            [],
            id="has-capacity",
        ),
        # 5. sharing in custody
        pytest.param(
            needs(**CUSTODY_SHARE, sharing_consent="not_asked"),
            ["sharing_consent"],
            id="custody-sharing-not-asked",
        ),
        pytest.param(
            needs(**CUSTODY_SHARE, sharing_consent="refused"),
            ["sharing_consent"],
            id="custody-sharing-refused",
        ),
        pytest.param(needs(**CUSTODY_SHARE), ["sharing_consent"], id="custody-sharing-unanswered"),
        pytest.param(
            needs(**CUSTODY_SHARE, sharing_consent="consented"), [], id="custody-sharing-consent"
        ),
        pytest.param(
            needs(**CUSTODY_SHARE, sharing_consent="lawful_basis"),
            [],
            id="custody-sharing-lawful-basis",
        ),
        pytest.param(
            needs(setting="prison", sharing_records=[], sharing_consent="not_asked"),
            [],
            id="custody-nothing-shared",
        ),
        pytest.param(
            needs(**{**CUSTODY_SHARE, "setting": "own_home"}, sharing_consent="not_asked"),
            [],
            id="community-sharing-not-checked",
        ),
        # 6. safeguarding
        pytest.param(
            needs(safeguarding_concern=True),
            ["safeguarding_referral_date"],
            id="community-safeguarding-no-referral",
        ),
        pytest.param(
            needs(safeguarding_concern=True, safeguarding_referral_date="2025-06-01"),
            [],
            id="community-safeguarding-referred",
        ),
        pytest.param(
            needs(setting="prison", safeguarding_concern=True),
            ["safeguarding_notified_who", "safeguarding_notified_date"],
            id="custody-safeguarding-nothing",
        ),
        pytest.param(
            needs(
                setting="approved_premises",
                safeguarding_concern=True,
                safeguarding_notified_who="Duty manager",
            ),
            ["safeguarding_notified_date"],
            id="custody-safeguarding-no-date",
        ),
        pytest.param(
            needs(
                setting="young_offender_institution",
                safeguarding_concern=True,
                safeguarding_notified_date="2025-06-01",
            ),
            ["safeguarding_notified_who"],
            id="custody-safeguarding-no-who",
        ),
        pytest.param(
            needs(
                setting="bail_accommodation",
                conviction_status="unconvicted_on_bail",
                safeguarding_concern=True,
            ),
            ["safeguarding_referral_date"],
            id="bail-address-follows-the-community-s42-route",
        ),
        pytest.param(
            needs(
                setting="prison",
                safeguarding_concern=True,
                safeguarding_referral_date="2025-06-01",
            ),
            ["safeguarding_notified_who", "safeguarding_notified_date"],
            id="custody-safeguarding-community-referral-not-enough",
        ),
        pytest.param(
            needs(
                setting="prison",
                safeguarding_concern=True,
                safeguarding_notified_who="Governor",
                safeguarding_notified_date="2025-06-01",
            ),
            [],
            id="custody-safeguarding-notified",
        ),
        pytest.param(needs(safeguarding_concern=False), [], id="no-safeguarding-concern"),
        # several at once, in the spec's order
        pytest.param(
            needs(
                NOT_ELIGIBLE,
                setting="prison",
                advocacy_difficulty=True,
                appropriate_person=False,
                safeguarding_concern=True,
                **LACKS,
                **{"sharing_records": [{"share_recipient": "offender_manager"}]},
            ),
            [
                "advocate_referral_date",
                "ineligible_info_given",
                "best_interests",
                "sharing_consent",
                "safeguarding_notified_who",
                "safeguarding_notified_date",
            ],
            id="many-at-once",
        ),
    ],
)
def test_needs_completion(answers: dict[str, Any], expected: list[str]) -> None:
    assert paths(needs_completion(answers)) == expected


def _as_the_form_gives_them(answers: dict[str, Any]) -> FormAnswers:
    """The answers with the real needs form's option labels, as the form engine hands them."""
    return FormAnswers(answers, option_labels(load_forms_dir(FORMS).latest("needs_assessment")))


def test_needs_completion_messages() -> None:
    def message(answers: dict[str, Any], path: str) -> str:
        found = needs_completion(_as_the_form_gives_them(answers))
        return next(b.message for b in found if b.path == path)

    refused = message(
        needs(consent="refused", refusal_has_capacity=False, refusal_best_interests=True),
        "consent",
    )
    assert "cannot close as a refusal" in refused
    assert "best interests" in refused and "s11(2)" in refused
    assert "goes ahead without the person's agreement" in refused
    proceeding = message(
        needs(consent="proceeding", refusal_has_capacity=True, refusal_abuse_risk=False),
        "consent",
    )
    assert "only when" in proceeding and "Record the refusal" in proceeding
    advocate = message(
        needs(advocacy_difficulty=True, appropriate_person=False), "advocate_referral_date"
    )
    assert "s67" in advocate and "referral" in advocate
    info = message(needs(NOT_ELIGIBLE), "ineligible_info_given")
    assert "s13(5)" in info
    wrong = message(
        needs(NOT_ELIGIBLE, preferred_format="easy_read", **INFO_DONE), "ineligible_info_format"
    )
    assert "given in standard print" in wrong and "asked for easy read" in wrong
    share = message(needs(**CUSTODY_SHARE), "sharing_consent")
    assert "consent" in share and "lawful basis" in share
    custody = message(
        needs(setting="prison", safeguarding_concern=True), "safeguarding_notified_who"
    )
    assert "establishment" in custody and "HMPPS" in custody
    community = message(needs(safeguarding_concern=True), "safeguarding_referral_date")
    assert "s42" in community and "safeguarding team" in community


# --- Completion check: carer's assessment ------------------------------------------------------


def carers(unable: dict[str, list[str]] | None = None, **extra: Any) -> dict[str, Any]:
    base = carer({"recreation": ["without_assistance"]} if unable is None else unable)
    return _apply(base, extra)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        pytest.param(carers(), [], id="complete"),
        pytest.param(
            carers(relationship="fellow_prisoner"), ["relationship"], id="fellow-prisoner"
        ),
        pytest.param(carers(relationship="establishment_staff"), ["relationship"], id="staff"),
        pytest.param(carers(relationship="friend_neighbour"), [], id="friend"),
        pytest.param(
            carers(combined=True, combined_carer_agrees=True, combined_cared_for_agrees=True),
            [],
            id="combined-both-agree",
        ),
        pytest.param(
            carers(combined=True, combined_carer_agrees=False, combined_cared_for_agrees=True),
            ["combined_carer_agrees"],
            id="combined-carer-disagrees",
        ),
        pytest.param(
            carers(combined=True, combined_carer_agrees=True),
            ["combined_cared_for_agrees"],
            id="combined-cared-for-unanswered",
        ),
        pytest.param(
            carers(combined=True),
            ["combined_carer_agrees", "combined_cared_for_agrees"],
            id="combined-neither-recorded",
        ),
        pytest.param(carers(combined=False, combined_carer_agrees=False), [], id="not-combined"),
        pytest.param(
            carers(young_carer_in_household=True),
            ["young_carer_referral_date"],
            id="young-carer-no-referral",
        ),
        pytest.param(
            carers(young_carer_in_household=True, young_carer_referral_date="2025-06-01"),
            [],
            id="young-carer-referred",
        ),
        pytest.param(carers({}), ["ineligible_info_given"], id="not-eligible-no-info"),
        pytest.param(
            carers({}, **{**INFO_DONE, "ineligible_info_date": DELETE}),
            ["ineligible_info_date"],
            id="not-eligible-no-date",
        ),
        pytest.param(carers({}, **INFO_DONE), [], id="not-eligible-info-given"),
        pytest.param(
            carers({}, preferred_format="braille", **INFO_DONE),
            ["ineligible_info_format"],
            id="not-eligible-wrong-format",
        ),
        pytest.param(carers({}, health_deteriorating="at_risk"), [], id="eligible-by-health"),
    ],
)
def test_carer_completion(answers: dict[str, Any], expected: list[str]) -> None:
    assert paths(carer_completion(answers)) == expected


@pytest.mark.parametrize(
    ("extra", "blocked"),
    [
        ({"advocacy_difficulty": False}, []),
        ({"advocacy_difficulty": True, "appropriate_person": True}, []),
        ({"advocacy_difficulty": True, "appropriate_person": False}, ["advocate_referral_date"]),
        (
            {
                "advocacy_difficulty": True,
                "appropriate_person": False,
                "advocate_referral_date": "2025-06-01",
            },
            [],
        ),
        (
            {
                "advocacy_difficulty": True,
                "appropriate_person": False,
                "advocate_declined": "Said she would speak for herself.",
            },
            [],
        ),
    ],
    ids=["no-difficulty", "appropriate-person", "no-one", "referred", "declined"],
)
def test_a_carer_who_needs_an_advocate_cannot_be_assessed_without_one(
    extra: dict[str, Any], blocked: list[str]
) -> None:
    found = carer_completion(carers(**extra))
    assert paths(found) == blocked
    if blocked:
        assert "The carer would have substantial difficulty" in found[0].message
        assert "s67" in found[0].message
        assert advocacy(carers(**extra)).value == "required"


def test_the_carers_form_screens_for_advocacy_with_the_needs_assessments_rule() -> None:
    from assessor_app.core.form_engine.definition import load_forms_dir
    from assessor_app.core.paths import default_forms_dir

    forms = load_forms_dir(default_forms_dir())
    carers_form, needs_form = forms.latest("carers_assessment"), forms.latest("needs_assessment")
    for form in (carers_form, needs_form):
        assert form.field("advocacy_outcome").rule == "care_act.advocacy"
        assert form.field("advocacy_difficulty").required
    assert [o.value for o in carers_form.field("advocacy_difficulties").options] == [
        o.value for o in needs_form.field("advocacy_difficulties").options
    ]


def _supporter(offer: str | None, name: str = "Pat Example") -> dict[str, Any]:
    item: dict[str, Any] = {"supporter_name": name, "supporter_willing": "yes"}
    if offer is not None:
        item["supporter_carer_offer"] = offer
    return item


@pytest.mark.parametrize(
    ("offers", "blocked"),
    [
        (["accepted"], []),
        (["declined", "already", "not_a_carer"], []),
        (["offered"], ["supporters[0].supporter_carer_offer"]),
        (["accepted", "offered"], ["supporters[1].supporter_carer_offer"]),
    ],
    ids=["accepted", "answered", "open", "second-open"],
)
def test_an_open_carers_assessment_offer_stops_the_needs_assessment_completing(
    offers: list[str], blocked: list[str]
) -> None:
    answers = needs(supporters=[_supporter(o) for o in offers])
    found = [b for b in needs_completion(answers) if b.path.startswith("supporters")]
    assert paths(found) == blocked
    if blocked:
        assert found[0].message.startswith("Pat Example was offered a carer's assessment")
        assert "accepted or declined" in found[0].message


def test_the_needs_form_requires_the_carers_assessment_offer_for_every_supporter() -> None:
    from assessor_app.core.form_engine.definition import load_forms_dir
    from assessor_app.core.paths import default_forms_dir

    form = load_forms_dir(default_forms_dir()).latest("needs_assessment")
    offer = form.field("supporter_carer_offer")
    assert offer.required
    assert {o.value for o in offer.options} == {
        "offered",
        "accepted",
        "declined",
        "already",
        "not_a_carer",
    }
    assert form.field("supporter_carer_offer_date").required


def test_carer_completion_messages() -> None:
    [not_carer] = carer_completion(carers(relationship="fellow_prisoner"))
    assert "not a carer" in not_carer.message and "s76" in not_carer.message
    assert "needs assessment" in not_carer.message
    [combined] = carer_completion(carers(combined=True, combined_carer_agrees=True))
    assert "s12(5)" in combined.message and "both" in combined.message
    [young] = carer_completion(carers(young_carer_in_household=True))
    assert "17ZA" in young.message


# --- Carer authority ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("responsible", "home", "value"),
    [
        ("Leeds City Council", "Leeds City Council", "same"),
        ("Leeds City Council", "  leeds city council ", "same"),
        ("The Royal Borough of Kingston", "royal borough of kingston", "same"),
        ("the Wirral", "THE WIRRAL", "same"),
        ("Leeds City Council", "Bradford Council", "cross_border"),
        ("Theale Council", "ale Council", "cross_border"),
        ("Leeds", "", None),
        ("   ", "Leeds", None),
        (None, "Leeds", None),
    ],
    ids=lambda v: repr(v),
)
def test_carer_authority(responsible: str | None, home: str | None, value: str | None) -> None:
    answers = {"responsible_authority": responsible, "carer_home_authority": home}
    assert carer_authority(answers).value == value


def test_carer_authority_cross_border_reason() -> None:
    outcome = carer_authority(
        {"responsible_authority": "Leeds City Council", "carer_home_authority": "Bradford"}
    )
    assert outcome.reasons == (
        "The carer lives in a different authority (Bradford); the responsible authority is "
        "Leeds City Council, where the person cared for is ordinarily resident.",
    )


# --- Start check -------------------------------------------------------------------------------

TODAY = dt.date(2025, 6, 15)


def person(setting: Setting = Setting.OWN_HOME, born: dt.date | None = None) -> PersonDetails:
    return PersonDetails(given_name="Sam", family_name="Carer", date_of_birth=born, setting=setting)


@pytest.mark.parametrize(
    "setting",
    [
        Setting.PRISON,
        Setting.YOUNG_OFFENDER_INSTITUTION,
        Setting.SECURE_TRAINING_CENTRE,
        Setting.SECURE_CHILDRENS_HOME,
        Setting.APPROVED_PREMISES,
    ],
    ids=lambda s: s.value,
)
def test_a_carer_in_custody_can_start_but_completes_only_with_a_recorded_reason(
    setting: Setting,
) -> None:
    # CA-11: in general not a carer; the block carries an explanation and a recorded reason
    # lifts it, so starting is not refused outright.
    assert carer_start(StartContext(person(setting, dt.date(1980, 1, 1)), TODAY)) is None
    blocked = carer_completion(carers(setting=setting.value))
    assert paths(blocked) == ["custody_assess_reason"]
    assert "s76" in blocked[0].message and "in general not carers" in blocked[0].message
    assert "Record the reason" in blocked[0].message and "needs assessment" in blocked[0].message
    reason = "Cares for his partner at home on release on temporary licence every weekend."
    assert carer_completion(carers(setting=setting.value, custody_assess_reason=reason)) == []
    assert carer_completion(carers(setting=setting.value, custody_assess_reason="  ")) == blocked


@pytest.mark.parametrize(
    "setting",
    [Setting.BAIL_ACCOMMODATION, Setting.OWN_HOME, Setting.CARE_HOME, Setting.HOSPITAL],
    ids=lambda s: s.value,
)
def test_carer_start_allowed_outside_custody(setting: Setting) -> None:
    assert carer_start(StartContext(person(setting, dt.date(1980, 1, 1)), TODAY)) is None


@pytest.mark.parametrize(
    ("born", "today", "refused"),
    [
        (dt.date(2007, 6, 15), TODAY, False),
        (dt.date(2007, 6, 16), TODAY, True),
        (dt.date(2010, 1, 1), TODAY, True),
        (dt.date(2007, 6, 14), TODAY, False),
        (dt.date(2008, 2, 29), dt.date(2026, 2, 28), True),
        (dt.date(2008, 2, 29), dt.date(2026, 3, 1), False),
        (None, TODAY, False),
    ],
    ids=[
        "18th-birthday-today",
        "18-tomorrow",
        "15",
        "18-yesterday",
        "leap-day-born-feb-28",
        "leap-day-born-mar-1",
        "no-date-of-birth",
    ],
)
def test_carer_start_age(born: dt.date | None, today: dt.date, refused: bool) -> None:
    result = carer_start(StartContext(person(Setting.OWN_HOME, born), today))
    assert (result is not None) is refused
    if result is not None:
        assert "17ZA" in result.message and "under 18" in result.message
        assert "children's services" in result.next_step


# --- Robustness --------------------------------------------------------------------------------

ODD_VALUES: list[Any] = [None, 1, 2.5, "", "nonsense", [], ["x"], {"a": 1}, True, False]


@pytest.mark.parametrize("odd", ODD_VALUES, ids=lambda v: repr(v))
def test_rules_never_raise_on_odd_answers(odd: Any) -> None:
    keys = {
        "setting",
        "conviction_status",
        "consent",
        "date_of_birth",
        "assessment_date",
        "sharing_records",
        "sharing_consent",
        "preferred_format",
        "ineligible_info_format",
        "responsible_authority",
        "carer_home_authority",
        "relationship",
        "health_deteriorating",
        "wellbeing_impact",
        "impairment_types",
        "advocacy_difficulties",
        "safeguarding_concern",
    }
    for key, _ in ADULT_OUTCOMES:
        keys |= {f"out_{key}_status", f"out_{key}_ways", f"out_{key}_carer"}
    for key, _ in CARER_OUTCOMES:
        keys |= {f"c_{key}_status", f"c_{key}_ways"}
    answers = dict.fromkeys(keys, odd)
    for name in rule_names():
        if name.startswith("care_act."):
            get_rule(name)(answers)
    needs_completion(answers)
    carer_completion(answers)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param(
            {"conviction_status": "unconvicted_on_bail"},
            ["conviction_status"],
            id="unconvicted-on-bail-in-prison",
        ),
        pytest.param({"conviction_status": "sentenced"}, [], id="sentenced-in-prison"),
        pytest.param({"conviction_status": "remanded"}, [], id="remanded-in-prison"),
        pytest.param(
            {"preparing_for_release": True},
            ["expected_release_date", "release_area"],
            id="release-details-missing",
        ),
        pytest.param(
            {
                "preparing_for_release": True,
                "expected_release_date": "2027-06-30",
                "release_area": "Demotown",
            },
            [],
            id="release-details-given",
        ),
        pytest.param({"notify_other_authority": True}, ["named_leads"], id="no-named-leads"),
        pytest.param(
            {
                "notify_other_authority": True,
                "named_leads": [{"lead_party": "this_authority", "lead_name": "A. Lead"}],
            },
            ["named_leads"],
            id="other-authority-lead-missing",
        ),
        pytest.param(
            {
                "notify_other_authority": True,
                "named_leads": [
                    {"lead_party": "this_authority", "lead_name": "A. Lead"},
                    {"lead_party": "other_authority", "lead_name": "B. Lead"},
                ],
            },
            [],
            id="both-leads-named",
        ),
    ],
)
def test_custody_release_and_transfer_details_block_until_recorded(
    extra: dict[str, Any], expected: list[str]
) -> None:
    answers = needs(setting="prison", sharing_consent="consented", **extra)
    assert [b.path for b in needs_completion(answers)] == expected


@pytest.mark.parametrize(
    ("born", "blocked"),
    [("2008-06-02", True), ("2008-06-01", False), ("1950-01-01", False)],
    ids=["17-on-the-day", "18th-birthday", "adult"],
)
def test_a_carer_under_18_on_the_assessment_date_blocks_completion(
    born: str, blocked: bool
) -> None:
    answers = {
        "date_of_birth": born,
        "assessment_date": "2026-06-01",
        "relationship": "parent",
        "combined": False,
        "young_carer_in_household": False,
    }
    paths = [b.path for b in carer_completion(answers)]
    assert ("date_of_birth" in paths) is blocked


@pytest.mark.parametrize(
    ("extra", "value"),
    [
        pytest.param({}, "lacks", id="two-stage-only"),
        pytest.param(
            {"capacity_causal": True, "capacity_practicable_steps": True},
            "lacks",
            id="caused-by-impairment-steps-taken",
        ),
        pytest.param(
            {"capacity_causal": False, "capacity_practicable_steps": True},
            "has",
            id="not-because-of-impairment",
        ),
        pytest.param(
            {"capacity_causal": True, "capacity_practicable_steps": False},
            None,
            id="practicable-steps-not-taken",
        ),
    ],
)
def test_capacity_needs_the_causal_link_and_practicable_steps(
    extra: dict[str, Any], value: str | None
) -> None:
    answers = {
        "capacity_doubt": True,
        "capacity_impairment": True,
        "capacity_understand": False,
        "capacity_retain": True,
        "capacity_weigh": True,
        "capacity_communicate": True,
        **extra,
    }
    assert capacity(answers).value == value


def test_a_capacitous_person_may_decline_an_advocate() -> None:
    base = needs(advocacy_difficulty=True, appropriate_person=False)
    assert "advocate_referral_date" in [b.path for b in needs_completion(base)]
    declined = {**base, "advocate_declined": "Said she would rather speak for herself."}
    assert "advocate_referral_date" not in [b.path for b in needs_completion(declined)]


def test_remanded_in_custody_does_not_fit_approved_premises_in_the_persons_words() -> None:
    answers = needs(
        setting="approved_premises", sharing_consent="consented", conviction_status="remanded"
    )
    [blocker] = needs_completion(answers)
    assert blocker.path == "conviction_status"
    assert blocker.message.startswith(
        "'Remanded in custody' does not fit someone in approved premises: it fits only prison, "
        "young offender institution, secure training centre or secure children's home."
    )
