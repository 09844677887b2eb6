"""信息发布审核 (第十一、十二条): the procedure follows the account tier and the key dates."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.base.errors import Refused
from engine.registry import accounts, key_dates
from engine.store.schema import Instance
from tests.conftest import START as NOW
from tests.proc_support import account_id, recorded_inputs
from tests.support import APPROVE, DRAFT, returned

ORDINARY_DAY, KEY_DAY, IN_RANGE = "2026-12-01", "2026-12-04", "2027-02-08"
PUBLISHED = {"published_url": "https://example.cn/p/1", "published_at": "2026-12-01T09:00:00"}
THREE = [("Task_review", "zhoujie"), ("Task_check", "sunli"), ("Task_sign", "zhengqiang")]
FOUR = [*THREE, ("Task_final", "qianjun")]


def start(drive, engine, account, day=ORDINARY_DAY, user="zhaolei", **extra) -> int:
    data = {"account_id": account_id(engine, account), "title": "冬季心血管健康提示",
            "planned_date": day, **extra}
    instance = drive.start("post_review", user, data)
    drive.act(instance, "Task_draft", user, DRAFT)
    return instance


def walk(drive, instance, stages) -> None:
    for spec, user in stages:
        assert drive.open_specs(instance) == [spec]
        drive.act(instance, spec, user, APPROVE)


def published(drive, instance, operator="zhaolei") -> str:
    """After approval the account's operator registers the post and ends monitoring."""
    assert drive.open_specs(instance) == ["Task_publish"]
    assert drive.task(instance, "Task_publish").assignee == operator
    drive.act(instance, "Task_publish", operator, PUBLISHED)
    drive.act(instance, "Task_monitor", operator, {"finding": "none"})
    return drive.status(instance)


def test_tier1_on_an_ordinary_day_takes_three_review(drive, engine):
    instance = start(drive, engine, "浙江省绍兴市中医院服务号")
    walk(drive, instance, THREE)
    assert published(drive, instance) == "completed"
    readings = {r["helper"]: r["result"] for r in recorded_inputs(engine, instance)}
    assert readings["is_key_date"] is False and readings["active_account"]["tier"] == 1


@pytest.mark.parametrize("day", [KEY_DAY, IN_RANGE], ids=["宪法日", "春节期间"])
def test_tier1_on_a_key_date_takes_four_review_with_the_party_secretary_last(drive, engine, day):
    instance = start(drive, engine, "浙江省绍兴市中医院订阅号", day)
    walk(drive, instance, FOUR)
    signed = [(e["task_spec"], e["actor"]) for e in drive.events(instance, "task_completed")]
    assert signed[-1] == ("Task_final", "qianjun")
    assert published(drive, instance) == "completed"
    assert drive.events(instance)[-1]["type"] == "instance_completed"


def test_a_post_marked_important_takes_four_review_on_any_day(drive, engine):
    instance = start(drive, engine, "绍兴市中医院", ORDINARY_DAY, important=True)
    walk(drive, instance, THREE)
    assert drive.open_specs(instance) == ["Task_final"]
    assert drive.task(instance, "Task_final").role == "party_secretary"


def test_the_party_secretary_can_return_the_draft(drive, engine):
    instance = start(drive, engine, "浙江省绍兴市中医院视频号", KEY_DAY)
    walk(drive, instance, THREE)
    drive.act(instance, "Task_final", "qianjun", returned("时机不当，节后发布", "political"))
    assert drive.open_specs(instance) == ["Task_draft"]
    assert drive.task(instance, "Task_draft").assignee == "zhaolei"
    drive.act(instance, "Task_draft", "zhaolei", DRAFT)
    walk(drive, instance, FOUR)
    assert published(drive, instance) == "completed"


def test_tier2_takes_three_review_with_the_department_head_first(drive, engine):
    instance = start(drive, engine, "心血管内科健康课堂", user="zhangwei")
    assert drive.open_specs(instance) == ["Task_review_dept"]
    assert drive.task(instance, "Task_review_dept").assignee == "lina"
    walk(drive, instance, [("Task_review_dept", "lina"), *THREE[1:]])
    assert published(drive, instance, "lina") == "completed"
    labels = [e["task_spec"] for e in drive.events(instance, "task_completed")]
    assert "Task_review" not in labels


def test_tier2_on_a_key_date_takes_four_review_by_reference(drive, engine):
    instance = start(drive, engine, "针推科普", KEY_DAY, user="liuyang")
    assert drive.task(instance, "Task_review_dept").assignee == "chenjing"
    walk(drive, instance, [("Task_review_dept", "chenjing"), *FOUR[1:]])
    assert published(drive, instance, "chenjing") == "completed"


def test_tier3_takes_the_tier3_review(drive, engine):
    instance = start(drive, engine, "张伟医生谈心脏", KEY_DAY, user="zhangwei")
    assert "Task_head" in drive.open_specs(instance)
    assert drive.task(instance, "Task_head").assignee == "lina"


def test_a_key_date_added_to_the_calendar_switches_new_posts_to_four_review(drive, engine):
    with engine.db.transaction() as session:
        key_dates.add(session, "院庆", "2026-12-10")
    instance = start(drive, engine, "绍兴市中医院", "2026-12-10")
    walk(drive, instance, FOUR)
    assert drive.open_specs(instance) == ["Task_publish"]


@pytest.mark.parametrize("status", ["closed", "suspended"])
def test_a_closed_or_suspended_account_cannot_start_a_post(drive, engine, status):
    with engine.db.transaction() as session:
        accounts.set_status(session, account_id(engine, "针推科普"), status, "测试", NOW)
    before = instances(engine)
    with pytest.raises(Refused) as refused:
        start(drive, engine, "针推科普", user="liuyang")
    assert "不能发布信息" in refused.value.message
    assert list(refused.value.errors) == ["account_id"]
    assert instances(engine) == before


def test_an_unregistered_account_is_refused(drive):
    with pytest.raises(Refused) as refused:
        drive.start("post_review", "zhaolei", {"account_id": 999, "title": "t",
                                              "planned_date": ORDINARY_DAY})
    assert "账号不存在" in refused.value.message



def instances(engine) -> int:
    with engine.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Instance))


@pytest.mark.parametrize("account,user", [
    ("张伟医生谈心脏", "liuyang"), ("心血管内科健康课堂", "liuyang")],
    ids=["他人的三级平台", "其他科室的二级平台"])
def test_only_the_accounts_own_people_may_post_on_it(drive, engine, account, user):
    with pytest.raises(Refused) as refused:
        start(drive, engine, account, user=user)
    assert "只能由" in refused.value.message


def test_an_approved_post_is_monitored_and_an_incident_handled_in_the_same_item(drive, engine,
                                                                                  clock):
    instance = start(drive, engine, "心血管内科健康课堂", user="zhangwei")
    walk(drive, instance, [("Task_review_dept", "lina"), *THREE[1:]])
    drive.act(instance, "Task_publish", "lina", PUBLISHED)
    drive.act(instance, "Task_monitor", "lina", {"finding": "wording", "description": "剂量笔误"})
    assert drive.task(instance, "Task_correct").due_at == clock.now() + timedelta(minutes=30)
