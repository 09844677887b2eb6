"""Administration: the operations log and reassignment of open tasks by an admin."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.app import admin as service
from engine.app import tasks as task_service
from engine.org.policy import may_handle_incidents, may_reassign, may_see_operations_log

from .services import engine, require

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _signed_in():
    return None


@bp.route("/operations")
def operations():
    """Show the operations log: deployments, logins, reassignments, purges."""
    require(may_see_operations_log)
    log = service.operations_log(engine(), request.args.get("type", ""))
    return render_template("admin_operations.html", rows=log.rows, names=log.names, kind=log.kind,
                           types=log.types)


@bp.route("/tasks")
def tasks():
    """List every open task with the people who may take it over."""
    require(may_reassign)
    page = service.open_tasks(engine())
    return render_template("admin_tasks.html", rows=page.rows, holders=page.holders,
                           everyone=page.everyone, names=page.names, role_titles=page.role_titles)


@bp.route("/tasks/<task_id>/reassign", methods=["POST"])
def reassign(task_id: str):
    """Give an open task to another person holding its role; logged twice (item and operations)."""
    require(may_reassign)
    task_service.reassign(engine(), task_id, current_user.username,
                          request.form.get("to", "").strip(),
                          request.form.get("reason", "").strip()[:500])
    flash("任务已改派，已记入事项历史和操作日志。")
    return redirect(url_for("admin.tasks"))


@bp.route("/incidents")
def incidents():
    """Timers that kept failing (incidents), for an admin to look at and retry."""
    require(may_handle_incidents)
    return render_template("admin_incidents.html", rows=service.incidents(engine()))


@bp.route("/incidents/<int:timer_id>/retry", methods=["POST"])
def retry(timer_id: int):
    """Put a failed timer back in the queue; logged as an operation."""
    require(may_handle_incidents)
    service.retry(engine(), timer_id, current_user.username)
    flash(f"定时任务 {timer_id} 已重新排队。")
    return redirect(url_for("admin.incidents"))
