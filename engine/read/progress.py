"""Where an item stands: a 钉钉-style progress line of its stages (拟稿 → 审稿 → 核稿 → 签发).

A read model built from the item's history and its pinned model version (and
the models it calls, e.g. ``three_review`` called from ``post_review``):

* the *outline* of each model: its user tasks grouped into slots by how many
  user tasks lie before them on the shortest path from the start event
  (alternatives and parallel branches share a slot), each marked *main* when
  the default path (default flows at exclusive gateways, every branch of a
  parallel one) passes through it;
* the *path taken*: the called models the item entered, in order, read from
  the stored workflow state's subprocesses (exact where ids alone are not:
  ``three_review`` and ``four_review`` share their first four element ids);
* per stage, from the history events: who did it and when, who holds it now,
  or that it waits in a role's queue.  A return (第十一条: any stage may return
  the draft to its author) starts the later stages afresh.

A slot shows the stages the item reached; otherwise its main-path stage; a
slot with neither (an optional branch such as 专家评议) is left out.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy.orm import Session

from engine.audit.history import events_of
from engine.base.errors import NotFound
from engine.model.deployment import called_xml
from engine.model.namespaces import BPMN_TAG as BPMN
from engine.model.trees import tree_of
from engine.org.people import display_names
from engine.read.inbox import iso
from engine.run.assignment import ROLE_TITLES, role_of_lane
from engine.store.schema import Account, Event, Instance, ModelVersion

GATEWAYS = ("exclusiveGateway", "inclusiveGateway", "eventBasedGateway")
RETURNS = {"return", "reject"}
BOUNDARY = "boundary:"  # marks a boundary event's node: off the default path


@dataclass(frozen=True)
class Stage:
    """One user task of a model as the progress line knows it."""

    spec: str
    name: str
    role: str
    depth: int
    main: bool


@dataclass(frozen=True)
class Outline:
    """The stages of one model, and the names of the call activities it holds."""

    name: str
    stages: tuple[Stage, ...]
    calls: dict[str, str]  # called model key -> call activity name
    targets: dict[str, list[str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    starts: tuple[str, ...] = ()

    def stage(self, spec: str) -> Stage | None:
        return next((s for s in self.stages if s.spec == spec), None)


_OUTLINES: dict[tuple[int, str], Outline] = {}


def outline_of(xml: str) -> Outline:
    """Read a model's user tasks, their lanes, slots and main path from its XML."""
    process = tree_of(xml).getroot().find(f"{BPMN}process")
    if process is None:
        return Outline("", (), {})
    targets, defaults = _flows(process)
    starts = [e.get("id", "") for e in process.iter(f"{BPMN}startEvent")]
    tasks = {t.get("id", ""): t.get("name") or t.get("id", "")
             for t in process.iter(f"{BPMN}userTask")}
    depth = _depths(starts, targets, set(tasks))
    main = main_path(starts, targets, defaults)
    lanes = _lanes(process)
    stages = tuple(sorted((Stage(spec, name, role_of_lane(lanes.get(spec, "")), depth[spec],
                                 spec in main)
                           for spec, name in tasks.items() if spec in depth),
                          key=lambda s: (s.depth, not s.main, s.spec)))
    calls = {c.get("calledElement", ""): c.get("name", "")
             for c in process.iter(f"{BPMN}callActivity")}
    return Outline(process.get("name", ""), stages, calls, targets, defaults, tuple(starts))


def _flows(process) -> tuple[dict[str, list[str]], dict[str, str]]:
    targets: dict[str, list[str]] = {}
    for flow in process.iter(f"{BPMN}sequenceFlow"):
        targets.setdefault(flow.get("sourceRef", ""), []).append(flow.get("targetRef", ""))
    for event in process.iter(f"{BPMN}boundaryEvent"):  # a timer's path leaves its task
        targets.setdefault(event.get("attachedToRef", ""), []).append(BOUNDARY + event.get("id", ""))
        targets[BOUNDARY + event.get("id", "")] = targets.get(event.get("id", ""), [])
    defaults = {}
    for tag in GATEWAYS:
        for gateway in process.iter(f"{BPMN}{tag}"):
            if gateway.get("default"):
                defaults[gateway.get("id", "")] = gateway.get("default")
    flow_target = {f.get("id"): f.get("targetRef", "") for f in process.iter(f"{BPMN}sequenceFlow")}
    return targets, {g: flow_target.get(f, "") for g, f in defaults.items()}


def _depths(starts: list[str], targets: dict[str, list[str]], tasks: set[str]) -> dict[str, int]:
    """Return, per user task, the fewest user tasks on a path from a start event up to it."""
    best = dict.fromkeys(starts, 0)
    todo = deque(starts)
    while todo:
        node = todo.popleft()
        for nxt in targets.get(node, []):
            cost = best[node] + (1 if nxt in tasks else 0)
            if cost < best.get(nxt, 1 << 30):
                best[nxt] = cost
                (todo.append if nxt in tasks else todo.appendleft)(nxt)
    return {t: best[t] for t in tasks if t in best}


def main_path(starts, targets: dict[str, list[str]], defaults: dict[str, str]) -> set[str]:
    """Return the elements on the default path from ``starts`` (default flows where given)."""
    seen, todo = set(starts), list(starts)
    while todo:
        node = todo.pop()
        for nxt in [defaults[node]] if node in defaults else targets.get(node, []):
            if nxt not in seen and not nxt.startswith(BOUNDARY):
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _lanes(process) -> dict[str, str]:
    return {ref.text or "": lane.get("name", "")
            for lane in process.iter(f"{BPMN}lane") for ref in lane.iter(f"{BPMN}flowNodeRef")}


def _outline(version_id: int, key: str, xml: str) -> Outline:
    """Return the outline of a version's own model ("") or of a model it calls (cached)."""
    if (version_id, key) not in _OUTLINES:
        _OUTLINES[(version_id, key)] = outline_of(xml)
    return _OUTLINES[(version_id, key)]


@dataclass
class StageState:
    """A stage while the history is read: its open tasks and its last completion."""

    stage: Stage
    open: dict[str, str | None] = field(default_factory=dict)  # task id -> assignee
    done_by: list[str] = field(default_factory=list)
    done_at: str | None = None
    decision: str | None = None
    comment: str | None = None
    reached: bool = False
    first_seq: int = 0

    def clear(self) -> None:
        self.done_by, self.done_at, self.decision, self.comment = [], None, None, None


@dataclass
class Segment:
    """One model of the path taken, with its stages' states."""

    key: str
    name: str
    outline: Outline
    states: dict[str, StageState]
    first_seq: int = 1 << 30


def progress(session: Session, instance_id: int) -> dict[str, Any]:
    """Return the item's progress line: the path taken and each stage's who and when."""
    inst = session.get(Instance, instance_id)
    if inst is None:
        raise NotFound(f"事项不存在: {instance_id}")
    segments = _segments(session, inst)
    events = events_of(session, instance_id)
    last_decision: dict[str, str | None] = {}
    for event in events:
        _apply(segments, event, last_decision)
    return _answer(session, inst, [s for s in segments if s.outline.stages])


def _segments(session: Session, inst: Instance) -> list[Segment]:
    version = session.get(ModelVersion, inst.model_version_id)
    assert version is not None  # an instance's version is never deleted
    own = _outline(version.id, "", version.bpmn_xml)
    called = called_xml(session, version.id)
    result = [Segment("", version.name, own, _states(own))]
    for key in _entered(inst.state):
        if key in called:
            outline = _outline(version.id, key, called[key])
            name = own.calls.get(key) or outline.name or key
            result.append(Segment(key, name, outline, _states(outline)))
    return result


def _states(outline: Outline) -> dict[str, StageState]:
    return {s.spec: StageState(s) for s in outline.stages}


def _entered(state_text: str) -> list[str]:
    """Return the called models the stored workflow entered, first entered first."""
    if not state_text:
        return []
    try:
        subprocesses = orjson.loads(state_text).get("subprocesses") or {}
    except orjson.JSONDecodeError:
        return []
    return list(dict.fromkeys(sp.get("spec", "") for sp in subprocesses.values()))


def _segment_of(segments: list[Segment], spec: str) -> Segment | None:
    base = spec.removesuffix(" [child]")
    return next((s for s in segments if base in s.states), None)


def _apply(segments: list[Segment], event: Event, last_decision: dict) -> None:
    segment = _segment_of(segments, event.task_spec or "")
    if segment is None:
        return
    segment.first_seq = min(segment.first_seq, event.seq)
    state = segment.states[(event.task_spec or "").removesuffix(" [child]")]
    payload, task = event.payload or {}, event.task_id or ""
    if event.type == "task_opened":
        _opened(segment, state, task, payload, last_decision.get(segment.key), event.seq)
    elif event.type in ("task_claimed", "task_reassigned") and task in state.open:
        state.open[task] = payload.get("to") or event.actor
    elif event.type == "task_unclaimed" and task in state.open:
        state.open[task] = None
    elif event.type == "task_cancelled":
        state.open.pop(task, None)
    elif event.type == "task_completed":
        _completed(state, event, payload)
        last_decision[segment.key] = payload.get("decision")


def _opened(segment: Segment, state: StageState, task: str, payload: dict,
            previous: str | None, seq: int) -> None:
    if previous in RETURNS:  # returned: the stages after this one start afresh
        for other in segment.states.values():
            if other.stage.depth > state.stage.depth:
                other.clear()
    if not state.open:
        state.clear()
    state.open[task] = payload.get("assignee")
    if not state.reached:
        state.reached, state.first_seq = True, seq


def _completed(state: StageState, event: Event, payload: dict) -> None:
    state.open.pop(event.task_id or "", None)
    if event.actor and event.actor not in state.done_by:
        state.done_by.append(event.actor)
    state.done_at = iso(event.at)
    if not state.reached:
        state.reached, state.first_seq = True, event.seq
    state.decision, state.comment = payload.get("decision"), payload.get("comment")


def _answer(session: Session, inst: Instance, segments: list[Segment]) -> dict[str, Any]:
    segments.sort(key=lambda s: s.first_seq)
    people = {p for s in segments for st in s.states.values()
              for p in [*st.done_by, *st.open.values()] if p}
    names = display_names(session, people)
    steps = [_step(st, names, inst.status, seg.name)
             for seg in segments for st in _shown(seg)]
    shorts = [s["short"] for s in steps]
    for step in steps:  # parallel stages (联合复审（医务科）, ...) keep their full names
        if shorts.count(step["short"]) > 1:
            step["short"] = step["name"]
    path = [{"key": seg.key, "name": seg.name, "branches": _branches(seg)} for seg in segments]
    return {"instance_id": inst.id, "status": inst.status, "path": path,
            "path_text": " → ".join(_path_label(p) for p in path), "steps": steps,
            "current": [s["name"] for s in steps if s["status"] in ("active", "waiting")]}


def _shown(segment: Segment) -> list[StageState]:
    """Return the stages reached (in the order reached), then those still to come.

    Still to come: the stages on the default path from the open ones (from the
    start when the model was not entered yet); a finished model has none.
    """
    states = segment.states.values()
    reached = sorted((st for st in states if st.reached), key=lambda st: st.first_seq)
    outline = segment.outline
    froms = [st.stage.spec for st in states if st.open] or ([] if reached else outline.starts)
    ahead = main_path(froms, outline.targets, outline.defaults)
    return reached + [st for st in states if not st.reached and st.stage.spec in ahead]


def _branches(segment: Segment) -> list[str]:
    """Name the optional stages the item went through (联合复审, 专家评议, ...)."""
    names = [_short(st.stage.name) for st in segment.states.values()
             if st.reached and not st.stage.main]
    return list(dict.fromkeys(names))


def _path_label(path: dict[str, Any]) -> str:
    return " · ".join([path["name"], *path["branches"]])


def _short(name: str) -> str:
    """Drop a trailing note in brackets: 联合复审（医务科） -> 联合复审."""
    return name.split("（", 1)[0].split("(", 1)[0].strip() or name


def _step(state: StageState, names: dict[str, str], status: str, segment: str) -> dict[str, Any]:
    stage, holders = state.stage, [a for a in state.open.values() if a]
    if state.open:
        kind = "active" if holders else "waiting"
    elif state.done_by:
        kind = "returned" if state.decision in RETURNS else "done"
    else:
        kind = "pending" if status == "running" else "skipped"
    people = holders if state.open else state.done_by
    return {"spec": stage.spec, "name": stage.name, "short": _short(stage.name),
            "segment": segment, "role": stage.role,
            "role_title": ROLE_TITLES.get(stage.role, stage.role), "status": kind,
            "who": [names.get(p, p) for p in people], "at": state.done_at if not state.open else None,
            "decision": state.decision if not state.open else None,
            "comment": state.comment if kind == "returned" else None,
            "waiting_count": sum(1 for a in state.open.values() if a is None)}


TIERS = {1: "一级平台", 2: "二级平台", 3: "三级平台"}


def facts(session: Session, instance_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """Return what a reviewer needs at a glance: account, tier, planned date, flags."""
    inst = session.get(Instance, instance_id)
    account = session.get(Account, inst.account_id) if inst and inst.account_id else None
    return {"account": account.account_name if account else None,
            "platform": account.platform_name if account else None,
            "tier": account.tier if account else None,
            "tier_title": TIERS.get(account.tier) if account else None,
            "planned_date": values.get("planned_date"),
            "important": bool(values.get("important")),
            "disputed": bool(values.get("disputed")),
            "media": values.get("media") or []}
