"""Safe evaluation of the expressions and scripts written in models.

Model text never reaches Python's ``eval``/``exec``.  Expressions are
checked statically against an AST whitelist when a model is deployed
(:func:`check_expression`, :func:`check_script`) and evaluated at run time
by simpleeval, which enforces the same rules again (no private or dunder
attributes, bounded powers and string lengths, only registered functions).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from simpleeval import EvalWithCompoundTypes
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)

from engine.model.budget import BoundedEval, refuse_crash
from engine.model.limits import check_value

MAX_EXPONENT = 64
MAX_SOURCE = 4000
#: Deepest nesting and most syntax nodes one expression or script may have.
MAX_DEPTH = 40
MAX_NODES = 2000

#: Helper functions models may call, by name.  See :func:`helper`.
HELPERS: dict[str, Callable[..., Any]] = {}

#: Functions every evaluation knows besides the helpers: ``defined("name")`` tells
#: whether the task data holds ``name`` (so a model can test an optional field).
BUILTINS = frozenset({"defined"})

#: Methods of plain values (str, dict, list) that models may call.
SAFE_METHODS = frozenset(
    {"get", "keys", "values", "items", "strip", "lower", "upper", "startswith",
     "endswith", "split", "join", "replace", "count", "index"}
)

_ALLOWED_NODES = (
    ast.Expression, ast.Module, ast.Expr, ast.Assign, ast.Name, ast.Load, ast.Store,
    ast.Constant, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
    ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow,
    ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn,
    ast.Is, ast.IsNot, ast.IfExp, ast.Call, ast.keyword, ast.Attribute, ast.Subscript,
    ast.Slice, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.JoinedStr, ast.FormattedValue,
)


class UnsafeExpression(ValueError):
    """Raised when model text uses something the safe evaluator refuses."""


def helper(name: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a function that model expressions may call by ``name``."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        HELPERS[name or func.__name__] = func
        return func

    return register


def check_expression(source: str) -> None:
    """Refuse an expression the evaluator would not run, with a clear reason."""
    _check_tree(_parse(source, "eval"))


def check_script(source: str) -> None:
    """Refuse a script unless every statement is ``name = expr`` or a helper call."""
    tree = _parse(source, "exec")
    assert isinstance(tree, ast.Module)  # parsed in "exec" mode
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            if not all(isinstance(t, ast.Name) for t in stmt.targets):
                raise UnsafeExpression("脚本只能给简单变量赋值 (only `name = expression`)")
        elif not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
            raise UnsafeExpression(
                f"脚本语句不受支持: {type(stmt).__name__} (only assignments and helper calls)"
            )
    _check_tree(tree)


def _parse(source: str, mode: str) -> ast.AST:
    if len(source) > MAX_SOURCE:
        raise UnsafeExpression(f"表达式过长 (expression longer than {MAX_SOURCE} characters)")
    try:
        return ast.parse(source.strip(), mode=mode)
    except SyntaxError as err:
        raise UnsafeExpression(f"语法错误 (syntax error): {err.msg}") from None
    except (RecursionError, MemoryError):
        raise UnsafeExpression(f"表达式嵌套过深 (nested deeper than {MAX_DEPTH})") from None


def _check_shape(tree: ast.AST) -> None:
    """Refuse a tree nested deeper or larger than the evaluator will walk (iteratively)."""
    todo, count = [(tree, 0)], 0
    while todo:
        node, depth = todo.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise UnsafeExpression(f"表达式嵌套过深 (nested deeper than {MAX_DEPTH})")
        if count > MAX_NODES:
            raise UnsafeExpression(f"表达式过于复杂 (more than {MAX_NODES} syntax nodes)")
        todo.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _check_tree(tree: ast.AST) -> None:
    _check_shape(tree)
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise UnsafeExpression(f"不允许的语法 (construct not allowed): {type(node).__name__}")
        _check_node(node)


def _check_node(node: ast.AST) -> None:
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        raise UnsafeExpression(f"不允许访问私有名称 (private name refused): {node.id}")
    if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
        raise UnsafeExpression(f"不允许访问私有属性 (private attribute refused): {node.attr}")
    if isinstance(node, ast.Call):
        _check_call(node)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        exponent = node.right
        if not (isinstance(exponent, ast.Constant) and isinstance(exponent.value, int)
                and abs(exponent.value) <= MAX_EXPONENT):
            raise UnsafeExpression(
                f"幂运算的指数必须是不超过 {MAX_EXPONENT} 的常数 (exponent too large or not constant)"
            )


def _check_call(node: ast.Call) -> None:
    func = node.func
    if isinstance(func, ast.Name):
        if func.id not in HELPERS and func.id not in BUILTINS:
            raise UnsafeExpression(f"未注册的函数 (unknown function): {func.id}")
    elif isinstance(func, ast.Attribute):
        if func.attr not in SAFE_METHODS:
            raise UnsafeExpression(f"不允许调用的方法 (method not allowed): {func.attr}")
    else:
        raise UnsafeExpression("只能调用已注册的函数 (only registered functions may be called)")


@lru_cache(maxsize=4096)
def _checked(source: str) -> ast.AST:
    """Check an expression once and keep its parsed tree for every later evaluation."""
    check_expression(source)
    return EvalWithCompoundTypes.parse(source)


class Evaluator:
    """Evaluate checked expressions and scripts against task data."""

    def evaluate(self, source: str, names: dict[str, Any]) -> Any:
        """Return the value of expression ``source`` with ``names`` in scope."""
        tree = _checked(source)
        with refuse_crash():
            return self._simple(names).eval(source, previously_parsed=tree)

    def execute(self, source: str, names: dict[str, Any]) -> dict[str, Any]:
        """Run script ``source`` and return the variables it assigned."""
        tree = _parse(source, "exec")
        check_script(source)
        assigned: dict[str, Any] = {}
        scope = dict(names)
        for stmt in tree.body:  # type: ignore[attr-defined]
            with refuse_crash():
                value = self._simple(scope).eval(source, previously_parsed=stmt.value)
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    assert isinstance(target, ast.Name)  # check_script allows only names
                    scope[target.id] = assigned[target.id] = value
        return assigned

    def _simple(self, names: dict[str, Any]) -> EvalWithCompoundTypes:
        functions = dict(HELPERS, defined=lambda name: name in names)
        return BoundedEval(functions=functions, names=names)


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment that never calls eval or exec."""

    def __init__(self, evaluator: Evaluator | None = None):
        super().__init__({})
        self.evaluator = evaluator or Evaluator()

    def evaluate(self, expression, context, external_context=None):
        names = dict(external_context or {})
        names.update(context)
        return self.evaluator.evaluate(expression, names)

    def execute(self, script, context, external_context=None):
        names = dict(external_context or {})
        names.update(context)
        context.update(self.evaluator.execute(script, names))
        return True

    def call_service(self, context, **kwargs):
        raise UnsafeExpression("服务任务不受支持 (service tasks are not supported)")


class SafeScriptEngine(PythonScriptEngine):
    """Script engine for every workflow this product runs."""

    def __init__(self) -> None:
        super().__init__(environment=SafeEnvironment())

    def validate(self, expression):
        check_expression(expression)

    def evaluate(self, task, expression, external_context=None):
        """Evaluate as SpiffWorkflow does; bound a multi-instance count it asks for."""
        value = super().evaluate(task, expression, external_context)
        check_value(task, expression, value)
        return value
