"""The bell (通知) as a service: a user's notifications, read and marked read.

Counting and listing open a read session; marking read opens one write transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engine.base.errors import NotFound
from engine.notify import notifications
from engine.run.runtime import Engine
from engine.store.schema import Notification, Task


@dataclass(frozen=True)
class Notice:
    """One notification as the bell lists it."""

    id: int
    kind: str
    kind_key: str
    subject: str
    body: str
    at: datetime
    read: bool
    instance_id: int | None


def unread_count(engine: Engine, username: str) -> int:
    """Return how many of ``username``'s notifications are unread."""
    with engine.db.reading() as db:
        return notifications.unread_count(db, username)


def recent(engine: Engine, username: str) -> list[Notice]:
    """Return ``username``'s latest notifications, read or not, newest first."""
    with engine.db.reading() as db:
        return [Notice(n.id, notifications.KINDS.get(n.kind, n.kind), n.kind, n.subject, n.body,
                       n.created_at, n.read_at is not None, n.instance_id)
                for n in notifications.recent(db, username)]


def mark_read(engine: Engine, username: str, ids: list[int], every: bool = False) -> None:
    """Mark the user's notifications ``ids`` read (all unread ones when ``every``)."""
    with engine.db.transaction() as db:
        if every:
            ids = [n.id for n in notifications.unread(db, username, limit=1000)]
        notifications.mark_read(db, username, ids, engine.clock.now())


@dataclass(frozen=True)
class Target:
    """Where an opened notification leads: the open task, else the item, else the bell."""

    task_id: str | None = None
    instance_id: int | None = None


def open_notice(engine: Engine, username: str, notice_id: int) -> Target:
    """Mark one's own notification read and return where it points (NotFound if not theirs)."""
    with engine.db.transaction() as db:
        note = db.get(Notification, notice_id)
        if note is None or note.username != username:
            raise NotFound(f"通知不存在: {notice_id}")
        notifications.mark_read(db, username, [notice_id], engine.clock.now())
        return _target(db, note, username)


def _target(db, note: Notification, username: str) -> Target:
    """Return the task while it is open and the reader's (or unclaimed), else the item."""
    if note.task_id:
        task = db.scalar(select(Task).where(Task.id == note.task_id))
        if task is not None and task.status == "open" and task.assignee in (username, None):
            return Target(task_id=task.id)
    return Target(instance_id=note.instance_id)
