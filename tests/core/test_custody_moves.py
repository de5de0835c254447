"""A plan review is prompted on every entry to and exit from custody, and on a transfer."""

from __future__ import annotations

import pytest

from assessor_app.core.records import Setting, custody_move_prompt
from tests.support import community_person, prisoner


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (community_person(), prisoner(), "is now in custody (prison)"),
        (prisoner(), community_person(), "has left custody"),
        (
            prisoner(),
            prisoner(establishment_name="HMP Elsewhere (synthetic)"),
            "has moved to HMP Elsewhere (synthetic)",
        ),
        (
            prisoner(),
            prisoner(setting=Setting.APPROVED_PREMISES, establishment_name=""),
            "has moved to another establishment",
        ),
        (community_person(), community_person(setting=Setting.CARE_HOME), None),
        (prisoner(), prisoner(prison_number="Z9999ZZ"), None),
    ],
    ids=["enters", "leaves", "transfer", "to approved premises", "community move", "same place"],
)
def test_custody_moves_prompt_a_plan_review(before, after, expected) -> None:  # type: ignore[no-untyped-def]
    prompt = custody_move_prompt(before, after)
    if expected is None:
        assert prompt is None
    else:
        assert prompt is not None and expected in prompt and "Review" in prompt
