"""The task page: the post under review, the form, history, comments, attachments."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.base.errors import AlreadyDone, Invalid
from engine.org.access import check_may_view_task
from engine.read import queries
from engine.read.inbox import InboxQuery, inbox, last_returns
from engine.read.progress import facts, progress
from engine.run.assignment import holds_role
from engine.run.attachments import attachments_of
from engine.run.choices import with_choices
from engine.run.comments import comments_of

from .formview import fields_for, item_labels, parse_form
from .services import act, now, transaction

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
                 "labels": item_labels(db, item),
                 "progress": progress(db, row.instance_id),
                 "facts": facts(db, row.instance_id, detail["values"]),
                 "returned": _returned(db, detail)}
    return {"task": detail, "item": item, **extra, **_permissions(detail, extra, user)}


def _returned(db, detail: dict) -> dict | None:
    """Return the latest return on the item (who, why) while this task is open."""
    if detail["status"] != "open":
        return None
    return last_returns(db, {detail["instance_id"]}).get(detail["instance_id"])


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


def shown_schema(schema: dict | None, item_facts: dict) -> dict:
    """Leave out fields that do not apply to this item: 发布媒体 only for tier-1 accounts."""
    schema = schema or {"properties": {}}
    tier = item_facts.get("tier")
    if "media" not in schema.get("properties", {}) or tier in (None, 1):
        return schema
    props = {k: v for k, v in schema["properties"].items() if k != "media"}
    required = [k for k in schema.get("required", []) if k != "media"]
    return {**schema, "properties": props, "required": required}


def render_task(ctx: dict, values: dict, errors: dict | None = None, status: int = 200):
    with transaction() as db:
        schema = with_choices(shown_schema(ctx["task"]["form_schema"], ctx["facts"]), db,
                              current_user.username)
    assert schema is not None  # shown_schema always gives one
    return render_template("task.html", fields=fields_for(schema, values, errors),
                           errors=errors or {}, **ctx), status


@bp.route("/<task_id>")
@login_required
def show(task_id: str):
    """Show a task with its form."""
    ctx = task_context(task_id)
    return render_task(ctx, initial_values(ctx["task"]))


def wants_json() -> bool:
    """Return True for the page's own fetch calls (autosave, comments, uploads)."""
    return request.headers.get("X-Requested-With") == "fetch"


@bp.route("/<task_id>", methods=["POST"])
@login_required
def submit(task_id: str):
    """Complete the task, or keep the input as a draft; on errors show them with the input."""
    ctx = task_context(task_id)
    data = parse_form(ctx["task"]["form_schema"] or {"properties": {}}, request.form)
    draft = request.form.get("action") == "draft"
    try:
        act("save_draft" if draft else "complete", task_id, current_user.username, data)
    except AlreadyDone as err:
        if draft or err.by != current_user.username:
            raise
        # a second tap on 提交 of what this user just completed: their own success
    except Invalid as err:
        return render_task(ctx, data, err.errors or {"_form": [err.message]}, 400)
    if draft:
        flash("草稿已保存。")
        return redirect(url_for("tasks.show", task_id=task_id))
    flash(f"已提交「{ctx['task']['name']}」。")
    return redirect(next_url(ctx["task"]["instance_id"]))


def next_url(instance_id: int) -> str:
    """Return where to go after submitting: the next task in 我的待办, else the item."""
    user = current_user.username
    with transaction() as db:
        page = inbox(db, user, InboxQuery("mine", {}, 1, 1), now())
    if page["rows"]:
        flash(f"下一项待办：{page['rows'][0]['title'] or page['rows'][0]['name']}"
              f"（还有 {page['total']} 项）。")
        return url_for("tasks.show", task_id=page["rows"][0]["id"])
    flash("我的待办已全部办完。")
    return url_for("instances.show", instance_id=instance_id)


@bp.route("/<task_id>/draft", methods=["POST"])
@login_required
def autosave(task_id: str):
    """Keep the form's input as the task's draft (the page saves as the user types)."""
    with transaction() as db:
        check_may_view_task(db, task_id, current_user.username)
        schema = queries.task_detail(db, task_id)["form_schema"]
    act("save_draft", task_id, current_user.username,
        parse_form(schema or {"properties": {}}, request.form))
    if wants_json():
        return jsonify({"saved": True, "at": now().isoformat()})
    flash("草稿已保存。")
    return redirect(url_for("tasks.show", task_id=task_id))


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
