"""The CHC Checklist: national domains in order, and the positive threshold at every boundary."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assessor_app.core.chc.levels import CHECKLIST_ASTERISKED, CHECKLIST_DOMAINS
from assessor_app.core.form_engine.definition import FieldType, load_forms_dir
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.records import PersonDetails
from assessor_app.core.rules import StartContext, get_start_check
from assessor_app.core.rules.chc import checklist_completion, checklist_outcome

KEYS = [k for k, _ in CHECKLIST_DOMAINS]
PLAIN = [k for k in KEYS if k not in CHECKLIST_ASTERISKED]  # 7 domains without a star


def levels(a: list[str] = (), b: list[str] = (), **extra: Any) -> dict[str, Any]:  # type: ignore[assignment]
    """Every domain at C except those named at A or B."""
    answers = {f"cl_{k}": "C" for k in KEYS}
    answers.update({f"cl_{k}": "A" for k in a})
    answers.update({f"cl_{k}": "B" for k in b})
    return {**answers, **extra}


def test_the_national_domains_in_the_national_order() -> None:
    assert [name for _, name in CHECKLIST_DOMAINS] == [
        "Breathing",
        "Nutrition",
        "Continence",
        "Skin integrity",
        "Mobility",
        "Communication",
        "Psychological and emotional needs",
        "Cognition",
        "Behaviour",
        "Drug therapies and medication: symptom control",
        "Altered states of consciousness",
    ]
    assert CHECKLIST_ASTERISKED == {"breathing", "behaviour", "drug_therapies", "asc"}
    form = load_forms_dir(default_forms_dir()).latest("chc_checklist")
    scored = [
        f.id for f in form.all_fields() if f.id.startswith("cl_") and not f.id.endswith("_evidence")
    ]
    assert scored == [f"cl_{k}" for k in KEYS]
    for key in KEYS:
        assert [o.value for o in form.field(f"cl_{key}").options] == ["A", "B", "C"]
        assert form.field(f"cl_{key}").label.endswith("*") is (key in CHECKLIST_ASTERISKED)


@pytest.mark.parametrize(
    ("answers", "value"),
    [
        pytest.param(levels(), "negative", id="all-C"),
        pytest.param(levels(a=PLAIN[:1]), "negative", id="one-A-plain"),
        pytest.param(levels(a=PLAIN[:2]), "positive", id="two-A-plain"),
        pytest.param(levels(b=PLAIN[:4]), "negative", id="four-B"),
        pytest.param(levels(b=PLAIN[:5]), "positive", id="five-B"),
        pytest.param(levels(a=PLAIN[:1], b=PLAIN[1:4]), "negative", id="one-A-three-B"),
        pytest.param(levels(a=PLAIN[:1], b=PLAIN[1:5]), "positive", id="one-A-four-B"),
        *[
            pytest.param(levels(a=[k]), "positive", id=f"A-in-{k}-alone")
            for k in sorted(CHECKLIST_ASTERISKED)
        ],
        *[
            pytest.param(levels(b=[k]), "negative", id=f"B-in-{k}-alone")
            for k in sorted(CHECKLIST_ASTERISKED)
        ],
        pytest.param(levels(b=KEYS[:4] + PLAIN[:0]), "negative", id="four-B-incl-starred"),
        pytest.param(levels(a=PLAIN[:1], refer_anyway=True), "refer", id="negative-referred"),
        pytest.param(levels(a=PLAIN[:2], refer_anyway=True), "positive", id="positive-referred"),
    ],
)
def test_checklist_threshold(answers: dict[str, Any], value: str) -> None:
    outcome = checklist_outcome(answers)
    assert outcome.value == value
    if value == "positive":
        assert any("does not mean the person is eligible" in r for r in outcome.reasons)


def test_reasons_name_what_made_it_positive() -> None:
    outcome = checklist_outcome(levels(a=["breathing"]))
    assert any(
        r.startswith("A in Breathing, which carries a Priority level") for r in outcome.reasons
    )
    two = checklist_outcome(levels(a=["mobility", "cognition"]))
    assert two.reasons[0].startswith("2 domains at A (Mobility and Cognition)")


def test_positive_is_known_early_but_negative_waits_for_every_domain() -> None:
    early = {"cl_behaviour": "A"}
    assert checklist_outcome(early).value == "positive"
    partial = {"cl_nutrition": "C", "cl_mobility": "B"}
    outcome = checklist_outcome(partial)
    assert outcome.value is None and "Breathing" in outcome.reasons[0]


def test_consent_must_cover_completing_the_tools() -> None:
    base = {"consent_status": "consented", "consent_scope": ["share"]}
    assert [b.path for b in checklist_completion(base)] == ["consent_scope"]
    ok = {**base, "consent_scope": ["complete_tools", "share"]}
    assert checklist_completion(ok) == []
    assert checklist_completion({"consent_status": "best_interests"}) == []


@pytest.mark.parametrize("form_id", ["chc_checklist", "chc_dst", "chc_fast_track"])
def test_no_financial_information_on_a_chc_form(form_id: str) -> None:
    form = load_forms_dir(default_forms_dir()).latest(form_id)
    assert not [f.id for f in form.all_fields() if f.type is FieldType.MONEY]
    words = " ".join(f.label.lower() for f in form.all_fields())
    for banned in ("income", "capital", "savings", "benefit", "£"):
        assert banned not in words


# --- Adults only (CH-11) -------------------------------------------------------------------

TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize("form_id", ["chc_checklist", "chc_dst", "chc_fast_track"])
@pytest.mark.parametrize(
    ("born", "refused"),
    [
        (dt.date(2008, 11, 24), True),  # 18 tomorrow
        (dt.date(2012, 5, 1), True),
        (dt.date(2008, 11, 23), False),  # 18 today
        (dt.date(1941, 2, 3), False),
        (None, False),
    ],
    ids=["17", "14", "18-today", "85", "no-date-of-birth"],
)
def test_a_chc_tool_cannot_be_started_for_someone_under_18(
    form_id: str, born: dt.date | None, refused: bool
) -> None:
    form = load_forms_dir(default_forms_dir()).latest(form_id)
    assert form.start_check == "chc.adult_start"
    check = get_start_check(form.start_check)
    person = PersonDetails(given_name="Alex", family_name="Young", date_of_birth=born)
    result = check(StartContext(person, TODAY))
    assert (result is not None) is refused
    if result is not None:
        assert "under 18" in result.message and "18 or over" in result.message
        assert "continuing care" in result.next_step
