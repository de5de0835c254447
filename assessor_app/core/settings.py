"""Every setting the app reads, declared once: its name, its default and where it comes from.

An authority's IT deploys a settings file; a developer or a test sets an environment variable.
For each setting the environment wins, then the settings file, then the default. The settings
file is TOML and is the first of:

1. the file named by ``$ASSESSOR_SETTINGS_FILE`` (then no other is read);
2. ``settings.toml`` in the user's config folder (``~/.config/Assessor/`` on Linux);
3. ``/etc/assessor/settings.toml`` (Linux) for the whole machine.

Passphrases are inputs, not settings: they come from the environment only (for scripts and
CI) and a settings file that names one is refused, so that no passphrase lands on a disk.
Imports no Qt.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from assessor_app.core.errors import ValidationError

__all__ = [
    "EXCHANGE_PASSPHRASE_ENV",
    "NEW_PASSPHRASE_ENV",
    "PASSPHRASE_ENV",
    "SETTINGS",
    "SETTINGS_FILE_ENV",
    "Setting",
    "Settings",
    "current",
    "load_settings",
    "settings_file",
]

SETTINGS_FILE_ENV = "ASSESSOR_SETTINGS_FILE"
"""Names the settings file to read instead of the usual places."""

PASSPHRASE_ENV = "ASSESSOR_PASSPHRASE"
"""The profile's passphrase, for the command line in scripts (environment only)."""
NEW_PASSPHRASE_ENV = "ASSESSOR_NEW_PASSPHRASE"
"""The new passphrase for `profile passphrase` and `profile rekey` (environment only)."""
EXCHANGE_PASSPHRASE_ENV = "ASSESSOR_EXCHANGE_PASSPHRASE"
"""The passphrase of a record file or MDT contribution file (environment only)."""
_SECRETS = (PASSPHRASE_ENV, NEW_PASSPHRASE_ENV, EXCHANGE_PASSPHRASE_ENV)


@dataclass(frozen=True)
class Setting:
    """One setting: its key in the settings file, its environment variable, what it does."""

    key: str
    env: str
    kind: type
    """`Path`, `str`, `bool` or `int` (a whole number of at least 1)."""
    default: str
    """The default, in words (the real default may depend on the machine)."""
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "data_dir",
        "ASSESSOR_DATA_DIR",
        Path,
        "the user's data folder (~/.local/share/Assessor on Linux)",
        "Where profiles live. `--data-dir` on the command line wins over it.",
    ),
    Setting(
        "forms_dir",
        "ASSESSOR_FORMS_DIR",
        Path,
        "the forms shipped with the app",
        "The authority's own form definitions (`<form id>/v<N>.yaml`), checked on start.",
    ),
    Setting(
        "rates_dir",
        "ASSESSOR_RATES_DIR",
        Path,
        "the rates tables shipped with the app",
        "The authority's own charging rates tables and signed-off overrides.",
    ),
    Setting(
        "branding_file",
        "ASSESSOR_BRANDING_FILE",
        Path,
        "branding.yaml in the data folder, else the shipped defaults",
        "The authority's name, logo, address and phone number for documents and letters.",
    ),
    Setting(
        "profile",
        "ASSESSOR_PROFILE",
        str,
        "the only profile, when there is one",
        "Which profile the command line opens. `--profile` wins over it.",
    ),
    Setting(
        "offline",
        "ASSESSOR_OFFLINE",
        bool,
        "false",
        "While on, the app never touches the network: nothing is sent, everything stays queued.",
    ),
    Setting(
        "debuggable",
        "ASSESSOR_DEBUGGABLE",
        bool,
        "false",
        "Lets a profiler or debugger attach to the app, and offers the forms marked for "
        "developers (the sample form) on a person's page. Developers only: it also lets other "
        "programs of the same user read the app's memory.",
    ),
    Setting(
        "first_review_weeks",
        "ASSESSOR_FIRST_REVIEW_WEEKS",
        int,
        "8",
        "How many weeks after a care and support plan is agreed its first review is due "
        "(local policy, not statute: 6 to 8 weeks is common). Later reviews are due at least "
        "every 12 months.",
    ),
)
_BY_KEY = {s.key: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """The settings in force; None means the default (see `SETTINGS`)."""

    data_dir: Path | None = None
    forms_dir: Path | None = None
    rates_dir: Path | None = None
    branding_file: Path | None = None
    profile: str | None = None
    offline: bool = False
    debuggable: bool = False
    first_review_weeks: int = 8
    source: Path | None = None
    """The settings file read, if any (shown by `assessor-cli settings`)."""


def settings_file(environ: Mapping[str, str] | None = None) -> Path | None:
    """The settings file in force, or None when there is none."""
    env = os.environ if environ is None else environ
    if env.get(SETTINGS_FILE_ENV):
        return Path(env[SETTINGS_FILE_ENV])
    candidates = [Path(platformdirs.user_config_dir("Assessor", appauthor=False))]
    if sys.platform.startswith("linux"):
        candidates.append(Path("/etc/assessor"))
    for folder in candidates:
        if (folder / "settings.toml").is_file():
            return folder / "settings.toml"
    return None


def _read_file(path: Path) -> dict[str, object]:
    # Imported only when there is a settings file: most starts have none, and this is on
    # the way to the unlock window.
    import tomllib

    fix = f"Correct {path}, or ask your IT team for a working settings file."
    try:
        with path.open("rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError as e:
        raise ValidationError(f"The settings file {path} does not exist.", fix) from e
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValidationError(f"The settings file {path} cannot be read: {e}.", fix) from e
    for key in raw:
        if key.upper() in {s.removeprefix("ASSESSOR_") for s in _SECRETS}:
            raise ValidationError(
                f"The settings file {path} holds a passphrase ({key}).",
                "Remove it: passphrases are never kept in a file.",
            )
        if key not in _BY_KEY:
            known = ", ".join(sorted(_BY_KEY))
            raise ValidationError(
                f"The settings file {path} has an unknown setting '{key}'.",
                f"Settings are: {known}.",
            )
    return raw


def _value(setting: Setting, raw: object, where: str) -> object:
    if setting.kind is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("1", "true", "yes", "0", "false", "no"):
            return raw.strip().lower() in ("1", "true", "yes")
        raise ValidationError(
            f"{where}: '{setting.key}' must be true or false, not {raw!r}.", "Correct it."
        )
    if setting.kind is int:
        number = raw.strip() if isinstance(raw, str) else raw
        if isinstance(number, str) and number.isdigit():
            number = int(number)
        if isinstance(number, int) and not isinstance(number, bool) and 1 <= number <= 520:
            return number
        raise ValidationError(
            f"{where}: '{setting.key}' must be a whole number from 1 to 520, not {raw!r}.",
            "Correct it.",
        )
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError(f"{where}: '{setting.key}' must be text, not {raw!r}.", "Correct it.")
    return Path(raw).expanduser() if setting.kind is Path else raw.strip()


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings in force: the environment, then the settings file, then the defaults.

    Raises:
        ValidationError: The settings file cannot be read, names an unknown setting or a
            passphrase, or a value is of the wrong kind (the message names the file and key).
    """
    env = os.environ if environ is None else environ
    path = settings_file(env)
    from_file = _read_file(path) if path is not None else {}
    values: dict[str, object] = {}
    for s in SETTINGS:
        if env.get(s.env):
            values[s.key] = _value(s, env[s.env], f"${s.env}")
        elif s.key in from_file:
            values[s.key] = _value(s, from_file[s.key], str(path))
    return Settings(**values, source=path)  # type: ignore[arg-type]


def current() -> Settings:
    """The settings in force for this process, read once for each set of environment values.

    The settings file is read when the app starts (or when the environment names another);
    changing it takes effect the next time the app is started.
    """
    names = (SETTINGS_FILE_ENV, *(s.env for s in SETTINGS))
    return _cached(tuple(os.environ.get(n) for n in names))


@functools.lru_cache(maxsize=8)
def _cached(_environment: tuple[str | None, ...]) -> Settings:
    return load_settings()
