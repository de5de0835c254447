"""Moving saved answers forward between versions of a form, as pure dict transforms.

Each form version may carry `migrations` steps that read answers of an earlier version. A
draft moves up one version at a time while the next installed version has a migration from the
draft's current one, and stops where the chain breaks, so it is never stranded on a version it
cannot be read in. Usable at start-up and on import alike. Imports no Qt.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from assessor_app.core.errors import NotFoundError
from assessor_app.core.form_engine.definition import FormRegistry
from assessor_app.core.form_engine.model import (
    Drop,
    MapValues,
    Migration,
    Rename,
    SetDefault,
    same_value,
)

__all__ = ["apply_migration", "migrate_answers"]


def _mapped(value: Any, pairs: tuple[tuple[Any, Any], ...]) -> Any:
    for old, new in pairs:
        if same_value(value, old):
            return copy.deepcopy(new)
    return value


def apply_migration(migration: Migration, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Apply one migration's steps in order to a copy of `answers`; `answers` is unchanged."""
    result = copy.deepcopy(dict(answers))
    for step in migration.steps:
        if isinstance(step, Rename):
            if step.source in result:
                result[step.target] = result.pop(step.source)
        elif isinstance(step, MapValues):
            value = result.get(step.field)
            if isinstance(value, list):
                result[step.field] = [_mapped(v, step.mapping) for v in value]
            elif value is not None:
                result[step.field] = _mapped(value, step.mapping)
        elif isinstance(step, Drop):
            result.pop(step.field, None)
        elif isinstance(step, SetDefault) and result.get(step.field) is None:
            result[step.field] = copy.deepcopy(step.value)
    return result


def migrate_answers(
    registry: FormRegistry, form_id: str, from_version: int, answers: Mapping[str, Any]
) -> tuple[int, dict[str, Any]]:
    """Bring answers saved under `from_version` up to the latest version reachable.

    Args:
        registry: The installed form definitions.
        form_id: The form the answers belong to.
        from_version: The version the answers were saved under.
        answers: The saved answers; not changed.

    Returns:
        The version the answers now belong to and the migrated copy. When no migration leads
        on from `from_version` (or the form is not installed) that is `from_version` and an
        unchanged copy.
    """
    version, result = from_version, copy.deepcopy(dict(answers))
    try:
        installed = registry.versions(form_id)
    except NotFoundError:
        return version, result
    for candidate in installed:
        if candidate <= version:
            continue
        migration = registry.get(form_id, candidate).migration_from(version)
        if migration is None:
            break  # the chain is broken: stay on the last version the answers can be read in
        version, result = candidate, apply_migration(migration, result)
    return version, result
