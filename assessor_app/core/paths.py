"""Where files live: the data folder, the form definitions and the shipped resources.

The data folder is `--data-dir`, else the `data_dir` setting (`settings.py`), else the
platform's user data folder (platformdirs). Forms and resources are found in the checkout
when run from one, and in the installed data packages otherwise, so an app installed from the
wheel makes PDFs and works out charges as a checkout does.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import platformdirs

from assessor_app.core import settings


def resolve_data_dir(explicit: str | Path | None = None) -> Path:
    """The data folder to use, created owner-only if missing."""
    configured = settings.current().data_dir
    if explicit:
        path = Path(explicit)
    elif configured is not None:
        path = configured
    else:
        path = Path(platformdirs.user_data_dir("Assessor", appauthor=False))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


@functools.cache
def _shipped(folder: str, package: str, marker: str) -> Path:
    """A data folder the app ships: `<checkout>/<folder>`, else its installed data package.

    Installed, it is the data package it was packaged as (setup.py). `marker` is a subfolder
    it must have, so that an unrelated folder of the same name is never taken for it.
    """
    checkout = Path(__file__).resolve().parents[2] / folder
    if (checkout / marker).is_dir():
        return checkout
    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        if (Path(location) / marker).is_dir():
            return Path(location)
    return checkout  # missing: callers say which file they could not find


def resources_dir() -> Path:
    """The `resources/` the app ships with (rates tables, fonts, branding, demo answers)."""
    return _shipped("resources", "assessor_resources", "rates")


def default_forms_dir() -> Path:
    """The form definitions in force: the `forms_dir` setting, else those shipped."""
    configured = settings.current().forms_dir
    if configured is not None:
        return configured
    return _shipped("forms", "assessor_forms", "needs_assessment")
