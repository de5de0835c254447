"""Which profiles exist on this machine: read before unlocking, so it imports no cryptography.

The unlock screen needs only this; the vault (cryptography, SQLCipher) loads on the worker
thread while the passphrase is typed, which keeps start-up to the unlock window short.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    # Type only: records.py builds enum classes, which the unlock screen does not need.
    from assessor_app.core.records import ProfileId


@dataclass(frozen=True)
class ProfileSummary:
    """What the unlock screen may show about a profile before it is unlocked."""

    id: ProfileId
    """Folder name."""
    label: str
    """The assessor's name, as they typed it."""
    created_at: str
    """ISO date the profile was made."""


def profiles_dir(data_dir: Path) -> Path:
    """Folder holding one sub-folder per profile."""
    return data_dir / "profiles"


def list_profiles(data_dir: Path) -> list[ProfileSummary]:
    """Profiles on this machine, by label. Folders without a readable profile.json are skipped."""
    out = []
    root = profiles_dir(data_dir)
    if not root.is_dir():
        return []
    for folder in sorted(root.iterdir()):
        try:
            meta = json.loads((folder / "profile.json").read_text("utf-8"))
            out.append(
                ProfileSummary(cast("ProfileId", folder.name), meta["label"], meta["created_at"])
            )
        except (OSError, ValueError, KeyError):
            continue
    return sorted(out, key=lambda p: p.label.lower())
