"""Deploying checked models as immutable, numbered versions, and exporting them again.

Files are the source (issue 13): a :class:`Source` is the ``.bpmn`` files and the
form files beside them, as text.  :func:`deploy` is the one path every caller
takes (the CLI ``deploy``, ``init --demo``, the designer's workspace): it resolves
called models and forms one way, checks every model, stores each changed one as
a new version with its form files *as written* and always logs the deploy.
:func:`export` writes those texts back unchanged, so export(deploy(files)) == files.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from engine.audit.chain import log_operation
from engine.base.errors import NotFound
from engine.model.limits import unknown_assignees
from engine.model.loading import Model, ModelError, check_model, library
from engine.org import roles
from engine.store.schema import CalledModels, Instance, ModelVersion

SHARED = "_shared"


@dataclass
class Deployed:
    """The outcome of deploying one model."""

    key: str
    version: int
    created: bool


@dataclass
class Source:
    """Models to deploy and the forms they may use, as the text of their files.

    ``models`` maps a file name (``post_review.bpmn``) to its XML; ``forms`` maps a
    path under ``forms/`` (``post_review.json``, ``_shared/decision.json``) to its text.
    """

    models: dict[str, str] = field(default_factory=dict)
    forms: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, path: Path, forms: Path | None = None) -> Source:
        """Read a folder of ``*.bpmn`` (or one file) with the ``forms/`` beside its folder."""
        folder = path if path.is_dir() else path.parent
        files = sorted(folder.glob("*.bpmn")) if path.is_dir() else [path]
        return cls({p.name: _read(p) for p in files}, read_forms(forms or folder.parent / "forms"))

    def merged(self, other: Source) -> Source:
        """Return this source overlaid by ``other``."""
        return Source({**self.models, **other.models}, {**self.forms, **other.forms})


def _read(path: Path) -> str:
    """Return a file's text exactly (no newline translation: export must give the same bytes)."""
    return path.read_bytes().decode("utf-8")


def read_forms(forms: Path) -> dict[str, str]:
    """Return the text of every form file and shared fragment under ``forms``."""
    if not forms.is_dir():
        return {}
    files = [*forms.glob("*.json"), *(forms / SHARED).glob("*.json")]
    return {p.relative_to(forms).as_posix(): _read(p) for p in sorted(files)}


@contextmanager
def _materialized(source: Source, called: dict[str, str]) -> Iterator[tuple[Path, dict[str, str]]]:
    """Yield the source's forms folder and the models a call may name, as the checks read them."""
    with tempfile.TemporaryDirectory(prefix="shenfa-deploy-") as tmp:
        processes, forms = Path(tmp) / "processes", Path(tmp) / "forms"
        (forms / SHARED).mkdir(parents=True)
        processes.mkdir()
        for name, text in source.models.items():
            (processes / Path(name).name).write_bytes(text.encode("utf-8"))
        for name, text in source.forms.items():
            (forms / name).write_bytes(text.encode("utf-8"))
        yield forms, {**called, **library(processes)}


def latest_versions(session: Session) -> list[ModelVersion]:
    """Return the newest version of every model, by key."""
    newest = (select(ModelVersion.model_key, func.max(ModelVersion.version).label("version"))
              .group_by(ModelVersion.model_key).subquery())
    return list(session.scalars(select(ModelVersion).join(newest, (
        ModelVersion.model_key == newest.c.model_key) & (ModelVersion.version == newest.c.version))
        .order_by(ModelVersion.model_key)))


def deployed_library(session: Session) -> dict[str, str]:
    """Return the latest deployed XML of every model, by key (for call activities)."""
    return {version.model_key: version.bpmn_xml for version in latest_versions(session)}


def check_source(session: Session, source: Source) -> list[Model]:
    """Check every model of ``source``; raise ModelError listing all problems.

    Called models come from the source, else the latest deployed version; forms
    come from the source only.
    """
    roles.load(session)  # lanes may name roles another process imported since this one started
    return _checked(source, deployed_library(session))


def _checked(source: Source, deployed: dict[str, str]) -> list[Model]:
    models, problems = [], []
    with _materialized(source, deployed) as (forms, known):
        for name in sorted(source.models):
            try:
                models.append(check_model(source.models[name], Path(name).name, forms, known))
            except ModelError as err:
                problems.extend(err.problems)
    if problems:
        raise ModelError(problems)
    return models


def deploy(session: Session, source: Source, at: datetime, by: str | None = None,
           note: str | None = None) -> list[Deployed]:
    """Check and deploy every model of ``source``, all or nothing; log the deploy.

    Each changed model becomes a new version holding its form files as written;
    every call writes to the operations log, even when nothing changed.
    """
    deployed = [store_version(session, model, at, by, note, form_texts(model, source.forms))
                for model in check_source(session, source)]
    for d in deployed:
        if d.created:
            log_operation(session, "model_deployed", by, at, model=d.key, version=d.version,
                          note=note)
    if not any(d.created for d in deployed):
        log_operation(session, "models_unchanged", by, at, note=note,
                      models={d.key: d.version for d in deployed})
    return deployed


def form_texts(model: Model, forms: dict[str, str]) -> dict[str, str]:
    """Return the files of the forms ``model`` uses, with the shared fragments they include."""
    found: dict[str, str] = {}
    pending = [f"{name}.json" for name in model.forms]
    while pending:
        name = pending.pop()
        if name in found or name not in forms:
            continue
        found[name] = forms[name]
        pending += _refs(json.loads(forms[name]))
    return dict(sorted(found.items()))


def _refs(node: object) -> list[str]:
    """Return every ``$ref`` in a form's JSON."""
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    if not isinstance(node, dict):
        return []
    own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
    return own + [ref for value in node.values() for ref in _refs(value)]


#: built once: every start asks it
LATEST_VERSION = (select(ModelVersion).where(ModelVersion.model_key == bindparam("key"))
                  .order_by(ModelVersion.version.desc()).limit(1))


def latest_version(session: Session, key: str) -> ModelVersion | None:
    """Return the newest deployed version of model ``key``."""
    return session.scalar(LATEST_VERSION, {"key": key})


def current_version(session: Session, key: str) -> ModelVersion:
    """Return the latest version of ``key``, which must be deployed (NotFound if not)."""
    latest = latest_version(session, key)
    if latest is None:
        raise NotFound(f"流程不存在: {key}")
    return latest


def store_version(session: Session, model: Model, at: datetime, by: str | None = None,
                  note: str | None = None, form_sources: dict[str, str] | None = None) -> Deployed:
    """Store checked ``model`` as a new version unless its content equals the latest one."""
    latest = latest_version(session, model.key)
    if latest is not None and _same(latest, model, form_sources or None):
        return Deployed(model.key, latest.version, False)
    if problems := unknown_assignees(session, model.xml, model.filename or model.key):
        raise ModelError(problems)
    version = ModelVersion(
        model_key=model.key, version=(latest.version + 1) if latest else 1, name=model.name,
        content_hash=model.content_hash, bpmn_xml=model.xml, forms=model.forms,
        form_sources=form_sources or None, deployed_by=by, deployed_at=at, note=note)
    session.add(version)
    session.flush()
    if model.called:
        session.add(CalledModels(model_version_id=version.id, models=model.called))
    return Deployed(model.key, version.version, True)


def _same(latest: ModelVersion, model: Model, form_sources: dict[str, str] | None) -> bool:
    """Tell whether ``model`` is what ``latest`` holds, to the byte of its form files.

    A version stored before form files were kept (None) is compared by content only.
    """
    return latest.content_hash == model.content_hash and (
        latest.form_sources is None or latest.form_sources == form_sources)


def load_directory(processes: Path, forms: Path) -> list[Model]:
    """Check every ``*.bpmn`` in ``processes`` on its own (no database); raise ModelError."""
    return _checked(Source.of(processes, forms), {})


CALLED = CalledModels.__table__


def called_xml(conn: Connection | Session, version_id: int) -> dict[str, str]:
    """Return the XML of the models a version calls, as pinned when it was deployed."""
    models = conn.execute(select(CALLED.c.models).where(
        CALLED.c.model_version_id == version_id)).scalar()
    return dict(models) if models else {}


def list_models(session: Session) -> list[dict]:
    """Return every model's latest version with its count of running instances."""
    rows = []
    for latest in latest_versions(session):
        running = session.scalar(select(func.count()).where(
            Instance.model_key == latest.model_key, Instance.status == "running"))
        rows.append({"key": latest.model_key, "name": latest.name, "version": latest.version,
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


def deployed_files(session: Session) -> Source:
    """Return the latest version of every model as files, forms as they were deployed.

    Forms keep their ``$ref``s; a version deployed before form files were kept
    (migration 1300) gives its forms resolved, as JSON.  Newer versions win a clash.
    """
    files = Source()
    for version in sorted(latest_versions(session), key=lambda v: v.id):
        files.models[f"{version.model_key}.bpmn"] = version.bpmn_xml
        files.forms.update(version.form_sources or {
            f"{name}.json": json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
            for name, schema in version.forms.items()})
    return files


def export(session: Session, processes: Path, forms: Path) -> list[str]:
    """Write every model's latest version and its forms as files; return the paths written."""
    files = deployed_files(session)
    written = [_write(processes / name, text) for name, text in files.models.items()]
    written += [_write(forms / name, text) for name, text in files.forms.items()]
    return sorted(written)


def _write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return str(path)
