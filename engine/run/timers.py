"""Timer events: read the engine's clock, and mirror waiting timers as rows.

SpiffWorkflow's timer events read the instant of the step in progress
(:mod:`engine.determinism`), which comes from the engine's clock, so tests and
workers move time with a :class:`~engine.clock.FrozenClock` and nothing sleeps.

Every waiting timer of every instance has a row in ``timers`` with its due
time, so a worker finds due timers with one indexed query.
"""

from __future__ import annotations

from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from engine.store.schema import Timer

TIMERS = Timer.__table__


def timer_due(task) -> datetime | None:
    """Return when a waiting timer event task is due, or None if it is no timer."""
    definition = getattr(task.task_spec, "event_definition", None)
    if not isinstance(definition, TimerEventDefinition):
        return None
    return _due(task.internal_data.get("event_value"))


def _due(value) -> datetime | None:
    if isinstance(value, dict):
        value = value.get("next") if value.get("cycles") != 0 else None
    if not value:
        return None
    due = datetime.fromisoformat(value)
    return due if due.tzinfo else due.replace(tzinfo=UTC)


MIN_CYCLE_SECONDS = 1.0


class DegenerateTimer(Exception):
    """A cycle timer that would fire without time passing: an incident, never a busy loop."""


def check_cycles(workflow) -> None:
    """Raise DegenerateTimer if a waiting cycle timer of ``workflow`` repeats without an interval.

    ``R100000/PT0S`` would fire 100,000 times in one step (or, computed at run time,
    be re-claimed every second forever); it becomes an incident instead.
    """
    for task in workflow.get_tasks(state=TaskState.WAITING):
        value = task.internal_data.get("event_value")
        if isinstance(value, dict) and value.get("cycles") != 0 and \
                float(value.get("duration") or 0) < MIN_CYCLE_SECONDS:
            raise DegenerateTimer(
                f"循环定时器「{task.task_spec.bpmn_name or task.task_spec.name}」的间隔为 "
                f"{value.get('duration')} 秒，重复 {value.get('cycles')} 次：不予触发 (degenerate cycle)")


def cycle_problem(literal: str) -> str | None:
    """Return why cycle ``literal`` (e.g. ``R3/PT10M``) is refused at deploy, or None."""
    try:
        cycles, _start, interval = TimerEventDefinition.parse_iso_recurring_interval(literal)
    except Exception:  # noqa: BLE001 - SpiffWorkflow raises bare Exception for bad input
        return f"不是有效的 ISO 8601 循环 (invalid cycle) {literal!r}"
    if cycles != 0 and interval.total_seconds() < MIN_CYCLE_SECONDS:
        return f"循环间隔为零 (cycle repeats without an interval) {literal!r}"
    return None


def boundary_due(task, due_times: dict[str, datetime]) -> datetime | None:
    """Return the deadline of user ``task``: its earliest interrupting timer event.

    Non-interrupting timers (reminders) do not end the task, so they are no deadline.
    """
    siblings = task.parent.children if task.parent is not None else []
    dues = [due_times[str(s.id)] for s in siblings
            if str(s.id) in due_times and getattr(s.task_spec, "cancel_activity", False)]
    return min(dues) if dues else None


def due_timers(now: datetime, limit: int, skip_locked: bool) -> Select:
    """Return the query for waiting timers due at ``now`` and free to claim, oldest first."""
    query = (select(TIMERS.c.id, TIMERS.c.instance_id).where(
        TIMERS.c.status == "waiting", TIMERS.c.due_at < now,
        (TIMERS.c.not_before.is_(None)) | (TIMERS.c.not_before <= now),
        (TIMERS.c.claimed_until.is_(None)) | (TIMERS.c.claimed_until < now))
        .order_by(TIMERS.c.due_at, TIMERS.c.id).limit(limit))
    return query.with_for_update(skip_locked=True) if skip_locked else query


def next_due(session: Session) -> datetime | None:
    """Return when the earliest waiting timer is due (for a worker's sleep)."""
    return session.scalar(select(func.min(TIMERS.c.due_at)).where(TIMERS.c.status == "waiting"))


def failed_timers(session: Session) -> list[dict]:
    """Return timers that failed too often (incidents for an admin)."""
    rows = session.execute(select(TIMERS).where(TIMERS.c.status == "failed")
                           .order_by(TIMERS.c.due_at)).mappings()
    return [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
            for row in rows]


def retry_timer(session: Session, timer_id: int) -> None:
    """Put a failed timer back in the queue with a fresh count of attempts."""
    from engine.base.errors import NotFound

    result = session.execute(update(TIMERS).where(TIMERS.c.id == timer_id,
                                                  TIMERS.c.status == "failed")
                             .values(status="waiting", attempts=0, not_before=None,
                                     claimed_by=None, claimed_until=None))
    if result.rowcount != 1:  # type: ignore[attr-defined] # an UPDATE's result is a CursorResult
        raise NotFound(f"没有编号为 {timer_id} 的失败定时任务。")
