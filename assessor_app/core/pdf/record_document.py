"""Any form's record as a `Document`, ready to print.

The common parts come from the definition; the few sections whose content calls for their own
layout (the CHC domains, each MDT member's contribution) print as tables.

Only questions on show are printed, in form order. An optional question left empty is left
out; a required one left empty (drafts only) prints "Not yet answered". Outcomes print with
their reasons: the eligibility determination condition by condition, the Checklist outcome, the
charge line by line with the rates table named. Imports no Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from assessor_app.core.chc.levels import CHECKLIST_DOMAINS, DST_DOMAINS, LEVEL_LABELS
from assessor_app.core.form_engine.answer_text import NOT_ANSWERED, format_answer, format_date
from assessor_app.core.form_engine.answers import is_visible, visible_answers
from assessor_app.core.form_engine.evaluation import Evaluation
from assessor_app.core.form_engine.model import (
    FieldDef,
    FieldType,
    FormDefinition,
    Section,
    is_answered,
)
from assessor_app.core.form_engine.signatures import describe_signature, signer_phrase
from assessor_app.core.nhs_number import format_nhs_number
from assessor_app.core.pdf.branding import Branding
from assessor_app.core.pdf.document import (
    Block,
    Document,
    Heading,
    KeyValues,
    Note,
    OutcomeBox,
    Para,
    SignatureBlock,
    StampBox,
    TableBlock,
    Variant,
)
from assessor_app.core.records import Assessment, Person, RecordStatus

__all__ = ["format_answer", "person_line", "record_document", "record_footer", "record_reference"]

LONG_ANSWER = 160
"""Answers longer than this (characters) print full width under their question."""


def person_line(person: Person) -> str:
    """The identifiers printed on every page: name, date of birth, NHS number, ids."""
    d = person.details
    parts = [f"{d.given_name} {d.family_name}"]
    if d.date_of_birth:
        parts.append(f"Born {d.date_of_birth:%d/%m/%Y}")
    if d.nhs_number:
        parts.append(f"NHS number {format_nhs_number(d.nhs_number)}")
    if d.authority_person_id:
        parts.append(f"Our reference {d.authority_person_id}")
    if d.prison_number and d.setting.is_custody:
        parts.append(f"Prison number {d.prison_number}")
    return "  ·  ".join(parts)


def record_footer(record: Assessment) -> str:
    """The footer that ties a page to one revision of one record."""
    return (
        f"Record {record.id}  ·  revision {record.revision}\n"
        f"Content hash (SHA-256) {record.revision_hash or 'not yet saved'}"
    )


def record_reference(
    record: Assessment, *, heading: str = "About this document", told: str = ""
) -> list[Block]:
    """The footer's record id, revision and content hash as body text, for large type.

    Large print and easy read print nothing under 16 pt (`Document.large_type`), and the
    content hash does not fit a footer at that size, so these editions end with it instead.

    Args:
        record: The record the paper is written from.
        heading: The heading over it.
        told: For easy read, what the numbers are for, in plain words (one idea a line).
    """
    lines = record_footer(record).replace("  ·  ", ", ").splitlines()
    # One block under the heading, so the two are never parted at a page break.
    return [Heading(heading, level=2), Para("\n".join([*told.splitlines(), *lines]))]


# --- sections with their own layout -----------------------------------------------------------

SectionRenderer = Callable[[Section, Mapping[str, Any]], list[Block]]
_SECTION_RENDERERS: dict[str, SectionRenderer] = {}
"""Section layouts a form names in `layout:` (`form_engine.model.LAYOUTS`) -> renderer."""


def _checklist_domains(section: Section, shown: Mapping[str, Any]) -> list[Block]:
    del section
    rows = []
    for key, name in CHECKLIST_DOMAINS:
        level = shown.get(f"cl_{key}")
        evidence = shown.get(f"cl_{key}_evidence") or ""
        rows.append((name, str(level) if level else NOT_ANSWERED, str(evidence)))
    return [TableBlock(("Domain", "A, B or C", "Need and evidence"), tuple(rows), (3, 1.2, 6))]


_SECTION_RENDERERS["checklist_domains"] = _checklist_domains


def _level(value: Any) -> str:
    return LEVEL_LABELS.get(str(value), str(value)) if value else NOT_ANSWERED


def _dst_domain_table(shown: Mapping[str, Any]) -> Block:
    rows = tuple(
        (name, _level(shown.get(f"dst_{key}_level")), str(shown.get(f"dst_{key}_evidence") or ""))
        for key, name in DST_DOMAINS
    )
    return TableBlock(("Domain", "Level", "Evidence"), rows, (3, 1.3, 6))


def _contribution(item: Mapping[str, Any], field: FieldDef) -> list[Block]:
    by_id = {f.id: f for f in field.fields}
    who = str(item.get("contributor_name") or "Unnamed member")
    profession = format_answer(by_id["contributor_profession"], item.get("contributor_profession"))
    organisation = str(item.get("contributor_organisation") or "")
    when = format_date(item.get("contributed_on")) if item.get("contributed_on") else ""
    about = ", ".join(p for p in (profession, organisation) if p and p != NOT_ANSWERED)
    blocks: list[Block] = [
        Heading(f"Contribution from {who}" + (f" ({about})" if about else ""), level=2),
        Para(
            f"Made on {when}, revision {item.get('revision', '')}. Reference "
            f"{item.get('contribution_id', '')}. Attributed to its author and not edited."
        ),
    ]
    rows = tuple(
        (name, _level(item.get(f"m_{key}_level")), str(item.get(f"m_{key}_evidence") or ""))
        for key, name in DST_DOMAINS
        if item.get(f"m_{key}_level") or item.get(f"m_{key}_evidence")
    )
    if rows:
        blocks.append(TableBlock(("Domain", "Proposed level", "Evidence"), rows, (3, 1.3, 6)))
    else:
        blocks.append(Para("No domain levels proposed."))
    return blocks


# --- the generic layout -----------------------------------------------------------------------


def _signature_block(field: FieldDef, value: Any) -> Block:
    phrase = signer_phrase(field.signer, field.label)
    role = phrase[:1].upper() + phrase[1:]
    summary = describe_signature(value)
    if summary is None:
        return SignatureBlock(role=role, name=NOT_ANSWERED, date="")
    if summary.signed:
        typed = "Signed by typing their name" if summary.typed else ""
        detail = "; ".join(d for d in (summary.capacity_label, typed) if d)
        strokes = tuple(tuple((int(p[0]), int(p[1])) for p in s) for s in summary.strokes)
    else:
        reason = summary.unable_reason_label or "Unable to sign"
        detail = f"Unable to sign: {reason}" + (f" ({summary.detail})" if summary.detail else "")
        strokes = ()
    return SignatureBlock(
        role=role,
        name=summary.name or "",
        date=format_date(summary.signed_on.isoformat()) if summary.signed_on else "",
        strokes=strokes,
        detail=detail,
    )


def _group_blocks(field: FieldDef, items: Sequence[Any], outer: Mapping[str, Any]) -> list[Block]:
    subfields = [f for f in field.fields if f.type not in (FieldType.NOTICE,)]
    noun = field.item_label or "item"
    dicts = [i for i in items if isinstance(i, dict)]
    if not dicts:
        return []
    short = all(
        f.type not in (FieldType.LONG_TEXT, FieldType.REPEATING_GROUP, FieldType.SIGNATURE)
        for f in subfields
    )
    if short and len(subfields) <= 5:
        rows = tuple(
            tuple(
                format_answer(f, i.get(f.id))
                if is_answered(i.get(f.id)) or i.get(f.id) is False
                else ""
                for f in subfields
            )
            for i in dicts
        )
        return [TableBlock(tuple(f.label for f in subfields), rows)]
    blocks: list[Block] = []
    for n, item in enumerate(dicts, start=1):
        blocks.append(Heading(f"{noun[:1].upper()}{noun[1:]} {n}", level=2))
        merged = {**outer, **item}
        blocks.extend(_field_blocks(subfields, merged, item, required_missing=False))
    return blocks


def _field_blocks(
    fields: Sequence[FieldDef],
    context: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    required_missing: bool,
    evaluation: Evaluation | None = None,
) -> list[Block]:
    blocks: list[Block] = []
    pending: list[tuple[str, str]] = []

    def flush() -> None:
        if pending:
            blocks.append(KeyValues(tuple(pending)))
            pending.clear()

    for f in fields:
        if f.not_printed or not is_visible(f, context):
            continue
        value = values.get(f.id)
        if f.type is FieldType.NOTICE:
            flush()
            blocks.append(Note(f.help or f.label))
        elif f.type is FieldType.OUTCOME:
            outcome = evaluation.outcomes.get(f.id) if evaluation else None
            if outcome is None:
                continue
            flush()
            shown = outcome.label or ("" if outcome.value is None else str(outcome.value))
            blocks.append(OutcomeBox(f.label, shown or "Not worked out", tuple(outcome.reasons)))
        elif f.type is FieldType.SIGNATURE:
            if not is_answered(value) and not (f.required and required_missing):
                continue
            flush()
            blocks.append(_signature_block(f, value))
        elif f.type is FieldType.REPEATING_GROUP:
            items = value if isinstance(value, list) else []
            if not items:
                continue
            flush()
            blocks.append(Heading(f.label, level=2))
            if f.id == "contributions" and any(s.id == "m_breathing_level" for s in f.fields):
                for item in items:
                    if isinstance(item, dict):
                        blocks.extend(_contribution(item, f))
            else:
                blocks.extend(_group_blocks(f, items, context))
        else:
            answered = is_answered(value) or value is False
            if not answered and not (f.required and required_missing):
                continue
            text = format_answer(f, value)
            if f.type is FieldType.LONG_TEXT and len(text) > LONG_ANSWER:
                flush()
                blocks.append(Para(f.label, bold=True))
                blocks.append(Para(text))
            else:
                pending.append((f.label, text))
    flush()
    return blocks


def record_document(
    form: FormDefinition,
    record: Assessment,
    person: Person,
    evaluation: Evaluation,
    branding: Branding,
    *,
    variant: Variant = Variant.STANDARD,
) -> Document:
    """The whole record, section by section, ready for `build_pdf`.

    A draft or amendment in progress prints as DRAFT with no signature space; a completed
    record gets the space for its certificate signature stamp at the end.
    """
    draft = record.status in (RecordStatus.DRAFT, RecordStatus.AMENDED)
    shown = visible_answers(form, record.answers)
    status = "Draft" if draft else record.status.value.capitalize()
    when = f"{record.updated_at:%d/%m/%Y}" if record.updated_at else ""
    blocks: list[Block] = [
        KeyValues(
            (
                ("Status", f"{status}" + (f", {when}" if when else "")),
                ("Assessor", record.author),
                ("Form", f"{form.title} (version {form.version})"),
            )
        ),
    ]
    dst_table_done = False
    for section in form.sections:
        renderer = _SECTION_RENDERERS.get(section.layout or "")
        if renderer is not None:
            if any(is_visible(f, shown) for f in section.fields):
                blocks.append(Heading(section.title))
                blocks.extend(renderer(section, shown))
            continue
        body = _field_blocks(
            section.fields, shown, shown, required_missing=draft, evaluation=evaluation
        )
        if not body:
            continue
        if section.layout == "dst_domain" and not dst_table_done:
            blocks.append(Heading("Domain levels"))
            blocks.append(_dst_domain_table(shown))
            dst_table_done = True
        blocks.append(Heading(section.title))
        blocks.extend(body)
    if not draft:
        blocks.append(StampBox("Certificate signature (check it with any PDF reader)"))
    return Document(
        title=form.title,
        branding=branding,
        person_line=person_line(person),
        footer=record_footer(record),
        blocks=tuple(blocks),
        author=record.author,
        subject=f"{form.title} for {person.details.given_name} {person.details.family_name}",
        draft=draft,
        variant=variant,
        keywords=(form.id, f"v{form.version}", record.id),
        # Dated when this revision was saved, so re-printing it gives the same bytes.
        created=record.updated_at,
    )
