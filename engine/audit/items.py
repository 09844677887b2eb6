"""The auditor's register of items: every instance, filtered, paged and exported.

The platform account is the one the item names (``instances.account_id``); the
key date is read from the history: the start data's ``important`` mark and the
results the recorded helper ``is_key_date`` gave, so the register shows what
the procedure actually decided.  Filters are a registry, as in :mod:`engine.inbox`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import Session

from engine.base.errors import Invalid
from engine.org.anonymity import covered_rows
from engine.org.people import display_names
from engine.read.inbox import iso
from engine.store.schema import Account, Department, Event, Instance, ModelVersion, Task, User

MAX_PER_PAGE = 200
STATUSES = {"running": "办理中", "completed": "已办结", "cancelled": "已取消"}
YES_NO = {"yes": True, "no": False}


@dataclass
class ItemQuery:
    """What the auditor asked for: typed filter values and a page."""

    filters: dict[str, Any] = field(default_factory=dict)
    page: int = 1
    per_page: int = 50


def _day(value: date) -> datetime:
    return datetime.combine(value, time.min, tzinfo=UTC)


def _acted(person: str) -> ColumnElement[bool]:
    """Match items the person started or acted on, named by user name or by name (张伟)."""
    people = select(User.username).where(
        (User.username == person) | User.display_name.contains(person, autoescape=True))
    return Instance.initiator.in_(people) | exists().where(
        Event.instance_id == Instance.id, Event.actor.in_(people))


def _overdue(now: datetime) -> ColumnElement[bool]:
    return exists().where(Task.instance_id == Instance.id, Task.status == "open",
                          Task.due_at.is_not(None), Task.due_at < now)


#: filters answered by SQL: name -> (value, now) -> condition on instances
SQL_FILTERS: dict[str, Callable[[Any, datetime], ColumnElement[bool]]] = {
    "model": lambda v, now: Instance.model_key == v,
    "department": lambda v, now: Instance.department_id == v,
    "person": lambda v, now: _acted(v),
    "since": lambda v, now: Instance.started_at >= _day(v),
    "until": lambda v, now: Instance.started_at < _day(v) + timedelta(days=1),
    "status": lambda v, now: Instance.status == v,
    "overdue": lambda v, now: _overdue(now) if v else ~_overdue(now),
    "q": lambda v, now: Instance.title.contains(v, autoescape=True),
    "account": lambda v, now: Instance.account_id == v,
    "tier": lambda v, now: Instance.account_id.in_(select(Account.id).where(Account.tier == v)),
}

#: searches that may match what an anonymous complaint covers (第十九条): answered row by
#: row in Python, so a row found only through the covered identity is neither shown nor counted
SEARCHES = {"q", "person"}

#: filters answered from the facts read out of the history: name -> (facts, value) -> bool
FACT_FILTERS: dict[str, Callable[[dict[str, Any], Any], bool]] = {
    "key_date": lambda facts, v: facts["key_date"] == v,
}


def parse_filters(args: dict[str, str]) -> dict[str, Any]:
    """Type the filter values of a query string; raise Invalid naming each bad field."""
    typed, errors = read_filters(args)
    if errors:
        raise Invalid("筛选条件有误：" + "；".join(m[0] for m in errors.values()), errors)
    return typed


def read_filters(args: dict[str, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Type the filter values; return the good ones and, by field, why the others are bad.

    The register page keeps listing with the good filters and shows each bad
    value beside its field, rather than replacing the register with an error.
    """
    typed: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, raw in args.items():
        raw = (raw or "").strip()
        if name not in PARSERS or not raw:
            continue
        try:
            typed[name] = PARSERS[name](raw)
        except ValueError as err:
            errors[name] = [str(err)]
    if "since" in typed and "until" in typed and typed["since"] > typed["until"]:
        errors["until"] = ["开始日期晚于结束日期"]
        del typed["until"]
    return typed, errors


def _int(label: str) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        if not raw.isdigit():
            raise ValueError(f"{label}须为数字")
        return int(raw)
    return parse


def _choice(label: str, choices: dict[str, Any]) -> Callable[[str], Any]:
    def parse(raw: str) -> Any:
        if raw not in choices:
            raise ValueError(f"{label}取值无效：{raw}")
        return choices[raw]
    return parse


def _date(label: str) -> Callable[[str], date]:
    def parse(raw: str) -> date:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"{label}格式应为 YYYY-MM-DD") from None
    return parse


def _text(raw: str) -> str:
    return raw[:100]


PARSERS: dict[str, Callable[[str], Any]] = {
    "model": _text, "q": _text, "person": _text,
    "department": _int("科室"), "account": _int("账号"), "tier": _choice("平台级别", {"1": 1, "2": 2, "3": 3}),
    "since": _date("开始日期"), "until": _date("结束日期"),
    "status": _choice("状态", {k: k for k in STATUSES}),
    "key_date": _choice("重要时间节点", YES_NO), "overdue": _choice("是否超期", YES_NO),
}


def _base(filters: dict[str, Any], now: datetime) -> Select:
    stmt = select(Instance, ModelVersion.name, ModelVersion.version).join(
        ModelVersion, Instance.model_version_id == ModelVersion.id)
    conditions = [SQL_FILTERS[k](v, now) for k, v in filters.items() if k in SQL_FILTERS]
    return stmt.where(*conditions).order_by(Instance.started_at.desc(), Instance.id.desc())


def search(session: Session, query: ItemQuery, now: datetime) -> dict[str, Any]:
    """Return one page of the items matching ``query`` and how many match in all.

    Without a filter on facts read from the history the page is cut in SQL and
    only its rows are read further, so paging stays quick with many items.
    """
    per_page = max(1, min(query.per_page, MAX_PER_PAGE))
    page = max(1, query.page)
    if set(query.filters) & (set(FACT_FILTERS) | SEARCHES):
        rows = matching(session, query.filters, now)
        total, rows = len(rows), rows[(page - 1) * per_page: page * per_page]
    else:
        stmt = _base(query.filters, now)
        total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        rows = _rows(session, session.execute(stmt.offset((page - 1) * per_page).limit(per_page)).all(),
                     {}, now)
    return {"rows": rows, "total": total, "page": page, "per_page": per_page,
            "pages": max(1, -(-total // per_page))}


def matching(session: Session, filters: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """Return every item matching ``filters`` as register rows, newest first."""
    return _rows(session, session.execute(_base(filters, now)).all(),
                 {k: v for k, v in filters.items() if k in FACT_FILTERS}, now,
                 {k: v for k, v in filters.items() if k in SEARCHES})


def _rows(session: Session, found, wanted: dict[str, Any], now: datetime,
          searched: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    facts = facts_of(session, [inst.id for inst, _n, _v in found])
    rows = [_row(inst, name, version, facts[inst.id]) for inst, name, version in found
            if all(FACT_FILTERS[k](facts[inst.id], v) for k, v in wanted.items())]
    _add_labels(session, rows, now)
    return covered_rows(session, rows, key="id", filters=searched)  # 第十九条: anonymous complainants


def facts_of(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Return ``{instance id: {account_id, tier, key_date}}`` read from the history."""
    facts: dict[int, dict[str, Any]] = {i: {"account_id": None, "tier": None, "key_date": False}
                                        for i in ids}
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        # the start step records the helpers its scripts called (post review: is_key_date)
        for event in session.scalars(select(Event).where(
                Event.instance_id.in_(chunk), Event.type == "instance_started")):
            _read_facts(facts[event.instance_id], event)
        for account in session.scalars(select(Account).where(Account.instance_id.in_(chunk))):
            if account.instance_id is not None:
                facts[account.instance_id].update(account_id=account.id, tier=account.tier)
    return facts


def _read_facts(fact: dict[str, Any], event: Event) -> None:
    payload = event.payload or {}
    data = payload.get("data") or {}
    if event.type == "instance_started":
        fact["account_id"] = data.get("account_id") if isinstance(data.get("account_id"), int) else None
        fact["tier"] = data.get("tier") if isinstance(data.get("tier"), int) else None
        fact["key_date"] = bool(data.get("important"))
    for entry in payload.get("inputs") or []:
        if entry.get("helper") == "is_key_date" and entry.get("result"):
            fact["key_date"] = True
        if entry.get("helper") == "active_account" and isinstance(entry.get("result"), dict):
            fact["account_id"] = entry["result"].get("id", fact["account_id"])
            fact["tier"] = entry["result"].get("tier", fact["tier"])


def _row(inst: Instance, model_name: str, version: int, facts: dict[str, Any]) -> dict[str, Any]:
    facts = {**facts, "account_id": inst.account_id or facts["account_id"]}
    return {"id": inst.id, "model": inst.model_key, "model_name": model_name,
            "model_version": version, "title": inst.title, "status": inst.status,
            "status_title": STATUSES.get(inst.status, inst.status), "initiator": inst.initiator,
            "department_id": inst.department_id, "started_at": iso(inst.started_at),
            "ended_at": iso(inst.ended_at), **facts}


def _add_labels(session: Session, rows: list[dict[str, Any]], now: datetime) -> None:
    names = display_names(session, {r["initiator"] for r in rows})
    departments = dict(session.execute(select(Department.id, Department.name)).all())
    accounts = {a.id: a for a in session.scalars(select(Account))}
    late = set(session.scalars(select(Task.instance_id).where(
        Task.status == "open", Task.due_at.is_not(None), Task.due_at < now)))
    current = _current_stages(session, [r["id"] for r in rows])
    for row in rows:
        row["initiator_name"] = names.get(row["initiator"], row["initiator"])
        row["department"] = departments.get(row["department_id"])
        account = accounts.get(row["account_id"])
        row["account"] = account.account_name if account else None
        row["tier"] = account.tier if account else row["tier"]
        row["overdue"] = row["id"] in late
        row["current"] = "、".join(current.get(row["id"], []))


def _current_stages(session: Session, ids: list[int]) -> dict[int, list[str]]:
    """Return the names of each item's open tasks (当前环节), in the order they opened."""
    stages: dict[int, list[str]] = {}
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for instance_id, name in session.execute(select(Task.instance_id, Task.name).where(
                Task.instance_id.in_(chunk), Task.status == "open").order_by(Task.created_at, Task.id)):
            stages.setdefault(instance_id, []).append(name)
    return stages


#: columns of the CSV export: (key, Chinese header)
EXPORT_COLUMNS = [
    ("id", "事项编号"), ("model_name", "流程"), ("model_version", "流程版本"), ("title", "标题"),
    ("status_title", "状态"), ("current", "当前环节"), ("initiator_name", "发起人"), ("department", "科室"),
    ("account", "平台账号"), ("tier", "平台级别"), ("key_date", "重要时间节点"),
    ("overdue", "超期"), ("started_at", "发起时间"), ("ended_at", "办结时间"),
]
