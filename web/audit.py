"""The auditor's workspace (审计): register of all items, exports, step-by-step replay, verdicts.

Auditors read everything and change nothing: :func:`read_only` refuses every
state-changing request of a read-only user before any view runs (第十一条: the
records cannot be altered; DOMAIN.md: the auditor "reads and replays every
record; changes nothing").
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from urllib.parse import quote

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from engine.audit import items as audit_items
from engine.audit.chain import export_digests, verify_chain
from engine.audit.replay import verify_instance
from engine.audit.timeline import element_of, timeline
from engine.base import localtime
from engine.base.errors import Invalid, NotFound
from engine.model.form_labels import value_text
from engine.org.people import departments
from engine.read.diagram import drawn
from engine.read.queries import instance_detail
from engine.store.schema import Account, Instance, ModelVersion

from .services import engine, now, transaction

bp = Blueprint("audit", __name__, url_prefix="/audit")

#: roles that may open the auditor's workspace
AUDIT_ROLES = frozenset({"auditor", "admin", "discipline_inspection"})
#: roles that may only read: a user holding nothing else changes nothing anywhere
READ_ONLY_ROLES = frozenset({"auditor"})
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
    if not current_user.is_authenticated:
        return False
    roles = set(current_user.info["roles"])
    return bool(roles) and roles <= READ_ONLY_ROLES


# a global, not a context processor: macros imported without context see it too
bp.record_once(lambda state: state.app.jinja_env.globals.update(read_only_user=is_read_only))


def require_audit() -> None:
    """Abort with 403 unless the user may read the auditor's workspace."""
    if not set(current_user.info["roles"]) & AUDIT_ROLES:
        abort(403, "只有审计、纪检监察和管理员可以查看审计工作台。")


@bp.before_request
@login_required
def _guard():
    require_audit()


def _filters() -> dict:
    return audit_items.parse_filters(request.args.to_dict())


def _choices() -> dict:
    with transaction() as db:
        models = db.execute(select(ModelVersion.model_key, ModelVersion.name).distinct()).all()
        accounts = db.execute(select(Account.id, Account.account_name).order_by(Account.id)).all()
        return {"models": dict(sorted(models)), "departments": departments(db),
                "accounts": accounts, "statuses": audit_items.STATUSES}


@bp.route("/")
def index():
    """List and filter every item, paged; a bad filter is named beside it (400), the rest still apply."""
    page, per_page = request.args.get("page", "1"), request.args.get("per_page", "50")
    filters, errors = audit_items.read_filters(request.args.to_dict())
    query = audit_items.ItemQuery(filters, int(page) if page.isdigit() else 1,
                                  int(per_page) if per_page.isdigit() else 50)
    with transaction() as db:
        result = audit_items.search(db, query, now())
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    good = {k: v for k, v in args.items() if k not in errors}
    html = render_template("audit_list.html", result=result, args=args, good_args=good,
                           errors=errors, choices=_choices())
    return html, 400 if errors else 200


@bp.route("/items.json")
def export_json():
    """Export the filtered register as JSON."""
    with transaction() as db:
        rows = audit_items.matching(db, _filters(), now())
    items = [{k: localtime.local_iso(v) if k in TIME_KEYS else v for k, v in r.items()} for r in rows]
    body = json.dumps({"exported_at": localtime.local_iso(now()), "filters": request.args.to_dict(),
                       "count": len(rows), "items": items}, ensure_ascii=False, indent=1)
    return _download(body.encode("utf-8"), "application/json", "审计事项清单.json")


@bp.route("/items.csv")
def export_csv():
    """Export the filtered register as CSV (UTF-8 with BOM, so Excel reads Chinese)."""
    with transaction() as db:
        rows = audit_items.matching(db, _filters(), now())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title for _key, title in audit_items.EXPORT_COLUMNS])
    for row in rows:
        writer.writerow([_cell(localtime.local(row.get(key), localtime.SECONDS) if key in TIME_KEYS
                               else row.get(key)) for key, _t in audit_items.EXPORT_COLUMNS])
    return _download(("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8",
                     "审计事项清单.csv")


#: register columns holding times: exported in the hospital's zone, never UTC
TIME_KEYS = frozenset({"started_at", "ended_at"})
#: a cell starting with one of these is a formula to Excel: written as text instead
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _download(body: bytes, mime: str, filename: str) -> Response:
    response = Response(body, mimetype=mime)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _instance(db, instance_id: int) -> Instance:
    inst = db.get(Instance, instance_id)
    if inst is None:
        raise NotFound(f"事项不存在: {instance_id}")
    return inst


def _step_number(steps: list[dict]) -> int:
    raw = request.args.get("step", "")
    if not raw:
        return len(steps)
    if not raw.isdigit() or not 1 <= int(raw) <= len(steps):
        raise Invalid(f"步骤编号无效：{raw}（应为 1 至 {len(steps)}）", {"step": ["步骤编号超出范围。"]})
    return int(raw)


def _submissions_until(steps: list[dict], n: int) -> list[dict]:
    return [s for s in steps[:n] if s["data"] is not None]


@bp.route("/items/<int:instance_id>")
def item(instance_id: int):
    """Replay one item step by step on its diagram, with both verdicts."""
    with transaction() as db:
        _instance(db, instance_id)
        detail = instance_detail(db, instance_id)
        line = timeline(db, instance_id)
        labels = _labels(db, line["steps"], line["versions"])
        chain = verify_chain(db, instance_id)
    n = _step_number(line["steps"])
    step = line["steps"][n - 1]
    verdict = verify_instance(engine(), instance_id)
    return render_template(
        "audit_item.html", item=detail, line=line, step=step, n=n, total=len(line["steps"]),
        version=line["versions"][step["version_id"]], labels=labels, verdict=verdict,
        chain=chain, extras=_extras(instance_id, None if n == len(line["steps"]) else step["at"]),
        submissions=_submissions_until(line["steps"], n), play=request.args.get("play") == "1",
        position={s["seq"]: i for i, s in enumerate(line["steps"], 1)})


def _labels(db, steps: list[dict], versions: dict) -> dict:
    from engine.org.people import display_names

    users = {s["actor"] for s in steps if s["actor"]}
    users |= {s["extra"].get(k) for s in steps for k in ("assignee", "from") if s["extra"].get(k)}
    fields = _field_titles(db, versions)
    chosen = {v for s in steps for c in s.get("changes") or [] if fields["specs"].get(c["field"])
              for v in _leaves([c["old"], c["new"]]) if len(v) <= 64}
    fields["names"] = display_names(db, chosen)  # the experts a reviewer named, by name
    return {"names": display_names(db, users), "fields": fields}


def _leaves(value) -> list[str]:
    """Return the strings inside a submitted value (people chosen are usernames)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _leaves(v)]
    return [s for v in value.values() for s in _leaves(v)] if isinstance(value, dict) else []


def _field_titles(db, versions: dict) -> dict[str, dict]:
    """Return the Chinese titles of fields and of enum values over the item's forms."""
    titles: dict[str, str] = {}
    choices: dict[str, dict] = {}
    specs: dict[str, dict] = {}
    for version_id in versions:
        for schema in (db.get(ModelVersion, version_id).forms or {}).values():
            _read_schema(schema or {}, titles, choices, specs)
    return {"titles": titles, "choices": choices, "specs": specs}


def _read_schema(schema: dict, titles: dict, choices: dict, specs: dict | None = None) -> None:
    for name, spec in schema.get("properties", {}).items():
        titles.setdefault(name, spec.get("title", name))
        if specs is not None:
            specs.setdefault(name, spec)
        if spec.get("enum") and spec.get("enumNames"):
            choices.setdefault(name, dict(zip(spec["enum"], spec["enumNames"], strict=False)))
        if spec.get("properties"):
            _read_schema(spec, titles, choices)


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


def _by(moment: str, until: str | None) -> bool:
    """Tell whether ISO instant ``moment`` is not after ``until`` (None: no limit)."""
    return until is None or datetime.fromisoformat(moment) <= datetime.fromisoformat(until)


def _extras(instance_id: int, until: str | None) -> dict:
    """Comments and attachments made up to the step's instant (all of them at the last step)."""
    from engine.run.attachments import attachments_of
    from engine.run.comments import comments_of

    with transaction() as db:
        comments = [c for c in comments_of(db, instance_id) if _by(c["at"], until)]
        files = [a for a in attachments_of(db, instance_id) if _by(a["uploaded_at"], until)]
    return {"comments": comments, "attachments": files}


@bp.route("/items/<int:instance_id>/steps/<int:n>.json")
def step_json(instance_id: int, n: int):
    """Return the diagram XML of the step's model version and the element states."""
    with transaction() as db:
        _instance(db, instance_id)
        line = timeline(db, instance_id)
    if not 1 <= n <= len(line["steps"]):
        raise Invalid(f"步骤编号无效：{n}", {"step": ["步骤编号超出范围。"]})
    step = line["steps"][n - 1]
    version = line["versions"][step["version_id"]]
    return jsonify({"xml": version["diagrams"][step["diagram"]], "states": step["states"],
                    "seq": step["seq"], "diagram": step["diagram"],
                    "focus": element_of(step["task_spec"]), "model": version["model"],
                    "version": version["version"], "top": drawn(version, step["states"])})


@bp.route("/items/<int:instance_id>/timeline.json")
def timeline_json(instance_id: int):
    """Return every step of the item (without the diagram XML)."""
    with transaction() as db:
        _instance(db, instance_id)
        line = timeline(db, instance_id)
    versions = {k: {**v, "xml": None, "diagrams": sorted(v["diagrams"])}
                for k, v in line["versions"].items()}
    return jsonify({**line, "versions": versions,
                    "links": [url_for(".item", instance_id=instance_id, step=i)
                              for i in range(1, len(line["steps"]) + 1)]})


@bp.route("/items/<int:instance_id>/evidence.json")
def evidence(instance_id: int):
    """Download the item's complete history with hashes and both verdicts, as evidence."""
    with transaction() as db:
        _instance(db, instance_id)
        detail = instance_detail(db, instance_id)
        chain = [str(p) for p in verify_chain(db, instance_id)]
    body = {"exported_at": now().isoformat(), "item": detail, "chain_problems": chain,
            "replay": verify_instance(engine(), instance_id).as_dict()}
    text = json.dumps(body, ensure_ascii=False, indent=1)
    return _download(text.encode("utf-8"), "application/json", f"事项{instance_id}-审计证据.json")


@bp.route("/digests.json")
def digests():
    """Download the daily digests over all history chains, to keep a copy outside the system."""
    with transaction() as db:
        rows = export_digests(db)
    text = json.dumps({"exported_at": now().isoformat(), "digests": rows}, ensure_ascii=False, indent=1)
    return _download(text.encode("utf-8"), "application/json", "每日摘要.json")
