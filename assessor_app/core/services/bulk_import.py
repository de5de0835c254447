"""Seeding a caseload from the authority: many people and their records from one file.

The file (format ``assessor.caseload/1``, described in docs/cli.md) is JSON Lines, which the
authority's IT can write a line at a time from any system: a first line
``{"format": "assessor.caseload/1"}``, then one person a line::

    {"person": {"given_name": "Zoë", "family_name": "Nguyễn", "date_of_birth": "1950-03-01",
                "nhs_number": "9990001235", "authority_person_id": "LA100001", ...},
     "records": [{"form_id": "needs_assessment", "form_version": 1, "status": "completed",
                  "answers": {...}, "earlier": [{"status": "draft", "answers": {...}}]}]}

Person details are the fields of `records.PersonDetails` (dates as YYYY-MM-DD), optionally
with an ``id``. A record names its form and version (the newest installed when left out),
its status (``draft``, ``completed`` or ``amended``; draft when left out) and its answers; its
``earlier`` states, oldest first, are kept as revisions before the current one (the history
the authority's system holds). Each line is checked as the one-at-a-time paths check:

- the JSON itself (`untrusted`: depth, valid Unicode);
- the person through `storage.people.details_from_body` and `validate_person_details`, as
  Add person and `record import` do, and not already here (by id or the authority's person
  id) nor twice in the file;
- each record's form and answers as `record import` checks them: a draft's answers must fit
  the form, a completed record must be complete (every required answer, every signature);
  an earlier state must be a draft, completed or amended record whose answers name only the
  form's questions.

The form checks are most of the work; for a large file they run in worker processes while
this one reads, hashes and writes (`import_caseload_file`), with the same results.

All or nothing: every line is written in one transaction, and a file with any bad line is
refused whole, after reading to the end (up to `MAX_PROBLEMS`), with every problem by line
number and field. A seed is a one-off of a whole caseload, and half of one is worse than
none: IT corrects the file and runs it again, which is safe only if the first run wrote
nothing (the duplicate checks would otherwise refuse the half already in).

Sync: the imported revisions are queued for the authority's gateway like any other (the
revision hook runs for them). They were not sent from the authority as revisions: the
gateway has never seen these hashes, and it accepts a revision only once it holds the one
before (`sync/gateway/store.py`), so not queuing them would leave every later change to a
seeded person or record waiting at the gateway for ever. The first sync after a seed sends
them all (at the sync benchmark's rates, docs/benchmarks.md, 20 to 45 s for 200,000).
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import datetime as dt
import itertools
import json
import multiprocessing
import os
import re
import secrets
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assessor_app.core.errors import AssessorError, NotFoundError, ValidationError
from assessor_app.core.form_engine.answers import validate_answers
from assessor_app.core.form_engine.definition import FormDefinition, FormRegistry
from assessor_app.core.hardening import harden_process
from assessor_app.core.records import (
    Assessment,
    AssessmentId,
    PersonDetails,
    PersonId,
    RecordStatus,
)
from assessor_app.core.services.session import Session
from assessor_app.core.storage import history
from assessor_app.core.storage.bulk import BulkWriter
from assessor_app.core.storage.people import details_from_body, validate_person_details
from assessor_app.core.untrusted import MAX_DEPTH, UntrustedJsonError, load_untrusted_json

__all__ = [
    "CASELOAD_FORMAT",
    "MAX_PROBLEMS",
    "CaseloadFileError",
    "CaseloadImported",
    "import_caseload",
    "import_caseload_file",
]

CASELOAD_FORMAT = "assessor.caseload/1"
"""What the first line of a caseload file names."""

MAX_PROBLEMS = 100
"""Reading stops after this many problems (the file is refused either way)."""

PARALLEL_BYTES = 20 * 2**20
"""From this size on, a file's answers are checked in other processes (when there are cores)."""
MAX_WORKERS = 3
"""At most this many of them."""

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""A person's or record's id, as record files take them."""
_STATUSES = {s.value: s for s in (RecordStatus.DRAFT, RecordStatus.COMPLETED, RecordStatus.AMENDED)}
_EDITABLE = (RecordStatus.DRAFT, RecordStatus.AMENDED)
_LINE_KEYS = ("person", "records")
_RECORD_KEYS = ("id", "form_id", "form_version", "status", "author", "answers", "earlier")
_NOTHING = "Nothing was imported."


@dataclass(frozen=True)
class CaseloadImported:
    """What a caseload import wrote."""

    people: int
    records: int
    revisions: int
    """Every revision written: one per person, and one per record state."""


class CaseloadFileError(ValidationError):
    """The file was refused; `problems` lists each one as "line N, where: what to do"."""

    def __init__(self, problems: list[str], *, stopped: bool = False):
        more = f" (reading stopped after {len(problems)})" if stopped else ""
        lines = "1 line has a problem" if len(problems) == 1 else f"{len(problems)} problems"
        super().__init__(
            f"The caseload file was refused: {lines}{more}. The first: {problems[0]}",
            f"Correct the file and import it again. {_NOTHING}",
        )
        self.problems = problems


class _Bad(Exception):
    """One problem with one line: where in it, and what is wrong and what to do."""

    def __init__(self, where: str, message: str):
        super().__init__(message)
        self.where = where
        self.message = message


@dataclass
class _Seen:
    """Ids already in the profile or earlier in the file."""

    people: set[str]
    authority_ids: dict[str, int]
    records: set[str]


def import_caseload_file(
    session: Session, path: Path, *, workers: int | None = None
) -> CaseloadImported:
    """`import_caseload` from a file, read a line at a time.

    Args:
        session: As for `import_caseload`.
        path: The caseload file.
        workers: As for `import_caseload`; None chooses: one fewer than the machine's cores
            (at most `MAX_WORKERS`) for a file of `PARALLEL_BYTES` or more, else none.

    Raises:
        NotFoundError: there is no such file.
        ValidationError: it cannot be read.
        CaseloadFileError: as for `import_caseload`.
    """
    if workers is None:
        workers = 0
        with contextlib.suppress(OSError):
            if path.stat().st_size >= PARALLEL_BYTES:
                workers = max(0, min(MAX_WORKERS, (os.cpu_count() or 1) - 1))
    try:
        with path.open("rb") as handle:
            return import_caseload(session, handle, workers=workers)
    except FileNotFoundError as e:
        raise NotFoundError(f"There is no file {path}.", "Check the path.") from e
    except IsADirectoryError as e:
        raise ValidationError(f"{path} is a folder, not a caseload file.", "Name the file.") from e
    except PermissionError as e:
        raise ValidationError(f"{path} cannot be read ({e.strerror}).", "Check the path.") from e


def import_caseload(
    session: Session, lines: Iterable[bytes | str], *, workers: int = 0
) -> CaseloadImported:
    """Check and write every person and record of a caseload file, in one transaction.

    Args:
        session: The profile to seed (its forms check the answers, its clock dates them).
        lines: The file's lines (bytes or text), the format line first.
        workers: Processes to check the answers against their forms in, beside this one
            (which reads, hashes and writes meanwhile); 0 checks everything here.

    Raises:
        CaseloadFileError: any line is wrong; nothing was written. Its `problems` name each
            line and field, with what to do.
    """
    vault = session.vault
    ctx = _Context(session.forms, session.today(), vault.profile.name)
    numbered = _numbered(lines)
    _check_format(next(numbered, None))
    problems: list[str] = []
    seen = _already_here(session)
    people = records = 0
    with vault.transaction() as conn:
        writer = BulkWriter(vault, conn)
        lines_read = contextlib.closing(_checked(ctx, numbered, workers))
        with lines_read as checked:
            for number, line, problem, encoded in checked:
                if line is not None:
                    try:
                        person_id, parsed = _claim(line, seen, number)
                    except _Bad as bad:
                        problem = f"{bad.where}: {bad.message}"
                if problem is not None:
                    problems.append(f"line {number}, {problem}")
                    if len(problems) >= MAX_PROBLEMS:
                        break
                if problems or line is None:
                    continue  # the file is refused: only go on checking
                writer.add_person(person_id, line.details)
                people += 1
                for i, (record, part) in enumerate(zip(parsed, line.records, strict=True)):
                    writer.add_record(record, part.states, encoded[i] if encoded else None)
                    records += 1
        if problems:
            raise CaseloadFileError(problems, stopped=len(problems) >= MAX_PROBLEMS)
        writer.add_audit("caseload.import")
        writer.flush()
    return CaseloadImported(people, records, writer.revisions_written)


# -- reading -------------------------------------------------------------------------------

_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def load_line(raw: bytes | str) -> Any:
    r"""One line of JSON from outside, refused as `untrusted.load_untrusted_json` refuses it.

    That walks every value in Python, the largest cost of a caseload import after the form
    checks. The text tells as much sooner: a string can hold a lone surrogate only through a
    ``\uD800``-style escape, and the nesting is the brackets' outside strings. A line that
    may be either goes through `load_untrusted_json` itself, for its words.
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        return load_untrusted_json(raw)
    if _ESCAPED_SURROGATE.search(text) is None and _depth(text) <= MAX_DEPTH:
        try:
            return json.loads(text, parse_constant=_not_json)
        except ValueError:
            pass  # worded below
    return load_untrusted_json(text)


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _depth(text: str) -> int:
    """How deeply the brackets outside strings nest (at least the JSON's nesting)."""
    if '\\"' in text:
        outside = _STRING.sub("", text)  # an escaped quote: only a parser finds the strings
    else:
        # Without one, every other piece between quotes is a string: split and join run at
        # C speed, where the pattern took a tenth of a worker's time on a caseload file.
        outside = "".join(text.split('"')[::2])
    depth = deepest = 0
    for bracket in _BRACKETS.findall(outside):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _numbered(lines: Iterable[bytes | str]) -> Iterator[tuple[int, bytes | str]]:
    """Non-blank lines with their 1-based numbers in the file."""
    for number, text in enumerate(lines, start=1):
        if text.strip():
            yield number, text


def _check_format(first: tuple[int, bytes | str] | None) -> None:
    wanted = f'Its first line must be {{"format": "{CASELOAD_FORMAT}"}}.'
    if first is None:
        raise ValidationError("The caseload file is empty.", f"{wanted} {_NOTHING}")
    try:
        header = load_untrusted_json(first[1])
    except UntrustedJsonError as e:
        raise CaseloadFileError([f"line {first[0]}: it is not JSON ({e.reason}). {wanted}"]) from e
    if not isinstance(header, dict) or header.get("format") != CASELOAD_FORMAT:
        raise ValidationError(
            "This is not a caseload file for Assessor.",
            f"{wanted} (A single record's file is imported with 'record import'.) {_NOTHING}",
        )


def _already_here(session: Session) -> _Seen:
    conn = session.vault.conn
    people = {str(r[0]) for r in conn.execute("SELECT id FROM person")}
    authority = {
        str(r[0]): 0
        for r in conn.execute(
            "SELECT json_extract(body, '$.authority_person_id') FROM person "
            "WHERE json_extract(body, '$.authority_person_id') <> ''"
        )
    }
    records = {str(r[0]) for r in conn.execute("SELECT id FROM assessment")}
    return _Seen(people, authority, records)


@dataclass(frozen=True)
class _Context:
    """What checking a line needs from the session; plain data, so a worker process has it."""

    forms: FormRegistry
    today: dt.date
    author: str
    """The profile's name: the author of records that name none."""


@dataclass(frozen=True)
class _RecordPart:
    id: str | None
    form: FormDefinition
    author: str
    states: list[tuple[RecordStatus, dict[str, Any]]]
    """Every state, oldest first; the last is the record as it is now."""


@dataclass(frozen=True)
class _Line:
    person_id: str | None
    details: PersonDetails
    records: list[_RecordPart]


def _read_line(ctx: _Context, text: bytes | str, *, check_answers: bool = True) -> _Line:
    """Everything about one line that does not depend on the others (`_claim` does the rest).

    With `check_answers` False the line is one a worker process has checked already: its
    JSON was found safe and its answers fit their forms, so neither is checked again (it
    comes without its answers, `_without_answers`: they travel as JSON beside it).
    """
    return _line_from(ctx, _parsed(text) if check_answers else json.loads(text), check_answers)


def _parsed(text: bytes | str) -> Any:
    try:
        return load_line(text)
    except UntrustedJsonError as e:
        raise _Bad("the line", f"it is not JSON ({e.reason}). Write one person a line.") from e


def _line_from(ctx: _Context, data: Any, check_answers: bool) -> _Line:
    if not isinstance(data, dict) or not isinstance(data.get("person"), dict):
        raise _Bad("the line", 'it is not {"person": {...}, "records": [...]}.')
    unknown = sorted(set(data) - set(_LINE_KEYS))
    if unknown:
        raise _Bad(unknown[0], 'unknown: a line holds only "person" and "records".')
    person_id, details = _person(data["person"], ctx.today)
    records_part = data.get("records", [])
    if not isinstance(records_part, list):
        raise _Bad("records", "must be a list of records ([] for none).")
    records = [
        _record(ctx, part, f"records[{i}]", check_answers) for i, part in enumerate(records_part)
    ]
    return _Line(person_id, details, records)


def _claim(line: _Line, seen: _Seen, number: int) -> tuple[PersonId, list[Assessment]]:
    """Check the line's ids against the profile and the lines before; make the missing ones."""
    person_id = line.person_id
    if person_id is None:
        person_id = _new_id(seen.people)
    elif person_id in seen.people:
        raise _Bad("person.id", f"{person_id} is already in this profile or earlier in the file.")
    ref = line.details.authority_person_id
    if ref and ref in seen.authority_ids:
        where = seen.authority_ids[ref]
        raise _Bad(
            "person.authority_person_id",
            f"{ref} is already "
            + (f"on line {where}." if where else "in this profile.")
            + " Each person is in the file once.",
        )
    records: list[Assessment] = []
    for i, part in enumerate(line.records):
        record_id = part.id or _new_id(seen.records)
        if record_id in seen.records or any(r.id == record_id for r in records):
            raise _Bad(
                f"records[{i}] ({part.form.id}).id",
                f"{record_id} is already in this profile or in the file.",
            )
        status, answers = part.states[-1]
        records.append(
            Assessment(
                AssessmentId(record_id),
                PersonId(person_id),
                part.form.id,
                part.form.version,
                status,
                part.author,
                answers,
            )
        )
    # Only now is the whole line known good: its ids count as taken.
    seen.people.add(person_id)
    if ref:
        seen.authority_ids[ref] = number
    seen.records.update(r.id for r in records)
    return PersonId(person_id), records


def _person(part: dict[str, Any], today: dt.date) -> tuple[str | None, PersonDetails]:
    person_id = part.get("id")
    if person_id is not None and (not isinstance(person_id, str) or not _ID.match(person_id)):
        raise _Bad("person.id", "must be 1 to 64 letters, digits, - or _ (or left out).")
    try:
        details = validate_person_details(
            details_from_body({k: v for k, v in part.items() if k != "id"}), today=today
        )
    except ValidationError as e:
        raise _Bad("person", e.one_line()) from e
    return person_id, details


def _record(ctx: _Context, part: Any, where: str, check_answers: bool) -> _RecordPart:
    if not isinstance(part, dict):
        raise _Bad(where, 'must be {"form_id": ..., "answers": {...}}.')
    unknown = sorted(set(part) - set(_RECORD_KEYS))
    if unknown:
        raise _Bad(f"{where}.{unknown[0]}", f"unknown: a record holds {', '.join(_RECORD_KEYS)}.")
    form = _form(ctx.forms, part, where)
    where = f"{where} ({form.id})"
    record_id = part.get("id")
    if record_id is not None and (not isinstance(record_id, str) or not _ID.match(record_id)):
        raise _Bad(f"{where}.id", "must be 1 to 64 letters, digits, - or _ (or left out).")
    author = part.get("author") or ctx.author
    if not isinstance(author, str):
        raise _Bad(f"{where}.author", "must be the author's name as text.")
    status = _status(part.get("status"), f"{where}.status")
    answers = part.get("answers")
    if not isinstance(answers, dict):
        raise _Bad(f"{where}.answers", "must be an object of answers keyed by field id.")
    if check_answers:
        problems = validate_answers(form, answers, today=ctx.today)
        if status in _EDITABLE:
            # As `record import`: a draft may lack answers; what it has must fit the form.
            problems = [p for p in problems if re.split(r"[.\[]", p.path)[0] in answers]
        if problems:
            first = problems[0]
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise _Bad(f"{where}.answers.{first.path}", f"{first.message}{more}")
    states: list[tuple[RecordStatus, dict[str, Any]]] = []
    earlier = part.get("earlier", [])
    if not isinstance(earlier, list):
        raise _Bad(f"{where}.earlier", "must be a list of earlier states, oldest first.")
    for i, state in enumerate(earlier):
        at = f"{where}.earlier[{i}]"
        if not isinstance(state, dict) or not isinstance(state.get("answers"), dict):
            raise _Bad(at, 'must be {"status": ..., "answers": {...}}.')
        unknown = [k for k in state["answers"] if not form.has_field(k)] if check_answers else []
        if unknown:
            raise _Bad(f"{at}.answers.{unknown[0]}", f"is not a question of {form.id}.")
        states.append((_status(state.get("status"), f"{at}.status"), state["answers"]))
    states.append((status, answers))
    return _RecordPart(record_id, form, author, states)


def _form(forms: FormRegistry, part: dict[str, Any], where: str) -> FormDefinition:
    form_id, version = part.get("form_id"), part.get("form_version")
    if not isinstance(form_id, str) or not form_id:
        raise _Bad(f"{where}.form_id", "is missing: name the form, e.g. needs_assessment.")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise _Bad(f"{where}.form_version", "must be a whole number (or left out for the newest).")
    try:
        if version is None:
            return forms.latest(form_id)
        return forms.get(form_id, version)
    except AssessorError as e:
        shown = f"'{form_id}'" + (f" version {version}" if version is not None else "")
        raise _Bad(
            f"{where}.form_id",
            f"this app has no form {shown}. Install the form definition first.",
        ) from e


# -- checking in worker processes ----------------------------------------------------------

_WORKER_CONTEXT: _Context | None = None
CHUNK_LINES = 200
"""Lines handed to a worker process at a time."""


def _start_worker(ctx: _Context) -> None:
    global _WORKER_CONTEXT
    harden_process()  # it holds people's details too
    _WORKER_CONTEXT = ctx


_Verdict = str | tuple[str, list[list[str]]]
"""A line's first problem ("where: what"), or the line without its answers (as JSON) and
each of its records' states' answers as canonical JSON (made where the line was checked, so
the writer need not, and need not read the answers at all)."""


def _check_chunk(chunk: list[bytes | str]) -> list[_Verdict]:
    """In a worker: each line's verdict."""
    assert _WORKER_CONTEXT is not None
    return _verdicts(_WORKER_CONTEXT, chunk)


def _verdicts(ctx: _Context, chunk: list[bytes | str]) -> list[_Verdict]:
    verdicts: list[_Verdict] = []
    for text in chunk:
        try:
            data = _parsed(text)
            line = _line_from(ctx, data, True)
        except _Bad as bad:
            verdicts.append(f"{bad.where}: {bad.message}")
            continue
        answers = [[history.canonical_json(a) for _, a in r.states] for r in line.records]
        verdicts.append((json.dumps(_without_answers(data), ensure_ascii=False), answers))
    return verdicts


def _without_answers(data: dict[str, Any]) -> dict[str, Any]:
    """A line found good, its answers left out (each state's `{}`), all else as it was."""
    records = []
    for part in data.get("records", []):
        earlier = [state | {"answers": {}} for state in part.get("earlier", [])]
        records.append(part | {"answers": {}} | ({"earlier": earlier} if earlier else {}))
    return data | {"records": records}


_Checked = tuple[int, "_Line | None", "str | None", "list[list[str]] | None"]


def _checked(
    ctx: _Context, numbered: Iterator[tuple[int, bytes | str]], workers: int
) -> Generator[_Checked, None, None]:
    """Each line read, or its first problem, in order.

    With `workers`, the form checks run in that many processes (started afresh, never forked
    from this one, which holds the vault's key; so the program's main module must not start
    work when imported, and none of the app's does), which also encode the answers as
    canonical JSON for the writer; a line found good there comes back without its answers
    (the writer builds each body around their JSON) and is read here without the checks: a
    line of a few hundred bytes, not the whole line again. If a worker dies, the rest is
    checked here.
    """
    if workers <= 0:
        for number, text in numbered:
            try:
                yield number, _read_line(ctx, text), None, None
            except _Bad as bad:
                yield number, None, f"{bad.where}: {bad.message}", None
        return
    spawn = multiprocessing.get_context("spawn")
    broken = False
    with concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=spawn, initializer=_start_worker, initargs=(ctx,)
    ) as pool:
        waiting: collections.deque[
            tuple[list[tuple[int, bytes | str]], concurrent.futures.Future[list[_Verdict]]]
        ] = collections.deque()
        while True:
            while not broken and len(waiting) < 3 * workers:
                chunk = list(itertools.islice(numbered, CHUNK_LINES))
                if not chunk:
                    break
                waiting.append((chunk, pool.submit(_check_chunk, [t for _, t in chunk])))
            if not waiting:
                break
            chunk, future = waiting.popleft()
            try:
                verdicts = future.result()
            except concurrent.futures.process.BrokenProcessPool:
                broken = True
                verdicts = _verdicts(ctx, [t for _, t in chunk])
            for (number, _text), verdict in zip(chunk, verdicts, strict=True):
                if isinstance(verdict, str):
                    yield number, None, verdict, None
                    continue
                skeleton, answers = verdict
                try:
                    yield number, _read_line(ctx, skeleton, check_answers=False), None, answers
                except _Bad as bad:  # found by a worker already; here for certainty
                    yield number, None, f"{bad.where}: {bad.message}", None
    if broken:
        yield from _checked(ctx, numbered, 0)


def _status(value: Any, where: str) -> RecordStatus:
    if value is None:
        return RecordStatus.DRAFT
    if not isinstance(value, str) or value not in _STATUSES:
        raise _Bad(where, f"must be {', '.join(_STATUSES)} (not {str(value)[:30]!r}).")
    return _STATUSES[value]


def _new_id(taken: set[str]) -> str:
    while True:
        new = secrets.token_hex(8)
        if new not in taken:
            return new
