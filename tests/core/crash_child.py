"""Child process for test_crash_durability: autosave in a loop until killed.

    python crash_child.py DATA_DIR PROFILE_ID ASSESSMENT_ID FIRST_COUNTER CHECKPOINT_EVERY

Prints `ready` once the vault is open, then for each counter value n (from FIRST_COUNTER up)
saves n into field `c{n % SLOTS}` and prints `s n` only after `save_field` has returned; every
CHECKPOINT_EVERY saves it checkpoints and prints `c n` after `checkpoint` has returned. Every
line is flushed at once, so the parent knows exactly what the app told the user was saved.
"""

from __future__ import annotations

import sys
from pathlib import Path

SLOTS = 64
"""Fields the counter cycles through, so the record stays small however long the loop runs."""

PASSPHRASE = "amber lantern orchard"
"""Same as tests/conftest.py; repeated so this script imports nothing from the test package."""


def field_for(counter: int) -> str:
    """The answer path a counter value is saved under."""
    return f"c{counter % SLOTS:02d}"


def main(argv: list[str]) -> None:
    from assessor_app.core.storage.assessments import AssessmentRepository
    from assessor_app.core.storage.vault import Vault

    data_dir, profile_id, assessment_id = Path(argv[0]), argv[1], argv[2]
    counter, every = int(argv[3]), int(argv[4])
    vault = Vault.open(data_dir, profile_id, PASSPHRASE)
    records = AssessmentRepository(vault)
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    saves = 0
    while True:
        records.save_field(assessment_id, field_for(counter), counter)
        out.write(f"s {counter}\n")
        out.flush()
        saves += 1
        if saves % every == 0:
            records.checkpoint(assessment_id)
            out.write(f"c {counter}\n")
            out.flush()
        counter += 1


if __name__ == "__main__":
    main(sys.argv[1:])
