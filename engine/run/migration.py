"""Moving running items from one version of a model to another.

Built on SpiffWorkflow's spec diff: an item is migratable when every task it
has — open or finished — sits on an element the new version still has
(matched by id).  A dry run lists each item as migratable or not, and why;
migrating is one transaction per item, records a ``migrated`` event (which
verified replay re-executes), and leaves unmigratable items untouched.
Open tasks are re-opened on the new version (their names, forms and roles
may have changed); waiting timers keep their due times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, select

from engine.base.errors import Conflict, NotFound, Refused
from engine.model import extensions
from engine.model.deployment import current_version
from engine.org.anonymity import covered
from engine.run import determinism
from engine.run.determinism import IdSequence
from engine.run.step import Version, lock_instance
from engine.run.tasks import TASKS
from engine.store import state
from engine.store.schema import Instance, ModelVersion

STATE_NAMES = {TaskState.READY: "办理中", TaskState.WAITING: "等待中", TaskState.COMPLETED: "已完成",
               TaskState.CANCELLED: "已取消", TaskState.STARTED: "办理中", TaskState.ERROR: "出错"}


@dataclass
class Check:
    """Whether one item can move to the new version, and why not."""

    instance_id: int
    title: str
    migratable: bool = True
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def diff(workflow: BpmnWorkflow, target: Version):
    """Return SpiffWorkflow's diff of ``workflow`` against ``target`` (top, subprocesses)."""
    spec, dependencies = target.specs
    return diff_workflow(state.REGISTRY, workflow, spec, dependencies)


def check(workflow: BpmnWorkflow, target: Version, inst_id: int, title: str,
          old_forms: dict) -> Check:
    """Decide whether ``workflow`` can move to ``target`` by migrating a throwaway copy."""
    result = Check(inst_id, title)
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        form = extensions.read_spec(task.task_spec, "formName")
        if form and old_forms.get(form) != target.forms.get(form):
            result.warnings.append(f"「{task.task_spec.bpmn_name}」的表单已变更，办理人将看到新表单")
    trial = state.load(state.dump(workflow), state.STATE_VERSION, _specs_of(workflow))
    with determinism.step(IdSequence("trial"), datetime.now(UTC)):
        apply(trial, target)
    known = {id(spec) for spec in _all_specs(target)}
    for task in trial.get_tasks():
        if id(task.task_spec) not in known:
            name = task.task_spec.bpmn_name or task.task_spec.name
            result.reasons.append(
                f"「{name}」（{STATE_NAMES.get(task.state, '已预测')}）在新版本中已删除")
    result.migratable = not result.reasons
    return result


def _specs_of(workflow: BpmnWorkflow) -> tuple:
    return workflow.spec, workflow.subprocess_specs


def _all_specs(target: Version):
    spec, dependencies = target.specs
    for process in [spec, *dependencies.values()]:
        yield from process.task_specs.values()


def apply(workflow: BpmnWorkflow, target: Version) -> None:
    """Move ``workflow`` onto ``target``'s specs (call inside a step: new tasks get ids)."""
    spec, dependencies = target.specs
    top, subs = diff(workflow, target)
    migrate_workflow(top, workflow, spec, reset_mask=TaskState.READY)
    for sp_id, sp_diff in subs.items():
        sub = workflow.subprocesses[sp_id]
        migrate_workflow(sp_diff, sub, dependencies[sub.spec.name], reset_mask=TaskState.READY)
    workflow.subprocess_specs = dependencies


class Migrator:
    """Dry-runs and runs migrations of one model's items between two versions."""

    def __init__(self, engine, model_key: str, from_version: int, to_version: int | None = None):
        self.engine = engine
        with engine.db.reading() as session:
            self.source = self._version(session, model_key, from_version)
            target = to_version or current_version(session, model_key).version
            self.target = self._version(session, model_key, target)
        if self.target.version <= self.source.version:
            raise Refused("只能迁移到更新的版本。")

    def _version(self, session, key: str, number: int) -> Version:
        row = session.scalar(select(ModelVersion).where(ModelVersion.model_key == key,
                                                        ModelVersion.version == number))
        if row is None:
            raise NotFound(f"模型 {key} 没有版本 {number}")
        return self.engine.version(row.id)

    def items(self) -> list[tuple[int, str]]:
        with self.engine.db.reading() as session:
            rows = session.execute(select(Instance.id, Instance.title).where(
                Instance.model_version_id == self.source.id, Instance.status == "running")
                .order_by(Instance.id)).all()
            return [(i, covered(session, i, title)) for i, title in rows]  # 第十九条

    def dry_run(self) -> list[Check]:
        """Check every running item on the source version; change nothing."""
        checks = []
        for instance_id, title in self.items():
            with self.engine.db.reading() as session:
                inst = session.get(Instance, instance_id)
                workflow = state.load(inst.state, inst.state_version, self.source.specs)
            checks.append(check(workflow, self.target, instance_id, title, self.source.forms))
        return checks

    def run(self, actor: str | None, progress: Callable[[Check], None] = lambda c: None) -> list[Check]:
        """Migrate every migratable item, each in its own transaction; resumable."""
        done = []
        for instance_id, _title in self.items():
            result = self.migrate(instance_id, actor)
            progress(result)
            done.append(result)
        return done

    def migrate(self, instance_id: int, actor: str | None) -> Check:
        """Move one item, or leave it untouched and say why."""
        engine = self.engine
        with engine.transaction() as conn:
            inst = lock_instance(conn, instance_id)
            if inst["model_version_id"] != self.source.id or inst["status"] != "running":
                raise Conflict(f"事项 #{instance_id} 已不在版本 {self.source.version} 上运行。")
            step = engine.open_step(conn, inst, self.source, actor)
            title = covered(step.session, instance_id, inst["title"])  # 第十九条: run as dry run
            result = check(step.workflow, self.target, instance_id, title, self.source.forms)
            if not result.migratable:
                return result
            step.version = self.target
            step.history.model_version_id = self.target.id
            step.trigger = step.history.append(
                "migrated", step.now, actor, "process_designer", from_version=self.source.version,
                to_version=self.target.version, to_version_id=self.target.id,
                warnings=result.warnings)
            # Open rows are the inbox's view of ready tasks, not history: they are
            # withdrawn here and opened afresh (same ids, new names/forms/roles).
            conn.execute(delete(TASKS).where(TASKS.c.instance_id == instance_id,
                                             TASKS.c.status == "open"))
            for task_id in sorted(step.ready_before):
                step.history.append("task_cancelled", step.now, None, None, task_id, None,
                                    reason="迁移到新版本后重新生成")
            step.ready_before = set()
            step.run(lambda: apply(step.workflow, self.target))
            engine.finish(step)
        return result
