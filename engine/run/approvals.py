"""Guards of every engine step: no end that means "approved" without its approvals,
and no runaway loop of automatic tasks.

A model declares what an end event means with the extension property
``requiredApprovals`` on the end event: the record labels (``recordLabel`` of
its review stages, the boxes of 附件1/附件2) that must each hold an approval.
When a step reaches such an end, the item's history must show, for every
label, that the latest completion of a review stage with that label approved
it, after the last return to the author (第十一条: 先审后发; no path around a
review).  Otherwise the step is refused and an incident is raised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select

from engine.base.errors import Refused
from engine.model import extensions
from engine.store.schema import Event

if TYPE_CHECKING:
    from engine.run.stepview import StepView

EVENTS = Event.__table__
COMPLETIONS = (select(EVENTS.c.task_spec, EVENTS.c.payload)
               .where(EVENTS.c.instance_id == bindparam("instance_id"),
                      EVENTS.c.type == "task_completed").order_by(EVENTS.c.seq))
#: Automatic tasks (gateways, scripts, events) one step may run before it is a runaway loop.
ENGINE_TASK_LIMIT = 2000
APPROVE, RETURN = "approve", "return"


class Incident(Refused):
    """A refusal that also raises an incident for an administrator to look at."""

    def __init__(self, message: str, kind: str, instance_id: int, **details: Any):
        super().__init__(message)
        self.kind, self.instance_id, self.details = kind, instance_id, details


def properties(spec) -> dict[str, str]:
    return extensions.of_spec(spec)


def required_approvals(spec) -> list[str]:
    """Return the record labels an end event declares it needs approved."""
    return extensions.read_spec(spec, "requiredApprovals")


class StepGuard:
    """Called after every automatic task of a step (SpiffWorkflow's ``did_complete_task``)."""

    def __init__(self, step: StepView):
        self.step, self.count = step, 0

    def __call__(self, task) -> None:
        self.count += 1
        if self.count > ENGINE_TASK_LIMIT:
            raise Incident(f"流程在一步内自动执行了超过 {ENGINE_TASK_LIMIT} 个环节，疑似无限循环；"
                           "本次操作未生效，已通知管理员。", "engine_loop",
                           self.step.inst["id"], element=task.task_spec.name)
        required = required_approvals(task.task_spec)
        if required:
            check_approvals(self.step, task, required)


def stage_labels(workflow_spec) -> dict[str, str]:
    """Return ``{review stage id: record label}`` of one process spec."""
    labels = {}
    for name, spec in workflow_spec.task_specs.items():
        props = properties(spec)
        if extensions.read(props, "reviewStage"):
            labels[name] = extensions.read(props, "recordLabel") or name
    return labels


def approved_labels(events: list[tuple[str | None, dict]], labels: dict[str, str]) -> set[str]:
    """Return the labels whose latest review approved, counting only since the last return."""
    approved: set[str] = set()
    for spec, payload in events:
        decision = payload.get("decision")
        if decision == RETURN:
            approved.clear()
        if spec in labels:
            (approved.add if decision == APPROVE else approved.discard)(labels[spec])
    return approved


def completions(step: StepView) -> list[tuple[str | None, dict]]:
    """Return ``(task spec, payload)`` of every completion of the item, this step's included."""
    stored = step.connection.execute(COMPLETIONS, {"instance_id": step.inst["id"]}).all()
    pending = [(e["task_spec"], e["payload"]) for e in step.history.pending
               if e["type"] == "task_completed"]
    return [(spec, payload) for spec, payload in stored] + pending


def check_approvals(step: StepView, task, required: list[str]) -> None:
    """Refuse the step unless the history approves every label ``required``."""
    approved = approved_labels(completions(step), stage_labels(task.workflow.spec))
    missing = [label for label in required if label not in approved]
    if missing:
        name = task.task_spec.bpmn_name or task.task_spec.name
        raise Incident(f"流程不能到达「{name}」：缺少审核环节的同意意见（{'、'.join(missing)}）。"
                       "本次操作未生效，已通知管理员。", "approvals_missing",
                       step.inst["id"], element=task.task_spec.name, missing=missing)
