"""Running instances: start, claim, unclaim, complete — each one transaction.

Completing a task validates the form, runs the workflow, stores the new
state, the task rows and the history event together, or changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update
from sqlalchemy.orm import Session, object_session

from . import state
from .assignment import AssignmentError, InstanceFacts, holds_role
from .clock import Clock
from .context import RunContext, running
from .deployment import Deployed, called_xml, deploy, latest_version, load_directory
from .errors import Conflict, Invalid, NotAllowed, NotFound, Refused
from .forms import FormInvalid, validate_submission
from .history import HistoryWriter
from .persistence import Database
from .schema import Instance, ModelVersion, Task, Timer, User
from .tasks import review_conflict, sync_tasks
from .timers import due_timers, install_clock, sync_timers

install_clock()
MAX_TIMER_ATTEMPTS = 5

START_FORM = "formName"


class Engine:
    """The operations every front end (CLI, web, API) calls."""

    def __init__(self, db: Database, clock: Clock | None = None):
        self.db = db
        self.clock = clock or Clock()
        self.specs = state.SpecCache()
        self._live: dict[int, tuple[int, BpmnWorkflow]] = {}

    # -- models -------------------------------------------------------------

    def deploy_directory(self, processes: Path, forms: Path, by: str | None = None,
                         note: str | None = None) -> list[Deployed]:
        """Check and deploy every model in ``processes``; all or nothing."""
        models = load_directory(processes, forms)
        with self.db.transaction() as session:
            return [deploy(session, m, self.clock.now(), by, note) for m in models]

    # -- instances ------------------------------------------------------------

    def start(self, model_key: str, username: str, data: dict | None = None,
              department_id: int | None = None) -> int:
        """Start the latest version of ``model_key`` as ``username``; return its id."""
        with self.db.transaction() as session:
            user = self._user(session, username)
            version = latest_version(session, model_key)
            if version is None:
                raise NotFound(f"流程不存在或未部署: {model_key}")
            workflow = state.new_workflow(self._specs(version))
            clean = self._validate(version, _start_form(workflow), data or {})
            inst = Instance(model_version_id=version.id, model_key=model_key,
                            title=str(clean.get("title", ""))[:300], initiator=username,
                            department_id=department_id or user.department_id,
                            started_at=self.clock.now(), state="", state_version="")
            session.add(inst)
            session.flush()
            history = HistoryWriter(session, inst.id, version.id)
            history.append("instance_started", inst.started_at, username, "initiator",
                           data=clean, department_id=inst.department_id,
                           model_key=model_key, model_version=version.version)
            workflow.task_tree.data.update(clean)
            self._advance(session, inst, workflow, history, username, first=True)
            return inst.id

    def claim(self, task_id: str, username: str) -> None:
        """Take a pool task for ``username``, who must hold its role."""
        with self.db.transaction() as session:
            row = self._task_for_update(session, task_id)
            if not row.pool:
                raise NotAllowed("此任务不是公共待认领任务。")
            if row.assignee is not None:
                raise Conflict(f"此任务已被 {row.assignee} 认领。")
            if not holds_role(session, username, row.role):
                raise NotAllowed("您不具有认领此任务所需的角色。")
            self._check_separation(session, row, username)
            row.assignee = username
            self._history(session, row).append(
                "task_claimed", self.clock.now(), username, row.role, row.id, row.spec_name)

    def unclaim(self, task_id: str, username: str) -> None:
        """Return a claimed pool task to its queue."""
        with self.db.transaction() as session:
            row = self._task_for_update(session, task_id)
            if not row.pool or row.assignee != username:
                raise NotAllowed("只能退回自己认领的公共任务。")
            row.assignee = None
            self._history(session, row).append(
                "task_unclaimed", self.clock.now(), username, row.role, row.id, row.spec_name)

    def save_draft(self, task_id: str, username: str, data: dict) -> None:
        """Keep unfinished form input on the task without validating or completing it."""
        with self.db.transaction() as session:
            row = self._task_for_update(session, task_id)
            self._check_may_complete(session, row, username)
            row.draft = dict(data)

    def complete(self, task_id: str, username: str, data: dict) -> None:
        """Complete ``task_id`` as ``username`` with form ``data``; all or nothing."""
        try:
            with self.db.transaction() as session:
                self._complete(session, task_id, username, data)
        except BaseException:
            self._live.clear()
            raise

    def _complete(self, session: Session, task_id: str, username: str, data: dict) -> None:
        row = self._task_for_update(session, task_id)
        self._check_may_complete(session, row, username)
        inst = self._instance_for_update(session, row.instance_id)
        version = session.get(ModelVersion, inst.model_version_id)
        clean = self._validate(version, row.form_name, data)
        workflow = self._workflow(inst, version)
        task = workflow.get_task_from_id(UUID(task_id))
        if task is None or task.state != TaskState.READY:
            raise Conflict("此任务已不处于可办理状态。")
        history = HistoryWriter(session, inst.id, version.id)
        now = self.clock.now()
        history.append("task_completed", now, username, row.role, row.id, row.spec_name,
                       data=clean, decision=clean.get("decision"), comment=clean.get("comment"),
                       task_name=row.name, review_stage=row.review_stage)
        row.status, row.completed_by, row.completed_at, row.draft = "completed", username, now, None
        task.data.update(clean)
        if clean.get("title"):
            inst.title = str(clean["title"])[:300]
        try:
            with self._running(session, inst, username, history):
                task.run()
        except SpiffWorkflowException as err:
            raise _refusal(err) from None
        self._advance(session, inst, workflow, history, username)

    # -- timers ---------------------------------------------------------------

    def fire_due_timers(self, batch: int = 100) -> int:
        """Fire every timer due by the clock, oldest first, each in its own transaction."""
        with self.db.transaction() as session:
            due = [t.id for t in due_timers(session, self.clock.now(), batch, False)]
        return sum(self._fire(timer_id) for timer_id in due)

    def _fire(self, timer_id: int) -> bool:
        try:
            with self.db.transaction() as session:
                return self._fire_in(session, timer_id)
        except Exception as err:  # noqa: BLE001 - any failure is retried, then raised
            self._live.clear()
            self._timer_failed(timer_id, err)
            return False

    def _fire_in(self, session: Session, timer_id: int) -> bool:
        timer = session.scalar(select(Timer).where(Timer.id == timer_id, Timer.status == "waiting")
                               .with_for_update(skip_locked=True))
        if timer is None:
            return False
        inst = self._instance_for_update(session, timer.instance_id)
        version = session.get(ModelVersion, inst.model_version_id)
        workflow = self._workflow(inst, version)
        history = HistoryWriter(session, inst.id, version.id)
        now = self.clock.now()
        with self._running(session, inst, None):
            workflow.refresh_timers()
        if str(timer.task_id) in {str(t) for t in _waiting_ids(workflow)}:
            return False
        timer.status, timer.fired_at = "fired", now
        history.append("timer_fired", now, None, None, timer.task_id, timer.spec_name,
                       task_name=timer.name, due_at=timer.due_at.isoformat())
        self._advance(session, inst, workflow, history, None)
        return True

    def _timer_failed(self, timer_id: int, err: Exception) -> None:
        with self.db.transaction() as session:
            timer = session.get(Timer, timer_id)
            timer.attempts += 1
            timer.last_error = f"{type(err).__name__}: {err}"[:2000]
            delay = min(2 ** timer.attempts, 300)
            timer.not_before = self.clock.now() + timedelta(seconds=delay)
            if timer.attempts >= MAX_TIMER_ATTEMPTS:
                timer.status = "failed"
                inst = session.get(Instance, timer.instance_id)
                HistoryWriter(session, inst.id, inst.model_version_id).append(
                    "timer_failed", self.clock.now(), None, None, timer.task_id, timer.spec_name,
                    task_name=timer.name, error=timer.last_error, attempts=timer.attempts)

    # -- internals ------------------------------------------------------------

    def _advance(self, session: Session, inst: Instance, workflow: BpmnWorkflow,
                 history: HistoryWriter, actor: str, first: bool = False) -> None:
        try:
            with self._running(session, inst, actor, history):
                workflow.do_engine_steps()
        except SpiffWorkflowException as err:
            raise _refusal(err) from None
        facts = InstanceFacts(inst.initiator, inst.department_id)
        due_times = sync_timers(session, inst.id, workflow)
        try:
            sync_tasks(session, inst, workflow, facts, history, self.clock.now(), due_times)
        except AssignmentError as err:
            raise Refused(str(err)) from None
        if workflow.is_completed() and inst.status == "running":
            inst.status, inst.ended_at = "completed", self.clock.now()
            history.append("instance_completed", inst.ended_at, actor)
        self._store(session, inst, workflow, first)

    def _store(self, session: Session, inst: Instance, workflow: BpmnWorkflow,
               first: bool) -> None:
        text = state.dump(workflow)
        if first:
            inst.state, inst.state_version = text, state.STATE_VERSION
            session.flush()
            return
        result = session.execute(
            update(Instance).where(Instance.id == inst.id, Instance.revision == inst.revision)
            .values(state=text, state_version=state.STATE_VERSION, revision=inst.revision + 1,
                    status=inst.status, ended_at=inst.ended_at, title=inst.title)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise Conflict("事项已被他人同时修改，请刷新后重试。")
        inst.revision += 1
        self._live[inst.id] = (inst.revision, workflow)

    @contextmanager
    def _running(self, session: Session, inst: Instance, actor: str | None,
                 history: HistoryWriter | None = None) -> Iterator[RunContext]:
        """Run with helpers' context; keep what they read for replay in the history."""
        ctx = RunContext(session, inst.id, self.clock, actor, [])
        with running(ctx):
            yield ctx
        if ctx.recorded and history is not None:
            history.append("inputs_recorded", self.clock.now(), actor, inputs=ctx.recorded)

    def _workflow(self, inst: Instance, version: ModelVersion) -> BpmnWorkflow:
        cached = self._live.pop(inst.id, None)
        if cached is not None and cached[0] == inst.revision:
            return cached[1]
        return state.load(inst.state, inst.state_version, self._specs(version))

    def _specs(self, version: ModelVersion) -> tuple:
        return self.specs.get(version.id, lambda: version.bpmn_xml,
                              lambda: called_xml(object_session(version), version.id))

    def _validate(self, version: ModelVersion, form_name: str | None, data: Any) -> dict:
        if form_name is None:
            return {} if not data else self._no_form(data)
        try:
            return validate_submission(version.forms[form_name], data)
        except FormInvalid as err:
            raise Invalid("表单校验未通过，请修改标出的字段。", err.errors) from None

    @staticmethod
    def _no_form(data: Any) -> dict:
        if not isinstance(data, dict):
            raise Invalid("提交的数据必须是一个对象。")
        raise Invalid("此流程的发起不需要填写数据。", {"_schema": ["此流程没有发起表单。"]})

    def _user(self, session: Session, username: str) -> User:
        user = session.get(User, username)
        if user is None or not user.active:
            raise NotAllowed(f"用户不存在或已停用: {username}")
        return user

    def _task_for_update(self, session: Session, task_id: str) -> Task:
        row = session.scalar(select(Task).where(Task.id == task_id).with_for_update())
        if row is None:
            raise NotFound(f"任务不存在: {task_id}")
        if row.status != "open":
            who = f"（由 {row.completed_by} 办理）" if row.completed_by else ""
            raise Conflict(f"此任务已办结或已取消{who}。")
        return row

    def _instance_for_update(self, session: Session, instance_id: int) -> Instance:
        return session.scalar(select(Instance).where(Instance.id == instance_id)
                              .with_for_update())

    def _check_may_complete(self, session: Session, row: Task, username: str) -> None:
        self._user(session, username)
        if row.pool and row.assignee is None:
            raise NotAllowed("请先认领此任务再办理。")
        if row.assignee != username:
            raise NotAllowed("此任务不属于您。")
        self._check_separation(session, row, username)

    def _check_separation(self, session: Session, row: Task, username: str) -> None:
        other = review_conflict(session, row, username)
        if other:
            raise NotAllowed(
                f"按三审制度，同一人不得承担同一事项的两个审核环节：您已办理「{other}」，"
                f"不能再办理「{row.name}」。")

    def _history(self, session: Session, row: Task) -> HistoryWriter:
        inst = session.get(Instance, row.instance_id)
        return HistoryWriter(session, inst.id, inst.model_version_id)


def _refusal(err: SpiffWorkflowException) -> Refused:
    """Pass on a helper's own refusal; describe any other workflow error."""
    cause = err.__cause__ or err.__context__
    if isinstance(cause, Refused):
        return cause
    return Refused(f"流程执行出错: {err}")


def _waiting_ids(workflow: BpmnWorkflow) -> list[UUID]:
    return [t.id for t in workflow.get_tasks(state=TaskState.WAITING)]


def _start_form(workflow: BpmnWorkflow) -> str | None:
    start = workflow.spec.start
    for spec in [start, *start.outputs]:
        props = getattr(spec, "extensions", {}).get("properties", {})
        if START_FORM in props:
            return props[START_FORM]
    return None
