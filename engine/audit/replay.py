"""Verified replay: rebuild an instance from its history alone and compare.

Each event that moved an instance (``instance_started``, ``task_completed``,
the first ``timer_fired`` of a step) carries the digest of the state it led
to, the seed of the instance's task ids and the results of recorded helpers.
Replaying re-executes those events against the pinned model version with the
same instants, ids and recorded inputs, checks every digest on the way, and
finally compares the rebuilt state with the stored one.

Each event names the scheme of its digest (``digest_scheme``; none means 1),
and :data:`DIGESTS` keeps every scheme ever used, so a new scheme never turns
honest old history into a false alarm.  Scheme 2 hashes the canonical state
text (``engine.state``), which does not depend on how the step was run.
Scheme 1 hashed the text as then stored, whose key order depended on whether
the engine had reloaded the workflow before the step; a scheme-1 event is
therefore accepted when either way of running it (continuing the replayed
workflow, or reloading it from its text first) reproduces the digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.audit.chain import verify_chain
from engine.audit.history import events_of
from engine.base.clock import FrozenClock
from engine.run import determinism
from engine.run.context import RunContext, running
from engine.run.determinism import IdSequence
from engine.run.schedules import choose_start
from engine.store import state
from engine.store.schema import Event, Instance


class Diverged(Exception):
    """Replay could not follow the history: the message says why."""

    seq: int | None = None  # the event it diverged at, once known


@dataclass
class Verdict:
    """The outcome of a verified replay."""

    instance_id: int
    ok: bool
    events: int
    steps: int
    diverged_at: int | None = None
    message: str = "重放结果与存储状态一致。"

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _canonical_digest(workflow: BpmnWorkflow) -> str:
    """Scheme 2: SHA-256 of the canonical state text."""
    return state.digest(state.dump(workflow))


def _legacy_digest(workflow: BpmnWorkflow) -> str:
    """Scheme 1: SHA-256 of the text as stored before canonical states."""
    return hashlib.sha256(state.legacy_dump(workflow).encode()).hexdigest()


#: Every state digest scheme ever recorded, by the number events carry.
DIGESTS: dict[int, Callable[[BpmnWorkflow], str]] = {1: _legacy_digest, 2: _canonical_digest}


def scheme_of(event: Event) -> int:
    """Return the digest scheme of ``event`` (events before schemes were named used 1)."""
    return int(event.payload.get("digest_scheme", 1))


def _run(workflow: BpmnWorkflow, event: Event, action: Callable[[], None]) -> None:
    ctx = RunContext(None, event.instance_id, FrozenClock(event.at), event.actor,
                     list(event.payload.get("inputs", [])), replaying=True)
    with running(ctx), determinism.step(workflow.shenfa_ids, event.at):
        action()
        workflow.do_engine_steps()
    if ctx.recorded:
        raise Diverged(f"记录的输入未被用尽: {ctx.recorded}")


def _started(workflow: BpmnWorkflow | None, event: Event, source: Source) -> BpmnWorkflow:
    if "seed" not in event.payload:
        raise Diverged("该事项早于可重放的记录格式（无任务编号种子）。")
    workflow = state.new_workflow(source.specs, IdSequence(event.payload["seed"]), event.at)
    workflow.task_tree.data.update(event.payload.get("data", {}))
    _run(workflow, event, lambda: choose_start(workflow, event.payload.get("start_event")))
    return workflow


def _completed(workflow: BpmnWorkflow, event: Event, source: Source) -> BpmnWorkflow:
    task = workflow.get_task_from_id(UUID(event.task_id))
    if task is None or task.state != TaskState.READY:
        raise Diverged(f"任务 {event.task_spec} 在重放时不处于可办理状态。")
    task.data.update(event.payload.get("data", {}))
    _run(workflow, event, task.run)
    return workflow


def _timer(workflow: BpmnWorkflow, event: Event, source: Source) -> BpmnWorkflow:
    _run(workflow, event, workflow.refresh_timers)
    return workflow


def _migrated(workflow: BpmnWorkflow, event: Event, source: Source) -> BpmnWorkflow:
    from engine.run.migration import apply

    target = source.versions(event.payload["to_version_id"])
    _run(workflow, event, lambda: apply(workflow, target))
    return workflow


@dataclass
class Source:
    """What replay reads besides the events: the first version's specs, and any version."""

    specs: tuple
    versions: Callable[[int], Any]


#: What re-executes each kind of event that moves an instance.
ACTIONS: dict[str, Callable[[BpmnWorkflow | None, Event, Source], BpmnWorkflow]] = {
    "instance_started": _started,
    "task_completed": _completed,
    "timer_fired": _timer,
    "migrated": _migrated,
}


#: How many ways of having run a scheme-1 history are followed at once.
MAX_CANDIDATES = 8


def replay_events(events: list[Event], source: Source) -> tuple[BpmnWorkflow | None, int]:
    """Re-execute ``events``; return the rebuilt workflow and how many steps ran.

    Raise :class:`Diverged` (with ``seq``) at the first event that does not follow.
    """
    candidates: list[BpmnWorkflow | None] = [None]
    steps = 0
    for event in events:
        if event.payload.get("state_digest") is None:
            continue  # claims, task rows, later timers of the same step: no state change
        if scheme_of(event) not in DIGESTS:
            raise _at(event, f"未知的状态摘要方案: {scheme_of(event)}")
        candidates = _replay_step(candidates, event, source)
        steps += 1
    return candidates[0], steps


def _replay_step(candidates: list, event: Event, source: Source) -> list[BpmnWorkflow]:
    """Re-execute one event and keep the results whose digest matches the recorded one."""
    digest, check = event.payload["state_digest"], DIGESTS[scheme_of(event)]
    if scheme_of(event) != 1:
        result = _execute(candidates[0], event, source)
        if check(result) != digest:
            raise _at(event, "重放后的流程状态与该事件记录的状态摘要不一致。")
        return [result]
    kept: dict[str, BpmnWorkflow] = {}
    failure = _at(event, "重放后的流程状态与该事件记录的状态摘要不一致。")
    for workflow in candidates:
        for run in _both_ways(workflow):
            try:
                result = _execute(run(), event, source)
            except Diverged as err:
                failure = err
                continue
            if check(result) == digest:
                kept.setdefault(state.raw_dump(result), result)
    if not kept:
        raise failure
    return list(kept.values())[:MAX_CANDIDATES]


def _both_ways(workflow: BpmnWorkflow | None) -> list[Callable[[], BpmnWorkflow | None]]:
    """Return the workflow as it is and as reloaded from its stored text (thunks, reload first).

    Scheme 1 hashed the stored text, whose key order depended on which of the
    two the live engine did before this step.  The reload is built before the
    workflow itself is run on.
    """
    if workflow is None:
        return [lambda: None]
    before, specs = state.legacy_dump(workflow), (workflow.spec, workflow.subprocess_specs)
    return [lambda: state.load(before, state.LEGACY_STATE_VERSION, specs), lambda: workflow]


def _execute(workflow: BpmnWorkflow | None, event: Event, source: Source) -> BpmnWorkflow:
    try:
        return ACTIONS[event.type](workflow, event, source)
    except Diverged as err:
        err.seq = event.seq
        raise
    except Exception as err:  # noqa: BLE001 - any failure to re-execute is a divergence
        raise _at(event, f"重放执行失败: {type(err).__name__}: {err}") from None


def _at(event: Event, message: str) -> Diverged:
    err = Diverged(message)
    err.seq = event.seq
    return err


def _final_text(workflow: BpmnWorkflow, events: list[Event]) -> str:
    """Return the rebuilt state as the last step stored it: scheme-1 steps stored it uncompacted."""
    moved = [e for e in events if e.payload.get("state_digest") is not None]
    if moved and scheme_of(moved[-1]) == 1:
        return state.canonical_text(state.legacy_dump(workflow))
    return state.dump(workflow)


def verify_instance(engine, instance_id: int) -> Verdict:
    """Check ``instance_id``'s hash chain, replay it from nothing and compare with what is stored."""
    with engine.db.reading() as session:
        inst = session.get(Instance, instance_id)
        if inst is None:
            from engine.base.errors import NotFound

            raise NotFound(f"事项不存在: {instance_id}")
        events = events_of(session, instance_id)
        stored = inst.state
        broken = verify_chain(session, instance_id)
    if broken:
        return Verdict(instance_id, False, len(events), 0, broken[0].seq,
                       f"历史哈希链校验未通过：{broken[0].message}")
    first = events[0].model_version_id if events else inst.model_version_id
    try:
        workflow, steps = replay_events(events, Source(engine.version(first).specs, engine.version))
    except Diverged as err:
        return Verdict(instance_id, False, len(events), 0, getattr(err, "seq", None), str(err))
    if workflow is None or _final_text(workflow, events) != state.canonical_text(stored):
        last = events[-1].seq if events else None
        return Verdict(instance_id, False, len(events), steps, last,
                       "历史重放完成，但结果与数据库中存储的状态不一致。")
    return Verdict(instance_id, True, len(events), steps)
