"""Cross-reference checks on a parsed form: show_when targets and loops, rule names, migrations.

Runs after `parsing.py` has built the dataclasses; problems are added to the same `Reader` so
the file's problems are reported together. Imports no Qt.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from assessor_app.core import rules
from assessor_app.core.form_engine.model import (
    DISPLAY_ONLY,
    Condition,
    Drop,
    FieldDef,
    FieldType,
    FormDefinition,
    MapValues,
    Rename,
    SetDefault,
    same_value,
)
from assessor_app.core.form_engine.reader import Reader


def check_form(r: Reader, defn: FormDefinition) -> None:
    """Add every cross-reference problem of `defn` to `r`."""
    fields = {f.id: f for f in defn.all_fields()}
    for f in fields.values():
        where = r.field_paths.get(f.id, f.id)
        if f.show_when is not None:
            _check_condition(r, where, f, f.show_when, fields)
        if f.rule is not None:
            _check_name(r, where, "rule", f.rule, rules.rule_names())
            _check_reads(r, defn, f.rule, "rule", rules.reads_of(f.rule))
    for name in defn.completion_checks:
        _check_name(r, "completion_checks", "completion check", name, rules.check_names())
        _check_reads(r, defn, name, "completion check", rules.reads_of(name))
    if defn.start_check is not None:
        _check_name(r, "start_check", "start check", defn.start_check, rules.start_check_names())
    for answer_id, outcome_id in defn.record_on_complete:
        target, source = fields.get(answer_id), fields.get(outcome_id)
        if target is None or target.parent is not None or target.type is not FieldType.SHORT_TEXT:
            r.add("record_on_complete", f"'{answer_id}' must be a top-level short_text question")
        if source is None or source.type is not FieldType.OUTCOME:
            r.add("record_on_complete", f"'{outcome_id}' must be an outcome field")
    _check_loops(r, fields)
    _check_steps(r, defn)


def _check_name(r: Reader, where: str, kind: str, name: str, known: list[str]) -> None:
    if name not in known:
        near = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        r.add(where, f"unknown {kind} '{name}'{hint}")


def _check_reads(r: Reader, defn: FormDefinition, name: str, kind: str, reads: rules.Reads) -> None:
    """Report every answer the rule `name` reads that this form does not give it as it needs.

    The form's top-level questions are checked against the rule's declaration, and the
    questions inside a repeating group against what it needs of each item.
    """
    top = {f.id: f for f in defn.top_fields()}
    for field_id, need in reads.items():
        _check_need(r, f"{kind} '{name}'", field_id, need, top.get(field_id))


def _check_need(
    r: Reader,
    who: str,
    field_id: str,
    need: rules.Need,
    f: FieldDef | None,
    group: FieldDef | None = None,
) -> None:
    if f is None:
        if need.optional:
            return
        if group is None:
            r.add(field_id, f"{who} reads '{field_id}', but the form has no such question")
        else:
            r.add(
                r.field_paths.get(group.id, group.id),
                f"{who} reads '{field_id}' in each item of '{group.id}', but the group has "
                "no such question",
            )
        return
    where = r.field_paths.get(f.parent or f.id, f.id)
    if f.parent is not None:
        where = f"{where}.{f.id}"
    if f.type.value not in need.types:
        wanted = " or ".join(sorted(need.types))
        r.add(where, f"{who} reads '{f.id}' as {wanted}, but it is {f.type.value}")
        return
    offered = [o.value for o in f.choices()]
    for value in sorted(need.options, key=str):
        if not any(same_value(value, o) for o in offered):
            r.add(where, f"{who} relies on option {value!r} of '{f.id}', which it does not offer")
    if need.allowed is not None:
        for o in offered:
            if not any(same_value(o, known) for known in need.allowed):
                r.add(
                    where,
                    f"{who} does not know option {o!r} of '{f.id}'; offer only "
                    + ", ".join(repr(v) for v in sorted(need.allowed, key=str)),
                )
    inner = {sub.id: sub for sub in f.fields}
    for sub_id, sub_need in need.fields.items():
        _check_need(r, who, sub_id, sub_need, inner.get(sub_id), f)


def _check_condition(
    r: Reader, where: str, f: FieldDef, cond: Condition, fields: dict[str, FieldDef]
) -> None:
    if cond.all_of is not None:
        for part in cond.all_of:
            _check_condition(r, where, f, part, fields)
        return
    target = fields.get(cond.field)
    if target is None:
        if cond.field not in r.broken_ids:
            r.add(where, f"show_when refers to unknown field '{cond.field}'")
        return
    if target.parent is not None and target.parent != f.parent:
        r.add(
            where,
            f"show_when refers to '{target.id}', which is inside repeating group "
            f"'{target.parent}'; only questions in that same group can depend on it",
        )
    if target.type in DISPLAY_ONLY:
        r.add(where, f"show_when cannot depend on '{target.id}', which is {target.type.value}")
    if target.id == f.id:
        r.add(where, f"show_when of '{f.id}' depends on its own answer")
        return
    if cond.is_set is not None:
        return
    wanted = cond.any_of if cond.any_of is not None else (cond.equals,)
    if target.type is FieldType.YES_NO and not all(isinstance(w, bool) for w in wanted):
        r.add(
            where,
            f"'{target.id}' is a yes/no question, so show_when must compare with true or false",
        )
    allowed = [o.value for o in target.choices()]
    if allowed:
        for w in wanted:
            if not any(same_value(w, a) for a in allowed):
                r.add(where, f"show_when value {w!r} is not one of the options of '{target.id}'")


def _check_loops(r: Reader, fields: dict[str, FieldDef]) -> None:
    """Report show_when chains that come back to where they started (a field never shown)."""
    reported: set[str] = set()

    def depends_on(fid: str) -> list[str]:
        cond = fields[fid].show_when
        refs = () if cond is None else cond.fields()
        return [ref for ref in refs if ref in fields and ref != fid]

    def walk(chain: list[str]) -> None:
        for ref in depends_on(chain[-1]):
            if ref in chain:
                loop = chain[chain.index(ref) :]
                if not reported.intersection(loop):
                    reported.update(loop)
                    shown = " → ".join([*loop, ref])
                    r.add(r.field_paths.get(loop[0], loop[0]), f"show_when makes a loop: {shown}")
            elif ref not in done:
                walk([*chain, ref])
        done.add(chain[-1])

    done: set[str] = set()
    for start in fields:
        if start not in done:
            walk([start])


def _check_steps(r: Reader, defn: FormDefinition) -> None:
    """Check that migration steps name fields that exist in this version."""
    top = {f.id: f for f in defn.top_fields()}
    for i, migration in enumerate(defn.migrations):
        later_sources: set[str] = set()
        for step in reversed(migration.steps):
            if isinstance(step, Rename):
                later_sources.add(step.source)
        for j, step in enumerate(migration.steps):
            where = f"migrations[{i}].steps[{j}]"
            if isinstance(step, Rename):
                later_sources.discard(step.source)
                if step.target not in top:
                    r.add(where, f"rename: 'to' names unknown field '{step.target}'")
            elif isinstance(step, SetDefault) and step.field not in top:
                r.add(where, f"set_default names unknown field '{step.field}'")
            elif isinstance(step, MapValues):
                target = top.get(step.field)
                if target is None and step.field not in later_sources:
                    r.add(where, f"map_values names unknown field '{step.field}'")
                allowed = [o.value for o in target.choices()] if target else []
                for _old, new in step.mapping if allowed else ():
                    if not any(same_value(new, a) for a in allowed):
                        r.add(where, f"map_values: {new!r} is not an option of '{step.field}'")


def check_migration_sources(
    r: Reader, defn: FormDefinition, earlier: Iterable[FormDefinition]
) -> None:
    """Check `defn`'s migrations against the earlier versions they read, when those are loaded.

    Walks each step over the earlier version's top-level field ids, so a rename or drop of a
    field that never existed is reported, and so is an old field that the steps leave behind
    although the new version no longer has it (its answers would become unknown answers).
    """
    by_version = {d.version: d for d in earlier}
    new_ids = {f.id for f in defn.top_fields()}
    for i, migration in enumerate(defn.migrations):
        old = by_version.get(migration.from_version)
        if old is None:
            continue
        names = {f.id for f in old.top_fields()}
        for j, step in enumerate(migration.steps):
            where = f"migrations[{i}].steps[{j}]"
            source = step.source if isinstance(step, Rename) else step.field
            if not isinstance(step, SetDefault) and source not in names:
                kind = type(step).__name__.lower().replace("mapvalues", "map_values")
                r.add(where, f"{kind}: '{source}' is not a field in version {old.version}")
            if isinstance(step, Rename):
                names.discard(step.source)
                names.add(step.target)
            elif isinstance(step, Drop):
                names.discard(step.field)
            elif isinstance(step, SetDefault):
                names.add(step.field)
        for left in sorted(names - new_ids):
            r.add(
                f"migrations[{i}]",
                f"field '{left}' of version {old.version} is not in version {defn.version}; "
                "add a rename or drop step for it",
            )
