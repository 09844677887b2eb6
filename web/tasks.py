"""The task page: the post under review, the form, history, comments, attachments."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.app import screening, tasks
from engine.app.forms import form_shown, initial_values
from engine.app.inbox import next_task
from engine.app.tasks import TaskPage
from engine.base.errors import Invalid

from .formview import FieldView, fields_for, parse_form
from .highlight import marked_body, marked_text
from .services import engine, now, transaction

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def task_page(task_id: str) -> TaskPage:
    """Return everything the task page shows, checking the user may see the item."""
    with transaction() as db:
        return tasks.task_page(db, task_id, current_user.username)


def render_task(page: TaskPage, values: dict, errors: dict | None = None, status: int = 200):
    with transaction() as db:
        schema = form_shown(db, page.task.form_schema, page.facts, current_user.username)
    assert schema is not None  # shown_schema always gives one
    shown = with_reason(fields_for(schema, values, errors), bool(screening.high(page.task.prescreen)))
    return render_template("task.html", fields=shown, errors=errors or {},
                           CHECK_TITLES=check_titles(schema),
                           SEVERITY_TITLES=screening.SEVERITY_TITLES, **page.context()), status


def with_reason(fields: list[FieldView], high: bool) -> list[FieldView]:
    """Show the reason for approving over the pre-screen only when a high finding stands."""
    if not high:
        return [f for f in fields if f.name != screening.REASON_FIELD]
    for f in fields:
        if f.name == screening.REASON_FIELD:
            f.required = True  # while approving: the tasks service refuses it empty
    return fields


def check_titles(schema: dict) -> dict[str, str]:
    """Return the checklist items' titles by key (the findings name the item each concerns)."""
    for spec in (schema.get("properties") or {}).values():
        if isinstance(spec, dict) and spec.get("x-checklist"):
            return {k: v.get("title", k) for k, v in (spec.get("properties") or {}).items()}
    return screening.CHECKLIST_TITLES


@bp.app_template_global()
def screened_body(values: dict, attachments: list[dict], prescreen: dict | None):
    """Render a post's body with the pre-screen's findings marked; return (html, warnings)."""
    findings = (prescreen or {}).get("findings") or []
    return marked_body(values.get("body"), [a["id"] for a in attachments], findings)


@bp.app_template_global()
def screened_text(values: dict, prescreen: dict | None, field: str):
    """Return a plain field of the post (title, source) with the pre-screen's findings marked."""
    return marked_text(values.get(field), (prescreen or {}).get("findings") or [], field)


@bp.route("/<task_id>")
@login_required
def show(task_id: str):
    """Show a task with its form."""
    page = task_page(task_id)
    return render_task(page, initial_values(page.task))


def wants_json() -> bool:
    """Return True for the page's own fetch calls (autosave, comments, uploads)."""
    return request.headers.get("X-Requested-With") == "fetch"


@bp.route("/<task_id>", methods=["POST"])
@login_required
def submit(task_id: str):
    """Complete the task, or keep the input as a draft; on errors show them with the input."""
    page = task_page(task_id)
    data = parse_form(page.task.form_schema or {"properties": {}}, request.form)
    draft = request.form.get("action") == "draft"
    try:
        _submit(task_id, data, draft)
    except Invalid as err:
        return render_task(page, data, err.errors or {"_form": [err.message]}, 400)
    if draft:
        flash("草稿已保存。")
        return redirect(url_for("tasks.show", task_id=task_id))
    flash(f"已提交「{page.task.name}」。")
    return redirect(next_url(page.task.instance_id))


def _submit(task_id: str, data: dict, draft: bool) -> None:
    """Keep ``data`` as the draft, or complete with it (a second tap on 提交 is one's own success)."""
    if draft:
        tasks.save_draft(engine(), task_id, current_user.username, data)
    else:
        tasks.complete(engine(), task_id, current_user.username, data, repeat_ok=True)


def next_url(instance_id: int) -> str:
    """Return where to go after submitting: the next task in 我的待办, else the item."""
    with transaction() as db:
        row, total = next_task(db, current_user.username, now())
    if row:
        flash(f"下一项待办：{row['title'] or row['name']}（还有 {total} 项）。")
        return url_for("tasks.show", task_id=row["id"])
    flash("我的待办已全部办完。")
    return url_for("instances.show", instance_id=instance_id)


@bp.route("/<task_id>/draft", methods=["POST"])
@login_required
def autosave(task_id: str):
    """Keep the form's input as the task's draft (the page saves as the user types)."""
    with transaction() as db:
        schema = tasks.task_for(db, task_id, current_user.username).form_schema
    tasks.save_draft(engine(), task_id, current_user.username,
                     parse_form(schema or {"properties": {}}, request.form))
    if wants_json():
        return jsonify({"saved": True, "at": now().isoformat()})
    flash("草稿已保存。")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.route("/<task_id>/claim", methods=["POST"])
@login_required
def claim(task_id: str):
    """Claim a pool task."""
    tasks.claim(engine(), task_id, current_user.username)
    flash("已认领，现在可以办理。")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.route("/<task_id>/unclaim", methods=["POST"])
@login_required
def unclaim(task_id: str):
    """Give a claimed pool task back to its queue."""
    tasks.unclaim(engine(), task_id, current_user.username)
    flash("已退回公共待认领队列。")
    return redirect(url_for("inbox.tabs", tab="claimable"))
