"""The designer area: access, drafts, checks placed on elements, deploy, uploads, diff, forms."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from engine.store.schema import DesignerDraft, ModelVersion, Operation

ROOT = Path(__file__).resolve().parents[2]
THREE = (ROOT / "processes" / "three_review.bpmn").read_text(encoding="utf-8")

XXE = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
       '<bpmn:process id="evil" isExecutable="true"><bpmn:documentation>&x;</bpmn:documentation>'
       '</bpmn:process></bpmn:definitions>')
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                    for i in range(1, 10))
          + ']><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
          '<bpmn:process id="evil" isExecutable="true"><bpmn:documentation>&lol9;</bpmn:documentation>'
          '</bpmn:process></bpmn:definitions>')


def designer(browse):
    return browse("songyu")


def post_json(person, url, body):
    return person.client.post(url, json=body, headers={"X-CSRFToken": person.token,
                                                       "Accept": "application/json"})


def drafts_count(app) -> int:
    with app.extensions["shenfa"].db.transaction() as session:
        return session.scalar(select(func.count()).select_from(DesignerDraft))


def version_count(app, key="three_review") -> int:
    with app.extensions["shenfa"].db.transaction() as session:
        return session.scalar(select(func.count()).where(ModelVersion.model_key == key))


@pytest.mark.parametrize("path", ["/designer/", "/designer/models/three_review",
                                  "/designer/models/three_review/edit",
                                  "/designer/models/three_review/source.json", "/designer/forms"])
def test_non_designers_get_403(browse, path):
    res = browse("zhangwei").get(path)
    assert res.status_code == 403
    assert "无权操作" in res.get_data(as_text=True)


def test_non_designer_cannot_deploy(browse, app):
    author = browse("zhangwei")
    res = post_json(author, "/designer/models/three_review/deploy", {"xml": THREE, "note": "x"})
    assert res.status_code == 403
    assert version_count(app) == 1


def test_workspace_lists_models_versions_and_forms(browse):
    page = designer(browse).get("/designer/").get_data(as_text=True)
    assert "三审三校" in page and "three_review" in page and "post_review" in page
    model = designer(browse).get("/designer/models/three_review").get_data(as_text=True)
    assert "v1" in model and "post_draft" in model
    assert "被以下流程调用" in model and "post_review" in model


def test_draft_saved_and_served_back(browse, app):
    person = designer(browse)
    edited = THREE.replace('name="拟稿"', 'name="拟稿（草稿）"')
    res = post_json(person, "/designer/models/three_review/draft", {"xml": edited})
    assert res.status_code == 200 and res.get_json()["saved"]
    source = person.get("/designer/models/three_review/source.json").get_json()
    assert source["draft"] is True and "拟稿（草稿）" in source["xml"]
    assert {"name": "post_review", "title": "审核（审稿 / 核稿 / 审签）"} in source["forms"]
    assert [f["title"] for f in source["forms"]] == sorted(f["title"] for f in source["forms"])
    assert {"key": "party_secretary", "title": "党委书记"} in source["roles"]
    download = person.get("/designer/models/three_review/download")
    assert "拟稿（草稿）" in download.get_data(as_text=True)


def test_check_places_findings_on_elements(browse):
    broken = THREE.replace("<bpmn:flowNodeRef>Task_draft</bpmn:flowNodeRef>", "")
    res = post_json(designer(browse), "/designer/models/three_review/check", {"xml": broken})
    body = res.get_json()
    assert body["ok"] is False
    assert {"element_id": "Task_draft"} .items() <= body["findings"][0].items()
    assert "不在任何泳道中" in body["findings"][0]["message"]


def test_deploy_refused_while_errors_stand(browse, app):
    broken = THREE.replace('default="Flow_sign_ok"', "")
    res = post_json(designer(browse), "/designer/models/three_review/deploy",
                    {"xml": broken, "note": "去掉默认流"})
    assert res.status_code == 422
    assert any(f["element_id"] == "Gateway_sign" and "默认流" in f["message"]
               for f in res.get_json()["findings"])
    assert version_count(app) == 1


def test_deploy_needs_a_change_note(browse, app):
    res = post_json(designer(browse), "/designer/models/three_review/deploy", {"xml": THREE})
    assert res.status_code == 400 and "变更说明" in res.get_json()["message"]
    assert version_count(app) == 1


def test_deploy_creates_version_logs_it_and_shows_diff(browse, app):
    person = designer(browse)
    edited = THREE.replace('name="审签结论"', 'name="审签结论（修订）"')
    post_json(person, "/designer/models/three_review/draft", {"xml": edited})
    res = post_json(person, "/designer/models/three_review/deploy",
                    {"xml": edited, "note": "网关更名"})
    body = res.get_json()
    assert {k: body[k] for k in ("ok", "version", "created")} == {"ok": True, "version": 2, "created": True}
    assert body["message"].startswith("已部署为版本 2。以下流程仍调用旧版本：")  # post_review calls it
    assert drafts_count(app) == 0
    with app.extensions["shenfa"].db.transaction() as session:
        op = session.scalars(select(Operation).order_by(Operation.id.desc())).first()
        assert (op.type, op.actor, op.payload["version"]) == ("model_deployed", "songyu", 2)
    page = person.get("/designer/models/three_review/diff").get_data(as_text=True)
    assert "v1 → v2" in page and "审签结论（修订）" in page and "Gateway_sign" in page
    diff = person.get("/designer/models/three_review/diff.json").get_json()
    assert [c["id"] for c in diff["changed"]] == ["Gateway_sign"]
    versions = person.get("/designer/models/three_review").get_data(as_text=True)
    assert "网关更名" in versions


def upload(person, data: bytes, name="evil.bpmn"):
    """Post a file; the body is built in memory (no spooled temporary file left open)."""
    boundary, body = encode_multipart({"csrf_token": person.token, "file": FileStorage(io.BytesIO(data), name)})
    return person.client.post("/designer/upload", data=body,
                              content_type=f"multipart/form-data; boundary={boundary}")


@pytest.mark.parametrize("data,expected", [
    (XXE.encode(), "不允许 DTD"),
    (LAUGHS.encode(), "不允许 DTD"),
    (b"<bpmn:definitions", "XML 语法错误"),
])
def test_hostile_uploads_refused_and_nothing_stored(browse, app, data, expected):
    res = upload(designer(browse), data)
    assert res.status_code == 400
    assert expected in res.get_data(as_text=True)
    assert drafts_count(app) == 0


def test_fifty_megabyte_upload_refused(browse, app):
    res = upload(designer(browse), b"<a>" + b" " * (50 * 1024 * 1024) + b"</a>")
    assert res.status_code == 413
    assert "文件过大" in res.get_data(as_text=True)
    assert drafts_count(app) == 0


def test_fifty_megabytes_refused_before_reading_when_uploads_may_be_large(browse, app):
    app.config["MAX_CONTENT_LENGTH"] = 300 * 1024 * 1024  # attachments may be large
    res = upload(designer(browse), b"<a>" + b" " * (50 * 1024 * 1024) + b"</a>")
    assert res.status_code == 413
    assert "模型文件不得超过 2 MB" in res.get_data(as_text=True)
    assert drafts_count(app) == 0


def test_upload_over_model_limit_refused(browse, app):
    app.config["MAX_CONTENT_LENGTH"] = 10 * 1024 * 1024
    res = upload(designer(browse), b"<a>" + b" " * (2 * 1024 * 1024) + b"</a>")
    assert res.status_code == 400 and "文件过大" in res.get_data(as_text=True)
    assert drafts_count(app) == 0


def test_upload_stores_a_draft(browse, app):
    edited = THREE.replace('id="three_review"', 'id="three_review_b"').replace(
        'processRef="three_review"', 'processRef="three_review_b"')
    res = upload(designer(browse), edited.encode(), "copy.bpmn")
    assert res.status_code == 302 and res.headers["Location"].endswith("/designer/models/three_review_b/edit")
    assert drafts_count(app) == 1


def test_new_model_from_template_checks_clean(browse, app):
    person = designer(browse)
    res = person.post("/designer/new", {"key": "trial_notice", "name": "试用通知"})
    assert res.status_code == 302
    xml = person.get("/designer/models/trial_notice/source.json").get_json()["xml"]
    assert 'name="试用通知"' in xml
    assert post_json(person, "/designer/models/trial_notice/check", {"xml": xml}).get_json()["ok"]
    again = person.post("/designer/new", {"key": "trial_notice", "name": "重复"})
    assert again.status_code == 409


def test_form_editor_previews_checks_and_deploy_uses_the_draft(browse, app):
    person = designer(browse)
    page = person.get("/designer/forms/post_draft").get_data(as_text=True)
    assert "post_draft" in page
    bad = post_json(person, "/designer/forms/post_draft/preview", {"text": "{"}).get_json()
    assert bad["ok"] is False and "JSON 语法错误" in bad["message"]
    wrong = post_json(person, "/designer/forms/post_draft/preview",
                      {"text": json.dumps({"type": "array"})}).get_json()
    assert wrong["ok"] is False and "type=object" in wrong["message"]
    schema = json.loads((ROOT / "forms" / "post_draft.json").read_text(encoding="utf-8"))
    schema["properties"]["summary"] = {"type": "string", "title": "内容摘要"}
    text = json.dumps(schema, ensure_ascii=False)
    good = post_json(person, "/designer/forms/post_draft/preview", {"text": text}).get_json()
    assert good["ok"] and "内容摘要" in good["html"]
    refused = post_json(person, "/designer/forms/post_draft/draft", {"text": "{"})
    assert refused.status_code == 400 and drafts_count(app) == 0
    assert post_json(person, "/designer/forms/post_draft/draft", {"text": text}).status_code == 200
    res = post_json(person, "/designer/models/three_review/deploy",
                    {"xml": THREE, "note": "拟稿表单增加摘要"})
    assert res.get_json()["version"] == 2
    with app.extensions["shenfa"].db.transaction() as session:
        forms = session.scalar(select(ModelVersion.forms).where(ModelVersion.version == 2))
    assert "summary" in forms["post_draft"]["properties"]


def test_new_form_starts_from_a_skeleton(browse):
    person = designer(browse)
    res = person.get("/designer/forms/new?name=trial_form")
    assert res.status_code == 302 and res.headers["Location"].endswith("/designer/forms/trial_form")
    assert "新表单" in person.get("/designer/forms/trial_form").get_data(as_text=True)
    assert person.get("/designer/forms/new?name=../x").status_code == 400


def test_a_missing_called_model_is_marked_on_the_call_activity(browse):
    person = designer(browse)
    xml = person.get("/designer/models/post_review/source.json").get_json()["xml"]
    broken = xml.replace('calledElement="three_review"', 'calledElement="no_such_model"')
    body = post_json(person, "/designer/models/post_review/check", {"xml": broken}).get_json()
    assert any("no_such_model" in f["message"] and f["element_id"] for f in body["findings"])


def test_problems_of_called_models_are_not_placed_on_this_diagram():
    from engine.app.models import findings as _findings
    from engine.model.loading import ModelError

    line = next(n for n, text in enumerate(THREE.splitlines(), 1) if 'id="Task_check"' in text)
    err = ModelError([f"four_review.bpmn:{line}: 表单缺失", f"three_review.bpmn:{line}: 未指定表单"])
    called, own = _findings(THREE, "three_review", err)
    assert called == {"line": line, "element_id": None,
                      "message": f"被调用的流程 four_review.bpmn 第{line}行：表单缺失"}
    assert own["element_id"] == "Task_check" and own["message"] == "未指定表单"


@pytest.mark.parametrize("endpoint", ["draft", "check", "deploy"])
def test_hostile_xml_posted_by_the_modeler_is_refused(browse, app, endpoint):
    res = post_json(designer(browse), f"/designer/models/three_review/{endpoint}",
                    {"xml": XXE, "note": "x"})
    assert res.status_code == 400 and "不允许 DTD" in res.get_json()["message"]
    assert drafts_count(app) == 0 and version_count(app) == 1


def test_modeler_page_loads_the_modeler_and_the_extension(browse):
    page = designer(browse).get("/designer/models/three_review/edit").get_data(as_text=True)
    assert "bpmn-modeler.production.min.js" in page and "spiffworkflow.json" in page
    assert "cdn" not in page.lower()


def test_a_new_model_deploys_as_version_one_and_can_be_started(browse, app):
    person = designer(browse)
    person.post("/designer/new", {"key": "trial_notice", "name": "试用通知"})
    xml = person.get("/designer/models/trial_notice/source.json").get_json()["xml"]
    res = post_json(person, "/designer/models/trial_notice/deploy", {"xml": xml, "note": "新建"})
    assert res.get_json()["version"] == 1
    instance = app.extensions["shenfa"].start("trial_notice", "zhangwei", {})
    assert instance > 0
    assert "试用通知" in person.get("/designer/").get_data(as_text=True)


def test_form_draft_can_be_discarded(browse, app):
    person = designer(browse)
    text = (ROOT / "forms" / "post_draft.json").read_text(encoding="utf-8")
    post_json(person, "/designer/forms/post_draft/draft", {"text": text.replace("标题", "题目", 1)})
    assert "题目" in person.get("/designer/forms/post_draft").get_data(as_text=True)
    assert person.post("/designer/forms/post_draft/draft/discard").status_code == 302
    assert drafts_count(app) == 0


@pytest.mark.parametrize("text,expected", [
    ("[" * 100_000 + "]" * 100_000, "嵌套过深"),
    (json.dumps({"type": "object", "properties": {"a": {"$ref": "../../etc/passwd"}}}), "_shared/"),
    (json.dumps([1, 2]), "表单定义不合法"),
])
def test_hostile_form_schemas_are_refused(browse, text, expected):
    res = post_json(designer(browse), "/designer/forms/post_draft/preview", {"text": text})
    assert res.status_code == 200 and expected in res.get_json()["message"]


def test_a_save_based_on_a_stale_source_is_refused(browse, app):
    first, second = designer(browse), designer(browse)
    base = first.get("/designer/models/three_review/source.json").get_json()["token"]
    assert second.get("/designer/models/three_review/source.json").get_json()["token"] == base
    mine = THREE.replace('name="拟稿"', 'name="拟稿（甲）"')
    saved = post_json(second, "/designer/models/three_review/draft", {"xml": mine, "base": base})
    assert saved.status_code == 200 and saved.get_json()["token"] != base
    theirs = THREE.replace('name="拟稿"', 'name="拟稿（乙）"')
    stale = post_json(first, "/designer/models/three_review/draft", {"xml": theirs, "base": base})
    assert stale.status_code == 409 and "songyu" in stale.get_json()["message"]
    deploy = post_json(first, "/designer/models/three_review/deploy",
                       {"xml": theirs, "note": "乙", "base": base})
    assert deploy.status_code == 409 and version_count(app) == 1
    source = first.get("/designer/models/three_review/source.json").get_json()
    assert "拟稿（甲）" in source["xml"]


def test_an_older_version_restored_as_draft_deploys_as_a_new_version(browse, app):
    person = designer(browse)
    edited = THREE.replace('name="审签结论"', 'name="审签结论（修订）"')
    post_json(person, "/designer/models/three_review/deploy", {"xml": edited, "note": "更名"})
    assert "以此版本为草稿" in person.get("/designer/models/three_review").get_data(as_text=True)
    res = person.post("/designer/models/three_review/versions/1/restore")
    assert res.status_code == 302 and res.headers["Location"].endswith("/three_review/edit")
    source = person.get("/designer/models/three_review/source.json").get_json()
    assert source["draft"] and source["xml"] == THREE
    done = post_json(person, "/designer/models/three_review/deploy",
                     {"xml": source["xml"], "note": "回退到 v1", "base": source["token"]})
    assert done.get_json()["version"] == 3
