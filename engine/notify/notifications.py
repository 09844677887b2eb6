"""Notifications: written in the step's transaction (an outbox), mailed after commit.

Kinds, by name: a new task, a task returned to its author, an escalation (a
task opened by a fired timer), the notice to the person whose task was taken
away by that escalation, a reminder before a deadline.  In-app they are the
bell's unread list; by e-mail (and by a group robot, :mod:`engine.webhook`)
the worker sends them after commit and retries failures with backoff, so a
slow server never blocks a step.  Every time in the text is local time
(:mod:`engine.localtime`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from engine.base.localtime import local
from engine.model.expressions import helper
from engine.notify import webhook
from engine.org.anonymity import covered_messages
from engine.run.assignment import ROLE_TITLES
from engine.run.context import current, recorded
from engine.store.schema import Instance, Notification, RoleHolding, Task, User

NOTIFICATIONS, TASKS, INSTANCES = Notification.__table__, Task.__table__, Instance.__table__
HOLDERS = select(RoleHolding.__table__.c.username).where(
    RoleHolding.__table__.c.role == bindparam("role"))

KINDS = {
    "task_opened": "新待办",
    "task_returned": "退回修改",
    "escalation": "超时督办",
    "reminder": "办理提醒",
    "escalated_away": "已升级督办",
}


def recipients(connection: Connection, task: dict[str, Any]) -> list[str]:
    """Return who should hear of a task: its assignee, or every holder of its pool role."""
    if task["assignee"]:
        return [task["assignee"]]
    return sorted(connection.execute(HOLDERS, {"role": task["role"]}).scalars())


def task_messages(connection: Connection, tasks: Iterable[dict[str, Any]], kind: str,
                  title: str, now: datetime, note: str = "",
                  actor: str | None = None) -> list[dict[str, Any]]:
    """Return notification rows telling the recipients of ``tasks`` about them.

    ``actor`` — the person whose action opened the tasks — is not told: they
    are looking at the result already (starting an item does not notify its
    author about their own draft).
    """
    rows = []
    for task in tasks:
        subject = f"【{KINDS[kind]}】{task['name']}：{title}"
        body = f"事项 #{task['instance_id']}「{title}」的「{task['name']}」{lead(kind)}{note}{due(task)}"
        for username in recipients(connection, task):
            if username != actor:
                rows.append(row(username, kind, task, subject, body, now))
    return rows


def lead(kind: str) -> str:
    """Return what the message asks of its reader."""
    return "已超过办理时限，已升级督办，不再由您办理。" if kind == "escalated_away" else "需要您办理。"


def due(task: dict[str, Any]) -> str:
    """Say the deadline in local time, if the task has one."""
    return f"办理时限：{local(task['due_at'])}。" if task.get("due_at") else ""


def row(username: str, kind: str, task: dict[str, Any], subject: str, body: str,
        now: datetime) -> dict[str, Any]:
    """Return one notification row, waiting to be mailed."""
    return {"username": username, "kind": kind, "instance_id": task["instance_id"],
            "task_id": task["id"], "subject": subject[:300], "body": body,
            "created_at": now, "mail_status": "pending", "mail_attempts": 0}


def escalated_messages(connection: Connection, cancelled: Iterable[dict[str, Any]],
                       opened: Iterable[dict[str, Any]], title: str,
                       now: datetime) -> list[dict[str, Any]]:
    """Tell whoever held a task a fired timer took away that it was escalated, and to whom."""
    to = "、".join(dict.fromkeys(ROLE_TITLES.get(t["role"], t["role"]) for t in opened))
    note = f"已转至{to}。" if to else ""
    return task_messages(connection, cancelled, "escalated_away", title, now, note)


def write(connection: Connection, rows: list[dict[str, Any]], pending: Iterable[dict] = ()) -> None:
    """Insert notification rows, each covered for its recipient (第十九条: anonymous complainants),
    and queue the group robot's message (a group reads it: a covered copy is what it gets)."""
    if rows:
        covered = covered_messages(connection, rows, pending)
        connection.execute(insert(NOTIFICATIONS), covered)
        webhook.queue(connection, covered, rows)


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


def pending_mail(session: Session, now: datetime, limit: int = 50) -> list[tuple[Notification, str | None]]:
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
