"""What helper functions may know while a workflow runs: session, instance, clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from sqlalchemy.orm import Session

from engine.base.clock import Clock


@dataclass
class RunContext:
    #: Opens the ORM session helpers use, on first use only (most steps need none).
    opener: Callable[[], Session] | None
    instance_id: int
    clock: Clock
    actor: str | None
    #: Inputs that replay must not recompute (lookups, side effects), in call order.
    recorded: list[dict[str, Any]]
    #: History events of the running step not yet written (newest last).
    events: list[dict[str, Any]] = field(default_factory=list)
    #: Changes helpers make to the item's own row (``department_id``).
    item: dict[str, Any] = field(default_factory=dict)
    #: True while history is being re-executed: recorded helpers answer from ``recorded``.
    replaying: bool = False

    @property
    def session(self) -> Session:
        """The session of the running step (refused while replaying: the world is not asked)."""
        if self.opener is None:
            raise RuntimeError("no database session while replaying history")
        return self.opener()


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


def record(name: str, args: list[Any], compute: Callable[[], Any]) -> Any:
    """Return ``compute()`` and keep it in the history; on replay, answer from the record.

    Every helper that reads the database or changes anything goes through here,
    so that verified replay re-executes a model without touching the world.
    """
    ctx = current()
    if ctx.replaying:
        entry = ctx.recorded.pop(0) if ctx.recorded else None
        if entry is None or entry["helper"] != name:
            raise RuntimeError(f"replay: no recorded result of {name}")
        return entry["result"]
    result = compute()
    ctx.recorded.append({"helper": name, "args": args, "result": result})
    return result


def recorded(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a helper so that its results are recorded (see :func:`record`)."""

    @wraps(func)
    def wrapper(*args: Any) -> Any:
        return record(func.__name__, list(args), lambda: func(*args))

    return wrapper
