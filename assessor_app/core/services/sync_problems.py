"""Sync problems the assessor settles: records with another version, and changes held.

**Another version.** When another laptop of the same assessor (or a restored copy of this
one) carried a record on from the same point, the gateway keeps both (decision 0004) and the
sync client keeps the other one here (`storage.other_versions`). `records_with_other_versions`
lists them; `compare_versions` shows the two question by question, with the form's labels
and answers as the printed record reads them; `keep_mine` and `take_theirs` each write one
new revision through `history.append_revision` (so it is queued for sync) that names the
other version's newest revision in its body (`history.SUPERSEDES`). Nothing is lost either
way: taking theirs leaves mine in this laptop's history, and keeping mine leaves theirs at
the gateway and in the vault. A person's details fork as a record does (schema 21): they are
listed, compared detail by detail with the person page's labels, and settled the same way.

A finished (completed or signed) record may be settled too: the choice is a new revision,
and a signed PDF kept for an earlier revision stays with the revision it was signed for (it
names that revision and its hash), so it is never taken to vouch for answers it did not show.

**Held changes.** `held_changes` lists the revisions the gateway refused for good, with its
reason and whose they are; `try_again` queues one again once the problem is put right.
Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assessor_app.core.errors import AssessorError, NotFoundError, ValidationError
from assessor_app.core.form_engine.model import DISPLAY_ONLY, FieldDef, FieldType, FormDefinition
from assessor_app.core.person_details import detail_rows
from assessor_app.core.records import (
    Assessment,
    AssessmentId,
    Person,
    PersonDetails,
    PersonId,
    RecordStatus,
)
from assessor_app.core.services.session import Session
from assessor_app.core.storage import history, other_versions, outbox
from assessor_app.core.storage.people import details_from_body

__all__ = [
    "AnswerDifference",
    "Comparison",
    "ForkedRecord",
    "PERSON_DETAILS",
    "HeldChange",
    "VersionSide",
    "compare_versions",
    "held_changes",
    "keep_mine",
    "records_with_other_versions",
    "take_theirs",
    "try_again",
]


@dataclass(frozen=True)
class VersionSide:
    """One of the two versions: who saved it last, when, and its status."""

    author: str
    saved_at: dt.datetime
    status: RecordStatus | None
    """None for a person's details, which have no status."""
    revision_hash: str


@dataclass(frozen=True)
class ForkedRecord:
    """A record of which the gateway holds another version."""

    record_id: AssessmentId
    person_name: str
    form_title: str
    mine: VersionSide
    """This laptop's version, as it is now (autosaved answers included)."""
    theirs: VersionSide
    """The other version, as the gateway sent it."""
    signed_documents: int
    """Signed PDFs kept for this record on this laptop (each stays with its own revision)."""
    entity_type: str = "assessment"
    """'person' when it is a person's details that have two versions (`record_id` is then the
    person's id and `form_title` is `PERSON_DETAILS`)."""


@dataclass(frozen=True)
class AnswerDifference:
    """One question the two versions answer differently."""

    path: str
    """Where the answer is (``notes``, ``income_sources[1].income_amount``)."""
    question: str
    """The question as the form words it (a repeating group's item numbered from 1)."""
    mine: str
    theirs: str


@dataclass(frozen=True)
class Comparison:
    """The two versions of one record side by side."""

    record: ForkedRecord
    differences: tuple[AnswerDifference, ...]
    """Every question answered differently, in the form's order."""
    notes: tuple[str, ...]
    """Other differences and what a choice does, in words (status, form version, PDFs)."""


@dataclass(frozen=True)
class HeldChange:
    """A change the gateway refused for good, kept on the laptop with its reason."""

    revision_hash: str
    what: str
    """Whose it is, in words: "Record: Needs assessment for Zoë Quillfeather"."""
    entity_type: str
    entity_id: str
    revision: int
    reason: str
    """The gateway's reason, as it gave it."""


_NOT_ANSWERED = "Not yet answered"
PERSON_DETAILS = "Personal details"
"""What a person's details are called where a record's form title would be."""


def _person_name(session: Session, person_id: str) -> str:
    try:
        d = session.people.get(person_id).details
    except NotFoundError:
        return "someone no longer in this profile"
    return f"{d.given_name} {d.family_name}"


def _form(session: Session, form_id: str, version: int) -> FormDefinition | None:
    try:
        return session.forms.get(form_id, version)
    except AssessorError:
        return None


def _other(session: Session, record_id: str) -> other_versions.OtherVersion:
    found = other_versions.open_versions(session.vault.conn, record_id)
    if not found:
        raise ValidationError(
            f"Record {record_id} has no other version waiting for a choice.",
            "Sync again to fetch other versions; 'assessor-cli sync versions' lists them.",
        )
    return found[-1]


def _fork(session: Session, record_id: str) -> tuple[ForkedRecord, Assessment, Any]:
    theirs = _other(session, record_id)
    record = session.records.get(record_id)
    last = history.list_revisions(session.vault.conn, "assessment", record_id)[-1]
    form = _form(session, record.form_id, record.form_version)
    title = form.title if form else record.form_id
    forked = ForkedRecord(
        record.id,
        _person_name(session, record.person_id),
        title,
        VersionSide(last.author, last.created_at, record.status, last.hash),
        VersionSide(
            theirs.author,
            dt.datetime.fromisoformat(theirs.created_at),
            RecordStatus(str(theirs.body.get("status", "draft"))),
            theirs.revision_hash,
        ),
        len(session.documents.list_for_assessment(record_id)),
    )
    return forked, record, theirs


def _person_fork(
    session: Session, person_id: str
) -> tuple[ForkedRecord, PersonDetails, PersonDetails | None, other_versions.OtherVersion]:
    """The person's two versions: (fork, mine, theirs or None when they do not read)."""
    theirs = _other(session, person_id)
    mine = session.people.get(person_id)
    last = history.list_revisions(session.vault.conn, "person", person_id)[-1]
    try:
        their_details: PersonDetails | None = details_from_body(theirs.body)
    except ValidationError:
        their_details = None
    forked = ForkedRecord(
        AssessmentId(person_id),
        _person_name(session, person_id),
        PERSON_DETAILS,
        VersionSide(last.author, last.created_at, None, last.hash),
        VersionSide(
            theirs.author, dt.datetime.fromisoformat(theirs.created_at), None, theirs.revision_hash
        ),
        0,
        "person",
    )
    return forked, mine.details, their_details, theirs


def _is_person(session: Session, chain_id: str) -> bool:
    return _other(session, chain_id).entity_type == "person"


def records_with_other_versions(session: Session) -> list[ForkedRecord]:
    """Every record (and person's details) with another version waiting for a choice.

    In the order they were fetched.
    """
    return [
        _person_fork(session, i)[0] if kind == "person" else _fork(session, i)[0]
        for kind, i in other_versions.open_chains(session.vault.conn)
    ]


def _format(field: FieldDef | None, value: Any) -> str:
    if field is None:
        return _NOT_ANSWERED if value in (None, "", [], {}) else str(value)
    if field.type is FieldType.SIGNATURE:
        from assessor_app.core.form_engine.signatures import describe_signature

        summary = describe_signature(value)
        if summary is None:
            return _NOT_ANSWERED
        when = f" on {summary.signed_on:%d/%m/%Y}" if summary.signed_on else ""
        if summary.signed:
            return f"Signed by {summary.name or 'someone not named'}{when}"
        return f"Unable to sign: {summary.unable_reason_label or 'no reason given'}{when}"
    from assessor_app.core.pdf.record_document import format_answer

    return format_answer(field, value)


def _differences(
    form: FormDefinition | None, mine: Mapping[str, Any], theirs: Mapping[str, Any]
) -> list[AnswerDifference]:
    found: list[AnswerDifference] = []
    seen: set[str] = set()
    fields = [f for f in form.top_fields() if f.type not in DISPLAY_ONLY] if form else []
    for f in fields:
        seen.add(f.id)
        a, b = mine.get(f.id), theirs.get(f.id)
        if a == b:
            continue
        if f.type is FieldType.REPEATING_GROUP:
            items_a = a if isinstance(a, list) else []
            items_b = b if isinstance(b, list) else []
            name = f.item_label or f.label
            for i in range(max(len(items_a), len(items_b))):
                item_a = items_a[i] if i < len(items_a) and isinstance(items_a[i], dict) else {}
                item_b = items_b[i] if i < len(items_b) and isinstance(items_b[i], dict) else {}
                for nested in f.fields:
                    if nested.type in DISPLAY_ONLY:
                        continue
                    va, vb = item_a.get(nested.id), item_b.get(nested.id)
                    if va != vb:
                        found.append(
                            AnswerDifference(
                                f"{f.id}[{i}].{nested.id}",
                                f"{name[:1].upper()}{name[1:]} {i + 1}: {nested.label}",
                                _format(nested, va),
                                _format(nested, vb),
                            )
                        )
            continue
        found.append(AnswerDifference(f.id, f.label, _format(f, a), _format(f, b)))
    # Answers the form does not ask (an older or newer form version): shown by their ids.
    for key in sorted((set(mine) | set(theirs)) - seen):
        if mine.get(key) != theirs.get(key):
            found.append(
                AnswerDifference(
                    key, key, _format(None, mine.get(key)), _format(None, theirs.get(key))
                )
            )
    return found


def compare_versions(session: Session, record_id: str) -> Comparison:
    """The record's two versions side by side: every answer that differs, and what else does.

    Raises:
        ValidationError: The record has no other version waiting.
        NotFoundError: There is no such record here.
    """
    if _is_person(session, record_id):
        return _compare_people(session, record_id)
    forked, record, theirs = _fork(session, record_id)
    their_answers = theirs.body.get("answers")
    their_answers = their_answers if isinstance(their_answers, dict) else {}
    form = _form(session, record.form_id, record.form_version)
    differences = _differences(form, record.answers, their_answers)
    notes = []
    their_status = forked.theirs.status
    if their_status is not None and record.status is not their_status:
        notes.append(
            f"This laptop's version is {record.status.value}; the other is "
            f"{their_status.value}. The version you choose keeps its own status."
        )
    their_version = theirs.body.get("form_version")
    if their_version != record.form_version:
        notes.append(
            f"This laptop's version uses form version {record.form_version}; the other uses "
            f"version {their_version}."
        )
    if forked.signed_documents:
        notes.append(
            "A signed PDF of this record is kept on this laptop. It stays with the revision it "
            "was signed for, whichever you choose; sign again if the answers you keep differ."
        )
    if not differences and not notes:
        notes.append("The two versions have the same answers: choose either.")
    return Comparison(forked, tuple(differences), tuple(notes))


def _compare_people(session: Session, person_id: str) -> Comparison:
    forked, mine, theirs, _ = _person_fork(session, person_id)
    if theirs is None:
        return Comparison(
            forked,
            (),
            (
                "The other version's details cannot be read by this app (a newer app wrote "
                "them?): keep this laptop's, or update the app and choose again.",
            ),
        )
    ours, other = detail_rows(mine, blanks=True), dict(detail_rows(theirs, blanks=True))
    differences = tuple(
        AnswerDifference(label, label, value or _NOT_GIVEN, other[label] or _NOT_GIVEN)
        for label, value in ours
        if value != other[label]
    )
    notes = () if differences else ("The two versions have the same details: choose either.",)
    return Comparison(forked, differences, notes)


_NOT_GIVEN = "Not given"


def _choose_person(session: Session, person_id: str, theirs_wins: bool) -> Person:
    _, mine, theirs, other = _person_fork(session, person_id)
    if theirs_wins and theirs is None:
        raise ValidationError(
            "The other version's details cannot be read by this app, so they cannot be taken.",
            "Nothing was changed. Keep this laptop's version, or update the app and choose again.",
        )
    chosen = theirs if theirs_wins and theirs is not None else mine
    action = "person.take_other_version" if theirs_wins else "person.keep_own_version"
    return session.people.settle_fork(PersonId(person_id), chosen, other.revision_hash, action)


def _choose(session: Session, record_id: str, theirs_wins: bool) -> Assessment | Person:
    if _is_person(session, record_id):
        return _choose_person(session, record_id, theirs_wins)
    theirs = _other(session, record_id)
    record = session.records.get(record_id)
    if theirs.body.get("person_id") != record.person_id:
        raise ValidationError(
            "The other version is about another person, so it cannot be taken.",
            "Nothing was changed. Tell IT.",
        )
    if theirs_wins:
        answers = theirs.body.get("answers")
        try:
            version = int(theirs.body["form_version"])
            chosen = {
                "form_version": version,
                "status": RecordStatus(str(theirs.body["status"])).value,
                "answers": dict(answers) if isinstance(answers, dict) else {},
            }
        except (KeyError, TypeError, ValueError) as e:
            raise ValidationError(
                "The other version cannot be read as a record, so it cannot be taken.",
                "Nothing was changed. Keep this laptop's version, or tell IT.",
            ) from e
        if _form(session, record.form_id, version) is None:
            raise ValidationError(
                f"The other version uses form version {version}, which this app does not have.",
                "Nothing was changed. Install the latest forms, then choose again.",
            )
        action = "assessment.take_other_version"
    else:
        chosen = {
            "form_version": record.form_version,
            "status": record.status.value,
            "answers": record.answers,
        }
        action = "assessment.keep_own_version"
    return session.records.settle_fork(record_id, chosen, theirs.revision_hash, action)


def keep_mine(session: Session, record_id: str) -> Assessment | Person:
    """Keep this laptop's version: a new revision of it, naming the other as superseded.

    `record_id` may be a person's id (their details have two versions): a Person is returned.

    Raises:
        ValidationError: The record has no other version waiting.
    """
    return _choose(session, record_id, theirs_wins=False)


def take_theirs(session: Session, record_id: str) -> Assessment | Person:
    """Use the other version: a new revision with its answers, naming it as superseded.

    This laptop's version stays in the record's history (the revisions before the new one).

    Raises:
        ValidationError: The record has no other version waiting, or it cannot be taken
            (another person, a form version this app lacks); nothing was changed then.
    """
    return _choose(session, record_id, theirs_wins=True)


def _what(session: Session, item: outbox.OutboxItem) -> str:
    if item.entity_type == "person":
        return f"Person: details of {_person_name(session, item.entity_id)}"
    try:
        record = session.records.get(item.entity_id)
    except NotFoundError:
        return f"Record {item.entity_id}"
    form = _form(session, record.form_id, record.form_version)
    title = form.title if form else record.form_id
    return f"Record: {title} for {_person_name(session, record.person_id)}"


def held_changes(session: Session) -> list[HeldChange]:
    """The changes the gateway refused for good, oldest first, with its reasons."""
    return [
        HeldChange(
            i.revision_hash,
            _what(session, i),
            i.entity_type,
            i.entity_id,
            i.seq,
            i.reason,
        )
        for i in outbox.items(session.vault.conn, outbox.OutboxState.QUARANTINED)
    ]


def try_again(session: Session, revision_hash: str) -> bool:
    """Queue a held change again (its problem put right); False if it is no longer held."""
    with session.vault.transaction() as conn:
        return outbox.retry_quarantined(conn, revision_hash)
