"""The one connection policy and the schema migration runner. The only importer of sqlcipher3.

A connection is keyed with a raw 256-bit key, runs in WAL mode with synchronous=FULL (a
commit returns only once it is on disk) and in autocommit mode, so every write goes through
`transaction()`. Migrations are the numbered `.sql` files in `migrations/`, applied in order
inside one transaction each, tracked by `PRAGMA user_version`.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import sqlcipher3

from assessor_app.core.errors import (
    AssessorError,
    MigrationFailedError,
    StorageWriteError,
    VaultCorruptError,
    VaultTooNewError,
)
from assessor_app.core.storage.atomic import fsync_dir
from assessor_app.core.storage.search_fold import SQL_FUNCTION, fold_for_search
from assessor_app.core.storage.wipe import wipe

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SCHEMA_MIN_VERSION = 1
"""The oldest schema this app can upgrade from."""

if TYPE_CHECKING:
    # sqlcipher3 ships no type stubs; its connection is the stdlib sqlite3 API, keyed.
    from sqlite3 import Connection as Connection
    from sqlite3 import DatabaseError as DatabaseError
else:
    Connection = sqlcipher3.Connection
    DatabaseError = sqlcipher3.DatabaseError

_DAMAGE_MARKERS = ("malformed", "not a database", "hmac", "disk i/o error", "corrupt")


def is_damage(error: BaseException) -> bool:
    """True for SQLite/SQLCipher errors that mean the file itself is damaged."""
    text = str(error).lower()
    return isinstance(error, DatabaseError) and any(m in text for m in _DAMAGE_MARKERS)


class DamagedFileError(VaultCorruptError, DatabaseError):
    """A read or write met a damaged page: the file, not the disk space or the app, is at fault.

    Both a `VaultCorruptError` (so every caller shows it in plain words) and a
    `DatabaseError` (so code that rolls back on database errors still does).
    """

    def __init__(self) -> None:
        super().__init__(
            "Part of this profile's records file is damaged and cannot be read.",
            "Stop working in this profile and tell IT. 'assessor-cli audit verify' shows what "
            "is damaged, 'assessor-cli vault salvage' copies every record that can still be "
            "read into a new profile, and 'assessor-cli vault restore' brings back a backup.",
            work_is_safe=False,
        )


class _Cursor(sqlcipher3.Cursor):  # type: ignore[misc]
    """A cursor whose damage errors say so (see `DamagedFileError`).

    SQLCipher keeps failing on a connection once it has met a bad page, even for pages that
    are sound, so the connection is marked (`damaged`) for its owner to replace.
    """

    def _mapped(self, error: DatabaseError) -> DatabaseError:
        if not is_damage(error):
            return error
        self.connection.damaged = True
        return DamagedFileError()

    def execute(self, *args: Any) -> Any:
        try:
            return super().execute(*args)
        except DatabaseError as e:
            raise self._mapped(e) from e

    def executemany(self, *args: Any) -> Any:
        try:
            return super().executemany(*args)
        except DatabaseError as e:
            raise self._mapped(e) from e

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except DatabaseError as e:
            raise self._mapped(e) from e

    def fetchall(self) -> Any:
        try:
            return super().fetchall()
        except DatabaseError as e:
            raise self._mapped(e) from e

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except DatabaseError as e:
            raise self._mapped(e) from e


class _Connection(sqlcipher3.Connection):  # type: ignore[misc]
    """The app's connection: cursors map damage errors (every read goes through one)."""

    damaged = False
    """Set once a read met a damaged page: replace the connection (`Vault.conn` does)."""

    def cursor(self, factory: Any = _Cursor) -> Any:
        return super().cursor(factory)

    def execute(self, *args: Any) -> Any:
        return self.cursor().execute(*args)

    def executemany(self, *args: Any) -> Any:
        return self.cursor().executemany(*args)


@dataclass(frozen=True)
class Migration:
    """One numbered schema step."""

    version: int
    """The schema version after this step."""
    path: Path
    """The .sql file."""


def discover_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """List `NNNN_name.sql` files in order; numbering must be 1, 2, 3... without gaps."""
    found = []
    for path in folder.glob("*.sql"):
        match = re.fullmatch(r"(\d{4})_[a-z0-9_]+\.sql", path.name)
        if match:
            found.append(Migration(int(match.group(1)), path))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations in {folder} are not numbered 1..N without gaps")
    return found


def schema_max_version(folder: Path = MIGRATIONS_DIR) -> int:
    """The newest schema this app knows (the highest migration number)."""
    return len(discover_migrations(folder))


IN_LIST_SIZE = 400
"""Values bound in one ``IN (…)`` list: well under SQLite's limit on parameters."""


def in_chunks(values: Iterable[str]) -> Iterator[tuple[list[str], str]]:
    """`values` once each, in their first order, `IN_LIST_SIZE` at a time.

    Each chunk comes with the ``?, ?, …`` its ``IN (…)`` list binds.
    """
    wanted = list(dict.fromkeys(values))
    for start in range(0, len(wanted), IN_LIST_SIZE):
        chunk = wanted[start : start + IN_LIST_SIZE]
        yield chunk, ", ".join("?" * len(chunk))


def apply_key(conn: Connection, pragma: str, key: bytes | bytearray) -> None:
    """`PRAGMA key` (or `rekey`) with a raw key, leaving no readable copy of it behind.

    Run as a script, which the connection's statement cache never keeps, and the hex text is
    overwritten straight after (`wipe.py`).
    """
    hex_key = key.hex()
    statement = f"PRAGMA {pragma} = \"x'{hex_key}'\";"
    try:
        conn.executescript(statement)
    finally:
        wipe(hex_key, statement)


def close_wiping(conn: Connection) -> None:
    """Close, with SQLCipher wiping everything it frees (decrypted pages, statements).

    `cipher_memory_security` is process-wide and, once on, SQLCipher keeps it on for the rest
    of the process (`PRAGMA cipher_memory_security = OFF` is ignored). So it is turned on at
    the first lock, when the page cache full of decrypted answers is given back, and every save
    after that first lock pays for the wiping: about 0.40 ms a save before, 0.66 ms after
    (docs/benchmarks.md, "Autosave"). A process that never locks never pays it.
    """
    try:
        conn.execute("PRAGMA cipher_memory_security = ON")
    except DatabaseError:
        pass  # a connection that met damage still closes; its pages go unwiped
    finally:
        conn.close()


def connect(path: Path, key: bytes | bytearray, *, read_only: bool = False) -> Connection:
    """Open (or create) an SQLCipher file with a raw key and this app's pragmas.

    `read_only` never writes to the file (SQLite may still make the -shm file beside it).

    Raises:
        VaultCorruptError: the file is not an SQLCipher database for this key.
    """
    target = f"file:{quote(path.resolve().as_posix())}?mode=ro" if read_only else str(path)
    conn = sqlcipher3.connect(
        target,
        isolation_level=None,
        check_same_thread=False,
        factory=_Connection,
        uri=read_only,
    )
    try:
        apply_key(conn, "key", key)
        # Reading the schema is the first moment SQLCipher checks the key against the file.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if not read_only:
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")
        # 64 MiB of decrypted pages: search-as-you-type over a 20,000-person caseload stays
        # in memory instead of decrypting the same pages on every keystroke.
        conn.execute("PRAGMA cache_size = -65536")
        # Keep temporary tables and sort spills in memory: nothing plaintext on disk.
        conn.execute("PRAGMA temp_store = MEMORY")
        # For migrations that fold search text (schema 8) the way the app folds what is typed.
        conn.create_function(SQL_FUNCTION, 1, fold_for_search, deterministic=True)
    except DatabaseError as e:
        conn.close()
        raise VaultCorruptError(
            "The records file of this profile cannot be read: it is damaged or is not a "
            "records file.",
            "Restore it from a backup or ask IT for help. Nothing has been changed.",
        ) from e
    return conn  # type: ignore[no-any-return]  # untyped sqlcipher3


_savepoints = itertools.count(1)


@contextmanager
def transaction(conn: Connection) -> Iterator[Connection]:
    """Run a block in one write transaction: all of it is saved, or none of it.

    Inside another transaction the block becomes a savepoint of it: a failure undoes only the
    block (and is raised on), and nothing is saved until the outermost block commits. That is
    how a use case makes several repository calls one transaction.
    """
    if conn.in_transaction:
        with _savepoint(conn):
            yield conn
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            # SQLite has already rolled back after some errors (disk full, I/O error).
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    except DatabaseError as e:
        if conn.in_transaction:
            with contextlib.suppress(DatabaseError):
                conn.execute("ROLLBACK")
        if isinstance(e, DamagedFileError):
            raise
        if is_damage(e):
            raise DamagedFileError() from e
        if "signed documents are append-only" in str(e):
            raise AssessorError(
                "Something tried to change or remove a signed PDF kept in this profile, and "
                "was stopped: signed PDFs are never changed.",
                "Nothing was changed. If you did not do this, tell IT: another program may be "
                "writing to the records file.",
                work_is_safe=True,
            ) from e
        if "append-only" in str(e) or "never changed" in str(e) or "only for drafts" in str(e):
            raise AssessorError(
                "Something tried to change part of this profile's history, which is never "
                f"changed, and was stopped ({str(e)[:80]}).",
                "Nothing was changed. If you did not do this, tell IT: another program may be "
                "writing to the records file.",
                work_is_safe=True,
            ) from e
        if "malformed" in str(e) or "not a database" in str(e):
            raise VaultCorruptError(
                "The records file of this profile is damaged.",
                "Stop using this profile and ask IT to restore it from a backup.",
                work_is_safe=False,
            ) from e
        raise StorageWriteError(
            "The last change could not be saved: the disk may be full or failing.",
            "Free some disk space, then try again. Everything saved before it is safe.",
        ) from e


@contextmanager
def _savepoint(conn: Connection) -> Iterator[None]:
    name = f"nested_{next(_savepoints)}"
    conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
        raise
    conn.execute(f"RELEASE {name}")


def user_version(conn: Connection) -> int:
    """The schema version recorded in the file."""
    row: Any = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(conn: Connection, db_path: Path, folder: Path = MIGRATIONS_DIR) -> int:
    """Bring the schema up to date, keeping a copy to put back if a step fails.

    Returns:
        The schema version now in the file.

    Raises:
        VaultTooNewError: the file was written by a newer app.
        MigrationFailedError: a step failed; the copy was restored and nothing was lost.
    """
    migrations = discover_migrations(folder)
    current = user_version(conn)
    newest = len(migrations)
    if current > newest:
        raise VaultTooNewError(
            f"These records were saved by a newer version of Assessor (schema {current}; "
            f"this version understands up to {newest}).",
            "Install the latest version of Assessor. Nothing has been changed.",
        )
    pending = [m for m in migrations if m.version > current]
    if not pending:
        return current
    backup = None
    if current > 0:
        # Copy aside first: field apps have corrupted encrypted stores during upgrades.
        backup = _copy_aside(conn, db_path, current)
    try:
        for step in pending:
            sql = step.path.read_text("utf-8")
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _split_sql(sql):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {step.version}")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
    except DatabaseError as e:
        if backup is not None:
            conn.close()
            _restore(backup, db_path)
        raise MigrationFailedError(
            f"Updating the records file to schema {step.version} failed.",
            "Your records were put back exactly as they were and nothing was lost. "
            "Keep using the previous version of Assessor and tell IT.",
        ) from e
    _vacuum_if_mostly_free(conn)
    if backup is not None:
        backup.unlink(missing_ok=True)
    return newest


def _vacuum_if_mostly_free(conn: Connection) -> None:
    """Give back the space a table rebuild freed (schema 2 rebuilt the revision table)."""
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    if pages and free / pages > 0.25:
        conn.execute("VACUUM")


def _copy_aside(conn: Connection, db_path: Path, version: int) -> Path:
    """Copy the whole database aside, durably, before an upgrade touches it."""
    busy, log_frames, done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy or log_frames != done:
        # Another reader holds part of the WAL: a copy of the main file alone would be stale.
        raise AssessorError(
            "The records file is in use by another copy of Assessor, so it cannot be updated.",
            "Close every other Assessor window, then open the profile again. Nothing changed.",
        )
    backup = db_path.with_name(f"{db_path.name}.pre-upgrade-{version}")
    shutil.copy2(db_path, backup)
    _fsync_file(backup)
    return backup


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())
    fsync_dir(path.parent)


def _restore(backup: Path, db_path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    shutil.copy2(backup, db_path)
    _fsync_file(db_path)
    backup.unlink()


def _split_sql(script: str) -> list[str]:
    """Split a migration script into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--") and not buffer.strip():
            continue
        buffer += line
        if sqlcipher3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
