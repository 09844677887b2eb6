"""Step-by-step replay for auditors: the diagram state after each history event.

Reads only the instance's event log and the model versions its events name
(STYLE 7): no task table, no stored workflow state.  Step ``n`` is the item as
it stood right after event ``seq == n``:

* ``completed`` - start events once started, user tasks completed, timers fired,
  the end event reached;
* ``active`` - tasks opened and held by a person (assigned or claimed);
* ``waiting`` - tasks opened into a role's pool and not yet claimed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from .assignment import ROLE_TITLES
from .catalog import BPMN
from .errors import NotFound
from .history import EVENT_TYPES, events_of
from .inbox import iso
from .schema import Event, ModelVersion
from .xmlsafe import parse


@dataclass
class Shape:
    """What the state rules need to know about one model version's diagram."""

    starts: list[str]
    ends: dict[str, set[str]]  # end event id -> ids of elements leading to it


def shape_of(xml: str) -> Shape:
    """Read start events and, for each end event, the elements that lead into it."""
    root = parse(xml).getroot()
    sources: dict[str, set[str]] = {}
    for flow in root.iter(f"{BPMN}sequenceFlow"):
        sources.setdefault(flow.get("targetRef", ""), set()).add(flow.get("sourceRef", ""))
    gateways = {g.get("id") for tag in ("exclusiveGateway", "parallelGateway", "inclusiveGateway")
                for g in root.iter(f"{BPMN}{tag}")}
    ends = {e.get("id", ""): _leading(e.get("id", ""), sources, gateways)
            for e in root.iter(f"{BPMN}endEvent")}
    return Shape([s.get("id", "") for s in root.iter(f"{BPMN}startEvent")], ends)


def _leading(element: str, sources: dict[str, set[str]], gateways: set) -> set[str]:
    """Return the non-gateway elements whose flows reach ``element`` (through gateways)."""
    found: set[str] = set()
    todo, seen = [element], set[str]()
    while todo:
        for source in sources.get(todo.pop(), set()) - seen:
            seen.add(source)
            if source in gateways:
                todo.append(source)
            else:
                found.add(source)
    return found


@dataclass
class Board:
    """The running element states while the events are read in order."""

    completed: set[str] = field(default_factory=set)
    open: dict[str, tuple[str, bool]] = field(default_factory=dict)  # task id -> (spec, waiting)
    last_done: str | None = None

    def states(self) -> dict[str, str]:
        result = dict.fromkeys(self.completed, "completed")
        for spec, waiting in self.open.values():
            if result.get(spec) != "active":
                result[spec] = "waiting" if waiting else "active"
        return result


def _apply(board: Board, event: Event, shape: Shape) -> None:
    kind, payload = event.type, event.payload or {}
    if kind == "instance_started":
        board.completed.update(shape.starts)
    elif kind == "task_opened":
        board.open[event.task_id or ""] = (event.task_spec or "", bool(payload.get("pool"))
                                           and not payload.get("assignee"))
    elif kind in ("task_claimed", "task_reassigned") and event.task_id in board.open:
        board.open[event.task_id] = (board.open[event.task_id][0], False)
    elif kind == "task_unclaimed" and event.task_id in board.open:
        board.open[event.task_id] = (board.open[event.task_id][0], True)
    elif kind in ("task_completed", "timer_fired"):
        board.open.pop(event.task_id or "", None)
        board.completed.add(event.task_spec or "")
        board.last_done = event.task_spec
    elif kind == "task_cancelled":
        board.open.pop(event.task_id or "", None)
    elif kind == "instance_completed":
        board.open.clear()
        board.completed.update(_reached_ends(shape, board.last_done))


def _reached_ends(shape: Shape, last_done: str | None) -> list[str]:
    if len(shape.ends) == 1:
        return list(shape.ends)
    return [end for end, leading in shape.ends.items() if last_done in leading]


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the field-level changes from ``before`` to ``after`` (None: all new)."""
    before = before or {}
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            kind = "added" if key not in before else "removed" if key not in after else "changed"
            changes.append({"field": key, "kind": kind, "old": old, "new": new})
    return changes


def timeline(session: Session, instance_id: int) -> dict[str, Any]:
    """Return the versions the item ran on and one step per history event."""
    events = events_of(session, instance_id)
    if not events:
        raise NotFound(f"事项不存在或没有历史记录: {instance_id}")
    versions: dict[int, dict[str, Any]] = {}
    for version_id in dict.fromkeys(e.model_version_id for e in events):
        row = session.get(ModelVersion, version_id)
        if row is None:
            raise NotFound(f"流程版本不存在: {version_id}")
        versions[version_id] = {"id": version_id, "model": row.model_key, "name": row.name,
                                "version": row.version, "xml": row.bpmn_xml}
    shapes = {v: shape_of(info["xml"]) for v, info in versions.items()}
    board, steps = Board(), []
    submitted: dict[str, dict] = {}
    for event in events:
        _apply(board, event, shapes[event.model_version_id])
        steps.append(_step(event, board, submitted))
    return {"instance_id": instance_id, "versions": versions, "steps": steps}


def _step(event: Event, board: Board, submitted: dict[str, dict]) -> dict[str, Any]:
    payload = event.payload or {}
    data = payload.get("data") if event.type in ("instance_started", "task_completed") else None
    changes = None
    if data is not None:
        key = event.task_spec or "__start__"
        changes = diff(submitted.get(key), data)
        submitted[key] = data
    return {"seq": event.seq, "type": event.type, "title": EVENT_TYPES.get(event.type, event.type),
            "at": iso(event.at), "actor": event.actor, "role": event.role,
            "role_title": ROLE_TITLES.get(event.role or "", event.role),
            "task_spec": event.task_spec, "task_name": payload.get("task_name"),
            "decision": payload.get("decision"), "comment": payload.get("comment"),
            "data": data, "changes": changes, "version_id": event.model_version_id,
            "states": board.states(), "hash": event.hash,
            "extra": {k: v for k, v in payload.items() if k in ("assignee", "from", "to", "reason")}}
