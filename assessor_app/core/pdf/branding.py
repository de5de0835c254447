"""Who the documents come from: the authority's name, logo and contact details.

An authority's IT team puts a ``branding.yaml`` in the data folder (beside the profiles); the
app's own ``resources/branding/default.yaml`` is used otherwise. Letters print the contact,
complaints and advocacy details from here, so they are the authority's, not the app's.
Imports no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assessor_app.core.errors import ValidationError
from assessor_app.core.paths import resources_dir

__all__ = ["BRANDING_FILE", "Branding", "load_branding"]

BRANDING_FILE = "branding.yaml"
"""Name of the authority's branding file in the data folder."""


@dataclass(frozen=True)
class Branding:
    """What every page and letter says about the sender."""

    authority_name: str
    """Printed at the top of every page, e.g. "Exampleshire County Council"."""
    logo: Path | None = None
    """A PNG or JPEG printed at the top right of every page, if the authority has one."""
    address: tuple[str, ...] = ()
    """The authority's postal address, one line each, for letters."""
    phone: str = ""
    """Adult social care telephone number."""
    email: str = ""
    """Adult social care email address."""
    complaints: str = ""
    """How to complain, and how to get help to do so (every letter prints it)."""
    advocacy: str = ""
    """The independent advocacy service and how to reach it (every letter prints it)."""
    icb_name: str = ""
    """The Integrated Care Board that decides NHS Continuing Healthcare (never "CCG")."""
    placeholder: bool = False
    """True for the app's shipped example details: fine for records, never for a signed
    letter to a real person (their phone numbers and advocacy service are invented)."""


def _text(raw: dict[str, Any], key: str, where: Path) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise ValidationError(
            f"{where}: '{key}' must be text.", "Correct the branding file; see docs/pdf.md."
        )
    return value.strip()


def _read(path: Path) -> Branding:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise ValidationError(
            f"The branding file {path} could not be read ({type(e).__name__}).",
            "Correct or remove it; documents use the app's defaults without it.",
        ) from e
    if not isinstance(raw, dict):
        raise ValidationError(
            f"{path}: the branding file must be a set of 'name: value' lines.",
            "Correct it; see docs/pdf.md for an example.",
        )
    logo_name = _text(raw, "logo", path)
    logo = (path.parent / logo_name) if logo_name else None
    if logo is not None and not logo.is_file():
        raise ValidationError(
            f"{path}: the logo file {logo} does not exist.",
            "Put the logo beside the branding file, or remove the 'logo' line.",
        )
    address = raw.get("address", [])
    if isinstance(address, str):
        address = [line for line in address.splitlines() if line.strip()]
    if not isinstance(address, list) or not all(isinstance(a, str) for a in address):
        raise ValidationError(
            f"{path}: 'address' must be a list of lines.", "Correct the branding file."
        )
    placeholder = raw.get("placeholder", False)
    if not isinstance(placeholder, bool):
        raise ValidationError(
            f"{path}: 'placeholder' must be true or false.", "Correct the branding file."
        )
    return Branding(
        placeholder=placeholder,
        authority_name=_text(raw, "authority_name", path),
        logo=logo,
        address=tuple(a.strip() for a in address),
        phone=_text(raw, "phone", path),
        email=_text(raw, "email", path),
        complaints=_text(raw, "complaints", path),
        advocacy=_text(raw, "advocacy", path),
        icb_name=_text(raw, "icb_name", path),
    )


def load_branding(data_dir: Path | None, authority: str, *, file: Path | None = None) -> Branding:
    """The authority's branding, or the shipped defaults under the profile's authority name.

    Args:
        data_dir: The data folder, whose ``branding.yaml`` wins when present (None: defaults).
        authority: The profile's authority, used when the file names none.
        file: A branding file named by the settings: it must exist, and wins over both.

    Raises:
        ValidationError: The authority's file exists but cannot be used (says what to fix).
    """
    shipped = resources_dir() / "branding" / "default.yaml"
    own = data_dir / BRANDING_FILE if data_dir is not None else None
    path = own if own is not None and own.is_file() else shipped
    if file is not None:
        if not file.is_file():
            raise ValidationError(
                f"The branding file {file} named in the settings does not exist.",
                "Correct the branding_file setting, or ask your IT team.",
            )
        path = file
    branding = _read(path)
    if not branding.authority_name or path == shipped:
        # The shipped defaults never put another council's name on this profile's documents.
        branding = Branding(
            authority_name=authority or branding.authority_name,
            logo=branding.logo,
            address=branding.address,
            phone=branding.phone,
            email=branding.email,
            complaints=branding.complaints,
            advocacy=branding.advocacy,
            icb_name=branding.icb_name,
            placeholder=branding.placeholder,
        )
    return branding
