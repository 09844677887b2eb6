"""POST /api/prescreen on both backends: findings with spans, the rules version, 4xx on bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.prescreen import default_rules

POST = "患者张建国，手机13812345678。详见 http://www.mama-baike.com/a 。\n供稿：心血管内科"


def test_a_post_gets_its_findings_and_the_rules_version(api):
    res = api("zhangwei").post("/api/prescreen", json={"text": POST, "attachments": [{"name": "图.png"}]})
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["rules_version"] == default_rules().version
    assert [(f["rule"], f["text"], f["category"], f["checklist"]) for f in body["findings"]] == [
        ("form.image_source", "", "form", "form"),
        ("privacy.patient_name", "张建国", "privacy", "lawful"),
        ("privacy.mobile", "13812345678", "privacy", "lawful"),
        ("form.external_link", "http://www.mama-baike.com/a", "form", "form")]
    mobile = body["findings"][2]
    assert POST[mobile["start"]:mobile["end"]] == "13812345678" and mobile["article"] == "第七条三"


def test_a_clean_post_has_no_findings(api):
    res = api("lina").post("/api/prescreen", json={"text": "冬季注意保暖，规律服药。\n供稿：心血管内科"})
    assert res.get_json()["findings"] == []


def test_screening_needs_a_signed_in_user(api):
    assert api().post("/api/prescreen", json={"text": POST}).status_code == 401


@pytest.mark.parametrize(("body", "field"), [
    ({}, "text"),
    ({"text": ""}, "text"),
    ({"text": 42}, "text"),
    ({"text": "a" * 100_001}, "text"),
    ({"text": "正文", "attachments": "a.jpg"}, "attachments"),
    ({"text": "正文", "attachments": [{"name": "a.jpg", "owner": "x"}]}, "attachments"),
    ({"text": "正文", "attachments": [{"source": "x"}]}, "attachments"),
    ({"text": "正文", "attachments": [{"name": "a.jpg"}] * 201}, "attachments"),
    ({"text": "正文", "verdict": "approve"}, "verdict"),
])
def test_bad_input_is_a_400_naming_the_field(api, body, field):
    res = api("zhangwei").post("/api/prescreen", json=body)
    assert res.status_code == 400
    assert field in res.get_json()["errors"]


@pytest.mark.parametrize("text", ["含\x00空字符", "含\x07控制字符"])
def test_control_characters_are_refused(api, text):
    res = api("zhangwei").post("/api/prescreen", json={"text": text})
    assert res.status_code == 400 and res.get_json()["status"] == 400


def test_a_body_that_is_not_json_is_refused(api):
    res = api("zhangwei").client.post("/api/prescreen", data="text", headers=api("zhangwei").headers)
    assert 400 <= res.status_code < 500


def test_the_endpoint_is_documented(api):
    spec = api("zhangwei").get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/prescreen"]["post"]
    assert {"200", "400", "409"} <= set(operation["responses"])
    assert "PrescreenIn" in spec["components"]["schemas"]


def test_the_newest_deployed_rules_are_used(app, api, tmp_path):
    from engine.app import prescreen as service
    from engine.prescreen import rules_dir

    folder = Path(shutil.copytree(rules_dir(), tmp_path / "rules"))
    privacy = folder / "privacy.yaml"
    privacy.write_text(privacy.read_text(encoding="utf-8").replace("患者, 病人,", "病人,"), encoding="utf-8")
    engine = app.extensions["shenfa"]
    with engine.db.transaction() as session:
        deployed = service.deploy(session, folder, engine.clock.now(), "admin")
    body = api("zhangwei").post("/api/prescreen", json={"text": POST}).get_json()
    assert body["rules_version"] == deployed["version"] != default_rules().version
    assert "privacy.patient_name" not in {f["rule"] for f in body["findings"]}
