"""The task table: open user tasks mirrored from workflows, and queries over it.

Inbox queries read only this table; they never deserialize a workflow.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, RowMapping, bindparam, or_, select, update
from sqlalchemy.orm import Session

from engine.model import extensions
from engine.model.expressions import Evaluator
from engine.run.assignment import (
    DRAFTED_BY,
    Assignment,
    AssignmentError,
    resolve,
    resolve_review,
    role_of_lane,
    roles_of,
    sole_holder,
)
from engine.store.schema import Task, User

if TYPE_CHECKING:
    from engine.run.stepview import StepView

TASKS = Task.__table__
READ_TASK = select(TASKS).where(TASKS.c.id == bindparam("task_id"))
LOCK_TASK = READ_TASK.with_for_update()
UPDATE_TASK = update(TASKS).where(TASKS.c.id == bindparam("b_task_id"))
REVIEW_CONFLICT = select(TASKS.c.name).where(
    TASKS.c.instance_id == bindparam("instance_id"), TASKS.c.review_stage.is_(True),
    TASKS.c.status == "completed", TASKS.c.completed_by == bindparam("username"),
    TASKS.c.spec_name != bindparam("spec_name")).limit(1)
REVIEWERS = select(TASKS.c.completed_by).where(
    TASKS.c.instance_id == bindparam("instance_id"), TASKS.c.review_stage.is_(True),
    TASKS.c.status == "completed", TASKS.c.spec_name != bindparam("spec_name"))
TOOK_PART = select(TASKS.c.id).where(
    TASKS.c.instance_id == bindparam("instance_id"),
    or_(TASKS.c.assignee == bindparam("username"), TASKS.c.completed_by == bindparam("username"))
).limit(1)
TRUE = {"true", "yes", "1"}


def properties(spiff_task) -> dict[str, str]:
    """Return the ``spiffworkflow:properties`` of a task's spec."""
    return extensions.of_spec(spiff_task.task_spec)


def new_task_row(step: StepView, task, now: datetime) -> dict[str, Any]:
    """Resolve who gets a newly ready user task, record it, and return its row."""
    props = properties(task)
    role = role_of_lane(task.task_spec.lane or "")
    assignee = _named_assignee(task, props)
    if assignee is not None and (len(assignee) > 64 or step.session.get(User, assignee) is None):
        raise AssignmentError(f"「{task.task_spec.bpmn_name}」的办理人 {assignee[:64]!r} 不是已有用户。")
    review = extensions.read(props, "reviewStage")
    excluded: set[str] = set()
    if review:  # the author never reviews their own item
        excluded = _authors(step)
        assignment = resolve_review(step.session, role, step.facts, assignee, excluded)
    else:
        assignment = resolve(step.session, role, step.facts, assignee)
    role = assignment.role
    if assignment.pool:
        assignment = _to_sole_holder(step, assignment, task.task_spec.name, review, excluded)
    row = {"id": str(task.id), "instance_id": step.inst["id"], "spec_name": task.task_spec.name,
           "name": task.task_spec.bpmn_name or task.task_spec.name,
           "form_name": extensions.read(props, "formName") or "", "role": role, "pool": assignment.pool,
           "department_id": step.inst["department_id"], "assignee": assignment.assignee,
           "review_stage": review,
           "status": "open", "created_at": now}
    step.history.append("task_opened", now, None, role, row["id"], row["spec_name"],
                        task_name=row["name"], assignee=row["assignee"], pool=row["pool"],
                        process=task.workflow.spec.name)  # which (called) model runs it
    return row


def _authors(step: StepView) -> set[str]:
    """Return the item's authors: its initiator (on the locked row) and its drafts' completers."""
    drafted = step.connection.execute(DRAFTED_BY, {"instance_id": step.inst["id"]}).scalars()
    return {step.inst["initiator"], *(name for name in drafted if name)}


def _to_sole_holder(step: StepView, assignment: Assignment, spec: str,
                    review_stage: bool, authors_: set[str]) -> Assignment:
    """Give a pool task to its role's only holder, unless they may not review this item."""
    excluded: set[str] = set()
    if review_stage:  # the authors and the item's other reviewers never take a review stage
        excluded = {*authors_, *step.connection.execute(REVIEWERS, {
            "instance_id": step.inst["id"], "spec_name": spec}).scalars()}
    holder = sole_holder(step.session, assignment.role, excluded)
    return Assignment(assignment.role, holder) if holder else assignment


def _named_assignee(task, props: dict[str, str]) -> str | None:
    expression = extensions.read(props, "assignee")
    if not expression:
        return None
    value = Evaluator().evaluate(expression, dict(task.data))
    return str(value) if value else None


def took_part(connection: Connection, inst: RowMapping, username: str) -> bool:
    """Tell whether ``username`` started the item or holds or held one of its tasks."""
    if inst["initiator"] == username:
        return True
    return connection.execute(TOOK_PART, {"instance_id": inst["id"], "username": username}).first() \
        is not None


def lock_task(connection: Connection, task_id: str) -> RowMapping | None:
    """Return the task row locked for this transaction (None if unknown)."""
    return connection.execute(LOCK_TASK, {"task_id": task_id}).mappings().first()


def read_task(connection: Connection, task_id: str) -> RowMapping | None:
    return connection.execute(READ_TASK, {"task_id": task_id}).mappings().first()


def update_task(connection: Connection, task_id: str, **values: Any) -> None:
    connection.execute(UPDATE_TASK, {"b_task_id": task_id, **values})


def review_conflict(connection: Connection, row: RowMapping, username: str) -> str | None:
    """Return the name of another review stage ``username`` did on this item, if any."""
    if not row["review_stage"]:
        return None
    return connection.execute(REVIEW_CONFLICT, {
        "instance_id": row["instance_id"], "username": username,
        "spec_name": row["spec_name"]}).scalar()


def actionable(session: Session, username: str) -> list[Task]:
    """Return open tasks assigned to ``username`` and pool tasks of roles they hold."""
    roles = roles_of(session, username)
    query = select(Task).where(Task.status == "open", or_(
        Task.assignee == username,
        Task.pool.is_(True) & Task.assignee.is_(None) & Task.role.in_(roles),
    )).order_by(Task.created_at, Task.id)
    return list(session.scalars(query))
