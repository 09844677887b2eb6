"""Timer start events (第十九条 定期巡查): one item per period, exactly once, by itself."""

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from engine.audit.replay import verify_instance
from engine.model.deployment import latest_version
from engine.run.runtime import Engine
from engine.run.schedules import SYSTEM_USER, ScheduleError, instant_after, start_due, timer_starts
from engine.run.worker import Worker
from engine.store.persistence import Database
from engine.store.schema import Instance, StartTimer, Timer

DECEMBER = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # 5 December, 09:00 Beijing time
PATROLS = ["Task_patrol_it", "Task_patrol_office", "Task_patrol_pbo", "Task_patrol_pr"]


def patrols(engine) -> list[Instance]:
    with engine.db.reading() as s:
        return list(s.scalars(select(Instance).where(
            Instance.model_key == "patrol", Instance.initiator == SYSTEM_USER)
            .order_by(Instance.id)))


def waiting_instants(engine) -> list[datetime]:
    with engine.db.reading() as s:
        return list(s.scalars(select(StartTimer.due_at).where(
            StartTimer.model_key == "patrol", StartTimer.status == "waiting")))


def test_the_patrol_starts_itself_on_the_fifth_of_each_month(engine, clock, drive):
    assert start_due(engine) == 0  # 26 November: the first instant is still ahead
    assert waiting_instants(engine) == [DECEMBER]
    clock.advance(days=8, hours=15, minutes=59)
    assert start_due(engine) == 0 and patrols(engine) == []
    clock.advance(minutes=1)
    assert Worker(engine, "w").run_once()["started"] == 1
    assert "started" not in Worker(engine, "w").run_once()  # once per period
    [item] = patrols(engine)
    assert (item.title, item.status) == ("网络巡查（2026-12-05）", "running")
    assert drive.open_specs(item.id) == PATROLS
    assert waiting_instants(engine) == [datetime(2027, 1, 5, 1, 0, tzinfo=UTC)]
    with engine.db.reading() as s:  # the timer start event never waits inside the item
        assert s.scalar(select(func.count()).where(Timer.instance_id == item.id)) == 0
    assert verify_instance(engine, item.id).ok


def test_periods_missed_while_down_start_once_each_after_a_restart(engine, clock, db_url):
    start_due(engine)
    clock.advance(days=70)  # down from 26 November to 4 February
    restarted = Engine(Database(db_url), clock)
    try:
        assert start_due(restarted) == 2 and start_due(restarted) == 0
    finally:
        restarted.db.dispose()
    assert [p.title for p in patrols(engine)] == ["网络巡查（2026-12-05）", "网络巡查（2027-01-05）"]
    assert waiting_instants(engine) == [datetime(2027, 2, 5, 1, 0, tzinfo=UTC)]


def test_starting_by_hand_takes_the_plain_start_event(engine, drive):
    item = drive.start("patrol", "sunli", {"title": "专项巡查", "period": "2026-11"})
    assert drive.open_specs(item) == PATROLS
    with engine.db.reading() as s:
        assert s.scalar(select(func.count()).where(Timer.instance_id == item)) == 0
    assert verify_instance(engine, item).ok


def test_two_workers_on_postgresql_start_each_period_exactly_once(pg_url, clock):
    engines = [Engine(Database(pg_url), clock) for _ in range(2)]
    start_due(engines[0])
    clock.advance(days=160)  # 5 December to 5 May: six monthly instants are due
    barrier, counts = threading.Barrier(2), [0, 0]

    def work(i):
        barrier.wait()
        while (started := start_due(engines[i], f"worker-{i}", batch=1)) or counts[i] == 0:
            counts[i] += started
            if not started:
                break

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        days = [p.title for p in patrols(engines[0])]
    finally:
        for e in engines:
            e.db.dispose()
    assert sum(counts) == 6
    assert len(days) == len(set(days)) == 6


@pytest.mark.parametrize(("expression", "after", "inclusive", "expected"), [
    ('"R/2026-01-05T09:00:00+08:00/P1M"', "2026-11-26T09:00:00+00:00", True,
     "2026-12-05T01:00:00+00:00"),
    ('"R/2026-01-05T09:00:00+08:00/P1M"', "2026-12-05T01:00:00+00:00", True,
     "2026-12-05T01:00:00+00:00"),
    ('"R/2026-01-05T09:00:00+08:00/P1M"', "2026-12-05T01:00:00+00:00", False,
     "2027-01-05T01:00:00+00:00"),
    ('"R/2026-01-31T00:00:00+00:00/P1W"', "2026-02-01T00:00:00+00:00", False,
     "2026-02-07T00:00:00+00:00"),
    ('"R3/2026-01-05T09:00:00+08:00/P1M"', "2026-11-26T09:00:00+00:00", True, None),
    ('"2026-12-31T16:00:00+00:00"', "2026-11-26T09:00:00+00:00", True,
     "2026-12-31T16:00:00+00:00"),
    ('"2026-10-01T00:00:00+00:00"', "2026-11-26T09:00:00+00:00", True, None),
])
def test_instants_of_a_schedule(expression, after, inclusive, expected):
    definition = _definition(expression, "timeDate" if "R" not in expression else "timeCycle")
    found = instant_after(definition, datetime.fromisoformat(after), inclusive)
    assert found == (datetime.fromisoformat(expected) if expected else None)


@pytest.mark.parametrize("expression", ['"R/2026-01-05/P0D"', '"R/next month/P1M"', "5"])
def test_a_schedule_that_is_no_schedule_is_refused(expression):
    with pytest.raises(ScheduleError):
        instant_after(_definition(expression, "timeCycle"), datetime.now(UTC), True)


def test_the_patrol_model_declares_one_monthly_timer_start_event(engine):
    with engine.db.reading() as s:
        latest = latest_version(s, "patrol")
    [start] = timer_starts(engine.version(latest.id).specs[0])
    assert (start.name, start.bpmn_name) == ("StartEvent_monthly", "每月定期巡查")


def _definition(expression: str, kind: str):
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
        CycleTimerEventDefinition,
        TimeDateEventDefinition,
    )
    cls = CycleTimerEventDefinition if kind == "timeCycle" else TimeDateEventDefinition
    return cls("t", expression)
