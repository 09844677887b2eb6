"""No end that means "approved" without its approvals; long return loops stay correct (issue 10)."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from engine.audit.replay import verify_instance
from engine.base.errors import Refused
from engine.model.loading import ModelError
from engine.run.approvals import ENGINE_TASK_LIMIT, Incident, StepGuard, approved_labels
from engine.store.schema import Operation, Task
from tests.proc_support import account_id
from tests.support import APPROVE, DRAFT, returned

ROOT = Path(__file__).resolve().parents[2]
MODELS = Path(__file__).parent / "models" / "approvals"
STAGES = [("Task_review", "zhoujie"), ("Task_check", "sunli"), ("Task_sign", "zhengqiang")]


@pytest.fixture
def deployed(engine, tmp_path):
    folder = tmp_path / "processes"
    folder.mkdir()
    (folder / "flawed_review.bpmn").write_bytes((MODELS / "flawed_review.bpmn").read_bytes())
    engine.deploy_directory(folder, ROOT / "forms")
    return engine


def incidents(engine) -> list[dict]:
    with engine.db.reading() as s:
        return [o.payload for o in s.scalars(select(Operation).where(
            Operation.type == "incident_raised").order_by(Operation.id))]


def test_an_end_reached_around_a_review_is_refused_and_raises_an_incident(deployed, drive):
    instance = drive.start("flawed_review", "zhangwei")
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    with pytest.raises(Refused) as refused:
        drive.act(instance, "Task_review", "zhoujie", {**APPROVE, "comment": "跳过"})
    assert "已签发" in refused.value.message and "核稿" in refused.value.message
    assert drive.status(instance) == "running" and drive.open_specs(instance) == ["Task_review"]
    [incident] = incidents(deployed)
    assert (incident["kind"], incident["instance_id"], incident["missing"]) == (
        "approvals_missing", instance, ["核稿"])


def test_the_path_through_every_review_still_ends(deployed, drive):
    instance = drive.start("flawed_review", "zhangwei")
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    drive.act(instance, "Task_review", "zhoujie", APPROVE)
    drive.act(instance, "Task_check", "sunli", APPROVE)
    assert drive.status(instance) == "completed" and incidents(deployed) == []


def test_a_runaway_engine_loop_is_refused_at_deploy_and_bounded_at_run_time(engine, tmp_path):
    """Deploy refuses a loop with no wait state; a step that still runs away is stopped."""
    folder = tmp_path / "processes"
    folder.mkdir()
    (folder / "runaway.bpmn").write_bytes((MODELS / "runaway.bpmn").read_bytes())
    with pytest.raises(ModelError):
        engine.deploy_directory(folder, ROOT / "forms")
    step = SimpleNamespace(inst={"id": 7})
    task = SimpleNamespace(task_spec=SimpleNamespace(name="Script_count", extensions={}))
    guard = StepGuard(step)
    for _ in range(ENGINE_TASK_LIMIT):
        guard(task)
    with pytest.raises(Incident) as refused:
        guard(task)
    assert (refused.value.kind, refused.value.instance_id) == ("engine_loop", 7)
    assert str(ENGINE_TASK_LIMIT) in refused.value.message


@pytest.mark.parametrize(("events", "approved"), [
    ([("Task_review", "approve"), ("Task_check", "approve")], {"审稿", "核稿"}),
    ([("Task_review", "approve"), ("Task_check", "return"), ("Task_draft", None),
      ("Task_review", "approve")], {"审稿"}),
    ([("Task_review", "approve"), ("Task_review", "experts")], set()),
    ([("Task_check", "approve"), ("Task_review", "return")], set()),
])
def test_approvals_count_only_since_the_last_return(events, approved):
    labels = {"Task_review": "审稿", "Task_check": "核稿"}
    assert approved_labels([(s, {"decision": d}) for s, d in events], labels) == approved


def open_task(engine, instance: int) -> Task:
    with engine.db.reading() as s:
        return s.scalars(select(Task).where(Task.instance_id == instance,
                                            Task.status == "open")).one()


def returns(engine, instance: int, count: int, reviewer: str, draft_id: str) -> str:
    """Return the draft ``count`` times; give the id of the draft task then open."""
    sent_back = returned()
    for _ in range(count):
        [review] = engine.complete(draft_id, "zhangwei", DRAFT)
        if review["pool"]:
            engine.claim(review["id"], reviewer)
        [draft] = engine.complete(review["id"], reviewer, sent_back)
        draft_id = draft["id"]
    return draft_id


def test_a_standalone_three_review_returned_260_times_still_needs_every_stage(engine, drive):
    """Before the fix, about 250 returns made SpiffWorkflow's iterator stop: 已办结, no approval."""
    instance = drive.start("three_review", "zhangwei", {"title": "t", "media": ["订阅号"]})
    draft = returns(engine, instance, 260, "zhoujie", open_task(engine, instance).id)
    assert drive.status(instance) == "running" and open_task(engine, instance).id == draft
    engine.complete(draft, "zhangwei", DRAFT)
    for spec, user in STAGES:
        assert drive.open_specs(instance) == [spec]
        drive.act(instance, spec, user, APPROVE)
    assert drive.status(instance) == "completed"
    assert verify_instance(engine, instance).ok


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_1000_returns_inside_post_review_behave_like_3(engine, drive):
    """Inside ``post_review`` the item used to stick at running with no open task."""
    start = {"account_id": account_id(engine, "心血管内科健康课堂"), "title": "t",
             "planned_date": "2026-12-01"}
    instance = drive.start("post_review", "zhangwei", start)
    draft = returns(engine, instance, 1000, "lina", open_task(engine, instance).id)
    assert open_task(engine, instance).spec_name == "Task_draft"
    engine.complete(draft, "zhangwei", DRAFT)
    for spec, user in [("Task_review_dept", "lina"), *STAGES[1:]]:
        assert drive.open_specs(instance) == [spec]
        drive.act(instance, spec, user, APPROVE)
    assert drive.open_specs(instance) == ["Task_publish"]
    assert verify_instance(engine, instance).ok
