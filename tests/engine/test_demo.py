"""``shenfa demo`` leaves sample items of every procedure, in several states."""

from collections import Counter

from sqlalchemy import select

from engine.demo import items as demo
from engine.store.schema import Instance
from tests.proc_support import account_named


def test_the_demo_leaves_every_procedure_in_several_states(engine):
    lines: list[str] = []
    ids = demo.run(engine, lines.append)
    with engine.db.transaction() as session:
        rows = session.scalars(select(Instance).where(Instance.id.in_(ids))).all()
    models = {r.model_key for r in rows}
    assert models >= {"three_review", "account_approval", "post_review", "incident_closure",
                      "complaint_handling", "press_release", "matrix_report"}
    states = Counter(r.status for r in rows)
    assert states["completed"] >= 5 and states["running"] >= 5
    assert account_named(engine, "刘洋说推拿")["status"] == "closed"
    assert any("提请专家评议" in line for line in lines)


def test_every_demo_item_of_every_procedure_replays_exactly(engine):
    from engine.audit.replay import verify_instance

    ids = demo.run(engine, lambda line: None)
    with engine.db.transaction() as session:
        every = session.scalars(select(Instance.id)).all()
    verdicts = [verify_instance(engine, i) for i in every]
    assert len(every) >= len(ids)
    assert [(v.instance_id, v.diverged_at, v.message) for v in verdicts if not v.ok] == []


def test_stored_states_survive_a_reload_unchanged(engine):
    """A step on a reloaded instance must equal one on the in-memory instance, for replay."""
    from engine.store import state

    demo.run(engine, lambda line: None)
    with engine.db.transaction() as session:
        rows = session.scalars(select(Instance)).all()
    for inst in rows:
        specs = engine.version(inst.model_version_id).specs
        assert state.dump(state.load(inst.state, inst.state_version, specs)) == inst.state, inst.id


def test_running_the_demo_twice_does_not_duplicate_its_items(engine):
    ids = demo.run(engine, lambda line: None)
    with engine.db.transaction() as session:
        before = len(session.scalars(select(Instance.id)).all())  # with called sub-items
    again: list[str] = []
    assert demo.run(engine, again.append) == ids
    with engine.db.transaction() as session:
        assert len(session.scalars(select(Instance.id)).all()) == before
    assert len(again) == 1 and f"示例事项已存在（{len(ids)} 项" in again[0] and "未重复创建" in again[0]


def test_the_summary_names_every_item_with_its_state(engine):
    ids = demo.run(engine, lambda line: None)
    lines = demo.summary(engine, ids)
    assert [line.split(" ")[0] for line in lines] == [f"#{i}" for i in ids]
    assert all("「" in line and ("已办结" in line or "办理中" in line) for line in lines)
    assert any("三审三校" in line and "流感季就诊指引" in line and "当前环节：核稿" in line for line in lines)
