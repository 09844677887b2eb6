"""The operations log page: sign-ins, failed sign-ins and an admin's reassignment appear in it."""

from __future__ import annotations

from tests.support import DRAFT, Driver


def text(res) -> str:
    return res.get_data(as_text=True)


def test_logins_and_failures_are_logged(browse):
    browse().login("zhangwei", "wrong")
    browse("zhoujie")
    page = text(browse("gaoyan").get("/admin/operations"))
    assert page.count('class="op-login_failed"') == 1 and "登录失败" in page
    assert "张伟" in page and "周杰" in page
    failed = text(browse("gaoyan").get("/admin/operations?type=login_failed"))
    assert 'class="op-user_logged_in"' not in failed and 'class="op-login_failed"' in failed


def test_admin_reassigns_from_the_page(app, browse):
    drive = Driver(app.extensions["shenfa"])
    item = drive.start("three_review", "zhaolei", {"title": DRAFT["title"], "media": DRAFT["media"]})
    task = drive.task(item, "Task_draft")
    admin = browse("admin")
    assert task.id in text(admin.get("/admin/tasks"))
    res = admin.post(f"/admin/tasks/{task.id}/reassign", {"to": "zhangwei", "reason": "休假"})
    assert res.status_code == 302
    assert drive.task(item, "Task_draft").assignee == "zhangwei"
    log = text(browse("gaoyan").get("/admin/operations"))
    assert "管理员改派任务" in log and f'href="/audit/items/{item}"' in log
    history = text(browse("gaoyan").get(f"/audit/items/{item}"))
    assert "管理员改派" in history and "张伟" in history


def test_bad_reassignment_changes_nothing(app, browse):
    drive = Driver(app.extensions["shenfa"])
    item = drive.start("three_review", "zhaolei", {"title": DRAFT["title"], "media": DRAFT["media"]})
    task = drive.task(item, "Task_draft")
    admin = browse("admin")
    res = admin.post(f"/admin/tasks/{task.id}/reassign", {"to": "nobody", "reason": "x"})
    assert res.status_code == 400 and "改派对象不存在或已停用" in text(res)
    assert drive.task(item, "Task_draft").assignee == "zhaolei"
    assert browse("zhoujie").post(f"/admin/tasks/{task.id}/reassign", {"to": "zhangwei"}).status_code == 403
