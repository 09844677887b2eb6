"""Tamper evidence, daily digests, retention and the operations log."""

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select, update

from engine.audit import chain as audit
from engine.audit.retention import purge
from engine.base.errors import NotAllowed
from engine.store.schema import Event, Instance, Operation
from tests.engine.test_replay import rewrite_chain, walked


def problems(engine, instance):
    with engine.db.reading() as s:
        return [str(p) for p in audit.verify_chain(s, instance)]


def test_an_intact_chain_verifies(engine, drive, clock):
    assert problems(engine, walked(drive, clock)) == []


def test_edited_event_is_detected_with_instance_and_event(engine, drive, clock):
    instance = walked(drive, clock)
    with engine.db.transaction() as s:
        s.execute(update(Event).where(Event.instance_id == instance, Event.seq == 5)
                  .values(actor="zhengqiang"))
    assert problems(engine, instance) == [f"事项 #{instance} 事件 5: 事件内容与其哈希不符：记录被修改"]


def test_deleted_and_inserted_events_are_detected(engine, drive, clock):
    instance = walked(drive, clock)
    with engine.db.transaction() as s:
        s.execute(delete(Event).where(Event.instance_id == instance, Event.seq == 4))
    found = problems(engine, instance)
    assert found[0] == f"事项 #{instance} 事件 5: 序号不连续（应为 4）：有事件被删除或插入"
    with engine.db.transaction() as s:
        last = s.scalars(select(Event).where(Event.instance_id == instance)
                         .order_by(Event.seq.desc())).first()
        s.execute(delete(Event).where(Event.id == last.id))
    assert any("末尾事件被删除" in p for p in problems(engine, instance))


def test_a_rewritten_chain_is_caught_by_the_daily_digest(engine, drive, clock):
    instance = walked(drive, clock)
    with engine.db.transaction() as s:
        audit.record_digest(s, clock.now().date(), clock.now())
    with engine.db.transaction() as s:
        s.execute(update(Event).where(Event.instance_id == instance, Event.seq == 3)
                  .values(actor="qianjun"))
    rewrite_chain(engine, instance)
    assert problems(engine, instance) == []  # the chain alone looks fine now...
    with engine.db.reading() as s:
        found = [str(p) for p in audit.verify_digests(s)]
    assert len(found) == 1 and f"事项 #{instance}" in found[0] and "每日摘要" in found[0]


def test_purge_refuses_records_younger_than_two_years(engine, drive, clock, monkeypatch):
    instance = walked(drive, clock)
    with engine.db.transaction() as s:
        with pytest.raises(NotAllowed, match="保存期限"):
            purge(s, clock.now().date(), clock.now(), "admin")
    monkeypatch.setenv("SHENFA_RETENTION_DAYS", "365")
    with engine.db.transaction() as s, pytest.raises(NotAllowed, match="不得少于两年"):
        purge(s, date(2000, 1, 1), clock.now(), "admin")
    monkeypatch.delenv("SHENFA_RETENTION_DAYS")
    with engine.db.reading() as s:
        assert s.get(Instance, instance) is not None


def test_purge_removes_only_finished_items_past_retention_and_is_logged(engine, drive, clock):
    from tests.support import APPROVE

    done = walked(drive, clock)
    drive.act(done, "Task_sign", "zhengqiang", APPROVE)
    running = walked(drive, clock)
    later = clock.now() + timedelta(days=800)
    with engine.db.transaction() as s:
        result = purge(s, (later - timedelta(days=731)).date(), later, "admin")
    assert result["instances"] == 1
    with engine.db.reading() as s:
        assert s.get(Instance, done) is None and s.get(Instance, running) is not None
        op = s.scalars(select(Operation).where(Operation.type == "records_purged")).one()
        assert op.payload["instances"] == [done] and op.actor == "admin"


def test_deployments_are_in_the_operations_log(engine, tmp_path):
    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "processes", tmp_path / "processes")
    shutil.copytree(root / "forms", tmp_path / "forms")
    model = tmp_path / "processes" / "three_review.bpmn"
    model.write_text(model.read_text(encoding="utf-8").replace("核稿（二审二校）", "核稿"), encoding="utf-8")
    engine.deploy_directory(tmp_path / "processes", tmp_path / "forms", by="songyu", note="改名")
    with engine.db.reading() as s:
        entry = [o for o in audit.operations(s) if o["type"] == "model_deployed"][0]
    assert entry["actor"] == "songyu" and entry["payload"] == {
        "model": "three_review", "version": 2, "note": "改名"}
