"""Completing, claiming and refusing: every operation is all or nothing."""

import threading

import pytest
from sqlalchemy import func, select

from engine.base.errors import Conflict, Invalid, NotAllowed, NotFound
from engine.store.schema import Event, Instance, Task
from tests.support import APPROVE, DRAFT

START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}


@pytest.fixture
def at_review(drive):
    """An item whose draft is done, waiting for 审稿 in the functional departments' queue."""
    instance = drive.start("three_review", "zhangwei", START)
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    return instance


def snapshot(engine, instance):
    with engine.db.transaction() as s:
        inst = s.get(Instance, instance)
        events = s.scalar(select(func.count()).where(Event.instance_id == instance))
        tasks = s.execute(select(Task.id, Task.status, Task.assignee, Task.draft)
                          .where(Task.instance_id == instance).order_by(Task.id)).all()
        return inst.state, inst.revision, events, tasks


@pytest.mark.parametrize("data, field, message", [
    ({**APPROVE, "decision": "maybe"}, "decision", "请从给定选项中选择。"),
    ({**APPROVE, "decision": "return", "checklist": {**APPROVE["checklist"], "form": "fail"}},
     "comment", "退回或驳回时必须填写理由。"),
    ({k: v for k, v in APPROVE.items() if k != "secrecy"}, "secrecy", "此项为必填项。"),
    ({**APPROVE, "secrecy": "withhold"}, "secrecy", "保密审查结论不是「可公开」时不能审核通过。"),
    ({**APPROVE, "checklist": {**APPROVE["checklist"], "lawful": "fail"}}, "checklist",
     "有不符合项时不能审核通过。"),
    ({**APPROVE, "decision": "return", "comment": "不行"}, "checklist", "退回时请标明不符合的核查项。"),
    ({**APPROVE, "proofread": False}, "proofread", "必须勾选确认。"),
    ({**APPROVE, "surprise": 1}, "surprise", "表单中没有此字段。"),
])
def test_refused_form_input_leaves_no_trace(engine, drive, at_review, data, field, message):
    row = drive.task(at_review, "Task_review")
    engine.claim(row.id, "zhoujie")
    before = snapshot(engine, at_review)
    with pytest.raises(Invalid) as refused:
        engine.complete(row.id, "zhoujie", data)
    assert message in str(refused.value.errors[field])
    assert snapshot(engine, at_review) == before


def test_pool_task_must_be_claimed_first_and_only_by_a_role_holder(engine, drive, at_review):
    row = drive.task(at_review, "Task_review")
    with pytest.raises(NotAllowed, match="请先认领"):
        engine.complete(row.id, "zhoujie", APPROVE)
    with pytest.raises(NotAllowed, match="角色"):
        engine.claim(row.id, "zhangwei")
    engine.claim(row.id, "wuhua")
    with pytest.raises(Conflict, match="wuhua"):
        engine.claim(row.id, "zhoujie")
    with pytest.raises(NotAllowed, match="不属于您"):
        engine.complete(row.id, "zhoujie", APPROVE)


def test_unclaim_returns_the_task_to_the_queue(engine, drive, at_review):
    row = drive.task(at_review, "Task_review")
    engine.claim(row.id, "wuhua")
    with pytest.raises(NotAllowed):
        engine.unclaim(row.id, "zhoujie")
    engine.unclaim(row.id, "wuhua")
    assert drive.task(at_review, "Task_review").assignee is None
    engine.claim(row.id, "zhoujie")
    engine.complete(row.id, "zhoujie", APPROVE)
    types = [e["type"] for e in drive.events(at_review)]
    assert types.count("task_claimed") == 2 and types.count("task_unclaimed") == 1


def test_nobody_performs_two_review_stages_of_one_item(engine, drive, at_review):
    from engine.store.schema import RoleHolding

    with engine.db.transaction() as s:  # sunli also sits in a functional department
        s.add(RoleHolding(username="sunli", role="functional_dept"))
    drive.act(at_review, "Task_review", "sunli", APPROVE)
    check = drive.task(at_review, "Task_check")
    with pytest.raises(NotAllowed, match="三审制度.*审稿.*核稿"):
        engine.claim(check.id, "sunli")
    assert drive.task(at_review, "Task_check").assignee is None
    engine.claim(check.id, "zhaolei")
    engine.complete(check.id, "zhaolei", APPROVE)
    assert drive.open_specs(at_review) == ["Task_sign"]


def test_completed_task_cannot_be_completed_again(engine, drive, at_review):
    row = drive.act(at_review, "Task_review", "zhoujie", APPROVE)
    with pytest.raises(Conflict, match="已办结"):
        engine.complete(row.id, "zhoujie", APPROVE)
    with pytest.raises(NotFound):
        engine.complete("00000000-0000-0000-0000-000000000000", "zhoujie", APPROVE)


def test_two_clients_completing_the_same_task_exactly_one_wins(engine, drive, at_review, db_url):
    from engine.run.runtime import Engine
    from engine.store.persistence import Database

    row = drive.task(at_review, "Task_review")
    engine.claim(row.id, "zhoujie")
    engines = [Engine(Database(db_url), engine.clock) for _ in range(2)]
    barrier, outcomes = threading.Barrier(2), []

    def attempt(eng):
        barrier.wait()
        try:
            eng.complete(row.id, "zhoujie", APPROVE)
            outcomes.append("ok")
        except Conflict as err:
            outcomes.append(err.message)

    threads = [threading.Thread(target=attempt, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.db.dispose()
    assert sorted(outcomes) == ["ok", "此任务已办结或已取消（由 zhoujie 办理）。"]
    assert drive.open_specs(at_review) == ["Task_check"]
    completions = [e for e in drive.events(at_review, "task_completed") if e["task_id"] == row.id]
    assert len(completions) == 1


def test_draft_is_kept_without_completing(engine, drive, at_review):
    row = drive.task(at_review, "Task_review")
    engine.claim(row.id, "zhoujie")
    engine.save_draft(row.id, "zhoujie", {"comment": "写到一半"})
    assert drive.task(at_review, "Task_review").draft == {"comment": "写到一半"}
    with pytest.raises(NotAllowed):
        engine.save_draft(row.id, "wuhua", {"comment": "x"})


def test_unknown_model_and_user_are_refused(engine):
    with pytest.raises(NotFound):
        engine.start("no_such_model", "zhangwei", {})
    with pytest.raises(NotAllowed):
        engine.start("three_review", "nobody", START)


def test_start_form_is_validated(engine):
    with pytest.raises(Invalid) as refused:
        engine.start("three_review", "zhangwei", {"title": "", "media": ["抖音"]})
    assert set(refused.value.errors) == {"title", "media"}
