"""Make every step of a workflow reproducible, so history can be replayed exactly.

SpiffWorkflow draws task ids from ``uuid4`` and timestamps from ``time.time``
and ``datetime.now``.  While a step runs, :func:`step` makes them come from the
step instead: ids from an :class:`IdSequence` seeded per instance (and stored
with its state), times from the single instant of the step.  Replaying the
recorded events with the same seed and instants rebuilds the same state,
byte for byte.  Outside a step the real functions answer.
"""

from __future__ import annotations

import sys
import time as real_time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from SpiffWorkflow import task as spiff_task
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.util.task import TaskIterator

NAMESPACE = uuid.UUID("6f1d3b4e-2c55-4d8e-9a0b-7e3f5a9c1d20")


@dataclass
class IdSequence:
    """Task ids for one instance: ``uuid5(seed, n)`` for n = 0, 1, 2, ..."""

    seed: str
    next: int = 0

    def __call__(self) -> uuid.UUID:
        self.next += 1
        return uuid.uuid5(NAMESPACE, f"{self.seed}/{self.next - 1}")


_IDS: ContextVar[IdSequence | None] = ContextVar("shenfa_ids", default=None)
_INSTANT: ContextVar[datetime | None] = ContextVar("shenfa_instant", default=None)


@contextmanager
def step(ids: IdSequence, instant: datetime) -> Iterator[None]:
    """Run the body with deterministic task ids and a frozen instant."""
    id_token, instant_token = _IDS.set(ids), _INSTANT.set(instant)
    try:
        yield
    finally:
        _IDS.reset(id_token)
        _INSTANT.reset(instant_token)


def _uuid4() -> uuid.UUID:
    ids = _IDS.get()
    return ids() if ids is not None else uuid.uuid4()


class _Time:
    """Stands in for the ``time`` module inside SpiffWorkflow's task module."""

    @staticmethod
    def time() -> float:
        instant = _INSTANT.get()
        return instant.timestamp() if instant is not None else real_time.time()


class _Datetime(datetime):
    """``datetime`` whose ``now()`` is the step's instant (for timer events)."""

    @classmethod
    def now(cls, tz=None):
        moment = _INSTANT.get() or datetime.now(UTC)
        return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)


def _unlimited_depth(init) -> None:
    """Make ``max_depth`` (the second default of a task iterator's ``__init__``) unlimited."""
    defaults = list(init.__defaults__)
    defaults[1] = sys.maxsize
    init.__defaults__ = tuple(defaults)


def install() -> None:
    """Route SpiffWorkflow's ids and clocks through the current step (idempotent).

    Also lift SpiffWorkflow's task-iterator depth limit (1,000).  Every pass
    round a loop (a return to the author) adds a few levels to the task tree,
    and past the limit the iterator silently stopped descending: after ~250
    returns ``is_completed()`` saw no unfinished task and an item showed
    已办结 with no approval.  The iterator keeps an explicit list, not
    recursion, so no depth is unsafe; runaway engine loops are bounded per
    step instead (:mod:`engine.approvals`).
    """
    _unlimited_depth(TaskIterator.__init__)
    _unlimited_depth(BpmnTaskIterator.__init__)
    spiff_task.uuid4 = _uuid4
    spiff_task.time = _Time
    spiff_timer.datetime = _Datetime
