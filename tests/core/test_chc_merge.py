"""MDT contributions to a DST: allowed levels, merging, the higher-level rule, MDT make-up.

The allowed-levels table is written out literally from domain/RULES.md section 2.1, so a
change to levels.py that drifts from the national tool fails here. The merge is checked as a
CRDT-style union with hypothesis: order-free, grouping-free, repeat-free and lossless.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessor_app.core.chc.levels import (
    DST_ALLOWED,
    DST_DOMAINS,
    DST_LEVELS,
    PROFESSIONS,
    level_rank,
)
from assessor_app.core.chc.merge import (
    CONTRIBUTION_KEYS,
    InvalidContributionError,
    contribution_problems,
    domain_proposals,
    mdt_composition,
    merge_contributions,
    validate_contribution,
)
from assessor_app.core.errors import AssessorError

DOMAINS = [k for k, _ in DST_DOMAINS]

# domain/RULES.md 2.1, copied by hand. Columns: No needs, Low, Moderate, High, Severe, Priority.
RULES_2_1 = [
    ("breathing", "Breathing", "✓✓✓✓✓✓"),
    ("nutrition", "Nutrition – food and drink", "✓✓✓✓✓–"),
    ("continence", "Continence", "✓✓✓✓––"),
    ("skin", "Skin integrity (including tissue viability)", "✓✓✓✓✓–"),
    ("mobility", "Mobility", "✓✓✓✓✓–"),
    ("communication", "Communication", "✓✓✓✓––"),
    ("psychological", "Psychological and emotional needs", "✓✓✓✓––"),
    ("cognition", "Cognition", "✓✓✓✓✓–"),
    ("behaviour", "Behaviour", "✓✓✓✓✓✓"),
    ("drug_therapies", "Drug therapies and medication: symptom control", "✓✓✓✓✓✓"),
    ("asc", "Altered states of consciousness", "✓✓✓✓–✓"),
    ("other", "Other significant care needs to be taken into consideration", "✓✓✓✓✓–"),
]
COLUMNS = ["no_needs", "low", "moderate", "high", "severe", "priority"]
EXPECTED_ALLOWED = {
    key: [lv for lv, mark in zip(COLUMNS, marks, strict=True) if mark == "✓"]
    for key, _, marks in RULES_2_1
}


def member(
    name: str,
    profession: str,
    cid: str | None = None,
    revision: int = 1,
    evidence: dict[str, str] | None = None,
    **levels: str,
) -> dict[str, Any]:
    """One contribution item; `levels` maps domain key to level."""
    item: dict[str, Any] = {
        "contribution_id": cid or hashlib.sha256(name.encode()).hexdigest()[:32],
        "contributor_name": name,
        "contributor_profession": profession,
        "contributor_organisation": "Exampleshire",
        "contributor_contact": "01234 567890",
        "contributed_on": "2025-03-01",
        "revision": revision,
    }
    for domain, level in levels.items():
        item[f"m_{domain}_level"] = level
        item[f"m_{domain}_evidence"] = f"{name} saw {domain}."
    for domain, text in (evidence or {}).items():
        item[f"m_{domain}_evidence"] = text
    return item


SAM = "Sam Jones"
ROBIN = "Robin Lee"
ALEX = "Alex Kay"


# -- The national table ----------------------------------------------------------------------


def test_levels_py_matches_rules_2_1_table() -> None:
    assert [(k, n) for k, n, _ in RULES_2_1] == list(DST_DOMAINS)
    assert COLUMNS == list(DST_LEVELS)
    assert {k: list(v) for k, v in DST_ALLOWED.items()} == EXPECTED_ALLOWED
    # The three domains the cross-check names as having all six levels, and ASC's gap.
    assert [k for k, v in EXPECTED_ALLOWED.items() if len(v) == 6] == [
        "breathing",
        "behaviour",
        "drug_therapies",
    ]
    assert "severe" not in EXPECTED_ALLOWED["asc"] and "priority" in EXPECTED_ALLOWED["asc"]


@pytest.mark.parametrize(
    ("domain", "level"),
    [pytest.param(d, lv, id=f"{d}-{lv}") for d, _, _ in RULES_2_1 for lv in COLUMNS],
)
def test_every_level_is_checked_against_its_domain(domain: str, level: str) -> None:
    item = member(SAM, "registered_nurse", **{domain: level})
    problems = contribution_problems(item)
    if level in EXPECTED_ALLOWED[domain]:
        assert problems == []
        assert validate_contribution(item)[f"m_{domain}_level"] == level
    else:
        assert len(problems) == 1
        assert "is not a level of this domain" in problems[0]
        with pytest.raises(InvalidContributionError) as err:
            validate_contribution(item)
        assert err.value.next_step


def test_severe_for_continence_names_the_domain_and_its_levels() -> None:
    [problem] = contribution_problems(member(SAM, "registered_nurse", continence="severe"))
    assert problem == (
        "Continence: Severe is not a level of this domain "
        "(its levels are No needs, Low, Moderate and High)."
    )


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        pytest.param(
            {"m_breathing_level": "extreme"},
            "not a Decision Support Tool level",
            id="unknown-level",
        ),
        pytest.param(
            {"favourite_colour": "blue"}, "does not know: favourite_colour", id="unknown-key"
        ),
        pytest.param({"contributor_name": "  "}, "Enter the member's name", id="blank-name"),
        pytest.param({"contributor_profession": "astronaut"}, "profession", id="bad-profession"),
        pytest.param({"contributed_on": "2025-02-30"}, "does not exist", id="impossible-date"),
        pytest.param({"contributed_on": "1/3/2025"}, "year-month-day", id="date-format"),
        pytest.param({"revision": 0}, "revision", id="revision-zero"),
        pytest.param({"revision": True}, "revision", id="revision-bool"),
        pytest.param({"revision": "2"}, "revision", id="revision-text"),
        pytest.param({"contribution_id": "not hex!"}, "hex", id="bad-id"),
        pytest.param({"m_skin_evidence": 42}, "must be text", id="evidence-not-text"),
    ],
)
def test_contribution_problems(change: dict[str, Any], fragment: str) -> None:
    item = {**member(SAM, "registered_nurse", breathing="high"), **change}
    problems = contribution_problems(item)
    assert any(fragment in p for p in problems), problems


def test_unset_levels_and_whole_number_revisions_are_normalised() -> None:
    item = {**member(SAM, "registered_nurse"), "m_skin_level": None, "revision": 2.0}
    out = validate_contribution(item)
    assert "m_skin_level" not in out and out["revision"] == 2 and type(out["revision"]) is int
    assert set(CONTRIBUTION_KEYS) >= set(out)


# -- Merging ---------------------------------------------------------------------------------


def test_the_highest_revision_wins_in_either_order() -> None:
    old = member(SAM, "registered_nurse", cid="aa" * 16, revision=1, breathing="low")
    new = member(SAM, "registered_nurse", cid="aa" * 16, revision=3, breathing="high")
    other = member(ROBIN, "social_worker", cid="bb" * 16, mobility="moderate")
    for lists in itertools.permutations([[old], [new, other]]):
        merged = merge_contributions(*lists)
        assert [c["contribution_id"] for c in merged] == ["bb" * 16, "aa" * 16]  # Robin, Sam
        assert merged[1]["revision"] == 3 and merged[1]["m_breathing_level"] == "high"


def _canonical_sha(item: dict[str, Any]) -> str:
    text = json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_tie_at_one_revision_is_broken_by_content_never_by_order() -> None:
    one = member(SAM, "registered_nurse", cid="cc" * 16, revision=2, breathing="low")
    two = member(SAM, "registered_nurse", cid="cc" * 16, revision=2, breathing="severe")
    expected = max([one, two], key=_canonical_sha)
    for lists in ([[one], [two]], [[two], [one]], [[one, two]], [[two, one]]):
        assert merge_contributions(*lists) == [expected]


def test_merging_leaves_the_inputs_alone_and_returns_copies() -> None:
    mine = [member(SAM, "registered_nurse", breathing="high")]
    theirs = [member(ROBIN, "social_worker", cognition="moderate")]
    before = copy.deepcopy((mine, theirs))
    merged = merge_contributions(mine, theirs)
    merged[0]["contributor_name"] = "changed"
    assert (mine, theirs) == before


def test_an_unset_answer_does_not_make_a_copy_look_different() -> None:
    here = {**member(SAM, "registered_nurse", breathing="high"), "m_skin_level": None}
    there = member(SAM, "registered_nurse", breathing="high")
    assert merge_contributions([here]) == merge_contributions([there]) == [there]


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"contributor_name": "No id", "revision": 1}, id="no-id"),
        pytest.param({"contribution_id": "", "revision": 1}, id="blank-id"),
        pytest.param({"contribution_id": "dd" * 16, "revision": 0}, id="revision-zero"),
        pytest.param({"contribution_id": "dd" * 16}, id="no-revision"),
    ],
)
def test_an_item_that_cannot_be_keyed_is_refused_not_dropped(bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidContributionError) as err:
        merge_contributions([member(SAM, "registered_nurse")], [bad])
    assert isinstance(err.value, AssessorError) and err.value.next_step


# -- Proposals -------------------------------------------------------------------------------


def test_the_disagreement_record_names_who_proposed_what() -> None:
    proposals = domain_proposals(
        [
            member(ROBIN, "social_worker", mobility="moderate"),
            member(SAM, "registered_nurse", mobility="high"),
        ]
    )
    mobility = proposals["mobility"]
    assert mobility.proposed_level == "high" and mobility.disagreement
    assert mobility.record == (
        "Members disagreed: Sam Jones (registered nurse) proposed High; Robin Lee (social "
        "worker) proposed Moderate. The higher level, High, is proposed; the coordinator "
        "confirms the final level and the reasons for the disagreement are recorded."
    )
    assert [(m.name, m.profession, m.level) for m in mobility.members] == [
        (SAM, "registered_nurse", "high"),
        (ROBIN, "social_worker", "moderate"),
    ]
    assert mobility.members[0].evidence == "Sam Jones saw mobility."


@pytest.mark.parametrize(
    ("levels", "proposed", "disagreement"),
    [
        pytest.param([], None, False, id="nobody"),
        pytest.param(["low"], "low", False, id="one-member"),
        pytest.param(["high", "high"], "high", False, id="agree"),
        pytest.param(["low", "high"], "high", True, id="low-high"),
        pytest.param(["high", "low"], "high", True, id="high-low"),
        pytest.param(["no_needs", "moderate", "low"], "moderate", True, id="three-ways"),
        pytest.param(["severe", "priority"], "priority", True, id="severe-priority"),
        pytest.param(["no_needs", "no_needs"], "no_needs", False, id="agree-no-needs"),
    ],
)
def test_the_higher_level_is_proposed(
    levels: list[str], proposed: str | None, disagreement: bool
) -> None:
    people = [ALEX, ROBIN, SAM]
    items = [member(people[i], "registered_nurse", behaviour=lv) for i, lv in enumerate(levels)]
    p = domain_proposals(items)["behaviour"]
    assert (p.proposed_level, p.disagreement) == (proposed, disagreement)
    assert len(p.members) == len(levels)


def test_agreement_and_single_member_records() -> None:
    proposals = domain_proposals(
        [
            member(SAM, "registered_nurse", skin="high", cognition="low"),
            member(ROBIN, "occupational_therapist", skin="high"),
        ]
    )
    assert proposals["skin"].record == (
        "Members agreed: Robin Lee (occupational therapist) and Sam Jones (registered nurse) "
        "proposed High."
    )
    assert proposals["cognition"].record == "Sam Jones (registered nurse) proposed Low."


def test_domains_nobody_assessed_propose_nothing_and_evidence_alone_is_kept() -> None:
    proposals = domain_proposals(
        [
            member(SAM, "registered_nurse", breathing="low", evidence={"asc": "No episodes seen."}),
        ]
    )
    assert list(proposals) == DOMAINS
    for key in DOMAINS:
        if key not in ("breathing", "asc"):
            assert proposals[key].proposed_level is None
            assert proposals[key].members == ()
            assert proposals[key].record == "No member proposed a level."
    asc = proposals["asc"]
    assert asc.proposed_level is None and not asc.disagreement
    assert [(m.level, m.evidence) for m in asc.members] == [(None, "No episodes seen.")]
    assert asc.record == (
        "No member proposed a level. Sam Jones (registered nurse) gives evidence but no level."
    )


def test_only_each_members_latest_revision_counts() -> None:
    p = domain_proposals(
        [
            member(SAM, "registered_nurse", cid="ee" * 16, revision=1, nutrition="severe"),
            member(SAM, "registered_nurse", cid="ee" * 16, revision=2, nutrition="low"),
            member(ROBIN, "social_worker", nutrition="low"),
        ]
    )["nutrition"]
    assert p.proposed_level == "low" and not p.disagreement and len(p.members) == 2


def test_a_level_the_domain_lacks_is_refused_not_ignored() -> None:
    with pytest.raises(InvalidContributionError, match="Altered states of consciousness"):
        domain_proposals([member(SAM, "registered_nurse", asc="severe")])


# -- MDT composition -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("professions", "valid", "fragments"),
    [
        pytest.param(
            ["social_worker", "social_worker"],
            False,
            ["no healthcare professional", "registered nurse"],
            id="two-social-workers",
        ),
        pytest.param(
            ["registered_nurse", "registered_nurse"],
            False,
            ["registered nurse", "same healthcare profession", "Care Act assessor"],
            id="two-nurses",
        ),
        pytest.param(
            ["registered_nurse", "occupational_therapist"],
            True,
            ["occupational therapist and registered nurse"],
            id="nurse-and-ot",
        ),
        pytest.param(
            ["registered_nurse", "social_worker"],
            True,
            ["registered nurse", "social worker"],
            id="nurse-and-social-worker",
        ),
        pytest.param(["registered_nurse"], False, ["Only one member"], id="one-person"),
        pytest.param(["social_worker"], False, ["Only one member"], id="one-social-worker"),
        pytest.param([], False, ["No MDT members"], id="nobody"),
        pytest.param(
            ["social_worker", "care_act_assessor"],
            False,
            ["no healthcare professional"],
            id="two-care-act-assessors",
        ),
        pytest.param(["doctor", "care_act_assessor"], True, ["doctor"], id="doctor-and-assessor"),
        pytest.param(
            ["registered_nurse", "other"],
            False,
            ["same healthcare profession"],
            id="nurse-and-other",
        ),
        pytest.param(["other", "other"], False, ["None of the members"], id="two-others"),
        pytest.param(
            ["registered_nurse", "registered_nurse", "social_worker"],
            True,
            ["Care Act assessor"],
            id="two-nurses-and-social-worker",
        ),
    ],
)
def test_mdt_composition(professions: list[str], valid: bool, fragments: list[str]) -> None:
    ok, message = mdt_composition([{"profession": p} for p in professions])
    assert ok is valid
    for fragment in fragments:
        assert fragment in message, message
    assert message.endswith(".")


def test_mdt_composition_reads_contribution_items_too() -> None:
    items = [member(SAM, "registered_nurse"), member(ROBIN, "social_worker")]
    assert mdt_composition(items)[0] is True
    assert mdt_composition(items[:1]) == mdt_composition([{"profession": "registered_nurse"}])


# -- Properties ------------------------------------------------------------------------------

IDS = ["0a0a0a0a", "1b1b1b1b", "2c2c2c2c", "3d3d3d3d", "4e4e4e4e"]
NAMES = [SAM, ROBIN, ALEX, "sam jones"]


@st.composite
def contributions(draw: st.DrawFn) -> dict[str, Any]:
    item: dict[str, Any] = {
        "contribution_id": draw(st.sampled_from(IDS)),
        "contributor_name": draw(st.sampled_from(NAMES)),
        "contributor_profession": draw(st.sampled_from(sorted(PROFESSIONS))),
        "contributed_on": "2025-03-01",
        "revision": draw(st.integers(1, 3)),
    }
    for domain in draw(st.lists(st.sampled_from(DOMAINS), max_size=4, unique=True)):
        item[f"m_{domain}_level"] = draw(st.sampled_from(DST_ALLOWED[domain]))
        if draw(st.booleans()):
            item[f"m_{domain}_evidence"] = draw(st.sampled_from(["", "seen", "records"]))
    return item


item_lists = st.lists(contributions(), max_size=6)


@settings(max_examples=200)
@given(item_lists, item_lists)
def test_merge_is_commutative(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> None:
    assert merge_contributions(a, b) == merge_contributions(b, a)


@settings(max_examples=200)
@given(item_lists, item_lists, item_lists)
def test_merge_is_associative(
    a: list[dict[str, Any]], b: list[dict[str, Any]], c: list[dict[str, Any]]
) -> None:
    left = merge_contributions(merge_contributions(a, b), c)
    right = merge_contributions(a, merge_contributions(b, c))
    assert left == right == merge_contributions(a, b, c)


@given(item_lists, st.randoms(use_true_random=False))
def test_merge_is_idempotent_and_order_free(a: list[dict[str, Any]], rnd: Any) -> None:
    once = merge_contributions(a)
    assert merge_contributions(a, a) == once
    assert merge_contributions(once) == once
    assert merge_contributions(once, a) == once
    shuffled = list(a)
    rnd.shuffle(shuffled)
    assert merge_contributions(shuffled) == once


@settings(max_examples=200)
@given(item_lists, item_lists)
def test_merge_never_loses_an_id_and_keeps_the_latest(
    a: list[dict[str, Any]], b: list[dict[str, Any]]
) -> None:
    merged = merge_contributions(a, b)
    ids = [c["contribution_id"] for c in merged]
    assert len(ids) == len(set(ids))
    assert set(ids) == {c["contribution_id"] for c in a + b}
    for c in merged:
        versions = [x for x in a + b if x["contribution_id"] == c["contribution_id"]]
        assert c in versions  # the winner is one of the inputs, unchanged
        assert c["revision"] == max(x["revision"] for x in versions)


@settings(max_examples=200)
@given(item_lists)
def test_the_proposed_level_is_the_highest_a_member_gave(a: list[dict[str, Any]]) -> None:
    merged = merge_contributions(a)
    proposals = domain_proposals(a)
    for domain in DOMAINS:
        given_levels = [c[f"m_{domain}_level"] for c in merged if f"m_{domain}_level" in c]
        p = proposals[domain]
        assert sorted(m.level for m in p.members if m.level) == sorted(given_levels)
        if not given_levels:
            assert p.proposed_level is None and not p.disagreement
            continue
        assert p.proposed_level in given_levels
        assert all(level_rank(p.proposed_level) >= level_rank(lv) for lv in given_levels)
        assert p.disagreement is (len(set(given_levels)) > 1)
        for m in p.members:
            if m.level:
                assert f"{m.name} (" in p.record and "proposed" in p.record
