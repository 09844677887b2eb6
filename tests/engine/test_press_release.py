"""新闻通稿 (第十四条) and matrix reporting (第十五条)."""

import pytest

from engine.base.errors import Refused
from engine.registry import accounts
from tests.conftest import START as NOW
from tests.proc_support import account_id
from tests.support import APPROVE, DRAFT

RELEASE = {"title": "关于我院应对流感高峰的情况通报", "event_type": "hot",
           "planned_date": "2026-11-27", "media": ["官网", "服务号"]}
FOUR = [("Task_review", "zhoujie"), ("Task_check", "sunli"), ("Task_sign", "zhengqiang"),
        ("Task_final", "qianjun")]
OPERATORS = ["chenjing", "lina", "zhangwei"]


def confirm(url: str) -> dict:
    return {"published_url": url, "published_at": "2026-11-27T10:00:00", "as_written": True}


def issue(drive) -> int:
    instance = drive.start("press_release", "zhaolei", RELEASE)
    drive.act(instance, "Task_draft", "zhaolei", {**DRAFT, "title": RELEASE["title"]})
    for spec, user in FOUR:
        drive.act(instance, spec, user, APPROVE)
    return instance


def confirmations(drive, instance) -> list:
    return [t for t in drive.open_tasks(instance) if t.spec_name.startswith("Task_confirm")]


def test_the_release_goes_through_four_review_before_it_is_sent(drive):
    instance = drive.start("press_release", "zhaolei", RELEASE)
    drive.act(instance, "Task_draft", "zhaolei", {**DRAFT, "title": RELEASE["title"]})
    for spec, user in FOUR[:3]:
        drive.act(instance, spec, user, APPROVE)
    assert drive.open_specs(instance) == ["Task_final"]
    assert confirmations(drive, instance) == []


def test_every_active_tier2_and_tier3_operator_gets_a_task(drive):
    instance = issue(drive)
    assert sorted(t.assignee for t in confirmations(drive, instance)) == OPERATORS
    for task in confirmations(drive, instance):
        drive.engine.complete(task.id, task.assignee, confirm(f"https://x.cn/{task.assignee}"))
    assert drive.status(instance) == "completed"


def test_a_closed_account_gets_no_release_task(drive, engine):
    with engine.db.transaction() as session:
        accounts.set_status(session, account_id(engine, "针推科普"), "closed", "关停", NOW)
    instance = issue(drive)
    assert sorted(t.assignee for t in confirmations(drive, instance)) == ["lina", "zhangwei"]


def test_non_compliance_is_visible_and_followed_up_after_two_hours(drive, engine, clock):
    instance = issue(drive)
    tasks = {t.assignee: t for t in confirmations(drive, instance)}
    engine.complete(tasks["lina"].id, "lina", confirm("https://x.cn/1"))
    clock.advance(hours=1, minutes=59)
    assert engine.fire_due_timers() == 0
    clock.advance(minutes=2)
    assert engine.fire_due_timers() == 1
    pending = sorted(t.assignee for t in confirmations(drive, instance))
    assert pending == ["chenjing", "zhangwei"]
    assert drive.task(instance, "Task_followup").role == "general_office"
    drive.act(instance, "Task_followup", "sunli", {"note": "已电话督促两个账号"})
    assert drive.status(instance) == "running"
    for assignee in pending:
        engine.complete(tasks[assignee].id, assignee, confirm(f"https://x.cn/{assignee}"))
    assert drive.status(instance) == "completed"


def test_a_release_must_be_published_as_written(drive, engine):
    instance = issue(drive)
    task = confirmations(drive, instance)[0]
    with pytest.raises(Refused) as refused:
        engine.complete(task.id, task.assignee, {**confirm("https://x.cn/a"), "as_written": False})
    assert "as_written" in refused.value.errors
    with pytest.raises(Refused):
        engine.complete(task.id, "zhaolei", confirm("https://x.cn/a"))


def test_a_matrix_report_reaches_the_general_office(drive, engine):
    instance = drive.start("matrix_report", "lina", {
        "account_id": account_id(engine, "心血管内科健康课堂"), "title": "胸痛中心通过认证",
        "published_url": "https://x.cn/p", "summary": "科室重要信息"})
    assert drive.task(instance, "Task_pickup").role == "general_office"
    drive.act(instance, "Task_pickup", "zhaolei", {"decision": "approve", "comment": "转发"})
    assert drive.status(instance) == "completed"
