"""Caseload alerts: an urgent Fast Track, and CHC decisions and reviews due or overdue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assessor_app.core.attention import attention
from assessor_app.core.records import Assessment, AssessmentId, PersonId, RecordStatus


def record(
    form_id: str,
    answers: dict[str, Any],
    status: RecordStatus = RecordStatus.DRAFT,
    person: str = "p1",
) -> Assessment:
    return Assessment(
        AssessmentId("a" + form_id), PersonId(person), form_id, 1, status, "Robin Testcase", answers
    )


@pytest.mark.parametrize(
    ("answers", "today", "expected"),
    [
        ({}, "2026-02-01", []),
        ({"icb_referral_received": "2026-01-31"}, "2026-02-27", ["CHC decision due 28 Feb 2026"]),
        ({"icb_referral_received": "2026-01-31"}, "2026-02-28", ["CHC decision due 28 Feb 2026"]),
        (
            {"icb_referral_received": "2026-01-31"},
            "2026-03-01",
            ["CHC decision overdue (due 28 Feb 2026)"],
        ),
        (
            {"icb_referral_received": "2026-01-31", "icb_decision_date": "2026-02-20"},
            "2026-03-01",
            [],
        ),
        ({"icb_decision_date": "2026-02-20"}, "2026-04-21", []),
        ({"icb_decision_date": "2026-02-20"}, "2026-04-22", ["First CHC review due 20 May 2026"]),
        (
            {"icb_decision_date": "2026-02-20"},
            "2026-05-21",
            ["First CHC review overdue (due 20 May 2026)"],
        ),
        ({"icb_decision_date": "2026-02-20"}, "2027-04-22", ["CHC review due 20 May 2027"]),
    ],
    ids=[
        "no-dates",
        "decision-due",
        "decision-due-day-28",
        "decision-overdue-day-29",
        "decided",
        "review-far-off",
        "review-due-soon",
        "review-overdue",
        "annual-review",
    ],
)
def test_dst_dates(answers: dict[str, Any], today: str, expected: list[str]) -> None:
    found = attention([record("chc_dst", answers)], dt.date.fromisoformat(today))
    assert found.get(PersonId("p1"), []) == expected


def test_fast_track_is_urgent_until_sent_and_comes_first() -> None:
    today = dt.date(2026, 3, 1)
    records = [
        record("chc_dst", {"icb_referral_received": "2026-01-01"}),
        record("chc_fast_track", {}),
    ]
    assert attention(records, today)[PersonId("p1")] == [
        "Fast Track: urgent",
        "CHC decision overdue (due 29 Jan 2026)",
    ]
    sent = record("chc_fast_track", {}, RecordStatus.ACKNOWLEDGED)
    assert attention([sent], today) == {}
