"""Draw the package-level imports of engine/ and web/ into docs/architecture.md.

Run ``python -m tools.architecture`` after adding a package or an import across
packages; ``--check`` only reports (exit 1) whether the page's diagram is stale.
The module graph here is also what ``tests/test_structure.py`` checks for cycles.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "web")
DOC = ROOT / "docs" / "architecture.md"
BEGIN = "<!-- diagram:begin (python -m tools.architecture writes this block) -->"
END = "<!-- diagram:end -->"


def parse_modules() -> dict[str, ast.Module]:
    """Map every module name under engine/ and web/ (Alembic scripts aside) to its AST."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return found


def _absolute(node: ast.ImportFrom, name: str, known) -> str | None:
    """Return the module a ``from`` import names, relative ones resolved against ``name``."""
    if not node.level:
        return node.module
    package = name.split(".") if _is_package(name, known) else name.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_package(name: str, known) -> bool:
    return any(other.startswith(name + ".") for other in known)


def _targets(node: ast.Import | ast.ImportFrom, name: str, known):
    """Yield the known modules one import statement of module ``name`` depends on.

    ``from pkg import sub`` depends on ``pkg.sub`` when that is a module; the implicit
    import of a parent package does not count.
    """
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names if alias.name in known)
        return
    module = _absolute(node, name, known)
    for alias in node.names:
        sub = f"{module}.{alias.name}"
        if sub in known:
            yield sub
        elif module in known:
            yield module


def import_graph(modules: dict[str, ast.Module] | None = None) -> dict[str, set[str]]:
    """Return ``{module: modules it imports}``, imports at every scope included."""
    modules = parse_modules() if modules is None else modules
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, tree in modules.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                graph[name].update(t for t in _targets(node, name, modules) if t != name)
    return graph


def package_of(module: str) -> str:
    """Return the package a module belongs to in the diagram: engine's sub-packages, web whole."""
    parts = module.split(".")
    return "web" if parts[0] == "web" or len(parts) == 1 else ".".join(parts[:2])


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Fold a module graph into the packages of :func:`package_of`."""
    folded: dict[str, set[str]] = {}
    for module, targets in graph.items():
        source = package_of(module)
        if source == "engine":
            continue  # engine/__init__ is empty
        folded.setdefault(source, set()).update(
            package_of(t) for t in targets if package_of(t) not in (source, "engine"))
    return folded


def mermaid(packages: dict[str, set[str]]) -> str:
    """Return the Mermaid flowchart of the package graph, sorted so it is stable."""
    lines = ["```mermaid", "flowchart TD"]
    lines += [f'    {_node(p)}["{p.replace(".", "/")}"]' for p in sorted(packages)]
    lines += [f"    {_node(a)} --> {_node(b)}" for a in sorted(packages) for b in sorted(packages[a])]
    return "\n".join(lines + ["```"])


def _node(package: str) -> str:
    return package.replace(".", "_")


def rendered(doc: str) -> str:
    """Return the page ``doc`` with its diagram block drawn from the code as it is now."""
    head, _, rest = doc.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{mermaid(package_graph(import_graph()))}\n{END}{tail}"


def main(argv: list[str]) -> int:
    """Rewrite the diagram in docs/architecture.md, or with ``--check`` say if it is stale."""
    doc = DOC.read_text(encoding="utf-8")
    fresh = rendered(doc)
    if "--check" in argv:
        print("up to date" if fresh == doc else "stale: run python -m tools.architecture")
        return 0 if fresh == doc else 1
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
