"""NHS number validation (Modulus 11) and display in the 3-3-4 form. Pure functions."""

from __future__ import annotations

from assessor_app.core.errors import ValidationError

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for an NHS number's first nine digits, or None.

    None when they can have none (the sum leaves 10: no NHS number starts with them).
    """
    total = sum(int(d) * w for d, w in zip(first_nine, _WEIGHTS, strict=True))
    check = (11 - total % 11) % 11
    return None if check == 10 else check


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
    if check_digit(digits[:9]) != int(digits[9]):
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
