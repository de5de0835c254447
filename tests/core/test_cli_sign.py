"""`assessor-cli record sign`: a record signed and finalised from the command line alone.

Each signer signs by typing their name, or is recorded as unable to sign with a reason, in the
answer shapes the app's signature question keeps; `record complete` then keeps a PDF signed
with the profile's certificate, checked here by poppler's pdfsig and pdftotext.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assessor_app.core.form_engine.definition import FieldDef, FieldType
from assessor_app.core.form_engine.signatures import describe_signature
from assessor_app.core.form_engine.value_checks import value_messages

TODAY = dt.date(2026, 11, 23)


# -- the typed shape in the core: checked as the editor checks it, read as the PDF reads it ----


def _sig(signer: str | None = "person") -> FieldDef:
    return FieldDef(id="s", type=FieldType.SIGNATURE, label="Signature", signer=signer)


def typed(**more: Any) -> dict[str, Any]:
    return {"typed": True, "name": "Jordan Example", "signed_on": "2026-11-16", **more}


@pytest.mark.parametrize(
    ("signer", "value", "said"),
    [
        ("person", typed(), None),
        ("assessor", typed(), None),
        (None, typed(), None),
        ("representative", typed(capacity="deputy"), None),
        ("representative", typed(), "Choose the authority"),
        ("person", typed(capacity="deputy"), "could not be read"),
        ("person", typed(typed="yes"), "could not be read"),
        ("person", typed(strokes=[[[1, 2], [3, 4]]]), "could not be read"),
        ("person", typed(unable_to_sign="declined"), "Keep either the signature or the reason"),
        ("person", typed(name=" "), "Enter the name of the person assessed"),
        ("person", typed(signed_on="2026-11-24"), "cannot be after today"),
        ("person", {"typed": True, "name": "Jordan Example"}, "Enter the date it was signed"),
    ],
)
def test_a_typed_signature_is_checked_like_a_drawn_one(
    signer: str | None, value: dict[str, Any], said: str | None
) -> None:
    messages = value_messages(_sig(signer), value, TODAY)
    if said is None:
        assert messages == []
    else:
        assert len(messages) == 1 and said in messages[0], messages


def test_a_typed_signature_reads_as_signed_and_typed() -> None:
    summary = describe_signature(typed(capacity="lpa_health_welfare"))
    assert summary is not None and summary.signed and summary.typed
    assert summary.name == "Jordan Example" and summary.strokes == ()
    assert summary.signed_on == dt.date(2026, 11, 16)
    assert summary.capacity_label and summary.capacity_label.startswith("Attorney")
    assert describe_signature({"typed": True}) is None  # no name typed: nothing signed
    drawn = describe_signature({"strokes": [[[1, 2]]], "name": "A B", "signed_on": "2026-11-16"})
    assert drawn is not None and not drawn.typed
