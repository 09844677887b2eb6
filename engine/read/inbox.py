"""The inbox (待办): tabs, filters, paging and counts over the task table.

Reads only the ``tasks``, ``instances``, ``model_versions`` and ``events``
tables; it never deserializes a workflow, so it stays fast with many tasks.
Tabs and filters are registries: a new filter (e.g. platform account) is one
entry in :data:`FILTERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from engine.org.anonymity import anonymous_versions, covered_rows, found_only_by_covered
from engine.org.people import display_names
from engine.run.assignment import ROLE_TITLES, roles_of
from engine.store.schema import Account, Event, Instance, ModelVersion, Task

TAB_TITLES = {"mine": "我的待办", "claimable": "可认领", "done": "已办", "started": "我发起的"}
MAX_PER_PAGE = 100


@dataclass
class InboxQuery:
    """What the user asked for: a tab, filters and a page."""

    tab: str = "mine"
    filters: dict[str, Any] = field(default_factory=dict)
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True)
class Tab:
    """How one tab selects, orders and filters its rows."""

    where: Callable[[str, set[str]], ColumnElement[bool]]
    order: tuple
    department: Any
    date: Any
    rows_are_tasks: bool = True


_EARLIER = aliased(Task)
_DRAFT = aliased(Task)


def _not_authored_by(user: str) -> ColumnElement[bool]:
    """Keep out review stages of the user's own items: the claim would be refused.

    The author never reviews their own item (第十一条 三审; docs/modeling.md): the
    initiator and whoever completed a draft task, as :func:`assignment.authors` says.
    """
    own = select(Instance.id).where(Instance.initiator == user)
    drafted = select(_DRAFT.instance_id).where(
        _DRAFT.role == "initiator", _DRAFT.status == "completed", _DRAFT.completed_by == user)
    return ~and_(Task.review_stage.is_(True),
                 or_(Task.instance_id.in_(own), Task.instance_id.in_(drafted)))

#: a task opened again at a step already done on its item: returned (第十一条) or revised
_REOPENED = exists().where(_EARLIER.instance_id == Task.instance_id,
                           _EARLIER.spec_name == Task.spec_name, _EARLIER.status == "completed")
#: urgent first: a due time (overdue ones are due soonest), then returned work, then the oldest
URGENT = (case((Task.due_at.is_not(None), 0), (_REOPENED, 1), else_=2), Task.due_at,
          Task.created_at, Task.id)

TABS: dict[str, Tab] = {
    "mine": Tab(lambda user, roles: and_(Task.status == "open", Task.assignee == user),
                URGENT, Task.department_id, Task.created_at),
    "claimable": Tab(lambda user, roles: and_(Task.status == "open", Task.pool.is_(True),
                                              Task.role.in_(roles), Task.assignee.is_(None),
                                              _not_authored_by(user)),
                     URGENT, Task.department_id, Task.created_at),
    "done": Tab(lambda user, roles: Task.completed_by == user,
                (Task.completed_at.desc(), Task.id), Task.department_id, Task.completed_at),
    "started": Tab(lambda user, roles: Instance.initiator == user,
                   (Instance.started_at.desc(), Instance.id.desc()), Instance.department_id,
                   Instance.started_at, rows_are_tasks=False),
}


def _day(value: date) -> datetime:
    return datetime.combine(value, time.min, tzinfo=UTC)


@dataclass(frozen=True)
class Filter:
    """One filter: its condition on a bind parameter, and how a typed value becomes that parameter.

    Conditions are built on parameters, not values, so a statement is built once per shape
    (tab and which filters are on) and reused with each request's values.
    """

    where: Callable[[Tab | None, Any], ColumnElement[bool]]
    value: Callable[[Any], Any] = lambda v: v


def _like(value: str) -> str:
    """Return a LIKE pattern finding ``value`` anywhere, its wildcards taken literally."""
    escaped = value.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


#: filter name -> its condition and value.  Values arrive already typed.
FILTERS: dict[str, Filter] = {
    "model": Filter(lambda tab, p: Instance.model_key == p),
    "account": Filter(lambda tab, p: Instance.account_id == p),
    "tier": Filter(lambda tab, p: Instance.account_id.in_(select(Account.id).where(Account.tier == p))),
    "q": Filter(lambda tab, p: Instance.title.like(p, escape="/"), _like),
    "department": Filter(lambda tab, p: tab.department == p),  # type: ignore[union-attr] # a tab's own
    "since": Filter(lambda tab, p: tab.date >= p, _day),  # type: ignore[union-attr]
    "until": Filter(lambda tab, p: tab.date < p, lambda v: _day(v) + timedelta(days=1)),  # type: ignore[union-attr]
}


#: filters on instance columns: task tabs join ``instances`` to count with them
INSTANCE_FILTERS = {"model", "q", "account", "tier"}


def inbox(session: Session, username: str, query: InboxQuery, now: datetime,
          roles: set[str] | None = None) -> dict[str, Any]:
    """Return one page of ``query.tab`` for ``username`` with the counts of every tab."""
    roles = roles_of(session, username) if roles is None else roles
    tab = TABS[query.tab]
    per_page = max(1, min(query.per_page, MAX_PER_PAGE))
    filters = {**query.filters, HIDDEN: veiled_matches(session, username, query.filters)}
    offset = (max(query.page, 1) - 1) * per_page
    params = {**_params(username, roles, filters), "offset": offset, "limit": per_page}
    page = session.execute(_page_stmt(query.tab, _shape(filters)), params).all()
    rows = _task_rows(session, page, now) if tab.rows_are_tasks else _instance_rows(session, page)
    _add_accounts(session, rows)
    rows = covered_rows(session, rows, viewer=username, filters=query.filters)  # 第十九条
    counts = count_all(session, username, filters, roles)
    total = counts[query.tab]
    return {"tab": query.tab, "rows": rows, "total": total, "counts": counts,
            "page": max(query.page, 1), "per_page": per_page,
            "pages": max(1, -(-total // per_page))}


def count(session: Session, username: str, tab_name: str, filters: dict[str, Any],
          roles: set[str] | None = None) -> int:
    """Return how many rows tab ``tab_name`` holds for ``username`` under ``filters``."""
    roles = roles_of(session, username) if roles is None else roles
    return session.scalar(_count_stmt(tab_name, _shape(filters)),
                          _params(username, roles, filters)) or 0


def count_all(session: Session, username: str, filters: dict[str, Any],
              roles: set[str]) -> dict[str, int]:
    """Return the count of every tab in one query (one round trip, not one per tab)."""
    row = session.execute(_counts_stmt(_shape(filters)), _params(username, roles, filters)).one()
    return {name: value or 0 for name, value in zip(TABS, row, strict=True)}


#: statements built once per shape (which tab, which filters are on): each inbox read
#: then only binds its values — building a statement costs more than running it
_BUILT: dict[tuple, Select] = {}


def _built(key: tuple, build: Callable[[], Select]) -> Select:
    if key not in _BUILT:
        _BUILT[key] = build()
    return _BUILT[key]


def _shape(filters: dict[str, Any]) -> tuple[tuple[str, ...], bool]:
    """Return which filters are on (their names) and whether some items are hidden."""
    return tuple(sorted(_active(filters))), bool(filters.get(HIDDEN))


def _params(username: str, roles: set[str], filters: dict[str, Any]) -> dict[str, Any]:
    """Return the values the built statements bind: the user, their roles, each filter's value."""
    params = {"user": username, "roles": sorted(roles), "hidden": list(filters.get(HIDDEN) or ())}
    params.update({f"f_{k}": FILTERS[k].value(v) for k, v in _active(filters).items()})
    return params


def _page_stmt(tab_name: str, shape: tuple) -> Select:
    tab = TABS[tab_name]
    return _built(("page", tab_name, shape), lambda: _filtered(_base(tab), tab, shape)
                  .order_by(*tab.order).offset(bindparam("offset")).limit(bindparam("limit")))


def _counts_stmt(shape: tuple) -> Select:
    return _built(("counts", shape), lambda: select(
        *[_count_stmt(name, shape).scalar_subquery().label(name) for name in TABS]))


def _count_stmt(tab_name: str, shape: tuple) -> Select:
    def build() -> Select:
        tab = TABS[tab_name]
        table = Task if tab.rows_are_tasks else Instance
        stmt = select(func.count()).select_from(table)  # count(*): answered from the index alone
        if tab.rows_are_tasks and set(shape[0]) & INSTANCE_FILTERS:
            stmt = stmt.join(Instance, Task.instance_id == Instance.id)
        return _filtered(stmt, tab, shape)
    return _built(("count", tab_name, shape), build)


#: items a title search matched only through an anonymous complainant's covered identity
HIDDEN = "hidden_items"


def veiled_matches(session: Session, username: str, filters: dict[str, Any]) -> list[int]:
    """Return the items whose title matches the search only through what is covered.

    第十九条: such an item is neither listed nor counted for ``username`` (finding it by
    the complainant's name would name them), so every tab's count agrees with its rows
    and pages stay full.
    """
    query = _active(filters).get("q")
    if not query:
        return []
    found = session.execute(VEILED_MATCHES, {"q": FILTERS["q"].value(query), "user": username,
                                             "versions": anonymous_versions(session)})
    return [i for i, title in found
            if found_only_by_covered(session, i, username, {"title": title}, {"q": query})]


VEILED_MATCHES = select(Instance.id, Instance.title).where(
    FILTERS["q"].where(None, bindparam("q")), Instance.initiator != bindparam("user"),
    Instance.model_version_id.in_(bindparam("versions", expanding=True)))


def _base(tab: Tab) -> Select:
    if not tab.rows_are_tasks:
        return select(Instance, ModelVersion.name).join(
            ModelVersion, Instance.model_version_id == ModelVersion.id)
    return (select(Task, Instance.title, Instance.model_key, Instance.initiator, ModelVersion.name,
                   Instance.account_id)
            .join(Instance, Task.instance_id == Instance.id)
            .join(ModelVersion, Instance.model_version_id == ModelVersion.id))


def _active(filters: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in filters.items() if v not in (None, "") and k in FILTERS}


def _filtered(stmt: Select, tab: Tab, shape: tuple) -> Select:
    """Return ``stmt`` narrowed to the tab and the filters of ``shape``, on bind parameters."""
    names, hidden = shape
    conditions = [tab.where(bindparam("user"), bindparam("roles", expanding=True))]  # type: ignore[arg-type]
    conditions += [FILTERS[k].where(tab, bindparam(f"f_{k}")) for k in names]
    if hidden:
        item = Task.instance_id if tab.rows_are_tasks else Instance.id
        conditions.append(item.not_in(bindparam("hidden", expanding=True)))
    return stmt.where(*conditions)


def aware(value: datetime | None) -> datetime | None:
    """Return ``value`` with UTC attached when the database dropped the zone (SQLite)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def iso(value: datetime | None) -> str | None:
    """Return ``value`` as ISO 8601 text with its zone, or None."""
    value = aware(value)
    return value.isoformat() if value else None


def _task_rows(session: Session, page: Sequence[Any], now: datetime) -> list[dict[str, Any]]:
    open_ids = {row[0].instance_id for row in page if row[0].status == "open"}
    returns = last_returns(session, open_ids)
    rows = [_task_row(r, now, returns) for r in page]
    _add_names(session, rows, ("assignee", "completed_by", "initiator"))
    return rows


def _task_row(result, now: datetime, returns: dict[int, dict]) -> dict[str, Any]:
    task, title, model, initiator, model_name, account_id = result
    created, due = aware(task.created_at) or now, aware(task.due_at)
    waiting = (now - created).total_seconds() if task.status == "open" else None
    return {
        "id": task.id, "instance_id": task.instance_id, "model": model,
        "model_name": model_name, "title": title, "name": task.name, "spec": task.spec_name,
        "role": task.role, "role_title": ROLE_TITLES.get(task.role, task.role),
        "pool": task.pool, "assignee": task.assignee, "status": task.status,
        "department_id": task.department_id, "initiator": initiator,
        "created_at": iso(created), "due_at": iso(due),
        "completed_by": task.completed_by, "completed_at": iso(task.completed_at),
        "waiting_seconds": int(waiting) if waiting is not None else None,
        "overdue": bool(due and task.status == "open" and due < now),
        "returned": returns.get(task.instance_id) if task.status == "open" else None,
        "account_id": account_id,
    }


def _instance_rows(session: Session, page: Sequence[Any]) -> list[dict[str, Any]]:
    ids = [inst.id for inst, _ in page]
    stages: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        # By instance only: a status condition would tempt the planner onto a status index.
        for instance_id, name, status in session.execute(
                select(Task.instance_id, Task.name, Task.status).where(
                    Task.instance_id.in_(ids)).order_by(Task.created_at)):
            if status == "open":
                stages[instance_id].append(name)
    return [{"instance_id": inst.id, "model": inst.model_key, "model_name": name,
             "title": inst.title, "status": inst.status, "initiator": inst.initiator,
             "department_id": inst.department_id, "started_at": iso(inst.started_at),
             "ended_at": iso(inst.ended_at), "stages": stages[inst.id],
             "account_id": inst.account_id}
            for inst, name in page]


def _add_accounts(session: Session, rows: list[dict[str, Any]]) -> None:
    """Name each row's platform account and its tier (一级/二级/三级)."""
    ids = {r["account_id"] for r in rows if r["account_id"]}
    found = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(ids)))} if ids else {}
    for row in rows:
        account = found.get(row["account_id"])
        row["account"] = account.account_name if account else None
        row["tier"] = account.tier if account else None


def last_returns(session: Session, instance_ids: set[int]) -> dict[int, dict[str, Any]]:
    """Return, per instance, who returned it and why, when its last completion was a return."""
    if not instance_ids:
        return {}
    last = (select(Event.instance_id, func.max(Event.seq).label("seq"))
            .where(Event.instance_id.in_(instance_ids), Event.type == "task_completed")
            .group_by(Event.instance_id).subquery())
    events = session.scalars(select(Event).join(last, and_(
        Event.instance_id == last.c.instance_id, Event.seq == last.c.seq)))
    found = {e.instance_id: _return_of(e) for e in events}
    result = {k: v for k, v in found.items() if v is not None}
    names = display_names(session, {r["by"] for r in result.values()})
    for info in result.values():
        info["by_name"] = names.get(info["by"], info["by"])
    return result


def _return_of(event: Event) -> dict[str, Any] | None:
    payload = event.payload or {}
    if payload.get("decision") in (None, "approve"):
        return None
    checklist = (payload.get("data") or {}).get("checklist") or {}
    return {"by": event.actor, "role": event.role, "task_name": payload.get("task_name"),
            "comment": payload.get("comment") or "", "at": iso(event.at),
            "decision": payload.get("decision"),
            "failing": sorted(k for k, v in checklist.items() if v == "fail")}


def _add_names(session: Session, rows: list[dict], keys: tuple[str, ...]) -> None:
    names = display_names(session, {r[k] for r in rows for k in keys if r.get(k)})
    for row in rows:
        for key in keys:
            row[f"{key}_name"] = names.get(row.get(key) or "", row.get(key))
