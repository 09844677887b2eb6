"""Choices that depend on the database, offered by forms through ``ui.choices``.

A form field ``{"type": "integer", "ui": {"choices": "publishable_accounts"}}`` is
drawn as a select of what the registry function returns for the signed-in user.
The stored form keeps no list: it is filled in only for drawing the form.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.base.errors import Invalid
from engine.registry.accounts import STATUSES, active
from engine.run.assignment import roles_of
from engine.store.schema import Account, Department, RoleHolding, User

TIERS = {1: "一级平台", 2: "二级平台", 3: "三级平台"}
Provider = Callable[[Session, str], list[tuple[Any, str]]]
CHOICES: dict[str, Provider] = {}
#: Why a value is not offered, per provider (the message beside the field).
Explainer = Callable[[Session, Any], str | None]
EXPLAIN: dict[str, Explainer] = {}
NOT_OFFERED = "所选项不在您可选择的范围内。"
_OFFERED = object()


def choice(name: str) -> Callable[[Provider], Provider]:
    """Register a provider of choices under ``name``."""

    def register(func: Provider) -> Provider:
        CHOICES[name] = func
        return func

    return register


@choice("publishable_accounts")
def publishable_accounts(session: Session, username: str) -> list[tuple[Any, str]]:
    """Accounts the user may publish to: tier 1 for the General Office (第五条), tier 2 of
    the user's department, tier 3 held or operated by the user."""
    user, roles = session.get(User, username), roles_of(session, username)
    mine = []
    for account in active(session, (1, 2, 3)):
        if (account.tier == 1 and "general_office" in roles
                or account.tier == 2 and user and account.department_id == user.department_id
                or account.tier == 3 and username in (account.holder, account.operator)):
            mine.append((account.id, f"{account.account_name}（{account.platform_type}，{TIERS[account.tier]}）"))
    return mine


def _why_not_account(session: Session, value: Any) -> str | None:
    account = session.get(Account, value) if isinstance(value, int) else None
    if account is None:
        return f"账号不存在: {value}"
    if account.status != "registered":
        return (f"账号「{account.account_name}」当前状态为「{STATUSES[account.status]}」，"
                "不能发布信息。")
    owner = {1: "党政综合办公室", 2: "主办科室的职工", 3: "其开设人或运营者"}[account.tier]
    return f"{TIERS[account.tier]}「{account.account_name}」只能由{owner}发布信息（第五条）。"


EXPLAIN["publishable_accounts"] = _why_not_account


@choice("experts")
def experts(session: Session, username: str) -> list[tuple[Any, str]]:
    """Holders of the expert role, with their departments."""
    rows = session.execute(select(User.username, User.display_name, Department.name)
                           .join(RoleHolding, RoleHolding.username == User.username)
                           .outerjoin(Department, Department.id == User.department_id)
                           .where(RoleHolding.role == "expert").order_by(User.username))
    return [(u, f"{name}（{dept or ''}）") for u, name, dept in rows]


EXPLAIN["experts"] = lambda session, value: f"{value} 不具有角色「专家」，不能被选为评议专家。"


def with_choices(schema: dict | None, session: Session, username: str) -> dict | None:
    """Return ``schema`` with every ``ui.choices`` field's options filled in for drawing."""
    if not schema or not any((p.get("ui") or {}).get("choices") for p in schema.get("properties", {}).values()):
        return schema
    drawn = copy.deepcopy(schema)
    for spec in drawn["properties"].values():
        name = (spec.get("ui") or {}).get("choices")
        if name in CHOICES:
            options = CHOICES[name](session, username)
            target = spec["items"] if spec.get("type") == "array" else spec
            target["enum"] = [value for value, _label in options]
            target["enumNames"] = [label for _value, label in options]
            spec["ui"]["widget"] = "checkboxes" if spec.get("type") == "array" else "select"
    return drawn


def check_choices(schema: dict | None, data: dict, session: Session, username: str) -> None:
    """Refuse ``data`` whose ``ui.choices`` fields hold a value not offered to ``username``.

    The select drawn in the browser is no guard: a value posted to the API (a tier-1
    account only the General Office may use, 第五条) is checked here, on the server.
    """
    errors = {}
    for name, spec in ((schema or {}).get("properties") or {}).items():
        provider = (spec.get("ui") or {}).get("choices")
        if not provider or data.get(name) in (None, "", []):
            continue
        bad = _not_offered(provider, data[name], session, username)
        if bad is not _OFFERED:
            errors[name] = [_explain(provider, bad, session)]
    if errors:
        first = next(iter(errors.values()))[0]
        raise Invalid(first if len(errors) == 1 else "表单校验未通过，请修改标出的字段。", errors)


def _explain(provider: str, value: Any, session: Session) -> str:
    explain = EXPLAIN.get(provider)
    return (explain(session, value) if explain else None) or NOT_OFFERED


def _not_offered(provider: str, value: Any, session: Session, username: str) -> Any:
    """Return the first value (or item of a list) ``provider`` does not offer, else ``_OFFERED``."""
    offered = ({choice for choice, _label in CHOICES[provider](session, username)}
               if provider in CHOICES else set())  # an unknown source offers nothing
    values = value if isinstance(value, list) else [value]
    return next((v for v in values if v not in offered), _OFFERED)
