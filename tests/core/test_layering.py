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


# -- The core's own layers (docs/architecture.md) ------------------------------------------

LAYER_RULES: dict[str, frozenset[str]] = {
    # storage is the bottom: it knows records and errors, never what uses it.
    "storage": frozenset(
        {
            "form_engine",
            "rules",
            "pdf",
            "chc",
            "charging",
            "services",
            "demo",
            "attention",
        }
    ),
    # rules are pure functions of answers: no storage, no documents, no use cases.
    "rules": frozenset({"storage", "pdf", "services"}),
    "form_engine": frozenset({"storage", "pdf", "services", "chc", "charging"}),
    "charging": frozenset({"storage", "pdf", "rules", "form_engine", "services"}),
    "pdf": frozenset({"storage", "services"}),
    # the contribution file format and the merge: use cases call them, never the reverse.
    "chc": frozenset({"services", "pdf", "demo", "attention"}),
}
KNOWN_ARROWS: dict[str, frozenset[str]] = {
    # Imports that point up a layer and are still to be fixed. Empty since set_answer moved
    # below storage and PDF signing went behind `pdf.signing.IdentitySource`; keep it so.
}


def _core_layers(path: Path) -> set[str]:
    """Which of the core's top-level packages and modules a file imports."""
    return {
        name.split(".")[2]
        for name in _imports(path)
        if name.startswith("assessor_app.core.") and len(name.split(".")) > 2
    }


def test_the_cores_layers_point_one_way() -> None:
    found: dict[str, frozenset[str]] = {}
    for layer, banned in LAYER_RULES.items():
        for path in sorted((CORE / layer).rglob("*.py")):
            bad = _core_layers(path) & banned
            if bad:
                found[path.relative_to(CORE).as_posix()] = frozenset(bad)
    new = {k: v - KNOWN_ARROWS.get(k, frozenset()) for k, v in found.items()}
    assert not {k: v for k, v in new.items() if v}, "an import points up a layer"
    gone = {k for k in KNOWN_ARROWS if not found.get(k, frozenset()) >= KNOWN_ARROWS[k]}
    assert not gone, f"fixed, so take them off KNOWN_ARROWS: {sorted(gone)}"


# -- The app and the gateway --------------------------------------------------------------

APP = CORE.parent
SYNC = APP.parent / "sync"


@pytest.mark.parametrize("path", sorted(APP.rglob("*.py")), ids=lambda p: str(p.relative_to(APP)))
def test_the_app_never_imports_the_gateway_or_its_server_libraries(path: Path) -> None:
    """The app speaks `sync.protocol`, `sync.bundle`, `sync.lease` and `sync.reference` only:
    no gateway code or libraries."""
    bad = {
        n
        for n in _imports(path)
        if n.split(".")[0] in ("fastapi", "uvicorn", "psycopg", "starlette")
        or n == "sync.gateway"
        or n.startswith("sync.gateway.")
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("shared", ["protocol.py", "bundle.py", "lease.py", "reference.py"])
def test_the_protocol_imports_no_server_library_and_no_qt(shared: str) -> None:
    names = _imports(SYNC / shared)
    assert not {n for n in names if n.split(".")[0] in ("fastapi", "psycopg", "PySide6")}
    assert not {n for n in names if n == "sync.gateway" or n.startswith("sync.gateway.")}
