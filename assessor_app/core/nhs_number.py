"""NHS number validation (Modulus 11) and display in the 3-3-4 form. Pure functions."""

from __future__ import annotations

from assessor_app.core.errors import ValidationError

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def normalise_nhs_number(text: str) -> str:
    """Return the ten digits of an NHS number typed with or without spaces or dashes.

    Raises:
        ValidationError: when it is not ten digits or its check digit is wrong.
    """
    digits = "".join(ch for ch in text if ch not in " -")
    if len(digits) != 10 or not digits.isdigit():
        raise ValidationError(
            f"'{text}' is not an NHS number.",
            "An NHS number has ten digits, like 943 476 5919. Leave it blank if unknown.",
        )
    total = sum(int(d) * w for d, w in zip(digits[:9], _WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10 or check != int(digits[9]):
        raise ValidationError(
            f"{format_nhs_number(digits)} is not a valid NHS number: its check digit is wrong.",
            "Check the number against the person's letter or GP record.",
        )
    return digits


def is_valid_nhs_number(text: str) -> bool:
    """True when `text` is a valid NHS number (spaces allowed)."""
    try:
        normalise_nhs_number(text)
    except ValidationError:
        return False
    return True


def format_nhs_number(digits: str) -> str:
    """Show ten digits as 3-3-4 (``943 476 5919``)."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
