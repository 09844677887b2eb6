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

from engine.audit.history import EVENT_TYPES, events_of
from engine.base.errors import NotFound
from engine.model.deployment import called_xml
from engine.model.namespaces import BPMN_TAG as BPMN
from engine.model.trees import tree_of
from engine.org.anonymity import covered
from engine.read.inbox import iso
from engine.run.assignment import ROLE_TITLES
from engine.store.schema import Event, ModelVersion


@dataclass
class Shape:
    """What the state rules need to know about one diagram."""

    starts: list[str]
    ends: dict[str, set[str]]  # end event id -> ids of elements leading to it
    nodes: set[str] = field(default_factory=set)
    calls: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (called key, name)


def shape_of(xml: str) -> Shape:
    """Read start events, call activities and, per end event, the elements leading into it."""
    root = tree_of(xml).getroot()
    sources: dict[str, set[str]] = {}
    for flow in root.iter(f"{BPMN}sequenceFlow"):
        sources.setdefault(flow.get("targetRef", ""), set()).add(flow.get("sourceRef", ""))
    gateways = {g.get("id") for tag in ("exclusiveGateway", "parallelGateway", "inclusiveGateway")
                for g in root.iter(f"{BPMN}{tag}")}
    ends = {e.get("id", ""): _leading(e.get("id", ""), sources, gateways)
            for e in root.iter(f"{BPMN}endEvent")}
    nodes = {n.get("id", "") for n in root.iter() if n.get("id") and n.tag.startswith(BPMN)}
    calls = {c.get("id", ""): (c.get("calledElement", ""), c.get("name", ""))
             for c in root.iter(f"{BPMN}callActivity")}
    return Shape([s.get("id", "") for s in root.iter(f"{BPMN}startEvent")], ends, nodes, calls)


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
class Layout:
    """The diagrams of one model version: its own ("") and those of the models it calls."""

    shapes: dict[str, Shape]
    key: str = ""  # the version's own model key

    def candidates(self, element: str | None) -> list[str]:
        """Return the keys of the diagrams that draw ``element``: the version's own alone first.

        Among called models the smallest comes first: three-review's stages are
        all in four-review too, and a run that never reached the fourth gate
        was three-review.
        """
        element = element_of(element)
        if not element or element in self.shapes[""].nodes:
            return [""]
        found = [k for k, shape in self.shapes.items() if element in shape.nodes]
        return sorted(found, key=lambda k: len(self.shapes[k].nodes)) or [""]


def element_of(spec: str | None) -> str | None:
    """Return the diagram element of a task spec (an instance of a multi-instance activity)."""
    return spec.removesuffix(" [child]") if spec else spec


def owners(events: list[Event], layouts: dict[int, Layout]) -> dict[int, str]:
    """Return ``{seq: diagram key}``: which diagram draws each event's element.

    Events record the model that ran their task (``process``, on ``task_opened``
    and ``timer_fired``; a completion or cancellation is the task opened with
    the same id).  Older events did not: see :func:`guessed_owners`.
    """
    result = guessed_owners(events, layouts)
    recorded: dict[str, str] = {}
    for event in events:
        process = (event.payload or {}).get("process") or recorded.get(event.task_id or "")
        if process is None:
            continue
        recorded[event.task_id or ""] = process
        key = "" if process == _own_key(event, layouts) else process
        if key in layouts[event.model_version_id].shapes:
            result[event.seq] = key
    return result


def _own_key(event: Event, layouts: dict[int, Layout]) -> str:
    return layouts[event.model_version_id].key


def guessed_owners(events: list[Event], layouts: dict[int, Layout]) -> dict[int, str]:
    """Attribute events that do not name their model, by the element ids they touch.

    Called models reuse element ids (every review model has ``Task_draft``), so a
    run of consecutive events inside called models is given the one model that
    draws all of their elements (the smallest such model when several do); the
    run ends where no model draws them all (the item went on into another model).
    """
    result: dict[int, str] = {}
    visit: list[Event] = []
    common: list[str] = []
    for event in events:
        keys = layouts[event.model_version_id].candidates(event.task_spec)
        narrowed = [k for k in common if k in keys]
        if keys != [""] and (narrowed or not visit):
            visit.append(event)
            common = narrowed or keys
            continue
        result.update({e.seq: common[0] for e in visit})
        visit, common = ([event], keys) if keys != [""] else ([], [])
        if keys == [""]:
            result[event.seq] = ""
    result.update({e.seq: common[0] for e in visit})
    return result


@dataclass
class Board:
    """The running element states while the events are read in order."""

    layout: Layout
    owners: dict[int, str] = field(default_factory=dict)
    completed: set[str] = field(default_factory=set)
    open: dict[str, tuple[str, bool]] = field(default_factory=dict)  # task id -> (spec, waiting)
    last_done: str | None = None
    entered: set[str] = field(default_factory=set)  # called models the item went into
    left: set[str] = field(default_factory=set)  # ... and came back from

    def states(self) -> dict[str, str]:
        result = dict.fromkeys(self.completed, "completed")
        for call, (key, _name) in self.layout.shapes[""].calls.items():
            if key in self.entered:
                result[call] = "completed" if key in self.left else "active"
        for spec, waiting in self.open.values():
            if result.get(spec) != "active":
                result[spec] = "waiting" if waiting else "active"
        return result

    def moved(self, event: Event) -> None:
        """Note that the event's task opened or completed: enter its called model, or leave them."""
        owner = self.owners.get(event.seq, "")
        self._leave(self.entered - self.left - {owner})
        if owner and (owner not in self.entered or owner in self.left):
            self.entered.add(owner)
            self.left.discard(owner)
            self.completed.update(self.layout.shapes[owner].starts)

    def _leave(self, keys: set[str]) -> None:
        for key in keys:
            self.completed.update(_reached_ends(self.layout.shapes[key], self.last_done))
        self.left |= keys

    def finish(self) -> None:
        self.open.clear()
        self.completed.update(_reached_ends(self.layout.shapes[""], self.last_done))
        self._leave(self.entered - self.left)


def _apply(board: Board, event: Event) -> None:
    kind, payload = event.type, event.payload or {}
    if kind == "instance_started":
        board.completed.update(board.layout.shapes[""].starts)
    elif kind == "task_opened":
        board.moved(event)
        board.open[event.task_id or ""] = (element_of(event.task_spec) or "",
                                           bool(payload.get("pool")) and not payload.get("assignee"))
    elif kind in ("task_claimed", "task_reassigned") and event.task_id in board.open:
        board.open[event.task_id] = (board.open[event.task_id][0], False)
    elif kind == "task_unclaimed" and event.task_id in board.open:
        board.open[event.task_id] = (board.open[event.task_id][0], True)
    elif kind in ("task_completed", "timer_fired"):
        board.moved(event)
        board.open.pop(event.task_id or "", None)
        board.completed.add(element_of(event.task_spec) or "")
        board.last_done = element_of(event.task_spec)
    elif kind == "task_cancelled":
        board.open.pop(event.task_id or "", None)
    elif kind == "instance_completed":
        board.finish()


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
    versions = {v: _version(session, v) for v in dict.fromkeys(e.model_version_id for e in events)}
    layouts = {v: Layout({k: shape_of(xml) for k, xml in info["diagrams"].items()}, info["model"])
               for v, info in versions.items()}
    board, steps = Board(layouts[events[0].model_version_id], owners(events, layouts)), []
    submitted: dict[str, dict] = {}
    for event in events:
        board.layout = layouts[event.model_version_id]  # a migration moves to another version
        _apply(board, event)
        steps.append(_step(event, board, submitted))
    return {"instance_id": instance_id, "versions": versions,
            "steps": covered(session, instance_id, steps)}  # 第十九条: anonymous complainants


def _version(session: Session, version_id: int) -> dict[str, Any]:
    row = session.get(ModelVersion, version_id)
    if row is None:
        raise NotFound(f"流程版本不存在: {version_id}")
    diagrams = {"": row.bpmn_xml, **called_xml(session, version_id)}
    return {"id": version_id, "model": row.model_key, "name": row.name, "version": row.version,
            "xml": row.bpmn_xml, "diagrams": diagrams}


def _step(event: Event, board: Board, submitted: dict[str, dict]) -> dict[str, Any]:
    payload = event.payload or {}
    data = payload.get("data") if event.type in ("instance_started", "task_completed") else None
    changes = None
    if data is not None:
        key = event.task_spec or "__start__"
        changes = diff(submitted.get(key), data)
        submitted[key] = data
    diagram = board.owners.get(event.seq, "")
    return {"seq": event.seq, "type": event.type, "title": EVENT_TYPES.get(event.type, event.type),
            "at": iso(event.at), "actor": event.actor, "role": event.role,
            "role_title": ROLE_TITLES.get(event.role or "", event.role),
            "task_spec": event.task_spec, "task_name": payload.get("task_name"),
            "decision": payload.get("decision"), "comment": payload.get("comment"),
            "data": data, "changes": changes, "version_id": event.model_version_id,
            "diagram": diagram, "diagram_name": _call_name(board.layout, diagram),
            "states": board.states(), "hash": event.hash,
            "extra": {k: v for k, v in payload.items() if k in ("assignee", "from", "to", "reason")}}


def _call_name(layout: Layout, key: str) -> str | None:
    return next((name for k, name in layout.shapes[""].calls.values() if k == key), None) if key else None
