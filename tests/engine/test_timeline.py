"""Per-step element states, read from the event log and the model version only."""

from __future__ import annotations

from engine.audit.replay import verify_instance
from engine.audit.timeline import diff, timeline
from tests.support import APPROVE, DRAFT, returned

START = {"title": DRAFT["title"], "media": DRAFT["media"]}


def steps_of(engine, instance):
    with engine.db.transaction() as session:
        return timeline(session, instance)["steps"]


def state_after(steps, kind, spec):
    return next(s for s in steps if s["type"] == kind and s["task_spec"] == spec)["states"]


def test_states_follow_a_return_and_the_end(engine, drive):
    item = drive.start("three_review", "zhaolei", START)
    drive.act(item, "Task_draft", "zhaolei", DRAFT)
    drive.act(item, "Task_review", "zhoujie", APPROVE)
    drive.act(item, "Task_check", "sunli", returned())
    steps = steps_of(engine, item)
    assert steps[0]["type"] == "instance_started" and steps[0]["states"] == {"StartEvent_post": "completed"}
    assert steps[1]["type"] == "task_opened" and steps[1]["states"]["Task_draft"] == "active"
    opened = next(s for s in steps if s["type"] == "task_opened" and s["task_spec"] == "Task_review")
    assert opened["states"]["Task_review"] == "waiting"  # in the pool, nobody has claimed it
    assert state_after(steps, "task_claimed", "Task_review")["Task_review"] == "active"
    last = steps[-1]["states"]
    assert last["Task_check"] == "completed" and last["Task_draft"] == "active"
    for spec, user in [("Task_draft", "zhaolei"), ("Task_review", "zhoujie"), ("Task_check", "sunli"),
                       ("Task_sign", "zhengqiang")]:
        drive.act(item, spec, user, DRAFT if spec == "Task_draft" else APPROVE)
    final = steps_of(engine, item)[-1]
    assert final["type"] == "instance_completed"
    assert "active" not in final["states"].values() and "waiting" not in final["states"].values()
    assert [v for k, v in final["states"].items() if k.startswith("End")] == ["completed"]


def test_submissions_carry_a_field_level_diff(engine, drive):
    item = drive.start("three_review", "zhaolei", START)
    drive.act(item, "Task_draft", "zhaolei", DRAFT)
    drive.act(item, "Task_review", "zhoujie", returned("标题不准确"))
    drive.act(item, "Task_draft", "zhaolei", {**DRAFT, "title": "冬季护心指南"})
    drafts = [s for s in steps_of(engine, item) if s["type"] == "task_completed"
              and s["task_spec"] == "Task_draft"]
    assert {c["field"] for c in drafts[0]["changes"]} == set(DRAFT)
    assert drafts[1]["changes"] == [{"field": "title", "kind": "changed", "old": DRAFT["title"],
                                     "new": "冬季护心指南"}]


def test_diff_kinds():
    assert diff({"a": 1, "b": 2}, {"b": 3, "c": 4}) == [
        {"field": "a", "kind": "removed", "old": 1, "new": None},
        {"field": "b", "kind": "changed", "old": 2, "new": 3},
        {"field": "c", "kind": "added", "old": None, "new": 4}]


def test_reassignment_is_recorded_and_replay_still_verifies(engine, drive):
    from sqlalchemy import select

    from engine.store.schema import Operation, Task

    item = drive.start("three_review", "zhaolei", START)
    task = drive.task(item, "Task_draft")
    engine.reassign(task.id, "admin", "zhangwei", "赵磊休假")
    with engine.db.transaction() as session:
        assert session.get(Task, task.id).assignee == "zhangwei"
        op = session.scalars(select(Operation).where(Operation.type == "task_reassigned")).one()
        assert op.actor == "admin" and op.payload["to"] == "zhangwei" and op.payload["from"] == "zhaolei"
    step = steps_of(engine, item)[-1]
    assert step["type"] == "task_reassigned" and step["actor"] == "admin"
    assert step["extra"] == {"assignee": "zhangwei", "from": "zhaolei", "reason": "赵磊休假"}
    drive.act(item, "Task_draft", "zhangwei", DRAFT)
    assert verify_instance(engine, item).ok


def test_reassignment_is_refused_with_reasons(engine, drive):
    import pytest

    from engine.base.errors import Invalid, NotAllowed

    item = drive.start("three_review", "zhaolei", START)
    task = drive.task(item, "Task_draft")
    with pytest.raises(NotAllowed, match="只有管理员"):
        engine.reassign(task.id, "gaoyan", "zhangwei")
    with pytest.raises(Invalid, match="不存在或已停用"):
        engine.reassign(task.id, "admin", "nobody")
    drive.act(item, "Task_draft", "zhaolei", DRAFT)
    review = drive.task(item, "Task_review")
    with pytest.raises(Invalid, match="不具有角色"):
        engine.reassign(review.id, "admin", "gaoyan")
    assert steps_of(engine, item)[-1]["type"] != "task_reassigned"


def test_a_called_model_is_drawn_and_its_call_activity_marked(engine, drive):
    from engine.demo.items import Walker
    from engine.demo.procedures import four_review_at_secretary

    item = four_review_at_secretary(Walker(engine, lambda line: None))
    steps = steps_of(engine, item)
    first = next(s for s in steps if s["task_spec"] == "Task_draft")
    assert first["diagram"] == "four_review" and first["diagram_name"] == "四审四校"
    last = steps[-1]
    # the Party Secretary is the role's only holder: the task is his at once (issue 12)
    assert last["states"]["Call_four"] == "active" and last["states"]["Task_final"] == "active"
    assert last["states"]["Task_sign"] == "completed"
    assert steps[0]["diagram"] == "" and "Call_four" not in steps[0]["states"]
    drive.act(item, "Task_final", "qianjun", APPROVE)
    after = steps_of(engine, item)[-1]
    assert after["states"]["Call_four"] == "completed" and after["states"]["EndEvent_issued"] == "completed"
    # issued, the post is monitored (第十三条) in the next called model
    assert after["diagram"] == "incident_closure"
    assert after["states"]["Call_monitor"] == "active"
