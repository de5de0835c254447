"""The gateway's side of reference data: the publishing key, and making a package to publish.

The authority's publishing key (Ed25519) is an owner-only file beside the gateway's other keys
(``<data>/ca/publishing-ed25519.key``); laptops learn its public half at enrolment and use a
package only when it is signed by it (`sync.reference`, decision 0010). `publish` reads a
folder or one file, checks its files are what the app can use (forms pass the form checks,
rates tables the rates checks, branding is the branding file), signs the package and keeps it
in the gateway's database under the next version of its kind. Imports no FastAPI.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.gateway.ca import _write_private
from sync.gateway.store import Store
from sync.reference import (
    KINDS,
    Package,
    ReferenceError,
    open_package,
    publishing_key_fingerprint,
    publishing_key_text,
    seal_package,
)

__all__ = ["KEY_FILE", "Published", "PublishingKey", "package_files", "publish"]

KEY_FILE = "publishing-ed25519.key"
_SKIP = {"README.md", ".DS_Store"}


@dataclass(frozen=True)
class PublishingKey:
    """The authority's key that signs reference-data packages."""

    sign: Ed25519PrivateKey

    @classmethod
    def path(cls, folder: Path) -> Path:
        """Where the key file is in the gateway's key folder."""
        return folder / KEY_FILE

    @classmethod
    def load(cls, folder: Path) -> PublishingKey | None:
        """The folder's publishing key, or None when none was made."""
        path = cls.path(folder)
        if not path.exists():
            return None
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 publishing key.")
        return cls(key)

    @classmethod
    def create(cls, folder: Path) -> PublishingKey:
        """Make the key (an owner-only file).

        Raises:
            ValueError: There is one already (laptops trust it; replacing it is not done here).
        """
        if cls.path(folder).exists():
            raise ValueError(
                f"There is a publishing key already ({cls.path(folder)}); laptops enrolled "
                "with it trust only it. 'assessor-gateway publishing-key show' shows it."
            )
        folder.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        _write_private(
            cls.path(folder),
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        return cls(key)

    @classmethod
    def load_or_create(cls, folder: Path) -> PublishingKey:
        """The folder's publishing key, made on first use."""
        return cls.load(folder) or cls.create(folder)

    @property
    def public_text(self) -> str:
        """The public half as laptops receive it in the enrolment answer."""
        return publishing_key_text(self.sign.public_key())

    @property
    def fingerprint(self) -> str:
        """The public half's fingerprint, to read out and compare."""
        return publishing_key_fingerprint(self.public_text)


def package_files(source: Path, kind: str) -> dict[str, bytes]:
    """The files a package of `kind` carries from a folder or one file, by path inside it.

    Forms keep their ``<form id>/v<N>.yaml`` paths (a folder of forms, or one form's folder,
    or one ``v<N>.yaml`` inside its form's folder); the other kinds take the folder's files.
    `publish` checks them.

    Raises:
        ValueError: Nothing to publish, or not a kind of reference data.
    """
    if kind not in KINDS:
        raise ValueError(f"'{kind}' is not a kind of reference data ({', '.join(KINDS)}).")
    if not source.exists():
        raise ValueError(f"There is no file or folder {source}.")
    if source.is_file():
        name = f"{source.parent.name}/{source.name}" if kind == "forms" else source.name
        files = {name: source.read_bytes()}
    else:
        found = sorted(p for p in source.rglob("*") if p.is_file() and p.name not in _SKIP)
        if kind == "forms" and any(p.parent == source for p in found if p.suffix == ".yaml"):
            base = source.parent  # one form's folder: keep its name as the first part
        else:
            base = source
        files = {p.relative_to(base).as_posix(): p.read_bytes() for p in found}
    if not files:
        raise ValueError(f"{source} holds no files to publish.")
    return files


def _check(kind: str, files: dict[str, bytes], earlier: list[Package]) -> None:
    """Refuse what the laptops would refuse, before it is signed.

    Forms are checked beside the forms the app ships and those published before (a new
    version may migrate answers from one of them), rates tables beside its rates tables and
    those published before, as each laptop checks them; a released form version or rates
    table is never changed (publish the next version instead).

    Raises:
        ValueError: A file the app could not use; the message names it and the problem.
    """
    from assessor_app.core.errors import AssessorError

    if kind == "forms":
        odd = sorted(n for n in files if n.count("/") != 1 or not n.endswith(".yaml"))
        if odd:
            raise ValueError(f"A forms package holds <form id>/v<N>.yaml files only, not {odd[0]}.")
    if kind == "rates":
        odd = sorted(
            n for n in files if not n.endswith(".yaml") or n.count("/") > int(
                n.startswith("overrides/"))
        )  # fmt: skip
        if odd:
            raise ValueError(
                f"A rates package holds rates tables (*.yaml) and overrides/*.yaml only, "
                f"not {odd[0]}."
            )
    if kind in ("forms", "rates"):
        from assessor_app.core.charging.rates import default_rates_dir
        from assessor_app.core.paths import default_forms_dir

        base = default_forms_dir() if kind == "forms" else default_rates_dir()
        for name, content in sorted(files.items()):
            if (base / name).is_file() and (base / name).read_bytes() != content:
                raise ValueError(
                    f"{name} is released already, with other content: a released "
                    f"{'form version' if kind == 'forms' else 'rates table'} is never changed. "
                    "Publish it as the next version instead."
                )
            for older in earlier:
                if older.files.get(name, content) != content:
                    raise ValueError(
                        f"{name} was published in {kind} version {older.version} with other "
                        "content, and is never changed: publish it as the next version instead."
                    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "files"
        try:
            if kind == "forms":
                from assessor_app.core.form_engine.definition import check_forms_dir
                from assessor_app.core.paths import default_forms_dir

                shutil.copytree(default_forms_dir(), folder, ignore=shutil.ignore_patterns("*.md"))
                for older in earlier:
                    _write(folder, dict(older.files))
                _write(folder, files)
                problems = check_forms_dir(folder)
                if problems:
                    raise ValueError(f"The forms cannot be published: {problems[0]}")
            elif kind == "rates":
                from assessor_app.core.charging.rates import default_rates_dir, load_rates_dir

                shutil.copytree(default_rates_dir(), folder, ignore=shutil.ignore_patterns("*.md"))
                for older in earlier:
                    _write(folder, dict(older.files))
                _write(folder, files)
                load_rates_dir(folder)
            elif kind == "branding":
                from assessor_app.core.pdf.branding import BRANDING_FILE, load_branding

                if BRANDING_FILE not in files:
                    raise ValueError(f"A branding package must hold {BRANDING_FILE}.")
                _write(folder, files)
                load_branding(None, "", file=folder / BRANDING_FILE)
        except AssessorError as e:
            raise ValueError(e.one_line()) from e


def _write(folder: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)


@dataclass(frozen=True)
class Published:
    """What `publish` kept."""

    kind: str
    version: int
    files: int
    size: int


def publish(
    store: Store,
    key: PublishingKey,
    kind: str,
    files: dict[str, bytes],
    description: str,
    now: dt.datetime,
) -> Published:
    """Check `files`, sign them as the next version of `kind` and keep the package.

    Raises:
        ValueError: The package cannot be made (the message says why), or another publisher
            took that version at the same moment (publish again).
    """
    public = key.sign.public_key()
    try:
        earlier = [open_package(p, public) for p in store.reference_contents(kind)]
    except ReferenceError as e:
        raise ValueError(
            f"A {kind} package published before does not check with this gateway's publishing "
            f"key ({e}). Restore the key it was published with, or ask the developers."
        ) from e
    _check(kind, files, earlier)
    version = store.next_reference_version(kind)
    try:
        content = seal_package(kind, version, description, files, key.sign, published=now)
    except ReferenceError as e:
        raise ValueError(str(e)) from e
    if not store.publish_reference(kind, version, description, content, now):
        raise ValueError(
            f"Version {version} of {kind} was published by someone else just now: publish again."
        )
    return Published(kind, version, len(files), len(content))
