"""One profile's encrypted vault: its folder, key slots, unlock back-off and open connection.

Layout of a profile folder (`<data dir>/profiles/<profile id>/`):
    profile.json       the label shown on the unlock screen (the assessor's name) and created date
    keyslots.json      the wrapped database key (see keyslots.py); no personal data
    unlock_state.json  count and time of recent wrong passphrases, for the back-off
    vault.db           the SQLCipher 4 database (with -wal and -shm beside it while open)
    vault.lock         held while the vault is open: one app per profile (profile_lock.py)
    head.json          where the history ends, under a MAC (anchor.py); no personal data
Create and open are separate named constructors; neither does the other's job.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assessor_app.core.errors import (
    AssessorError,
    RecoveryError,
    StorageWriteError,
    UnlockBackoffError,
    VaultCorruptError,
    VaultLockedError,
    VaultNotFoundError,
    WrongPassphraseError,
)
from assessor_app.core.passphrases import require_strong_enough
from assessor_app.core.records import Profile, ProfileId, Role
from assessor_app.core.storage import anchor, backups, database, history, recovery_key
from assessor_app.core.storage import outbox as outbox  # registers the outbox's revision hook
from assessor_app.core.storage.atomic import write_atomic
from assessor_app.core.storage.keyslots import KdfParams, KeySlots, calibrate_kdf
from assessor_app.core.storage.profile_lock import ProfileLock
from assessor_app.core.storage.profiles import profiles_dir
from assessor_app.core.storage.wipe import wipe

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

log = logging.getLogger("assessor.storage")
VAULT_FILE = "vault.db"
MIN_VAULT_BYTES = 4096
"""One SQLCipher page: anything shorter is not a records file, and is never opened (opening
it would write a fresh header over what is left)."""
FREE_TRIES = 3
MAX_DELAY_SECONDS = 300.0


def backoff_delay(failures: int) -> float:
    """Seconds to wait after `failures` wrong passphrases in a row: 0, 0, 0, 2, 4, 8... 300."""
    if failures < FREE_TRIES:
        return 0.0
    return min(MAX_DELAY_SECONDS, 2.0 ** (failures - FREE_TRIES + 1))


class Vault:
    """An unlocked profile. Use `Vault.create` or `Vault.open`; `close` drops the key."""

    def __init__(
        self,
        folder: Path,
        conn: database.Connection,
        key: bytes | bytearray,
        profile: Profile,
        lock: ProfileLock,
    ):
        self.folder = folder
        self.data_dir = folder.parent.parent
        """The data folder this profile was opened from (``<data dir>/profiles/<id>/``)."""
        self._conn: database.Connection | None = conn
        # A bytearray, so locking can overwrite it (wipe.py); the caller wipes its copy.
        self._key: bytearray | None = bytearray(key)
        self._lock = lock
        self._anchored: tuple[int, str] | None = None
        self._read_only = False
        self._marked_anchored = False
        self.profile = profile
        self.history_problem: anchor.AnchorProblem | None = None
        """Set on unlock when the records file does not match where this profile's history
        was last anchored (rolled back, swapped, rewritten); the app warns about it."""

    # -- construction -------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        data_dir: Path,
        *,
        name: str,
        role: Role,
        authority: str,
        passphrase: str,
        kdf: KdfParams | None = None,
    ) -> Vault:
        """Make a new profile with a fresh random key and one passphrase slot."""
        name, authority = name.strip(), authority.strip()
        if not name:
            raise AssessorError("Enter your name.", "It is printed on the records you sign.")
        require_strong_enough(passphrase)
        profile_id = ProfileId(secrets.token_hex(8))
        folder = profiles_dir(data_dir) / profile_id
        folder.mkdir(parents=True, mode=0o700)
        lock = ProfileLock.acquire(folder)
        try:
            slots, key = KeySlots.create(
                folder / "keyslots.json", profile_id, passphrase, kdf or calibrate_kdf()
            )
            conn = database.connect(folder / VAULT_FILE, key)
            database.migrate(conn, folder / VAULT_FILE)
            created = history.now_utc().isoformat()
            with database.transaction(conn):
                conn.execute(
                    "INSERT INTO profile (id, name, role, authority, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (profile_id, name, role.value, authority, created),
                )
                history.append_audit(conn, profile_id, "vault.create")
            write_atomic(
                folder / "profile.json",
                json.dumps({"label": name, "created_at": created[:10]}).encode(),
            )
        except BaseException:
            lock.release()
            shutil.rmtree(folder, ignore_errors=True)
            raise
        del slots
        vault = cls(folder, conn, key, Profile(profile_id, name, role, authority), lock)
        wipe(key)
        vault._anchor_safely()
        return vault

    @classmethod
    def open(
        cls,
        data_dir: Path,
        profile_id: str,
        passphrase: str,
        *,
        clock: Callable[[], float] = time.time,
        read_only: bool = False,
    ) -> Vault:
        """Unlock an existing profile.

        `read_only` opens the records file without writing to it at all (no upgrade, no
        audit entry, no anchor, no backup), for salvaging a damaged file; writing through
        such a vault is refused.

        Raises:
            VaultNotFoundError: no such profile.
            UnlockBackoffError: too many recent wrong passphrases; wait first.
            WrongPassphraseError: the passphrase is wrong (nothing in the vault is touched).
            VaultCorruptError: the key file or database is damaged.
            VaultTooNewError / MigrationFailedError: see `database.migrate`.
        """
        folder = profiles_dir(data_dir) / profile_id
        db_path = folder / VAULT_FILE
        _require_profile(folder)
        # Before anything else, the back-off included: two copies racing wrong passphrases
        # must not both reach the KDF, nor lose each other's count.
        lock = ProfileLock.acquire(folder)
        try:
            return cls._open_locked(folder, db_path, passphrase, clock, lock, read_only)
        except BaseException:
            lock.release()
            raise

    @classmethod
    def _open_locked(
        cls,
        folder: Path,
        db_path: Path,
        passphrase: str,
        clock: Callable[[], float],
        lock: ProfileLock,
        read_only: bool,
    ) -> Vault:
        try:
            slots = KeySlots.load(folder / "keyslots.json")
        except FileNotFoundError as e:
            raise VaultNotFoundError(
                "There is no profile with that id on this laptop.",
                "Check the data folder, or create a profile.",
            ) from e
        if not db_path.exists():
            raise VaultCorruptError(
                "This profile's records file is missing.",
                "Restore the profile folder from a backup.",
            )
        keys = _unwrap_counted(folder, slots, passphrase, clock)
        size = db_path.stat().st_size
        if size == 0:
            raise VaultCorruptError(
                "This profile's records file is empty.",
                "Restore the profile folder from a backup. Nothing has been changed.",
            )
        if size < MIN_VAULT_BYTES:
            raise VaultCorruptError(
                f"This profile's records file is damaged: it is only {size} bytes long.",
                "Restore the profile folder from a backup, or ask IT for help. Nothing has "
                "been changed.",
            )
        try:
            conn, key = _connect_with_any(db_path, keys, read_only=read_only)
        except VaultCorruptError:
            if slots.data.get("pending") and "pending" not in getattr(slots, "sources", []):
                # A passphrase change with a new key was cut short after re-encrypting: the
                # file now opens only under the new passphrase's key.
                raise VaultCorruptError(
                    "A change of passphrase on this profile was cut short after the records "
                    "were re-encrypted, so the old passphrase no longer opens them.",
                    "Unlock with the new passphrase. Nothing has been lost.",
                ) from None
            raise
        try:
            if database.user_version(conn) == 0:
                # An empty file opens under any key; migrating it would write a blank vault
                # over what should have been this profile's records.
                raise VaultCorruptError(
                    "This profile's records file is empty.",
                    "Restore the profile folder from a backup. Nothing has been changed.",
                )
            if read_only:
                if database.user_version(conn) != database.schema_max_version():
                    raise VaultCorruptError(
                        "This records file is from another version of the app, so it cannot "
                        "be read without upgrading it.",
                        "Open the profile normally first, or restore a backup.",
                    )
            else:
                _settle_rotation(slots, keys, key)
                database.migrate(conn, db_path)
            row = conn.execute("SELECT id, name, role, authority FROM profile").fetchone()
            if row is None:
                raise VaultCorruptError(
                    "This records file has no profile in it.", "Restore it from a backup."
                )
            profile = Profile(ProfileId(row[0]), row[1], Role(row[2]), row[3])
            vault = cls(folder, conn, key, profile, lock)
            found = vault._check_anchor(keys, slots)
            wipe(*keys)  # the vault holds its own copy, cleared on lock
            # Until IT deals with it, a mismatch found on an earlier unlock is still reported:
            # every unlock since has moved the anchor on from the rolled-back file.
            vault.history_problem = found or anchor.read_mismatch(folder)
            if read_only:
                vault._read_only = True
                return vault
            if found is not None:
                anchor.keep_mismatch(folder, found)
            with vault.transaction() as c:
                if found is not None:  # also in the log, in case the kept file goes
                    history.append_audit(c, profile.id, "vault.history_mismatch")
                history.append_audit(c, profile.id, "vault.unlock")
        except BaseException:
            with contextlib.suppress(database.DatabaseError):
                conn.close()
            wipe(*keys)
            raise
        return vault

    @classmethod
    def restore(
        cls,
        data_dir: Path,
        profile_id: str,
        passphrase: str,
        backup_name: str | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> backups.Backup:
        """Put back a backup of the records file (the newest unless named).

        Works when the current file cannot be opened at all: only the key slots are needed.
        The replaced file is kept beside it. The profile must not be open elsewhere.

        Raises:
            VaultNotFoundError: no such profile, or no such backup.
            WrongPassphraseError / UnlockBackoffError: as for `open`.
            VaultCorruptError: the backup cannot be read either.
        """
        folder = profiles_dir(data_dir) / profile_id
        _require_profile(folder)
        lock = ProfileLock.acquire(folder)
        try:
            slots = KeySlots.load(folder / "keyslots.json")
            keys = _unwrap_counted(folder, slots, passphrase, clock)
            last: VaultCorruptError | None = None
            for key in keys:
                try:
                    chosen = backups.restore_backup_file(folder, key, profile_id, backup_name)
                    break
                except VaultCorruptError as e:
                    last = e
            else:
                assert last is not None
                raise last
        finally:
            lock.release()
        vault = cls.open(data_dir, profile_id, passphrase, clock=clock)
        with vault.transaction() as c:
            history.append_audit(c, vault.profile.id, "vault.restore")
        vault.close()
        return chosen

    @classmethod
    def recover(
        cls,
        data_dir: Path,
        profile_id: str,
        private_key: X25519PrivateKey,
        new_passphrase: str,
        *,
        kdf: KdfParams | None = None,
    ) -> None:
        """Put a profile whose passphrase is forgotten under a new one, with the recovery key.

        The recovery slot (sealed at enrolment to the authority's recovery public key) gives
        the database key; it must open the records file before anything is written. Then the
        passphrase slot is replaced, the recovery slot kept (sealed afresh), the wrong-passphrase
        count cleared, and the recovery audited. The profile must not be open elsewhere.

        Raises:
            AssessorError: the new passphrase is too weak.
            RecoveryError: no recovery slot, another recovery key, or a slot that was changed
                or damaged; nothing is changed.
            VaultNotFoundError / VaultCorruptError: no such profile, or its files are damaged.
        """
        require_strong_enough(new_passphrase, what="new passphrase")
        folder = profiles_dir(data_dir) / profile_id
        _require_profile(folder)
        lock = ProfileLock.acquire(folder)
        try:
            slots = KeySlots.load(folder / "keyslots.json")
            candidates = slots.recover(private_key)
            try:
                key, source = _first_that_opens(folder / VAULT_FILE, candidates)
                slots.replace_passphrase_after_recovery(
                    key,
                    source,
                    recovery_key.public_key_text(private_key.public_key()),
                    new_passphrase,
                    kdf or calibrate_kdf(),
                )
            finally:
                wipe(*(k for k, _ in candidates))
            _clear_failures(folder)
        finally:
            lock.release()
        vault = cls.open(data_dir, profile_id, new_passphrase)
        used = recovery_key.fingerprint(private_key.public_key()).replace(" ", "")
        with vault.transaction() as c:
            history.append_audit(c, vault.profile.id, "vault.recover", "recovery_key", used)
        vault.close()

    # -- use ------------------------------------------------------------------------------

    @property
    def conn(self) -> database.Connection:
        """The open connection. Raises VaultLockedError once locked.

        A connection that met a damaged page is replaced by a fresh one first, so one bad
        page does not make every other record unreadable too.
        """
        if self._conn is None:
            raise VaultLockedError()
        if getattr(self._conn, "damaged", False) and not self._conn.in_transaction:
            with contextlib.suppress(database.DatabaseError):
                database.close_wiping(self._conn)
            self._conn = database.connect(
                self.folder / VAULT_FILE, self._require_key(), read_only=self._read_only
            )
        return self._conn

    @property
    def is_open(self) -> bool:
        """False once `close` has been called."""
        return self._conn is not None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[database.Connection]:
        """One write transaction on this vault (a savepoint when nested in another).

        After the outermost one commits, the history's new head is anchored outside the
        file (`anchor.py`).
        """
        conn = self.conn
        if self._read_only:
            raise AssessorError(
                "This profile was opened only to read it, so nothing can be saved.",
                "Open it normally to make changes.",
            )
        outermost = not conn.in_transaction
        with database.transaction(conn) as c:
            yield c
        if outermost:
            self._anchor_safely()

    def _anchor_safely(self) -> None:
        """Anchor after a commit; a failure there must not report the saved work as lost.

        The anchor then lags the file, which is allowed (a file ahead of its anchor is
        fine), and the next commit tries again.
        """
        try:
            self._anchor_head()
        except (OSError, AssessorError):
            log.warning("could not write the history's anchor", exc_info=True)

    def close(self) -> None:
        """Lock: checkpoint the WAL, close the database, drop the key and the profile lock."""
        if self._conn is not None and self._read_only:
            self._drop()
        if self._conn is not None:
            try:
                with self.transaction() as c:
                    history.append_audit(c, self.profile.id, "vault.lock")
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                backups.make_backup(self.conn, self.folder)
            except (AssessorError, database.DatabaseError, OSError):
                # A damaged file or a full disk must not stop a lock: the key is dropped
                # and the file closed all the same; what was saved stays saved.
                log.warning("could not record the lock or checkpoint the WAL", exc_info=True)
            finally:
                self._drop()

    def erase(self) -> list[str]:
        """Delete this profile from the laptop: lock at once, then remove its whole folder.

        For a laptop IT has revoked or ordered wiped. No lock entry, checkpoint or backup is
        written first: the records file, its WAL and SHM, the key slots, the anchor, the
        backups and the profile's label all go. Nothing is overwritten first: on an SSD an
        overwrite need not reach the cells that held the data, so the honest claim is that
        the files are deleted and were only ever written encrypted. Returns the names of the
        files deleted (for the log; they name no person).
        """
        folder = self.folder
        self._drop()
        names = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
        shutil.rmtree(folder, ignore_errors=True)
        if folder.exists():
            # Whatever would not go (a file held open elsewhere): try once more, then say so.
            shutil.rmtree(folder, ignore_errors=True)
        if folder.exists():
            raise StorageWriteError(
                "Some of this profile's files could not be deleted from the laptop.",
                f"Tell IT: the folder {folder} should be removed by hand. Its files are encrypted.",
                work_is_safe=False,
            )
        log.warning("profile %s deleted on IT's order (%d files)", folder.name, len(names))
        return names

    def _drop(self) -> None:
        """Close the connection (SQLite's memory wiped), wipe the key, let the lock go."""
        if self._conn is not None:
            database.close_wiping(self._conn)
            self._conn = None
        wipe(self._key)
        self._key = None
        self._lock.release()

    def integrity_problems(self) -> list[str]:
        """What SQLite and SQLCipher find wrong with the file itself; [] when it is sound.

        `cipher_integrity_check` checks every page's HMAC (a flipped bit anywhere, index
        pages included); `integrity_check` checks the b-trees. For `audit verify`.
        """
        # On a connection of its own: SQLCipher keeps failing on one that met a bad page.
        found: list[str] = []
        try:
            conn = database.connect(self.folder / VAULT_FILE, self._require_key())
        except VaultCorruptError:
            return ["the file cannot be opened"]
        try:
            for (line,) in conn.execute("PRAGMA cipher_integrity_check").fetchall():
                found.append(str(line))
            rows = conn.execute("PRAGMA integrity_check(20)").fetchall()
            found += [str(r[0]) for r in rows if r[0] != "ok"]
        except database.DatabaseError as e:
            found.append(f"the file cannot be read through ({e})")
        finally:
            database.close_wiping(conn)
        return found

    def anchor_report(self) -> anchor.AnchorProblem | None:
        """Whether the records file matches where this profile's history was anchored.

        A mismatch kept when the profile was unlocked is reported until IT removes
        `head-mismatch.json`, since later saves move the anchor on.
        """
        kept = anchor.read_mismatch(self.folder)
        if kept is not None:
            return kept
        slots = KeySlots.load(self.folder / "keyslots.json")
        return self._check_anchor([self._require_key()], slots)

    def acknowledge_history_problem(self) -> bool:
        """IT has looked into a mismatch and keeps this records file: stop reporting it.

        The kept mismatch is renamed (never deleted) and the decision is audited. Returns
        False when there was nothing to acknowledge.
        """
        kept = self.folder / anchor.MISMATCH_FILE
        if not kept.exists():
            return False
        stamp = history.now_utc().strftime("%Y%m%dT%H%M%SZ")
        os.replace(kept, self.folder / f"head-mismatch.resolved-{stamp}.json")
        with self.transaction() as c:
            history.append_audit(c, self.profile.id, "audit.acknowledge_mismatch")
        self.history_problem = None
        return True

    def _check_anchor(
        self, keys: list[bytes] | list[bytearray], slots: KeySlots
    ) -> anchor.AnchorProblem | None:
        flag = slots.data.get("anchored")
        pending = slots.data.get("pending")
        flags = {flag, pending.get("anchored") if isinstance(pending, dict) else None} - {None}
        if flag is not None and not any(anchor.marker(k, self.profile.id) in flags for k in keys):
            return anchor.AnchorProblem(
                "damaged",
                "the key file's record that this profile's history is anchored was changed by "
                "something other than this app",
                None,
            )
        found = anchor.read_anchor(self.folder, keys, self.profile.id)
        if found is None:
            # Every save since schema 5 names its revision in the audit log and is anchored:
            # a file holding such entries with no anchor beside it lost the anchor.
            written = self.conn.execute(
                "SELECT 1 FROM audit WHERE revision_hash != '' LIMIT 1"
            ).fetchone()
            if flag is not None or written is not None:
                return anchor.AnchorProblem(
                    "missing",
                    "the record of where this profile's history ends (head.json) was removed",
                    None,
                )
            return None  # a profile from before anchoring: anchored from now on
        if isinstance(found, anchor.AnchorProblem):
            return found
        return anchor.check_anchor(self.conn, found) or self._unresolved_mismatch()

    def _unresolved_mismatch(self) -> anchor.AnchorProblem | None:
        """A mismatch the audit log recorded and nobody resolved, its kept file removed."""
        rows = self.conn.execute(
            "SELECT action, at FROM audit WHERE action IN ('vault.history_mismatch', "
            "'audit.acknowledge_mismatch', 'vault.restore') ORDER BY seq DESC LIMIT 1"
        ).fetchall()
        if not rows or rows[0][0] != "vault.history_mismatch":
            return None
        if (self.folder / anchor.MISMATCH_FILE).exists():
            return None  # reported from the kept file instead
        return anchor.AnchorProblem(
            "removed",
            f"a mismatch with this profile's history was found on {str(rows[0][1])[:10]} and "
            "is in the audit log, but its record (head-mismatch.json) has been removed",
            None,
        )

    def _anchor_head(self) -> None:
        """Write the audit log's head to head.json when it has moved since the last write."""
        head = history.audit_head(self.conn)
        if head == self._anchored:
            return
        anchor.write_anchor(self.folder, self._require_key(), self.profile.id, *head)
        self._anchored = head
        if not self._marked_anchored:
            slots = KeySlots.load(self.folder / "keyslots.json")
            expected = anchor.marker(self._require_key(), self.profile.id)
            if slots.data.get("anchored") != expected and not slots.data.get("pending"):
                slots.data["anchored"] = expected
                slots.save()
            self._marked_anchored = True

    def change_passphrase(
        self, old: str, new: str, kdf: KdfParams | None = None, *, rotate_key: bool = False
    ) -> None:
        """Put the vault under a new passphrase.

        Without `rotate_key` the same database key is rewrapped: quick, but a copy of
        `keyslots.json` taken before still opens this records file with the old passphrase
        (as with LUKS). With it, the database key itself is replaced as in `rekey`, so no
        earlier copy of the key file opens the records file as it is now: the choice when
        the old passphrase may be known to someone else.
        """
        slots = self._check_passphrase(old)
        require_strong_enough(new, what="new passphrase")
        if rotate_key:
            self._rotate(slots, new, kdf)
            action = "vault.change_passphrase_and_rekey"
        else:
            slots.rewrap(self._require_key(), new, kdf or calibrate_kdf())
            action = "vault.change_passphrase"
        with self.transaction() as c:
            history.append_audit(c, self.profile.id, action)

    def set_recovery_key(self, recipient: str) -> None:
        """Seal this vault's key to the authority's recovery public key (at enrolment).

        Replaces any recovery slot there was (a re-enrolment), and audits it.

        Raises:
            ValueError: `recipient` is not a recovery public key; nothing is changed.
        """
        slots = KeySlots.load(self.folder / "keyslots.json")
        slots.set_recovery_slot(self._require_key(), recipient)
        with self.transaction() as c:
            history.append_audit(c, self.profile.id, "vault.recovery_slot")

    def rekey(self, passphrase: str, kdf: KdfParams | None = None) -> None:
        """Rotate the database key itself, re-encrypting every page.

        The new key is written as *pending* before the rekey, so a crash at any point leaves
        a vault that the same passphrase still opens.
        """
        slots = self._check_passphrase(passphrase)
        self._rotate(slots, passphrase, kdf)
        with self.transaction() as c:
            history.append_audit(c, self.profile.id, "vault.rekey")

    def _rotate(self, slots: KeySlots, passphrase: str, kdf: KdfParams | None) -> None:
        """Re-encrypt under a new key wrapped by `passphrase` (pending until done)."""
        new_key = slots.begin_rotation(
            passphrase, kdf or calibrate_kdf(), current_key=self._require_key()
        )
        # The anchored mark under the new key waits with the new key, so an unlock with only
        # the new passphrase, after a cut-short change, can still check it.
        slots.data["pending"]["anchored"] = anchor.marker(new_key, self.profile.id)
        slots.save()
        conn = self.conn
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        database.apply_key(conn, "rekey", new_key)
        wipe(self._key)
        self._key = bytearray(new_key)
        wipe(new_key)
        # The anchor's MAC key comes from the database key: re-anchor under the new one
        # before the old one is forgotten (unlock accepts either while rotation is pending).
        self._anchored = None
        self._anchor_safely()
        slots.finish_rotation()  # the mark under the new key becomes the mark
        self._marked_anchored = True
        # Backups are under the key being retired (perhaps because someone else knows it).
        backups.remove_backups(self.folder)
        with contextlib.suppress(database.DatabaseError, OSError):
            backups.make_backup(conn, self.folder, force=True)

    def info(self) -> dict[str, Any]:
        """Schema version, sizes and key slots, for `vault info`. Never key material."""
        conn = self.conn
        sizes = {p.name: p.stat().st_size for p in sorted(self.folder.iterdir()) if p.is_file()}
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in ("person", "assessment", "revision", "audit", "outbox")
        }
        return {
            "profile_id": self.profile.id,
            "schema_version": database.user_version(conn),
            "schema_max_version": database.schema_max_version(),
            "cipher_version": conn.execute("PRAGMA cipher_version").fetchone()[0],
            "files": sizes,
            "counts": counts,
            "key_slots": KeySlots.load(self.folder / "keyslots.json").describe(),
        }

    def _check_passphrase(self, passphrase: str) -> KeySlots:
        """Re-check the passphrase for a sensitive change, with the same back-off as unlock."""
        slots = KeySlots.load(self.folder / "keyslots.json")
        wipe(*_unwrap_counted(self.folder, slots, passphrase, time.time))
        return slots

    def _require_key(self) -> bytearray:
        if self._key is None:
            raise VaultLockedError()
        return self._key


def recovery_fingerprint(data_dir: Path, profile_id: str) -> str | None:
    """The fingerprint of the recovery key that can open this profile; None if there is none.

    Reads only the key file (no passphrase needed, nothing written), for the unlock screen's
    "Forgotten your passphrase?".
    """
    try:
        slot = KeySlots.load(profiles_dir(data_dir) / profile_id / "keyslots.json").recovery_slot()
    except (OSError, AssessorError):
        return None
    return str(slot.get("fingerprint", "")) if slot is not None else None


def _unwrap_counted(
    folder: Path, slots: KeySlots, passphrase: str, clock: Callable[[], float]
) -> list[bytes]:
    """The keys `passphrase` opens, under the back-off.

    A try is counted before deriving (so one cut short still counts) and the count cleared
    when it succeeds. The caller holds the profile lock, so simultaneous tries cannot lose
    each other's count.

    Raises:
        UnlockBackoffError: too many recent wrong passphrases; wait first.
        WrongPassphraseError: no slot opens with it (with the wait before the next try).
    """
    _check_backoff(folder, clock())
    failures = _record_failure(folder, clock())
    try:
        keys = slots.unlock(passphrase)
    except WrongPassphraseError:
        raise WrongPassphraseError(backoff_delay(failures)) from None
    _clear_failures(folder)
    return keys


def _require_profile(folder: Path) -> None:
    if not (folder / "keyslots.json").is_file():
        raise VaultNotFoundError(
            "There is no profile with that id on this laptop.",
            "Check the data folder, or create a profile.",
        )


def _settle_rotation(slots: KeySlots, keys: list[bytes], key: bytes) -> None:
    """Finish or forget a key rotation that a crash cut short.

    The key that opened the file says which: the pending one means the file was re-encrypted
    (finish, even when only the new passphrase opens the pending slot, as after a passphrase
    change with rotation); the current one means it was not (forget the pending key).
    """
    if not slots.data.get("pending"):
        return
    sources = getattr(slots, "sources", [])
    opened_by = sources[keys.index(key)] if key in keys and len(sources) == len(keys) else ""
    if opened_by == "pending":
        slots.finish_rotation()  # the rekey happened: the pending key is the live one
    else:
        slots.data.pop("pending")
        slots.save()


def _first_that_opens(db_path: Path, candidates: list[tuple[bytes, str]]) -> tuple[bytes, str]:
    """The recovered key (and its source) that opens the records file, read-only.

    Anyone can seal a key to the public recovery key, so a slot that opens proves nothing
    until the records file opens under what it held.

    Raises:
        VaultCorruptError: the records file is missing or too short to be one.
        RecoveryError: no recovered key opens it (the slot was replaced or damaged).
    """
    if not db_path.exists() or db_path.stat().st_size < MIN_VAULT_BYTES:
        raise VaultCorruptError(
            "This profile's records file is missing or damaged, so there is nothing to recover.",
            "Restore the profile folder from a backup first. Nothing has been changed.",
        )
    for key, source in candidates:
        try:
            conn = database.connect(db_path, key, read_only=True)
        except VaultCorruptError:
            continue
        try:
            if database.user_version(conn) > 0:
                return key, source
        finally:
            database.close_wiping(conn)
    raise RecoveryError(
        "This profile's recovery slot does not hold the key to its records: the slot has been "
        "changed or damaged.",
        "Restore the profile folder from a backup and try again. Nothing has been changed.",
    )


def _connect_with_any(
    db_path: Path, keys: list[bytes], *, read_only: bool = False
) -> tuple[database.Connection, bytes]:
    last: VaultCorruptError | None = None
    for key in keys:
        try:
            return database.connect(db_path, key, read_only=read_only), key
        except VaultCorruptError as e:
            last = e
    assert last is not None
    raise last


def _state_path(folder: Path) -> Path:
    return folder / "unlock_state.json"


def _read_state(folder: Path) -> dict[str, Any]:
    try:
        state = json.loads(_state_path(folder).read_text("utf-8"))
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}


def _check_backoff(folder: Path, now: float) -> None:
    state = _read_state(folder)
    failures = int(state.get("failures", 0))
    wait = backoff_delay(failures) - (now - float(state.get("last_failure_at", 0)))
    if wait > 0:
        raise UnlockBackoffError(wait)


def _record_failure(folder: Path, now: float) -> int:
    failures = int(_read_state(folder).get("failures", 0)) + 1
    write_atomic(
        _state_path(folder),
        json.dumps({"failures": failures, "last_failure_at": now}).encode(),
    )
    return failures


def _clear_failures(folder: Path) -> None:
    if _state_path(folder).exists():
        os.unlink(_state_path(folder))
