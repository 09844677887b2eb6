"""The models service: what designers and operators do with procedures (issue 13).

One module for the designer pages and the CLI — list, check, deploy, export,
drafts, diff and migrate — returning typed results.  The web passes the session
of its request's transaction through untouched and never queries tables itself;
the CLI passes its Engine.  Files are the source: every deploy, from a folder or
from the designer's workspace, goes through :func:`engine.model.deployment.deploy`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.audit.chain import log_operation
from engine.design import workspace
from engine.model import callers, deployment
from engine.model.deployment import Deployed, Source
from engine.model.findings import chinese, locate
from engine.model.loading import ModelError, load_model
from engine.model.versions import diff_models

__all__ = ["Deployed", "ModelError"]


@dataclass(frozen=True)
class Draft:
    """A designer's unsaved work on a model or form."""

    name: str
    content: str
    updated_by: str | None
    updated_at: datetime


@dataclass(frozen=True)
class VersionInfo:
    """One deployed version of a model, with the items running on it."""

    version: int
    name: str
    deployed_by: str | None
    deployed_at: datetime
    content_hash: str
    note: str | None
    forms: list[str]
    running: int


@dataclass(frozen=True)
class ModelInfo:
    """A model of the workspace: its versions (newest first) and its draft, if any."""

    key: str
    name: str
    versions: list[VersionInfo]
    forms: list[str]
    draft: Draft | None


@dataclass(frozen=True)
class Summary:
    """A model's latest deployed version with the items running on the model."""

    key: str
    name: str
    version: int
    content_hash: str
    deployed_at: datetime
    running: int


@dataclass(frozen=True)
class Text:
    """What a designer edits: the draft if any, else what is deployed or on file."""

    content: str
    draft: bool

    @property
    def token(self) -> str:
        """Return the edit token a save or deploy is based on."""
        return workspace.token(self.content)


@dataclass(frozen=True)
class Checked:
    """The outcome of checking a model: findings placed on its elements."""

    ok: bool
    findings: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class MigrationPreview:
    """A dry run of moving items to the latest version: checks, changes, calls inside."""

    checks: list[Any]
    changes: dict[int, list[str]]
    inside: list[dict[str, Any]]


def _draft(row) -> Draft | None:
    return Draft(row.name, row.content, row.updated_by, row.updated_at) if row else None


# -- listing and reading ----------------------------------------------------------

def versions(session, key: str) -> list[VersionInfo]:
    """Return every version of ``key``, newest first."""
    return [VersionInfo(**row) for row in workspace.versions(session, key)]


def models(session) -> list[ModelInfo]:
    """Return every model of the workspace, deployed or only drafted."""
    return [ModelInfo(row["key"], row["name"], [VersionInfo(**v) for v in row["versions"]],
                      row["forms"], _draft(row["draft"])) for row in workspace.models(session)]


def model(session, key: str) -> ModelInfo | None:
    """Return model ``key``, or None."""
    return next((m for m in models(session) if m.key == key), None)


def deployed(session) -> list[Summary]:
    """Return every model's latest version with its running count (``shenfa models``)."""
    return [Summary(**row) for row in deployment.list_models(session)]


def source(session, key: str) -> Text:
    """Return the XML a designer edits for ``key`` (404 for an unknown model)."""
    return Text(*workspace.source(session, key))


def version_xml(session, key: str, number: int) -> str:
    """Return the XML of version ``number`` of ``key``."""
    return deployment.version_xml(session, key, number)


def callers_of(session, key: str) -> list[str]:
    """Return the models whose latest version calls ``key``."""
    return workspace.callers(session, key)


def stale_callers(session, key: str) -> list[dict[str, Any]]:
    """Return the models whose latest version calls an older version of ``key``."""
    return callers.stale_callers(session, key)


def diff(session, key: str, old: int, new: int) -> dict[str, list[dict]]:
    """Return what changed between two versions of ``key``."""
    return diff_models(version_xml(session, key, old), version_xml(session, key, new))


# -- drafts -------------------------------------------------------------------------

def read_upload(data: bytes | str, filename: str) -> tuple[str, str]:
    """Parse uploaded BPMN with the hardened parser; return ``(key, xml)`` or raise Invalid."""
    return workspace.read_model(data, filename)


def save_model_draft(session, key: str, xml: str, by: str, at: datetime,
                     base: str | None = None) -> Text:
    """Store ``xml`` as the draft of ``key``; refuse it if ``base`` is stale (409)."""
    workspace.check_base(session, key, base)
    workspace.save_draft(session, "model", key, xml, by, at)
    return Text(xml, True)


def restore(session, key: str, number: int, by: str, at: datetime) -> None:
    """Make version ``number`` the draft of ``key``."""
    workspace.save_draft(session, "model", key, version_xml(session, key, number), by, at)


def drop_draft(session, kind: str, name: str) -> None:
    """Forget the draft of model or form ``name``."""
    workspace.drop_draft(session, kind, name)


def new_model(session, key: str, name: str, by: str, at: datetime) -> str:
    """Create a draft of a new model from the template; return its XML."""
    return workspace.new_model(session, key, name, by, at)


# -- forms --------------------------------------------------------------------------

def form_names(session, forms_dir: Path) -> list[str]:
    """Return the name of every form of the workspace."""
    return workspace.form_names(session, forms_dir)


def drafted_forms(session) -> set[str]:
    """Return the names of the forms with a draft."""
    return set(workspace.drafts(session, "form"))


def form(session, forms_dir: Path, name: str) -> Text:
    """Return the source of form ``name`` (draft, file, else as deployed; 404)."""
    return Text(*workspace.form_text(session, forms_dir, name))


def check_form(session, forms_dir: Path, name: str, text: str) -> dict:
    """Return form ``name`` resolved and checked from ``text``, or raise Invalid."""
    return workspace.check_form_text(session, forms_dir, name, text)


def save_form_draft(session, forms_dir: Path, name: str, text: str, by: str,
                    at: datetime) -> None:
    """Check ``text`` and store it as the draft of form ``name``."""
    workspace.check_form_text(session, forms_dir, name, text)
    workspace.save_draft(session, "form", name, text, by, at)


# -- checking and deploying -----------------------------------------------------------

def findings(xml: str, key: str, err: ModelError) -> list[dict[str, Any]]:
    """Place each problem on its element; problems of called models stay off this diagram."""
    found = locate(xml, err.problems)
    for item, problem in zip(found, err.problems, strict=True):
        if not problem.startswith(f"{key}.bpmn:"):
            where = problem.split(":", 1)[0]
            item.update(element_id=None, message=f"被调用的流程 {where} 第{item['line']}行：{item['message']}"
                        if item["line"] else chinese(problem))
    return found


def problems_text(err: ModelError) -> str:
    """Return a refusal's problems in Chinese, one sentence each."""
    return "；".join(chinese(p) for p in err.problems)


def check(session, key: str, xml: str, forms_dir: Path) -> Checked:
    """Run every deploy-time check on ``xml`` against the workspace."""
    try:
        workspace.check(session, xml, forms_dir)
    except ModelError as err:
        return Checked(False, findings(xml, key, err))
    return Checked(True)


def deploy_draft(session, key: str, xml: str, forms_dir: Path, by: str, at: datetime,
                 note: str, base: str | None = None) -> Deployed:
    """Deploy the designer's ``xml`` with the workspace forms (the one deploy path); drop its draft."""
    workspace.check_base(session, key, base)
    return workspace.deploy_model(session, xml, forms_dir, by, at, note, expected_key=key)


def redeploy_callers(session, key: str, forms_dir: Path, by: str, at: datetime) -> list[Deployed]:
    """Deploy again every model that still calls an older version of ``key``."""
    return callers.redeploy_callers(session, key, forms_dir, by, at)


def deploy_files(engine, paths: Iterable[Path], by: str | None = None, note: str | None = None,
                 forms: Path | None = None) -> list[Deployed]:
    """Deploy folders of ``.bpmn`` (or single files) with the ``forms/`` beside them; all or nothing."""
    source = Source()
    for path in paths:
        source = source.merged(Source.of(path, forms))
    with engine.db.transaction() as session:
        return deployment.deploy(session, source, engine.clock.now(), by, note)


def check_files(paths: Iterable[Path]) -> dict[str, list[dict[str, Any]]]:
    """Check model files without deploying; return the findings of each by file name."""
    report: dict[str, list[dict[str, Any]]] = {}
    for path in paths:
        try:
            load_model(path, path.parent.parent / "forms")
            report[path.name] = []
        except ModelError as err:
            report[path.name] = locate(path.read_text(encoding="utf-8"), err.problems)
    return report


def export_files(engine, target: Path, by: str | None = None) -> list[str]:
    """Write what is deployed back as files under ``target``; log the export."""
    with engine.db.transaction() as session:
        written = deployment.export(session, target / "processes", target / "forms")
        log_operation(session, "models_exported", by, engine.clock.now(), files=len(written))
    return written


# -- migrating running items ------------------------------------------------------------

def migration_preview(engine, key: str, frm: int | None) -> MigrationPreview:
    """Dry-run moving the items on version ``frm`` to the latest version; change nothing."""
    from engine.run.migration import Migrator

    migrator = Migrator(engine, key, frm) if frm else None
    return MigrationPreview(migrator.dry_run() if migrator else [],
                            callers.previews(engine, migrator) if migrator else {},
                            callers.running_inside(engine, key))


def migrate_items(engine, key: str, frm: int, to: int, ids: list[int], by: str) -> list[dict]:
    """Migrate a batch of items (one transaction each) and log one operations entry."""
    return workspace.migrate_items(engine, key, frm, to, ids, by)


def migrate(engine, key: str, frm: int, to: int | None, by: str | None, dry_run: bool,
            on_check: Callable[[Any], None] = lambda c: None) -> list[Any]:
    """Check (or migrate, then log) every running item of ``key`` on version ``frm``."""
    from engine.run.migration import Migrator

    migrator = Migrator(engine, key, frm, to)
    if dry_run:
        return migrator.dry_run()
    results = migrator.run(by, on_check)
    with engine.db.transaction() as session:
        log_operation(session, "instances_migrated", by, engine.clock.now(), model=key,
                      from_version=frm, to_version=migrator.target.version,
                      migrated=[c.instance_id for c in results if c.migratable],
                      untouched=[c.instance_id for c in results if not c.migratable])
    return results
