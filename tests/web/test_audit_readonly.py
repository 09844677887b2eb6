"""An auditor can change nothing anywhere: every state-changing route answers 403 and nothing moves.

The routes are read from the application's URL map, so a route added later
(designer, admin) is covered without editing this test.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import text as sql

from tests.support import APPROVE, DRAFT, Driver

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
SESSION_PATHS = {"/login", "/logout", "/api/session"}
TABLES = ("instances", "tasks", "events", "comments", "attachments", "accounts", "key_dates",
          "model_versions", "users", "role_holdings")


@pytest.fixture
def item(app) -> tuple[int, str]:
    """An item waiting at 审稿 in the functional departments' pool."""
    drive = Driver(app.extensions["shenfa"])
    instance = drive.start("three_review", "zhaolei", {"title": DRAFT["title"], "media": DRAFT["media"]})
    drive.act(instance, "Task_draft", "zhaolei", DRAFT)
    return instance, drive.task(instance, "Task_review").id


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & MUTATING):
            if rule.rule not in SESSION_PATHS:
                yield rule, method


def url_of(rule, instance: int, task_id: str) -> str:
    values = {"task_id": task_id, "instance_id": instance, "key": "three_review",
              "name": "post_review", "number": 1, "timer_id": 1, "attachment_id": 1}
    return rule.build({k: values[k] for k in rule.arguments})[1]


def snapshot(app) -> dict[str, list]:
    with app.extensions["shenfa"].db.engine.connect() as conn:
        return {t: sorted(map(repr, conn.execute(sql(f"SELECT * FROM {t}")).all())) for t in TABLES}


FORM = {"body": "审计人员的评论", "decision": "approve", "comment": "同意", "title": "x",
        "to": "wuhua", "reason": "测试"}


def test_every_page_route_refuses_the_auditor(app, browse, item):
    instance, task_id = item
    auditor = browse("gaoyan")
    before = snapshot(app)
    checked = []
    for rule, method in routes(app):
        if rule.rule.startswith("/api/"):
            continue
        data = {**FORM, "file": (io.BytesIO(b"%PDF-1.4\n"), "a.pdf")} if "attachments" in rule.rule else FORM
        res = auditor.client.open(url_of(rule, instance, task_id), method=method,
                                  data={**data, "csrf_token": auditor.token})
        assert res.status_code == 403, (rule.rule, res.status_code)
        assert "审计人员只能查阅记录" in res.get_data(as_text=True)
        checked.append(rule.endpoint)
    assert {"tasks.submit", "tasks.claim", "instances.start", "instances.comment",
            "instances.upload", "admin.reassign"} <= set(checked)
    assert snapshot(app) == before


def test_every_api_route_refuses_the_auditor(app, api, item):
    instance, task_id = item
    auditor = api("gaoyan")
    before = snapshot(app)
    checked = []
    for rule, method in routes(app):
        if not rule.rule.startswith("/api/"):
            continue
        res = auditor.client.open(url_of(rule, instance, task_id), method=method,
                                  json={**APPROVE, "body": "评论", "title": "x"}, headers=auditor.headers)
        assert res.status_code == 403, (rule.rule, res.status_code)
        assert res.get_json()["status"] == 403
        checked.append(rule.endpoint)
    assert {"api.claim", "api.complete", "api.draft", "api.start", "api.Comments"} <= set(checked)
    assert snapshot(app) == before


def test_the_auditor_still_reads_and_signs_out(app, browse, item):
    instance, _task = item
    auditor = browse("gaoyan")
    page = auditor.get(f"/items/{instance}").get_data(as_text=True)
    assert "审计重放" in page and "发表评论" not in page and "上传（图片" not in page
    assert auditor.get(f"/audit/items/{instance}").status_code == 200
    assert auditor.post("/logout").status_code == 302
