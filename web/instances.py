"""Items (事项): start page, item page with diagram and timeline, comments, attachments."""

from __future__ import annotations

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

from engine.app import items
from engine.app import tasks as task_service
from engine.base.errors import Invalid, Refused

from .auth import is_local_path
from .formview import fields_for, parse_form
from .post import render_post
from .services import blobs, engine
from .tasks import wants_json

bp = Blueprint("instances", __name__)
INLINE = ("image/", "video/")


@bp.app_template_global()
def post_body(values: dict, attachments: list[dict]):
    """Render a post's body with the item's attachment images; return (html, warnings)."""
    return render_post(values.get("body"), [a["id"] for a in attachments])


@bp.route("/start")
@login_required
def catalog():
    """List the procedures the user may start, the everyday one (写稿件) first."""
    return render_template("start_list.html", models=items.start_list(engine(), current_user.username))


@bp.route("/preview", methods=["POST"])
@login_required
def preview():
    """Render a body as the item page will show it, with warnings for what is left out."""
    instance_id = request.form.get("instance_id", type=int)
    files = items.attachments(engine(), instance_id, current_user.username) if instance_id else []
    html, warnings = render_post(request.form.get("body", ""), [a["id"] for a in files])
    return jsonify({"html": str(html), "warnings": warnings})


def _render_start(form: items.StartForm, values: dict, errors: dict | None = None, status: int = 200):
    return render_template("start.html", entry=form.entry, errors=errors or {},
                           fields=fields_for(form.schema, values, errors)), status


@bp.route("/start/<key>", methods=["GET", "POST"])
@login_required
def start(key: str):
    """Show a start form; on post start the item and open its first task for the author."""
    form = items.start_form(engine(), key, current_user.username)
    if request.method == "GET":
        return _render_start(form, {})
    data = parse_form(form.entry["form_schema"] or {"properties": {}}, request.form)
    try:
        instance_id = task_service.start(engine(), key, current_user.username, data)
    except Invalid as err:
        return _render_start(form, data, err.errors or {"_form": [err.message]}, 400)
    flash("事项已发起。")
    return redirect(_next_step(instance_id))


def _next_step(instance_id: int) -> str:
    mine = items.next_task(engine(), instance_id, current_user.username)
    if mine:
        return url_for("tasks.show", task_id=mine)
    return url_for("instances.show", instance_id=instance_id)


@bp.route("/items/<int:instance_id>")
@login_required
def show(instance_id: int):
    """Show an item: status, diagram, post, timeline, comments, attachments."""
    page = items.item_page(engine(), instance_id, current_user.username)
    return render_template("item.html", item=page.item, values=page.values, comments=page.comments,
                           attachments=page.attachments, labels=page.labels,
                           viewer=_viewer_installed(), progress=page.progress, facts=page.facts,
                           sources_editable=page.sources_editable)


@bp.route("/items/<int:instance_id>/diagram.json")
@login_required
def diagram_json(instance_id: int):
    """Return the pinned model's XML and the state of each element."""
    return jsonify(items.item_diagram(engine(), instance_id, current_user.username))


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
        items.comment(engine(), instance_id, current_user.username, request.form.get("body"))
    except Invalid as err:
        if wants_json():
            return _box("comments_box", instance_id, err.errors.get("body", [err.message])[0], 400)
        flash(err.errors.get("body", [err.message])[0], "error")
    if wants_json():
        return _box("comments_box", instance_id, "评论已发表。")
    return redirect(_back(instance_id) + "#comments")


def _box(macro: str, instance_id: int, message: str, status: int = 200):
    """Answer the page's fetch: the box redrawn (comments or attachments) and a message."""
    if macro == "comments_box":
        rows = items.comments(engine(), instance_id)
        html = get_template_attribute("_item.html", macro)(rows, instance_id, _back(instance_id))
    else:
        rows = items.attachments(engine(), instance_id)
        editable = items.sources_editable(engine(), instance_id, current_user.username)
        html = get_template_attribute("_item.html", macro)(rows, instance_id, _back(instance_id),
                                                           editable)
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
        items.attach(engine(), blobs(), instance_id, current_user.username,
                     upload.filename if upload else None, data, limit, request.form.get("source"))
    except Invalid as err:
        return _refused_file(instance_id, err)
    else:
        if wants_json():
            return _box("attachments_box", instance_id, "附件已上传。")
        flash("附件已上传。")
    return redirect(_back(instance_id) + "#attachments")


def _refused_file(instance_id: int, err: Invalid):
    """Answer a refused upload or source: the box with the reason, or back with it flashed."""
    said = next(iter([*err.errors.get("file", []), *err.errors.get("source", [])]), err.message)
    if wants_json():
        return _box("attachments_box", instance_id, said, 400)
    flash(said, "error")
    return redirect(_back(instance_id) + "#attachments")


@bp.route("/attachments/<int:attachment_id>/source", methods=["POST"])
@login_required
def source(attachment_id: int):
    """Set the source (图片来源) of an attachment while its post is being drafted."""
    instance_id = items.attachment(engine(), attachment_id, current_user.username)["instance_id"]
    try:
        items.set_source(engine(), attachment_id, current_user.username, request.form.get("source"))
    except Invalid as err:
        return _refused_file(instance_id, err)
    except Refused as err:  # no longer drafting, or not the drafter: said beside the files
        if not wants_json():
            raise
        return _box("attachments_box", instance_id, err.message, err.status)
    if wants_json():
        return _box("attachments_box", instance_id, "来源已保存。")
    flash("来源已保存。")
    return redirect(_back(instance_id) + "#attachments")


@bp.route("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    """Serve an attachment with headers that stop it from running as a page."""
    info = items.attachment(engine(), attachment_id, current_user.username)
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
