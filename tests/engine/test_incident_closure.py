"""发布后监测与事件处置 (第十三、十六、十八条): deadlines, escalation, reports, closure."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.base.errors import Refused
from engine.store.schema import CommendationBan
from tests.proc_support import account_id, account_named

PUBLISHED = {"published_url": "https://mp.weixin.qq.com/s/abc",
             "published_at": "2026-11-26T09:00:00"}
CORRECTED = {"corrected_url": "https://mp.weixin.qq.com/s/abc2",
             "corrected_at": "2026-11-26T09:20:00", "note": "已更正剂量表述"}
WITHDRAWN = {"withdrawn_at": "2026-11-26T09:20:00", "note": "涉及侵权图片，已撤稿"}
ESCALATED = {"action": "withdrawn", "done_at": "2026-11-26T10:00:00", "note": "督促运营者撤稿"}
ACK = {"acknowledged": True, "note": "已知悉"}


def verdict(consequence="none", violation="none", ban=False) -> dict:
    return {"fix_verified": True, "violation": violation, "consequence": consequence,
            "ban_commendation": ban, "refer_discipline": consequence == "close",
            "comment": "核实完毕"}


def incident(drive, engine, account, operator, finding, description="评论区指出错误") -> int:
    instance = drive.start("incident_closure", operator,
                           {"account_id": account_id(engine, account), "title": "冬季养生"})
    assert drive.task(instance, "Task_publish").assignee == operator
    drive.act(instance, "Task_publish", operator, PUBLISHED)
    drive.act(instance, "Task_monitor", operator, {"finding": finding,
                                                   "description": description})
    return instance


def test_monitoring_without_findings_ends_the_item(drive, engine):
    instance = incident(drive, engine, "心血管内科健康课堂", "lina", "none")
    assert drive.status(instance) == "completed"
    assert account_named(engine, "心血管内科健康课堂")["status"] == "registered"


def test_a_wording_error_corrected_within_30_minutes_is_verified_and_closed(drive, engine, clock):
    instance = incident(drive, engine, "心血管内科健康课堂", "lina", "wording")
    task = drive.task(instance, "Task_correct")
    assert (task.assignee, (task.due_at - clock.now()).total_seconds()) == ("lina", 1800)
    clock.advance(minutes=20)
    drive.act(instance, "Task_correct", "lina", CORRECTED)
    clock.advance(minutes=30)
    assert engine.fire_due_timers() == 0
    assert drive.open_specs(instance) == ["Task_verify"]
    drive.act(instance, "Task_verify", "sunli", verdict())
    assert drive.status(instance) == "completed"
    assert account_named(engine, "心血管内科健康课堂")["status"] == "registered"


@pytest.mark.parametrize("finding,spec", [("wording", "Task_correct"), ("wrong", "Task_withdraw")])
def test_after_30_minutes_the_fix_escalates_to_department_head_and_general_office(
        drive, engine, clock, finding, spec):
    instance = incident(drive, engine, "张伟医生谈心脏", "zhangwei", finding)
    clock.advance(minutes=29, seconds=59)
    assert engine.fire_due_timers() == 1  # the reminder 10 minutes before the deadline
    assert drive.open_specs(instance) == [spec]
    clock.advance(seconds=2)
    assert engine.fire_due_timers() == 1
    assert drive.open_specs(instance) == ["Task_head_fix", "Task_office_notice"]
    assert drive.task(instance, "Task_head_fix").assignee == "lina"
    assert drive.task(instance, "Task_office_notice").role == "general_office"
    with pytest.raises(Refused):
        engine.complete(drive.task(instance, "Task_head_fix").id, "zhangwei", ESCALATED)
    drive.act(instance, "Task_head_fix", "lina", ESCALATED)
    drive.act(instance, "Task_office_notice", "zhaolei", ACK)
    drive.act(instance, "Task_verify", "sunli", verdict())
    assert drive.status(instance) == "completed"


def test_a_late_fix_on_a_tier1_account_escalates_to_the_general_office(drive, engine, clock):
    instance = incident(drive, engine, "浙江省绍兴市中医院订阅号", "zhaolei", "wrong")
    clock.advance(minutes=31)
    assert engine.fire_due_timers() == 2  # the reminder, then the escalation
    assert drive.open_specs(instance) == ["Task_office_fix"]
    drive.act(instance, "Task_office_fix", "sunli", ESCALATED)
    assert drive.open_specs(instance) == ["Task_verify"]


def test_negative_information_on_a_tier3_account_is_reported_at_once(drive, engine):
    instance = incident(drive, engine, "张伟医生谈心脏", "zhangwei", "negative", "引发负面舆情")
    assert drive.open_specs(instance) == ["Task_report_office", "Task_report_pbo"]
    assert {t.role for t in drive.open_tasks(instance)} == {"general_office",
                                                            "party_building_office"}
    drive.act(instance, "Task_report_pbo", "mali", ACK)
    drive.act(instance, "Task_report_office", "zhaolei", ACK)
    assert drive.open_specs(instance) == ["Task_verify"]


def test_negative_information_on_a_tier1_account_goes_to_verification(drive, engine):
    instance = incident(drive, engine, "绍兴市中医院", "zhaolei", "negative")
    assert drive.open_specs(instance) == ["Task_verify"]


def test_a_closure_order_closes_the_account_and_strips_commendations(drive, engine):
    instance = incident(drive, engine, "张伟医生谈心脏", "zhangwei", "negative")
    drive.act(instance, "Task_report_pbo", "mali", ACK)
    drive.act(instance, "Task_report_office", "zhaolei", ACK)
    drive.act(instance, "Task_verify", "sunli", verdict("close", "art16_2", ban=True))
    assert drive.status(instance) == "completed"
    closed = account_named(engine, "张伟医生谈心脏")
    assert (closed["status"], closed["status_reason"]) == ("closed", "核实完毕")
    with engine.db.transaction() as session:
        bans = {(b.subject_type, b.subject, b.year) for b in session.scalars(
            select(CommendationBan).where(CommendationBan.instance_id == instance))}
    assert bans == {("department", "心血管内科", 2026), ("branch", "内科第一党支部", 2026),
                    ("person", "zhangwei", 2026)}
    with pytest.raises(Refused) as refused:
        drive.start("post_review", "zhangwei", {"account_id": closed["id"], "title": "新帖",
                                                "planned_date": "2026-12-01"})
    assert "关闭" in refused.value.message


def test_suspension_without_commendation_loss(drive, engine):
    instance = incident(drive, engine, "针推科普", "chenjing", "wrong")
    drive.act(instance, "Task_withdraw", "chenjing", WITHDRAWN)
    drive.act(instance, "Task_verify", "sunli", verdict("suspend", "art18"))
    assert account_named(engine, "针推科普")["status"] == "suspended"
    with engine.db.transaction() as session:
        assert session.scalars(select(CommendationBan)).first() is None


def test_commendations_are_stripped_only_for_a_violation(drive, engine):
    instance = incident(drive, engine, "针推科普", "chenjing", "wrong")
    drive.act(instance, "Task_withdraw", "chenjing", WITHDRAWN)
    with pytest.raises(Refused) as refused:
        drive.act(instance, "Task_verify", "sunli", verdict("none", "none", ban=True))
    assert "ban_commendation" in refused.value.errors
    assert drive.open_specs(instance) == ["Task_verify"]


def test_anyone_may_raise_an_incident_on_a_published_post(drive, engine, clock):
    instance = drive.start("incident_closure", "sunli", {
        "account_id": account_id(engine, "心血管内科健康课堂"), "title": "冬季养生",
        "finding": "wrong", "published_url": "https://mp.weixin.qq.com/s/abc",
        "description": "引用图片侵权"})
    task = drive.task(instance, "Task_withdraw")
    assert (task.assignee, task.due_at) == ("lina", clock.now() + timedelta(minutes=30))
    drive.act(instance, "Task_withdraw", "lina", WITHDRAWN)
    assert drive.open_specs(instance) == ["Task_verify"]
