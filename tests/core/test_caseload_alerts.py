"""The caseload's alerts are read from an index of the few answers they need (schema 9), and
decide exactly what they decide from whole records."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assessor_app.core.attention import ATTENTION_ANSWERS, ATTENTION_FORMS, attention
from assessor_app.core.records import PersonId, RecordStatus
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.support import community_person

TODAY = dt.date(2026, 3, 1)
DST_ANSWERS: list[dict[str, Any]] = [
    {},
    {"icb_referral_received": "2026-01-31"},  # decision due
    {"icb_referral_received": "2026-01-01"},  # decision overdue
    {"icb_referral_received": "2026-01-01", "icb_decision_date": "2026-01-20"},
    {"icb_decision_date": "2025-12-10"},  # first review due soon
    {"icb_decision_date": "2024-11-20", "notes": "Annual review next."},
    {"icb_referral_received": None, "icb_decision_date": "2025-11-01"},  # an answer cleared
    {"icb_referral_received": "31/01/2026"},  # typed the other way round: no date read
    {"icb_referral_received": 20260131},  # not text at all
    {"icb_decision_date": {"day": 1}},
]


def fill(vault: Vault) -> AssessmentRepository:
    people = PeopleRepository(vault)
    records = AssessmentRepository(vault)
    for n, answers in enumerate(DST_ANSWERS):
        person = people.add(community_person(given_name=f"Person{n}", nhs_number=None))
        records.create(person.id, "chc_dst", 1, answers)
        if n % 3 == 0:
            records.create(person.id, "chc_fast_track", 1)
        if n % 3 == 1:
            sent = records.create(person.id, "chc_fast_track", 1)
            records.set_status(sent.id, RecordStatus.ACKNOWLEDGED)
        records.create(person.id, "sample", 2, {"icb_decision_date": "2026-01-01"})
    return records


def test_watched_answers_are_the_whole_records_answers(vault: Vault) -> None:
    records = fill(vault)
    whole = records.list_for_forms(ATTENTION_FORMS)
    watched = records.watched_answers(ATTENTION_FORMS, ATTENTION_ANSWERS)

    def parts(rows: list[Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
        return sorted(
            (
                r.person_id,
                r.form_id,
                r.status.value,
                {k: v for k, v in r.answers.items() if k in ATTENTION_ANSWERS},
            )
            for r in rows
        )

    assert len(watched) == len(whole) == 2 * len(DST_ANSWERS) - len(DST_ANSWERS) // 3
    assert parts(watched) == parts(whole)
    found = attention(watched, TODAY)
    assert found == attention(whole, TODAY)
    assert len(found) == 8  # the cases above do flag people, so the comparison means something


def test_alerts_follow_each_checkpoint(vault: Vault) -> None:
    person = PeopleRepository(vault).add(community_person())
    records = AssessmentRepository(vault)
    dst = records.create(person.id, "chc_dst", 1)
    watched = lambda: attention(records.watched_answers(ATTENTION_FORMS, ATTENTION_ANSWERS), TODAY)  # noqa: E731
    assert watched() == {}
    records.save_field(dst.id, "icb_referral_received", "2026-01-01")
    assert watched() == {}, "an autosave not yet checkpointed is not read (as before)"
    records.checkpoint(dst.id)
    assert watched() == {PersonId(person.id): ["CHC decision overdue (due 29 Jan 2026)"]}
    records.save_field(dst.id, "icb_decision_date", "2026-02-10")
    records.checkpoint(dst.id)
    assert watched() == {}


def test_the_alerts_query_reads_only_the_index(vault: Vault) -> None:
    records = fill(vault)
    seen: list[str] = []
    vault.conn.set_trace_callback(seen.append)
    try:
        records.watched_answers(ATTENTION_FORMS, ATTENTION_ANSWERS)
    finally:
        vault.conn.set_trace_callback(None)
    [query] = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    plan = " ".join(str(row) for row in vault.conn.execute(f"EXPLAIN QUERY PLAN {query}"))
    # If the answers `attention` reads change, a migration must change the index with them.
    assert "COVERING INDEX assessment_watch" in plan, plan


def test_ids_that_are_not_plain_are_refused(vault: Vault) -> None:
    records = AssessmentRepository(vault)
    with pytest.raises(ValueError, match="plain"):
        records.watched_answers(ATTENTION_FORMS, ["icb_decision_date') --"])
    assert records.watched_answers([], ATTENTION_ANSWERS) == []
