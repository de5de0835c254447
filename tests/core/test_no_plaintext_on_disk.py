"""Nothing a person told the assessor is readable from the disk, while unlocked or after.

A separate process (so TMPDIR and HOME can point at empty folders from the very start) makes
a profile, adds a person with distinctive details, writes a record with distinctive answers,
checkpoints, and leaves more answers in the autosave journal. The test then reads the raw bytes
of every file under the data folder, first while the vault is open (WAL and shared-memory files
present) and again after it is locked, looking for each detail in UTF-8 and UTF-16-LE, in any
letter case. profile.json holds the assessor's own name by design; that is not a needle.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

from assessor_app.core.demo import synthetic_nhs_number
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.profiles import list_profiles
from assessor_app.core.storage.vault import Vault
from tests.conftest import PASSPHRASE, REPO_ROOT

NHS_NUMBER = synthetic_nhs_number(random.Random(4242))
GIVEN, FAMILY = "Zephyrine", "Quillbottom-Test"
ADDRESS = "7 Marrowgrave Close, Demotown"
CHECKPOINTED_WORD = "Brindlequastery"
JOURNAL_WORD = "Vorpalshrikewise"

NEEDLES = [
    GIVEN,
    "Quillbottom",
    NHS_NUMBER,
    f"{NHS_NUMBER[:3]} {NHS_NUMBER[3:6]} {NHS_NUMBER[6:]}",
    "Marrowgrave",
    CHECKPOINTED_WORD,
    JOURNAL_WORD,
]

CHILD = r"""
import json, sys
from pathlib import Path

from assessor_app.core.records import PersonDetails, Role
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault

args = json.loads(sys.argv[1])
vault = Vault.create(
    Path(args["data_dir"]), name="Robin Testcase", role=Role.SOCIAL_WORKER,
    authority="Exampleshire County Council", passphrase=args["passphrase"],
    kdf=FAST_KDF_FOR_TESTS,
)
person = PeopleRepository(vault).add(PersonDetails(
    given_name=args["given"], family_name=args["family"], nhs_number=args["nhs"],
    address=args["address"],
))
records = AssessmentRepository(vault)
record = records.create(person.id, "sample", 2)
narrative = (
    "Lives alone and manages most days, but describes the stairs as "
    + args["checkpointed_word"] + " after a fall last winter. "
) * 20
records.save_field(record.id, "narrative", narrative)
records.save_field(record.id, "summary", args["given"] + " " + args["family"])
records.checkpoint(record.id)
records.save_field(record.id, "notes", "Follow up: " + args["journal_word"] + " visit.")
assert vault.conn.execute("SELECT count(*) FROM autosave_journal").fetchone()[0] == 1
print(json.dumps({"profile_id": vault.profile.id, "record_id": record.id}), flush=True)
sys.stdin.readline()
vault.close()
print("closed", flush=True)
"""


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _plaintext_hits(files: dict[str, bytes]) -> list[str]:
    hits = []
    for name, data in files.items():
        folded = data.lower()
        for needle in NEEDLES:
            for encoding in ("utf-8", "utf-16-le"):
                if needle.lower().encode(encoding) in folded:
                    hits.append(f"{name}: {needle!r} in {encoding}")
    return hits


def test_no_personal_data_in_any_file_open_or_locked(tmp_path: Path) -> None:
    data_dir, tmp_dir, home = tmp_path / "data", tmp_path / "tmp", tmp_path / "home"
    for folder in (data_dir, tmp_dir, home):
        folder.mkdir()
    env = {
        **os.environ,
        "TMPDIR": str(tmp_dir),
        "SQLITE_TMPDIR": str(tmp_dir),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local/state"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    args = {
        "data_dir": str(data_dir),
        "passphrase": PASSPHRASE,
        "given": GIVEN,
        "family": FAMILY,
        "nhs": NHS_NUMBER,
        "address": ADDRESS,
        "checkpointed_word": CHECKPOINTED_WORD,
        "journal_word": JOURNAL_WORD,
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(args)],
        cwd=REPO_ROOT,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        first = child.stdout.readline()
        if not first:
            raise AssertionError(f"child failed before unlocking:\n{child.communicate()[1]}")
        ids = json.loads(first)

        while_open = _files(data_dir)
        wal = [name for name in while_open if name.endswith("vault.db-wal")]
        assert wal and while_open[wal[0]], f"no WAL while open: {list(while_open)}"
        assert not _plaintext_hits(while_open), _plaintext_hits(while_open)

        child.stdin.write("\n")
        child.stdin.flush()
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, err
    assert out.strip() == "closed", out

    after_close = _files(data_dir)
    assert not _plaintext_hits(after_close), _plaintext_hits(after_close)
    assert any(name.endswith("vault.db") for name in after_close), list(after_close)
    assert list(tmp_dir.iterdir()) == [], f"files written to TMPDIR: {list(tmp_dir.rglob('*'))}"
    assert list(home.iterdir()) == [], f"files written to HOME: {list(home.rglob('*'))}"

    # The details really were stored (so the search above was not looking at empty files):
    # the right passphrase gets every one of them back.
    assert [p.id for p in list_profiles(data_dir)] == [ids["profile_id"]]
    vault = Vault.open(data_dir, ids["profile_id"], PASSPHRASE)
    try:
        found = PeopleRepository(vault).search(f"{GIVEN[:4]} {NHS_NUMBER[-4:]}")
        assert [(p.details.family_name, p.details.nhs_number) for p in found] == [
            (FAMILY, NHS_NUMBER)
        ]
        answers = AssessmentRepository(vault).get(ids["record_id"]).answers
        assert CHECKPOINTED_WORD in answers["narrative"]
        assert JOURNAL_WORD in answers["notes"]
    finally:
        vault.close()
