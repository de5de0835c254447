"""Starting, opening and completing records: the form-aware steps above the repositories.

`start_record` asks the form's start check whether it applies to the person at all, then
starts the draft with the answers carried over from the person's details. `complete_record`
refuses to complete while answers are missing or the form's completion checks find a blocker,
so the CLI, the desktop app and (later) sync all refuse in the same words.

Opening a record for editing finds the right form definition, with older drafts moved forward.

A draft started on an older version of a form is never stranded. If the installed definitions
carry a migration chain from its version, its answers are migrated (a pure data step) and saved
as a new revision on the newer version; otherwise it opens on its own version, which stays
installed and editable. Finished records are never migrated: they are shown as they were.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from assessor_app.core import rules
from assessor_app.core.errors import NotFoundError, ValidationError
from assessor_app.core.form_engine.answers import Problem
from assessor_app.core.form_engine.definition import FormDefinition
from assessor_app.core.form_engine.evaluation import Evaluation, evaluate
from assessor_app.core.form_engine.migration import migrate_answers
from assessor_app.core.form_engine.model import FieldType
from assessor_app.core.form_engine.prefill import prefill_answers
from assessor_app.core.nhs_number import format_nhs_number
from assessor_app.core.records import Assessment, AssessmentId, Person, PersonId, RecordStatus
from assessor_app.core.services.session import Session
from assessor_app.core.storage import history

EDITABLE = frozenset({RecordStatus.DRAFT, RecordStatus.AMENDED})


@dataclass(frozen=True)
class OpenRecord:
    """A record ready for the editor."""

    record: Assessment
    """The record at its latest state (with any unfolded autosaves applied)."""
    form: FormDefinition
    """The definition its answers belong to."""
    migrated_from: int | None
    """The version it was moved on from, when opening it migrated it; else None."""
    person: Person
    """Who the record is about, shown on every screen of it so nobody edits the wrong one."""

    @property
    def who(self) -> str:
        """One line naming the person: name, date of birth, NHS number, setting, prison number."""
        d = self.person.details
        parts = [f"{d.given_name} {d.family_name}"]
        if d.date_of_birth:
            parts.append(f"born {d.date_of_birth:%d/%m/%Y}")
        parts.append(f"NHS {format_nhs_number(d.nhs_number)}" if d.nhs_number else "no NHS number")
        place = d.setting.label + (f": {d.establishment_name}" if d.establishment_name else "")
        parts.append(place)
        if d.prison_number:
            parts.append(f"prison no. {d.prison_number}")
        return " · ".join(parts)

    @property
    def editable(self) -> bool:
        """True for drafts and amendments."""
        return self.record.status in EDITABLE


def open_for_editing(session: Session, assessment_id: AssessmentId) -> OpenRecord:
    """Load a record and its form, migrating an editable record to the newest reachable version.

    Raises:
        NotFoundError: no such record, or its form version is not installed and no migration
            leads anywhere (the message says which definition to install).
    """
    records, registry = session.records, session.forms
    record = records.get(assessment_id)
    old_version = record.form_version
    migrated_from = None
    if record.status in EDITABLE:
        version, answers = migrate_answers(registry, record.form_id, old_version, record.answers)
        if version != old_version:
            record = records.change_form_version(record.id, version, answers)
            migrated_from = old_version
        record = _carry_over(session, record)
    try:
        form = registry.get(record.form_id, record.form_version)
    except NotFoundError as e:
        raise NotFoundError(
            f"This record uses form '{record.form_id}' version {record.form_version}, "
            "which is not installed.",
            "Install that form definition (ask your forms team); the record is safe meanwhile.",
        ) from e
    person = session.people.get(record.person_id)
    # Who looked at which record, and when: reviews and complaints ask about access, not
    # only changes. Ids only, like every audit entry.
    with records.vault.transaction() as conn:
        history.append_audit(
            conn, records.vault.profile.id, "assessment.view", "assessment", record.id
        )
    return OpenRecord(record, form, migrated_from, person)


@dataclass(frozen=True)
class FormOffer:
    """A form as offered to start for one person: available, or refused with the reason."""

    form: FormDefinition
    """The latest installed version of the form."""
    refusal: rules.Refusal | None = None
    """Why the form's start check refuses this person (and what instead), or None."""


def start_refusal(form: FormDefinition, person: Person, today: dt.date) -> rules.Refusal | None:
    """Why `form` cannot be started for `person` today (its start check), or None."""
    if form.start_check is None:
        return None
    return rules.get_start_check(form.start_check)(rules.StartContext(person.details, today))


def forms_to_offer(
    session: Session, person: Person, *, developer_forms: bool = False
) -> list[FormOffer]:
    """The forms to offer for a record about `person`, usual ones first, refused ones last.

    The order is each form's `order`; a form whose start check refuses the person comes after
    the rest, with the refusal (why, and what instead). Forms marked `developers_only` (the
    sample) are left out unless `developer_forms`.
    """
    offers = [
        FormOffer(form, start_refusal(form, person, session.today()))
        for form in session.forms.usual_order()
        if developer_forms or not form.developers_only
    ]
    return [o for o in offers if o.refusal is None] + [o for o in offers if o.refusal is not None]


def check_can_start(session: Session, form: FormDefinition, person_id: PersonId) -> Person:
    """The person, once the form's start check agrees the form applies to them.

    Raises:
        NotFoundError: No such person.
        ValidationError: The start check refuses (the message says why, and what instead).
    """
    person = session.people.get(person_id)
    refusal = start_refusal(form, person, session.today())
    if refusal is not None:
        raise ValidationError(refusal.message, refusal.next_step)
    return person


def start_record(
    session: Session,
    form: FormDefinition,
    person_id: PersonId,
    *,
    cared_for_id: PersonId | None = None,
    from_record: AssessmentId | None = None,
) -> Assessment:
    """Start a draft of `form` about a person, prefilled from their details.

    A care and support plan is made from a completed needs assessment of the person, a
    carer's support plan from a completed carer's assessment of the carer: the one named by
    `from_record`, else their latest (see `care_plans.start_plan`). A review starts
    from the plan named (of either kind), else their latest completed plan
    (`reviews.start_review`). A needs assessment or carer's assessment started from a previous
    one is a reassessment (`reviews.start_reassessment`).

    Args:
        session: The unlocked profile (its clock dates the start).
        form: The form version to start (normally the latest installed).
        person_id: Who the record is about (for a carer's assessment, the carer).
        cared_for_id: For a carer's assessment, the person cared for, if on the caseload.
        from_record: For a care and support plan, the needs assessment it is made from (for
            a carer's support plan, the carer's assessment); for a review, the plan it
            reviews; for a needs assessment or a carer's assessment, the one it follows.

    Raises:
        NotFoundError: No such person (or person cared for, or record to start from).
        ValidationError: The form's start check refuses this person (the message says why and
            what to do instead), the person cared for is the carer themselves, or a plan has
            no completed needs assessment of this person with eligible needs to start from.
    """
    person = check_can_start(session, form, person_id)
    from assessor_app.core.services import care_plans, reviews  # they import this module

    kind = care_plans.PLAN_KINDS.get(form.id)
    if kind is not None:
        return care_plans.start_plan_for(session, person_id, from_record, kind)
    if form.id == reviews.REVIEW_FORM:
        return reviews.start_review_for(session, person_id, from_record)
    if form.id in reviews.REASSESSED and from_record is not None:
        what = reviews.REASSESSED[form.id].removeprefix("a ")
        if session.records.get(from_record).person_id != person_id:
            raise ValidationError(
                f"That {what} is about someone else.",
                f"Choose a {what} of the person being reassessed.",
            )
        return reviews.start_reassessment(session, from_record, form.id)
    if from_record is not None:
        raise ValidationError(
            "Only a care and support plan, a review or a needs assessment (a reassessment), "
            "or a carer's support plan or carer's assessment, "
            f"starts from another record, not a {form.title}.",
            "Leave out the record to start from, or choose one of those forms.",
        )
    cared_for = None
    if cared_for_id is not None:
        if cared_for_id == person_id:
            raise ValidationError(
                "A carer cannot be recorded as caring for themselves.",
                "Choose the person they care for, or leave it empty.",
            )
        cared_for = session.people.get(cared_for_id)
    answers = prefill_answers(form, person, cared_for=cared_for, today=session.today())
    return session.records.create(person_id, form.id, form.version, answers)


def completion_problems(session: Session, record: Assessment) -> list[Problem]:
    """Everything stopping `record` being completed: blockers first, then answer problems."""
    return evaluate_record(session, record).completion_problems()


def evaluate_record(session: Session, record: Assessment) -> Evaluation:
    """The record's problems and worked-out outcomes, on its own form version, as of today."""
    form = session.forms.get(record.form_id, record.form_version)
    return evaluate(form, record.answers, today=session.today(), rates=session.rates)


def complete_record(session: Session, assessment_id: AssessmentId) -> Assessment:
    """Mark a draft as completed, after checking it the same way the editor does.

    Raises:
        ValidationError: A required answer is missing, an answer is invalid, or a completion
            check finds a blocker; the message gives the first and how many there are.
        NotFoundError: No such record, or its form is not installed.
    """
    records = session.records
    record = records.checkpoint(assessment_id)
    if record.status not in EDITABLE:
        raise ValidationError(
            f"This record is {record.status.value}, so it cannot be completed again.",
            "Open it to read it; to change it, amend it.",
        )
    record = _carry_over(session, record)
    form = session.forms.get(record.form_id, record.form_version)
    evaluation = evaluate_record(session, record)
    problems = evaluation.completion_problems()
    if problems:
        more = len(problems) - 1
        also = f" ({more} more thing{'s' if more != 1 else ''} to put right.)" if more else ""
        error = ValidationError(
            f"Not ready to complete: {problems[0].path}: {problems[0].message}{also}",
            "The record is still a draft and nothing was lost. Put these right, then try again.",
        )
        error.problems = [f"{p.path}: {p.message}" for p in problems]  # type: ignore[attr-defined]
        raise error
    # One transaction: the answers kept on completing (the rates table used) and the status
    # change commit together, so a failure between them leaves a draft, never a half-kept one.
    with records.vault.transaction():
        for answer_id, outcome_id in form.record_on_complete:
            kept = evaluation.outcomes[outcome_id].value
            if kept is not None and record.answers.get(answer_id) != str(kept):
                records.save_field(assessment_id, answer_id, str(kept))
        return records.set_status(assessment_id, RecordStatus.COMPLETED)


def _carry_over(session: Session, record: Assessment) -> Assessment:
    """A draft with what it carries from other records filled in again (a plan's needs).

    Only the two kinds of plan carry anything today (`care_plans.refresh_plan`); every other
    record comes back as it is.
    """
    from assessor_app.core.services import care_plans  # it imports this module

    return care_plans.refresh_plan(session, record)


def amend_record(session: Session, assessment_id: AssessmentId) -> Assessment:
    """Open a finalised record for amendment: a new revision; its signed PDFs stay as they are.

    Every signature is cleared in the amendment: a person's signature belongs to what they saw,
    so the amended record is signed again before it is finalised. The old signatures stay in
    the earlier revisions and in the PDFs signed from them.

    Raises:
        ValidationError: The record is already a draft or an amendment.
    """
    records = session.records
    record = records.get(assessment_id)
    if record.status in EDITABLE:
        raise ValidationError(
            f"This record is already {record.status.value}: it can be edited as it is.",
            "Make your changes, then finalise it.",
        )
    form = session.forms.get(record.form_id, record.form_version)
    signed = [
        f.id
        for f in form.top_fields()
        if f.type is FieldType.SIGNATURE and record.answers.get(f.id) is not None
    ]
    # One transaction: a crash or a failed save part way leaves the record finalised as it
    # was, never amended with some of the old signatures still on it.
    with records.vault.transaction():
        amended = records.set_status(assessment_id, RecordStatus.AMENDED)
        for field_id in signed:
            records.save_field(assessment_id, field_id, None)
        return records.checkpoint(assessment_id) if signed else amended
