"""Administration as a service: the operations log, open tasks to reassign, incidents, health.

The reassignment itself is :func:`engine.app.tasks.reassign` (an engine operation).

Reads open a read session (never SQLite's write lock); changes open one write
transaction each.  Who may call what is decided by :mod:`engine.org.policy`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.audit.chain import OPERATION_TYPES, log_operation
from engine.audit.chain import operations as operations_of
from engine.base.errors import Invalid
from engine.org.anonymity import covered
from engine.org.people import display_names
from engine.read.health import report
from engine.run.assignment import ROLE_TITLES
from engine.run.runtime import Engine
from engine.run.timers import failed_timers, retry_timer
from engine.store.schema import Instance, RoleHolding, Task, User


@dataclass(frozen=True)
class OperationsLog:
    """The operations log as shown: rows (newest first), actors' names, the type filter."""

    rows: list[dict[str, Any]]
    names: dict[str, str]
    kind: str
    types: dict[str, str]


def operations_log(engine: Engine, kind: str = "", limit: int = 500) -> OperationsLog:
    """Return the operations log, only entries of type ``kind`` when given (Invalid if unknown)."""
    if kind and kind not in OPERATION_TYPES:
        raise Invalid(f"操作类型无效：{kind}", {"type": ["请选择列表中的操作类型。"]})
    with engine.db.reading() as db:
        rows = operations_of(db, limit=limit)
        names = display_names(db, {r["actor"] for r in rows if r["actor"]})
    if kind:
        rows = [r for r in rows if r["type"] == kind]
    return OperationsLog(rows, names, kind, dict(OPERATION_TYPES))


@dataclass(frozen=True)
class OpenTask:
    """One open task, its item's title as the viewer may see it (第十九条), and its holder."""

    id: str
    instance_id: int
    title: str
    name: str
    role: str
    assignee: str | None


@dataclass(frozen=True)
class OpenTasks:
    """Every open task with the people who may take each over (by role, else everyone)."""

    rows: list[OpenTask]
    holders: dict[str, list[tuple[str, str]]]
    everyone: list[tuple[str, str]]
    names: dict[str, str]
    role_titles: dict[str, str]


def open_tasks(engine: Engine) -> OpenTasks:
    """Return every open task, oldest first, with the active holders of each role."""
    with engine.db.reading() as db:
        found = db.execute(select(Task, Instance.title).join(Instance, Task.instance_id == Instance.id)
                           .where(Task.status == "open").order_by(Task.created_at)).all()
        rows = [OpenTask(t.id, t.instance_id, covered(db, t.instance_id, title), t.name, t.role,
                         t.assignee) for t, title in found]
        holders = _holders(db)
        names = display_names(db, {t.assignee for t in rows if t.assignee})
    everyone = sorted({u for people in holders.values() for u in people})
    return OpenTasks(rows, holders, everyone, names, dict(ROLE_TITLES))


def _holders(db) -> dict[str, list[tuple[str, str]]]:
    holders: dict[str, list[tuple[str, str]]] = {}
    for role, username, name in db.execute(
            select(RoleHolding.role, User.username, User.display_name)
            .join(User, User.username == RoleHolding.username).where(User.active.is_(True))
            .order_by(User.username)):
        holders.setdefault(role, []).append((username, name))
    return holders


def incidents(engine: Engine) -> list[dict[str, Any]]:
    """Return the timers that kept failing, for an admin to look at and retry."""
    with engine.db.reading() as db:
        return failed_timers(db)


def retry(engine: Engine, timer_id: int, admin: str) -> None:
    """Put a failed timer back in the queue; logged as an operation."""
    with engine.db.transaction() as db:
        retry_timer(db, timer_id)
        log_operation(db, "timer_retried", admin, engine.clock.now(), timer=timer_id)


def health(engine: Engine, now: datetime | None = None) -> dict[str, Any]:
    """Return the health report: timers on time, a worker beating (counts only)."""
    return report(engine.db, now or engine.clock.now())
