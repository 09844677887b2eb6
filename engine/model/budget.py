"""Run-time bounds on model expressions: every step has a budget it cannot exceed.

A model that passes every deploy check can still ask for work without end:
``'x' * 10**5`` in a loop, ``x = x * x`` sixteen times, ``'%0300000000d' % 1``.
The evaluator (:class:`BoundedEval`) therefore predicts the size of every
string, list and integer *before* computing it, and counts node evaluations
and CPU time against the budget of the running step.  Exceeding any bound is a
:class:`BudgetExceeded` refusal: the step is abandoned and the item untouched.
"""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from simpleeval import DEFAULT_OPERATORS, EvalWithCompoundTypes

from engine.base.errors import Refused

#: Longest string, list or dict an expression may produce.
MAX_LENGTH = 100_000
#: Largest integer an expression may produce, in bits (about 1,200 decimal digits).
MAX_INT_BITS = 4096
#: Widest field a ``%`` or f-string format may ask for.
MAX_WIDTH = 1000
#: Node evaluations and CPU seconds one step may spend on model expressions.
MAX_STEP_OPS = 200_000
MAX_STEP_SECONDS = 2.0
#: Most instances a multi-instance activity may create.
MAX_CARDINALITY = 200

_FORMAT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_NUMBER = re.compile(r"\d+")


class BudgetExceeded(Refused):
    """A model expression asked for more than a step may spend; nothing was changed."""


def refuse(what: str) -> BudgetExceeded:
    return BudgetExceeded(f"流程模型的表达式超出运行限制：{what}；事项未作任何更改，请联系流程设计员。")


@dataclass
class Budget:
    """What is left of one step's allowance of evaluations and CPU time."""

    ops: int = MAX_STEP_OPS
    deadline: float = field(default_factory=lambda: time.thread_time() + MAX_STEP_SECONDS)

    def spend(self) -> None:
        """Count one node evaluation; refuse once the step has used its allowance."""
        self.ops -= 1
        if self.ops < 0:
            raise refuse(f"计算步数超过 {MAX_STEP_OPS}")
        if self.ops % 512 == 0 and time.thread_time() > self.deadline:
            raise refuse(f"计算时间超过 {MAX_STEP_SECONDS:g} 秒")


_CURRENT: ContextVar[Budget | None] = ContextVar("shenfa_budget", default=None)


@contextmanager
def step_budget() -> Iterator[Budget]:
    """Give every expression evaluated inside the block one shared budget."""
    token = _CURRENT.set(Budget())
    try:
        yield _CURRENT.get()  # type: ignore[misc]
    finally:
        _CURRENT.reset(token)


def current_budget() -> Budget:
    """Return the running step's budget, or a fresh one outside a step."""
    return _CURRENT.get() or Budget()


@contextmanager
def refuse_crash() -> Iterator[None]:
    """Turn the interpreter's own limits (recursion, memory, overflow) into a refusal."""
    try:
        yield
    except RecursionError:
        raise refuse("嵌套过深") from None
    except MemoryError:
        raise refuse("内存不足") from None
    except OverflowError:
        raise refuse("数值溢出") from None


def check_size(value: Any) -> Any:
    """Refuse a value longer or larger than an expression may produce."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise refuse(f"整数超过 {MAX_INT_BITS} 位")
    elif isinstance(value, str | bytes | list | tuple | dict | set):
        if len(value) > MAX_LENGTH:
            raise refuse(f"结果长度超过 {MAX_LENGTH}")
    return value


def _length(value: Any) -> int:
    return len(value) if hasattr(value, "__len__") else 0


def bounded_mult(a: Any, b: Any) -> Any:
    """Multiply, refusing a repeated sequence or a product that would be too large."""
    if isinstance(a, int) and isinstance(b, int):
        if a.bit_length() + b.bit_length() > MAX_INT_BITS + 1:
            raise refuse(f"整数超过 {MAX_INT_BITS} 位")
    elif isinstance(a, int) and a * _length(b) > MAX_LENGTH or \
            isinstance(b, int) and b * _length(a) > MAX_LENGTH:
        raise refuse(f"结果长度超过 {MAX_LENGTH}")
    return a * b


def bounded_pow(a: Any, b: Any) -> Any:
    """Raise to a power, refusing an integer result wider than the bound."""
    if isinstance(a, int) and isinstance(b, int) and b > 0 and \
            max(a.bit_length(), 1) * b > MAX_INT_BITS + b:
        raise refuse(f"整数超过 {MAX_INT_BITS} 位")
    if isinstance(b, int | float) and abs(b) > 10_000:
        raise refuse("幂运算的指数过大")
    return a ** b


def bounded_add(a: Any, b: Any) -> Any:
    """Add, refusing a concatenation longer than the bound."""
    if _length(a) + _length(b) > MAX_LENGTH:
        raise refuse(f"结果长度超过 {MAX_LENGTH}")
    return a + b


def bounded_mod(a: Any, b: Any) -> Any:
    """Apply ``%``: refuse ``%`` formats whose width or precision is too large."""
    if isinstance(a, str):
        for width, precision in _FORMAT_FIELD.findall(a):
            for number in (width, precision):
                if number == "*" or (number and int(number) > MAX_WIDTH):
                    raise refuse(f"格式宽度超过 {MAX_WIDTH}")
    return a % b


def check_format_spec(spec: str) -> str:
    """Refuse an f-string format spec asking for a width or precision past the bound."""
    if any(int(n) > MAX_WIDTH for n in _NUMBER.findall(spec)):
        raise refuse(f"格式宽度超过 {MAX_WIDTH}")
    return spec


def _bounded_replace(text: str):
    def replace(old: str, new: str, count: int = -1) -> str:
        hits = text.count(old) if count < 0 else min(count, text.count(old))
        if len(text) + hits * (len(new) - len(old)) > MAX_LENGTH:
            raise refuse(f"结果长度超过 {MAX_LENGTH}")
        return text.replace(old, new, count)
    return replace


def _bounded_join(sep: str):
    def join(items: Any) -> str:
        items = list(items)
        if sum(_length(i) for i in items) + len(sep) * max(len(items) - 1, 0) > MAX_LENGTH:
            raise refuse(f"结果长度超过 {MAX_LENGTH}")
        return sep.join(items)
    return join


#: String methods whose result can be much longer than their inputs, guarded.
_GUARDED_METHODS = {"replace": _bounded_replace, "join": _bounded_join}

OPERATORS = {**DEFAULT_OPERATORS, ast.Mult: bounded_mult, ast.Pow: bounded_pow,
             ast.Add: bounded_add, ast.Mod: bounded_mod}


class BoundedEval(EvalWithCompoundTypes):
    """simpleeval with every result sized before it is built, and a step budget."""

    def __init__(self, functions: dict, names: dict):
        super().__init__(operators=OPERATORS, functions=functions, names=names)
        self.budget = current_budget()

    def _eval(self, node: ast.AST) -> Any:
        self.budget.spend()
        return check_size(super()._eval(node))

    def _eval_formattedvalue(self, node: ast.FormattedValue) -> Any:
        if node.format_spec:
            spec = check_format_spec(str(self._eval(node.format_spec)))
            return ("{:" + spec + "}").format(self._eval(node.value))
        return self._eval(node.value)

    def _eval_attribute(self, node: ast.Attribute) -> Any:
        value = super()._eval_attribute(node)
        guard = _GUARDED_METHODS.get(node.attr)
        owner = getattr(value, "__self__", None)
        return guard(owner) if guard and isinstance(owner, str) else value


def check_cardinality(value: Any) -> int:
    """Return a multi-instance count, refusing one past :data:`MAX_CARDINALITY`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise refuse("多实例数量必须是非负整数")
    if value > MAX_CARDINALITY:
        raise refuse(f"多实例数量 {value} 超过上限 {MAX_CARDINALITY}")
    return value
