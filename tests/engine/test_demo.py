"""``shenfa demo`` leaves sample items of every procedure, in several states."""

from collections import Counter

from sqlalchemy import select

from engine import demo
from engine.schema import Instance
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
