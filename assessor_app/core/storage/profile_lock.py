"""One app per profile: an exclusive lock on the profile folder while its vault is open.

Two copies of the app on one vault lose work: each reads, merges and writes in its own
transactions, and one holding the write lock makes the other's saves fail as if the disk were
full. So `Vault.open` and `Vault.create` take an exclusive, non-blocking lock on
`vault.lock` in the profile folder (released on close, and by the kernel if the process dies)
before anything else, the passphrase back-off included, and a second copy is told which
process holds it. Imports no Qt.
"""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path

from assessor_app.core.errors import VaultInUseError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: msvcrt below
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = "vault.lock"


class ProfileLock:
    """Held from `acquire` until `release`; the file says which process holds it."""

    def __init__(self, folder: Path, fd: int):
        self.folder = folder
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, folder: Path) -> ProfileLock:
        """Take the profile's lock, or say who has it.

        Raises:
            VaultInUseError: another process (or another vault object here) holds it.
        """
        path = folder / LOCK_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(fd)
        except OSError:
            holder = _read_holder(fd)
            os.close(fd)
            raise VaultInUseError(holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"process {os.getpid()} on {socket.gethostname()}".encode(), 0)
        return cls(folder, fd)

    @property
    def held(self) -> bool:
        """False once released."""
        return self._fd is not None

    def release(self) -> None:
        """Let another process open the profile. Safe to call twice."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the descriptor drops the lock


def _lock(fd: int) -> None:
    if fcntl is not None:
        # flock locks belong to the open file: a second open in this process conflicts too.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:  # pragma: no cover
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)


def _read_holder(fd: int) -> str:
    try:
        return os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""
