"""What a user waits for when focus leaves a field, and when the app locks.

A checkpoint folds the autosave journal into a hash-chained revision and, since issue 18,
writes where the history ends to head.json (temporary file, fsync, rename). Floor: stdlib
`sqlite3` (no encryption), WAL and synchronous=FULL, inserting a revision-sized row and
deleting the journal rows in one transaction, then writing and fsyncing a small file the same
way: the same durable steps without the app's code. Alternating blocks share the noise.

Lock closes the vault: an audit entry, the WAL checkpoint, an encrypted backup (VACUUM INTO,
at most hourly; forced here) and SQLite's memory wiped. Measured against the floor's own
VACUUM INTO of a file of the same size.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from assessor_app.core.records import PersonDetails, PersonId
from assessor_app.core.storage import backups
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.atomic import write_atomic
from assessor_app.core.storage.people import PeopleRepository
from bench.common import Row, ms, new_vault, percentile

BLOCKS = 4


@dataclass(frozen=True)
class CheckpointResult:
    """Latencies in seconds."""

    checkpoints: int
    app: list[float]
    floor: list[float]
    backup_app: float
    backup_floor: float
    size: int

    def summary(self) -> list[Row]:
        a95, f95 = percentile(self.app, 95), percentile(self.floor, 95)
        return [
            Row(
                "checkpoint on leaving a field, p95",
                "(no target: watched)",
                f"{ms(f95)} sqlite3 + fsync",
                ms(a95),
                a95 / f95,
                None,
            )
        ]

    def lines(self) -> list[str]:
        a50, a95 = percentile(self.app, 50), percentile(self.app, 95)
        f50, f95 = percentile(self.floor, 50), percentile(self.floor, 95)
        return [
            f"Checkpoint on leaving a field ({self.checkpoints} each, {BLOCKS} alternating blocks)",
            f"  checkpoint + anchor      p50 {ms(a50):>10}   p95 {ms(a95):>10}",
            f"  floor (sqlite3 + fsync)  p50 {ms(f50):>10}   p95 {ms(f95):>10}",
            f"  ratio                    p50 {a50 / f50:>9.2f}x   p95 {a95 / f95:>9.2f}x",
            f"Encrypted backup on lock ({self.size / 2**20:.1f} MiB records file)",
            f"  VACUUM INTO, SQLCipher   {ms(self.backup_app):>10}   floor (sqlite3) "
            f"{ms(self.backup_floor):>10}   ratio {self.backup_app / self.backup_floor:.2f}x",
        ]


def _floor(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL").fetchone()
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE revision (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    conn.execute("CREATE TABLE journal (id INTEGER PRIMARY KEY, value TEXT NOT NULL)")
    return conn


def _floor_checkpoint(conn: sqlite3.Connection, folder: Path, body: str) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO revision (body) VALUES (?)", (body,))
    conn.execute("DELETE FROM journal")
    conn.execute("COMMIT")
    write_atomic(
        folder / "head.json", json.dumps({"seq": len(body)}).encode(), durable_rename=False
    )


def run(checkpoints: int, people: int = 2000) -> CheckpointResult:
    """Time `checkpoints` checkpoints each way, then one backup each way."""
    with tempfile.TemporaryDirectory(prefix="assessor-bench-") as tmp:
        root = Path(tmp)
        (root / "data").mkdir()
        (root / "floor").mkdir()
        vault = new_vault(root / "data")
        floor = _floor(root / "floor" / "floor.db")
        try:
            repo = PeopleRepository(vault)
            with vault.transaction():  # a caseload to back up, in one transaction
                for i in range(people):
                    repo.add(PersonDetails(f"Given{i}", f"Family{i}", address="x" * 300))
            person = repo.add(PersonDetails("Bench", "Person"))
            records = AssessmentRepository(vault)
            record = records.create(PersonId(person.id), "sample", 2)
            app: list[float] = []
            base: list[float] = []
            per_block = max(1, checkpoints // BLOCKS)
            text = "A narrative of the visit. " * 40
            clock = time.perf_counter
            for block in range(BLOCKS):
                for i in range(per_block):
                    records.save_field(record.id, "notes", f"{text}{block}-{i}")
                    start = clock()
                    records.checkpoint(record.id)
                    app.append(clock() - start)
                for i in range(per_block):
                    floor.execute("INSERT INTO journal (value) VALUES (?)", (text,))
                    start = clock()
                    _floor_checkpoint(floor, root / "floor", f"{text}{block}-{i}")
                    base.append(clock() - start)
            size = (vault.folder / "vault.db").stat().st_size
            start = clock()
            backups.make_backup(vault.conn, vault.folder, force=True)
            backup_app = clock() - start
            with vault.transaction() as conn:  # the floor backs up a file of the same size
                rows = conn.execute("SELECT body FROM revision").fetchall()
            floor.execute("BEGIN IMMEDIATE")
            floor.executemany("INSERT INTO revision (body) VALUES (?)", rows)
            floor.execute("COMMIT")
            target = root / "floor" / "copy.db"
            start = clock()
            floor.execute("VACUUM INTO ?", (str(target),))
            with open(target, "rb+") as f:
                os.fsync(f.fileno())
            backup_floor = clock() - start
            return CheckpointResult(per_block * BLOCKS, app, base, backup_app, backup_floor, size)
        finally:
            floor.close()
            vault.close()
