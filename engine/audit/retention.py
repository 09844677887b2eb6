"""Retention (第十一条): review records are kept at least two years.

Nothing deletes history but :func:`purge`, which removes finished items that
ended before a cut-off and refuses any cut-off younger than the retention
period — configurable, never below two years.  Every purge is logged.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.audit.chain import log_operation
from engine.base.errors import NotAllowed
from engine.store.schema import ChainDigest, Event, Instance, Notification, Task, Timer

MINIMUM_DAYS = 730


def retention_days() -> int:
    """Return the configured retention (``SHENFA_RETENTION_DAYS``), refusing less than two years."""
    days = int(os.environ.get("SHENFA_RETENTION_DAYS", MINIMUM_DAYS))
    if days < MINIMUM_DAYS:
        raise NotAllowed(f"保存期限不得少于两年（{MINIMUM_DAYS} 天，第十一条），当前配置为 {days} 天。")
    return days


def purge(session: Session, before: date, now: datetime, actor: str | None) -> dict:
    """Delete finished items that ended before ``before``; return what was removed."""
    earliest = (now - timedelta(days=retention_days())).date()
    if before > earliest:
        raise NotAllowed(f"只能清理 {earliest.isoformat()} 之前办结的记录（保存期限 {retention_days()} 天）。")
    cutoff = datetime.combine(before, time.min, UTC)
    ids = list(session.scalars(select(Instance.id).where(
        Instance.status != "running", Instance.ended_at < cutoff)))
    for model in (Event, Task, Timer, Notification):
        session.execute(delete(model).where(model.instance_id.in_(ids)))
    session.execute(delete(Instance).where(Instance.id.in_(ids)))
    session.execute(delete(ChainDigest).where(ChainDigest.day < before.isoformat()))
    log_operation(session, "records_purged", actor, now, before=before.isoformat(),
                  instances=ids)
    return {"before": before.isoformat(), "instances": len(ids)}
