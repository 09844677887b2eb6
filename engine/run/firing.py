"""Firing due timers: each claimed as a lease, then fired in its own transaction.

A mixin of :class:`engine.run.runtime.Engine` (as :class:`engine.store.optimistic.ReservedStarts`
is): it uses the engine's transaction, step and clock.  A timer that fails is retried with
backoff; after :data:`MAX_TIMER_ATTEMPTS` it is an incident in the item's history.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Connection, RowMapping, select, update

from engine.audit.history import HistoryWriter
from engine.base.clock import Clock
from engine.run.step import TIMERS, Step, Version, lock_instance
from engine.run.timers import DegenerateTimer, check_cycles, due_timers
from engine.store.optimistic import optimistic
from engine.store.persistence import Database

MAX_TIMER_ATTEMPTS = 5


class TimerFiring:
    """Engine methods that fire due timers (the worker calls :meth:`fire_due_timers`)."""

    if TYPE_CHECKING:  # what the mixin uses of the Engine it is part of
        db: Database
        clock: Clock

        def version(self, version_id: int, conn: Connection | None = None) -> Version: ...

        def transaction(self, deferred: bool = False) -> AbstractContextManager[Connection]: ...

        def open_step(self, conn: Connection, inst: RowMapping, version: Version,
                      actor: str | None) -> Step: ...

        def finish(self, step: Step) -> None: ...

    def fire_due_timers(self, worker: str = "inline", batch: int = 100,
                        lease: float = 60.0) -> int:
        """Claim due timers for ``worker``, then fire each in its own transaction.

        Return how many fired.  Claims are leases: if a worker dies, its
        claims expire after ``lease`` seconds and another worker takes them.
        """
        claimed = self._claim_timers(worker, batch, lease)
        return sum(self._fire(timer_id, instance_id, worker) for timer_id, instance_id in claimed)

    def _claim_timers(self, worker: str, batch: int, lease: float) -> list[tuple[int, int]]:
        now = self.clock.now()
        with self.transaction() as conn:
            rows = conn.execute(due_timers(now, batch, self.db.is_postgres)).all()
            if rows:
                conn.execute(update(TIMERS).where(TIMERS.c.id.in_([r[0] for r in rows])).values(
                    claimed_by=worker, claimed_until=now + timedelta(seconds=lease)))
        return [(r[0], r[1]) for r in rows]

    def _fire(self, timer_id: int, instance_id: int, worker: str) -> int:
        try:
            return self._fire_step(timer_id, instance_id, worker)
        except Exception as err:  # noqa: BLE001 - any failure is retried, then raised
            self._timer_failed(timer_id, err)
            return 0

    @optimistic
    def _fire_step(self, timer_id: int, instance_id: int, worker: str) -> int:
        with self.transaction(deferred=True) as conn:  # the model runs before the first write
            return self._fire_in(conn, timer_id, instance_id, worker)

    def _fire_in(self, conn: Connection, timer_id: int, instance_id: int, worker: str) -> int:
        """Advance the instance of a claimed timer; return how many of its timers fired."""
        inst = lock_instance(conn, instance_id)
        timer = conn.execute(select(TIMERS).where(
            TIMERS.c.id == timer_id, TIMERS.c.status == "waiting",
            TIMERS.c.claimed_by == worker)).mappings().first()
        if timer is None:  # done meanwhile, or our lease expired and another took it
            return 0
        step = self.open_step(conn, inst, self.version(inst["model_version_id"], conn), None)
        check_cycles(step.workflow)  # a zero-interval cycle is an incident, not a busy loop
        step.run(step.workflow.refresh_timers)
        fired = step.workflow.get_task_from_id(UUID(timer["task_id"]))
        if fired is not None and fired.state == TaskState.WAITING:
            raise _NotYet()
        self.finish(step)
        return len(step.fired)

    def _timer_failed(self, timer_id: int, err: Exception) -> None:
        with self.transaction() as conn:
            if isinstance(err, _NotYet):  # due by the row, not yet by the event: free it
                conn.execute(update(TIMERS).where(TIMERS.c.id == timer_id)
                             .values(claimed_by=None, claimed_until=None))
                return
            timer = conn.execute(select(TIMERS).where(TIMERS.c.id == timer_id)).mappings().one()
            lock_instance(conn, timer["instance_id"])
            # A degenerate timer cannot succeed on a retry: an incident at once.
            attempts = MAX_TIMER_ATTEMPTS if isinstance(err, DegenerateTimer) else timer["attempts"] + 1
            values = {"attempts": attempts, "last_error": f"{type(err).__name__}: {err}"[:2000],
                      "claimed_by": None, "claimed_until": None,
                      "not_before": self.clock.now() + timedelta(seconds=min(2 ** attempts, 300))}
            if attempts >= MAX_TIMER_ATTEMPTS:
                values["status"] = "failed"
                self._record_timer_failure(conn, timer, values)
            conn.execute(update(TIMERS).where(TIMERS.c.id == timer_id).values(values))

    def _record_timer_failure(self, conn: Connection, timer: RowMapping, values: dict) -> None:
        inst = lock_instance(conn, timer["instance_id"])
        history = HistoryWriter.resume(inst)
        history.append("timer_failed", self.clock.now(), None, None, timer["task_id"],
                       timer["spec_name"], task_name=timer["name"],
                       error=values["last_error"], attempts=values["attempts"])
        history.commit(conn)


class _NotYet(Exception):
    """A timer row was due by the clock but its event did not fire (clock skew)."""

