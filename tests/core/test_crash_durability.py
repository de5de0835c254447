"""Autosave survives the process being killed at any moment (SIGKILL, no clean-up at all).

A child process (crash_child.py) autosaves a counter in a loop and prints each value only
after `save_field` has returned. The parent kills it at random moments, reopens the vault and
checks that every value the child reported as saved is there, that nothing was invented, and
that the hash chains are whole. The seed is fixed so a failure can be replayed; set
ASSESSOR_CRASH_SEED to try others.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from assessor_app.core.records import PersonId, Role
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.history import verify_chains
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.conftest import PASSPHRASE, REPO_ROOT
from tests.core.crash_child import SLOTS, field_for
from tests.support import community_person

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL"),
]

SEED = int(os.environ.get("ASSESSOR_CRASH_SEED", "20250611"))
ROUNDS = 25
CHECKPOINT_EVERY = 7
CHILD = Path(__file__).with_name("crash_child.py")
READY_TIMEOUT = 30.0


@dataclass
class Round:
    """What one child reported before it was killed."""

    number: int
    first_counter: int
    delay: float
    kill_before_ready: bool
    saved: list[int] = field(default_factory=list)
    checkpoints: int = 0
    ready: bool = False
    other: list[str] = field(default_factory=list)

    def describe(self) -> str:
        when = "after spawn" if self.kill_before_ready else "after ready"
        return (
            f"seed {SEED}, round {self.number}: killed {self.delay:.3f}s {when}, "
            f"{len(self.saved)} saves and {self.checkpoints} checkpoints reported"
        )


def _run_and_kill(data_dir: Path, profile_id: str, assessment_id: str, rnd: Round) -> None:
    child = subprocess.Popen(
        [
            sys.executable,
            str(CHILD),
            str(data_dir),
            profile_id,
            assessment_id,
            str(rnd.first_counter),
            str(CHECKPOINT_EVERY),
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    ready = threading.Event()

    def drain() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            kind, _, value = line.strip().partition(" ")
            if kind == "ready":
                rnd.ready = True
                ready.set()
            elif kind == "s":
                rnd.saved.append(int(value))
            elif kind == "c":
                rnd.checkpoints += 1
            else:
                rnd.other.append(line)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        if rnd.kill_before_ready:
            time.sleep(rnd.delay)
        else:
            if not ready.wait(READY_TIMEOUT):
                child.kill()
                _, err = child.communicate()
                pytest.fail(f"{rnd.describe()}: child never opened the vault:\n{err}")
            time.sleep(rnd.delay)
        exited_early = child.poll() is not None
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    reader.join(timeout=10)
    assert not reader.is_alive(), rnd.describe()
    err = child.stderr.read() if child.stderr else ""
    # The child loops for ever: if it stopped on its own, it failed, and that is a bug too.
    assert not exited_early, f"{rnd.describe()}: child exited by itself:\n{err}"
    assert child.returncode == -signal.SIGKILL, f"{rnd.describe()}: {child.returncode}\n{err}"
    assert not rnd.other, f"{rnd.describe()}: unexpected output {rnd.other!r}"


def test_every_reported_autosave_survives_sigkill(data_dir: Path) -> None:
    rng = random.Random(SEED)
    vault = Vault.create(
        data_dir,
        name="Robin Testcase",
        role=Role.SOCIAL_WORKER,
        authority="Exampleshire County Council",
        passphrase=PASSPHRASE,
        kdf=FAST_KDF_FOR_TESTS,
    )
    profile_id = vault.profile.id
    person = PeopleRepository(vault).add(community_person())
    record = AssessmentRepository(vault).create(PersonId(person.id), "sample", 2)
    vault.close()

    last_reported: dict[str, int] = {}
    """Per field, the last value a child reported as saved (across all rounds)."""
    may_exist: set[int] = set()
    """Every value any child could have committed: reported ones plus one in flight per round."""
    checkpoints_reported = 0
    counter = 1
    total_saves = 0
    rounds_with_saves = 0
    for number in range(ROUNDS):
        kill_before_ready = rng.random() < 0.2
        delay = rng.uniform(0.0, 0.6) if kill_before_ready else rng.uniform(0.0, 0.5)
        rnd = Round(number, counter, delay, kill_before_ready)
        _run_and_kill(data_dir, profile_id, record.id, rnd)

        assert rnd.saved == list(range(counter, counter + len(rnd.saved))), rnd.describe()
        for value in rnd.saved:
            last_reported[field_for(value)] = value
        in_flight = counter + len(rnd.saved)
        may_exist.update(rnd.saved)
        may_exist.add(in_flight)
        checkpoints_reported += rnd.checkpoints
        total_saves += len(rnd.saved)
        rounds_with_saves += bool(rnd.saved)
        # Skip past the value that may or may not have landed, so the next round's values
        # can never be confused with it.
        counter = in_flight + 1

        reopened = Vault.open(data_dir, profile_id, PASSPHRASE)
        try:
            records = AssessmentRepository(reopened)
            answers = records.get(record.id).answers
            lost = {
                path: (value, answers.get(path))
                for path, value in last_reported.items()
                if not isinstance(answers.get(path), int) or answers[path] < value
            }
            assert not lost, (
                f"{rnd.describe()}: saved values lost (field: (reported, found)): {lost}"
            )
            invented = {
                path: value
                for path, value in answers.items()
                if value not in may_exist or field_for(value) != path
            }
            assert not invented, f"{rnd.describe()}: values never saved: {invented}"
            revisions = len(records.history(record.id))
            # One revision for `create`, one per reported checkpoint, and at most one more per
            # round for a checkpoint that committed just before the kill.
            assert 1 + checkpoints_reported <= revisions <= 1 + checkpoints_reported + number + 1, (
                f"{rnd.describe()}: {revisions} revisions for "
                f"{checkpoints_reported} reported checkpoints"
            )
            report = verify_chains(reopened.conn)
            assert report.ok, f"{rnd.describe()}: {report.first_break}"
            assert reopened.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", (
                rnd.describe()
            )
        finally:
            reopened.close()

    # The test must have actually exercised the loop, or it proves nothing.
    assert rounds_with_saves >= ROUNDS // 2, f"seed {SEED}: only {rounds_with_saves} rounds saved"
    assert total_saves >= 10 * ROUNDS // 2, f"seed {SEED}: only {total_saves} saves in all"
    assert checkpoints_reported > 0, f"seed {SEED}: no checkpoint was ever reported"
    assert len(last_reported) == SLOTS or total_saves < SLOTS, f"seed {SEED}"
