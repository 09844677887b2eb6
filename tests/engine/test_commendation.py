"""宣传工作表彰 (第二十一条), barred for a year by a 第十六条 closure."""

import pytest

from engine.base.errors import Refused
from tests.engine.test_incident_closure import ACK, incident, verdict
from tests.proc_support import recorded_inputs

NOMINATION = {"title": "优质科普表彰", "year": 2026, "achievement": "全年发布高血压科普50篇"}


def nominate(drive, nominee: str) -> int:
    return drive.start("commendation", "zhaolei", {**NOMINATION, "nominee": nominee})


def test_an_eligible_nominee_is_commended_by_the_publicity_leader(drive):
    instance = nominate(drive, "liuyang")
    assert drive.task(instance, "Task_decide").role == "publicity_leader"
    drive.act(instance, "Task_decide", "zhengqiang", {"decision": "approve",
                                                      "honour": "优秀科普作者"})
    assert drive.status(instance) == "completed"


def test_the_leader_may_decline_with_a_reason(drive):
    instance = nominate(drive, "liuyang")
    with pytest.raises(Refused):
        drive.act(instance, "Task_decide", "zhengqiang", {"decision": "reject"})
    drive.act(instance, "Task_decide", "zhengqiang", {"decision": "reject", "comment": "事迹不足"})
    assert drive.status(instance) == "completed"


def test_a_closure_under_article_16_bars_person_department_and_branch_that_year(drive, engine):
    closure = incident(drive, engine, "张伟医生谈心脏", "zhangwei", "negative")
    drive.act(closure, "Task_report_pbo", "mali", ACK)
    drive.act(closure, "Task_report_office", "zhaolei", ACK)
    drive.act(closure, "Task_verify", "sunli", verdict("close", "art16_2", ban=True))
    reached = {"zhangwei": "person:zhangwei", "lina": "department:心血管内科",
               "wangfang": "branch:内科第一党支部"}
    for nominee, ban in reached.items():
        instance = nominate(drive, nominee)
        assert drive.status(instance) == "completed"
        assert drive.open_specs(instance) == []
        [reading] = [r for r in recorded_inputs(engine, instance)
                     if r["helper"] == "commendation_bans_of"]
        assert ban in reading["result"]
    other = nominate(drive, "liuyang")
    assert drive.open_specs(other) == ["Task_decide"]
    later = drive.start("commendation", "zhaolei", {**NOMINATION, "nominee": "zhangwei",
                                                    "year": 2027})
    assert drive.open_specs(later) == ["Task_decide"]


def test_an_unknown_nominee_is_refused(drive):
    with pytest.raises(Refused) as refused:
        nominate(drive, "nobody")
    assert "用户不存在" in refused.value.message
