"""A person's details as people read them, each with its label.

In the order the person page shows them; used by the person page and by the comparison of two
versions of the details. Imports no Qt.
"""

from __future__ import annotations

from assessor_app.core.nhs_number import format_nhs_number
from assessor_app.core.records import PersonDetails

__all__ = ["detail_rows"]


def detail_rows(d: PersonDetails, *, blanks: bool = False) -> list[tuple[str, str]]:
    """Label/value pairs of the details, names first; blank ones left out unless `blanks`."""
    rows = [
        ("Given name", d.given_name) if blanks else ("", ""),
        ("Family name", d.family_name) if blanks else ("", ""),
        ("Date of birth", d.date_of_birth.strftime("%d/%m/%Y") if d.date_of_birth else ""),
        ("NHS number", format_nhs_number(d.nhs_number) if d.nhs_number else ""),
        ("Setting", d.setting.label),
        ("Establishment", d.establishment_name),
        ("Prison number", d.prison_number),
        (
            "Conviction status",
            d.conviction_status.value.replace("_", " ").capitalize() if d.conviction_status else "",
        ),
        (
            "Expected release",
            d.expected_release_date.strftime("%d/%m/%Y") if d.expected_release_date else "",
        ),
        ("Address", d.address),
        ("Communication needs", d.communication_needs),
        ("Preferred format", d.preferred_format),
        ("Council person id", d.authority_person_id),
    ]
    return [(label, value) for label, value in rows if label and (value or blanks)]
