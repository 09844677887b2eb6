"""The REST API on both backends: success, 400 with field messages, 403, 404, 409."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from tests.support import APPROVE, DRAFT, Driver, returned

START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}


@pytest.fixture
def drive(app) -> Driver:
    return Driver(app.extensions["shenfa"])


def at_review(drive) -> tuple[int, str]:
    """Start and draft an item as zhangwei; return it and its 审稿 task id."""
    instance = drive.start("three_review", "zhangwei", START)
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    return instance, drive.task(instance, "Task_review").id


def test_sign_in_returns_a_token_and_who_you_are(api):
    res = api().client.post("/api/session", json={"username": "zhangwei", "password": "demo"})
    assert res.status_code == 200
    body = res.get_json()
    assert body["token"] and body["display_name"] == "张伟" and body["roles"] == ["staff"]
    me = api().client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.get_json()["username"] == "zhangwei"


def test_sign_in_refuses_bad_passwords_and_missing_fields(api):
    client = api().client
    wrong = client.post("/api/session", json={"username": "zhangwei", "password": "x"})
    assert wrong.status_code == 401 and wrong.get_json()["message"] == "用户名或密码错误。"
    missing = client.post("/api/session", json={"username": "zhangwei"})
    assert missing.status_code == 400
    assert missing.get_json()["errors"]["password"] == ["此项为必填项。"]


def test_repeated_failures_lock_the_name_even_for_the_right_password(api):
    client = api().client
    for _ in range(5):
        client.post("/api/session", json={"username": "lina", "password": "guess"})
    locked = client.post("/api/session", json={"username": "lina", "password": "demo"})
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.get_json()["message"]
    other = client.post("/api/session", json={"username": "zhangwei", "password": "demo"})
    assert other.status_code == 200


def test_everything_but_sign_in_needs_a_user(api):
    anon = api()
    assert anon.get("/api/tasks").status_code == 401
    assert anon.get("/api/me").get_json()["status"] == 401
    bogus = anon.client.get("/api/me", headers={"Authorization": "Bearer forged"})
    assert bogus.status_code == 401


def test_models_lists_what_the_user_may_start(api):
    models = {m["key"]: m for m in api("zhangwei").get("/api/models").get_json()}
    assert {"three_review", "post_review", "account_approval", "complaint_handling"} <= set(models)
    assert models["three_review"]["form_schema"]["properties"]["title"]["title"] == "标题"
    assert api("gaoyan").get("/api/models").get_json() == []


def test_start_creates_an_item_with_a_draft_task_for_the_author(api):
    res = api("zhangwei").post("/api/models/three_review/instances", json={"data": START})
    assert res.status_code == 201
    item = res.get_json()
    assert item["title"] == START["title"] and item["status"] == "running"
    assert [(t["spec"], t["assignee"]) for t in item["tasks"]] == [("Task_draft", "zhangwei")]


@pytest.mark.parametrize(("user", "key", "body", "status", "field"), [
    ("zhangwei", "three_review", {"data": {"media": ["订阅号"]}}, 400, "title"),
    ("zhangwei", "three_review", {"data": {**START, "media": ["抖音"]}}, 400, "media"),
    ("zhangwei", "three_review", {}, 400, "data"),
    ("zhangwei", "three_review", {"data": START, "extra": 1}, 400, "extra"),
    ("gaoyan", "three_review", {"data": START}, 403, None),
    ("zhangwei", "no_such_model", {"data": START}, 404, None),
], ids=["missing-title", "bad-media", "no-data", "unknown-field", "auditor", "unknown-model"])
def test_start_refusals_change_nothing(api, user, key, body, status, field):
    client = api(user)
    res = client.post(f"/api/models/{key}/instances", json=body)
    assert res.status_code == status
    if field:
        assert field in res.get_json()["errors"]
    assert client.get("/api/tasks?tab=started").get_json()["total"] == 0


def test_tasks_tabs_filters_and_counts(api, drive):
    instance, _ = at_review(drive)
    reviewer = api("zhoujie")
    page = reviewer.get("/api/tasks?tab=claimable").get_json()
    assert page["counts"] == {"mine": 0, "claimable": 1, "done": 0, "started": 0}
    assert page["rows"][0]["instance_id"] == instance
    assert page["rows"][0]["name"] == "审稿（一审一校）"
    assert reviewer.get("/api/tasks?tab=claimable&model=other").get_json()["total"] == 0
    assert reviewer.get("/api/tasks?tab=claimable&since=2999-01-01").get_json()["total"] == 0
    author = api("zhangwei").get("/api/tasks?tab=done").get_json()
    assert author["total"] == 1 and author["rows"][0]["completed_by"] == "zhangwei"
    started = api("zhangwei").get("/api/tasks?tab=started").get_json()
    assert started["rows"][0]["stages"] == ["审稿（一审一校）"]


def test_tasks_bad_filters_are_400_with_field_messages(api):
    res = api("zhangwei").get("/api/tasks?tab=inbox&since=yesterday&per_page=1000")
    assert res.status_code == 400
    errors = res.get_json()["errors"]
    assert set(errors) == {"tab", "since", "per_page"}


def test_returned_task_shows_who_returned_it_and_why(api, drive):
    instance, task_id = at_review(drive)
    drive.act(instance, "Task_review", "zhoujie", returned("请注明指南出处", "scientific"))
    row = api("zhangwei").get("/api/tasks").get_json()["rows"][0]
    assert row["returned"]["by_name"] == "周杰"
    assert row["returned"]["comment"] == "请注明指南出处"
    assert row["returned"]["failing"] == ["scientific"]


def test_task_detail_has_the_form_schema(api, drive):
    _, task_id = at_review(drive)
    detail = api("zhoujie").get(f"/api/tasks/{task_id}").get_json()
    decision = detail["form_schema"]["properties"]["decision"]
    assert decision["enumNames"] == ["通过", "退回拟稿人修改"]
    assert detail["values"]["body"] == DRAFT["body"]


@pytest.mark.parametrize(("user", "task", "status"), [
    ("liuyang", "review", 403), ("zhoujie", "missing", 404)])
def test_task_detail_refusals(api, drive, user, task, status):
    _, task_id = at_review(drive)
    ref = task_id if task == "review" else "00000000-0000-0000-0000-000000000000"
    assert api(user).get(f"/api/tasks/{ref}").status_code == status


def test_claim_and_unclaim(api, drive):
    _, task_id = at_review(drive)
    reviewer = api("zhoujie")
    claimed = reviewer.post(f"/api/tasks/{task_id}/claim")
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "zhoujie"
    assert api("wuhua").post(f"/api/tasks/{task_id}/claim").status_code == 409
    assert api("wuhua").post(f"/api/tasks/{task_id}/unclaim").status_code == 403
    back = reviewer.post(f"/api/tasks/{task_id}/unclaim")
    assert back.status_code == 200 and back.get_json()["assignee"] is None


def test_claim_without_the_role_is_403_and_changes_nothing(api, drive):
    _, task_id = at_review(drive)
    res = api("lina").post(f"/api/tasks/{task_id}/claim")
    assert res.status_code == 403 and "角色" in res.get_json()["message"]
    assert api("zhoujie").get(f"/api/tasks/{task_id}").get_json()["assignee"] is None
    assert api("lina").post("/api/tasks/nope-nope-nope/claim").status_code == 404


def test_complete_with_errors_is_400_per_field_and_changes_nothing(api, drive):
    instance, task_id = at_review(drive)
    reviewer = api("zhoujie")
    reviewer.post(f"/api/tasks/{task_id}/claim")
    res = reviewer.post(f"/api/tasks/{task_id}/complete",
                        json={"data": {**APPROVE, "decision": "return"}})
    assert res.status_code == 400
    assert res.get_json()["errors"] == {"comment": ["退回或驳回时必须填写理由。"]}
    bad = reviewer.post(f"/api/tasks/{task_id}/complete", json={"data": {"decision": "maybe"}})
    assert set(bad.get_json()["errors"]) >= {"decision", "checklist", "secrecy", "proofread"}
    assert reviewer.get(f"/api/tasks/{task_id}").get_json()["status"] == "open"
    assert drive.open_specs(instance) == ["Task_review"]


def test_complete_moves_the_item_on_then_conflicts(api, drive):
    instance, task_id = at_review(drive)
    reviewer = api("zhoujie")
    assert reviewer.post(f"/api/tasks/{task_id}/complete",
                         json={"data": APPROVE}).status_code == 403  # not claimed yet
    reviewer.post(f"/api/tasks/{task_id}/claim")
    done = reviewer.post(f"/api/tasks/{task_id}/complete", json={"data": APPROVE})
    assert done.status_code == 200
    assert [t["spec"] for t in done.get_json()["tasks"] if t["status"] == "open"] == ["Task_check"]
    again = reviewer.post(f"/api/tasks/{task_id}/complete", json={"data": APPROVE})
    assert again.status_code == 200  # the same user's repeat is their own success
    assert again.get_json()["tasks"] == done.get_json()["tasks"]
    assert drive.open_specs(instance) == ["Task_check"]  # and it moved the item on once only
    other = api("zhangwei").post(f"/api/tasks/{task_id}/complete", json={"data": APPROVE})
    assert other.status_code == 409 and other.get_json()["status"] == 409
    missing = reviewer.post("/api/tasks/00000000-0000-0000-0000-000000000000/complete",
                            json={"data": APPROVE})
    assert missing.status_code == 404


def test_draft_is_kept_without_validation(api, drive):
    instance = drive.start("three_review", "zhangwei", START)
    task_id = drive.task(instance, "Task_draft").id
    author = api("zhangwei")
    res = author.put(f"/api/tasks/{task_id}/draft", json={"data": {"body": "未完"}})
    assert res.status_code == 200 and res.get_json()["draft"] == {"body": "未完"}
    assert api("lina").put(f"/api/tasks/{task_id}/draft", json={"data": {}}).status_code == 403


def test_instance_history_diagram_and_comments(api, drive):
    instance, _ = at_review(drive)
    author = api("zhangwei")
    item = author.get(f"/api/instances/{instance}").get_json()
    assert item["status"] == "running"
    history = author.get(f"/api/instances/{instance}/history").get_json()
    assert [e["type"] for e in history][:2] == ["instance_started", "task_opened"]
    diagram = author.get(f"/api/instances/{instance}/diagram").get_json()
    assert diagram["states"]["Task_draft"] == "completed"
    assert diagram["states"]["Task_review"] == "waiting"  # in the pool, not yet held
    assert "<bpmn:definitions" in diagram["xml"]
    posted = author.post(f"/api/instances/{instance}/comments", json={"body": "已补充图片"})
    assert posted.status_code == 201 and posted.get_json()[-1]["author_name"] == "张伟"
    empty = author.post(f"/api/instances/{instance}/comments", json={"body": "  "})
    assert empty.status_code == 400 and "body" in empty.get_json()["errors"]


@pytest.mark.parametrize(("user", "path", "status"), [
    ("liuyang", "", 403), ("liuyang", "/history", 403), ("liuyang", "/diagram", 403),
    ("liuyang", "/comments", 403), ("gaoyan", "", 200), ("zhangwei", "/../999999", 404)])
def test_instance_access(api, drive, user, path, status):
    instance, _ = at_review(drive)
    url = f"/api/instances/{instance}{path}" if "999999" not in path else "/api/instances/999999"
    assert api(user).get(url).status_code == status


def test_session_cookie_posts_need_the_csrf_header(app, drive):
    _, task_id = at_review(drive)
    client = app.test_client()
    client.post("/api/session", json={"username": "zhoujie", "password": "demo"})
    refused = client.post(f"/api/tasks/{task_id}/claim")
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["message"]
    assert client.get(f"/api/tasks/{task_id}").get_json()["assignee"] is None


def test_openapi_document_is_valid(api):
    doc = api().client.get("/api/openapi.json").get_json()
    validate(doc)
    assert {"/api/tasks", "/api/tasks/{task_id}/complete", "/api/session"} <= set(doc["paths"])
