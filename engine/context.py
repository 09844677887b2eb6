"""What helper functions may know while a workflow runs: session, instance, clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from .clock import Clock


@dataclass
class RunContext:
    session: Session
    instance_id: int
    clock: Clock
    actor: str | None
    #: Inputs that replay must not recompute (clock readings, lookups), in call order.
    recorded: list[dict[str, Any]]
    #: History events of the running step not yet written (newest last).
    events: list[dict[str, Any]] = field(default_factory=list)
    #: Changes helpers make to the item's own row (``department_id``).
    item: dict[str, Any] = field(default_factory=dict)


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
