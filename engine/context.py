"""What helper functions may know while a workflow runs: session, instance, clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any

from sqlalchemy.orm import Session

from .clock import Clock


@dataclass
class RunContext:
    session: Session | None
    instance_id: int
    clock: Clock
    actor: str | None
    #: Inputs that replay must not recompute (lookups, side effects), in call order.
    recorded: list[dict[str, Any]]
    #: True while history is being re-executed: recorded helpers answer from ``recorded``.
    replaying: bool = False


_CURRENT: ContextVar[RunContext | None] = ContextVar("shenfa_run", default=None)


@contextmanager
def running(ctx: RunContext) -> Iterator[RunContext]:
    """Make ``ctx`` current while a workflow advances."""
    token = _CURRENT.set(ctx)
    try:
        yield ctx
    finally:
        _CURRENT.reset(token)


def current() -> RunContext:
    """Return the current run context; helpers may only run inside one."""
    ctx = _CURRENT.get()
    if ctx is None:
        raise RuntimeError("helper called outside a running workflow")
    return ctx


def peek() -> RunContext | None:
    """Return the current run context, or None outside a run."""
    return _CURRENT.get()


def recorded(func: Callable[..., Any]) -> Callable[..., Any]:
    """Record a helper's result in the history; on replay, answer from the record.

    Use it for every helper that reads the database or changes anything, so that
    verified replay re-executes a model without touching the world.
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = current()
        if ctx.replaying:
            entry = ctx.recorded.pop(0) if ctx.recorded else None
            if entry is None or entry["helper"] != func.__name__:
                raise RuntimeError(f"replay: no recorded result of {func.__name__}")
            return entry["value"]
        value = func(*args, **kwargs)
        ctx.recorded.append({"helper": func.__name__, "value": value})
        return value

    return wrapper
