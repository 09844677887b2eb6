"""Read-only views of tasks, instances and history, as plain dictionaries.

These are what the CLI prints with ``--json`` and what the web layer renders.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.audit.history import events_of
from engine.base.errors import NotFound, Refused
from engine.org.anonymity import covered, covered_rows
from engine.run.assignment import ROLE_TITLES
from engine.run.tasks import actionable
from engine.store.schema import Event, Instance, ModelVersion, Task, User


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def find_task_id(session: Session, ref: str) -> str:
    """Return the full id of the task whose id is ``ref`` or starts with it (≥ 6 chars)."""
    if session.get(Task, ref) is not None:
        return ref
    if len(ref) < 6:
        raise NotFound(f"任务不存在: {ref}")
    ids = session.scalars(select(Task.id).where(Task.id.like(f"{ref}%")).limit(2)).all()
    if len(ids) != 1:
        raise NotFound(f"任务不存在或编号不唯一: {ref}")
    return ids[0]


def task_summary(session: Session, row: Task) -> dict[str, Any]:
    """Return what an inbox row shows about ``row``."""
    inst = session.get(Instance, row.instance_id)
    assert inst is not None  # a task's instance is never deleted
    return {
        "id": row.id, "instance_id": row.instance_id, "model": inst.model_key,
        "title": inst.title, "name": row.name, "spec": row.spec_name, "role": row.role,
        "role_title": ROLE_TITLES.get(row.role, row.role), "pool": row.pool,
        "assignee": row.assignee, "status": row.status, "form": row.form_name,
        "review_stage": row.review_stage, "created_at": _iso(row.created_at),
        "due_at": _iso(row.due_at), "completed_by": row.completed_by,
        "completed_at": _iso(row.completed_at),
    }


def tasks_for(session: Session, username: str) -> list[dict[str, Any]]:
    """Return the tasks ``username`` may act on now (assigned, or claimable by role)."""
    if session.get(User, username) is None:
        raise Refused(f"用户不存在: {username}")
    rows = [task_summary(session, row) for row in actionable(session, username)]
    return covered_rows(session, rows, viewer=username)  # 第十九条: as the user would see them


def task_detail(session: Session, task_id: str) -> dict[str, Any]:
    """Return a task with its form schema, draft and the item's current data."""
    row = session.get(Task, task_id)
    if row is None:
        raise NotFound(f"任务不存在: {task_id}")
    inst = session.get(Instance, row.instance_id)
    assert inst is not None  # a task's instance is never deleted
    version = session.get(ModelVersion, inst.model_version_id)
    assert version is not None  # nor an instance's version
    detail = task_summary(session, row)
    detail.update(form_schema=version.forms.get(row.form_name), draft=row.draft,
                  model_version=version.version, values=current_values(session, inst.id),
                  submissions=submissions(session, inst.id))
    return covered(session, inst.id, detail)


# Built once: every completion and every item answer reads these.
_T, _I, _V = Task.__table__.c, Instance.__table__.c, ModelVersion.__table__.c
STEP_INPUT = (select(_T.instance_id, _T.status, _T.form_name, _V.forms)
              .join_from(Task.__table__, Instance.__table__, _I.id == _T.instance_id)
              .join(ModelVersion.__table__, _V.id == _I.model_version_id)
              .where(_T.id == bindparam("task_id")))
VERSION_NUMBER = select(_V.version).where(_V.id == bindparam("version_id"))
TASKS_OF = (select(Task).where(Task.instance_id == bindparam("instance_id"))
            .order_by(Task.created_at, Task.id))


def step_input(session: Session, task_id: str) -> dict[str, Any]:
    """Return what completing a task reads before the step: item, status, form schema, values.

    The few columns a completion needs (not the task page's whole detail): its checks run
    on every completion.
    """
    row = session.execute(STEP_INPUT, {"task_id": task_id}).first()
    if row is None:
        raise NotFound(f"任务不存在: {task_id}")
    return {"instance_id": row.instance_id, "status": row.status,
            "form_schema": (row.forms or {}).get(row.form_name),
            "values": current_values(session, row.instance_id)}


def submissions(session: Session, instance_id: int) -> list[dict[str, Any]]:
    """Return every completed step of the item: who, role, when, task, decision, data.

    A reviewer sees the earlier opinions (reviews, expert opinions) next to the form.
    """
    return covered(session, instance_id, [{"task_name": e.payload.get("task_name"), "task_spec": e.task_spec,
             "actor": e.actor, "role": e.role,
             "role_title": ROLE_TITLES.get(e.role or "", e.role), "at": _iso(e.at),
             "decision": e.payload.get("decision"), "comment": e.payload.get("comment"),
             "data": e.payload.get("data", {})}
            for e in events_of(session, instance_id) if e.type == "task_completed"])


def current_values(session: Session, instance_id: int) -> dict[str, Any]:
    """Return the item's data as the history built it: start data, then each submission."""
    values: dict[str, Any] = {}
    for event in events_of(session, instance_id):
        if event.type in ("instance_started", "task_completed"):
            values.update(event.payload.get("data", {}))
    return covered(session, instance_id, values)


def event_dict(event: Event) -> dict[str, Any]:
    return {"seq": event.seq, "type": event.type, "at": _iso(event.at), "actor": event.actor,
            "role": event.role, "task_id": event.task_id, "task_spec": event.task_spec,
            "payload": event.payload, "hash": event.hash, "prev_hash": event.prev_hash}


def instance_detail(session: Session, instance_id: int, *, history: bool = True) -> dict[str, Any]:
    """Return an instance's status, version, open tasks and (unless not ``history``) history."""
    inst = session.get(Instance, instance_id)
    if inst is None:
        raise NotFound(f"事项不存在: {instance_id}")
    # The version's number only: the whole row would load (and parse) its XML and forms.
    version = session.scalar(VERSION_NUMBER, {"version_id": inst.model_version_id})
    tasks = session.scalars(TASKS_OF, {"instance_id": instance_id}).all()
    detail = {
        "id": inst.id, "model": inst.model_key, "model_version": version,
        "title": inst.title, "status": inst.status, "initiator": inst.initiator,
        "department_id": inst.department_id, "started_at": _iso(inst.started_at),
        "ended_at": _iso(inst.ended_at), "revision": inst.revision,
        "tasks": [task_summary(session, t) for t in tasks],
    }
    if history:
        detail["history"] = [event_dict(e) for e in events_of(session, instance_id)]
    return covered(session, instance_id, detail)
