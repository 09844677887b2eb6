"""The bell (通知): a user's notifications — new tasks, returns, reminders, escalations."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine import notifications

from .services import now, transaction

bp = Blueprint("notices", __name__)


@bp.app_context_processor
def unread_count() -> dict:
    """Give every page the signed-in user's unread count for the bell."""
    if not current_user.is_authenticated:
        return {"unread_notices": 0}
    with transaction() as session:
        return {"unread_notices": notifications.unread_count(session, current_user.id)}


@bp.route("/notices")
@login_required
def index():
    with transaction() as session:
        rows = notifications.recent(session, current_user.id)
        items = [{"id": n.id, "kind": notifications.KINDS.get(n.kind, n.kind), "subject": n.subject,
                  "body": n.body, "at": n.created_at, "read": n.read_at is not None,
                  "instance_id": n.instance_id} for n in rows]
    return render_template("notices.html", items=items)


@bp.route("/notices/read", methods=["POST"])
@login_required
def mark_read():
    ids = [int(i) for i in request.form.getlist("id") if i.isdigit()]
    with transaction() as session:
        if request.form.get("all"):
            ids = [n.id for n in notifications.unread(session, current_user.id, limit=1000)]
        notifications.mark_read(session, current_user.id, ids, now())
    return redirect(url_for("notices.index"))
