"""One step of one instance: load it, run the workflow, store everything at once.

Every change to an instance — start, completion, a fired timer — is a
:class:`Step` inside one transaction.  The hot path uses SQLAlchemy Core
statements on the transaction's connection (the ORM's per-object overhead
cost more than the commit's fsync); an ORM :class:`Session` bound to the
same connection is created only when a role resolver or helper needs one.

Locks are always taken instance first, then its task and timer rows, so two
steps on one instance never deadlock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Connection, RowMapping, bindparam, insert, select, update
from sqlalchemy.orm import Session

from engine.audit.history import HistoryWriter
from engine.base.clock import FrozenClock
from engine.base.errors import Conflict, NotFound, Refused
from engine.model.budget import step_budget
from engine.notify import notifications
from engine.run import determinism
from engine.run.approvals import StepGuard
from engine.run.assignment import AssignmentError, InstanceFacts
from engine.run.context import RunContext, running
from engine.run.tasks import TASKS, new_task_row
from engine.run.timers import boundary_due, timer_due
from engine.store import state
from engine.store.optimistic import Stale, is_stale
from engine.store.schema import Instance, Timer

INSTANCES, TIMERS = Instance.__table__, Timer.__table__

# Statements built once: building a statement costs more than running it.
WAITING_TIMERS = select(TIMERS.c.task_id, TIMERS.c.id).where(
    TIMERS.c.instance_id == bindparam("instance_id"), TIMERS.c.status == "waiting")
LOCK_INSTANCE = (select(INSTANCES).where(INSTANCES.c.id == bindparam("instance_id"))
                 .with_for_update())
STORE_INSTANCE = update(INSTANCES).where(INSTANCES.c.id == bindparam("b_id"),
                                         INSTANCES.c.revision == bindparam("b_revision"))


@dataclass(frozen=True)
class Version:
    """What a step needs of a deployed model version; immutable, cached per process."""

    id: int
    key: str
    version: int
    forms: dict[str, Any]
    specs: tuple


def lock_instance(connection: Connection, instance_id: int) -> RowMapping:
    """Return the instance row, locked for this transaction."""
    row = connection.execute(LOCK_INSTANCE, {"instance_id": instance_id}).mappings().first()
    if row is None:
        raise NotFound(f"事项不存在: {instance_id}")
    return row


class Step:
    """A workflow being advanced inside one transaction."""

    def __init__(self, connection: Connection, inst: RowMapping | dict, version: Version,
                 workflow: BpmnWorkflow, now: datetime, actor: str | None):
        self.connection, self.inst, self.version = connection, dict(inst), version
        self.workflow, self.now, self.actor = workflow, now, actor
        #: The event that caused this step; it carries the state digest and recorded inputs.
        self.trigger: dict[str, Any] | None = None
        self.ctx = RunContext(lambda: self.session, inst["id"], FrozenClock(now), actor, [])
        self.history = HistoryWriter.resume(inst, version.id)
        ready, waiting = scan(workflow)
        self.ready_before, self.waiting_before = set(ready), waiting
        self.fired: list[str] = []
        self.opened: list[dict[str, Any]] = []
        #: tasks this step cancelled (a fired timer's escalation takes them away)
        self.cancelled: list[dict[str, Any]] = []
        #: What moved the instance: the decision and comment of a completion.
        self.decision: str | None = None
        self.comment: str | None = None
        self.done: set[str] = set()
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        """An ORM session in this step's transaction, for resolvers and helpers."""
        if self._session is None:
            self._session = Session(bind=self.connection)
        return self._session

    @property
    def facts(self) -> InstanceFacts:
        return InstanceFacts(self.inst["initiator"], self.inst["department_id"])

    def run(self, action) -> None:
        """Run ``action`` (a task's ``run`` or the timers' refresh), then the engine steps."""
        self.ctx.events = self.history.pending
        try:
            with running(self.ctx), determinism.step(self.workflow.shenfa_ids, self.now), \
                    step_budget():
                action()
                self.workflow.do_engine_steps(did_complete_task=StepGuard(self))
        except SpiffWorkflowException as err:
            raise refusal(err) from None
        self.inst.update(self.ctx.item)

    def finish(self) -> None:
        """Mirror tasks and timers, write the history, store the new state."""
        if self._session is not None:
            self._session.flush()  # what helpers wrote, inside this transaction
        now = self.now
        ready, waiting = scan(self.workflow)
        due_times = self._sync_timers(waiting, now)
        try:
            self._sync_tasks(ready, now, due_times)
        except AssignmentError as err:
            raise Refused(str(err)) from None
        self._notify(now)
        if self.workflow.is_completed() and self.inst["status"] == "running":
            self.inst.update(status="completed", ended_at=now)
            self.history.append("instance_completed", now, self.actor)
        text = state.dump(self.workflow)
        if self.trigger is not None:
            self.trigger["payload"]["state_digest"] = state.digest(text)
            self.trigger["payload"]["digest_scheme"] = state.DIGEST_SCHEME
            if self.ctx.recorded:
                self.trigger["payload"]["inputs"] = self.ctx.recorded
        self.history.write(self.connection)
        self._store(text)
        if self._session is not None:
            self._session.close()

    def _sync_tasks(self, ready: dict, now: datetime, due_times: dict[str, datetime]) -> None:
        gone = self.ready_before - set(ready) - self.done
        if gone:
            self._cancel(gone, now)
        rows = []
        for task_id in sorted(set(ready) - self.ready_before, key=lambda i: ready[i].task_spec.name):
            row = new_task_row(self, ready[task_id], now)
            row["due_at"] = boundary_due(ready[task_id], due_times)
            rows.append(row)
        if rows:
            self.connection.execute(insert(TASKS), rows)
        self.opened = rows

    def _notify(self, now: datetime) -> None:
        """Tell the people of newly opened tasks: escalation, returned, or a new task."""
        for task in self.opened:
            if self.fired:
                kind, note = "escalation", "原办理时限已过，请督办。"
            elif self.decision not in (None, "approve") and task["assignee"]:
                kind, note = "task_returned", f"退回意见：{self.comment or ''}"
            else:
                kind, note = "task_opened", ""
            notifications.write(self.connection, notifications.task_messages(
                self.connection, [task], kind, self.inst["title"], now, note, self.actor),
                self.history.pending)
        if self.fired and self.cancelled:  # their task went to 督办: say so, do not just drop it
            notifications.write(self.connection, notifications.escalated_messages(
                self.connection, self.cancelled, self.opened, self.inst["title"], now),
                self.history.pending)

    def _cancel(self, task_ids: set[str], now: datetime) -> None:
        rows = self.connection.execute(
            update(TASKS).where(TASKS.c.id.in_(task_ids), TASKS.c.status == "open")
            .values(status="cancelled").returning(TASKS.c.id, TASKS.c.role, TASKS.c.spec_name,
                                                  TASKS.c.name, TASKS.c.assignee, TASKS.c.due_at,
                                                  TASKS.c.instance_id)).all()
        rows = sorted(rows, key=lambda r: r[2])
        for task_id, role, spec, *_rest in rows:
            self.history.append("task_cancelled", now, None, role, task_id, spec)
        self.cancelled = [dict(r._mapping) for r in rows]

    def _sync_timers(self, waiting: dict, now: datetime) -> dict[str, datetime]:
        if not waiting and not self.waiting_before:
            return {}
        known = dict(self.connection.execute(WAITING_TIMERS, {"instance_id": self.inst["id"]}).all())
        for task_id in sorted(set(self.waiting_before) - set(waiting),
                              key=lambda i: self.waiting_before[i][1]):
            self._timer_ended(task_id, known.get(task_id), now)
        new = [{"instance_id": self.inst["id"], "task_id": task_id,
                "spec_name": task.task_spec.name, "due_at": due, "status": "waiting",
                "name": task.task_spec.bpmn_name or task.task_spec.name, "attempts": 0}
               for task_id, (task, due) in waiting.items() if task_id not in known]
        if new:
            self.connection.execute(insert(TIMERS), new)
        return {task_id: due for task_id, (_task, due) in waiting.items()}

    def _timer_ended(self, task_id: str, timer_id: int | None, now: datetime) -> None:
        """Record a timer that stopped waiting: fired (its path ran) or cancelled with its activity."""
        task, due = self.waiting_before[task_id]
        fired = not task.has_state(TaskState.CANCELLED)
        if timer_id is not None:
            self.connection.execute(update(TIMERS).where(TIMERS.c.id == timer_id).values(
                status="fired" if fired else "done", fired_at=now if fired else None))
        if fired:
            self.fired.append(task_id)
            event = self.history.append(
                "timer_fired", now, None, None, task_id, task.task_spec.name,
                task_name=task.task_spec.bpmn_name or task.task_spec.name, due_at=due.isoformat(),
                process=task.workflow.spec.name)
            self.trigger = self.trigger or event

    def _store(self, text: str) -> None:
        inst = self.inst
        result = self.connection.execute(STORE_INSTANCE, {
            "b_id": inst["id"], "b_revision": inst["revision"],
            "state": text, "state_version": state.STATE_VERSION,
            "revision": inst["revision"] + 1, "status": inst["status"],
            "ended_at": inst["ended_at"], "title": inst["title"],
            "department_id": inst["department_id"], "account_id": inst["account_id"],
            "model_version_id": self.version.id, **self.history.stored_head()})
        if result.rowcount != 1:
            raise Conflict("事项已被他人同时修改，请刷新后重试。")
        inst["revision"] += 1


def refusal(err: SpiffWorkflowException) -> Exception:
    """Pass on a helper's own refusal; describe any other workflow error."""
    cause = err.__cause__ or err.__context__
    if isinstance(cause, Refused):
        return cause
    if cause is not None and is_stale(cause):
        return Stale()  # a helper's write met another writer: the step is retried
    return Refused(f"流程执行出错: {err}")


def scan(workflow: BpmnWorkflow) -> tuple[dict[str, Any], dict[str, tuple[Any, datetime]]]:
    """Return the ready user tasks and the waiting timers, in one walk of the task tree."""
    ready, waiting = {}, {}
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        if task.state == TaskState.READY:
            if task.task_spec.manual:
                ready[str(task.id)] = task
        else:
            due = timer_due(task)
            if due is not None:
                waiting[str(task.id)] = (task, due)
    return ready, waiting
