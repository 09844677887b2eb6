"""Tamper evidence: verify every history chain, keep daily digests, log operations.

An event edited, deleted or inserted directly in the database breaks its
instance's chain (sequence, predecessor hash, own hash, or the chain head kept
on the instance).  A rewrite of a whole chain is caught by the daily digests:
the heads of all chains at the end of each day, stored apart and exportable.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from engine.audit.history import GENESIS, digest, events_of
from engine.store.schema import ChainDigest, Event, Instance, Operation

OPERATION_TYPES = {
    "model_deployed": "部署流程", "models_unchanged": "部署流程（无变化）",
    "org_imported": "导入组织机构", "role_changed": "角色变更",
    "task_reassigned": "管理员改派任务", "user_logged_in": "登录", "login_failed": "登录失败",
    "login_refused": "登录暂被拒绝", "user_logged_out": "退出登录",
    "records_purged": "清理过期记录", "digest_recorded": "记录每日摘要", "timer_retried": "重试定时任务",
    "instances_migrated": "迁移运行中事项", "models_exported": "导出模型",
    "incident_raised": "异常事件（操作被拒绝）",
    "demo_walked": "创建示例事项",
    "prescreen_rules_deployed": "部署预审规则", "prescreen_rules_unchanged": "部署预审规则（无变化）",
}


@dataclass
class Problem:
    """One finding of verification, naming the instance and event (or day)."""

    instance_id: int | None
    seq: int | None
    message: str

    def __str__(self) -> str:
        where = f"事项 #{self.instance_id}" if self.instance_id else "摘要"
        return f"{where} 事件 {self.seq}: {self.message}" if self.seq else f"{where}: {self.message}"


def verify_chain(session: Session, instance_id: int) -> list[Problem]:
    """Return what is wrong with one instance's chain (empty when intact)."""
    inst = session.get(Instance, instance_id)
    assert inst is not None, instance_id  # callers verify instances they have listed
    problems, prev, expected = [], GENESIS, 1
    for event in events_of(session, instance_id):
        if event.seq != expected:
            problems.append(Problem(instance_id, event.seq,
                                    f"序号不连续（应为 {expected}）：有事件被删除或插入"))
        if event.prev_hash != prev:
            problems.append(Problem(instance_id, event.seq, "与前一事件的哈希链接断裂"))
        if digest(event) != event.hash:
            problems.append(Problem(instance_id, event.seq, "事件内容与其哈希不符：记录被修改"))
        prev, expected = event.hash, event.seq + 1
    if (inst.event_seq, inst.event_hash) != (expected - 1, prev):
        problems.append(Problem(instance_id, expected - 1,
                                "链头与事项记录不一致：末尾事件被删除或追加"))
    return problems


def instances_since(session: Session, since: date | None) -> list[int]:
    query = select(Instance.id).order_by(Instance.id)
    if since is not None:
        query = query.where(Instance.started_at >= _day_start(since))
    return list(session.scalars(query))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


# -- daily digests -----------------------------------------------------------

def heads_at(session: Session, moment: datetime) -> dict[str, list]:
    """Return ``{instance id: [seq, hash]}`` of every chain's last event before ``moment``."""
    last = (select(Event.instance_id, func.max(Event.seq).label("seq"))
            .where(Event.at < moment).group_by(Event.instance_id).subquery())
    rows = session.execute(select(Event.instance_id, Event.seq, Event.hash).join(
        last, (Event.instance_id == last.c.instance_id) & (Event.seq == last.c.seq)))
    return {str(i): [seq, h] for i, seq, h in sorted(rows)}


def _digest_of(heads: dict[str, list]) -> str:
    text = json.dumps(heads, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def record_digest(session: Session, day: date, now: datetime) -> ChainDigest:
    """Store the digest of all chains as of the end of ``day`` (once per day)."""
    if (recorded := session.get(ChainDigest, day.isoformat())) is not None:
        return recorded
    heads = heads_at(session, _day_start(day + timedelta(days=1)))
    row = ChainDigest(day=day.isoformat(), digest=_digest_of(heads), heads=heads,
                      events=sum(seq for seq, _h in heads.values()), created_at=now)
    session.add(row)
    log_operation(session, "digest_recorded", None, now, day=row.day, digest=row.digest)
    return row


def verify_digests(session: Session) -> list[Problem]:
    """Recompute every stored daily digest; name the instances whose chain changed."""
    problems, purged = [], _purged(session)
    for row in session.scalars(select(ChainDigest).order_by(ChainDigest.day)):
        heads = heads_at(session, _day_start(date.fromisoformat(row.day) + timedelta(days=1)))
        if _digest_of(row.heads) != row.digest:
            problems.append(Problem(None, None, f"{row.day} 的摘要记录本身被修改"))
        for instance_id in sorted((set(row.heads) | set(heads)) - purged, key=int):
            if row.heads.get(instance_id) != heads.get(instance_id):
                problems.append(Problem(int(instance_id), (row.heads.get(instance_id) or [None])[0],
                                        f"与 {row.day} 的每日摘要不符：历史在事后被改写"))
    return problems


def _purged(session: Session) -> set[str]:
    """Instances removed by a logged purge after their retention ended."""
    rows = session.scalars(select(Operation.payload).where(Operation.type == "records_purged"))
    return {str(i) for payload in rows for i in payload.get("instances", [])}


def export_digests(session: Session) -> list[dict[str, Any]]:
    return [{"day": r.day, "digest": r.digest, "events": r.events, "heads": r.heads}
            for r in session.scalars(select(ChainDigest).order_by(ChainDigest.day))]


# -- operations log ------------------------------------------------------------

def log_operation(session: Session, type_: str, actor: str | None, at: datetime,
                  **payload: Any) -> Operation:
    """Append an entry to the hash-chained operations log."""
    if type_ not in OPERATION_TYPES:
        raise ValueError(f"unknown operation {type_}")
    if session.get_bind().dialect.name == "postgresql":  # one writer at a time extends the chain
        session.execute(text("SELECT pg_advisory_xact_lock(7410)"))
    last = session.scalar(select(Operation).order_by(Operation.id.desc()).limit(1))
    row = Operation(at=at, type=type_, actor=actor, payload=payload,
                    prev_hash=last.hash if last else GENESIS)
    row.hash = hashlib.sha256(json.dumps(
        {"at": at.isoformat(), "type": type_, "actor": actor, "payload": payload,
         "prev_hash": row.prev_hash}, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    session.add(row)
    session.flush()
    return row


def operations(session: Session, limit: int = 200) -> list[dict[str, Any]]:
    rows = session.scalars(select(Operation).order_by(Operation.id.desc()).limit(limit))
    return [{"id": r.id, "at": r.at.isoformat(), "type": r.type,
             "title": OPERATION_TYPES[r.type], "actor": r.actor, "payload": r.payload}
            for r in rows]
