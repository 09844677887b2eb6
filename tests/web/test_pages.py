"""Server-rendered pages through the test client, on both backends: sign-in, CSRF, forms,
errors, comments and files."""

from __future__ import annotations

import io
import re

import pytest

from tests.support import DRAFT, Driver, returned

START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def drive(app) -> Driver:
    return Driver(app.extensions["shenfa"])


def text(res) -> str:
    return res.get_data(as_text=True)


def test_pages_need_sign_in(browse):
    res = browse().get("/inbox")
    assert res.status_code == 302 and "/login" in res.headers["Location"]


def test_wrong_password_then_lockout(browse):
    b = browse()
    res = b.login("zhangwei", "wrong")
    assert res.status_code == 401 and "用户名或密码错误" in text(res)
    for _ in range(4):
        b.login("zhangwei", "wrong")
    locked = b.login("zhangwei", "demo")
    assert locked.status_code == 429 and "登录失败次数过多" in text(locked)
    assert b.get("/inbox").status_code == 302


def test_login_sets_a_hardened_cookie_and_logout_ends_it(browse):
    b = browse()
    res = b.login("zhangwei")
    cookie = res.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert b.get("/inbox").status_code == 200
    b.post("/logout")
    assert b.get("/inbox").status_code == 302


def test_login_refuses_an_offsite_next(browse):
    b = browse()
    page = b.get("/login?next=//evil.example/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(page)).group(1)
    res = b.client.post("/login?next=//evil.example/", data={
        "username": "zhangwei", "password": "demo", "csrf_token": token})
    assert res.headers["Location"] == "/"


def test_posts_without_csrf_token_are_refused_and_change_nothing(browse, drive):
    b = browse("zhangwei")
    res = b.client.post("/start/three_review", data=START)
    assert res.status_code == 400 and "CSRF" in text(res)
    assert "Traceback" not in text(res)
    assert "我发起的 <span class=\"count\">0</span>" in text(b.get("/inbox"))


def test_security_headers(browse):
    res = browse("zhangwei").get("/inbox")
    assert "script-src 'self'" in res.headers["Content-Security-Policy"]
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["X-Frame-Options"] == "DENY"


def test_start_form_errors_keep_the_input(browse):
    b = browse("zhangwei")
    res = b.post("/start/three_review", {"title": "", "media": ["订阅号"]})
    assert res.status_code == 400
    page = text(res)
    assert "此项为必填项" in page
    assert re.search(r'value="订阅号" checked', page)


def test_start_opens_the_draft_task(browse):
    res = browse("zhangwei").post("/start/three_review", START)
    assert res.status_code == 302 and res.headers["Location"].startswith("/tasks/")


def test_start_is_403_without_the_role(browse):
    b = browse("gaoyan")
    res = b.get("/start/three_review")
    assert res.status_code == 403 and "无权操作" in text(res) and "需要角色：职工" in text(res)
    assert "三审三校" not in text(b.get("/start"))


def test_task_form_errors_keep_input_and_change_nothing(browse, drive):
    instance = drive.start("three_review", "zhangwei", START)
    task = drive.task(instance, "Task_draft").id
    res = browse("zhangwei").post(f"/tasks/{task}", {
        "action": "complete", "title": START["title"], "media": ["订阅号"],
        "body": "正文**已写**", "source": ""})
    assert res.status_code == 400
    page = text(res)
    assert "正文**已写**</textarea>" in page
    assert re.search(r'data-field="source">.*?此项为必填项', page, re.S)
    assert drive.open_specs(instance) == ["Task_draft"]


def test_draft_is_saved_and_shown_again(browse, drive):
    instance = drive.start("three_review", "zhangwei", START)
    task = drive.task(instance, "Task_draft").id
    b = browse("zhangwei")
    res = b.post(f"/tasks/{task}", {"action": "draft", "body": "写了一半"})
    assert res.status_code == 302
    assert "写了一半</textarea>" in text(b.get(f"/tasks/{task}"))


def test_claim_from_the_queue_then_the_form_appears(browse, drive):
    instance = drive.start("three_review", "zhangwei", START)
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    task = drive.task(instance, "Task_review").id
    b = browse("zhoujie")
    assert "认领" in text(b.get("/inbox?tab=claimable"))
    assert 'class="task-form"' not in text(b.get(f"/tasks/{task}"))
    assert b.post(f"/tasks/{task}/claim").status_code == 302
    assert 'class="task-form"' in text(b.get(f"/tasks/{task}"))
    assert browse("lina").post(f"/tasks/{task}/unclaim").status_code == 403


def test_returned_item_shows_who_and_why_in_the_inbox(browse, drive):
    instance = drive.start("three_review", "zhangwei", START)
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    drive.act(instance, "Task_review", "zhoujie", returned("请注明指南出处", "scientific"))
    page = text(browse("zhangwei").get("/inbox"))
    assert "被 周杰 退回" in page and "请注明指南出处" in page


def test_inbox_pages_and_filters(browse, drive):
    for n in range(23):
        drive.start("three_review", "zhangwei", {**START, "title": f"稿件{n:02d}"})
    b = browse("zhangwei")
    first = text(b.get("/inbox"))
    assert "第 1 / 2 页，共 23 条" in first and "稿件00" in first and "稿件22" not in first
    assert "稿件22" in text(b.get("/inbox?page=2"))
    assert "没有待办任务" in text(b.get("/inbox?since=2999-01-01"))
    found = text(b.get("/inbox?q=稿件07"))
    assert "稿件07" in found and "稿件08" not in found and "共" not in found
    assert "我的待办 <span class=\"count\">1</span>" in found
    assert "没有待办任务" in text(b.get("/inbox?q=%25"))  # LIKE wildcards are literal
    bad = b.get("/inbox?since=someday")
    assert bad.status_code == 400 and "请输入有效日期" in text(bad)


def test_markdown_is_rendered_without_scripts(browse, drive):
    instance = drive.start("three_review", "zhangwei", START)
    drive.act(instance, "Task_draft", "zhangwei", {
        **DRAFT, "body": "**重点**<script>alert(1)</script><a href=\"javascript:x()\">链接</a>"})
    page = text(browse("zhangwei").get(f"/items/{instance}"))
    assert "<strong>重点</strong>" in page
    assert "<script>alert" not in page and "javascript:" not in page


def test_item_page_403_404_and_no_traceback(browse, drive):
    instance = drive.start("three_review", "zhangwei", START)
    outsider = browse("liuyang")
    forbidden = outsider.get(f"/items/{instance}")
    assert forbidden.status_code == 403 and "不是此事项的参与人" in text(forbidden)
    missing = outsider.get("/items/99999")
    assert missing.status_code == 404 and "事项不存在" in text(missing)
    assert "<html lang=\"zh-CN\">" in text(missing)


def test_500_is_a_chinese_page_without_traceback(app, browse):
    def boom():
        raise RuntimeError("secret internals")

    app.add_url_rule("/boom", "boom", boom)
    res = browse().get("/boom")
    assert res.status_code == 500
    assert "服务器内部错误" in text(res) and "secret internals" not in text(res)


def test_comments_are_added_and_empty_ones_refused(browse, drive):
    instance = drive.start("three_review", "zhangwei", START)
    b = browse("zhangwei")
    b.post(f"/items/{instance}/comments", {"body": "图片稍后补上"})
    b.post(f"/items/{instance}/comments", {"body": "   "})
    page = text(b.get(f"/items/{instance}"))
    assert "图片稍后补上" in page and "评论（1）" in page
    assert "请填写评论内容" in page


def test_attachments_checked_by_content_and_served_safely(browse, drive):
    instance = drive.start("three_review", "zhangwei", START)
    b = browse("zhangwei")
    b.client.post(f"/items/{instance}/attachments", data={
        "csrf_token": b.token, "file": (io.BytesIO(PNG), "图.png")},
        content_type="multipart/form-data")
    b.client.post(f"/items/{instance}/attachments", data={
        "csrf_token": b.token, "file": (io.BytesIO(b"<html><script>x</script>"), "fake.png")},
        content_type="multipart/form-data")
    page = text(b.get(f"/items/{instance}"))
    assert "附件（1）" in page and "只能上传图片、PDF 或视频" in page
    link = re.search(r'href="(/attachments/\d+)"', page).group(1)
    with b.get(link) as res:
        assert res.data == PNG and res.mimetype == "image/png"
        assert res.headers["X-Content-Type-Options"] == "nosniff"
        assert res.headers["Content-Disposition"].startswith("inline; filename*=UTF-8''")
        assert "sandbox" in res.headers["Content-Security-Policy"]
    assert browse("liuyang").get(link).status_code == 403


def test_oversized_upload_is_refused(app, browse, drive):
    app.config["MAX_UPLOAD_MB"] = 0.25 / 1024  # 256 bytes: a small body in the test
    instance = drive.start("three_review", "zhangwei", START)
    b = browse("zhangwei")
    big = PNG + b"\0" * 300
    b.client.post(f"/items/{instance}/attachments", data={
        "csrf_token": b.token, "file": (io.BytesIO(big), "big.png")},
        content_type="multipart/form-data")
    page = text(b.get(f"/items/{instance}"))
    assert "文件不能超过 0.2 KB" in page and "附件（0）" in page


def test_diagram_assets_are_served_locally(browse, drive):
    instance = drive.start("three_review", "zhangwei", START)
    b = browse("zhangwei")
    page = text(b.get(f"/items/{instance}"))
    assert "/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in page
    assert "http" not in re.findall(r'<script src="([^"]+)"', page)[0]
    with b.get("/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js") as res:
        assert res.status_code == 200 and b"BpmnJS" in res.data
    states = b.get(f"/items/{instance}/diagram.json").get_json()["states"]
    assert states["Task_draft"] == "active"


def test_claiming_a_claimed_task_is_a_409_page(browse, drive):
    instance = drive.start("three_review", "zhangwei", START)
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    task = drive.task(instance, "Task_review").id
    drive.engine.claim(task, "zhoujie")
    res = browse("wuhua").post(f"/tasks/{task}/claim")
    assert res.status_code == 409
    assert "409 · 操作冲突" in text(res) and "已被 zhoujie 认领" in text(res)
    assert drive.task(instance, "Task_review").assignee == "zhoujie"


def test_completing_someone_elses_task_is_403_and_changes_nothing(browse, drive):
    instance = drive.start("three_review", "zhangwei", START)
    task = drive.task(instance, "Task_draft").id
    res = browse("lina").post(f"/tasks/{task}", {"action": "complete", **DRAFT})
    assert res.status_code == 403
    assert drive.open_specs(instance) == ["Task_draft"]


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/", "https://evil.example/"])
def test_comment_redirect_stays_on_site(browse, drive, target):
    instance = drive.start("three_review", "zhangwei", START)
    res = browse("zhangwei").post(f"/items/{instance}/comments", {"body": "好", "back": target})
    assert res.headers["Location"] == f"/items/{instance}#comments"


def test_inbox_rows_name_the_account_and_tier_and_filter_by_them(app, browse):
    from engine.registry import accounts as registry
    from tests.support import Driver

    engine = app.extensions["shenfa"]
    with engine.db.transaction() as session:
        account = next(a for a in registry.active(session, (1,)) if a.account_name)
    drive = Driver(engine)
    instance = drive.start("post_review", "zhaolei", {
        "account_id": account.id, "title": "冬季心血管健康提示", "planned_date": "2026-12-02"})
    page = browse("zhaolei").get("/inbox").get_data(as_text=True)
    assert f"{account.account_name} · 一级平台" in page
    assert f"#{instance}" in browse("zhaolei").get(f"/inbox?account={account.id}").get_data(as_text=True)
    assert f"#{instance}" not in browse("zhaolei").get("/inbox?tier=3").get_data(as_text=True)


def test_start_page_offers_only_accounts_the_user_may_publish_to(app, browse):
    page = browse("zhaolei").get("/start/post_review").get_data(as_text=True)
    assert "，一级平台）</option>" in page and "<select" in page
    staff = browse("liuyang").get("/start/post_review").get_data(as_text=True)
    assert "，一级平台）</option>" not in staff
