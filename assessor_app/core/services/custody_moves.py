"""What a change of a person's custody details does to their care and support plans.

A draft plan follows it: each answer the plan carried from the person's custody details (the
setting, the establishment, the conviction status; the form's ``prefill: person.*``) takes the
new value, unless the assessor had changed it, which is kept and named for them to check. A
completed plan is left as it was agreed, and a move into, out of or between establishments is
a reason for its unplanned review (REQUIREMENTS CU-28; `reviews.custody_review_reason`).
`follow_custody_move` does both in one step and says what it did. Imports no Qt.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from assessor_app.core.form_engine.answer_text import NOT_ANSWERED, format_answer
from assessor_app.core.form_engine.definition import FormDefinition
from assessor_app.core.form_engine.prefill import prefill_answers
from assessor_app.core.records import Assessment, PersonDetails, PersonId, custody_move_prompt
from assessor_app.core.services.care_plans import PLAN_FORM, record_title
from assessor_app.core.services.records import EDITABLE
from assessor_app.core.services.reviews import custody_review_reason, plan_to_review
from assessor_app.core.services.session import Session

__all__ = [
    "CUSTODY_SOURCES",
    "AnswerFollowed",
    "CustodyMoveFollowUp",
    "PlanFollowed",
    "follow_custody_move",
]

CUSTODY_SOURCES = frozenset(
    {
        "person.setting",
        "person.establishment_name",
        "person.conviction_status",
        "person.expected_release_date",
        "person.prison_number",
    }
)
"""The prefill sources that are the person's custody details, which a draft plan follows."""


@dataclass(frozen=True)
class AnswerFollowed:
    """One answer of a draft plan that the person's new custody details bear on."""

    question: str
    """The question's label, e.g. "Name of the establishment"."""

    before: str
    """What the plan said, as a person reads it."""

    after: str
    """What the person's details now say, as a person reads it ("Not yet answered" if empty)."""

    cleared: bool
    """Whether the new details leave it empty (on release, the establishment)."""

    def line(self, *, kept: bool) -> str:
        """The answer in one line, for the message (`kept`: the assessor's own answer)."""
        if kept:
            return f"{self.question}: kept as {self.before} (their details now say {self.after})"
        if self.cleared:
            return f"{self.question}: cleared (was {self.before})"
        if self.before == NOT_ANSWERED:
            return f"{self.question}: now {self.after}"
        return f"{self.question}: now {self.after} (was {self.before})"


@dataclass(frozen=True)
class PlanFollowed:
    """A draft plan the custody details bear on, and what happened to its answers."""

    plan: Assessment
    """The plan as it is now (after the answers that followed were saved)."""

    title: str
    """The plan as a person names it (`care_plans.record_title`)."""

    followed: tuple[AnswerFollowed, ...]
    """The answers carried from the old details, now saved with the new ones."""

    kept: tuple[AnswerFollowed, ...]
    """The answers the assessor had given themselves, kept as they were, to check."""


@dataclass(frozen=True)
class CustodyMoveFollowUp:
    """What `follow_custody_move` did, and what the user should be told and offered."""

    prompt: str | None
    """The move as `records.custody_move_prompt` words it, or None when it is no move."""

    review_reason: str | None
    """The unplanned-review reason the move is (e.g. ``"custody_release"``), or None."""

    plan_to_review: Assessment | None
    """The completed plan to offer the unplanned review of, when the move calls for one."""

    drafts: tuple[PlanFollowed, ...]
    """Each draft plan whose answers followed the new details or kept the assessor's own."""

    def message(self) -> str:
        """Everything to tell the user, in plain words; empty when there is nothing to say."""
        parts = [self.prompt] if self.prompt else []
        for draft in self.drafts:
            if draft.followed:
                lines = "\n".join(f"• {a.line(kept=False)}" for a in draft.followed)
                parts.append(
                    f"Their draft plan ({draft.title}) now follows their details:\n{lines}"
                )
            if draft.kept:
                lines = "\n".join(f"• {a.line(kept=True)}" for a in draft.kept)
                parts.append(
                    f"In the draft plan ({draft.title}) you had written these yourself, so they "
                    f"are kept; check them with the person:\n{lines}"
                )
        return "\n\n".join(parts)


def follow_custody_move(
    session: Session, person_id: PersonId, before: PersonDetails
) -> CustodyMoveFollowUp:
    """Bring the person's draft plans in step with their saved details; what to tell the user.

    Call it once the new details are saved. An answer a draft carried from the old details
    (the same as they would prefill it) takes the new value, or is cleared when the new
    details leave it empty; one the assessor changed is kept and listed to check. A completed
    plan is never changed: on a move into, out of or between establishments it is the one to
    offer an unplanned review of.

    Args:
        session: The unlocked profile.
        person_id: Whose details were saved.
        before: Their details as they were before the save.

    Raises:
        NotFoundError: No such person.
    """
    person = session.people.get(person_id)
    reason = custody_review_reason(before, person.details)
    old_person = dataclasses.replace(person, details=before)
    drafts: list[PlanFollowed] = []
    for listed in session.records.list_for_person(person_id):
        if listed.form_id != PLAN_FORM or listed.status not in EDITABLE:
            continue
        plan = session.records.get(listed.id)
        form = session.forms.get(plan.form_id, plan.form_version)
        was = prefill_answers(form, old_person, today=session.today())
        now = prefill_answers(form, person, today=session.today())
        followed, kept = _follow(session, plan, form, was, now)
        if followed or kept:
            fresh = session.records.get(plan.id) if followed else plan
            drafts.append(PlanFollowed(fresh, record_title(session, fresh), followed, kept))
    return CustodyMoveFollowUp(
        prompt=custody_move_prompt(before, person.details),
        review_reason=reason,
        plan_to_review=plan_to_review(session, person_id) if reason else None,
        drafts=tuple(drafts),
    )


def _follow(
    session: Session,
    plan: Assessment,
    form: FormDefinition,
    was: dict[str, Any],
    now: dict[str, Any],
) -> tuple[tuple[AnswerFollowed, ...], tuple[AnswerFollowed, ...]]:
    """Save the answers of `plan` that followed (see `follow_custody_move`); both lists."""
    followed: list[AnswerFollowed] = []
    kept: list[AnswerFollowed] = []
    for field in form.top_fields():
        if field.prefill not in CUSTODY_SOURCES:
            continue
        old, new, answer = was.get(field.id), now.get(field.id), plan.answers.get(field.id)
        if old == new or answer == new:
            continue
        seen = AnswerFollowed(
            field.label, format_answer(field, answer), format_answer(field, new), new is None
        )
        if answer not in (old, None, ""):
            kept.append(seen)
            continue
        session.records.save_field(plan.id, field.id, new)
        followed.append(seen)
    return tuple(followed), tuple(kept)
