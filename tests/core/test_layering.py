"""The core runs headless: it imports no Qt, no FastAPI and no UI, and only storage talks SQL."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "assessor_app" / "core"
FORBIDDEN_IN_CORE = ("PySide6", "shiboken6", "fastapi", "assessor_app.ui")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


CORE_FILES = sorted(CORE.rglob("*.py"))


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_imports_no_qt_or_ui(path: Path) -> None:
    bad = {
        n
        for n in _imports(path)
        if n.split(".")[0] in FORBIDDEN_IN_CORE
        or any(n == f or n.startswith(f + ".") for f in FORBIDDEN_IN_CORE)
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(CORE)))
def test_only_storage_imports_sqlcipher(path: Path) -> None:
    if "storage" in path.relative_to(CORE).parts:
        return
    assert not any(n.split(".")[0] in ("sqlcipher3", "sqlite3") for n in _imports(path))


def test_the_scan_sees_the_core() -> None:
    assert len(CORE_FILES) >= 10
