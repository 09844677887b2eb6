"""The task table: open user tasks mirrored from workflows, and queries over it.

Inbox queries read only this table; they never deserialize a workflow.
"""

from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .assignment import InstanceFacts, resolve, role_of_lane, roles_of
from .expressions import Evaluator
from .history import HistoryWriter
from .timers import boundary_due
from .schema import Instance, Task

TRUE = {"true", "yes", "1"}


def properties(spiff_task) -> dict[str, str]:
    """Return the ``spiffworkflow:properties`` of a task's spec."""
    return getattr(spiff_task.task_spec, "extensions", {}).get("properties", {})


def sync_tasks(session: Session, inst: Instance, workflow: BpmnWorkflow, facts: InstanceFacts,
               history: HistoryWriter, now: datetime,
               due_times: dict[str, datetime] | None = None) -> None:
    """Make the open rows of ``inst`` match the workflow's ready user tasks."""
    ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    open_rows = session.scalars(select(Task).where(
        Task.instance_id == inst.id, Task.status == "open")).all()
    for row in open_rows:
        if row.id not in ready:
            row.status = "cancelled"
            history.append("task_cancelled", now, None, row.role, row.id, row.spec_name)
    known = {row.id for row in open_rows}
    for task_id, task in ready.items():
        if task_id not in known:
            row = _open_row(session, inst, task, facts, history, now)
            row.due_at = boundary_due(task, due_times or {})
            session.add(row)


def _open_row(session, inst, task, facts, history, now) -> Task:
    props = properties(task)
    role = role_of_lane(task.task_spec.lane or "")
    assignee = _named_assignee(session, inst, task, props)
    assignment = resolve(session, role, facts, assignee)
    row = Task(id=str(task.id), instance_id=inst.id, spec_name=task.task_spec.name,
               name=task.task_spec.bpmn_name or task.task_spec.name,
               form_name=props.get("formName", ""), role=role, pool=assignment.pool,
               department_id=inst.department_id, assignee=assignment.assignee,
               review_stage=props.get("reviewStage", "").lower() in TRUE,
               status="open", created_at=now)
    history.append("task_opened", now, None, role, row.id, row.spec_name,
                   task_name=row.name, assignee=row.assignee, pool=row.pool)
    return row


def _named_assignee(session, inst, task, props) -> str | None:
    expression = props.get("assignee")
    if not expression:
        return None
    value = Evaluator().evaluate(expression, dict(task.data))
    return str(value) if value else None


def review_conflict(session: Session, row: Task, username: str) -> str | None:
    """Return the name of another review stage ``username`` did on this item, if any."""
    if not row.review_stage:
        return None
    done = session.scalars(select(Task.name).where(
        Task.instance_id == row.instance_id, Task.review_stage.is_(True),
        Task.status == "completed", Task.completed_by == username,
        Task.spec_name != row.spec_name).limit(1)).first()
    return done


def actionable(session: Session, username: str) -> list[Task]:
    """Return open tasks assigned to ``username`` and pool tasks of roles they hold."""
    roles = roles_of(session, username)
    query = select(Task).where(Task.status == "open", or_(
        Task.assignee == username,
        Task.pool.is_(True) & Task.assignee.is_(None) & Task.role.in_(roles),
    )).order_by(Task.created_at, Task.id)
    return list(session.scalars(query))


def task_row(session: Session, task_id: str) -> Task | None:
    return session.get(Task, task_id)


def instance_tasks(session: Session, instance_id: int) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.instance_id == instance_id)
                                .order_by(Task.created_at, Task.id)))
