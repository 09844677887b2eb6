"""Timer events fire by the engine's clock, exactly once, never early."""

from pathlib import Path

MODELS = Path(__file__).parent / "models"


def deploy_timed(engine):
    engine.deploy_directory(MODELS / "processes", MODELS / "forms")


def test_deadline_escalates_after_thirty_minutes_and_not_before(engine, drive, clock):
    deploy_timed(engine)
    instance = drive.start("timed_fix", "zhangwei")
    fix = drive.task(instance, "Task_fix")
    assert (fix.due_at - clock.now()).total_seconds() == 30 * 60
    clock.advance(minutes=20, seconds=1)
    assert engine.fire_due_timers() == 1  # the 20-minute reminder, not the deadline
    assert drive.open_specs(instance) == ["Task_fix"]
    clock.advance(minutes=9, seconds=58)
    assert engine.fire_due_timers() == 0
    assert drive.open_specs(instance) == ["Task_fix"]
    clock.advance(seconds=2)
    assert engine.fire_due_timers() == 1
    assert drive.open_specs(instance) == ["Task_escalated"]
    assert drive.task(instance, "Task_escalated").assignee == "lina"
    types = [e["type"] for e in drive.events(instance)]
    assert types[-3:] == ["timer_fired", "task_cancelled", "task_opened"]
    fired = drive.events(instance, "timer_fired")
    assert [e["task_spec"] for e in fired] == ["Timer_20", "Timer_30"]
    assert engine.fire_due_timers() == 0


def test_task_done_in_time_cancels_its_deadline(engine, drive, clock):
    deploy_timed(engine)
    instance = drive.start("timed_fix", "zhangwei")
    clock.advance(minutes=10)
    drive.act(instance, "Task_fix", "zhangwei", {"note": "已更正"})
    clock.advance(minutes=60)
    assert engine.fire_due_timers() == 0
    assert drive.status(instance) == "completed"
    assert drive.events(instance, "timer_fired") == []
