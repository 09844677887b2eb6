"""The process designer's workspace: deployed models, drafts of models and forms, deploying.

A draft is what a designer is editing; deploying a model checks it with
every deploy-time check against the *workspace forms* (the form files,
overlaid by form drafts) and stores a new version.  Nothing here imports
the web layer: the designer pages are a thin shell over these functions.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.audit.chain import log_operation
from engine.base import xmlsafe
from engine.base.errors import Conflict, Invalid, NotFound
from engine.model.deployment import (
    Deployed,
    Source,
    check_source,
    deploy,
    deployed_library,
    latest_version,
    read_forms,
)
from engine.model.forms import NAME_RE, FormError, load_form_file
from engine.model.loading import Model, ModelError, process_key
from engine.model.namespaces import NS
from engine.store.schema import DesignerDraft, Instance, ModelVersion

KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{1,60}$")


# -- drafts ----------------------------------------------------------------------

def get_draft(session: Session, kind: str, name: str) -> DesignerDraft | None:
    """Return the draft of model or form ``name``, if any."""
    return session.scalar(select(DesignerDraft).where(DesignerDraft.kind == kind,
                                                      DesignerDraft.name == name))


def save_draft(session: Session, kind: str, name: str, content: str, by: str | None,
               at: datetime) -> DesignerDraft:
    """Store ``content`` as the draft of ``name`` (replacing an older draft)."""
    draft = get_draft(session, kind, name) or DesignerDraft(kind=kind, name=name)
    draft.content, draft.updated_by, draft.updated_at = content, by, at
    session.add(draft)
    session.flush()
    return draft


def drop_draft(session: Session, kind: str, name: str) -> None:
    """Forget the draft of ``name``."""
    session.execute(delete(DesignerDraft).where(DesignerDraft.kind == kind,
                                                DesignerDraft.name == name))


def drafts(session: Session, kind: str) -> dict[str, DesignerDraft]:
    """Return every draft of ``kind`` by name."""
    rows = session.scalars(select(DesignerDraft).where(DesignerDraft.kind == kind))
    return {row.name: row for row in rows}


# -- models ----------------------------------------------------------------------

def versions(session: Session, key: str) -> list[dict]:
    """Return every version of ``key``, newest first, with its count of running items."""
    running = dict(session.execute(
        select(Instance.model_version_id, func.count()).where(
            Instance.model_key == key, Instance.status == "running")
        .group_by(Instance.model_version_id)).all())
    rows = session.scalars(select(ModelVersion).where(ModelVersion.model_key == key)
                           .order_by(ModelVersion.version.desc()))
    return [{"version": v.version, "name": v.name, "deployed_by": v.deployed_by,
             "deployed_at": v.deployed_at, "content_hash": v.content_hash, "note": v.note,
             "forms": sorted(v.forms), "running": running.get(v.id, 0)} for v in rows]


def models(session: Session) -> list[dict]:
    """Return every model (deployed or only drafted) with its versions and draft state."""
    keys = set(session.scalars(select(ModelVersion.model_key).distinct()))
    model_drafts = drafts(session, "model")
    rows = []
    for key in sorted(keys | set(model_drafts)):
        found = versions(session, key)
        name = found[0]["name"] if found else _name_of(model_drafts[key].content, key)
        rows.append({"key": key, "name": name, "versions": found,
                     "forms": found[0]["forms"] if found else [],
                     "draft": model_drafts.get(key)})
    return rows


def _name_of(xml: str, default: str) -> str:
    try:
        process = xmlsafe.parse(xml).find("bpmn:process", NS)
    except xmlsafe.UnsafeXML:
        return default
    return (process.get("name") if process is not None else None) or default


def source(session: Session, key: str) -> tuple[str, bool]:
    """Return the XML a designer edits for ``key`` (the draft, else the latest version)."""
    draft = get_draft(session, "model", key)
    if draft is not None:
        return draft.content, True
    latest = latest_version(session, key)
    if latest is None:
        raise NotFound(f"模型不存在: {key}")
    return latest.bpmn_xml, False


def token(xml: str) -> str:
    """Return the edit token of a model's source: what a designer's save is based on."""
    return hashlib.sha256(xml.encode("utf-8")).hexdigest()[:16]


def check_base(session: Session, key: str, base: str | None) -> None:
    """Refuse a save or deploy based on a source someone else has changed since (409)."""
    if not base:
        return
    xml, is_draft = source(session, key)
    if token(xml) != base:
        draft = get_draft(session, "model", key) if is_draft else None
        who = f"{draft.updated_by}（{draft.updated_at:%Y-%m-%d %H:%M} UTC）" if draft else "他人"
        raise Conflict(f"该模型已被 {who} 修改或部署，您的更改未保存。请下载您的版本备份后刷新页面。")


def read_model(data: bytes | str, filename: str = "upload.bpmn") -> tuple[str, str]:
    """Parse uploaded BPMN with the hardened parser; return ``(key, xml)`` or raise Invalid."""
    try:
        tree = xmlsafe.parse(data, filename)
        key = process_key(tree, filename)
    except (xmlsafe.UnsafeXML, ModelError) as err:
        raise Invalid(f"文件被拒绝：{err}") from None
    if not key or not KEY_RE.match(key):
        raise Invalid(f"流程编号不合法（须为英文字母开头的字母、数字、下划线）：{key!r}")
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return key, text


def callers(session: Session, key: str) -> list[str]:
    """Return the models whose latest version calls ``key`` (they pin the version they deployed with)."""
    found = []
    for other, xml in library(session).items():
        tree = xmlsafe.parse(xml, f"{other}.bpmn")
        if any(el.get("calledElement") == key for el in tree.iterfind(".//bpmn:callActivity", NS)):
            found.append(other)
    return sorted(found)


def library(session: Session) -> dict[str, str]:
    """Return the latest deployed XML of every model, by key (for call activities)."""
    return deployed_library(session)


# -- forms -----------------------------------------------------------------------

def form_names(session: Session, forms_dir: Path) -> list[str]:
    """Return the name of every form in the workspace (files, deployed, drafted)."""
    names = {p.stem for p in forms_dir.glob("*.json")}
    for forms in session.scalars(select(ModelVersion.forms)):
        names.update(forms)
    names.update(drafts(session, "form"))
    return sorted(names)


def form_text(session: Session, forms_dir: Path, name: str) -> tuple[str, bool]:
    """Return the source of form ``name`` (the draft, the file, else as deployed)."""
    if not NAME_RE.match(name):
        raise NotFound(f"表单不存在: {name}")
    draft = get_draft(session, "form", name)
    if draft is not None:
        return draft.content, True
    path = forms_dir / f"{name}.json"
    if path.is_file():
        return path.read_text(encoding="utf-8"), False
    for version in session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())):
        if f"{name}.json" in (files := version.form_sources or {}):
            return files[f"{name}.json"], False
        if name in version.forms:
            return json.dumps(version.forms[name], ensure_ascii=False, indent=2), False
    raise NotFound(f"表单不存在: {name}")


def workspace_forms(session: Session, forms_dir: Path) -> dict[str, str]:
    """Return the workspace's form files by path under ``forms/``.

    Deployed forms come first (newest version last), the form files override them,
    drafts override both: this is what a check or a deploy from the designer reads.
    """
    forms: dict[str, str] = {}
    for version in session.scalars(select(ModelVersion).order_by(ModelVersion.id)):
        forms.update(version.form_sources or {
            f"{name}.json": json.dumps(schema, ensure_ascii=False)
            for name, schema in version.forms.items()})
    forms.update(read_forms(forms_dir))
    forms.update({f"{name}.json": d.content for name, d in drafts(session, "form").items()})
    return forms


def workspace_source(session: Session, xml: str, forms_dir: Path) -> Source:
    """Return ``xml`` with the workspace forms as a source to check or deploy."""
    try:
        key = process_key(xmlsafe.parse(xml, "model.bpmn"), "model.bpmn")
    except xmlsafe.UnsafeXML as err:
        raise ModelError([str(err)]) from None
    return Source({f"{key}.bpmn": xml}, workspace_forms(session, forms_dir))


def check_form_text(session: Session, forms_dir: Path, name: str, text: str) -> dict:
    """Return form ``name`` resolved and checked as it would deploy from ``text``.

    Raises Invalid with a Chinese reason for bad JSON or a schema this product refuses.
    """
    if not NAME_RE.match(name) or name.startswith("_"):
        raise Invalid(f"表单名不合法（字母、数字、下划线）：{name!r}")
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        raise Invalid(f"JSON 语法错误（第 {err.lineno} 行）：{err.msg}") from None
    except RecursionError:
        raise Invalid("JSON 嵌套过深。") from None
    forms = {**workspace_forms(session, forms_dir), f"{name}.json": text}
    with tempfile.TemporaryDirectory(prefix="shenfa-form-") as tmp:
        target = Path(tmp)
        (target / "_shared").mkdir()
        for path, content in forms.items():
            (target / path).write_text(content, encoding="utf-8")
        try:
            return load_form_file(target, name)
        except (FormError, AttributeError, TypeError) as err:
            raise Invalid(f"表单定义不合法：{err}") from None


# -- checking and deploying --------------------------------------------------------

def check(session: Session, xml: str, forms_dir: Path) -> Model:
    """Run every deploy-time check on ``xml`` against the workspace; raise ModelError."""
    return check_source(session, workspace_source(session, xml, forms_dir))[0]


def deploy_model(session: Session, xml: str, forms_dir: Path, by: str, at: datetime,
                 note: str, expected_key: str | None = None) -> Deployed:
    """Check and deploy ``xml`` as a new version with a change note; drop its draft."""
    note = (note or "").strip()
    if not note:
        raise Invalid("请填写变更说明。", {"note": ["请填写变更说明。"]})
    source = workspace_source(session, xml, forms_dir)
    key = Path(next(iter(source.models))).stem
    if expected_key and key != expected_key:
        raise Conflict(f"流程编号已改为 {key}，与 {expected_key} 不符；请另存为新模型。")
    [deployed] = deploy(session, source, at, by, note)
    drop_draft(session, "model", key)
    return deployed


TEMPLATE = Path(__file__).with_name("model_template.bpmn")


def new_model(session: Session, key: str, name: str, by: str, at: datetime) -> str:
    """Create a draft of a new model ``key`` from the template; return its XML."""
    name = (name or "").strip()
    if not KEY_RE.match(key or ""):
        raise Invalid("流程编号须为英文字母开头，只含字母、数字、下划线（2–61 个字符）。")
    if not name:
        raise Invalid("请填写流程名称。")
    if latest_version(session, key) is not None or get_draft(session, "model", key):
        raise Conflict(f"流程编号 {key} 已存在。")
    xml = TEMPLATE.read_text(encoding="utf-8").replace("KEY", key).replace(
        "NAME", _xml_attr(name))
    save_draft(session, "model", key, xml, by, at)
    return xml


def _xml_attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


# -- migrating running items -------------------------------------------------------

def migrate_items(engine, key: str, from_version: int, to_version: int, ids: list[int],
                  actor: str) -> list[dict]:
    """Migrate the items ``ids`` (one transaction each) and log one operations entry.

    Items no longer on ``from_version`` (already migrated: a resumed run) are skipped.
    """
    from engine.run.migration import Migrator

    migrator = Migrator(engine, key, from_version, to_version)
    results = []
    for instance_id in ids:
        try:
            found = migrator.migrate(int(instance_id), actor)
        except (Conflict, NotFound) as err:
            results.append({"instance_id": instance_id, "state": "skipped",
                            "reasons": [str(err)], "warnings": []})
            continue
        results.append({**found.__dict__, "state": "migrated" if found.migratable else "untouched"})
    with engine.db.transaction() as session:
        log_operation(session, "instances_migrated", actor, engine.clock.now(), model=key,
                      from_version=from_version, to_version=migrator.target.version,
                      migrated=[r["instance_id"] for r in results if r["state"] == "migrated"],
                      untouched=[r["instance_id"] for r in results if r["state"] == "untouched"])
    return results
