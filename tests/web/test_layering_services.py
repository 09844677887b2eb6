"""The web reaches the engine through the application services (issue 13, item 4).

The task, inbox, form, API, sign-in and session modules of the web import neither
SQLAlchemy nor the tables (``engine.store``) — at module level or inside a function —
and no web module runs an engine operation named by a string.
"""

import ast
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "web"
SERVED = ["tasks.py", "inbox.py", "formview.py", "services.py", "auth.py",
          "api/__init__.py", "api/views.py", "api/schemas.py"]
FORBIDDEN = ("sqlalchemy", "engine.store")


def imported_modules(path: Path) -> set[str]:
    """Return every module ``path`` imports, wherever the import statement stands."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN)


@pytest.mark.parametrize("name", SERVED)
def test_web_module_imports_neither_sqlalchemy_nor_the_tables(name):
    assert {m for m in imported_modules(WEB / name) if _forbidden(m)} == set()


def test_the_checker_sees_an_import_inside_a_function(tmp_path):
    hidden = tmp_path / "hidden.py"
    hidden.write_text("def f():\n    from engine.store.schema import Task\n    import sqlalchemy\n")
    assert {m for m in imported_modules(hidden) if _forbidden(m)} == {
        "engine.store.schema", "sqlalchemy"}


def _getattr_calls(path: Path) -> list[int]:
    """Return the lines where ``getattr`` reads an attribute whose name is not a literal."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "getattr" and len(node.args) >= 2
            and not isinstance(node.args[1], ast.Constant)]


@pytest.mark.parametrize("path", sorted(WEB.rglob("*.py")), ids=lambda p: str(p.relative_to(WEB)))
def test_no_web_module_runs_an_operation_named_by_a_string(path):
    import web.services

    assert not hasattr(web.services, "act")
    assert _getattr_calls(path) == []
