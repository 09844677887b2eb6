"""The diagram of an item: its pinned model's XML and the state of each element.

States come from the history and the task table only: an element whose task
was completed is ``completed``, one with an open task is ``active``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .catalog import BPMN
from .errors import NotFound
from .schema import Event, Instance, ModelVersion, Task
from .xmlsafe import parse


def diagram(session: Session, instance: Instance) -> dict[str, Any]:
    """Return ``{xml, states, model, version}`` for ``instance``."""
    version = session.get(ModelVersion, instance.model_version_id)
    if version is None:
        raise NotFound(f"流程版本不存在: {instance.model_version_id}")
    states: dict[str, str] = {}
    done = session.scalars(select(Event.task_spec).where(
        Event.instance_id == instance.id, Event.type == "task_completed").distinct())
    for spec in done:
        if spec:
            states[spec] = "completed"
    root = parse(version.bpmn_xml).getroot()
    for start in root.iter(f"{BPMN}startEvent"):
        states[start.get("id", "")] = "completed"
    ends = [e.get("id", "") for e in root.iter(f"{BPMN}endEvent")]
    if instance.status == "completed" and len(ends) == 1:
        states[ends[0]] = "completed"
    active = session.scalars(select(Task.spec_name).where(
        Task.instance_id == instance.id, Task.status == "open"))
    for spec in active:
        states[spec] = "active"
    return {"xml": version.bpmn_xml, "states": states, "model": version.model_key,
            "version": version.version}
