"""Structure of engine/ and web/: no import cycles, no private names used across modules.

Both are read from the source (AST), so a function-level import that dodges a cycle at run
time still counts, and ``from pkg import submodule`` is an edge to the submodule.  The
implicit import of a parent package (``import a.b`` runs ``a/__init__``) does not count.
"""

import ast

from tools.architecture import BEGIN, DOC, END, import_graph, parse_modules, rendered

_modules = parse_modules


def find_cycles(graph):
    """Return the strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def private_uses():
    """Yield 'module:line name' for every private name one module takes from another."""
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if _private(alias.name):
                        yield f"{name}:{node.lineno} from {node.module} import {alias.name}"
            elif isinstance(node, ast.Attribute) and _private(node.attr) and not _own(node.value):
                if node.attr not in THIRD_PARTY:
                    yield f"{name}:{node.lineno} {ast.unparse(node)}"


# Private names of the libraries the engine builds on, used on purpose (the reason each):
THIRD_PARTY = {
    "_Element", "_ElementTree",  # lxml's element types, exported only under these names
    "_children", "_parent",  # SpiffWorkflow's task tree, pruned by compaction and memoised state
    "_set_internal_data", "_sync_children",  # SpiffWorkflow's task API for schedule-time tasks
    "_mapping",  # SQLAlchemy's Row as a mapping (public API despite the underscore)
    "_encoder_mode",  # SpiffWorkflow's serializer registry
    "_shenfa_memo",  # set and read on Spiff tasks by engine.store.state alone
}


def _own(value):
    """Tell whether an attribute is read from the object itself (self, cls, super())."""
    if isinstance(value, ast.Name):
        return value.id in ("self", "cls")
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super"


def _private(attr):
    return attr.startswith("_") and not attr.startswith("__")


def test_graph_sees_function_level_relative_and_submodule_imports():
    sources = {
        "p": "", "p.a": "def f():\n    from p import b\n",
        "p.b": "from . import c\n", "p.c": "import p.a\nfrom .d import x\n", "p.d": "",
    }
    graph = import_graph({name: ast.parse(text) for name, text in sources.items()})
    assert graph == {"p": set(), "p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": {"p.a", "p.d"}, "p.d": set()}
    assert find_cycles(graph) == [["p.a", "p.b", "p.c"]]
    assert "engine.run.reassignment" in import_graph()["engine.run.runtime"]


def test_find_cycles_names_a_cycle():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_no_private_name_used_across_modules():
    uses = sorted(private_uses())
    assert not uses, "private names used from outside their module:\n" + "\n".join(uses)


# The instance's chain head and each event's link to its predecessor.
CHAIN_COLUMNS = {"event_seq", "event_hash", "prev_hash"}
CHAIN_OWNERS = {"engine.audit.history", "engine.store.schema"}


def chain_writes(modules=None):
    """Yield 'module:line' wherever a module other than history writes a chain column.

    A write is a keyword argument (``.values(event_hash=...)``), a dict key
    (``{"event_seq": ...}`` for an insert or update) or an item assignment.  The
    operations log's own chain (``Operation(prev_hash=...)`` in engine.audit.chain)
    is a different chain and is left to that module.
    """
    for name, tree in (_modules() if modules is None else modules).items():
        if name in CHAIN_OWNERS:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and not _operations_log(node):
                hits = [k.arg for k in node.keywords if k.arg in CHAIN_COLUMNS]
            elif isinstance(node, ast.Dict):
                hits = [k.value for k in node.keys if isinstance(k, ast.Constant) and k.value in CHAIN_COLUMNS
                        and k.value != "prev_hash"]  # a read model may show an event's prev_hash
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
                hits = [node.slice.value] if isinstance(node.slice, ast.Constant) \
                    and node.slice.value in CHAIN_COLUMNS else []
            else:
                continue
            yield from (f"{name}:{node.lineno} {hit}" for hit in hits)


def _operations_log(call):
    return isinstance(call.func, ast.Name) and call.func.id == "Operation"


def test_chain_write_finder_sees_each_form():
    source = ("conn.execute(update(T).values(event_hash=h))\nrow = {'event_seq': 1}\n"
              "event['prev_hash'] = p\nOperation(prev_hash=p)\nshown = {'prev_hash': e.prev_hash}\n")
    found = sorted(chain_writes({"engine.run.x": ast.parse(source)}))
    assert found == ["engine.run.x:1 event_hash", "engine.run.x:2 event_seq", "engine.run.x:3 prev_hash"]


def test_only_history_advances_the_chain():
    writes = sorted(chain_writes())
    assert not writes, "history chain written outside engine.audit.history:\n" + "\n".join(writes)


WEB_FRAMEWORKS = ("flask", "flask_login", "flask_wtf", "flask_smorest", "werkzeug", "wtforms")


def test_engine_imports_no_web_framework():
    found = []
    for name, tree in _modules().items():
        if not name.startswith("engine"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            found += [f"{name}:{node.lineno} {root}" for root in roots if root in WEB_FRAMEWORKS]
    assert not found, "engine imports a web framework:\n" + "\n".join(found)


def test_architecture_diagram_is_drawn_from_the_code_as_it_is():
    doc = DOC.read_text(encoding="utf-8")
    assert BEGIN in doc and END in doc
    assert rendered(doc) == doc, "docs/architecture.md is stale: run python -m tools.architecture"
    assert "engine_run --> engine_store" in doc
