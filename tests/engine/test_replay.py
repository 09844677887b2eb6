"""Verified replay: an instance rebuilt from its history equals what is stored."""

from pathlib import Path

from sqlalchemy import update

from engine.audit.history import digest
from engine.audit.replay import verify_instance
from engine.store.schema import Event, Instance
from tests.support import APPROVE, DRAFT, returned

MODELS = Path(__file__).parent / "models"
START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}


def walked(drive, clock) -> int:
    instance = drive.start("three_review", "zhangwei", START)
    for spec, user, data in [("Task_draft", "zhangwei", DRAFT), ("Task_review", "zhoujie", APPROVE),
                             ("Task_check", "sunli", returned()), ("Task_draft", "zhangwei", DRAFT),
                             ("Task_review", "zhoujie", APPROVE), ("Task_check", "sunli", APPROVE)]:
        clock.advance(minutes=7)
        drive.act(instance, spec, user, data)
    return instance


def test_replay_of_a_returned_and_revised_item_matches(engine, drive, clock):
    instance = walked(drive, clock)
    verdict = verify_instance(engine, instance)
    assert verdict.ok, verdict.message
    assert verdict.steps == 7


def test_replay_with_fired_timers_and_a_recorded_reminder_matches(engine, drive, clock):
    engine.deploy_directory(MODELS / "processes", MODELS / "forms")
    instance = drive.start("timed_fix", "zhangwei")
    clock.advance(minutes=21)
    assert engine.fire_due_timers() == 1
    clock.advance(minutes=10)
    assert engine.fire_due_timers() == 1
    drive.act(instance, "Task_escalated", "lina", {"note": "已督办"})
    reminder = drive.events(instance, "timer_fired")[0]
    assert reminder["payload"]["inputs"] == [{"helper": "remind", "args": ["Task_fix"], "result": 1}]
    verdict = verify_instance(engine, instance)
    assert verdict.ok and verdict.steps == 4, verdict.message


def rewrite_chain(engine, instance):
    """What a careful forger would do: recompute every hash and the chain head."""
    with engine.db.transaction() as s:
        prev = "0" * 64
        for event in s.query(Event).filter_by(instance_id=instance).order_by(Event.seq):
            event.prev_hash = prev
            event.hash = prev = digest(event)
        s.execute(update(Instance).where(Instance.id == instance).values(event_hash=prev))


def test_replay_names_the_first_event_that_no_longer_follows(engine, drive, clock):
    instance = walked(drive, clock)
    with engine.db.transaction() as s:  # the forger changes 核稿's decision to approve
        event = s.query(Event).filter_by(instance_id=instance, task_spec="Task_check",
                                          type="task_completed").first()
        event.payload = {**event.payload, "data": {**event.payload["data"], "decision": "approve"}}
        forged = event.seq
    rewrite_chain(engine, instance)
    verdict = verify_instance(engine, instance)
    assert not verdict.ok and verdict.diverged_at == forged
    assert "状态摘要不一致" in verdict.message
