"""The append-only, hash-chained history of every instance.

Each event stores the hash of its predecessor and the SHA-256 of its own
canonical content, so an edited, deleted or inserted row breaks the chain.
Event types are past-tense names registered in :data:`EVENT_TYPES`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.orm import Session

from engine.store.persistence import is_reading
from engine.store.schema import Event, Instance

EVENTS = Event.__table__

GENESIS = "0" * 64
# The chain head kept on the instance row; only this module writes it (see HistoryWriter.commit).
SET_HEAD = update(Instance.__table__).where(Instance.__table__.c.id == bindparam("b_id"))

EVENT_TYPES = {
    "instance_started": "发起",
    "task_opened": "任务生成",
    "task_claimed": "认领",
    "task_unclaimed": "退回待认领",
    "task_completed": "办理",
    "task_cancelled": "任务取消",
    "timer_fired": "定时触发",
    "timer_failed": "定时任务失败",
    "instance_completed": "办结",
    "migrated": "迁移到新版本",
    "task_reassigned": "管理员改派",
}


FIELDS = ("instance_id", "seq", "type", "at", "actor", "role", "task_id", "task_spec",
          "model_version_id", "payload", "prev_hash")


def canonical(event: Event | dict[str, Any]) -> str:
    """Return the canonical JSON text of an event's content, the input of its hash."""
    get = event.get if isinstance(event, dict) else lambda name: getattr(event, name)
    content: dict[str, Any] = {name: get(name) for name in FIELDS}
    content["at"] = content["at"].isoformat()
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def genesis_head() -> dict[str, Any]:
    """Return the chain-head columns of a new instance: no events yet."""
    return {"event_seq": 0, "event_hash": GENESIS}


def digest(event: Event | dict[str, Any]) -> str:
    """Return an event's own hash: SHA-256 of its canonical content, predecessor included."""
    return hashlib.sha256(canonical(event).encode("utf-8")).hexdigest()


class HistoryWriter:
    """Appends events to one instance's chain; written in the caller's transaction.

    The chain head (last sequence number and hash) is kept on the instance row,
    which every writer locks, so appending needs no query.
    """

    def __init__(self, instance_id: int, model_version_id: int, seq: int = 0,
                 prev: str = GENESIS):
        self.instance_id = instance_id
        self.model_version_id = model_version_id
        self.seq, self.prev = seq, prev
        self.pending: list[dict[str, Any]] = []

    @classmethod
    def resume(cls, inst: Any, model_version_id: int | None = None) -> HistoryWriter:
        """Continue the chain of instance row ``inst`` from the head stored on it."""
        version = inst["model_version_id"] if model_version_id is None else model_version_id
        return cls(inst["id"], version, inst["event_seq"], inst["event_hash"])

    def append(self, type_: str, at: datetime, actor: str | None = None, role: str | None = None,
               task_id: str | None = None, task_spec: str | None = None,
               **payload: Any) -> dict[str, Any]:
        """Append one event of ``type_`` and return it (its payload may still change)."""
        if type_ not in EVENT_TYPES:
            raise ValueError(f"unknown event type {type_}")
        self.seq += 1
        event = {"instance_id": self.instance_id, "seq": self.seq, "type": type_, "at": at,
                 "actor": actor, "role": role, "task_id": task_id, "task_spec": task_spec,
                 "model_version_id": self.model_version_id, "payload": payload}
        self.pending.append(event)
        return event

    @property
    def head(self) -> tuple[int, str]:
        """Chain the pending events and return the new head ``(seq, hash)``."""
        prev = self.prev
        for event in self.pending:
            event["prev_hash"] = prev
            event["hash"] = prev = digest(event)
        return self.seq, prev

    def write(self, connection: Connection) -> None:
        """Chain and insert the pending events (their payloads are final now)."""
        if self.pending:
            self.seq, self.prev = self.head
            connection.execute(insert(EVENTS), self.pending)
            self.pending = []

    def stored_head(self) -> dict[str, Any]:
        """Return the instance's chain-head columns after ``write``, for the caller's update."""
        return {"event_seq": self.seq, "event_hash": self.prev}

    def commit(self, connection: Connection) -> None:
        """Write the pending events and move the instance's chain head past them."""
        self.write(connection)
        connection.execute(SET_HEAD.values(self.stored_head()), {"b_id": self.instance_id})


def events_of(session: Session, instance_id: int) -> list[Event]:
    """Return an instance's events in order (read once per read session: a page asks often)."""
    if not is_reading(session):
        return _load_events(session, instance_id)
    memo = session.info.setdefault("shenfa_events", {})
    if instance_id not in memo:
        memo[instance_id] = _load_events(session, instance_id)
    return list(memo[instance_id])


#: built once: pages, steps and checks all read an item's events
EVENTS_OF = select(Event).where(Event.instance_id == bindparam("instance_id")).order_by(Event.seq)


def _load_events(session: Session, instance_id: int) -> list[Event]:
    return list(session.scalars(EVENTS_OF, {"instance_id": instance_id}))
