"""Health of the background work: heartbeats, overdue timers, waiting mail, incidents.

A stalled worker is visible: ``/healthz`` and ``shenfa worker --status`` report
how late the oldest overdue timer is, and both call the system unhealthy when
it is later than ``STALL_AFTER`` or no worker has beaten within ``STALL_AFTER``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.notify.notifications import pending_count
from engine.store.persistence import Database
from engine.store.schema import Notification, Timer, WorkerBeat

STALL_AFTER = timedelta(seconds=60)


def beat(db: Database, name: str, started_at: datetime | None, last_loop_at: datetime | None,
         error: str | None) -> int:
    """Record worker ``name``'s heartbeat (upsert); return 0 (for the worker's counts)."""
    if last_loop_at is None:
        return 0
    with db.transaction() as session:
        row = session.get(WorkerBeat, name) or WorkerBeat(name=name)
        row.started_at, row.beat_at, row.last_error = started_at or last_loop_at, last_loop_at, error
        session.add(row)
    return 0


def oldest_overdue(session: Session, now: datetime) -> float | None:
    """Return how many seconds the oldest waiting timer is overdue, or None."""
    due = session.scalar(select(func.min(Timer.due_at)).where(
        Timer.status == "waiting", Timer.due_at < now))
    return round((now - _aware(due, now)).total_seconds(), 3) if due else None


def report(db: Database, now: datetime) -> dict[str, Any]:
    """Return the health report: ``ok`` plus the figures it is judged on."""
    with db.reading() as session:
        late = oldest_overdue(session, now)
        beats = list(session.scalars(select(WorkerBeat).order_by(WorkerBeat.beat_at.desc())
                                     .limit(20)))
        figures = {
            "oldest_overdue_seconds": late,
            "pending_notifications": pending_count(session),
            "failed_timers": _count(session, Timer.status == "failed"),
            "failed_notifications": _count(session, Notification.mail_status == "failed"),
        }
    workers: list[dict[str, Any]] = [{"name": b.name, "last_loop_at": _aware(b.beat_at, now).isoformat(),
                "age_seconds": round((now - _aware(b.beat_at, now)).total_seconds(), 3),
                "last_error": b.last_error} for b in beats]
    stalled = late is not None and late > STALL_AFTER.total_seconds()
    silent = not workers or workers[0]["age_seconds"] > STALL_AFTER.total_seconds()
    return {"ok": not stalled and not silent, "checked_at": now.isoformat(),
            **figures, "workers": workers}


def _count(session: Session, condition) -> int:
    return session.scalar(select(func.count()).where(condition)) or 0


def _aware(value: datetime, like: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns.
    return value.replace(tzinfo=like.tzinfo) if value.tzinfo is None else value
