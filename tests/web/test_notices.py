"""The bell: new tasks, returns and their unread count; marking read."""

from tests.support import DRAFT, returned

START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}


def test_bell_counts_new_and_returned_tasks_and_marks_them_read(app, browse):
    from tests.support import Driver

    drive = Driver(app.extensions["shenfa"])
    instance = drive.start("three_review", "zhangwei", START)
    author = browse("zhangwei")
    assert '未读' not in author.get("/inbox").get_data(as_text=True)  # not told of her own draft
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    drive.act(instance, "Task_review", "zhoujie", returned("请注明指南出处"))
    page = author.get("/notices").get_data(as_text=True)
    assert "【退回修改】拟稿" in page and "退回意见：请注明指南出处" in page
    assert '未读 1 条' in page
    author.post("/notices/read", {"all": "1"})
    assert '未读' not in author.get("/notices").get_data(as_text=True)
    reviewer = browse("wuhua")  # a functional-department holder heard of the pool task
    assert "【新待办】审稿" in reviewer.get("/notices").get_data(as_text=True)


def test_one_cannot_mark_anothers_notifications(app, browse):
    from tests.support import Driver

    drive = Driver(app.extensions["shenfa"])
    instance = drive.start("three_review", "zhangwei", START)
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)  # 审稿 opens: wuhua hears of it
    before = browse("wuhua").get("/inbox").get_data(as_text=True)
    assert '未读 1 条' in before
    other = browse("lina")
    other.post("/notices/read", {"all": "1"})
    for notice_id in range(1, 20):
        other.post("/notices/read", {"id": str(notice_id)})
        assert other.get(f"/notices/{notice_id}/open").status_code == 404
    assert '未读 1 条' in browse("wuhua").get("/inbox").get_data(as_text=True)
