"""The registry of new-media platform accounts (第五、六条; 附件1).

An account is a registered presence on one platform.  Tier 1 accounts are the
hospital's own (run by the General Office for the Party Committee); tier 2
accounts belong to a department, tier 3 accounts to one staff member.  An
account lives ``applied`` → ``registered`` → ``suspended``/``closed``; an
application that is turned down ends ``rejected``.  Procedures change it only
through the helpers in :mod:`engine.helpers`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.base.errors import NotFound, Refused
from engine.run.assignment import resolver
from engine.store.schema import Account, Department, User

PLATFORM_TYPES = ("官网", "服务号", "订阅号", "视频号", "微博", "抖音", "快手", "APP", "其他")

STATUSES = {"applied": "申请中", "registered": "已备案", "rejected": "未通过",
            "suspended": "停用", "closed": "关闭"}

#: Statuses that count for the one-account-per-type rule (第六条).
HELD = ("applied", "registered", "suspended")

#: Who supervises an account of each tier (第五条).
SUPERVISORS = {1: "院党委", 2: "党政综合办公室", 3: "所属科室负责人、支部负责人"}

DEMO_FILE = Path(__file__).resolve().parent.parent / "demo" / "demo_registry.yaml"


@resolver("account_operator")
def _account_operator(session: Session, facts) -> str | None:
    """The operator is named per task (``assignee``) from the item's account."""
    return None


def view(session: Session, account: Account) -> dict[str, Any]:
    """Return an account as plain data, with Chinese titles."""
    department = session.get(Department, account.department_id)
    return {
        "id": account.id, "tier": account.tier, "platform_type": account.platform_type,
        "platform_other": account.platform_other, "platform_name": account.platform_name,
        "account_name": account.account_name, "department_id": account.department_id,
        "department": department.name if department else None, "holder": account.holder,
        "operator": account.operator, "supervisors": account.supervisors,
        "status": account.status, "status_title": STATUSES[account.status],
        "status_reason": account.status_reason, "instance_id": account.instance_id,
        "created_at": account.created_at.isoformat(),
        "status_changed_at": account.status_changed_at.isoformat(),
    }


def get(session: Session, account_id: Any) -> Account:
    """Return the account ``account_id`` or refuse with a clear reason."""
    account = session.get(Account, account_id) if isinstance(account_id, int) else None
    if account is None:
        raise NotFound(f"账号不存在: {account_id}")
    return account


def listing(session: Session, status: str | None = None) -> list[Account]:
    """Return every account (optionally of one status), tier first."""
    query = select(Account).order_by(Account.tier, Account.id)
    if status:
        query = query.where(Account.status == status)
    return list(session.scalars(query))


def active(session: Session, tiers: tuple[int, ...]) -> list[Account]:
    """Return the registered accounts of ``tiers``."""
    return list(session.scalars(select(Account).where(
        Account.status == "registered", Account.tier.in_(tiers)).order_by(Account.id)))


def same_type_count(session: Session, platform_type: str, department_id: int | None,
                    holder: str | None) -> int:
    """Count the accounts of ``platform_type`` a holder already has or applied for (第六条).

    The holder's row is locked first, so two applications of one holder are
    counted one after the other and the second sees the first.
    """
    owner = select(User).where(User.username == holder) if holder else \
        select(Department).where(Department.id == department_id)
    session.execute(owner.with_for_update(key_share=True))  # FOR NO KEY UPDATE: FKs hold KEY SHARE
    query = select(func.count()).where(Account.platform_type == platform_type,
                                       Account.status.in_(HELD))
    if holder:
        query = query.where(Account.holder == holder)
    else:
        query = query.where(Account.department_id == department_id, Account.holder.is_(None))
    return session.scalar(query) or 0


def apply(session: Session, fields: dict[str, Any], instance_id: int | None,
          now: datetime) -> Account:
    """Record an application as an ``applied`` account and return it."""
    tier = fields["tier"]
    account = Account(
        tier=tier, platform_type=fields["platform_type"],
        platform_other=fields.get("platform_other"), platform_name=fields["platform_name"],
        account_name=fields["account_name"], department_id=fields["department_id"],
        holder=fields.get("holder"), operator=fields["operator"],
        supervisors=SUPERVISORS[tier], status="applied", instance_id=instance_id,
        created_at=now, status_changed_at=now)
    session.add(account)
    session.flush()
    return account


def set_status(session: Session, account_id: int, status: str, reason: str | None,
               now: datetime) -> Account:
    """Move an account to ``status`` (a key of :data:`STATUSES`)."""
    if status not in STATUSES:
        raise Refused(f"未知的账号状态: {status}")
    account = get(session, account_id)
    account.status, account.status_reason, account.status_changed_at = status, reason, now
    return account


def seed(session: Session, data: dict[str, Any], now: datetime) -> int:
    """Register the accounts of a registry file that are not there yet; return how many."""
    added = 0
    for entry in data.get("accounts", []):
        department = session.scalar(select(Department).where(
            Department.name == entry["department"]))
        if department is None:
            raise Refused(f"账号 {entry['account_name']} 的主办科室不存在: {entry['department']}")
        exists = session.scalar(select(Account.id).where(
            Account.account_name == entry["account_name"],
            Account.platform_type == entry["platform_type"]))
        if exists is None:
            _check_user(session, entry["operator"])
            fields = {**entry, "department_id": department.id}
            set_status(session, apply(session, fields, None, now).id, "registered",
                       entry.get("note"), now)
            added += 1
    return added


def _check_user(session: Session, username: str) -> None:
    if session.get(User, username) is None:
        raise Refused(f"用户不存在: {username}")


def read_file(path: Path) -> dict[str, Any]:
    """Read a registry seed file (YAML): accounts and key dates."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise Refused(f"{path.name}: 登记文件必须是一个映射")
    return data
