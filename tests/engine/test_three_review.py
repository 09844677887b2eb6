"""三审三校 (第十一条): every path of three_review through the engine."""

import pytest

from tests.support import APPROVE, DRAFT, returned

START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}
STAGES = [("Task_review", "zhoujie"), ("Task_check", "sunli"), ("Task_sign", "zhengqiang")]


def start_and_draft(drive) -> int:
    instance = drive.start("three_review", "zhangwei", START)
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    return instance


def test_approved_at_every_stage_is_issued(drive):
    instance = start_and_draft(drive)
    for spec, user in STAGES:
        assert drive.open_specs(instance) == [spec]
        drive.act(instance, spec, user, APPROVE)
    assert drive.status(instance) == "completed"
    completed = drive.events(instance, "task_completed")
    assert [(e["task_spec"], e["actor"]) for e in completed] == [
        ("Task_draft", "zhangwei"), *STAGES]
    assert all(e["payload"]["decision"] == "approve" for e in completed[1:])
    assert drive.events(instance)[-1]["type"] == "instance_completed"


@pytest.mark.parametrize("stage", range(3), ids=["审稿", "核稿", "审签"])
def test_each_stage_can_return_the_draft_with_reasons(drive, stage):
    instance = start_and_draft(drive)
    for spec, user in STAGES[:stage]:
        drive.act(instance, spec, user, APPROVE)
    spec, user = STAGES[stage]
    drive.act(instance, spec, user, returned("来源未注明", "form"))
    assert drive.open_specs(instance) == ["Task_draft"]
    draft = drive.task(instance, "Task_draft")
    assert draft.assignee == "zhangwei"
    last = drive.events(instance, "task_completed")[-1]
    assert last["payload"]["comment"] == "来源未注明"
    assert last["payload"]["data"]["checklist"]["form"] == "fail"


def test_returned_draft_is_revised_and_then_issued(drive):
    instance = start_and_draft(drive)
    drive.act(instance, "Task_review", "zhoujie", APPROVE)
    drive.act(instance, "Task_check", "sunli", returned("标题夸大", "scientific"))
    drive.act(instance, "Task_draft", "zhangwei", {**DRAFT, "title": "冬季心血管保健提示"})
    for spec, user in STAGES:
        drive.act(instance, spec, user, APPROVE)
    assert drive.status(instance) == "completed"
    assert drive.detail(instance)["title"] == "冬季心血管保健提示"
    reviews = [e for e in drive.events(instance, "task_completed") if e["task_spec"] != "Task_draft"]
    assert [e["payload"]["decision"] for e in reviews] == [
        "approve", "return", "approve", "approve", "approve"]


def test_same_reviewer_may_repeat_their_own_stage_after_a_return(drive):
    instance = start_and_draft(drive)
    drive.act(instance, "Task_review", "zhoujie", returned())
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    drive.act(instance, "Task_review", "zhoujie", APPROVE)
    assert drive.open_specs(instance) == ["Task_check"]
