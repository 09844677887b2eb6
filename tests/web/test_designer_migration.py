"""Migration from the designer pages: dry run says why, bulk run leaves the rest, resumable."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from engine.store.schema import Instance, Operation
from tests.engine.test_migration import REMOVE_CHECK
from tests.support import APPROVE, DRAFT, Driver
from tests.web.test_designer import ROOT, THREE, designer, post_json

START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}


def without_check() -> str:
    text = THREE
    for old, new in REMOVE_CHECK:
        text = re.sub(old, new, text, flags=re.S)
    return text


def items(app) -> tuple[int, int]:
    drive = Driver(app.extensions["shenfa"])
    waiting = drive.start("three_review", "zhangwei", START)
    drive.act(waiting, "Task_draft", "zhangwei", DRAFT)
    drive.act(waiting, "Task_review", "zhoujie", APPROVE)  # now on 核稿, which v2 removes
    fresh = drive.start("three_review", "zhangwei", START)
    return waiting, fresh


def versions_of(app) -> dict[int, int]:
    with app.extensions["shenfa"].db.transaction() as session:
        return dict(session.execute(select(Instance.id, Instance.model_version_id)).all())


def test_dry_run_bulk_run_and_resume(browse, app):
    waiting, fresh = items(app)
    person = designer(browse)
    res = post_json(person, "/designer/models/three_review/deploy",
                    {"xml": without_check(), "note": "取消核稿"})
    assert res.get_json()["version"] == 2
    before = versions_of(app)
    page = person.get("/designer/models/three_review/migrate").get_data(as_text=True)
    assert f'data-id="{waiting}" data-migratable="false"' in page
    assert f'data-id="{fresh}" data-migratable="true"' in page
    assert "在新版本中已删除" in page
    assert versions_of(app) == before  # the dry run changed nothing

    run = post_json(person, "/designer/models/three_review/migrate",
                    {"from": 1, "to": 2, "ids": [waiting, fresh]}).get_json()["results"]
    assert [(r["instance_id"], r["state"]) for r in run] == [(waiting, "untouched"), (fresh, "migrated")]
    after = versions_of(app)
    assert after[waiting] == before[waiting] and after[fresh] != before[fresh]
    with app.extensions["shenfa"].db.transaction() as session:
        op = session.scalars(select(Operation).order_by(Operation.id.desc())).first()
    assert op.type == "instances_migrated" and op.actor == "songyu"
    assert (op.payload["migrated"], op.payload["untouched"]) == ([fresh], [waiting])

    again = post_json(person, "/designer/models/three_review/migrate",
                      {"from": 1, "to": 2, "ids": [fresh]}).get_json()["results"]
    assert again[0]["state"] == "skipped" and "已不在版本 1" in again[0]["reasons"][0]


def test_migration_needs_a_designer_and_good_input(browse, app):
    author = browse("zhangwei")
    assert post_json(author, "/designer/models/three_review/migrate",
                     {"from": 1, "to": 2, "ids": [1]}).status_code == 403
    bad = post_json(designer(browse), "/designer/models/three_review/migrate", {"from": "x"})
    assert bad.status_code == 400 and "参数有误" in bad.get_json()["message"]


def test_dry_run_announces_a_form_drafted_in_the_editor(browse, app):
    drive = Driver(app.extensions["shenfa"])
    item = drive.start("three_review", "zhangwei", START)
    drive.act(item, "Task_draft", "zhangwei", DRAFT)  # 审稿 is open, with form post_review
    person = designer(browse)
    text = (ROOT / "forms" / "post_review.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    schema["properties"]["note"] = {"type": "string", "title": "校对说明"}
    assert post_json(person, "/designer/forms/post_review/draft",
                     {"text": json.dumps(schema, ensure_ascii=False)}).status_code == 200
    assert post_json(person, "/designer/models/three_review/deploy",
                     {"xml": THREE, "note": "审核表单增加校对说明"}).get_json()["version"] == 2
    page = person.get("/designer/models/three_review/migrate").get_data(as_text=True)
    assert f'data-id="{item}" data-migratable="true"' in page
    assert "的表单已变更，办理人将看到新表单" in page
