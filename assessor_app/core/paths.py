"""Where files live: the data folder and the form definitions folder.

The data folder is `--data-dir`, else `$ASSESSOR_DATA_DIR`, else the platform's user data
folder (platformdirs).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "ASSESSOR_DATA_DIR"
FORMS_DIR_ENV = "ASSESSOR_FORMS_DIR"


def resolve_data_dir(explicit: str | Path | None = None) -> Path:
    """The data folder to use, created owner-only if missing."""
    if explicit:
        path = Path(explicit)
    elif os.environ.get(DATA_DIR_ENV):
        path = Path(os.environ[DATA_DIR_ENV])
    else:
        path = Path(platformdirs.user_data_dir("Assessor", appauthor=False))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def resources_dir() -> Path:
    """The `resources/` folder shipped with the app (rates tables, demo answers, icons)."""
    return Path(__file__).resolve().parents[2] / "resources"


def default_forms_dir() -> Path:
    """The `forms/` folder shipped with the app, unless `$ASSESSOR_FORMS_DIR` names another."""
    if os.environ.get(FORMS_DIR_ENV):
        return Path(os.environ[FORMS_DIR_ENV])
    return Path(__file__).resolve().parents[2] / "forms"
