"""What the record editor says when a record is not ready to be finalised.

Pure functions over the form definition and the core's `Problem`s, so they are tested without
widgets. Imports no view module.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assessor_app.core.form_engine.answers import Problem
from assessor_app.core.form_engine.model import FormDefinition
from assessor_app.core.rules import Blocker

NOT_READY_TITLE = "Not ready to finalise"
PLACES_NAMED = 3
"""How many questions the message names; the rest are counted ("and 4 more")."""

_NESTED = re.compile(r"([a-z][a-z0-9_]*)\[(\d+)\]\.([a-z][a-z0-9_]*)\Z")


def problem_place(defn: FormDefinition, path: str) -> str:
    """Where a problem is, as the user sees it.

    'preferred_name' → 'About the person: Preferred name';
    'income_sources[1].income_amount' → 'Money: Sources of income, income source 2: Amount'.
    """
    nested = _NESTED.match(path)
    top_id = nested.group(1) if nested else path
    section = next((s.title for s in defn.sections if any(f.id == top_id for f in s.fields)), "")
    if not defn.has_field(top_id):
        return path  # an answer to a question the form no longer has
    top = defn.field(top_id)
    label = top.label
    if nested and defn.has_field(nested.group(3)):
        item = top.item_label or "item"
        label += f", {item} {int(nested.group(2)) + 1}: {defn.field(nested.group(3)).label}"
    return f"{section}: {label}" if section else label


def not_ready_message(
    defn: FormDefinition, problems: list[Problem], blockers: Sequence[Blocker] = ()
) -> tuple[str, str]:
    """(text, detail) refusing to finalise.

    A blocker (a legal reason, such as a refusal that cannot close) is said in full, first;
    missing or invalid answers are counted, and the first few are named.
    """
    if blockers:
        text = blockers[0].message
        rest = [f"• {b.message}" for b in blockers[1:]]
        if problems:
            count = len(dict.fromkeys(p.path for p in problems))
            rest.append(
                f"• {count} question{'s' if count != 1 else ''} also still "
                f"need{'s' if count == 1 else ''} an answer."
            )
        listed = "\n".join(rest)
        detail = (listed + "\n\n" if listed else "") + (
            "The record is still a draft and your answers are saved."
        )
        return text, detail
    paths = list(dict.fromkeys(p.path for p in problems))  # one per question, in form order
    count = len(paths)
    questions = "1 question still needs" if count == 1 else f"{count} questions still need"
    text = f"{questions} an answer before this record can be finalised."
    places = [problem_place(defn, path) for path in paths[:PLACES_NAMED]]
    more = count - len(places)
    listed = "\n".join(f"• {place}" for place in places)
    if more:
        listed += f"\n…and {more} more."
    detail = f"{listed}\n\nThe record is still a draft and your answers are saved."
    return text, detail
