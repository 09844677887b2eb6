"""The task page: the post under review, the form, history, comments, attachments."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine import queries
from engine.access import check_may_view_task
from engine.assignment import holds_role
from engine.attachments import attachments_of
from engine.choices import with_choices
from engine.comments import comments_of
from engine.errors import Invalid

from .formview import fields_for, item_labels, parse_form
from .services import act, transaction

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def task_context(task_id: str) -> dict[str, Any]:
    """Return everything the task page shows, checking the user may see the item."""
    user = current_user.username
    with transaction() as db:
        row = check_may_view_task(db, task_id, user)
        detail = queries.task_detail(db, task_id)
        item = queries.instance_detail(db, row.instance_id)
        extra = {"comments": comments_of(db, row.instance_id),
                 "attachments": attachments_of(db, row.instance_id),
                 "holds_role": holds_role(db, user, row.role),
                 "labels": item_labels(db, item)}
    return {"task": detail, "item": item, **extra, **_permissions(detail, extra, user)}


def _permissions(detail: dict, extra: dict, user: str) -> dict[str, bool]:
    is_open = detail["status"] == "open"
    return {"may_act": is_open and detail["assignee"] == user,
            "may_claim": is_open and detail["pool"] and detail["assignee"] is None
            and extra["holds_role"],
            "may_unclaim": is_open and detail["pool"] and detail["assignee"] == user}


def initial_values(detail: dict) -> dict:
    """Return the form's starting values: the draft, else the item's data for a non-review form."""
    if detail["draft"]:
        return detail["draft"]
    schema = detail["form_schema"] or {"properties": {}}
    if "decision" in schema["properties"]:
        return {}
    return {k: v for k, v in detail["values"].items() if k in schema["properties"]}


def render_task(ctx: dict, values: dict, errors: dict | None = None, status: int = 200):
    with transaction() as db:
        schema = with_choices(ctx["task"]["form_schema"], db, current_user.username) or {"properties": {}}
    return render_template("task.html", fields=fields_for(schema, values, errors),
                           errors=errors or {}, **ctx), status


@bp.route("/<task_id>")
@login_required
def show(task_id: str):
    """Show a task with its form."""
    ctx = task_context(task_id)
    return render_task(ctx, initial_values(ctx["task"]))


@bp.route("/<task_id>", methods=["POST"])
@login_required
def submit(task_id: str):
    """Complete the task, or keep the input as a draft; on errors show them with the input."""
    ctx = task_context(task_id)
    data = parse_form(ctx["task"]["form_schema"] or {"properties": {}}, request.form)
    draft = request.form.get("action") == "draft"
    try:
        act("save_draft" if draft else "complete", task_id, current_user.username, data)
    except Invalid as err:
        return render_task(ctx, data, err.errors or {"_form": [err.message]}, 400)
    if draft:
        flash("草稿已保存。")
        return redirect(url_for("tasks.show", task_id=task_id))
    flash(f"已提交「{ctx['task']['name']}」。")
    return redirect(url_for("instances.show", instance_id=ctx["task"]["instance_id"]))


@bp.route("/<task_id>/claim", methods=["POST"])
@login_required
def claim(task_id: str):
    """Claim a pool task."""
    act("claim", task_id, current_user.username)
    flash("已认领，现在可以办理。")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.route("/<task_id>/unclaim", methods=["POST"])
@login_required
def unclaim(task_id: str):
    """Give a claimed pool task back to its queue."""
    act("unclaim", task_id, current_user.username)
    flash("已退回公共待认领队列。")
    return redirect(url_for("inbox.tabs", tab="claimable"))
