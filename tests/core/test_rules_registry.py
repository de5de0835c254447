"""The rules registry and the sample support-band rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from assessor_app.core.errors import NotFoundError
from assessor_app.core.rules import Outcome, get_rule, number, register, rule_names
from assessor_app.core.rules.sample import support_band
from tests.support import registered_for_tests


def test_importing_rules_registers_the_sample_rule() -> None:
    assert "sample.support_band" in rule_names()
    assert get_rule("sample.support_band") is support_band


@pytest.mark.parametrize(
    ("mobility", "hours", "band"),
    [
        ("A", 0, "low"),
        ("A", 4.5, "low"),
        ("A", 5, "low"),
        ("B", 5, "medium"),
        ("A", 15, "medium"),
        ("C", 0, "medium"),
        ("C", 5, "high"),
        ("B", 15, "high"),
        ("C", 40, "high"),
    ],
)
def test_support_band_from_mobility_and_hours(mobility: str, hours: float, band: str) -> None:
    assert support_band({"mobility": mobility, "hours": hours}).value == band


def test_support_band_reasons_name_the_answers() -> None:
    outcome = support_band({"mobility": "C", "hours": 1})
    assert outcome == Outcome(
        value="medium",
        label="Medium support",
        reasons=(
            "Mobility was rated C (the person needs help with most moving about).",
            "The person needs 1 hour of help each week.",
            "Together these score 2 out of 4, which suggests medium support.",
        ),
    )


@pytest.mark.parametrize(
    ("answers", "needed"),
    [
        ({}, "the mobility rating and the hours of help needed each week"),
        ({"mobility": "B"}, "the hours of help needed each week"),
        ({"mobility": "B", "hours": True}, "the hours of help needed each week"),
        ({"mobility": "Z", "hours": 3}, "the mobility rating"),
        ({"mobility": "A", "hours": -1}, "the hours of help needed each week"),
    ],
)
def test_support_band_says_which_answers_are_needed(answers: dict[str, Any], needed: str) -> None:
    outcome = support_band(answers)
    assert outcome.value is None
    assert outcome.reasons == (f"Answer {needed} to see a suggested band.",)


def test_register_and_get_a_rule() -> None:
    with registered_for_tests():

        @register("tests.registry_demo", reads={"a": number()})
        def demo(answers: Mapping[str, Any]) -> Outcome:
            return Outcome(value=len(answers), label="Count", reasons=())

        assert get_rule("tests.registry_demo") is demo
        assert get_rule("tests.registry_demo")({"a": 1}).value == 1
        assert "tests.registry_demo" in rule_names()
    assert "tests.registry_demo" not in rule_names()


def test_a_rule_name_cannot_be_taken_twice() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register("sample.support_band", reads={})(support_band)


@pytest.mark.parametrize("name", ["support_band", "Sample.band", "sample.", "sample band"])
def test_a_malformed_rule_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="must look like 'module.rule_name'"):
        register(name, reads={})


def test_an_unknown_rule_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="There is no rule called 'sample.nothing'"):
        get_rule("sample.nothing")
