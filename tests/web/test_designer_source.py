"""The designer deploys through the one path: a modeler's edit survives export and redeploy.

What the browser modeler posts (save, then deploy with the edit token) is what
``shenfa export`` writes back, byte for byte; deploying the exported files again
changes nothing; forms edited in the designer keep their ``$ref``s; every
designer deploy writes the operations log (issue 13).
"""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import func, select

from engine.app import models as models_app
from engine.store.schema import ModelVersion, Operation
from tests.web.test_designer import designer, post_json

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"


def operations_after(app, start: int) -> list[Operation]:
    with app.extensions["shenfa"].db.transaction() as session:
        return list(session.scalars(select(Operation).where(Operation.id > start)
                                    .order_by(Operation.id)))


def last_id(app) -> int:
    with app.extensions["shenfa"].db.transaction() as session:
        return session.scalar(select(func.max(Operation.id))) or 0


def versions_of(app, key: str) -> int:
    with app.extensions["shenfa"].db.transaction() as session:
        return session.scalar(select(func.count()).where(ModelVersion.model_key == key))


def test_a_task_renamed_in_the_modeler_survives_export_and_redeploy(browse, app, tmp_path):
    person = designer(browse)
    source = person.get("/designer/models/three_review/source.json").get_json()
    edited = source["xml"].replace('name="核稿（二审二校）"', 'name="复核（二审二校）"')
    assert edited != source["xml"]
    saved = post_json(person, "/designer/models/three_review/draft",
                      {"xml": edited, "base": source["token"]}).get_json()
    start = last_id(app)
    deployed = post_json(person, "/designer/models/three_review/deploy",
                         {"xml": edited, "note": "核稿改名为复核", "base": saved["token"]}).get_json()
    assert deployed["ok"] and deployed["version"] == 2
    [entry] = [o for o in operations_after(app, start) if o.type == "model_deployed"]
    assert (entry.actor, entry.payload["model"], entry.payload["note"]) == (
        "songyu", "three_review", "核稿改名为复核")
    engine = app.extensions["shenfa"]
    models_app.export_files(engine, tmp_path)
    exported = tmp_path / "processes" / "three_review.bpmn"
    assert exported.read_bytes() == edited.encode("utf-8")
    again = models_app.deploy_files(engine, [tmp_path / "processes"], by="songyu", note="回读")
    assert {d.key: d.created for d in again}["three_review"] is False
    assert versions_of(app, "three_review") == 2
    reloaded = person.get("/designer/models/three_review/source.json").get_json()
    assert "复核（二审二校）" in reloaded["xml"] and reloaded["draft"] is False


def test_a_form_edited_in_the_designer_keeps_its_refs_through_deploy_and_export(
        browse, app, tmp_path):
    person = designer(browse)
    text = (ROOT / "forms" / "post_review.json").read_text(encoding="utf-8")
    edited = text.replace("校对记录", "校对记录（修订）", 1)
    assert edited != text and '"$ref"' in edited
    res = post_json(person, "/designer/forms/post_review/draft", {"text": edited})
    assert res.status_code == 200, res.get_json()
    xml = person.get("/designer/models/three_review/source.json").get_json()["xml"]
    deployed = post_json(person, "/designer/models/three_review/deploy",
                         {"xml": xml, "note": "审核表单标题"}).get_json()
    assert deployed["ok"] and deployed["created"], deployed
    models_app.export_files(app.extensions["shenfa"], tmp_path)
    assert (tmp_path / "forms" / "post_review.json").read_bytes() == edited.encode("utf-8")
    assert (tmp_path / "forms" / "_shared" / "decision.json").read_bytes() == (
        ROOT / "forms" / "_shared" / "decision.json").read_bytes()


def test_redeploying_callers_logs_each_new_version(browse, app):
    person = designer(browse)
    xml = person.get("/designer/models/three_review/source.json").get_json()["xml"]
    post_json(person, "/designer/models/three_review/deploy",
              {"xml": xml.replace('name="拟稿"', 'name="拟稿（新）"'), "note": "改名"})
    start = last_id(app)
    body = post_json(person, "/designer/models/three_review/callers/redeploy", {}).get_json()
    assert body["ok"], body
    logged = [(o.type, o.payload.get("model")) for o in operations_after(app, start)]
    assert ("model_deployed", "post_review") in logged


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module or "")
    return found


def test_the_designer_pages_reach_models_only_through_the_service():
    """No SQLAlchemy, no tables, no workspace internals in the designer's web modules."""
    pages = sorted(WEB.glob("designer*.py"))
    assert len(pages) >= 4
    for page in pages:
        for name in _imports(page):
            assert not name.startswith(("sqlalchemy", "engine.store", "engine.design")), (
                page.name, name)
    assert (ROOT / "engine" / "app" / "__init__.py").read_text() == ""


def test_the_designer_pages_do_not_import_each_other_in_a_cycle():
    """designer_forms and designer_versions take the blueprint from its own module."""
    for page in ["designer_forms.py", "designer_versions.py", "designer_bp.py"]:
        source = (WEB / page).read_text(encoding="utf-8")
        assert "from .designer import" not in source, page
