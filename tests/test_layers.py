"""The layers (issue 13 §4): web/ reaches the store only through engine.app; engine/ knows no web.

Every import counts, at any level (function-level imports included), checked file by file.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: what the web layer must not import: the database toolkit and the tables
WEB_FORBIDDEN = ("sqlalchemy", "engine.store")
#: all the web may import of the engine: its application services, the base vocabulary, the
#: permissions policy, and the CLI that ``web/cli.py`` extends with ``serve``
WEB_MAY_IMPORT = ("engine.app", "engine.base", "engine.org.policy", "engine.cli")
#: what the engine must not import: any web framework, and the web layer itself
ENGINE_FORBIDDEN = ("flask", "flask_login", "flask_wtf", "werkzeug", "web")


def imports(path: Path) -> set[str]:
    """Return every module ``path`` imports anywhere in it (relative imports resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    return imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: str) -> set[str]:
    """Return every module ``source`` (a module of ``package``) imports, at any level."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):  # "from engine import store" imports engine.store
            base = _absolute(node, package)
            found |= {base} | {f"{base}.{a.name}" for a in node.names}
    return found


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def breaks(found: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(m for m in found for f in forbidden if m == f or m.startswith(f + "."))


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", modules("web"), ids=lambda p: str(p.relative_to(ROOT)))
def test_web_module_imports_neither_sqlalchemy_nor_the_store(path):
    assert breaks(imports(path), WEB_FORBIDDEN) == []


@pytest.mark.parametrize("path", modules("engine"), ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_module_imports_no_web_framework(path):
    assert breaks(imports(path), ENGINE_FORBIDDEN) == []


@pytest.mark.parametrize(("source", "package", "refused"), [
    ("def f():\n    from sqlalchemy import select\n", "web", ["sqlalchemy", "sqlalchemy.select"]),
    ("import sqlalchemy.orm\n", "web.api", ["sqlalchemy.orm"]),
    ("from . import services\n", "web", []),
    ("from ..store.schema import Task\n", "engine.app", ["engine.store.schema",
                                                         "engine.store.schema.Task"]),
    ("from engine import store\n", "web", ["engine.store"]),
    ("from engine.app import items\n", "web", []),
])
def test_the_check_sees_function_level_and_relative_imports(source, package, refused):
    """A test that cannot fail is a defect: the check finds what it must refuse."""
    assert breaks(imports_in(source, package), WEB_FORBIDDEN) == refused


def engine_reaches(found: set[str]) -> list[str]:
    """Return the engine modules (or names) imported beyond what the web may import.

    A package named only as the base of ``from engine.org import policy`` is no reach:
    the name after it is checked on its own.
    """
    def allowed(name: str) -> bool:
        return name in ("engine", "engine.org") or any(
            name == a or name.startswith(a + ".") for a in WEB_MAY_IMPORT)
    return sorted(m for m in found if (m == "engine" or m.startswith("engine.")) and not allowed(m))


@pytest.mark.parametrize("path", modules("web"), ids=lambda p: str(p.relative_to(ROOT)))
def test_web_module_reaches_the_engine_only_through_its_services(path):
    assert engine_reaches(imports(path)) == []


def test_the_service_rule_refuses_a_reach_past_the_services():
    found = imports_in("from engine.run.assignment import ROLE_TITLES\n"
                       "from engine.org import anonymity\nfrom engine.app import items\n"
                       "from engine.org import policy\nimport engine.store.schema\n", "web")
    assert engine_reaches(found) == ["engine.org.anonymity", "engine.run.assignment",
                                     "engine.run.assignment.ROLE_TITLES", "engine.store.schema"]
