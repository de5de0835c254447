"""A large caseload: search-as-you-type, opening a record, and vault size per 1,000 revisions.

The caseload is built once through the app's own repositories (so every revision is a real,
hash-chained one that `verify_chains` accepts) and cached under bench/.cache/. To make the
build bearable, the build connection runs with synchronous=OFF: that changes only when pages
reach the disk, not what is written. Measurements reopen the vault normally (synchronous=FULL).
Each person gets one record: created, then checkpointed repeatedly with a few changed answers
each time, the narrative growing by a sentence, until the revision target is met. The build is
time-boxed; the report says what was actually built.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from assessor_app.core.demo import synthetic_people
from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.records import PersonId
from assessor_app.core.services.records import open_for_editing
from assessor_app.core.services.session import Session
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.history import verify_chains
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import VAULT_FILE, Vault
from bench.common import CACHE_DIR, PASSPHRASE, ms, new_vault, percentile

SEED = 11
WORDS = (
    "support carer morning evening stairs kitchen medication prompt meals shopping daughter "
    "neighbour district nurse falls frame walking washing dressing anxious confident visits "
    "community garden church benefits review hospital discharge equipment rail shower"
).split()
SHORT_FIELDS = [
    "living_situation",
    "mobility",
    "personal_care",
    "nutrition",
    "medication",
    "continence",
    "communication",
    "safety",
    "social_contact",
    "carer_support",
    "housing",
    "finances",
]
SAMPLE_PEOPLE = 12
RECORD_OPENS = 400


@dataclass
class BuildInfo:
    """What is in a cached caseload and how it got there."""

    people: int
    records: int
    revisions: int
    build_seconds: float
    complete: bool
    profile_id: str
    target_people: int
    target_revisions: int

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__, indent=1), "utf-8")

    @classmethod
    def load(cls, path: Path) -> BuildInfo:
        return cls(**json.loads(path.read_text("utf-8")))


@dataclass(frozen=True)
class CaseloadResult:
    """Figures from the caseload benchmark (latencies in seconds)."""

    info: BuildInfo
    cached: bool
    search: list[float]
    search_queries: int
    opens: list[float]
    vault_bytes: int
    body_bytes: int
    chains_ok: bool | None

    def lines(self) -> list[str]:
        info = self.info
        built = "complete" if info.complete else "TIME-BOXED, partial"
        per_thousand = self.vault_bytes / max(1, info.revisions) * 1000
        return [
            f"Caseload: {info.people:,} people, {info.records:,} records, "
            f"{info.revisions:,} revisions (target {info.target_people:,} / "
            f"{info.target_revisions:,}; {built}; built in {info.build_seconds:.0f} s through the "
            f"repositories{', read from cache' if self.cached else ''})",
            f"  search-as-you-type   p95 {ms(percentile(self.search, 95)):>10}   "
            f"p50 {ms(percentile(self.search, 50)):>10}   max {ms(max(self.search)):>10}   "
            f"({self.search_queries} queries, limit 100)",
            f"  open a record        p95 {ms(percentile(self.opens, 95)):>10}   "
            f"p50 {ms(percentile(self.opens, 50)):>10}   ({len(self.opens)} records)",
            f"  vault.db size        {self.vault_bytes / 2**20:.1f} MiB = "
            f"{per_thousand / 2**20:.2f} MiB per 1,000 revisions (incl. people, audit, indexes)",
            f"  revision bodies      {self.body_bytes / 2**20:.1f} MiB of JSON in all "
            f"({self.body_bytes / max(1, info.revisions):,.0f} bytes per revision on average)",
            "  hash chains          "
            + ({True: "verified", False: "BROKEN", None: "not checked (--quick)"}[self.chains_ok]),
        ]


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randrange(8, 16))).capitalize() + ". "


def build(folder: Path, people: int, revisions: int, time_box: float) -> BuildInfo:
    """Fill a new vault in `folder` through the repositories; stop early at `time_box` s."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    rng = random.Random(SEED)
    started = time.perf_counter()
    vault = new_vault(folder)
    # Build only: pages reach the disk when the OS writes them, not at each commit.
    vault.conn.execute("PRAGMA synchronous = OFF")
    people_repo = PeopleRepository(vault)
    records = AssessmentRepository(vault)
    checkpoints_each = max(0, (revisions - people) // max(1, people) - 1)
    extra = max(0, revisions - people * (2 + checkpoints_each))
    done_people = done_records = done_revisions = 0
    complete = True
    for i, details in enumerate(synthetic_people(people, seed=SEED)):
        if time.perf_counter() - started > time_box:
            complete = False
            break
        person = people_repo.add(details)
        record = records.create(PersonId(person.id), "sample", 2)
        done_people += 1
        done_records += 1
        done_revisions += 2
        narrative = _sentence(rng)
        for n in range(checkpoints_each + (1 if i < extra else 0)):
            if n == 0:
                for field in SHORT_FIELDS:
                    records.save_field(record.id, field, " ".join(rng.sample(WORDS, 4)))
                records.save_field(record.id, "lives_alone", rng.random() < 0.4)
            else:
                records.save_field(record.id, rng.choice(SHORT_FIELDS), _sentence(rng).strip())
            narrative += _sentence(rng)
            records.save_field(record.id, "narrative", narrative)
            records.checkpoint(record.id)
            done_revisions += 1
    profile_id = vault.profile.id
    vault.close()
    return BuildInfo(
        done_people,
        done_records,
        done_revisions,
        time.perf_counter() - started,
        complete,
        profile_id,
        people,
        revisions,
    )


def _queries(vault: Vault, rng: random.Random) -> list[str]:
    """What an assessor types, one keystroke at a time, to find a few people."""
    found = PeopleRepository(vault).search("", limit=100_000)
    out: list[str] = []
    for person in rng.sample(found, min(SAMPLE_PEOPLE, len(found))):
        family = person.details.family_name.lower()
        given = person.details.given_name.lower()
        out += [family[:n] for n in range(1, len(family) + 1)]
        out += [f"{family} {given[:n]}" for n in range(1, len(given) + 1)]
        if person.details.nhs_number:
            nhs = person.details.nhs_number
            out += [nhs[:n] for n in range(3, 11)]
            out += [nhs[-n:] for n in range(4, 7)]
        out += [f"{given[:3]} {family[:3]}"]
    return out


def run(
    people: int, revisions: int, *, time_box: float, verify: bool, rebuild: bool = False
) -> CaseloadResult:
    """Build (or reuse) the cached caseload and measure search, open and size."""
    folder = CACHE_DIR / f"caseload-{people}-{revisions}"
    meta = folder / "build.json"
    cached = meta.exists() and not rebuild
    if cached:
        info = BuildInfo.load(meta)
    else:
        info = build(folder, people, revisions, time_box)
        info.save(meta)
    vault = Vault.open(folder, info.profile_id, PASSPHRASE)
    try:
        rng = random.Random(SEED)
        people_repo = PeopleRepository(vault)
        registry = load_forms_dir(default_forms_dir())
        session = Session(vault, registry)
        queries = _queries(vault, rng)
        people_repo.search(queries[0])  # warm the page cache once, as the caseload view does
        clock = time.perf_counter
        search: list[float] = []
        for text in queries:
            start = clock()
            people_repo.search(text)
            search.append(clock() - start)
        ids = [r[0] for r in vault.conn.execute("SELECT id FROM assessment")]
        opens: list[float] = []
        for record_id in rng.sample(ids, min(RECORD_OPENS, len(ids))):
            start = clock()
            # What the editor does: answers with autosaves applied, the form, the person,
            # and an audit entry for the view.
            open_for_editing(session, record_id)
            opens.append(clock() - start)
        chains_ok = verify_chains(vault.conn).ok if verify else None
        body_bytes = vault.conn.execute("SELECT sum(length(body)) FROM revision").fetchone()[0]
    finally:
        vault.close()
    size = (folder / "profiles" / info.profile_id / VAULT_FILE).stat().st_size
    return CaseloadResult(
        info, cached, search, len(queries), opens, size, int(body_bytes or 0), chains_ok
    )
