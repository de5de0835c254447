"""Logs carry no personal data even when an exception echoes what was typed."""

from __future__ import annotations

import logging
from pathlib import Path

from assessor_app.core.errors import ValidationError
from assessor_app.core.logging_setup import configure_logging
from assessor_app.core.nhs_number import normalise_nhs_number


def test_traceback_in_log_withholds_the_message(tmp_path: Path) -> None:
    path = configure_logging(tmp_path)
    log = logging.getLogger("assessor.test")
    try:
        try:
            normalise_nhs_number("943 476 5918")
        except ValidationError as e:
            raise RuntimeError("wrapped: Quillfeather") from e
    except RuntimeError:
        log.exception("saving record %s failed", "a1b2c3")
    for handler in logging.getLogger("assessor").handlers:
        handler.flush()
    text = path.read_text()
    assert "saving record a1b2c3 failed" in text
    assert "ValidationError (message withheld)" in text and "nhs_number.py" in text
    assert "5918" not in text and "Quillfeather" not in text
    assert path.stat().st_mode & 0o777 == 0o600
