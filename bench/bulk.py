"""A synthetic caseload like a real one, as a caseload file, and the bulk import measured.

`python -m bench.bulk [--people N] [--revisions N] [--runs N]` writes a caseload file
(`write_caseload`) and imports it into a new vault with `services.bulk_import` (what
`assessor-cli caseload import` does), against a floor: stdlib sqlite3 inserting the same rows
(revision, person, assessment, audit and outbox, the same bytes, read back from the imported
vault) in one transaction into the same tables and indexes, synchronous=FULL, WAL.

Everyone is invented. Names come from long-tailed pools (a few common names, many rare,
accented ones among them: Nguyễn, Zoë, Łukasz, Siobhán, O'Brien), drawn independently, so every
combination is made up; NHS numbers are spread over the 999 test range with valid check
digits; the forms come in the proportions of an adult social care caseload (a needs
assessment for most people, a financial assessment for many, carers' assessments, and CHC
Checklists, DSTs and Fast Tracks for a few), as drafts, completed records and amendments,
with DST dates that put CHC decisions and reviews due and overdue, so the caseload's alerts
and to-do lists have work.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import multiprocessing
import random
import resource
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assessor_app.core.demo import answers_for
from assessor_app.core.form_engine.answers import validate_answers, visible_answers
from assessor_app.core.form_engine.definition import FormDefinition, load_forms_dir
from assessor_app.core.form_engine.model import FieldType
from assessor_app.core.form_engine.prefill import prefill_answers
from assessor_app.core.nhs_number import check_digit
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.records import (
    CONVICTION_SETTINGS,
    ConvictionStatus,
    Person,
    PersonDetails,
    PersonId,
    Setting,
)
from assessor_app.core.services.bulk_import import (
    CASELOAD_FORMAT,
    CaseloadImported,
    import_caseload_file,
)
from assessor_app.core.services.session import Session
from assessor_app.core.storage.people import details_to_body
from bench.common import Row, new_vault

# Common names first: drawn with Zipf-like weights, so a few are everywhere and most are rare.
_FAMILY_HEAD = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson "
    "Evans Walker White Roberts Green Hall Wood Jackson Clarke Khan Hughes Edwards Lewis Ahmed "
    "Nguyễn Kowalczyk O'Brien Murphy Singh Hussain Begum Ali Kaur Morgan Kelly Harris Martin "
    "Cooper Ward Turner Hill Moore Price Bennett Griffiths Shaw Lloyd Chapman Ellis Mason "
    "Trần Lê Phạm Hoàng Wiśniewski Wójcik Kamiński Lewandowski Zieliński Szymański Dąbrowski "
    "O'Connor O'Sullivan McCarthy Ó Briain Mac Giolla D'Souza Fernandes Gonçalves Núñez García "
    "Müller Schäfer Jäger Şahin Yılmaz Öztürk Çelik Okafor Okonkwo Adeyemi Mensah Boateng "
    "Nowak Horváth Novák Dvořák Søndergaard Ångström Björk Lindqvist Ní Bhriain MacDonald "
    "Campbell Stewart Robertson Fraser Reid Sinclair Llewellyn ap Rhys Pryce Jenkins Vaughan"
).split()
_GIVEN_HEAD = (
    "Margaret Patricia John David Mary Susan Elizabeth Peter Michael Barbara Jean Joan Brian "
    "Robert Kathleen Doreen Dorothy Anne James William Eileen Sheila Zoë Łukasz Siobhán Thi Hoa "
    "Mohammed Fatima Aisha Priya Ravi Sunita Gurdeep Harjit Nasreen Imran Mei Wei Chloé Renée "
    "José Zoé Agnès François Björn Søren Małgorzata Bartłomiej Agnieszka Krzysztof Wojciech "
    "Aoife Seán Éamonn Niamh Órla Caoimhe Ciarán Rhys Nia Gethin Siân Dafydd Oluwaseun Ngozi "
    "Chidi Kwame Abena Kofi Ayşe İbrahim Mehmet Zeynep Ana João Inês Sofía Nuria Jürgen Jörg "
    "Anneliese Eszter Tamás Jiří Dagný Ásta Hao Linh Minh Anh Tuấn Huệ Lan Quỳnh"
).split()
_SYLLABLES = (
    "ash ber brook cal dun el fen gar hal inch kel lin mar nor pen quen ros sel tarn ul ven "
    "wick yar bel cor dar eth fal gwyn hen ly mor nant per rhyd stan tre wen"
).split()
_ENDS = "by ton ham well worth ley field combe ford stead more wood dale thorpe holme".split()
_WORDS = (
    "support carer morning evening stairs kitchen medication prompt meals shopping daughter "
    "neighbour district nurse falls frame walking washing dressing anxious confident visits "
    "community garden church benefits review hospital discharge equipment rail shower night "
    "sleep pain breathless memory routine appointments phone sister son grandson friend bus"
).split()

PROPORTIONS: dict[str, float] = {
    "needs_assessment": 0.88,
    "financial_assessment": 0.42,
    "carers_assessment": 0.12,
    "chc_checklist": 0.10,
    "chc_dst": 0.045,
    "chc_fast_track": 0.012,
}
"""Share of people with a record of each form (a second needs assessment for 8% more)."""

_SETTINGS: list[tuple[Setting, float]] = [
    (Setting.OWN_HOME, 0.70),
    (Setting.CARE_HOME, 0.12),
    (Setting.HOSPITAL, 0.05),
    (Setting.PRISON, 0.06),
    (Setting.YOUNG_OFFENDER_INSTITUTION, 0.01),
    (Setting.APPROVED_PREMISES, 0.025),
    (Setting.BAIL_ACCOMMODATION, 0.01),
    (Setting.OTHER, 0.025),
]
_ESTABLISHMENTS = {
    Setting.PRISON: ["HMP Nowhere (synthetic)", "HMP Elsewhere (synthetic)"],
    Setting.YOUNG_OFFENDER_INSTITUTION: ["HMYOI Example (synthetic)"],
    Setting.APPROVED_PREMISES: ["Example House AP (synthetic)"],
    Setting.BAIL_ACCOMMODATION: ["Demotown Bail Accommodation (synthetic)"],
    Setting.CARE_HOME: ["Sunnyside Demo Care Home", "Meadowbank Demo Care Home"],
    Setting.HOSPITAL: ["Demo General Hospital"],
}


_GIVEN_STARTS = (
    "al bel car dar el fen gra hal is jan kal lor mar nel or pel ros sol tam ul vin".split()
)
_GIVEN_ENDS = "a ie en o is an ette ina on us ys wen".split()


def _long_tail(
    head: list[str], rng: random.Random, tail: int, *, given: bool = False
) -> tuple[list[str], list[float]]:
    """`head` names then `tail` invented ones, weighted 1/rank (a Zipf-like long tail)."""
    names = list(head)
    made: set[str] = set(head)
    while len(names) < len(head) + tail:
        if given:
            name = (rng.choice(_GIVEN_STARTS) + rng.choice(_GIVEN_ENDS)).capitalize()
            name += rng.choice(["", "", "", " " + rng.choice(head)])  # a few with a middle name
        else:
            name = rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES) + rng.choice(_ENDS)
            name = name.capitalize()
        if name not in made:
            made.add(name)
            names.append(name)
    return names, [1 / (rank + 1) ** 1.05 for rank in range(len(names))]


def nhs_numbers(rng: random.Random, count: int) -> list[str]:
    """`count` different Modulus-11-valid NHS numbers spread over the 999 test range."""
    out: list[str] = []
    for body in rng.sample(range(10_000_000), min(10_000_000, count * 2)):
        digits = "999" + f"{body:07d}"[:6]
        check = check_digit(digits)
        if check is not None:
            out.append(digits + str(check))
        if len(out) == count:
            return out
    raise ValueError("not enough numbers")


def synthetic_caseload(count: int, *, seed: int, today: dt.date) -> Iterator[PersonDetails]:
    """`count` invented people: long-tailed names, ages weighted to older adults, settings
    as an adult social care caseload has them (about one in ten in custody)."""
    rng = random.Random(seed)
    family, family_w = _long_tail(_FAMILY_HEAD, rng, max(200, count // 6))
    given, given_w = _long_tail(_GIVEN_HEAD, rng, max(50, count // 200), given=True)
    numbers = iter(nhs_numbers(rng, count))
    settings, weights = zip(*_SETTINGS, strict=True)
    for i in range(count):
        setting = rng.choices(settings, weights)[0]
        custody = setting.is_custody
        age = rng.choice([rng.randrange(18, 65), *[rng.randrange(65, 101)] * 3])
        if custody:
            age = rng.randrange(18, 80)
        dob = today - dt.timedelta(days=age * 365 + rng.randrange(365))
        statuses = [s for s in ConvictionStatus if setting in CONVICTION_SETTINGS[s]]
        nhs = next(numbers)
        yield PersonDetails(
            given_name=rng.choices(given, given_w)[0],
            family_name=rng.choices(family, family_w)[0],
            date_of_birth=dob,
            nhs_number=None if (custody and rng.random() < 0.4) or rng.random() < 0.03 else nhs,
            authority_person_id=f"LA{100000 + i}",
            prison_number=(
                f"A{rng.randrange(1000, 9999)}{rng.choice('BCDEF')}{rng.choice('GHJK')}"
                if setting in (Setting.PRISON, Setting.YOUNG_OFFENDER_INSTITUTION)
                else ""
            ),
            address=f"{rng.randrange(1, 200)} {rng.choice(family)} Road, Demotown",
            communication_needs=rng.choice(["", "", "", "Hearing aid; face the person"]),
            preferred_format=rng.choice(["Standard", "Standard", "Easy read", "Large print"]),
            setting=setting,
            establishment_name=rng.choice(_ESTABLISHMENTS.get(setting, [""])),
            conviction_status=rng.choice(statuses) if custody else None,
            expected_release_date=today + dt.timedelta(days=rng.randrange(30, 900))
            if custody
            else None,
        )


def _sentences(rng: random.Random, count: int) -> str:
    return "".join(
        " ".join(rng.choice(_WORDS) for _ in range(rng.randrange(6, 16))).capitalize() + ". "
        for _ in range(count)
    ).strip()


def _fast_track(rng: random.Random, today: dt.date) -> dict[str, Any]:
    done = today - dt.timedelta(days=rng.randrange(0, 20))
    return {
        "consent_status": rng.choice(["consented", "proxy"]),
        "condition": _sentences(rng, 2),
        "reasons": _sentences(rng, 2),
        "needs_and_care": _sentences(rng, 3),
        "preferred_place": "Home",
        "clinician_name": "Dr Demo Clinician (synthetic)",
        "clinician_role": rng.choice(["consultant", "gp", "registered_nurse"]),
        "clinician_organisation": "Demo General Hospital",
        "clinician_contact": "01632 960000",
        "date_completed": done.isoformat(),
    }


def _dst_dates(rng: random.Random, today: dt.date) -> dict[str, Any]:
    """ICB dates: a decision pending (some past 28 days) or made (reviews due or overdue)."""
    if rng.random() < 0.45:
        received = today - dt.timedelta(days=rng.randrange(2, 45))
        return {"icb_referral_received": received.isoformat()}
    decided = today - dt.timedelta(days=rng.randrange(20, 480))
    received = decided - dt.timedelta(days=rng.randrange(10, 40))
    return {
        "icb_referral_received": received.isoformat(),
        "icb_decision": rng.choice(["eligible", "not_eligible"]),
        "icb_decision_date": decided.isoformat(),
        "icb_reasons": _sentences(rng, 2),
    }


def _signature(field_signer: str, rng: random.Random, name: str, on: dt.date) -> dict[str, Any]:
    if field_signer == "person" and rng.random() < 0.15:
        return {"unable_to_sign": "lacks_capacity", "name": name, "signed_on": on.isoformat()}
    return {"typed": True, "name": name, "signed_on": on.isoformat()}


@dataclass
class _Forms:
    forms: dict[str, FormDefinition]
    base: dict[tuple[str, str], dict[str, Any]]


def _complete_answers(
    forms: _Forms, form: FormDefinition, person: Person, rng: random.Random, today: dt.date
) -> dict[str, Any] | None:
    """Complete, signed answers for `form` about `person`, or None when it does not fit."""
    details = person.details
    if form.id == "chc_fast_track":
        base: dict[str, Any] | None = _fast_track(rng, today)
    else:
        key = (form.id, details.setting.value)
        if key not in forms.base:
            forms.base[key] = answers_for(form, details) or {}
        base = answers_for(form, details) if form.id == "financial_assessment" else forms.base[key]
        if base is None or (not base and form.id != "chc_fast_track"):
            return None
        base = dict(base)
    if form.id == "chc_dst":
        base |= _dst_dates(rng, today)
    answers = visible_answers(form, base | prefill_answers(form, person, today=today))
    for field in form.top_fields():
        value = answers.get(field.id)
        if field.type is FieldType.LONG_TEXT and isinstance(value, str):
            answers[field.id] = _sentences(rng, rng.randrange(1, 7))[: field.max_length or 4000]
    on = today - dt.timedelta(days=rng.randrange(0, 60))
    for field in form.all_fields():
        if field.type is FieldType.SIGNATURE and field.required:
            who = f"{details.given_name} {details.family_name}"
            if field.signer == "assessor":
                who = "Bench Assessor"
            answers[field.id] = _signature(field.signer or "", rng, who, on)
    answers = visible_answers(form, answers)
    return answers if not validate_answers(form, answers, today=today) else None


def _partial(form: FormDefinition, answers: dict[str, Any], share: float) -> dict[str, Any]:
    """The first `share` of the answers in form order, without signatures (a draft)."""
    keys = [
        f.id for f in form.top_fields() if f.id in answers and f.type is not FieldType.SIGNATURE
    ]
    kept = keys[: max(1, int(len(keys) * share))]
    return visible_answers(form, {k: answers[k] for k in kept})


def write_caseload(
    path: Path, people: int, revisions: int, *, seed: int = 13, today: dt.date | None = None
) -> dict[str, int]:
    """Write a caseload file of `people` people and `revisions` revisions in all.

    Each person is one revision; their records' states make up the rest (at least one each,
    more where the target allows: a record's history of saves, its answers growing). Returns
    counts of records by form and status.
    """
    today = today or dt.date.today()
    rng = random.Random(seed)
    registry = load_forms_dir(default_forms_dir())
    forms = _Forms({f.id: registry.latest(f.id) for f in registry.forms()}, {})
    plans: list[tuple[PersonDetails, list[tuple[FormDefinition, str, dict[str, Any]]]]] = []
    for number, details in enumerate(synthetic_caseload(people, seed=seed, today=today)):
        person = Person(PersonId(f"P{number:06d}"), details, dt.datetime.now(dt.UTC))
        wanted = [f for f, share in PROPORTIONS.items() if rng.random() < share]
        if "needs_assessment" in wanted and rng.random() < 0.08:
            wanted.append("needs_assessment")
        plan = []
        for form_id in wanted:
            form = forms.forms[form_id]
            complete = _complete_answers(forms, form, person, rng, today)
            if complete is not None:  # e.g. no carer's assessment for someone in prison
                status = rng.choices(["completed", "draft", "amended"], [0.55, 0.4, 0.05])[0]
                plan.append((form, status, complete))
        plans.append((details, plan))
    total_records = sum(len(plan) for _, plan in plans)
    extra = [0] * total_records
    for _ in range(max(0, revisions - people - total_records) if total_records else 0):
        extra[rng.randrange(total_records)] += 1
    counts: dict[str, int] = {}
    position = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps({"format": CASELOAD_FORMAT}) + "\n")
        for number, (details, plan) in enumerate(plans):
            records = []
            for form, status, complete in plan:
                more = extra[position]
                position += 1
                # Earlier saves: the answers growing, as a draft is filled in over visits.
                states = [
                    {"status": "draft", "answers": _partial(form, complete, (n + 1) / (more + 1))}
                    for n in range(more)
                ]
                answers = complete
                if status == "draft":
                    answers = _partial(form, complete, rng.uniform(0.3, 0.95))
                elif status == "amended" and states:
                    states[-1] = {"status": "completed", "answers": complete}
                records.append(
                    {
                        "form_id": form.id,
                        "form_version": form.version,
                        "status": status,
                        "answers": answers,
                        "earlier": states,
                    }
                )
                key = f"{form.id} {status}"
                counts[key] = counts.get(key, 0) + 1
            person_part = {"id": f"P{number:06d}", **details_to_body(details)}
            line = {"person": person_part, "records": records}
            out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
    return counts


@dataclass(frozen=True)
class BulkResult:
    """Figures from bulk imports and their floor (seconds)."""

    people: int
    records: int
    revisions: int
    file_bytes: int
    app: dict[int, list[tuple[float, float, float]]]
    """By worker processes: each run's (wall, this process's CPU, the workers' CPU)."""
    floor: list[float]

    def summary(self) -> list[Row]:
        floor = statistics.median(self.floor)
        out = []
        for workers, runs in sorted(self.app.items()):
            wall = statistics.median(r[0] for r in runs)
            out.append(
                Row(
                    f"seed {self.people:,} people / {self.revisions:,} revisions, "
                    f"{workers} worker{'s' if workers != 1 else ''}, median",
                    "< 30 s",
                    f"{floor:.1f} s sqlite3, same rows",
                    f"{wall:.1f} s",
                    wall / floor,
                    wall < 30,
                )
            )
        return out

    def lines(self) -> list[str]:
        floor = statistics.median(self.floor)
        out = [
            f"Bulk import: {self.people:,} people, {self.records:,} records, "
            f"{self.revisions:,} revisions ({self.file_bytes / 2**20:.0f} MiB file)",
            f"  floor (sqlite3, same rows, one transaction)   median {floor:6.1f} s   "
            f"runs {_spread(self.floor)}",
        ]
        for workers, runs in sorted(self.app.items()):
            wall = statistics.median(r[0] for r in runs)
            cpu = ", ".join(f"{r[1]:.0f}+{r[2]:.0f}" for r in runs)
            out.append(
                f"  caseload import, {workers} worker{'s' if workers != 1 else ''}"
                f"{' ' * (11 - len(str(workers)))}median {wall:6.1f} s   runs "
                f"{_spread([r[0] for r in runs])}   ratio {wall / floor:.2f}x   CPU s (this "
                f"process + workers) {cpu}"
            )
        out.append("  target: under 30 s")
        return out


def _spread(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values) + " s"


def _floor(source: Path, key_dir: Path) -> float:
    """stdlib sqlite3 writing the same rows into the same schema, in one transaction."""
    from assessor_app.core.storage.vault import Vault
    from bench.common import PASSPHRASE

    profile = next(p for p in (key_dir / "profiles").iterdir())
    vault = Vault.open(key_dir, profile.name, PASSPHRASE)
    try:
        conn = vault.conn
        schema = [
            r[0]
            for r in conn.execute(
                "SELECT sql FROM sqlite_master WHERE name IN ('revision', 'person', "
                "'assessment', 'audit', 'outbox') OR tbl_name IN ('revision', 'person', "
                "'assessment', 'audit', 'outbox') AND type = 'index' AND sql IS NOT NULL"
            )
        ]
        tables = {
            name: conn.execute(f"SELECT * FROM {name}").fetchall()
            for name in ("revision", "person", "assessment", "audit", "outbox")
        }
    finally:
        vault.close()
    db = source / "floor.db"
    db.unlink(missing_ok=True)
    plain = sqlite3.connect(db, isolation_level=None)
    plain.execute("PRAGMA journal_mode = WAL")
    plain.execute("PRAGMA synchronous = FULL")
    for sql in schema:
        plain.execute(sql)
    start = time.perf_counter()
    plain.execute("BEGIN IMMEDIATE")
    for name, rows in tables.items():
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            plain.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
    plain.execute("COMMIT")
    took = time.perf_counter() - start
    plain.close()
    db.unlink()
    return took


def _import_once(
    source: Path, target: Path, workers: int
) -> tuple[CaseloadImported, float, float, float]:
    """In a new process: import `source` into a new vault at `target`; figures as `run`'s."""
    vault = new_vault(target)
    session = Session(vault, load_forms_dir(default_forms_dir()))
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    start, cpu = time.perf_counter(), time.process_time()
    imported = import_caseload_file(session, source, workers=workers)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    vault.close()
    spent = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    return imported, wall, cpu, spent


def run(
    people: int,
    revisions: int,
    runs: int = 3,
    folder: Path | None = None,
    workers: tuple[int, ...] = (0, 1),
) -> BulkResult:
    """Write the caseload file once, then import it `runs` times into new vaults for each
    number of `workers` (alternating), with the floor after each run."""
    work = Path(folder or tempfile.mkdtemp(prefix="assessor-bulk-"))
    work.mkdir(parents=True, exist_ok=True)
    source = work / "caseload.jsonl"
    write_caseload(source, people, revisions)
    app: dict[int, list[tuple[float, float, float]]] = {w: [] for w in workers}
    floor: list[float] = []
    imported = None
    spawn = multiprocessing.get_context("spawn")
    for n in range(runs):
        for count in workers:
            target = work / f"vault-{n}-{count}"
            shutil.rmtree(target, ignore_errors=True)
            # Each import in a new process: once a vault has closed, SQLCipher keeps
            # cipher_memory_security on for the rest of the process (database.close_wiping
            # cannot turn it off again), which makes later inserts three to four times slower.
            with concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn) as one:
                imported, wall, cpu, spent = one.submit(
                    _import_once, source, target, count
                ).result()
            app[count].append((wall, cpu, spent))
            if count == workers[-1]:
                floor.append(_floor(work, target))
            shutil.rmtree(target)
    assert imported is not None
    size = source.stat().st_size
    if folder is None:
        shutil.rmtree(work)
    return BulkResult(imported.people, imported.records, imported.revisions, size, app, floor)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bulk", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--revisions", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--workers", type=int, action="append", help="worker processes to try (default 0 and 1)"
    )
    args = parser.parse_args()
    workers = tuple(args.workers or (0, 1))
    print("\n".join(run(args.people, args.revisions, args.runs, workers=workers).lines()))


if __name__ == "__main__":
    main()
