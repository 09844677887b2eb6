"""Deploying checked models as immutable, numbered versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from engine.base.errors import NotFound
from engine.model.limits import unknown_assignees
from engine.model.loading import Model, ModelError, check_model, library
from engine.store.schema import CalledModels, Instance, ModelVersion


@dataclass
class Deployed:
    """The outcome of deploying one model."""

    key: str
    version: int
    created: bool


def load_directory(processes: Path, forms: Path) -> list[Model]:
    """Check every ``*.bpmn`` in ``processes``; raise ModelError listing all problems."""
    models, problems, known = [], [], library(processes)
    for path in sorted(processes.glob("*.bpmn")):
        try:
            models.append(check_model(path.read_text(encoding="utf-8"), path.name, forms, known))
        except ModelError as err:
            problems.extend(err.problems)
    if problems:
        raise ModelError(problems)
    return models


def latest_version(session: Session, key: str) -> ModelVersion | None:
    """Return the newest deployed version of model ``key``."""
    return session.scalar(select(ModelVersion).where(ModelVersion.model_key == key)
                          .order_by(ModelVersion.version.desc()).limit(1))


def current_version(session: Session, key: str) -> ModelVersion:
    """Return the latest version of ``key``, which must be deployed (NotFound if not)."""
    latest = latest_version(session, key)
    if latest is None:
        raise NotFound(f"流程不存在: {key}")
    return latest


def deploy(session: Session, model: Model, at: datetime, by: str | None = None,
           note: str | None = None) -> Deployed:
    """Store ``model`` as a new version unless its content equals the latest one."""
    latest = latest_version(session, model.key)
    if latest is not None and latest.content_hash == model.content_hash:
        return Deployed(model.key, latest.version, False)
    if problems := unknown_assignees(session, model.xml, model.filename or model.key):
        raise ModelError(problems)
    version = ModelVersion(
        model_key=model.key, version=(latest.version + 1) if latest else 1, name=model.name,
        content_hash=model.content_hash, bpmn_xml=model.xml, forms=model.forms,
        deployed_by=by, deployed_at=at, note=note)
    session.add(version)
    session.flush()
    if model.called:
        session.add(CalledModels(model_version_id=version.id, models=model.called))
    return Deployed(model.key, version.version, True)


CALLED = CalledModels.__table__


def called_xml(conn: Connection | Session, version_id: int) -> dict[str, str]:
    """Return the XML of the models a version calls, as pinned when it was deployed."""
    models = conn.execute(select(CALLED.c.models).where(
        CALLED.c.model_version_id == version_id)).scalar()
    return dict(models) if models else {}


def list_models(session: Session) -> list[dict]:
    """Return every model's latest version with its count of running instances."""
    rows = []
    keys = session.scalars(select(ModelVersion.model_key).distinct().order_by(
        ModelVersion.model_key))
    for key in keys:
        latest = current_version(session, key)
        running = session.scalar(select(func.count()).where(
            Instance.model_key == key, Instance.status == "running"))
        rows.append({"key": key, "name": latest.name, "version": latest.version,
                     "content_hash": latest.content_hash, "deployed_at": latest.deployed_at,
                     "running": running})
    return rows


def version_xml(session: Session, key: str, number: int) -> str:
    """Return the XML of version ``number`` of model ``key``."""
    from engine.base.errors import NotFound

    xml = session.scalar(select(ModelVersion.bpmn_xml).where(
        ModelVersion.model_key == key, ModelVersion.version == number))
    if xml is None:
        raise NotFound(f"模型 {key} 没有版本 {number}")
    return xml


def export(session: Session, processes: Path, forms: Path) -> list[str]:
    """Write every model's latest version and its forms as files; return the paths written.

    Forms are written as deployed, with shared fragments already included.
    """
    import json

    processes.mkdir(parents=True, exist_ok=True)
    forms.mkdir(parents=True, exist_ok=True)
    written = []
    for key in session.scalars(select(ModelVersion.model_key).distinct()):
        latest = current_version(session, key)
        path = processes / f"{key}.bpmn"
        path.write_text(latest.bpmn_xml, encoding="utf-8")
        written.append(str(path))
        for name, schema in latest.forms.items():
            form = forms / f"{name}.json"
            form.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            written.append(str(form))
    return sorted(set(written))
