"""Atomic, durable file writes for slot files, exports, bundles and PDFs.

Write to a private temp file in the same folder, fsync, rename over the target, fsync the
folder: a reader sees the old file or the new one, never half of either.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries so a rename inside it survives power loss."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(
    path: Path, data: bytes, mode: int = 0o600, *, durable_rename: bool = True
) -> None:
    """Replace `path` with `data` atomically; the file is created with `mode` (owner-only).

    `durable_rename=False` skips syncing the folder: after a power cut the rename may be
    lost and the old file still there (never a torn or empty one). For files allowed to lag,
    such as the history's anchor, written after every save.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        if durable_rename:
            fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
