"""Autosave latency: one field change through `AssessmentRepository.save_field`.

Floor: stdlib `sqlite3` (no encryption) with WAL and synchronous=FULL, doing the same one-row
INSERT into a table shaped like the autosave journal, in its own transaction. The two run in
alternating blocks so that noise from other processes on the machine falls on both. Besides the
p99 over every save, each block's own p99 ratio is reported (lowest to highest), so a reader
can tell a regression from the noise between blocks of the same run. The vault is locked and
unlocked once before the timed saves, as a user's is after the idle lock: SQLCipher then wipes
what it frees for the rest of the session, which costs each save about half as much again.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from assessor_app.core.records import PersonDetails, PersonId
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from bench.common import PASSPHRASE, Row, ms, new_vault, percentile

BLOCKS = 8
WARM_UP = 50
TARGET_RATIO = 1.5


@dataclass(frozen=True)
class AutosaveResult:
    """Latencies in seconds."""

    saves: int
    app: list[float]
    floor: list[float]

    @property
    def block_ratios(self) -> list[float]:
        """Each alternating block's p99 ratio (app over floor), lowest first."""
        size = len(self.app) // BLOCKS
        return sorted(
            percentile(self.app[i : i + size], 99) / percentile(self.floor[i : i + size], 99)
            for i in range(0, size * BLOCKS, size)
        )

    @property
    def p99_ratio(self) -> float:
        """The p99 of every app save over the p99 of every floor save."""
        return percentile(self.app, 99) / percentile(self.floor, 99)

    def summary(self) -> list[Row]:
        spread = self.block_ratios
        app99, floor99 = percentile(self.app, 99), percentile(self.floor, 99)
        return [
            Row(
                "autosave of one field, p99 (spread over blocks)",
                f"<= {TARGET_RATIO}x floor, < 10 ms",
                f"{ms(floor99)} stdlib sqlite3",
                f"{ms(app99)} ({spread[0]:.2f}x-{spread[-1]:.2f}x)",
                self.p99_ratio,
                self.p99_ratio <= TARGET_RATIO and app99 < 0.010,
            )
        ]

    def lines(self) -> list[str]:
        app50, app99 = percentile(self.app, 50), percentile(self.app, 99)
        floor50, floor99 = percentile(self.floor, 50), percentile(self.floor, 99)
        spread = self.block_ratios
        return [
            f"Autosave of one field ({self.saves} saves each, {BLOCKS} alternating blocks)",
            f"  save_field (SQLCipher)   p50 {ms(app50):>10}   p99 {ms(app99):>10}",
            f"  floor (stdlib sqlite3)   p50 {ms(floor50):>10}   p99 {ms(floor99):>10}",
            f"  ratio                    p50 {app50 / floor50:>9.2f}x"
            f"   p99 {self.p99_ratio:>9.2f}x   (target <= {TARGET_RATIO}x)",
            f"  p99 ratio block by block: {spread[0]:.2f}x to {spread[-1]:.2f}x "
            f"(median {spread[len(spread) // 2]:.2f}x): the spread within one run",
            f"  p99 < 10 ms: {'yes' if app99 < 0.010 else 'NO'}",
        ]


def _floor_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL").fetchone()
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(
        "CREATE TABLE autosave_journal (id INTEGER PRIMARY KEY, assessment_id TEXT NOT NULL, "
        "path TEXT NOT NULL, value TEXT NOT NULL, saved_at TEXT NOT NULL)"
    )
    conn.execute("CREATE INDEX autosave_by_assessment ON autosave_journal (assessment_id, id)")
    return conn


def _floor_save(conn: sqlite3.Connection, record_id: str, value: str) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO autosave_journal (assessment_id, path, value, saved_at) VALUES (?, ?, ?, ?)",
        (record_id, "notes", json.dumps(value), dt.datetime.now(dt.UTC).isoformat()),
    )
    conn.execute("COMMIT")


def run(saves: int) -> AutosaveResult:
    """Time `saves` autosaves through the app and `saves` through the floor."""
    with tempfile.TemporaryDirectory(prefix="assessor-bench-") as tmp:
        root = Path(tmp)
        (root / "data").mkdir()
        vault = new_vault(root / "data")
        floor = _floor_connection(root / "floor.db")
        try:
            person = PeopleRepository(vault).add(PersonDetails("Bench", "Person"))
            records = AssessmentRepository(vault)
            record = records.create(PersonId(person.id), "sample", 2)
            # Typing: each save carries the narrative so far, growing a few characters a time.
            text = ""
            for i in range(WARM_UP):
                text += f"w{i} "
                records.save_field(record.id, "notes", text)
                _floor_save(floor, record.id, text)
            records.checkpoint(record.id)
            # Locked and unlocked once, as after the idle lock: from the first lock on,
            # SQLCipher wipes what it frees for the rest of the process (database.close_wiping).
            profile_id = vault.profile.id
            vault.close()
            vault = Vault.open(root / "data", profile_id, PASSPHRASE)
            records = AssessmentRepository(vault)
            app: list[float] = []
            base: list[float] = []
            per_block = max(1, saves // BLOCKS)
            clock = time.perf_counter
            for _ in range(BLOCKS):
                block_text = text
                for i in range(per_block):
                    block_text += f"word{i} "
                    start = clock()
                    records.save_field(record.id, "notes", block_text)
                    app.append(clock() - start)
                block_text = text
                for i in range(per_block):
                    block_text += f"word{i} "
                    start = clock()
                    _floor_save(floor, record.id, block_text)
                    base.append(clock() - start)
                # The app folds the journal at focus changes; do so between blocks too.
                records.checkpoint(record.id)
            return AutosaveResult(per_block * BLOCKS, app, base)
        finally:
            floor.close()
            vault.close()
