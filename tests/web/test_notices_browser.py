"""Notifications people can rely on, in Chromium at desktop and phone size (issue 12).

Local times, the bell updating while a page is open, opening a notification marks it
read, a reminder before the 30-minute deadline and a notice when the task is escalated
away, no notice of one's own draft, and the 企业微信/钉钉 group robot.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest

from tests.engine.test_webhook import Robot
from tests.proc_support import account_id
from tests.support import DRAFT, Driver
from tests.web.browser_sizes import SIZES, Sized, chromium_fixture, serve_copy, stop  # noqa: F401
from tests.web.test_browser import pytestmark  # noqa: F401 - skipped without Chromium

UTC_TRACES = re.compile(r"\d\d:\d\d:\d\d\.\d{6}|\+00:00|T\d\d:\d\d")


@pytest.fixture(scope="module")
def served(tmp_path_factory, sqlite_template):
    base = serve_copy(tmp_path_factory, sqlite_template)
    yield base
    stop(base)


def shanghai(moment) -> str:
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("size", SIZES)
def test_the_bell_updates_and_a_notification_link_marks_it_read(served, chromium, size):
    drive, engine = Driver(served.app.extensions["shenfa"]), served.app.extensions["shenfa"]
    author = Sized(chromium, served, "zhangwei", size)
    reviewer = Sized(chromium, served, "wuhua", size)
    reviewer.goto("/inbox")
    author_before, before = author.bell(), reviewer.bell()
    instance = drive.start("three_review", "zhangwei", {"title": f"流感季就诊指引（{size}）", "media": ["订阅号"]})
    drive.act(instance, "Task_draft", "zhangwei", {**DRAFT, "title": f"流感季就诊指引（{size}）"})
    # the reviewer's open page learns of the new pool task without a reload
    reviewer.page.wait_for_selector(f"a.bell .badge:text-is('{before + 1}')", timeout=10000)
    author.goto("/inbox")
    assert author.bell() == author_before  # her own draft told her nothing
    reviewer.page.click("a.bell")
    card = reviewer.page.locator("ul.notices li.unread", has_text=f"流感季就诊指引（{size}）").first
    stamp = card.locator("time").inner_text()
    assert stamp == shanghai(engine.clock.now())  # local time, to the minute
    assert not UTC_TRACES.search(reviewer.page.inner_text("main"))
    card.locator("a.open-notice").click()
    reviewer.page.wait_for_url(re.compile(r"/tasks/"))
    assert reviewer.bell() == before  # opened: read
    assert reviewer.problems == [] and author.problems == []
    author.close()
    reviewer.close()


@pytest.mark.parametrize("size", SIZES)
def test_a_reminder_before_the_deadline_then_a_notice_when_escalated(served, chromium, size):
    engine = served.app.extensions["shenfa"]
    drive = Driver(engine)
    instance = drive.start("incident_closure", "zhangwei",
                           {"account_id": account_id(engine, "张伟医生谈心脏"), "title": f"冬季养生（{size}）"})
    drive.act(instance, "Task_publish", "zhangwei", {"published_url": "https://mp.weixin.qq.com/s/a",
                                                     "published_at": "2026-11-26T09:00:00"})
    drive.act(instance, "Task_monitor", "zhangwei", {"finding": "wording", "description": "剂量写错"})
    deadline = drive.task(instance, "Task_correct").due_at
    operator = Sized(chromium, served, "zhangwei", size)
    operator.goto("/notices")
    engine.clock.advance(minutes=20, seconds=1)
    engine.fire_due_timers()
    operator.goto("/notices")
    reminder = operator.page.locator("ul.notices li", has_text="【办理提醒】").first
    assert f"办理时限：{shanghai(deadline)}" in reminder.inner_text()
    engine.clock.advance(minutes=10)
    engine.fire_due_timers()
    operator.page.wait_for_selector("a.bell .badge", timeout=10000)
    operator.goto("/notices")
    away = operator.page.locator("ul.notices li", has_text="【已升级督办】").first
    assert "不再由您办理" in away.inner_text() and "科室负责人" in away.inner_text()
    away.locator("a.open-notice").click()  # the task is gone: the item page, not a 404
    operator.page.wait_for_url(re.compile(rf"/items/{instance}$"))
    assert operator.problems == []
    operator.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_group_robot_gets_one_message_whose_link_opens_the_item(served, chromium, size, monkeypatch):
    robot = Robot()
    monkeypatch.setenv("SHENFA_WEBHOOK_URL", robot.url)
    monkeypatch.setenv("SHENFA_WEBHOOK_KIND", "dingtalk")
    monkeypatch.setenv("SHENFA_BASE_URL", str(served))
    try:
        engine = served.app.extensions["shenfa"]
        drive = Driver(engine)
        instance = drive.start("three_review", "zhangwei", {"title": f"robot {size}", "media": ["订阅号"]})
        drive.act(instance, "Task_draft", "zhangwei", {**DRAFT, "title": f"机器人通知（{size}）"})
        from engine.run.worker import Worker

        Worker(engine).run_once()
        (sent,) = [r for r in robot.received if f"#{instance}" in r["body"]["markdown"]["text"]]
        text = sent["body"]["markdown"]["text"]
        assert sent["body"]["markdown"]["title"].startswith("审发【新待办】") and "吴华" in text
        link = re.search(r"\]\((http[^)]+)\)", text).group(1)
        reviewer = Sized(chromium, served, "wuhua", size)
        reviewer.page.goto(link)
        assert f"#{instance}" in reviewer.page.inner_text("main")
        reviewer.close()
    finally:
        robot.close()
