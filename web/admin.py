"""Administration: the operations log and reassignment of open tasks by an admin."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from engine.app import tasks as task_service
from engine.audit.chain import OPERATION_TYPES, log_operation
from engine.audit.chain import operations as operations_of
from engine.base.errors import Invalid
from engine.org.anonymity import covered
from engine.org.people import display_names
from engine.run.assignment import ROLE_TITLES
from engine.run.timers import failed_timers, retry_timer
from engine.store.schema import Instance, RoleHolding, Task, User

from .services import engine, now, transaction

bp = Blueprint("admin", __name__, url_prefix="/admin")
LOG_ROLES = frozenset({"admin", "auditor", "discipline_inspection"})


def _require(roles: frozenset[str]) -> None:
    if not set(current_user.info["roles"]) & roles:
        abort(403, "您无权访问此页面。")


@bp.before_request
@login_required
def _signed_in():
    return None


@bp.route("/operations")
def operations():
    """Show the operations log: deployments, logins, reassignments, purges."""
    _require(LOG_ROLES)
    kind = request.args.get("type", "")
    if kind and kind not in OPERATION_TYPES:
        raise Invalid(f"操作类型无效：{kind}", {"type": ["请选择列表中的操作类型。"]})
    with transaction() as db:
        rows = operations_of(db, limit=500)
        names = display_names(db, {r["actor"] for r in rows if r["actor"]})
    if kind:
        rows = [r for r in rows if r["type"] == kind]
    return render_template("admin_operations.html", rows=rows, names=names, kind=kind,
                           types=OPERATION_TYPES)


@bp.route("/tasks")
def tasks():
    """List every open task with the people who may take it over."""
    _require(frozenset({"admin"}))
    with transaction() as db:
        rows = db.execute(select(Task, Instance.title).join(Instance, Task.instance_id == Instance.id)
                          .where(Task.status == "open").order_by(Task.created_at)).all()
        rows = [(t, covered(db, t.instance_id, title)) for t, title in rows]  # 第十九条
        holders: dict[str, list] = {}
        for role, username, name in db.execute(
                select(RoleHolding.role, User.username, User.display_name)
                .join(User, User.username == RoleHolding.username).where(User.active.is_(True))
                .order_by(User.username)):
            holders.setdefault(role, []).append((username, name))
        names = display_names(db, {t.assignee for t, _ in rows if t.assignee})
        everyone = sorted({u for people in holders.values() for u in people})
    return render_template("admin_tasks.html", rows=rows, holders=holders, everyone=everyone, names=names,
                           role_titles=ROLE_TITLES)


@bp.route("/tasks/<task_id>/reassign", methods=["POST"])
def reassign(task_id: str):
    """Give an open task to another person holding its role; logged twice (item and operations)."""
    _require(frozenset({"admin"}))
    task_service.reassign(engine(), task_id, current_user.username,
                          request.form.get("to", "").strip(),
                          request.form.get("reason", "").strip()[:500])
    flash("任务已改派，已记入事项历史和操作日志。")
    return redirect(url_for("admin.tasks"))


@bp.route("/incidents")
def incidents():
    """Timers that kept failing (incidents), for an admin to look at and retry."""
    _require(frozenset({"admin"}))
    with transaction() as db:
        rows = failed_timers(db)
    return render_template("admin_incidents.html", rows=rows)


@bp.route("/incidents/<int:timer_id>/retry", methods=["POST"])
def retry(timer_id: int):
    """Put a failed timer back in the queue; logged as an operation."""
    _require(frozenset({"admin"}))
    with transaction() as db:
        retry_timer(db, timer_id)
        log_operation(db, "timer_retried", current_user.username, now(), timer=timer_id)
    flash(f"定时任务 {timer_id} 已重新排队。")
    return redirect(url_for("admin.incidents"))
