"""The bell (通知): a user's notifications — new tasks, returns, reminders, escalations."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.app import notices as service

from .services import engine, writes

bp = Blueprint("notices", __name__)


@bp.app_context_processor
def unread_count() -> dict:
    """Give every page the signed-in user's unread count for the bell."""
    if not current_user.is_authenticated:
        return {"unread_notices": 0}
    return {"unread_notices": service.unread_count(engine(), current_user.id)}


@bp.route("/notices")
@login_required
def index():
    return render_template("notices.html", items=service.recent(engine(), current_user.id))


@bp.route("/notices/read", methods=["POST"])
@login_required
def mark_read():
    ids = [int(i) for i in request.form.getlist("id") if i.isdigit()]
    service.mark_read(engine(), current_user.id, ids, every=bool(request.form.get("all")))
    return redirect(url_for("notices.index"))


@bp.route("/notices/count.json")
@login_required
def count():
    """Answer the bell's poll: how many notifications are unread now."""
    return jsonify(unread=service.unread_count(engine(), current_user.id))


@bp.route("/notices/<int:notice_id>/open")
@login_required
@writes
def open_notice(notice_id: int):
    """Mark one's own notification read and go where it points: the open task, else the item."""
    target = service.open_notice(engine(), current_user.id, notice_id)
    if target.task_id:
        return redirect(url_for("tasks.show", task_id=target.task_id))
    if target.instance_id:
        return redirect(url_for("instances.show", instance_id=target.instance_id))
    return redirect(url_for("notices.index"))
