"""Reference data from the authority on this laptop: checked, kept in the vault, and used.

The sync client hands each package the gateway sends to `accept`, which uses it only when it is
signed by the publishing key learnt at enrolment, every file matches its SHA-256
(`sync.reference.open_package`), it is newer than the one kept of its kind (an older or
repeated one is refused: no downgrade), and the app can use what it holds alongside what it
has (forms pass the form checks, rates tables the rates checks, and a file a kept package or
the app already has under that name is never changed, since a released form version or rates
table is fixed). Anything else is refused with a message and nothing changes.

Accepted packages are kept whole in the vault (schema 16) and never removed. Each use reads
them back and checks them again, then writes their files to a folder named by their digests
beside the vault (``<profile>/reference/``; plain copies of what the authority publishes, no
personal data) for the loaders that read folders:

- forms: every version in every forms package is offered beside the installed ones, so a new
  record gets the latest while a draft stays on the version it was started on;
- rates: the installed tables plus every published one, so a new financial assessment takes
  the latest version covering its date and a completed one finds the table it pinned;
- branding: the newest branding package, for new PDFs (the `branding_file` setting still wins);
- leaflets: every published leaflet, newest copy of each name.

Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from assessor_app.core import paths
from assessor_app.core import settings as app_settings
from assessor_app.core.errors import AssessorError
from assessor_app.core.form_engine.definition import (
    FormDefinition,
    FormRegistry,
    check_forms_dir,
    load_definition,
)
from assessor_app.core.storage import history
from assessor_app.core.storage.database import Connection
from assessor_app.core.storage.vault import Vault
from sync.reference import KINDS, Package, ReferenceError, open_package, parse_publishing_key

__all__ = [
    "KINDS",
    "NOTHING",
    "InUse",
    "Package",
    "ReferenceError",
    "accept",
    "forms_registry",
    "in_use",
    "kept",
    "kept_versions",
    "summary",
]

FOLDER = "reference"
"""The folder beside the vault the kept packages' files are written to for use."""


def kept_versions(conn: Connection) -> dict[str, int]:
    """The newest version kept of each kind (kinds with none left out)."""
    rows = conn.execute("SELECT kind, MAX(version) FROM reference_package GROUP BY kind").fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


def _publishing_key(conn: Connection) -> str | None:
    row = conn.execute("SELECT publishing_public_key FROM sync_enrolment WHERE one = 1").fetchone()
    return None if row is None or row[0] is None else str(row[0])


def _open(data: bytes, key_text: str | None) -> Package:
    try:
        key = parse_publishing_key(key_text) if key_text is not None else None
    except ValueError as e:
        raise ReferenceError(
            "This laptop's copy of the council's publishing key cannot be read, so no package "
            "was used; the app keeps what it had. Enrol the laptop again."
        ) from e
    return open_package(data, key)


def kept(vault: Vault, kind: str) -> list[Package]:
    """The kept packages of `kind`, oldest first, each checked again before it is used.

    One that no longer checks (the vault was changed under the app) is left out and logged
    about by the caller's message, never used.
    """
    conn = vault.conn
    key = _publishing_key(conn)
    rows = conn.execute(
        "SELECT content FROM reference_package WHERE kind = ? ORDER BY version", (kind,)
    ).fetchall()
    found = []
    for row in rows:
        try:
            found.append(_open(bytes(row[0]), key))
        except ReferenceError:
            continue
    return found


def accept(vault: Vault, data: bytes, now: dt.datetime) -> Package:
    """Check one package from the gateway and keep it, in one transaction with its audit entry.

    Raises:
        ReferenceError: Refused (the message says why); nothing was kept and what the app
            had stays in use.
    """
    conn = vault.conn
    package = _open(data, _publishing_key(conn))
    have = kept_versions(conn).get(package.kind, 0)
    if package.version <= have:
        raise ReferenceError(
            f"The {package.label} from the council is not newer than version {have} this "
            "laptop has, so it was refused (an older package never replaces a newer one); "
            "the app keeps what it had."
        )
    _check_usable(vault, package)
    with vault.transaction() as c:
        c.execute(
            "INSERT INTO reference_package (kind, version, published, description, sha256, "
            "content, accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                package.kind,
                package.version,
                package.published,
                package.description,
                package.sha256,
                data,
                now.isoformat(),
            ),
        )
        history.append_audit(
            c,
            vault.profile.id,
            "reference.accept",
            "reference_package",
            f"{package.kind}@{package.version}",
        )
    return package


def _refused(package: Package, why: str) -> ReferenceError:
    return ReferenceError(
        f"The {package.label} from the council cannot be used ({why}), so it was refused; "
        "the app keeps what it had. Tell IT."
    )


def _base_forms() -> Path:
    return paths.default_forms_dir()


def _base_rates() -> Path:
    from assessor_app.core.charging.rates import default_rates_dir

    return app_settings.current().rates_dir or default_rates_dir()


def _changes_fixed_file(package: Package, earlier: Sequence[Package], base: Path) -> str | None:
    """A file the package would change that is fixed once released; None when there is none."""
    for name, content in package.files.items():
        for older in earlier:
            if name in older.files and older.files[name] != content:
                return f"it changes {name}, released in version {older.version}"
        shipped = base / name
        if shipped.is_file() and shipped.read_bytes() != content:
            return f"it changes {name}, which the app has already"
    return None


def _check_usable(vault: Vault, package: Package) -> None:
    """Refuse a package the app could not use beside what it has.

    Raises:
        ReferenceError: What is wrong with it.
    """
    if package.kind not in ("forms", "rates"):
        if package.kind == "branding":
            with tempfile.TemporaryDirectory() as tmp:
                folder = _write(Path(tmp), [package])
                _check_branding(package, folder)
        return
    earlier = kept(vault, package.kind)
    base = _base_forms() if package.kind == "forms" else _base_rates()
    problem = _changes_fixed_file(package, earlier, base)
    if problem:
        raise _refused(package, problem)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "all"
        _copy_base(base, folder, package.kind)
        _write(folder, [*earlier, package])
        if package.kind == "forms":
            problems = check_forms_dir(folder)
            if problems:
                raise _refused(package, problems[0])
        else:
            from assessor_app.core.charging.rates import load_rates_dir

            try:
                load_rates_dir(folder)
            except AssessorError as e:
                raise _refused(package, e.user_message) from e


def _check_branding(package: Package, folder: Path) -> None:
    from assessor_app.core.pdf.branding import BRANDING_FILE, load_branding

    try:
        load_branding(None, "", file=folder / BRANDING_FILE)
    except AssessorError as e:
        raise _refused(package, e.user_message) from e


def _copy_base(base: Path, target: Path, kind: str) -> None:
    if kind == "forms":
        shutil.copytree(base, target, ignore=shutil.ignore_patterns("*.md", "__pycache__"))
        return
    target.mkdir(parents=True)
    for table in base.glob("*.yaml"):
        shutil.copy2(table, target / table.name)
    if (base / "overrides").is_dir():
        (target / "overrides").mkdir()
        for override in (base / "overrides").glob("*.yaml"):
            shutil.copy2(override, target / "overrides" / override.name)


def _write(folder: Path, packages: Sequence[Package]) -> Path:
    """Write the packages' files into `folder`, later packages over earlier; `folder`."""
    for package in packages:
        for name, content in package.files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    return folder


def _digest(packages: Sequence[Package], base: Path | None) -> str:
    text = "\n".join([str(base or ""), *(p.sha256 for p in packages)])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _holds(folder: Path, files: Mapping[str, bytes]) -> bool:
    try:
        return all((folder / n).read_bytes() == c for n, c in files.items())
    except OSError:
        return False


def _in_use(vault: Vault, kind: str, packages: Sequence[Package], base: Path | None) -> Path:
    """The folder holding `packages` (over a copy of `base`), written when not already right."""
    root = vault.folder / FOLDER / kind
    folder = root / _digest(packages, base)
    merged: dict[str, bytes] = {}
    for package in packages:
        merged.update(package.files)
    if folder.is_dir() and _holds(folder, merged):
        return folder
    root.mkdir(parents=True, exist_ok=True)
    aside = Path(tempfile.mkdtemp(dir=root, prefix=".partial-"))
    try:
        target = aside / "files"
        if base is not None:
            _copy_base(base, target, kind)
        else:
            target.mkdir()
        _write(target, packages)
        shutil.rmtree(folder, ignore_errors=True)
        target.rename(folder)
    finally:
        shutil.rmtree(aside, ignore_errors=True)
    return folder


@dataclass(frozen=True)
class InUse:
    """What the kept packages give the session, read from the vault once (on its thread).

    The window reads the vault only on its worker thread, and asks for forms and rates on the
    GUI thread: so the session takes this snapshot on the worker (`Session.load_reference`)
    and the GUI thread reads only the snapshot.
    """

    forms: tuple[FormDefinition, ...] = ()
    """Every published form version (the app's own versions are the app's)."""
    rates_dir: Path | None = None
    """The rates folder with the published tables, over the installed ones; None: none."""
    branding_file: Path | None = None
    """The newest published branding file; None when none was published."""
    leaflets: tuple[Path, ...] = ()
    """Every published leaflet (the newest copy of each name)."""


NOTHING = InUse()
"""Nothing published (or not read yet)."""


def in_use(vault: Vault, rates_base: Path | None = None) -> InUse:
    """Read, check again and write out every kept package (runs on the vault's thread).

    Args:
        vault: The unlocked profile.
        rates_base: The installed rates folder (the `rates_dir` setting); None: shipped.
    """
    from assessor_app.core.pdf.branding import BRANDING_FILE

    forms: list[FormDefinition] = []
    if packages := kept(vault, "forms"):
        folder = _in_use(vault, "forms", packages, None)
        for path in sorted(folder.glob("*/v*.yaml")):
            try:
                forms.append(load_definition(path))
            except AssessorError:
                continue  # checked on acceptance; a form the app cannot read is never offered
    rates = None
    if packages := kept(vault, "rates"):
        rates = _in_use(vault, "rates", packages, rates_base or _base_rates())
    branding = None
    if packages := kept(vault, "branding"):
        branding = _in_use(vault, "branding", packages[-1:], None) / BRANDING_FILE
    leaflet_files: list[Path] = []
    if packages := kept(vault, "leaflets"):
        folder = _in_use(vault, "leaflets", packages, None)
        leaflet_files = sorted(p for p in folder.rglob("*") if p.is_file())
    return InUse(tuple(forms), rates, branding, tuple(leaflet_files))


def forms_registry(installed: FormRegistry, published: InUse) -> FormRegistry:
    """The installed forms with every version the authority published beside them.

    A version the app has already is the app's (a package cannot change it: `accept`).
    """
    if not published.forms:
        return installed
    have = {(d.id, d.version) for d in installed.definitions}
    extra = [d for d in published.forms if (d.id, d.version) not in have]
    return FormRegistry((*installed.definitions, *extra)) if extra else installed


def summary(vault: Vault) -> list[tuple[str, int, str, str]]:
    """What is kept: (kind, version, published, description), oldest first per kind."""
    rows = vault.conn.execute(
        "SELECT kind, version, published, description FROM reference_package ORDER BY kind, version"
    ).fetchall()
    return [(str(r[0]), int(r[1]), str(r[2]), str(r[3])) for r in rows]
