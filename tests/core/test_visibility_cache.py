"""Which questions are shown is remembered by the answers conditions read (`answers._visible_ids`).

The cache made caseload imports (and every validation) faster; these tests hold it to giving
exactly what working it out afresh gives.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from assessor_app.core.form_engine import answers as engine
from assessor_app.core.form_engine.model import Condition, FieldDef, FieldType, FormDefinition
from tests.support import session_for


def _guess(field: FieldDef, rng: random.Random) -> Any:
    """An answer of any plausible kind, right or wrong, for the field."""
    values: list[Any] = [o.value for o in field.options]
    values += [True, False, 1, 0, None, "", "text", ["a"], [v for v in values[:2]]]
    return rng.choice(values)


@pytest.fixture(scope="module")
def shipped_forms() -> list[FormDefinition]:
    from assessor_app.core.form_engine.definition import load_forms_dir
    from assessor_app.core.paths import default_forms_dir

    return load_forms_dir(default_forms_dir()).forms()


def test_the_cache_gives_what_working_it_out_afresh_gives(
    shipped_forms: list[FormDefinition],
) -> None:
    rng = random.Random(5)
    for form in shipped_forms:
        top = list(form.top_fields())
        controls = {r for f in form.all_fields() if f.show_when for r in f.show_when.fields()}
        for _ in range(150):
            answers = {f.id: _guess(f, rng) for f in top if f.id in controls or rng.random() < 0.1}
            for _ in range(2):  # the second time from the cache
                assert engine._visible_ids(top, answers, {}) == engine._compute_visible_ids(
                    top, answers, {}
                ), form.id
            for group in (f for f in top if f.fields):
                item = {f.id: _guess(f, rng) for f in group.fields}
                assert engine._visible_ids(group.fields, item, answers) == (
                    engine._compute_visible_ids(group.fields, item, answers)
                )


def test_true_and_one_are_not_taken_for_each_other() -> None:
    # Equal in Python, with equal hashes, but a yes/no condition tells them apart.
    fields = (
        FieldDef("asked", FieldType.YES_NO, "Asked?"),
        FieldDef("more", FieldType.SHORT_TEXT, "More", show_when=Condition("asked", equals=True)),
    )
    assert engine._visible_ids(fields, {"asked": True}, {}) == {"asked", "more"}
    assert engine._visible_ids(fields, {"asked": 1}, {}) == {"asked"}
    assert engine._visible_ids(fields, {"asked": [True]}, {}) == {"asked", "more"}
    assert engine._visible_ids(fields, {"asked": [1]}, {}) == {"asked"}


def test_a_mapping_answer_is_worked_out_each_time() -> None:
    fields = (
        FieldDef("asked", FieldType.SHORT_TEXT, "Asked?"),
        FieldDef("more", FieldType.SHORT_TEXT, "More", show_when=Condition("asked", is_set=True)),
    )
    assert engine._visible_ids(fields, {"asked": {"a": 1}}, {}) == {"asked", "more"}
    assert engine._visible_ids(fields, {"asked": {}}, {}) == {"asked"}


def test_a_caller_may_change_what_it_is_given(vault: object) -> None:
    form = session_for(vault).forms.latest("chc_fast_track")
    top = list(form.top_fields())
    shown = engine._visible_ids(top, {}, {})
    shown.clear()
    assert engine._visible_ids(top, {}, {})
