"""The form editor: a form's JSON schema with a live preview and the schema's own check."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from engine.app import models as models_app
from engine.app.vocabulary import NAME_RE
from engine.base.errors import Invalid, NotFound
from engine.base.jsonsafe import InputRefused, strict_loads

from .designer_bp import bp, forms_dir
from .formview import fields_for
from .services import now, transaction


@bp.route("/forms")
def forms():
    """List every form of the workspace, marking drafts."""
    with transaction() as db:
        names = models_app.form_names(db, forms_dir())
        drafted = models_app.drafted_forms(db)
    return render_template("designer/forms.html", names=names, drafted=drafted)


SKELETON = ('{\n  "type": "object",\n  "title": "新表单",\n  "properties": {\n'
            '    "comment": {"type": "string", "title": "意见", "maxLength": 2000}\n  }\n}\n')


@bp.route("/forms/new")
def form_new():
    """Open the editor on a new form named in the query."""
    name = request.args.get("name", "").strip()
    if not NAME_RE.match(name) or name.startswith("_"):
        raise Invalid("表单名不合法（字母、数字、下划线）。")
    return redirect(url_for("designer.form", name=name))


@bp.route("/forms/<name>")
def form(name: str):
    """Open a form in the editor (a new name starts from a skeleton)."""
    try:
        with transaction() as db:
            found = models_app.form(db, forms_dir(), name)
        text, is_draft = found.content, found.draft
    except NotFound:
        if not NAME_RE.match(name) or name.startswith("_"):
            raise
        text, is_draft = SKELETON, False
    return render_template("designer/form.html", name=name, text=text, draft=is_draft)


def _posted_text() -> str:
    text = (request.get_json(silent=True) or {}).get("text")
    if not isinstance(text, str) or len(text) > 256 * 1024:
        raise Invalid("没有收到表单内容，或内容超过 256 KB。")
    try:
        strict_loads(text)  # bounded depth and values before any recursive check reads it
    except InputRefused as err:
        raise Invalid(f"表单定义不合法：{err}") from None
    return text


@bp.route("/forms/<name>/preview", methods=["POST"])
def form_preview(name: str):
    """Check the posted schema and render it as the task page would."""
    try:
        text = _posted_text()
        with transaction() as db:
            schema = models_app.check_form(db, forms_dir(), name, text)
    except Invalid as err:
        return jsonify(ok=False, message=err.message)
    html = render_template("designer/_preview.html", fields=fields_for(schema, {}, {}))
    return jsonify(ok=True, html=html)


@bp.route("/forms/<name>/draft", methods=["POST"])
def form_draft(name: str):
    """Store the schema as the form's draft, if it passes the check; deploys then use it."""
    text = _posted_text()
    with transaction() as db:
        models_app.save_form_draft(db, forms_dir(), name, text, current_user.username, now())
    return jsonify(saved=True, message="表单草稿已保存；部署使用该表单的流程时生效。")


@bp.route("/forms/<name>/draft/discard", methods=["POST"])
def form_discard(name: str):
    """Forget the form's draft; the file (or the deployed form) shows again."""
    with transaction() as db:
        models_app.drop_draft(db, "form", name)
    flash("表单草稿已丢弃。")
    return redirect(url_for("designer.form", name=name))
