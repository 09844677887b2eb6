"""Called models and their callers: who still calls an old version, what runs inside them.

A caller pins the XML of the models it calls when it is deployed (``called_models``),
so deploying ``three_review`` v2 changes nothing for ``post_review`` until
``post_review`` is deployed again.  Designers are told which callers still pin an
older version and may redeploy them in one go; the migration page counts the
items running inside callers and previews, item by item, what a new version changes.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.model import extensions
from engine.model.deployment import Deployed, called_xml, current_version, deploy, latest_version
from engine.run.step import Version
from engine.store import state
from engine.store.schema import Instance, ModelVersion


def _version_of(session: Session, key: str, xml: str | None) -> int | None:
    """Return the number of the deployed version of ``key`` whose XML is ``xml``."""
    if xml is None:
        return None
    return session.scalar(select(ModelVersion.version).where(
        ModelVersion.model_key == key, ModelVersion.bpmn_xml == xml)
        .order_by(ModelVersion.version.desc()).limit(1))


def stale_callers(session: Session, key: str) -> list[dict[str, Any]]:
    """Return the models whose latest version calls an older version of ``key``."""
    newest = latest_version(session, key)
    if newest is None:  # nothing deployed, nothing to call an older version of
        return []
    found = []
    for other in session.scalars(select(ModelVersion.model_key).distinct()):
        latest = current_version(session, other)
        pinned = called_xml(session, latest.id).get(key)
        if pinned is not None and pinned != newest.bpmn_xml:
            found.append({"key": other, "name": latest.name, "version": latest.version,
                          "calls": _version_of(session, key, pinned)})
    return sorted(found, key=lambda c: c["key"])


def redeploy_callers(session: Session, key: str, forms_dir: Path, by: str,
                     at: datetime) -> list[Deployed]:
    """Deploy each stale caller's latest XML again, so it calls the newest ``key``."""
    from engine.design.workspace import workspace_source  # the designer's forms and models

    done = []
    newest = current_version(session, key).version
    for caller in stale_callers(session, key):
        xml = current_version(session, caller["key"]).bpmn_xml
        note = f"改为调用 {key} v{newest}（被调用流程已更新，内容未改）"
        done += deploy(session, workspace_source(session, xml, forms_dir), at, by, note)
    return done


def running_inside(engine, key: str) -> list[dict[str, Any]]:
    """Return the running items of other models that are inside a call of ``key`` now."""
    with engine.db.reading() as session:
        rows = session.execute(select(Instance.id, Instance.title, Instance.model_key,
                                      Instance.model_version_id, Instance.state,
                                      Instance.state_version)
                               .where(Instance.status == "running", Instance.model_key != key)
                               .order_by(Instance.id)).all()
        found = []
        for row in rows:
            version = engine.version(row.model_version_id)
            inside = _inside(state.load(row.state, row.state_version, version.specs), key)
            if inside:
                pinned = _version_of(session, key, called_xml(session, row.model_version_id).get(key))
                found.append({"instance_id": row.id, "title": row.title, "caller": row.model_key,
                              "version": pinned, "tasks": inside})
    return found


def _inside(workflow, key: str) -> list[str]:
    """Return the names of the open tasks of ``workflow`` inside a running call of ``key``."""
    names = []
    for sub in workflow.subprocesses.values():
        if sub.spec.name == key and not sub.is_completed():
            names += [t.task_spec.bpmn_name or t.task_spec.name
                      for t in sub.get_tasks(state=TaskState.READY, manual=True)]
            names = names or ["（等待中）"]
    return names


def preview(workflow, source: Version, target: Version) -> list[str]:
    """Say what moving ``workflow`` from ``source`` to ``target`` changes for its people."""
    spec, _deps = target.specs
    changes = []
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        changes += _task_changes(task, spec.task_specs.get(task.task_spec.name), source, target)
    old_spec, _ = source.specs
    added = [s.bpmn_name or s.name for name, s in spec.task_specs.items()
             if name not in old_spec.task_specs and getattr(s, "manual", False)]
    if added:
        changes.append("新增环节：" + "、".join(f"「{n}」" for n in added))
    return changes or ["办理中的环节不变"]


def _task_changes(task, new, source: Version, target: Version) -> list[str]:
    old = task.task_spec
    name = old.bpmn_name or old.name
    if new is None:
        return [f"「{name}」在新版本中已删除（不可迁移）"]
    changes = []
    if (new.bpmn_name or new.name) != name:
        changes.append(f"「{name}」改名为「{new.bpmn_name or new.name}」")
    if (new.lane or "") != (old.lane or ""):
        changes.append(f"「{name}」改由「{new.lane}」办理")
    form = extensions.read_spec(old, "formName")
    new_form = extensions.read_spec(new, "formName")
    if form != new_form or source.forms.get(form) != target.forms.get(new_form):
        changes.append(f"「{name}」的表单已变更")
    return changes or [f"「{name}」不变"]


def previews(engine, migrator) -> dict[int, list[str]]:
    """Return, per item the migrator would move, what the new version changes for it."""
    found = {}
    for instance_id, _title in migrator.items():
        with engine.db.reading() as session:
            inst = session.get(Instance, instance_id)
            workflow = state.load(inst.state, inst.state_version, migrator.source.specs)
        found[instance_id] = preview(workflow, migrator.source, migrator.target)
    return found
