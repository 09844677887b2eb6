"""The key-date calendar (重要时间节点) kept by the General Office (第十一条).

A key date is one day or an inclusive range of days with a name.  Posts
planned for a key date go through four-review (四审四校).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.base.errors import Invalid, NotFound
from engine.store.schema import KeyDate


def parse_day(value: Any, field: str = "日期") -> date:
    """Return ``value`` (``YYYY-MM-DD`` or a date) as a date, or refuse clearly."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise Invalid(f"{field}格式不正确，应为 YYYY-MM-DD: {value!r}") from None


def add(session: Session, name: str, start: Any, end: Any = None) -> KeyDate:
    """Add a named key date or range and return it."""
    first, last = parse_day(start, "开始日期"), parse_day(end or start, "结束日期")
    if not name.strip():
        raise Invalid("重要时间节点必须有名称。")
    if last < first:
        raise Invalid("结束日期不能早于开始日期。")
    row = KeyDate(name=name.strip(), start=first.isoformat(), end=last.isoformat())
    session.add(row)
    session.flush()
    return row


def remove(session: Session, key_date_id: int) -> None:
    """Delete key date ``key_date_id``."""
    row = session.get(KeyDate, key_date_id)
    if row is None:
        raise NotFound(f"重要时间节点不存在: {key_date_id}")
    session.delete(row)


def listing(session: Session) -> list[KeyDate]:
    """Return every key date in calendar order."""
    return list(session.scalars(select(KeyDate).order_by(KeyDate.start, KeyDate.id)))


def matching(session: Session, day: Any) -> list[KeyDate]:
    """Return the key dates that contain ``day``."""
    text = parse_day(day).isoformat()
    return list(session.scalars(select(KeyDate).where(
        KeyDate.start <= text, KeyDate.end >= text).order_by(KeyDate.start)))


def view(row: KeyDate) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "start": row.start, "end": row.end}


def seed(session: Session, data: dict[str, Any]) -> int:
    """Add the key dates of a registry file not present yet; return how many."""
    added = 0
    for entry in data.get("key_dates", []):
        start, end = str(entry["start"]), str(entry.get("end", entry["start"]))
        known = session.scalar(select(KeyDate.id).where(
            KeyDate.name == entry["name"], KeyDate.start == start))
        if known is None:
            add(session, entry["name"], start, end)
            added += 1
    return added
