"""Sample items for the demo hospital, walked with the demo users.

``shenfa demo`` runs these after ``shenfa init --demo`` so that a new user
sees real items in several states.  Each walk returns what it did, step by step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import or_, select

from engine.audit.chain import log_operation
from engine.base.localtime import local
from engine.demo.procedures import WALKS as PROCEDURE_WALKS
from engine.run.runtime import Engine
from engine.store.schema import Instance, ModelVersion, Operation, Task

CHECKLIST_PASS = {k: "pass" for k in
                  ("political", "scientific", "lawful", "public_interest", "form", "forbidden")}
APPROVE = {"decision": "approve", "checklist": CHECKLIST_PASS, "secrecy": "public",
           "proofread": True, "comment": "同意。"}
RETURN = {**APPROVE, "decision": "return", "comment": "请注明指南出处。",
          "checklist": {**CHECKLIST_PASS, "scientific": "fail"}}
DRAFT: dict[str, Any] = {"media": ["订阅号", "官网"], "title": "冬季心血管健康提示",
         "body": "## 寒潮来袭\n\n注意保暖、规律服药；胸痛持续不缓解请及时就医。",
         "source": "心血管内科原创（参考《中国心血管健康与疾病报告》）"}


class Walker:
    """Acts as demo users on one instance and logs each step."""

    def __init__(self, engine: Engine, log: Callable[[str], None]):
        self.engine, self.log = engine, log

    def start(self, model: str, user: str, data: dict) -> int:
        instance = self.engine.start(model, user, data)
        self.log(f"#{instance} {model}: {user} 发起「{data.get('title', '')}」")
        return instance

    def act(self, instance: int, spec: str, user: str, data: dict) -> None:
        with self.engine.db.transaction() as session:
            row = session.scalar(select(Task).where(
                Task.instance_id == instance, Task.spec_name.in_([spec, f"{spec} [child]"]),
                Task.status == "open", or_(Task.assignee == user, Task.assignee.is_(None)))
                .order_by(Task.assignee.is_(None)).limit(1))
        assert row is not None, (instance, spec, user)  # the walk names a task that is open
        if row.pool:
            self.engine.claim(row.id, user)
        self.engine.complete(row.id, user, data)
        decision = {"approve": "通过", "return": "退回", "reject": "驳回",
                    "experts": "提请专家评议"}.get(str(data.get("decision")), "提交")
        self.log(f"#{instance} {row.name}: {user} {decision}")


def three_review_issued(w: Walker) -> int:
    """A tier-1 post returned once at 核稿, revised, then issued (签发)."""
    instance = w.start("three_review", "zhaolei", {"title": DRAFT["title"], "media": DRAFT["media"]})
    w.act(instance, "Task_draft", "zhaolei", DRAFT)
    w.act(instance, "Task_review", "zhoujie", APPROVE)
    w.act(instance, "Task_check", "sunli", RETURN)
    w.act(instance, "Task_draft", "zhaolei", {**DRAFT, "source": DRAFT["source"] + "，第3版"})
    w.act(instance, "Task_review", "zhoujie", APPROVE)
    w.act(instance, "Task_check", "sunli", APPROVE)
    w.act(instance, "Task_sign", "zhengqiang", APPROVE)
    return instance


def three_review_waiting(w: Walker) -> int:
    """A tier-1 post waiting at 核稿 in the General Office's queue."""
    instance = w.start("three_review", "zhaolei", {"title": "流感季就诊指引", "media": ["服务号"]})
    w.act(instance, "Task_draft", "zhaolei", {**DRAFT, "title": "流感季就诊指引"})
    w.act(instance, "Task_review", "wuhua", APPROVE)
    return instance


WALKS = [three_review_issued, three_review_waiting, *PROCEDURE_WALKS]


def run(engine: Engine, log: Callable[[str], None]) -> list[int]:
    """Walk every sample once; return the instance ids (those of the first run when run again).

    ``make run`` runs ``shenfa demo`` every time: the walk is recorded in the
    operations log, and a second run finds it there instead of duplicating items.
    """
    earlier = _last_walk(engine)
    if earlier is not None:
        existing = [int(i) for i in earlier.payload.get("items", [])]
        log(f"示例事项已存在（{len(existing)} 项，创建于 {local(earlier.at)}），未重复创建。")
        return existing
    walker = Walker(engine, log)
    ids = [walk(walker) for walk in WALKS]
    with engine.db.transaction() as session:
        log_operation(session, "demo_walked", None, engine.clock.now(), items=ids)
    return ids


def _last_walk(engine: Engine) -> Operation | None:
    """Return the operations-log entry of an earlier ``shenfa demo``, if one ran."""
    with engine.db.transaction() as session:
        found = session.scalar(select(Operation).where(Operation.type == "demo_walked")
                               .order_by(Operation.id.desc()).limit(1))
        if found is not None:
            session.expunge(found)
        return found


def summary(engine: Engine, ids: list[int]) -> list[str]:
    """Name every demo item: number, procedure, title, state and where it waits."""
    with engine.db.transaction() as session:
        rows = {i.id: i for i in session.scalars(select(Instance).where(Instance.id.in_(ids)))}
        names = dict(session.execute(select(ModelVersion.id, ModelVersion.name)).all())
        stages: dict[int, list[str]] = {}
        for instance_id, name in session.execute(select(Task.instance_id, Task.name).where(
                Task.instance_id.in_(ids), Task.status == "open").order_by(Task.id)):
            stages.setdefault(instance_id, []).append(name)
    return [_line(rows[i], names, stages.get(i, [])) for i in ids if i in rows]


def _line(inst: Instance, names: dict[int, str], stages: list[str]) -> str:
    state = {"completed": "已办结", "cancelled": "已取消"}.get(inst.status, "办理中")
    where = f"，当前环节：{'、'.join(stages)}" if stages else ""
    model = names.get(inst.model_version_id, inst.model_key)
    return f"#{inst.id} {model}「{inst.title or '（无标题）'}」：{state}{where}"
