"""投诉举报核查处理 (第十九条): register, parallel verification, outcome, incident, reply."""

from tests.proc_support import account_id, account_named

COMPLAINT = {"title": "抖音视频夸大疗效", "content": "视频称某偏方可根治高血压。",
             "anonymous": True}
REPLY = {"reply": "经核查属实，已责令关闭账号。", "replied_at": "2026-11-27T10:00:00",
         "channel": "phone"}


def lodge(drive, engine, **extra) -> int:
    instance = drive.start("complaint_handling", "liuyang", {**COMPLAINT, **extra})
    assert drive.task(instance, "Task_register").role == "general_office"
    drive.act(instance, "Task_register", "zhaolei", {
        "account_id": account_id(engine, "张伟医生谈心脏"), "category": "content",
        "summary": "反映三级平台账号宣传偏方"})
    return instance


def verify(drive, instance, founded="founded") -> None:
    assert drive.open_specs(instance) == ["Task_verify_di", "Task_verify_ma"]
    drive.act(instance, "Task_verify_di", "heping", {"founded": founded, "findings": "已调阅视频"})
    assert drive.open_specs(instance) == ["Task_verify_ma"]
    drive.act(instance, "Task_verify_ma", "zhoujie", {"founded": founded,
                                                      "findings": "内容无循证依据"})


def test_an_anonymous_unfounded_complaint_is_closed_without_reply(drive, engine):
    instance = lodge(drive, engine)
    verify(drive, instance, "unfounded")
    assert drive.task(instance, "Task_outcome").role == "discipline_inspection"
    drive.act(instance, "Task_outcome", "heping", {"outcome": "unfounded", "handling": "不属实"})
    assert drive.status(instance) == "completed"
    assert account_named(engine, "张伟医生谈心脏")["status"] == "registered"


def test_an_unfounded_complaint_with_contact_gets_a_reply(drive, engine):
    instance = lodge(drive, engine, anonymous=False, complainant_name="王先生",
                     contact="13800000000")
    verify(drive, instance, "unfounded")
    drive.act(instance, "Task_outcome", "heping", {"outcome": "unfounded", "handling": "不属实"})
    assert drive.open_specs(instance) == ["Task_reply"]
    drive.act(instance, "Task_reply", "zhaolei", {**REPLY, "reply": "经核查不属实。"})
    assert drive.status(instance) == "completed"


def test_a_founded_complaint_starts_incident_closure_with_the_accounts_operator(drive, engine):
    instance = lodge(drive, engine, anonymous=False, contact="wang@example.com")
    verify(drive, instance)
    drive.act(instance, "Task_outcome", "heping", {"outcome": "wrong", "handling": "责令撤稿"})
    assert drive.open_specs(instance) == ["Task_withdraw"]
    assert drive.task(instance, "Task_withdraw").assignee == "zhangwei"
    drive.act(instance, "Task_withdraw", "zhangwei", {"withdrawn_at": "2026-11-26T09:20:00",
                                                      "note": "已撤稿"})
    drive.act(instance, "Task_verify", "sunli", {
        "fix_verified": True, "violation": "art16_2", "consequence": "close",
        "ban_commendation": True, "refer_discipline": True, "comment": "宣扬偏方，关闭账号"})
    assert account_named(engine, "张伟医生谈心脏")["status"] == "closed"
    assert drive.open_specs(instance) == ["Task_reply"]
    drive.act(instance, "Task_reply", "zhaolei", REPLY)
    assert drive.status(instance) == "completed"


def test_a_founded_complaint_escalates_when_the_fix_is_late(drive, engine, clock):
    instance = lodge(drive, engine)
    verify(drive, instance)
    drive.act(instance, "Task_outcome", "heping", {"outcome": "wording", "handling": "限时修改"})
    assert drive.open_specs(instance) == ["Task_correct"]
    clock.advance(minutes=19)
    assert engine.fire_due_timers() == 0
    clock.advance(minutes=2)  # the reminder 10 minutes before the deadline (issue 12)
    assert engine.fire_due_timers() == 1
    assert drive.open_specs(instance) == ["Task_correct"]
    clock.advance(minutes=10)  # the deadline: escalated
    assert engine.fire_due_timers() == 1
    assert drive.open_specs(instance) == ["Task_head_fix", "Task_office_notice"]
    assert drive.task(instance, "Task_head_fix").assignee == "lina"


def test_negative_information_found_by_a_complaint_is_reported(drive, engine):
    instance = lodge(drive, engine)
    verify(drive, instance)
    drive.act(instance, "Task_outcome", "heping", {"outcome": "negative", "handling": "报告"})
    assert drive.open_specs(instance) == ["Task_report_office", "Task_report_pbo"]


def test_an_anonymous_complainant_who_left_contact_is_answered_by_discipline_inspection(
        drive, engine):
    """第十九条: only 纪检监察室 (with 医务科) sees an anonymous complainant's contact, so it replies."""
    import pytest

    from engine.base.errors import Refused
    from engine.org.anonymity import MASK, viewing
    from engine.read.queries import task_detail

    instance = lodge(drive, engine, complainant_name="王匿名", contact="13912345678")
    verify(drive, instance, "unfounded")
    drive.act(instance, "Task_outcome", "heping", {"outcome": "unfounded", "handling": "不属实"})
    assert drive.open_specs(instance) == ["Task_reply_anonymous"]
    reply = drive.task(instance, "Task_reply_anonymous")
    assert reply.role == "discipline_inspection"
    with pytest.raises(Refused):  # the General Office sees the contact masked: not its task
        engine.claim(reply.id, "zhaolei") if reply.pool else engine.complete(
            reply.id, "zhaolei", REPLY)
    with viewing("heping"), engine.db.transaction() as session:
        assert task_detail(session, reply.id)["values"]["contact"] == "13912345678"
    with viewing("zhaolei"), engine.db.transaction() as session:
        assert task_detail(session, reply.id)["values"]["contact"] == MASK
    drive.act(instance, "Task_reply_anonymous", "heping", REPLY)
    assert drive.status(instance) == "completed"
    assert [e["payload"]["task_name"] for e in drive.events(instance, "task_completed")][-1] \
        == "答复匿名投诉人"
