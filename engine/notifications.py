"""Notifications: written in the step's transaction (an outbox), mailed after commit.

Kinds, by name: a new task, a task returned to its author, an escalation (a
task opened by a fired timer), a reminder before a deadline.  In-app they
are the bell's unread list; by e-mail the worker sends them after commit and
retries failures with backoff, so a slow mail server never blocks a step.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from .anonymity import covered_messages
from .context import current, recorded
from .expressions import helper
from .schema import Instance, Notification, RoleHolding, Task, User

NOTIFICATIONS, TASKS, INSTANCES = Notification.__table__, Task.__table__, Instance.__table__
HOLDERS = select(RoleHolding.__table__.c.username).where(
    RoleHolding.__table__.c.role == bindparam("role"))

KINDS = {
    "task_opened": "新待办",
    "task_returned": "退回修改",
    "escalation": "超时督办",
    "reminder": "办理提醒",
}


def recipients(connection: Connection, task: dict[str, Any]) -> list[str]:
    """Return who should hear of a task: its assignee, or every holder of its pool role."""
    if task["assignee"]:
        return [task["assignee"]]
    return sorted(connection.execute(HOLDERS, {"role": task["role"]}).scalars())


def task_messages(connection: Connection, tasks: Iterable[dict[str, Any]], kind: str,
                  title: str, now: datetime, note: str = "") -> list[dict[str, Any]]:
    """Return notification rows telling the recipients of ``tasks`` about them."""
    rows = []
    for task in tasks:
        subject = f"【{KINDS[kind]}】{task['name']}：{title}"
        body = f"事项 #{task['instance_id']}「{title}」的「{task['name']}」需要您办理。{note}"
        for username in recipients(connection, task):
            rows.append({"username": username, "kind": kind, "instance_id": task["instance_id"],
                         "task_id": task["id"], "subject": subject[:300], "body": body,
                         "created_at": now, "mail_status": "pending", "mail_attempts": 0})
    return rows


def write(connection: Connection, rows: list[dict[str, Any]], pending: Iterable[dict] = ()) -> None:
    """Insert notification rows, each covered for its recipient (第十九条: anonymous complainants)."""
    if rows:
        connection.execute(insert(NOTIFICATIONS), covered_messages(connection, rows, pending))


def unread(session: Session, username: str, limit: int = 50) -> list[Notification]:
    """Return ``username``'s unread notifications, newest first."""
    return list(session.scalars(select(Notification).where(
        Notification.username == username, Notification.read_at.is_(None))
        .order_by(Notification.id.desc()).limit(limit)))


def unread_count(session: Session, username: str) -> int:
    return session.scalar(select(func.count()).where(
        Notification.username == username, Notification.read_at.is_(None))) or 0


def mark_read(session: Session, username: str, ids: Iterable[int], now: datetime) -> None:
    """Mark the user's own notifications read (others' are left alone)."""
    session.execute(update(Notification).where(
        Notification.username == username, Notification.id.in_(list(ids)),
        Notification.read_at.is_(None)).values(read_at=now))


def pending_mail(session: Session, now: datetime, limit: int = 50) -> list[tuple[Notification, str]]:
    """Return notifications waiting to be mailed, with the recipient's address."""
    rows = session.execute(
        select(Notification, User.email).join(User, User.username == Notification.username)
        .where(Notification.mail_status == "pending",
               (Notification.mail_not_before.is_(None)) | (Notification.mail_not_before <= now))
        .order_by(Notification.id).limit(limit))
    return [(n, email) for n, email in rows]


def mail_outcome(session: Session, note_id: int, values: dict[str, Any]) -> None:
    """Store the outcome of one mail attempt (sent, retry later, or failed)."""
    session.execute(update(Notification).where(Notification.id == note_id).values(values))


def failed_mail(session: Session) -> list[dict[str, Any]]:
    """Return notifications that could not be mailed after every retry (incidents)."""
    rows = session.execute(select(Notification.id, Notification.username, Notification.instance_id,
                                  Notification.subject, Notification.mail_attempts,
                                  Notification.mail_error, Notification.created_at)
                           .where(Notification.mail_status == "failed")
                           .order_by(Notification.id)).mappings()
    return [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
            for row in rows]


def pending_count(session: Session) -> int:
    """Return how many notifications wait to be mailed."""
    return session.scalar(select(func.count()).where(Notification.mail_status == "pending")) or 0


@helper("remind")
@recorded
def remind(spec_name: str) -> int:
    """Remind whoever holds the open task ``spec_name`` of this item; return how many heard.

    For a non-interrupting timer before a deadline: ``remind("Task_correct")``.
    """
    ctx = current()
    connection = ctx.session.connection()
    tasks = [dict(row) for row in connection.execute(select(TASKS).where(
        TASKS.c.instance_id == ctx.instance_id, TASKS.c.spec_name == spec_name,
        TASKS.c.status == "open")).mappings()]
    title = connection.execute(select(INSTANCES.c.title).where(
        INSTANCES.c.id == ctx.instance_id)).scalar() or ""
    rows = task_messages(connection, tasks, "reminder", title, ctx.clock.now(), "请在时限内完成。")
    write(connection, rows)
    return len(rows)


def recent(session: Session, username: str, limit: int = 100) -> list[Notification]:
    """Return ``username``'s latest notifications, read or not, newest first."""
    return list(session.scalars(select(Notification).where(Notification.username == username)
                                .order_by(Notification.id.desc()).limit(limit)))
