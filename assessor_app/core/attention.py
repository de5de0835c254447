"""What the caseload must flag: urgent Fast Track referrals and CHC dates due or overdue.

Pure over records and a date, so the caseload, the CLI and (later) reports agree. The 28-day
clock runs from the date the ICB received the referral (recorded on the DST), not from when a
laptop sent it; reviews fall due within 3 months of the decision, then every 12 months.
Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from assessor_app.core.records import PersonId, RecordStatus
from assessor_app.core.rules.chc import DUE_DATES_READS, dst_due_dates

__all__ = ["ATTENTION_ANSWERS", "ATTENTION_FORMS", "REVIEW_WARNING_DAYS", "attention"]

ATTENTION_FORMS = ("chc_dst", "chc_fast_track")
"""Forms whose records can need attention on the caseload."""

ATTENTION_ANSWERS = tuple(DUE_DATES_READS)
"""The only answers `attention` reads (the DST's dates), so the caseload reads just these
(`AssessmentRepository.watched_answers`, from an index kept for them) instead of every record.
"""


class Watched(Protocol):
    """What `attention` reads of a record: an `Assessment`, or just these parts of one."""

    @property
    def person_id(self) -> PersonId: ...  # noqa: D102

    @property
    def form_id(self) -> str: ...  # noqa: D102

    @property
    def status(self) -> RecordStatus: ...  # noqa: D102

    @property
    def answers(self) -> Mapping[str, Any]: ...  # noqa: D102


REVIEW_WARNING_DAYS = 28
"""How long before a review date the caseload starts showing it."""

_CLOSED = {RecordStatus.SYNCED, RecordStatus.ACKNOWLEDGED}


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _dst_item(record: Watched, today: dt.date) -> tuple[int, str] | None:
    due = dst_due_dates(record.answers)
    if "decision" in due:
        when = due["decision"]
        if today > when:
            return 0, f"CHC decision overdue (due {_day(when)})"
        return 2, f"CHC decision due {_day(when)}"
    for key, what in (("first_review", "First CHC review"), ("annual_review", "CHC review")):
        if key not in due:
            continue
        when = due[key]
        if key == "first_review" and today > when + dt.timedelta(days=REVIEW_WARNING_DAYS):
            continue  # assume the first review happened; the annual one is next
        if today > when:
            return 1, f"{what} overdue (due {_day(when)})"
        if (when - today).days <= REVIEW_WARNING_DAYS:
            return 2, f"{what} due {_day(when)}"
    return None


def attention(records: Iterable[Watched], today: dt.date) -> dict[PersonId, list[str]]:
    """Each person's alerts, most pressing first: urgent, then overdue, then due soon."""
    found: dict[PersonId, list[tuple[int, str]]] = {}
    for record in records:
        item: tuple[int, str] | None = None
        if record.form_id == "chc_fast_track" and record.status not in _CLOSED:
            item = (-1, "Fast Track: urgent")
        elif record.form_id == "chc_dst":
            item = _dst_item(record, today)
        if item is not None:
            found.setdefault(record.person_id, []).append(item)
    return {pid: [text for _, text in sorted(items)] for pid, items in found.items()}
