"""Loading and validating form definitions: `forms/<id>/v<N>.yaml` files into a `FormRegistry`.

Definitions are data a council's forms team edits; every problem is reported with the file and
the field path (``forms/sample/v1.yaml: sections[0].fields[3] (carer_name): ...``). The
dataclasses live in `model.py` and are re-exported here. Imports no Qt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

import yaml

from assessor_app.core.errors import FormDefinitionError, NotFoundError
from assessor_app.core.form_engine.checks import check_form, check_migration_sources
from assessor_app.core.form_engine.model import (
    Condition,
    Drop,
    FieldDef,
    FieldType,
    FormDefinition,
    MapValues,
    Migration,
    MigrationStep,
    Option,
    OptionValue,
    Rename,
    Section,
    SetDefault,
)
from assessor_app.core.form_engine.parsing import parse_form
from assessor_app.core.form_engine.reader import Reader

__all__ = [
    "Condition",
    "Drop",
    "FieldDef",
    "FieldType",
    "FormDefinition",
    "FormRegistry",
    "MapValues",
    "Migration",
    "MigrationStep",
    "Option",
    "OptionValue",
    "Rename",
    "Section",
    "SetDefault",
    "check_forms_dir",
    "load_definition",
    "load_forms_dir",
]

_FILE_RE = re.compile(r"v([1-9][0-9]*)\.yaml\Z")
_NEXT_STEP = (
    "Ask your forms team to correct the file. `assessor-cli forms check` lists every problem."
)


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader, except that a key repeated in one mapping is an error.

    Plain `yaml.safe_load` keeps the last of two `label:` lines silently, hiding an editing
    mistake; this loader constructs only the same safe types. It parses with libyaml's C
    parser where PyYAML has it (about eight times faster than the pure-Python one, which was
    most of the app's start-up).
    """


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node)
        if isinstance(key, str | int | float | bool) and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key '{key}' appears twice", key_node.start_mark
            )
        seen.add(key)
    mapping: dict[Any, Any] = loader.construct_mapping(node)
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass(frozen=True)
class FormRegistry:
    """Every loaded version of every form, looked up by form id and version."""

    definitions: tuple[FormDefinition, ...]
    """All loaded definitions, in any order."""

    _by_id: dict[str, dict[int, FormDefinition]] = dataclass_field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        by_id: dict[str, dict[int, FormDefinition]] = {}
        for defn in self.definitions:
            versions = by_id.setdefault(defn.id, {})
            if defn.version in versions:
                raise FormDefinitionError(
                    f"{defn.source}: form '{defn.id}' version {defn.version} is loaded twice.",
                    _NEXT_STEP,
                )
            versions[defn.version] = defn
        object.__setattr__(self, "_by_id", by_id)

    def get(self, form_id: str, version: int) -> FormDefinition:
        """One version of a form.

        Raises:
            NotFoundError: That form or version is not installed.
        """
        defn = self._by_id.get(form_id, {}).get(version)
        if defn is None:
            raise NotFoundError(
                f"Version {version} of the form '{form_id}' is not installed on this laptop.",
                "Ask your system administrator to install the latest forms.",
            )
        return defn

    def latest(self, form_id: str) -> FormDefinition:
        """The highest installed version of a form.

        Raises:
            NotFoundError: No version of that form is installed.
        """
        return self.get(form_id, self.versions(form_id)[-1])

    def forms(self) -> list[FormDefinition]:
        """The latest version of every form, sorted by form id."""
        return [self.latest(form_id) for form_id in sorted(self._by_id)]

    def usual_order(self) -> list[FormDefinition]:
        """The latest version of every form, by `order`, then those without one by title."""
        return sorted(
            self.forms(), key=lambda f: (f.order is None, f.order or 0, f.title.casefold())
        )

    def versions(self, form_id: str) -> list[int]:
        """The installed versions of a form, lowest first.

        Raises:
            NotFoundError: No version of that form is installed.
        """
        if form_id not in self._by_id:
            raise NotFoundError(
                f"The form '{form_id}' is not installed on this laptop.",
                "Ask your system administrator to install the latest forms.",
            )
        return sorted(self._by_id[form_id])


def _label(path: Path) -> str:
    """How a file is named in messages: ``<forms folder>/<form id>/v<N>.yaml``."""
    return "/".join(path.parts[-3:])


def _read(path: Path, r: Reader) -> FormDefinition | None:
    """Parse and check one file, adding its problems to `r`."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        r.add("", "the file is not UTF-8 text")
        return None
    except OSError as e:
        r.add("", f"the file could not be read ({e.strerror or e})")
        return None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # safe: a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(e, "problem", None) or str(e)
        context, start = getattr(e, "context", None), getattr(e, "context_mark", None)
        if context and start and start.line != getattr(mark, "line", None):
            reason += f", {context} that starts on line {start.line + 1}"
        r.add(where, f"this is not valid YAML ({reason})")
        return None
    defn = parse_form(r, data, str(path))
    if defn is None:
        return None
    match = _FILE_RE.match(path.name)
    if match is None:
        r.add("", "the file name must be v<N>.yaml, for example v1.yaml")
    elif defn.version and defn.version != int(match.group(1)):
        r.add("version", f"version {defn.version} does not match the file name {path.name}")
    if defn.id and defn.id != path.parent.name:
        r.add("id", f"id '{defn.id}' does not match the folder name '{path.parent.name}'")
    check_form(r, defn)
    return defn


def _raise_if_any(problems: list[str]) -> None:
    if problems:
        more = len(problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise FormDefinitionError(f"{problems[0]}{suffix}", _NEXT_STEP)


def load_definition(path: Path) -> FormDefinition:
    """Load and validate one form file.

    Args:
        path: A ``v<N>.yaml`` file inside a folder named after the form id.

    Returns:
        The validated definition.

    Raises:
        FormDefinitionError: The file has a problem; the message names the file and field
            path of the first one and says how many more there are.
    """
    r = Reader(_label(path))
    defn = _read(path, r)
    _raise_if_any(r.problems)
    if defn is None:  # parsing reports a problem whenever it gives up, so this is a bug
        raise FormDefinitionError(f"{r.label}: the file could not be read.", _NEXT_STEP)
    return defn


def _scan(path: Path) -> tuple[list[FormDefinition], list[str]]:
    """Load every form file below `path`, returning the good definitions and all problems."""
    if not path.is_dir():
        return [], [f"{path}: the forms folder does not exist"]
    problems: list[str] = []
    loaded: dict[str, list[tuple[FormDefinition, Reader]]] = {}
    for item in sorted(path.iterdir()):
        if item.is_file() and item.suffix in (".yaml", ".yml"):
            problems.append(f"{_label(item)}: form files go in a folder named after the form")
        if not item.is_dir():
            continue
        for file in sorted(item.iterdir()):
            if file.suffix not in (".yaml", ".yml"):
                continue
            r = Reader(_label(file))
            defn = _read(file, r)
            if defn is not None:
                loaded.setdefault(item.name, []).append((defn, r))
            problems.extend(r.problems)
    good: list[FormDefinition] = []
    for pairs in loaded.values():
        for defn, r in pairs:
            before = len(r.problems)
            check_migration_sources(r, defn, (d for d, _ in pairs if d is not defn))
            problems.extend(r.problems[before:])
            good.append(defn)
    return good, problems


def check_forms_dir(path: Path) -> list[str]:
    """Every problem in every form file below `path`; empty when all are fine."""
    return _scan(path)[1]


def load_forms_dir(path: Path) -> FormRegistry:
    """Load and validate every ``<form id>/v<N>.yaml`` below `path`.

    Raises:
        FormDefinitionError: Any file has a problem (the first is named in the message).
    """
    definitions, problems = _scan(path)
    _raise_if_any(problems)
    return FormRegistry(tuple(definitions))
