"""Builders for synthetic people shared by the tests (all invented)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from assessor_app.core.records import ConvictionStatus, PersonDetails, Setting

if TYPE_CHECKING:
    from assessor_app.core.form_engine.definition import FormRegistry
    from assessor_app.core.services.session import Session
    from assessor_app.core.storage.vault import Vault


def content_hash(vault: Vault) -> str:
    """Every row of every table: what a refused import must leave exactly as it was."""
    digest = hashlib.sha256()
    tables = [
        r[0]
        for r in vault.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        )
    ]
    for table in tables:
        for row in vault.conn.execute(f"SELECT * FROM {table} ORDER BY 1"):  # noqa: S608
            digest.update(repr(row).encode())
    return digest.hexdigest()


def community_person(**changes: object) -> PersonDetails:
    """An invented person living at home, with a valid test-range NHS number."""
    base = PersonDetails(
        given_name="Zoë",
        family_name="Quillfeather",
        date_of_birth=dt.date(1948, 3, 14),
        nhs_number="9434765919",
        authority_person_id="LA900001",
        address="12 Nowhere Lane, Demotown",
        setting=Setting.OWN_HOME,
    )
    return PersonDetails(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def prisoner(**changes: object) -> PersonDetails:
    """An invented sentenced prisoner with no NHS number, as is common in custody."""
    base = PersonDetails(
        given_name="Łukasz",
        family_name="Brindlewood",
        date_of_birth=dt.date(1979, 11, 2),
        prison_number="A1234BC",
        setting=Setting.PRISON,
        establishment_name="HMP Nowhere (synthetic)",
        conviction_status=ConvictionStatus.SENTENCED,
        expected_release_date=dt.date(2027, 6, 30),
    )
    return PersonDetails(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def poppler(tool: str, pdf: bytes, folder: Path, *args: str) -> str:
    """Run one of poppler's tools (pdftotext, pdfinfo, pdffonts, pdfsig) on PDF bytes.

    The independent check of what the app writes: an ICB's or a court's IT would reach for
    these, not for our code. pdftotext writes to stdout; pdfsig's verdict may come on either
    stream and its exit code is not an error, so both streams are returned for it.
    """
    path = folder / f"{tool}-input.pdf"
    path.write_bytes(pdf)
    command = [tool, *args, str(path)] + (["-"] if tool == "pdftotext" else [])
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=60, check=tool != "pdfsig"
    )
    return done.stdout + done.stderr if tool == "pdfsig" else done.stdout


def word_heights(pdf: bytes, folder: Path) -> list[tuple[str, float]]:
    """Each word poppler finds in a PDF (`pdftotext -bbox`), with the height of its box.

    poppler's word box is as tall as the word's font size (one em), so this is the point size
    each word is printed at: running header, footer and signature stamp included.
    """
    html = poppler("pdftotext", pdf, folder, "-bbox")
    return [
        (m.group(3), float(m.group(2)) - float(m.group(1)))
        for m in re.finditer(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', html)
    ]


def squash(text: str) -> str:
    """Whitespace folded to single spaces, so text can be matched across line breaks."""
    return " ".join(text.split())


def simulate_crash(vault: object) -> None:
    """The process dies with the vault open: no lock entry, no checkpoint, the lock let go.

    The kernel drops a dead process's file lock; a test in one process does it by hand.
    """
    vault.conn.close()  # type: ignore[attr-defined]
    vault._conn = None  # type: ignore[attr-defined]
    vault._lock.release()  # type: ignore[attr-defined]


def reseal_export(data: dict) -> None:  # type: ignore[type-arg]
    """Recompute the head hash of an unsigned (format 1) record export after an edit.

    What another system writing the format, or an insider, could do: so a test reaches the
    checks behind the hash check.
    """
    from assessor_app.core.storage import history

    part, head = data["assessment"], data["history"][-1]
    body = {
        k: part.get(k)
        for k in ("person_id", "form_id", "form_version", "status", "author", "answers")
    }
    digest = history.revision_hash(
        "assessment",
        part["id"],
        part["revision"],
        head["created_at"],
        head["author"],
        body,
        head["prev_hash"],
    )
    head["hash"] = part["revision_hash"] = digest


@contextlib.contextmanager
def registered_for_tests() -> Iterator[None]:
    """Rules, checks and start checks registered inside the block are gone after it.

    Test rules (named `tests.*`) must not outlive their tests: the registry is global.
    """
    from assessor_app.core import rules

    tables = (rules._RULES, rules._CHECKS, rules._START_CHECKS, rules._READS)
    saved = [dict(t) for t in tables]
    try:
        yield
    finally:
        for table, before in zip(tables, saved, strict=True):
            table.clear()
            table.update(before)


def session_for(where: object, forms: object = None, today: dt.date | None = None) -> Session:
    """A use-case session over a vault (or a repository's vault), as the app builds one.

    Args:
        where: The unlocked `Vault`, or a repository of it.
        forms: The form registry (default: the shipped forms, loaded when first needed).
        today: A fixed date for the session's clock (default: the real date).
    """
    from assessor_app.core.form_engine.definition import FormRegistry
    from assessor_app.core.services.session import Session
    from assessor_app.core.storage.vault import Vault

    vault = where if isinstance(where, Vault) else where.vault  # type: ignore[attr-defined]
    source = forms if isinstance(forms, FormRegistry) else _shipped_forms
    clock = (lambda: today) if today is not None else dt.date.today
    return Session(vault, source, clock)


@functools.cache
def _shipped_forms() -> FormRegistry:
    from assessor_app.core.form_engine.definition import load_forms_dir
    from assessor_app.core.paths import default_forms_dir

    return load_forms_dir(default_forms_dir())


CUSTODY_PLAN: dict[str, object] = {
    "custody_participants": [
        {"participant_name": "Officer Pembleton (synthetic)", "participant_role": "prison_staff"},
        {"participant_name": "Nurse Abernathy (synthetic)", "participant_role": "healthcare"},
    ],
    "regime_limits": "Showers only at set times on the wing; no choice of care provider.",
    "regime_discussed_date": "2026-11-20",
    "plan_sharing_consent": "consented",
    "plan_sharing_with": ["establishment", "prison_healthcare"],
    "plan_sharing_what": ["plan"],
    "plan_safeguarding": False,
    "on_transfer": "The plan goes with him; we tell the receiving establishment's authority.",
    "on_release": "Reassessed before release with the authority of his release address.",
}
"""The custody section of a plan for `prisoner()`, answered (a plan in prison needs it)."""


def complete_financial(session: Session, person_id: str) -> str:
    """Complete the fixture financial assessment (£153.90 a week) for a person; its id.

    A plan for a person in custody needs their contribution assessed (its personal budget).
    """
    import json

    from assessor_app.core.records import AssessmentId
    from assessor_app.core.services.records import complete_record

    path = Path(__file__).parent / "fixtures" / "forms" / "answers" / "financial_home.json"
    form = session.forms.latest("financial_assessment")
    answers = json.loads(path.read_text("utf-8"))
    rid = session.records.create(person_id, form.id, form.version, answers).id
    complete_record(session, AssessmentId(rid))
    return rid
