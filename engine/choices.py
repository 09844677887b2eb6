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

from .accounts import active
from .assignment import roles_of
from .schema import Department, RoleHolding, User

TIERS = {1: "一级平台", 2: "二级平台", 3: "三级平台"}
Provider = Callable[[Session, str], list[tuple[Any, str]]]
CHOICES: dict[str, Provider] = {}


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


@choice("experts")
def experts(session: Session, username: str) -> list[tuple[Any, str]]:
    """Holders of the expert role, with their departments."""
    rows = session.execute(select(User.username, User.display_name, Department.name)
                           .join(RoleHolding, RoleHolding.username == User.username)
                           .outerjoin(Department, Department.id == User.department_id)
                           .where(RoleHolding.role == "expert").order_by(User.username))
    return [(u, f"{name}（{dept or ''}）") for u, name, dept in rows]


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
