"""Designer pages for versions: visual and textual diff, migration of running items."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from engine.app import models as models_app
from engine.base.errors import Invalid

from .designer_bp import bp
from .services import engine, now, transaction

KINDS = {"userTask": "用户任务", "exclusiveGateway": "排他网关", "parallelGateway": "并行网关",
         "sequenceFlow": "顺序流", "startEvent": "开始事件", "endEvent": "结束事件",
         "lane": "泳道", "callActivity": "调用活动", "scriptTask": "脚本任务",
         "boundaryEvent": "边界事件", "intermediateCatchEvent": "中间事件"}


def _pair(key: str) -> tuple[int, int, list[models_app.VersionInfo]]:
    with transaction() as db:
        found = models_app.versions(db, key)
    if len(found) < 2:
        raise Invalid("该模型只有一个版本，无可比较。")
    newest = found[0].version
    to = request.args.get("to", newest, type=int)
    frm = request.args.get("from", to - 1, type=int)
    return frm, to, found


@bp.route("/models/<key>/diff")
def diff(key: str):
    """Show two versions side by side, changes coloured, with the list of changes."""
    frm, to, found = _pair(key)
    with transaction() as db:
        changes = models_app.diff(db, key, frm, to)
    return render_template("designer/diff.html", key=key, frm=frm, to=to, versions=found,
                           changes=changes, kinds=KINDS)


@bp.route("/models/<key>/versions/<int:number>.json")
def version_json(key: str, number: int):
    """Return one deployed version's XML (for the diff viewers)."""
    with transaction() as db:
        return jsonify(xml=models_app.version_xml(db, key, number))


@bp.route("/models/<key>/versions/<int:number>/restore", methods=["POST"])
def restore(key: str, number: int):
    """Make an older version the draft (deploying it then rolls the model back as a new version)."""
    with transaction() as db:
        models_app.restore(db, key, number, current_user.username, now())
    flash(f"已将版本 {number} 作为草稿打开；部署后成为新版本。")
    return redirect(url_for("designer.edit", key=key))


@bp.route("/models/<key>/diff.json")
def diff_json(key: str):
    """Return the textual diff between two versions."""
    frm, to, _ = _pair(key)
    with transaction() as db:
        return jsonify(models_app.diff(db, key, frm, to))


@bp.route("/models/<key>/migrate")
def migrate_page(key: str):
    """Dry-run moving running items from one version to the latest; change nothing."""
    with transaction() as db:
        found = models_app.versions(db, key)
    sources = [v for v in found[1:] if v.running]
    frm = request.args.get("from", sources[0].version if sources else None, type=int)
    preview = models_app.migration_preview(engine(), key, frm)
    return render_template("designer/migrate.html", key=key, versions=found, sources=sources,
                           frm=frm, to=found[0].version if found else None, checks=preview.checks,
                           changes=preview.changes, inside=preview.inside)


@bp.route("/models/<key>/migrate", methods=["POST"])
def migrate_run(key: str):
    """Migrate a batch of items (the page sends batches and shows progress); resumable."""
    body = request.get_json(silent=True) or {}
    try:
        frm, to = int(body["from"]), int(body["to"])
        ids = [int(i) for i in body.get("ids", [])][:50]
    except (KeyError, TypeError, ValueError):
        raise Invalid("迁移请求参数有误。") from None
    results = models_app.migrate_items(engine(), key, frm, to, ids, current_user.username)
    return jsonify(results=results)
