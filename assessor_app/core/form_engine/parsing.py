"""Turns the raw YAML data of one form file into `FormDefinition` dataclasses.

Every structural problem (missing or misspelt keys, wrong value types, unknown field types,
duplicate ids, bad regular expressions, empty or repeated options) is collected rather than
raised, so a forms team sees all of them at once. Cross-references are checked in `checks.py`.
Imports no Qt.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from collections.abc import Mapping
from typing import Any

from assessor_app.core.form_engine.model import (
    EXTRAS,
    LAYOUTS,
    LETTERS,
    Condition,
    Drop,
    FieldDef,
    FieldType,
    FormDefinition,
    MapValues,
    Migration,
    MigrationStep,
    Option,
    Rename,
    Section,
    SetDefault,
)
from assessor_app.core.form_engine.prefill import PREFILL_SOURCES
from assessor_app.core.form_engine.reader import Reader, field_path
from assessor_app.core.form_engine.signatures import SIGNER_LABELS

_FORM_KEYS = (
    "id",
    "version",
    "title",
    "description",
    "sections",
    "migrations",
    "completion_checks",
    "start_check",
    "record_on_complete",
    "letters",
    "extras",
    "order",
    "developers_only",
)
_SECTION_KEYS = ("id", "title", "help", "fields", "show_when", "layout")
_COMMON_KEYS = ("id", "type", "label", "required", "help", "show_when", "prefill")
_TEXT_KEYS = ("max_length", "pattern", "pattern_message")
_TYPE_KEYS: dict[FieldType, tuple[str, ...]] = {
    FieldType.SHORT_TEXT: (*_TEXT_KEYS, "not_printed"),
    FieldType.LONG_TEXT: _TEXT_KEYS,
    FieldType.DATE: ("not_in_future", "not_before"),
    FieldType.NUMBER: ("min", "max", "integer_only"),
    FieldType.MONEY: ("min", "max"),
    FieldType.YES_NO: (),
    FieldType.SINGLE_CHOICE: ("options",),
    FieldType.MULTIPLE_CHOICE: ("options",),
    FieldType.RATING: ("scale",),
    FieldType.REPEATING_GROUP: ("fields", "min_items", "max_items", "item_label"),
    FieldType.SIGNATURE: ("signer",),
    FieldType.OUTCOME: ("rule",),
    FieldType.NOTICE: (),
}
_TYPE_REQUIRED: dict[FieldType, tuple[str, ...]] = {
    FieldType.SINGLE_CHOICE: ("options",),
    FieldType.MULTIPLE_CHOICE: ("options",),
    FieldType.RATING: ("scale",),
    FieldType.REPEATING_GROUP: ("fields",),
    FieldType.OUTCOME: ("rule",),
}
_ALL_FIELD_KEYS = frozenset(_COMMON_KEYS).union(*_TYPE_KEYS.values())
_STEP_KINDS = ("rename", "map_values", "drop", "set_default")


def _items(r: Reader, path: str, data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not value:
        r.add(path, f"'{key}' must be a non-empty list")
        return []
    return value


def _scalar_ok(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _parse_condition(r: Reader, path: str, raw: Any, where: str = "") -> Condition | None:
    where = where or f"{path}.show_when"
    if not isinstance(raw, dict):
        r.add(where, "must be a mapping such as {field: has_carer, equals: true}")
        return None
    if "all_of" in raw:
        r.keys(where, raw, ("all_of",), ("all_of",))
        parts = raw["all_of"]
        if not isinstance(parts, list) or len(parts) < 2:
            r.add(where, "'all_of' must be a list of at least two conditions")
            return None
        parsed = [
            _parse_condition(r, path, part, f"{where}.all_of[{i}]") for i, part in enumerate(parts)
        ]
        if any(c is None for c in parsed):
            return None
        return Condition(all_of=tuple(c for c in parsed if c is not None))
    r.keys(where, raw, ("field", "equals", "any_of", "is_set"), ("field",))
    tests = [k for k in ("equals", "any_of", "is_set") if k in raw]
    if len(tests) != 1:
        r.add(where, "needs exactly one of 'equals', 'any_of' or 'is_set' (or use 'all_of')")
        return None
    target = r.ident(where, raw.get("field"), "field")
    if target is None:
        return None
    if tests == ["equals"]:
        if not _scalar_ok(raw["equals"]):
            r.add(where, "'equals' must be a single value (use is_set: false for 'not answered')")
            return None
        return Condition(field=target, equals=raw["equals"])
    if tests == ["any_of"]:
        values = raw["any_of"]
        if not isinstance(values, list) or not values or not all(map(_scalar_ok, values)):
            r.add(where, "'any_of' must be a non-empty list of values")
            return None
        return Condition(field=target, any_of=tuple(values))
    if not isinstance(raw["is_set"], bool):
        r.add(where, "'is_set' must be true or false")
        return None
    return Condition(field=target, is_set=raw["is_set"])


def _parse_options(r: Reader, path: str, data: Mapping[str, Any], key: str) -> tuple[Option, ...]:
    options: list[Option] = []
    for i, raw in enumerate(_items(r, path, data, key)):
        where = f"{path}.{key}[{i}]"
        if not isinstance(raw, dict):
            r.add(where, "each option must be a mapping with 'value' and 'label'")
            continue
        r.keys(where, raw, ("value", "label", "help"), ("value", "label"))
        value, label = raw.get("value"), r.text(where, raw, "label")
        if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
            r.add(
                where,
                f"option value {value!r} must be text or a whole number "
                "(put quotes round yes, no, on and off)",
            )
            continue
        if any(o.value == value for o in options):
            r.add(where, f"duplicate option value {value!r}")
            continue
        options.append(
            Option(value=value, label=label or str(value), help=r.text(where, raw, "help"))
        )
    return tuple(options)


def _parse_bound(r: Reader, path: str, data: Mapping[str, Any], key: str, ftype: FieldType) -> Any:
    value = data.get(key)
    if value is None:
        return None
    if ftype is FieldType.MONEY:
        if isinstance(value, bool) or not isinstance(value, int):
            r.add(path, f"'{key}' must be a whole number of pence")
            return None
    elif isinstance(value, bool) or not isinstance(value, int | float):
        r.add(path, f"'{key}' must be a number")
        return None
    return value


def _parse_iso_date(r: Reader, path: str, data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    # Unquoted YAML dates arrive as date objects; accept them as the ISO text they came from.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    try:
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    r.add(path, f"'{key}' must be a real date written YYYY-MM-DD")
    return None


def _parse_pattern(r: Reader, path: str, data: Mapping[str, Any]) -> str | None:
    pattern = data.get("pattern")
    if pattern is None:
        if "pattern_message" in data:
            r.add(path, "'pattern_message' is only used together with 'pattern'")
        return None
    if not isinstance(pattern, str):
        r.add(path, "'pattern' must be text")
        return None
    try:
        re.compile(pattern)
    except re.error as e:
        r.add(path, f"pattern {pattern!r} is not a valid regular expression ({e.msg})")
        return None
    return pattern


def _field_type(r: Reader, path: str, raw: Any, parent: str | None) -> FieldType | None:
    if raw is None:
        r.add(path, "missing required key 'type'")
        return None
    try:
        ftype = FieldType(raw)
    except ValueError:
        near = difflib.get_close_matches(str(raw), list(FieldType), n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        r.add(path, f"unknown field type {raw!r}{hint}")
        return None
    if parent and ftype in (FieldType.REPEATING_GROUP, FieldType.OUTCOME, FieldType.NOTICE):
        inner = {
            FieldType.OUTCOME: "an outcome",
            FieldType.NOTICE: "a notice",
        }.get(ftype, "another repeating group")
        r.add(path, f"a repeating group cannot contain {inner}")
        return None
    return ftype


def _parse_prefill(r: Reader, path: str, raw: Mapping[str, Any], parent: str | None) -> str | None:
    source = raw.get("prefill")
    if source is None:
        return None
    if parent is not None:
        r.add(path, "a question inside a repeating group cannot be prefilled")
        return None
    if not isinstance(source, str) or source not in PREFILL_SOURCES:
        near = difflib.get_close_matches(str(source), list(PREFILL_SOURCES), n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        r.add(path, f"unknown prefill source {source!r}{hint}")
        return None
    return source


def _parse_signer(r: Reader, path: str, raw: Mapping[str, Any]) -> str | None:
    signer = raw.get("signer")
    if signer is None:
        return None
    if not isinstance(signer, str) or signer not in SIGNER_LABELS:
        near = difflib.get_close_matches(str(signer), list(SIGNER_LABELS), n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        r.add(
            path,
            f"unknown signer {signer!r}{hint}; use one of: {', '.join(SIGNER_LABELS)}",
        )
        return None
    return signer


def parse_field(r: Reader, path: str, raw: Any, parent: str | None) -> FieldDef | None:
    """Parse one field (and, for a repeating group, its nested fields)."""
    if not isinstance(raw, dict):
        r.add(path, "each field must be a mapping with 'id', 'type' and 'label'")
        return None
    fid = r.ident(path, raw.get("id"), "field id") if "id" in raw else None
    if "id" not in raw:
        r.add(path, "missing required key 'id'")
    path = field_path(path, fid)
    if fid is not None:
        if fid in r.field_paths:
            r.add(path, f"duplicate field id '{fid}' (also used at {r.field_paths[fid]})")
        r.field_paths.setdefault(fid, path)
    ftype = _field_type(r, path, raw.get("type"), parent)
    if ftype is None:
        r.keys(path, raw, _ALL_FIELD_KEYS, ("label",))
        if fid:
            r.broken_ids.add(fid)
        return None
    allowed = (*_COMMON_KEYS, *_TYPE_KEYS[ftype])
    r.keys(
        path,
        raw,
        allowed,
        ("label", *_TYPE_REQUIRED.get(ftype, ())),
        _ALL_FIELD_KEYS - set(allowed),
        str(ftype),
    )
    if ftype is FieldType.OUTCOME and raw.get("required"):
        r.add(path, "an outcome is worked out by a rule, so it cannot be required")
    if ftype is FieldType.NOTICE and raw.get("required"):
        r.add(path, "a notice only shows text, so it cannot be required")
    if ftype in (FieldType.OUTCOME, FieldType.NOTICE) and "prefill" in raw:
        r.add(path, f"a {ftype} never holds an answer, so it cannot be prefilled")
    if fid is None:
        return None
    minimum, maximum = (_parse_bound(r, path, raw, k, ftype) for k in ("min", "max"))
    if minimum is not None and maximum is not None and minimum > maximum:
        r.add(path, f"'min' ({minimum}) is more than 'max' ({maximum})")
    min_items, max_items = (r.count(path, raw, k, 0) for k in ("min_items", "max_items"))
    if min_items is not None and max_items is not None and min_items > max_items:
        r.add(path, f"'min_items' ({min_items}) is more than 'max_items' ({max_items})")
    rule = raw.get("rule")
    if rule is not None and not isinstance(rule, str):
        r.add(path, "'rule' must be the name of a rule, e.g. sample.support_band")
        rule = None
    show_when = raw.get("show_when")
    nested = [
        parse_field(r, f"{path}.fields[{i}]", item, fid)
        for i, item in enumerate(_items(r, path, raw, "fields"))
    ]
    return FieldDef(
        id=fid,
        type=ftype,
        label=r.text(path, raw, "label") or fid,
        required=r.flag(path, raw, "required"),
        help=r.text(path, raw, "help"),
        show_when=None if show_when is None else _parse_condition(r, path, show_when),
        options=_parse_options(r, path, raw, "options"),
        scale=_parse_options(r, path, raw, "scale"),
        min=minimum,
        max=maximum,
        max_length=r.count(path, raw, "max_length", 1),
        pattern=_parse_pattern(r, path, raw),
        pattern_message=r.text(path, raw, "pattern_message"),
        not_in_future=r.flag(path, raw, "not_in_future"),
        not_before=_parse_iso_date(r, path, raw, "not_before"),
        integer_only=r.flag(path, raw, "integer_only"),
        fields=tuple(f for f in nested if f is not None),
        min_items=min_items,
        max_items=max_items,
        item_label=r.text(path, raw, "item_label"),
        rule=rule,
        parent=parent,
        prefill=_parse_prefill(r, path, raw, parent),
        signer=_parse_signer(r, path, raw) if ftype is FieldType.SIGNATURE else None,
        not_printed=r.flag(path, raw, "not_printed"),
    )


def _parse_section(r: Reader, path: str, raw: Any, seen: dict[str, str]) -> Section | None:
    if not isinstance(raw, dict):
        r.add(path, "each section must be a mapping with 'id', 'title' and 'fields'")
        return None
    # Sections are named by position only, matching how the forms team counts them in the file.
    sid = r.ident(path, raw.get("id"), "section id") if "id" in raw else None
    r.keys(path, raw, _SECTION_KEYS, ("id", "title", "fields"))
    if sid is not None and sid in seen:
        r.add(path, f"duplicate section id '{sid}' (also used at {seen[sid]})")
    if sid is not None:
        seen.setdefault(sid, path)
    fields = [
        parse_field(r, f"{path}.fields[{i}]", item, None)
        for i, item in enumerate(_items(r, path, raw, "fields"))
    ]
    raw_condition = raw.get("show_when")
    condition = None if raw_condition is None else _parse_condition(r, path, raw_condition)
    return Section(
        id=sid or "",
        title=r.text(path, raw, "title") or "",
        help=r.text(path, raw, "help"),
        fields=tuple(_under(condition, f) for f in fields if f is not None),
        show_when=condition,
        layout=_layout(r, path, raw.get("layout")),
    )


def _layout(r: Reader, path: str, value: Any) -> str | None:
    if value is None:
        return None
    if value not in LAYOUTS:
        near = difflib.get_close_matches(str(value), sorted(LAYOUTS), n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        r.add(path, f"unknown layout {value!r}{hint}")
        return None
    return str(value)


def _under(section_condition: Condition | None, f: FieldDef) -> FieldDef:
    """`f` with its section's condition folded into its own (both must hold)."""
    if section_condition is None:
        return f
    own = f.show_when
    combined = section_condition if own is None else Condition(all_of=(section_condition, own))
    return dataclasses.replace(f, show_when=combined)


def _pairs(r: Reader, data: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    raw = data.get("record_on_complete")
    if raw is None:
        return ()
    ok = (
        isinstance(raw, dict)
        and raw
        and all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items())
    )
    if not ok:
        r.add(
            "record_on_complete",
            "must map an answer field to the outcome it keeps, e.g. {rates_used: charge_rates}",
        )
        return ()
    return tuple(raw.items())


def _names(r: Reader, data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) and v for v in items):
        r.add(key, f"'{key}' must name registered checks, e.g. care_act.needs_completion")
        return ()
    return tuple(items)


def _known(r: Reader, data: Mapping[str, Any], key: str, known: frozenset[str]) -> tuple[str, ...]:
    """A list of names from `known` (letters, editor extras); unknown ones are reported."""
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        r.add(key, f"'{key}' must be a list of names, from: {', '.join(sorted(known))}")
        return ()
    for name in value:
        if name not in known:
            near = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            r.add(key, f"unknown {key.removesuffix('s')} '{name}'{hint}")
    return tuple(v for v in value if v in known)


def _parse_step(r: Reader, path: str, raw: Any) -> MigrationStep | None:
    if not isinstance(raw, dict) or len(raw) != 1:
        r.add(path, f"each step must be exactly one of: {', '.join(_STEP_KINDS)}")
        return None
    ((kind, body),) = raw.items()
    where = f"{path}.{kind}"
    if kind == "drop":
        field = r.ident(where, body, "field")
        return None if field is None else Drop(field=field)
    if kind not in _STEP_KINDS:
        r.keys(path, raw, _STEP_KINDS, ())
        return None
    if not isinstance(body, dict):
        r.add(where, "must be a mapping")
        return None
    spec = {
        "rename": ("from", "to"),
        "map_values": ("field", "mapping"),
        "set_default": ("field", "value"),
    }[kind]
    r.keys(where, body, spec, spec)
    if any(k not in body for k in spec):
        return None
    if kind == "rename":
        old, new = r.ident(where, body["from"], "field"), r.ident(where, body["to"], "field")
        return None if old is None or new is None else Rename(source=old, target=new)
    field = r.ident(where, body["field"], "field")
    if field is None:
        return None
    if kind == "set_default":
        return SetDefault(field=field, value=body["value"])
    mapping = body["mapping"]
    if not isinstance(mapping, dict) or not mapping:
        r.add(where, "'mapping' must be a non-empty mapping of old value: new value")
        return None
    return MapValues(field=field, mapping=tuple(mapping.items()))


def _parse_migrations(r: Reader, data: Mapping[str, Any], version: int) -> tuple[Migration, ...]:
    raw_list = _items(r, "", data, "migrations")
    if raw_list and version == 1:
        r.add("migrations", "version 1 has no earlier version to migrate from")
        return ()
    migrations: list[Migration] = []
    for i, raw in enumerate(raw_list):
        path = f"migrations[{i}]"
        if not isinstance(raw, dict):
            r.add(path, "each migration must be a mapping with 'from_version' and 'steps'")
            continue
        r.keys(path, raw, ("from_version", "steps"), ("from_version", "steps"))
        source = r.count(path, raw, "from_version", 1)
        if source is None:
            continue
        if source >= version:
            r.add(path, f"from_version {source} must be lower than this version ({version})")
        if any(m.from_version == source for m in migrations):
            r.add(path, f"a second migration from version {source}")
        steps = [
            _parse_step(r, f"{path}.steps[{j}]", s)
            for j, s in enumerate(_items(r, path, raw, "steps"))
        ]
        migrations.append(Migration(source, tuple(s for s in steps if s is not None)))
    return tuple(migrations)


def parse_form(r: Reader, data: Any, source: str) -> FormDefinition | None:
    """Build a `FormDefinition` from a file's YAML data, collecting problems in `r`.

    Returns None only when the data is too broken to build anything (not a mapping).
    """
    if not isinstance(data, dict):
        r.add("", "the file must be a mapping with id, version, title and sections")
        return None
    r.keys("", data, _FORM_KEYS, ("id", "version", "title", "sections"))
    form_id = r.ident("id", data["id"], "form id") if "id" in data else None
    version = r.count("version", data, "version", 1) if "version" in data else None
    seen: dict[str, str] = {}
    sections = [
        _parse_section(r, f"sections[{i}]", raw, seen)
        for i, raw in enumerate(_items(r, "", data, "sections"))
    ]
    return FormDefinition(
        id=form_id or "",
        version=version or 0,
        title=r.text("title", data, "title") or "",
        description=r.text("description", data, "description"),
        sections=tuple(s for s in sections if s is not None),
        migrations=_parse_migrations(r, data, version or 0),
        source=source,
        completion_checks=_names(r, data, "completion_checks"),
        start_check=next(iter(_names(r, data, "start_check")), None),
        record_on_complete=_pairs(r, data),
        letters=_known(r, data, "letters", LETTERS),
        extras=_known(r, data, "extras", EXTRAS),
        order=r.count("order", data, "order", 1),
        developers_only=r.flag("developers_only", data, "developers_only"),
    )
