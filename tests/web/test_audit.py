"""The auditor's workspace on both backends: register, filters, exports, replay pages, verdicts."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import text as sql

from engine.demo import items as demo
from tests.support import APPROVE, DRAFT, Driver, returned

START = {"title": DRAFT["title"], "media": DRAFT["media"]}


def text(res) -> str:
    return res.get_data(as_text=True)


@pytest.fixture
def drive(app) -> Driver:
    return Driver(app.extensions["shenfa"])


@pytest.fixture
def returned_once(drive) -> int:
    """A three-review returned once at 核稿, revised with a new source, then issued."""
    item = drive.start("three_review", "zhaolei", START)
    drive.act(item, "Task_draft", "zhaolei", DRAFT)
    drive.act(item, "Task_review", "zhoujie", APPROVE)
    drive.act(item, "Task_check", "sunli", returned("请注明指南出处", "scientific"))
    drive.act(item, "Task_draft", "zhaolei", {**DRAFT, "source": "《中国高血压防治指南》"})
    for spec, user in [("Task_review", "zhoujie"), ("Task_check", "sunli"), ("Task_sign", "zhengqiang")]:
        drive.act(item, spec, user, APPROVE)
    return item


@pytest.fixture
def demo_items(app) -> list[int]:
    """Walk every demo sample; return the ids of all items (walks may start more than one)."""
    demo.run(app.extensions["shenfa"], lambda line: None)
    with app.extensions["shenfa"].db.engine.connect() as conn:
        return [row[0] for row in conn.execute(sql("SELECT id FROM instances ORDER BY id"))]


def ids_in(html: str) -> set[int]:
    import re

    return {int(i) for i in re.findall(r'href="/audit/items/(\d+)"', html)}


@pytest.mark.parametrize("user", ["gaoyan", "admin", "heping"])
def test_auditors_admins_and_discipline_inspection_read_the_register(browse, demo_items, user):
    page = browse(user).get("/audit/")
    assert page.status_code == 200
    assert ids_in(text(page)) == set(demo_items)


def test_others_may_not_open_the_workspace(browse, demo_items):
    b = browse("zhoujie")
    for url in ("/audit/", "/audit/items.csv", f"/audit/items/{demo_items[0]}",
                f"/audit/items/{demo_items[0]}/record.pdf", "/admin/operations"):
        assert b.get(url).status_code == 403, url


def test_filters(browse, demo_items):
    b = browse("gaoyan")
    def listed(query):
        return ids_in(text(b.get(f"/audit/?{query}")))
    three = listed("model=three_review")
    assert len(three) == 2 and three <= set(demo_items)
    assert listed("status=completed") & listed("status=running") == set()
    assert listed("status=completed") | listed("status=running") == set(demo_items)
    tier3 = listed("tier=3")
    assert tier3 and tier3 <= set(demo_items) and tier3 != set(demo_items)
    assert listed("key_date=yes") and listed("key_date=yes") & listed("key_date=no") == set()
    assert listed("person=zhengqiang") and listed("person=zhengqiang") != set(demo_items)
    assert listed("since=2000-01-01&until=2000-01-02") == set()
    assert listed("overdue=no") == set(demo_items) and listed("overdue=yes") == set()


@pytest.mark.parametrize("query,message", [
    ("since=2026-13-01", "开始日期格式应为 YYYY-MM-DD"),
    ("tier=9", "平台级别取值无效"),
    ("department=abc", "科室须为数字"),
    ("since=2026-12-01&until=2026-11-01", "开始日期晚于结束日期"),
])
def test_bad_filters_answer_a_clear_chinese_error(browse, query, message):
    res = browse("gaoyan").get(f"/audit/?{query}")
    assert res.status_code == 400 and message in text(res)


def test_paging(browse, demo_items):
    b = browse("gaoyan")
    pages = [ids_in(text(b.get(f"/audit/?per_page=5&page={n}"))) for n in (1, 2, 3)]
    pages += [ids_in(text(b.get(f"/audit/?per_page=5&page={n}"))) for n in range(4, 6)]
    assert [len(p) for p in pages[:3]] == [5, 5, 5] and len(demo_items) <= 25
    assert set().union(*pages) == set(demo_items)
    assert 'rel="next"' in text(b.get("/audit/?per_page=5&page=1&model="))


def test_csv_export_opens_in_excel_and_follows_filters(browse, demo_items):
    res = browse("gaoyan").get("/audit/items.csv?model=three_review")
    assert res.status_code == 200 and res.mimetype == "text/csv"
    assert res.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8 Chinese
    rows = list(csv.reader(io.StringIO(res.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["事项编号", "流程", "流程版本", "标题"]
    assert len(rows) == 3 and {r[3] for r in rows[1:]} == {"冬季心血管健康提示", "流感季就诊指引"}
    assert "attachment" in res.headers["Content-Disposition"]


def test_json_export(browse, demo_items):
    res = browse("gaoyan").get("/audit/items.json?status=completed")
    data = json.loads(res.data)
    assert data["count"] == len(data["items"]) > 0
    assert all(item["status"] == "completed" for item in data["items"])
    assert data["filters"] == {"status": "completed"}


def test_replay_steps_and_deep_link(browse, returned_once):
    b = browse("gaoyan")
    last = text(b.get(f"/audit/items/{returned_once}"))
    total = int(last.split('data-total="')[1].split('"')[0])
    assert f"第 <strong id=\"step-n\">{total}</strong> / {total} 步" in last
    # the 核稿 return: decision, reasons and who
    steps = b.get(f"/audit/items/{returned_once}/timeline.json").get_json()["steps"]
    back = next(i for i, s in enumerate(steps, 1) if s["decision"] == "return")
    page = text(b.get(f"/audit/items/{returned_once}?step={back}"))
    assert "退回修改" in page and "请注明指南出处" in page and "孙丽" in page
    assert f'id="step-n">{back}<' in page
    # the redraft shows what changed since the first draft
    redraft = next(i for i, s in enumerate(steps, 1) if i > back and s["task_spec"] == "Task_draft"
                   and s["type"] == "task_completed")
    page = text(b.get(f"/audit/items/{returned_once}?step={redraft}"))
    assert "与上次提交相比的变化" in page and "心血管内科原创" in page and "《中国高血压防治指南》" in page
    diagram = b.get(f"/audit/items/{returned_once}/steps/{back}.json").get_json()
    assert diagram["states"]["Task_check"] == "completed" and "Task_sign" not in diagram["states"]
    assert "<bpmn:definitions" in diagram["xml"] or "definitions" in diagram["xml"]


def test_bad_step_is_refused(browse, returned_once):
    b = browse("gaoyan")
    for bad in ("0", "999", "x"):
        res = b.get(f"/audit/items/{returned_once}?step={bad}")
        assert res.status_code == 400 and "步骤编号无效" in text(res)
    assert b.get("/audit/items/99999").status_code == 404


def test_verdicts_pass_for_an_untouched_item(browse, returned_once):
    page = text(browse("gaoyan").get(f"/audit/items/{returned_once}"))
    assert "重放核验：</strong>通过" in page and "哈希链核验：</strong>完整" in page


def test_an_event_edited_in_the_database_fails_and_is_named(app, browse, returned_once):
    db = app.extensions["shenfa"].db
    with db.engine.begin() as conn:
        seq = conn.execute(sql("SELECT seq FROM events WHERE instance_id = :i AND type = 'task_completed' "
                               "ORDER BY seq LIMIT 1 OFFSET 1"), {"i": returned_once}).scalar()
        conn.execute(sql("UPDATE events SET actor = 'wuhua' WHERE instance_id = :i AND seq = :s"),
                     {"i": returned_once, "s": seq})
    page = text(browse("gaoyan").get(f"/audit/items/{returned_once}"))
    assert "哈希链核验：</strong>发现" in page
    assert f"事项 #{returned_once}" in page and f"事件 {seq}</a>：事件内容与其哈希不符" in page
    assert f'href="/audit/items/{returned_once}?step={seq}"' in page


def test_a_deleted_event_is_named(app, browse, returned_once):
    with app.extensions["shenfa"].db.engine.begin() as conn:
        conn.execute(sql("DELETE FROM events WHERE instance_id = :i AND seq = 3"), {"i": returned_once})
    page = text(browse("gaoyan").get(f"/audit/items/{returned_once}"))
    assert "序号不连续" in page and "重放核验：</strong>未通过" in page


def test_a_rewritten_decision_fails_replay_at_that_event(app, browse, returned_once):
    from sqlalchemy import select, update

    from engine.store.schema import Event

    db = app.extensions["shenfa"].db
    with db.transaction() as session:
        event = session.scalars(select(Event).where(
            Event.instance_id == returned_once, Event.type == "task_completed")
            .order_by(Event.seq)).all()[2]  # the 核稿 return
        payload = {**event.payload, "data": {**event.payload["data"], "decision": "approve"},
                   "decision": "approve"}
        session.execute(update(Event).where(Event.id == event.id).values(payload=payload))
        seq = event.seq
    page = text(browse("gaoyan").get(f"/audit/items/{returned_once}"))
    assert "重放核验：</strong>未通过" in page
    assert (f'首个不一致事件：<a href="/audit/items/{returned_once}?step={seq}">事件 {seq}</a>'
            in page)
    assert "事件内容与其哈希不符" in page


def test_evidence_download_carries_hashes_and_verdicts(browse, returned_once):
    res = browse("gaoyan").get(f"/audit/items/{returned_once}/evidence.json")
    data = json.loads(res.data)
    assert "attachment" in res.headers["Content-Disposition"]
    assert data["replay"]["ok"] and data["chain_problems"] == []
    history = data["item"]["history"]
    assert history[0]["prev_hash"] == "0" * 64
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(history, history[1:], strict=False))


def test_daily_digests_download(app, browse, returned_once):
    from datetime import date

    from engine.audit.chain import record_digest

    engine = app.extensions["shenfa"]
    with engine.db.transaction() as session:
        record_digest(session, date(2099, 1, 1), engine.clock.now())
    data = json.loads(browse("gaoyan").get("/audit/digests.json").data)
    assert [d["day"] for d in data["digests"]] == ["2099-01-01"]
    assert str(returned_once) in data["digests"][0]["heads"]


def test_csv_cells_never_run_as_excel_formulas(app, browse, drive):
    drive.start("three_review", "zhaolei", {"title": "=HYPERLINK(\"http://x\",\"点我\")",
                                            "media": ["订阅号"]})
    rows = list(csv.reader(io.StringIO(browse("gaoyan").get("/audit/items.csv").data.decode("utf-8-sig"))))
    assert rows[1][3] == "'=HYPERLINK(\"http://x\",\"点我\")"


def test_comments_appear_from_the_step_they_were_made(app, browse, drive):
    item = drive.start("three_review", "zhaolei", START)
    browse("zhaolei").post(f"/items/{item}/comments", {"body": "请尽快审核"})
    drive.act(item, "Task_draft", "zhaolei", DRAFT)
    b = browse("gaoyan")
    total = len(b.get(f"/audit/items/{item}/timeline.json").get_json()["steps"])
    assert "请尽快审核" not in text(b.get(f"/audit/items/{item}?step=1"))
    assert "请尽快审核" in text(b.get(f"/audit/items/{item}?step={total}"))
