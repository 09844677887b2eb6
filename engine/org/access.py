"""Who may see an item: the people taking part in it, and the readers of every item.

The rule itself is :func:`engine.org.policy.may_read_item`; this module reads from the
store the facts it needs (the viewer's roles and participation in the item).
"""

from __future__ import annotations

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from engine.base.errors import NotAllowed, NotFound
from engine.org.policy import Participation, may_read_item
from engine.run.assignment import roles_of
from engine.store.schema import Event, Instance, Task

_EVENTS, _TASKS = Event.__table__.c, Task.__table__.c
#: one statement, built once: every item page and every completion over the API asks it
PARTICIPATION = select(
    exists().where(_EVENTS.instance_id == bindparam("instance_id"),
                   _EVENTS.actor == bindparam("username")),
    exists().where(_TASKS.instance_id == bindparam("instance_id"), _TASKS.status == "open",
                   (_TASKS.assignee == bindparam("username"))
                   | (_TASKS.pool.is_(True) & _TASKS.assignee.is_(None)
                      & _TASKS.role.in_(bindparam("roles", expanding=True)))))


def participation(session: Session, instance: Instance, username: str,
                  roles: set[str]) -> Participation:
    """Return how ``username`` takes part in ``instance`` (started, acted, holds a task)."""
    found = session.execute(PARTICIPATION, {"instance_id": instance.id, "username": username,
                                            "roles": sorted(roles)}).one()
    return Participation(initiator=instance.initiator == username, acted=bool(found[0]),
                         holds_task=bool(found[1]))


def may_view(session: Session, instance: Instance, username: str,
             roles: set[str] | None = None) -> bool:
    """Return True when the policy lets ``username`` read the item.

    ``roles`` are the user's roles when the caller read them this request already.
    """
    roles = roles_of(session, username) if roles is None else roles
    return may_read_item(roles, participation(session, instance, username, roles))


def check_may_view(session: Session, instance_id: int, username: str,
                   roles: set[str] | None = None) -> Instance:
    """Return the instance if ``username`` may see it; raise NotFound or NotAllowed."""
    instance = session.get(Instance, instance_id)
    if instance is None:
        raise NotFound(f"事项不存在: {instance_id}")
    if not may_view(session, instance, username, roles):
        raise NotAllowed("您不是此事项的参与人，无权查看。")
    return instance


def check_may_view_task(session: Session, task_id: str, username: str,
                        roles: set[str] | None = None) -> Task:
    """Return the task if ``username`` may see its item; raise NotFound or NotAllowed."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"任务不存在: {task_id}")
    check_may_view(session, task.instance_id, username, roles)
    return task
