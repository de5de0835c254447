"""Rolling encrypted backups of a profile's records file, and bringing one back.

On a clean lock the vault copies itself with `VACUUM INTO` (SQLCipher writes the copy
encrypted under the same key) into `backups/` in the profile folder, at most once an hour, and
keeps the newest few. A damaged or truncated `vault.db` is then not the end of a day's work:
`restore_backup` puts a backup back, keeping the file it replaces beside it, and re-anchors
the history at the backup's head. Nothing here is ever plaintext. Imports no Qt.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from assessor_app.core.errors import AssessorError, VaultCorruptError, VaultNotFoundError
from assessor_app.core.storage import anchor, database, history
from assessor_app.core.storage.atomic import fsync_dir
from assessor_app.core.storage.database import Connection

__all__ = [
    "BACKUP_DIR",
    "KEEP",
    "Backup",
    "list_backups",
    "make_backup",
    "remove_backups",
    "restore_backup_file",
]

BACKUP_DIR = "backups"
KEEP = 3
"""How many backups are kept; the oldest goes when a new one is made."""
MIN_INTERVAL = dt.timedelta(hours=1)
"""No new backup on a lock within this long of the last one: idle locks come often."""
_PREFIX, _SUFFIX = "vault-", ".db"


@dataclass(frozen=True)
class Backup:
    """One backup file."""

    path: Path
    """Where it is."""
    made_at: dt.datetime
    """When it was made (UTC), from its name."""
    size: int
    """Its size in bytes."""

    @property
    def name(self) -> str:
        """The file name, which `restore` takes."""
        return self.path.name


def list_backups(folder: Path) -> list[Backup]:
    """A profile's backups, newest first."""
    found = []
    for path in (folder / BACKUP_DIR).glob(f"{_PREFIX}*{_SUFFIX}"):
        stamp = path.name[len(_PREFIX) : -len(_SUFFIX)]
        try:
            made = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=dt.UTC)
        except ValueError:
            continue
        found.append(Backup(path, made, path.stat().st_size))
    return sorted(found, key=lambda b: b.made_at, reverse=True)


def make_backup(conn: Connection, folder: Path, *, force: bool = False) -> Backup | None:
    """Copy the open records file into `backups/`, unless one was made within the hour.

    Written under a temporary name, synced, then renamed: a copy cut short never looks like a
    backup. Returns the new backup, or None when none was due.
    """
    now = history.now_utc()
    existing = list_backups(folder)
    if existing and not force and now - existing[0].made_at < MIN_INTERVAL:
        return None
    target_dir = folder / BACKUP_DIR
    target_dir.mkdir(mode=0o700, exist_ok=True)
    name = f"{_PREFIX}{now.strftime('%Y%m%dT%H%M%S%fZ')}{_SUFFIX}"
    partial = target_dir / f".{name}.partial"
    partial.unlink(missing_ok=True)
    try:
        conn.execute("VACUUM INTO ?", (str(partial),))
        with open(partial, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(partial, target_dir / name)
        fsync_dir(target_dir)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    for old in list_backups(folder)[KEEP:]:
        old.path.unlink(missing_ok=True)
    return list_backups(folder)[0]


def remove_backups(folder: Path) -> None:
    """Delete every backup (after a key rotation they are under the key being retired)."""
    for backup in list_backups(folder):
        backup.path.unlink(missing_ok=True)


def restore_backup_file(folder: Path, db_key: bytes, profile_id: str, name: str | None) -> Backup:
    """Put a backup back as `vault.db`; the caller holds the profile lock and the key.

    The file it replaces is kept beside it as `vault.db.replaced-<time>` (never deleted), and
    the anchor is moved to the backup's head: restoring is a deliberate step back, which the
    audit log of the restored file then records.

    Raises:
        VaultNotFoundError: no such backup (or none at all).
        VaultCorruptError: the backup itself cannot be read with this profile's key.
    """
    backups = list_backups(folder)
    chosen = next((b for b in backups if name in (None, b.name)), None)
    if chosen is None:
        raise VaultNotFoundError(
            "There is no such backup of this profile."
            if name
            else "This profile has no backups yet (one is made when the app locks).",
            "See 'assessor-cli vault backups' for the ones there are.",
        )
    try:
        check = database.connect(chosen.path, db_key)
    except VaultCorruptError as e:
        raise VaultCorruptError(
            f"The backup {chosen.name} cannot be read with this profile's key.",
            "Choose another backup ('assessor-cli vault backups'). Nothing has been changed.",
        ) from e
    try:
        problems = [str(r[0]) for r in check.execute("PRAGMA cipher_integrity_check").fetchall()]
        head = history.audit_head(check)
    except database.DatabaseError as e:
        problems = [str(e)]
    finally:
        check.close()
    if problems:
        raise VaultCorruptError(
            f"The backup {chosen.name} is damaged too.",
            "Choose another backup ('assessor-cli vault backups'). Nothing has been changed.",
        )
    db_path = folder / "vault.db"
    stamp = history.now_utc().strftime("%Y%m%dT%H%M%SZ")
    # The anchor first: the backup is an ancestor of the file it replaces, so until the swap
    # the file is merely ahead of its anchor, which is allowed; a crash after it is not a
    # false "rolled back".
    anchor.write_anchor(folder, db_key, profile_id, *head)
    if db_path.exists():
        os.replace(db_path, folder / f"vault.db.replaced-{stamp}")
    for suffix in ("-wal", "-shm"):
        leftover = folder / f"vault.db{suffix}"
        if leftover.exists():
            os.replace(leftover, folder / f"vault.db{suffix}.replaced-{stamp}")
    try:
        shutil.copy2(chosen.path, db_path)
        with open(db_path, "rb+") as f:
            os.fsync(f.fileno())
        fsync_dir(folder)
    except OSError as e:
        raise AssessorError(
            "The backup could not be copied into place.",
            f"Free some disk space and try again; the replaced file is kept as "
            f"vault.db.replaced-{stamp}.",
            work_is_safe=True,
        ) from e
    with contextlib.suppress(FileNotFoundError):  # dealt with: kept, no longer reported
        os.replace(folder / anchor.MISMATCH_FILE, folder / f"head-mismatch.resolved-{stamp}.json")
    return chosen
