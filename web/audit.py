"""The auditor's workspace (审计): register of all items, exports, step-by-step replay, verdicts.

Auditors read everything and change nothing: :func:`read_only` refuses every
state-changing request of a read-only user before any view runs (第十一条: the
records cannot be altered; DOMAIN.md: the auditor "reads and replays every
record; changes nothing").  Who is read-only, and who may open the workspace,
is :mod:`engine.org.policy`'s to say.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for
from flask_login import current_user, login_required

from engine.app import audit as service
from engine.app.vocabulary import value_text
from engine.org import policy

from .services import engine, grants, require, roles

bp = Blueprint("audit", __name__, url_prefix="/audit")

#: requests a read-only user may still make: signing in and out
SESSION_PATHS = frozenset({"/login", "/logout", "/api/session"})
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@bp.before_app_request
def read_only():
    """Refuse every state-changing request of a read-only user (403)."""
    if request.method not in MUTATING or request.path in SESSION_PATHS:
        return None
    if is_read_only():
        abort(403, "审计人员只能查阅记录，不能修改任何内容。")
    return None


def is_read_only() -> bool:
    """Tell whether the signed-in user may only read (an auditor holding nothing else)."""
    return current_user.is_authenticated and policy.is_read_only(roles())


# globals, not context processors: macros imported without context see them too
bp.record_once(lambda state: state.app.jinja_env.globals.update(read_only_user=is_read_only,
                                                                 grants=grants))


def require_audit() -> None:
    """Abort with 403 unless the user may read the auditor's workspace."""
    require(policy.may_audit, "只有审计、纪检监察和管理员可以查看审计工作台。")


@bp.before_request
@login_required
def _guard():
    require_audit()


@bp.route("/")
def index():
    """List and filter every item, paged; a bad filter is named beside it (400), the rest still apply."""
    page = service.register(engine(), request.args.to_dict())
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    good = {k: v for k, v in args.items() if k not in page.errors}
    html = render_template("audit_list.html", result=page.result, args=args, good_args=good,
                           errors=page.errors, choices=page.choices)
    return html, 400 if page.errors else 200


@bp.route("/items.json")
def export_json():
    """Export the filtered register as JSON."""
    body = service.export_json(engine(), request.args.to_dict())
    return _download(body, "application/json", "审计事项清单.json")


@bp.route("/items.csv")
def export_csv():
    """Export the filtered register as CSV (UTF-8 with BOM, so Excel reads Chinese)."""
    body = service.export_csv(engine(), request.args.to_dict())
    return _download(body, "text/csv; charset=utf-8", "审计事项清单.csv")


def _download(body: bytes, mime: str, filename: str) -> Response:
    response = Response(body, mimetype=mime)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@bp.route("/items/<int:instance_id>")
def item(instance_id: int):
    """Replay one item step by step on its diagram, with both verdicts."""
    r = service.replay(engine(), instance_id, request.args.get("step", ""))
    return render_template(
        "audit_item.html", item=r.item, line=r.line, step=r.step, n=r.n, total=r.total,
        version=r.version, labels=r.labels, verdict=r.verdict, chain=r.chain, extras=r.extras,
        submissions=r.submissions, play=request.args.get("play") == "1", position=r.position)


#: how checklist answers read (第七、九、十条 checks)
ANSWERS = {"pass": "符合", "fail": "不符合"}


@bp.app_template_filter("plain")
def plain(value, fields: dict | None = None, name: str = "") -> str:
    """Show a submitted value as a reader would write it: titles, 是/否, lists with 、."""
    fields = fields or {"titles": {}, "choices": {}}
    if value is None:
        return ""
    spec = (fields.get("specs") or {}).get(name)
    if spec is not None:  # the form's own words, as the timeline shows them (form_labels)
        return value_text(spec, value, fields.get("names"))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "；".join(f"{fields['titles'].get(k, k)}：{plain(v, fields, k)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(plain(v, fields, name) for v in value)
    if isinstance(value, str):
        return fields["choices"].get(name, {}).get(value) or ANSWERS.get(value, value)
    return str(value)


@bp.route("/items/<int:instance_id>/steps/<int:n>.json")
def step_json(instance_id: int, n: int):
    """Return the diagram XML of the step's model version and the element states."""
    return jsonify(service.step_view(engine(), instance_id, n))


@bp.route("/items/<int:instance_id>/timeline.json")
def timeline_json(instance_id: int):
    """Return every step of the item (without the diagram XML)."""
    line = service.timeline_view(engine(), instance_id)
    return jsonify({**line, "links": [url_for(".item", instance_id=instance_id, step=i)
                                      for i in range(1, len(line["steps"]) + 1)]})


@bp.route("/items/<int:instance_id>/evidence.json")
def evidence(instance_id: int):
    """Download the item's complete history with hashes and both verdicts, as evidence."""
    return _download(service.evidence(engine(), instance_id), "application/json",
                     f"事项{instance_id}-审计证据.json")


@bp.route("/digests.json")
def digests():
    """Download the daily digests over all history chains, to keep a copy outside the system."""
    return _download(service.digests_json(engine()), "application/json", "每日摘要.json")
