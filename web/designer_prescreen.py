"""The designer's page for the pre-screen's rules (预审规则, issue 15): edit, try, deploy.

The working copy lives in the page: each 「试一试」 and 「部署」 posts the edited files' text,
laid over the rules in use by :mod:`engine.app.prescreen`, so nothing edited is in use (or
stored) until it is deployed, through the same deploy as ``shenfa prescreen deploy``.
Holders of ``process_designer`` only (the blueprint's guard), as for models and forms.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template, request
from flask_login import current_user

from engine.app import prescreen as prescreen_app
from engine.base.errors import Invalid

from .designer_bp import bp
from .highlight import marked_text
from .services import now, reading, transaction

SEVERITY = {"high": "高", "medium": "中", "low": "低"}
CATEGORY = {"privacy": "隐私", "advertising": "医疗广告与推广", "epidemic": "疫情与医疗纠纷",
            "form": "形式要求", "forbidden": "禁止内容"}


@bp.route("/prescreen")
def prescreen():
    """List the rules files in use and the deployed versions; edit, try and deploy them."""
    with transaction() as db:
        rules = prescreen_app.rule_files(db)
        versions = prescreen_app.versions(db)
    return render_template("designer/prescreen.html", rules=rules, versions=versions, categories=CATEGORY)


def _body(*keys: str) -> dict[str, Any]:
    """Return the posted JSON object; refuse anything else, or a key the page never sends."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid("请求须为 JSON 对象。")
    unknown = sorted(set(body) - set(keys))
    if unknown:
        raise Invalid(f"不认识的字段：{'、'.join(unknown)[:200]}。", {k[:60]: ["不认识的字段。"] for k in unknown[:10]})
    return body


@bp.route("/prescreen/try", methods=["POST"])
def prescreen_try():
    """Screen a sample text with the edited (undeployed) rules; nothing is stored."""
    body = _body("files", "text")
    with reading() as db:  # trying stores nothing, so it never waits for the write lock
        rules = prescreen_app.edited_rules(db, body.get("files"))
    text = body.get("text")
    screened = prescreen_app.screen_post(rules, text).as_dict()
    findings = [{**f, "field": "sample"} for f in screened["findings"]]
    html = render_template("designer/_prescreen_try.html", findings=findings, severities=SEVERITY,
                           sample=marked_text(text, findings, "sample"))
    return jsonify(ok=True, rules_version=screened["rules_version"], findings=screened["findings"], html=html)


@bp.route("/prescreen/deploy", methods=["POST"])
def prescreen_deploy():
    """Deploy the edited files as the newest version (operations log); unchanged files make none."""
    body = _body("files", "note", "base")
    base = body.get("base") if isinstance(body.get("base"), str) else None
    with transaction() as db:
        done = prescreen_app.deploy_files(db, body.get("files"), now(), current_user.username, body.get("note"), base)
        versions = prescreen_app.versions(db)
        counts = {f["name"]: f["rules"] for f in prescreen_app.rule_files(db)["files"]}
    message = (f"已部署为预审规则版本 {done['version']}（{done['rules']} 条规则），新的预审即用此版本。"
               if done["changed"] else f"内容与当前版本 {done['version']} 相同，未产生新版本。")
    html = render_template("designer/_prescreen_versions.html", versions=versions)
    return jsonify(ok=True, changed=done["changed"], version=done["version"], message=message, html=html,
                   counts=counts)
