"""A large caseload: search-as-you-type, opening a record, and vault size per 1,000 revisions.

The caseload is a synthetic one like a real one (`bench.bulk.write_caseload`: long-tailed
names with accented ones, NHS numbers spread over the test range, the real forms in the
proportions and states of a caseload, DST dates due and overdue), written as a caseload file
and imported through `services.bulk_import` (what `assessor-cli caseload import` does), so
every revision is a real, hash-chained one that `verify_chains` accepts. It is built once and
cached under bench/.cache/; the vault is written and measured with synchronous=FULL.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.services.bulk_import import import_caseload_file
from assessor_app.core.services.records import open_for_editing
from assessor_app.core.services.session import Session
from assessor_app.core.storage.history import verify_chains
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import VAULT_FILE, Vault
from bench.bulk import write_caseload
from bench.common import CACHE_DIR, PASSPHRASE, ms, new_vault, percentile

SEED = 11
SAMPLE_PEOPLE = 12
RECORD_OPENS = 400
CACHE_NAME = "caseload-bulk-{people}-{revisions}"
"""The cached caseload's folder (caseloads of the old one-form build have other names)."""


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
            f"bulk import{', read from cache' if self.cached else ''})",
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


def build(folder: Path, people: int, revisions: int, time_box: float) -> BuildInfo:
    """Fill a new vault in `folder` with a synthetic caseload, through the bulk import.

    `time_box` is kept for the caller: the bulk path builds the whole caseload (20,000 people
    in well under the old build's time box), so the result is always complete.
    """
    del time_box
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    source = folder / "caseload.jsonl"
    write_caseload(source, people, revisions, seed=SEED)
    vault = new_vault(folder)
    try:
        done = import_caseload_file(Session(vault, load_forms_dir(default_forms_dir())), source)
        profile_id = vault.profile.id
    finally:
        vault.close()
        source.unlink()
    return BuildInfo(
        done.people,
        done.records,
        done.revisions,
        time.perf_counter() - started,
        True,
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
    folder = CACHE_DIR / CACHE_NAME.format(people=people, revisions=revisions)
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
