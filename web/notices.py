"""The bell (通知): a user's notifications — new tasks, returns, reminders, escalations."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from engine.notify import notifications
from engine.store.schema import Notification, Task

from .services import now, transaction, writes

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
                  "instance_id": n.instance_id, "kind_key": n.kind} for n in rows]
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


@bp.route("/notices/count.json")
@login_required
def count():
    """Answer the bell's poll: how many notifications are unread now."""
    with transaction() as session:
        return jsonify(unread=notifications.unread_count(session, current_user.id))


@bp.route("/notices/<int:notice_id>/open")
@login_required
@writes
def open_notice(notice_id: int):
    """Mark one's own notification read and go where it points: the open task, else the item."""
    with transaction() as session:
        note = session.get(Notification, notice_id)
        if note is None or note.username != current_user.id:
            abort(404)
        notifications.mark_read(session, current_user.id, [notice_id], now())
        target = _target(session, note)
    return redirect(target)


def _target(session, note: Notification) -> str:
    """Return the task page while the task is open and the reader's, else the item page."""
    if note.task_id:
        task = session.scalar(select(Task).where(Task.id == note.task_id))
        if task is not None and task.status == "open" and task.assignee in (current_user.id, None):
            return url_for("tasks.show", task_id=task.id)
    if note.instance_id:
        return url_for("instances.show", instance_id=note.instance_id)
    return url_for("notices.index")
