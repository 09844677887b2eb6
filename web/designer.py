"""The process designer's area (流程设计): models, the modeler, checks on the diagram, deploy.

Only holders of ``process_designer`` reach any page here.  The routes are a
thin shell over :mod:`engine.app.models`; forms live in ``designer_forms``,
versions, diff and migration in ``designer_versions``.
"""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from engine.app import models as models_app
from engine.app.vocabulary import ROLE_TITLES, extensions, known_roles
from engine.base import xmlsafe
from engine.base.errors import Invalid, NotFound

from .designer_bp import bp, forms_dir
from .services import now, transaction


def roles() -> list[dict]:
    """Return the roles a lane may name, with their Chinese titles."""
    return [{"key": r, "title": ROLE_TITLES.get(r, "账号运营者" if r == "account_operator" else r)}
            for r in sorted(known_roles())]


@bp.route("/")
def index():
    """List every model with its versions, running items and forms."""
    with transaction() as db:
        models = models_app.models(db)
    return render_template("designer/index.html", models=models)


@bp.route("/models/<key>")
def model(key: str):
    """Show one model: its versions, the items running on each, its forms."""
    with transaction() as db:
        found = models_app.model(db, key)
        called_by = models_app.callers_of(db, key)
    if found is None:
        abort(404)
    return render_template("designer/model.html", model=found, called_by=called_by)


@bp.route("/models/<key>/edit")
def edit(key: str):
    """Open the model in the BPMN modeler."""
    with transaction() as db:
        models_app.source(db, key)  # 404 for an unknown model
    return render_template("designer/modeler.html", key=key)


@bp.route("/models/<key>/source.json")
def source(key: str):
    """Return what the modeler loads: the XML, whether it is a draft, roles and forms."""
    with transaction() as db:
        found = models_app.source(db, key)
        forms = form_choices(db)
    return jsonify(xml=found.content, draft=found.draft, token=found.token, roles=roles(),
                   forms=forms, properties=extensions.panel())


def form_choices(db) -> list[dict]:
    """Return every form as ``{name, title}``, by title: designers choose 「拟稿」, not post_draft."""
    found = []
    for name in models_app.form_names(db, forms_dir()):
        try:
            title = json.loads(models_app.form(db, forms_dir(), name).content).get("title")
        except (ValueError, AttributeError, NotFound):
            title = None  # a draft that is not JSON yet still shows, by its name
        found.append({"name": name, "title": title if isinstance(title, str) and title else name})
    return sorted(found, key=lambda f: (f["title"], f["name"]))


def _posted_xml(key: str | None = None) -> str:
    body = request.get_json(silent=True) or {}
    xml = body.get("xml")
    if not isinstance(xml, str) or not xml.strip():
        raise Invalid("没有收到模型内容。")
    found, xml = models_app.read_upload(xml, f"{key or 'model'}.bpmn")
    if key and found != key:
        raise Invalid(f"流程编号为 {found}，与当前模型 {key} 不符；请通过上传另存为新模型。")
    return xml


@bp.route("/models/<key>/draft", methods=["POST"])
def save_draft(key: str):
    """Store the modeler's XML as the model's draft."""
    xml = _posted_xml(key)
    with transaction() as db:
        saved = models_app.save_model_draft(db, key, xml, current_user.username, now(), _base())
    return jsonify(saved=True, message="草稿已保存。", token=saved.token)


def _base() -> str | None:
    base = (request.get_json(silent=True) or {}).get("base")
    return base if isinstance(base, str) else None


@bp.route("/models/<key>/draft/discard", methods=["POST"])
def discard_draft(key: str):
    """Forget the draft; the modeler then shows the latest version again."""
    with transaction() as db:
        models_app.drop_draft(db, "model", key)
    flash("草稿已丢弃。")
    return redirect(url_for("designer.model", key=key))


@bp.route("/models/<key>/check", methods=["POST"])
def check(key: str):
    """Run every deploy-time check; return the findings placed on elements."""
    xml = _posted_xml(key)
    with transaction() as db:
        checked = models_app.check(db, key, xml, forms_dir())
    return jsonify(ok=checked.ok, findings=checked.findings)


@bp.route("/models/<key>/deploy", methods=["POST"])
def deploy(key: str):
    """Check, then deploy a new version with the change note; refuse while errors stand."""
    xml = _posted_xml(key)
    note = (request.get_json(silent=True) or {}).get("note") or ""
    try:
        with transaction() as db:
            done = models_app.deploy_draft(db, key, xml, forms_dir(), current_user.username,
                                           now(), str(note), _base())
    except models_app.ModelError as err:
        return jsonify(ok=False, message="模型有错误，未部署。请先修正图上标出的问题。",
                       findings=models_app.findings(xml, key, err)), 422
    message = (f"已部署为版本 {done.version}。" if done.created
               else f"内容与版本 {done.version} 相同，未产生新版本。")
    with transaction() as db:
        stale = models_app.stale_callers(db, key)
    if stale:
        named = "、".join(f"{c['name']}（{c['key']}，调用 v{c['calls'] or '旧版'}）" for c in stale)
        message += f"以下流程仍调用旧版本：{named}。重新部署它们后，新发起的事项才使用版本 {done.version}。"
    return jsonify(ok=True, version=done.version, created=done.created, message=message,
                   token=models_app.Text(xml, False).token, callers=stale)


@bp.route("/models/<key>/callers/redeploy", methods=["POST"])
def redeploy_callers(key: str):
    """Deploy again every model that still calls an older version of ``key``."""
    try:
        with transaction() as db:
            done = models_app.redeploy_callers(db, key, forms_dir(), current_user.username, now())
    except models_app.ModelError as err:
        return jsonify(ok=False, message="调用方流程有错误，未重新部署："
                       + models_app.problems_text(err)), 422
    named = "、".join(f"{d.key} v{d.version}" for d in done)
    return jsonify(ok=True, message=f"已重新部署：{named}。" if done else "没有需要重新部署的调用方。",
                   deployed=[{"key": d.key, "version": d.version} for d in done])


@bp.route("/models/<key>/download")
def download(key: str):
    """Download the model (draft if any) as a .bpmn file."""
    with transaction() as db:
        xml = models_app.source(db, key).content
    return send_file(BytesIO(xml.encode("utf-8")), mimetype="application/xml",
                     as_attachment=True, download_name=f"{key}.bpmn")


@bp.route("/upload", methods=["POST"])
def upload():
    """Read an uploaded .bpmn through the hardened parser and store it as a draft."""
    if (request.content_length or 0) > xmlsafe.MAX_MODEL_BYTES + 65536:
        abort(413, f"文件过大：模型文件不得超过 {xmlsafe.MAX_MODEL_BYTES // 1048576} MB，未保存任何内容。")
    file = request.files.get("file")
    if file is None or not file.filename:
        raise Invalid("请选择要上传的 .bpmn 文件。")
    with file.stream:
        data = file.stream.read(xmlsafe.MAX_MODEL_BYTES + 1)
    key, xml = models_app.read_upload(data, Path(file.filename).name)
    with transaction() as db:
        models_app.save_model_draft(db, key, xml, current_user.username, now())
    flash(f"已上传为 {key} 的草稿，请检查后部署。")
    return redirect(url_for("designer.edit", key=key))


@bp.route("/new", methods=["POST"])
def new():
    """Create a new model from the template and open it in the modeler."""
    key = request.form.get("key", "").strip()
    with transaction() as db:
        models_app.new_model(db, key, request.form.get("name", ""), current_user.username, now())
    flash("已由模板新建模型草稿。")
    return redirect(url_for("designer.edit", key=key))


def init_app(app) -> None:
    """Register the designer blueprint and its forms, pre-screen rules, versions and migration routes."""
    from . import designer_forms, designer_prescreen, designer_versions  # noqa: F401 - routes on ``bp``

    app.register_blueprint(bp)
