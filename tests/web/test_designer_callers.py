"""A called model (three_review) deployed anew: its callers named and redeployed; the
migration dry run counts the items running inside callers and previews each item's changes."""

from __future__ import annotations

from tests.proc_support import account_id
from tests.support import DRAFT, Driver
from tests.web.test_designer import THREE, designer, post_json


def inside_three_review(app) -> tuple[int, int]:
    """A tier-2 post waiting inside its three_review call, and a plain three_review item."""
    drive = Driver(app.extensions["shenfa"])
    engine = app.extensions["shenfa"]
    post = drive.start("post_review", "zhangwei", {"account_id": account_id(engine, "心血管内科健康课堂"),
                                                   "title": "冬季心血管健康提示", "planned_date": "2026-12-01"})
    drive.act(post, "Task_draft", "zhangwei", DRAFT)
    plain = drive.start("three_review", "zhangwei", {"title": "流感季就诊指引", "media": ["订阅号"]})
    return post, plain


def deploy_v2(person):
    renamed = THREE.replace('name="拟稿"', 'name="拟稿（含出处）"')
    return post_json(person, "/designer/models/three_review/deploy", {"xml": renamed, "note": "拟稿须写明出处"})


def test_deploying_a_called_model_names_its_callers_and_redeploys_them(app, browse):
    person = designer(browse)
    body = deploy_v2(person).get_json()
    assert body["ok"] and body["version"] == 2
    assert "以下流程仍调用旧版本" in body["message"] and "post_review，调用 v1" in body["message"]
    assert "post_review" in {c["key"] for c in body["callers"]}
    redeployed = post_json(person, "/designer/models/three_review/callers/redeploy", {}).get_json()
    assert redeployed["ok"] and "post_review v2" in redeployed["message"]
    again = post_json(person, "/designer/models/three_review/callers/redeploy", {}).get_json()
    assert again["message"] == "没有需要重新部署的调用方。"
    assert deploy_v2(person).get_json()["callers"] == []  # same content, callers up to date


def test_the_dry_run_counts_items_inside_callers_and_previews_each_change(app, browse):
    post, plain = inside_three_review(app)
    person = designer(browse)
    deploy_v2(person)
    page = person.get("/designer/models/three_review/migrate").get_data(as_text=True)
    assert "在调用方流程中运行的事项：1 件" in page and f"#{post} 冬季心血管健康提示" in page
    assert "审稿（一审一校）" in page  # where it waits inside the call
    assert f'data-id="{plain}"' in page and "「拟稿」改名为「拟稿（含出处）」" in page
    assert "（1 件，可迁移 1 件）" in page
