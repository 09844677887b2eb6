"""Typed specs of what the engine reads from a model version, built once per version.

SpiffWorkflow's parser turns a model's XML into task specs; :func:`build` reads
those task specs (their lane, name, documentation and the extension properties
the Spiff task parsers put on ``task_spec.extensions``) into frozen dataclasses:
user tasks with their form, role, review stage, record label and assignee;
start events; timers; call activities; end events with the approvals they need.
:func:`engine.model.loading.parse_specs` builds a :class:`ModelSpec` every time
SpiffWorkflow parses a model and remembers it by content, so a deployed version
is described once and the catalog, the records and the runtime read the same
description instead of parsing the XML again.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from engine.model import extensions
from engine.model.extensions import ASSIGNEE, FORM, RECORD_LABEL, REQUIRED_APPROVALS, REVIEW_STAGE
from engine.run.assignment import role_of_lane


@dataclass(frozen=True)
class UserTaskSpec:
    """A user task: who does it, with which form, and what its decision counts as."""

    id: str
    #: SpiffWorkflow's task spec name (``Task_expert [child]`` for a multi-instance task)
    spec_name: str
    name: str
    process: str
    lane: str
    role: str
    form: str | None
    review_stage: bool
    record_label: str | None
    assignee: str | None


@dataclass(frozen=True)
class StartSpec:
    """A start event: the lane that starts the process and the start form."""

    id: str
    process: str
    role: str
    form: str | None
    documentation: str
    timer: bool


@dataclass(frozen=True)
class TimerSpec:
    """A timer event (start, intermediate or boundary) and its expression."""

    id: str
    name: str
    process: str
    kind: str
    expression: str


@dataclass(frozen=True)
class CallSpec:
    """A call activity and the process key it calls."""

    id: str
    name: str
    process: str
    called: str


@dataclass(frozen=True)
class EndSpec:
    """An end event and the record labels that must have approved before it is reached."""

    id: str
    name: str
    process: str
    required_approvals: tuple[str, ...]


@dataclass(frozen=True)
class ModelSpec:
    """Everything the engine reads from one model version and the models it calls."""

    key: str
    name: str
    user_tasks: tuple[UserTaskSpec, ...]
    starts: tuple[StartSpec, ...]
    timers: tuple[TimerSpec, ...]
    calls: tuple[CallSpec, ...]
    ends: tuple[EndSpec, ...]

    @property
    def start(self) -> StartSpec | None:
        """Return the first start event of the model's own process (None if it has none)."""
        return next((s for s in self.starts if s.process == self.key), None)

    def record_labels(self) -> dict[str, str]:
        """Return ``{user task id: record label}`` of every labelled user task."""
        return {t.id: t.record_label for t in self.user_tasks if t.record_label is not None}


def _name(task_spec) -> str:
    return task_spec.bpmn_name or task_spec.name


def _user_task(process: str, ts) -> UserTaskSpec:
    props = extensions.of_spec(ts)
    return UserTaskSpec(ts.bpmn_id, ts.name, _name(ts), process, ts.lane or "", role_of_lane(ts.lane or ""),
                        extensions.read(props, FORM.name),
                        extensions.read(props, REVIEW_STAGE.name),
                        extensions.read(props, RECORD_LABEL.name),
                        extensions.read(props, ASSIGNEE.name))


def _start(process: str, ts) -> StartSpec:
    role = role_of_lane(ts.lane) if ts.lane is not None else "initiator"
    return StartSpec(ts.name, process, role, extensions.read_spec(ts, FORM.name),
                     (ts.documentation or "").strip(),
                     isinstance(ts.event_definition, TimerEventDefinition))


#: SpiffWorkflow's timer definitions by the BPMN element they come from
TIMER_KINDS = {"TimeDateEventDefinition": "timeDate", "DurationTimerEventDefinition": "timeDuration",
               "CycleTimerEventDefinition": "timeCycle"}


def _timer(process: str, ts) -> TimerSpec:
    definition = ts.event_definition
    kind = TIMER_KINDS.get(type(definition).__name__, "duration")
    return TimerSpec(ts.name, _name(ts), process, kind, definition.expression)


def _collect(process: str, workflow_spec, found: dict[str, list]) -> None:
    for ts in workflow_spec.task_specs.values():
        if isinstance(ts, UserTask):
            found["user_tasks"].append(_user_task(process, ts))
        elif isinstance(ts, StartEvent) and ts.bpmn_id is not None:
            found["starts"].append(_start(process, ts))
        elif isinstance(ts, CallActivity):
            found["calls"].append(CallSpec(ts.name, _name(ts), process, ts.spec))
        elif isinstance(ts, EndEvent):
            found["ends"].append(EndSpec(ts.name, _name(ts), process, tuple(
                extensions.read_spec(ts, REQUIRED_APPROVALS.name))))
        if isinstance(getattr(ts, "event_definition", None), TimerEventDefinition):
            found["timers"].append(_timer(process, ts))


def build(key: str, process_spec, subprocess_specs: dict) -> ModelSpec:
    """Return the :class:`ModelSpec` of a parsed process and the processes it calls."""
    found: dict[str, list] = {k: [] for k in ("user_tasks", "starts", "timers", "calls", "ends")}
    _collect(key, process_spec, found)
    for name, sub in subprocess_specs.items():
        _collect(name, sub, found)
    return ModelSpec(key, process_spec.description or key,
                     **{k: tuple(v) for k, v in found.items()})


#: specs by content (the XML and the called models' XML): a version never changes
_SPECS: OrderedDict[tuple, ModelSpec] = OrderedDict()
CACHED_SPECS = 256


def content_key(xml: str, called: dict[str, str] | None) -> tuple:
    """Return the cache key of a model's XML and the XML of the models it calls."""
    return xml, tuple(sorted((called or {}).items()))


def remember(xml: str, called: dict[str, str] | None, spec: ModelSpec) -> ModelSpec:
    """Remember ``spec`` as the description of this content (oldest forgotten first)."""
    return keep(content_key(xml, called), spec)


def keep(key: tuple, spec: ModelSpec) -> ModelSpec:
    """Remember ``spec`` under ``key``; the oldest entry goes past :data:`CACHED_SPECS`."""
    _SPECS[key] = spec
    _SPECS.move_to_end(key)
    while len(_SPECS) > CACHED_SPECS:
        _SPECS.popitem(last=False)
    return spec


def recall(key: tuple) -> ModelSpec | None:
    """Return the spec remembered under ``key``, if any."""
    return _SPECS.get(key)


def forget() -> None:
    """Drop every remembered spec (tests that count parses start from nothing)."""
    _SPECS.clear()
