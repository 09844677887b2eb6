"""Notifications people can rely on: local times, a reminder before the 30-minute deadline
(第十三条), a notice when a task is escalated away, no notice of one's own draft."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from engine.base import localtime
from engine.base.errors import Invalid
from engine.notify import notifications
from engine.store.schema import Notification
from tests.proc_support import account_id

PUBLISHED = {"published_url": "https://mp.weixin.qq.com/s/abc",
             "published_at": "2026-11-26T09:00:00"}
SHANGHAI = ZoneInfo("Asia/Shanghai")


def notes(engine, username: str) -> list[Notification]:
    with engine.db.transaction() as session:
        return list(session.scalars(select(Notification).where(Notification.username == username)
                                    .order_by(Notification.id)))


def wording_incident(drive, engine, operator="zhangwei") -> int:
    instance = drive.start("incident_closure", operator,
                           {"account_id": account_id(engine, "张伟医生谈心脏"), "title": "冬季养生"})
    drive.act(instance, "Task_publish", operator, PUBLISHED)
    drive.act(instance, "Task_monitor", operator, {"finding": "wording", "description": "剂量写错"})
    return instance


def reload_from_database(engine) -> None:
    """Forget the live workflows: the next step loads the instance from the database."""
    engine._live.clear()


def test_the_assignee_is_reminded_ten_minutes_before_the_deadline_in_local_time(drive, engine, clock):
    instance = wording_incident(drive, engine)
    deadline = drive.task(instance, "Task_correct").due_at
    reload_from_database(engine)
    clock.advance(minutes=20, seconds=1)
    assert engine.fire_due_timers() == 1
    reminder = [n for n in notes(engine, "zhangwei") if n.kind == "reminder"]
    assert len(reminder) == 1 and reminder[0].instance_id == instance
    local_deadline = deadline.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert local_deadline == "2026-11-26 17:30"  # 09:30 UTC is 17:30 in Shaoxing
    assert f"办理时限：{local_deadline}" in reminder[0].body
    assert drive.open_specs(instance) == ["Task_correct"]  # a reminder does not end the task


def test_an_escalated_task_does_not_silently_disappear(drive, engine, clock):
    instance = wording_incident(drive, engine)
    clock.advance(minutes=20, seconds=1)
    engine.fire_due_timers()
    reload_from_database(engine)
    clock.advance(minutes=10)
    assert engine.fire_due_timers() == 1
    assert drive.open_specs(instance) == ["Task_head_fix", "Task_office_notice"]
    away = [n for n in notes(engine, "zhangwei") if n.kind == "escalated_away"]
    assert len(away) == 1
    assert "【已升级督办】半小时内修改" in away[0].subject
    assert "不再由您办理" in away[0].body and "科室负责人" in away[0].body
    assert "2026-11-26 17:30" in away[0].body
    assert any(n.kind == "escalation" for n in notes(engine, "lina"))  # the head hears too


def test_starting_an_item_does_not_notify_its_author_of_their_own_draft(drive, engine):
    instance = drive.start("three_review", "zhangwei", {"title": "冬季心血管健康提示", "media": ["订阅号"]})
    assert drive.open_specs(instance) == ["Task_draft"]
    assert notes(engine, "zhangwei") == []


@settings(max_examples=40, deadline=None)
@given(actor=st.sampled_from(["a", "b", "c"]), assignee=st.sampled_from(["a", "b", "c", None]))
def test_the_person_who_acted_is_never_told_of_their_own_step(actor, assignee):
    class Holders:  # the pool's holders, as the database would answer
        def execute(self, _stmt, _params):
            return type("R", (), {"scalars": lambda self: ["a", "b", "c"]})()

    task = {"id": "t", "instance_id": 1, "name": "审稿", "assignee": assignee, "role": "r"}
    rows = notifications.task_messages(Holders(), [task], "task_opened", "题", datetime.now(UTC),
                                       actor=actor)
    told = {r["username"] for r in rows}
    assert actor not in told
    assert told == ({assignee} if assignee else {"a", "b", "c"}) - {actor}


@settings(max_examples=60, deadline=None)
@given(moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)),
       zone=st.sampled_from(["Asia/Shanghai", "Asia/Urumqi", "UTC", "America/New_York"]))
def test_local_time_is_the_zones_wall_clock_without_seconds_or_offset(moment, zone):
    previous = localtime.zone().key
    try:
        localtime.set_zone(zone)
        text = localtime.local(moment)  # naive, as SQLite gives it back: UTC
        expected = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
        assert text == expected.strftime("%Y-%m-%d %H:%M")
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", text)
        iso = localtime.local_iso(moment.replace(tzinfo=UTC))
        assert "." not in iso and datetime.fromisoformat(iso) == expected.replace(microsecond=0)
    finally:
        localtime.set_zone(previous)


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "Asia/Shanghai\x00"])
def test_an_unknown_zone_is_refused_by_name(name):
    with pytest.raises(Invalid) as refused:
        localtime.zone_named(name)
    assert "时区设置无效" in refused.value.message


def test_the_zone_setting_is_read_by_the_engine_text(drive, engine, clock):
    previous = localtime.zone().key
    try:
        localtime.set_zone("UTC")
        instance = wording_incident(drive, engine)
        clock.advance(minutes=20, seconds=1)
        engine.fire_due_timers()
        reminder = [n for n in notes(engine, "zhangwei") if n.kind == "reminder"][0]
        assert "办理时限：2026-11-26 09:30" in reminder.body and instance
    finally:
        localtime.set_zone(previous)
