"""Helper functions that models may call from scripts, conditions and assignees.

Each is registered by name with :func:`engine.expressions.helper`.  Helpers
that read the database or change anything are ``recorded``: their results go
into the history (the payload of the event that moved the item), and a
verified replay answers from that record instead of asking again.
Helpers that refuse raise :class:`HelperRefused` with a Chinese reason; the
operation that ran the model then changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.base.errors import Refused
from engine.model.expressions import helper
from engine.org import institution
from engine.registry import accounts, key_dates
from engine.run.assignment import holds_role
from engine.run.context import current, record
from engine.store.schema import Account, CommendationBan, Department, Event, Instance, PartyBranch, User

T = TypeVar("T")

class HelperRefused(Refused):
    """A helper refused its input; the message says why, in Chinese."""


def recorded(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register helper ``name`` and keep each call's result for replay."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(func)
        def call(*args: Any) -> Any:
            return record(name, list(args), lambda: func(*args))

        return helper(name)(call)

    return register


def _session() -> Session:
    session = current().session
    if session is None:  # a replay answers recorded helpers without running them
        raise RuntimeError("helper needs the database but runs without a session")
    return session


def _row(model: type[T], key: Any) -> T:
    """Return the row of ``model`` with primary key ``key``; it must exist."""
    row = _session().get(model, key)
    if row is None:
        raise HelperRefused(f"记录不存在: {model.__name__} {key}")
    return row


def _instance() -> Instance:
    return _row(Instance, current().instance_id)


def _initiator() -> User:
    return _row(User, _instance().initiator)


# -- accounts (第五、六条) -------------------------------------------------------

@recorded("account_info")
def account_info(account_id: Any) -> dict[str, Any]:
    """Return the registered facts of account ``account_id``."""
    account = _account(account_id)
    current().item.setdefault("account_id", account.id)  # the item concerns this account
    return accounts.view(_session(), account)


@recorded("active_account")
def active_account(account_id: Any) -> dict[str, Any]:
    """Return account ``account_id`` if it is registered and may publish, else refuse."""
    account = _account(account_id)
    current().item.setdefault("account_id", account.id)  # the item concerns this account
    if account.status != "registered":
        raise HelperRefused(f"账号「{account.account_name}」当前状态为"
                            f"「{accounts.STATUSES[account.status]}」，不能发布信息。")
    return accounts.view(_session(), account)


def _account(account_id: Any) -> Account:
    try:
        return accounts.get(_session(), account_id)
    except Refused as err:
        raise HelperRefused(err.message) from None


@recorded("suspended_account")
def suspended_account(account_id: Any) -> dict[str, Any]:
    """Return a suspended account its operator, holder or department head may reinstate."""
    account, author = _account(account_id), _initiator()
    current().item.setdefault("account_id", account.id)
    if account.status != "suspended":
        raise HelperRefused(f"账号「{account.account_name}」当前状态为"
                            f"「{accounts.STATUSES[account.status]}」，只有停用的账号可以申请恢复。")
    head = _row(Department, account.department_id).head
    if author.username not in {account.operator, account.holder, head}:
        raise HelperRefused(f"只有账号「{account.account_name}」的运营者、开设人或主办科室负责人可以申请恢复。")
    return accounts.view(_session(), account)


@recorded("may_publish")
def may_publish(account: dict[str, Any]) -> bool:
    """Refuse a post by someone who does not run the account (第五、六条)."""
    author = _initiator()
    if account["tier"] == 1 and not holds_role(_session(), author.username, "general_office"):
        raise HelperRefused(f"一级平台「{account['account_name']}」只能由党政综合办公室发布信息。")
    if account["tier"] == 3 and account["holder"] != author.username:
        raise HelperRefused(f"三级平台「{account['account_name']}」只能由其开设人发布信息。")
    if account["tier"] == 2 and account["department_id"] != author.department_id:
        raise HelperRefused(f"二级平台「{account['account_name']}」只能由"
                            f"{account['department']}的职工发布信息。")
    return True


@recorded("same_type_accounts")
def same_type_accounts(tier: int, platform_type: str) -> int:
    """Count the initiator's (tier 3) or department's (tier 2) accounts of this type."""
    author = _initiator()
    holder = author.username if tier == 3 else None
    return accounts.same_type_count(_session(), platform_type,
                                    _instance().department_id, holder)


@recorded("apply_account")
def apply_account(tier: int, platform_type: str, platform_other: Any, platform_name: str,
                  account_name: str) -> int:
    """Record the item's application (附件1) as an ``applied`` account; return its id."""
    # the institution's short names (organisation data) mark an account as the hospital's own
    names = institution.read(_session()).short_names
    if tier == 3 and any(word in f"{platform_name}{account_name}" for word in names):
        raise HelperRefused("禁止任何个人以医院名义开通新媒体平台（第六条）；"
                            "三级平台的平台名称和账号名称不得使用医院名义。")
    if platform_type == "其他" and not platform_other:
        raise HelperRefused("平台类型为「其他」时请注明平台（附件1）。")
    author, inst, ctx = _initiator(), _instance(), current()
    if inst.department_id is None:
        raise HelperRefused("申请人没有所属科室，无法确定主办科室。")
    if tier == 2 and _row(Department, inst.department_id).head != author.username:
        raise HelperRefused("二级平台以科室名义开设，应由科室负责人申请（附件1）。")
    fields = {"tier": tier, "platform_type": platform_type, "platform_other": platform_other,
              "platform_name": platform_name, "account_name": account_name,
              "department_id": inst.department_id, "operator": author.username,
              "holder": author.username if tier == 3 else None}
    return accounts.apply(_session(), fields, inst.id, ctx.clock.now()).id


@recorded("set_account_status")
def set_account_status(account_id: int, status: str, reason: Any = None) -> str:
    """Move the account to ``status`` (registered, rejected, suspended, closed)."""
    ctx = current()
    account = accounts.set_status(_session(), account_id, status,
                                  str(reason) if reason else None, ctx.clock.now())
    return account.status


@recorded("ban_commendations")
def ban_commendations(account_id: int, reason: str) -> list[str]:
    """Strip this year's commendation eligibility of the account's department, branch, person."""
    ctx = current()
    account = _account(account_id)
    subjects = _ban_subjects(account)
    for kind, subject in subjects:
        _session().add(CommendationBan(
            year=ctx.clock.now().year, subject_type=kind, subject=subject,
            account_id=account.id, instance_id=ctx.instance_id, reason=reason,
            ordered_at=ctx.clock.now()))
    return [f"{kind}:{subject}" for kind, subject in subjects]


def _ban_subjects(account: Account) -> list[tuple[str, str]]:
    department = _row(Department, account.department_id)
    person = _row(User, account.holder or account.operator)
    subjects = [("department", department.name), ("person", person.username)]
    if person.branch_id is not None:
        subjects.insert(1, ("branch", _row(PartyBranch, person.branch_id).name))
    return subjects


@recorded("commendation_bans_of")
def commendation_bans_of(username: str, year: int) -> list[str]:
    """Return the 第十六条 bans of ``year`` that reach ``username`` (person, department, branch)."""
    session = _session()
    person = session.get(User, username)
    if person is None:
        raise HelperRefused(f"用户不存在: {username}")
    subjects = [("person", person.username)]
    if person.department_id is not None:
        subjects.append(("department", _row(Department, person.department_id).name))
    if person.branch_id is not None:
        subjects.append(("branch", _row(PartyBranch, person.branch_id).name))
    bans = session.scalars(select(CommendationBan).where(CommendationBan.year == year))
    return sorted({f"{b.subject_type}:{b.subject}" for b in bans
                   if (b.subject_type, b.subject) in subjects})


@recorded("release_targets")
def release_targets() -> list[dict[str, Any]]:
    """Return every active tier-2/3 account with its operator (第十四条)."""
    return [{"account_id": a.id, "account_name": a.account_name, "operator": a.operator}
            for a in accounts.active(_session(), (2, 3))]


# -- the item -------------------------------------------------------------------

@recorded("concern_department")
def concern_department(department_id: int) -> int:
    """Make the item concern ``department_id`` (so ``department_head`` is its head)."""
    current().item["department_id"] = department_id
    return department_id


@recorded("latest_submission")
def latest_submission(task_spec: str) -> dict[str, Any]:
    """Return the form data last submitted at user task ``task_spec`` of this item.

    Parallel branches each carry a copy of the data; after a join this reads
    what each reviewer actually submitted, free of another branch's stale copy.
    """
    ctx = current()
    for event in reversed(ctx.events):  # this step's own events are not written yet
        if event["type"] == "task_completed" and event["task_spec"] == task_spec:
            return dict(event["payload"].get("data", {}))
    event = _session().scalar(select(Event).where(
        Event.instance_id == ctx.instance_id, Event.type == "task_completed",
        Event.task_spec == task_spec).order_by(Event.seq.desc()).limit(1))
    if event is None:
        raise HelperRefused(f"本事项尚无「{task_spec}」的办理记录。")
    return dict(event.payload.get("data", {}))


@recorded("is_party_member")
def is_party_member() -> bool:
    """Tell whether the item's initiator belongs to a party branch (第十二条三)."""
    return _initiator().branch_id is not None


# -- calendar (第十一条) ------------------------------------------------------------

@recorded("is_key_date")
def is_key_date(day: Any) -> bool:
    """Tell whether ``day`` (YYYY-MM-DD) falls on a key date of the calendar."""
    if not day:
        return False
    try:
        return bool(key_dates.matching(_session(), day))
    except Refused as err:
        raise HelperRefused(err.message) from None


# -- plain values -----------------------------------------------------------------

@helper("distinct")
def distinct(items: Any) -> list[Any]:
    """Return ``items`` without repeats, in first-seen order."""
    seen: list[Any] = []
    for item in items or []:
        if item not in seen:
            seen.append(item)
    return seen
