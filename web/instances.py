"""Items (事项): start page, item page with diagram and timeline, comments, attachments."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    get_template_attribute,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from flask_login import current_user, login_required

from engine.app import tasks as task_service
from engine.base.errors import Invalid
from engine.model.catalog import start_entry, startable
from engine.org.access import check_may_view
from engine.read import queries
from engine.read.diagram import diagram
from engine.read.progress import facts, progress
from engine.run.attachments import add_attachment, attachment_for, attachments_of
from engine.run.choices import with_choices
from engine.run.comments import add_comment, comments_of

from .auth import is_local_path
from .formview import fields_for, item_labels, parse_form
from .post import render_post
from .services import blobs, engine, now, transaction
from .tasks import wants_json

bp = Blueprint("instances", __name__)
INLINE = ("image/", "video/")
LANE_KEY = re.compile(r'(<(?:bpmn:)?lane\b[^>]*?\bname="[^"]*?)\s*[(（][a-z_]+[)）]\s*(?=")')
#: what staff call the procedures they start most; listed first, in this order
STAFF_WORDS = {"post_review": ("写稿件", "写好稿件提交审核，按账号级别自动走三审三校、四审四校或三级平台审核。")}


@bp.app_template_global()
def post_body(values: dict, attachments: list[dict]):
    """Render a post's body with the item's attachment images; return (html, warnings)."""
    return render_post(values.get("body"), [a["id"] for a in attachments])


@bp.route("/start")
@login_required
def catalog():
    """List the procedures the user may start, the everyday one (写稿件) first."""
    with transaction() as db:
        models = startable(db, current_user.username)
    for m in models:
        m["staff_name"], m["staff_help"] = STAFF_WORDS.get(m["key"], (None, None))
    models.sort(key=lambda m: (m["staff_name"] is None, list(STAFF_WORDS).index(m["key"])
                               if m["key"] in STAFF_WORDS else 0))
    return render_template("start_list.html", models=models)


@bp.route("/preview", methods=["POST"])
@login_required
def preview():
    """Render a body as the item page will show it, with warnings for what is left out."""
    instance_id = request.form.get("instance_id", type=int)
    files = []
    if instance_id:
        with transaction() as db:
            check_may_view(db, instance_id, current_user.username)
            files = attachments_of(db, instance_id)
    html, warnings = render_post(request.form.get("body", ""), [a["id"] for a in files])
    return jsonify({"html": str(html), "warnings": warnings})


def _render_start(entry: dict, values: dict, errors: dict | None = None, status: int = 200):
    with transaction() as db:
        schema = with_choices(entry["form_schema"], db, current_user.username) or {"properties": {}}
    return render_template("start.html", entry=entry, errors=errors or {},
                           fields=fields_for(schema, values, errors)), status


@bp.route("/start/<key>", methods=["GET", "POST"])
@login_required
def start(key: str):
    """Show a start form; on post start the item and open its first task for the author."""
    with transaction() as db:
        entry = start_entry(db, key, current_user.username)
    if request.method == "GET":
        return _render_start(entry, {})
    data = parse_form(entry["form_schema"] or {"properties": {}}, request.form)
    try:
        instance_id = task_service.start(engine(), key, current_user.username, data)
    except Invalid as err:
        return _render_start(entry, data, err.errors or {"_form": [err.message]}, 400)
    flash("事项已发起。")
    return redirect(_next_step(instance_id))


def _next_step(instance_id: int) -> str:
    with transaction() as db:
        tasks = queries.instance_detail(db, instance_id)["tasks"]
    mine = [t for t in tasks if t["status"] == "open" and t["assignee"] == current_user.username]
    if mine:
        return url_for("tasks.show", task_id=mine[0]["id"])
    return url_for("instances.show", instance_id=instance_id)


@bp.route("/items/<int:instance_id>")
@login_required
def show(instance_id: int):
    """Show an item: status, diagram, post, timeline, comments, attachments."""
    with transaction() as db:
        check_may_view(db, instance_id, current_user.username)
        item = queries.instance_detail(db, instance_id)
        values = queries.current_values(db, instance_id)
        comments, files = comments_of(db, instance_id), attachments_of(db, instance_id)
        labels = item_labels(db, item)
        line, item_facts = progress(db, instance_id), facts(db, instance_id, values)
    return render_template("item.html", item=item, values=values, comments=comments,
                           attachments=files, labels=labels, viewer=_viewer_installed(),
                           progress=line, facts=item_facts)


@bp.route("/items/<int:instance_id>/diagram.json")
@login_required
def diagram_json(instance_id: int):
    """Return the pinned model's XML and the state of each element."""
    with transaction() as db:
        inst = check_may_view(db, instance_id, current_user.username)
        answer = diagram(db, inst)
    answer["xml"] = LANE_KEY.sub(r"\1", answer["xml"])  # staff read 拟稿人, not (initiator)
    return jsonify(answer)


def _back(instance_id: int) -> str:
    target = request.form.get("back", "")
    if is_local_path(target):
        return target
    return url_for("instances.show", instance_id=instance_id)


@bp.route("/items/<int:instance_id>/comments", methods=["POST"])
@login_required
def comment(instance_id: int):
    """Add a comment to the item."""
    try:
        with transaction() as db:
            add_comment(db, instance_id, current_user.username, request.form.get("body"), now())
    except Invalid as err:
        if wants_json():
            return _box("comments_box", instance_id, err.errors.get("body", [err.message])[0], 400)
        flash(err.errors.get("body", [err.message])[0], "error")
    if wants_json():
        return _box("comments_box", instance_id, "评论已发表。")
    return redirect(_back(instance_id) + "#comments")


def _box(macro: str, instance_id: int, message: str, status: int = 200):
    """Answer the page's fetch: the box redrawn (comments or attachments) and a message."""
    with transaction() as db:
        rows = (comments_of(db, instance_id) if macro == "comments_box"
                else attachments_of(db, instance_id))
    html = get_template_attribute("_item.html", macro)(rows, instance_id, _back(instance_id))
    return jsonify({"html": str(html), "message": message, "ok": status < 400}), status


@bp.route("/items/<int:instance_id>/attachments", methods=["POST"])
@login_required
def upload(instance_id: int):
    """Attach an image, PDF or video to the item."""
    upload = request.files.get("file")
    data = b""
    if upload:
        with upload.stream:
            data = upload.read()
    limit = int(float(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024)
    try:
        with transaction() as db:
            add_attachment(db, blobs(), instance_id, current_user.username,
                           upload.filename if upload else None, data, now(), limit)
    except Invalid as err:
        if wants_json():
            return _box("attachments_box", instance_id,
                        err.errors.get("file", [err.message])[0], 400)
        flash(err.errors.get("file", [err.message])[0], "error")
    else:
        if wants_json():
            return _box("attachments_box", instance_id, "附件已上传。")
        flash("附件已上传。")
    return redirect(_back(instance_id) + "#attachments")


@bp.route("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    """Serve an attachment with headers that stop it from running as a page."""
    with transaction() as db:
        info = attachment_for(db, attachment_id, current_user.username)
    path = blobs().path(info["sha256"])
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=info["mime"], conditional=True, max_age=0)
    disposition = "inline" if info["mime"].startswith(INLINE) else "attachment"
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename*=UTF-8''{quote(info['filename'])}")
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _vendor_dir() -> Path:
    return Path(current_app.config["NODE_MODULES"]) / "bpmn-js" / "dist"


def _viewer_installed() -> bool:
    return (_vendor_dir() / "bpmn-navigated-viewer.production.min.js").is_file()


@bp.route("/vendor/bpmn-js/<path:name>")
def vendor(name: str):
    """Serve the bpmn-js viewer bundle installed from the npm registry (never a CDN)."""
    return send_from_directory(_vendor_dir(), name, max_age=86400)
