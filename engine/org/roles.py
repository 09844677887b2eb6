"""The organisation's roles: data imported with the organisation, not constants.

Each role has a code (what a lane names: ``宣传科 (publicity_office)``), a
Chinese title and a kind: ``person`` roles resolve to one user per item through
a resolver registered in code (:func:`engine.run.assignment.resolver`), ``pool``
roles go to a shared queue, ``other`` roles are held for permissions only.
The ``roles`` table holds them (migration 1310 seeds the roles the product
started with); ``roles:`` in the organisation file adds or retitles roles.

:data:`CATALOG` is the catalogue of the database this process works on: it is
loaded when an engine is built and after each organisation import, and filled
in place, so a reader holding :data:`CATALOG.titles` always sees the current
titles.  Until a database is loaded it holds the seeded roles, so a model can
be checked without a database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from engine.store.schema import Role

KINDS = {"person": "按事项确定的个人", "pool": "岗位（共享待办）", "other": "权限角色"}
CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

#: The roles a database starts with (migration 1310 seeds the same list).
SEEDED = (
    ("initiator", "发起人", "person"), ("department_head", "科室负责人", "person"),
    ("party_branch_head", "支部负责人", "person"), ("account_operator", "账号运营者", "person"),
    ("general_office", "党政综合办公室", "pool"), ("functional_dept", "相关职能科室", "pool"),
    ("medical_affairs", "医务科", "pool"), ("publicity_leader", "宣传分管领导", "pool"),
    ("party_secretary", "党委书记", "pool"), ("expert", "专家", "pool"),
    ("discipline_inspection", "纪检监察室", "pool"),
    ("party_building_office", "党建工作办公室", "pool"), ("patient_relations", "医患办", "pool"),
    ("it_office", "信息科", "pool"), ("staff", "职工", "other"), ("auditor", "审计", "other"),
    ("process_designer", "流程设计", "other"), ("admin", "系统管理员", "other"),
)


@dataclass
class RoleCatalog:
    """Every role of the organisation: titles by code, and the codes of each kind."""

    titles: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in KINDS})

    def fill(self, rows: list[tuple[str, str, str]]) -> None:
        """Replace the catalogue's content in place by ``(code, title, kind)`` rows."""
        self.titles.clear()
        for members in self.kinds.values():
            members.clear()
        for code, title, kind in rows:
            self.titles[code] = title
            self.kinds.setdefault(kind, set()).add(code)

    def title(self, code: str) -> str:
        """Return the Chinese title of ``code`` (the code itself when unknown)."""
        return self.titles.get(code, code)

    def kind(self, code: str) -> str | None:
        """Return the kind of ``code``, or None for an unknown role."""
        return next((k for k, members in self.kinds.items() if code in members), None)


CATALOG = RoleCatalog()
CATALOG.fill(list(SEEDED))


def rows(session: Session) -> list[tuple[str, str, str]]:
    """Return the database's roles as ``(code, title, kind)``."""
    return [(r.code, r.title, r.kind) for r in session.scalars(select(Role).order_by(Role.code))]


def load(session: Session) -> RoleCatalog:
    """Fill :data:`CATALOG` from the database (left as it is before migration 1310)."""
    if inspect(session.connection()).has_table("roles"):
        CATALOG.fill(rows(session))
    return CATALOG


class RoleError(ValueError):
    """Raised for a role entry of an organisation file that cannot be imported."""


def upsert(session: Session, entries: list[dict]) -> int:
    """Add or retitle the roles of an organisation file; return how many it names."""
    for entry in entries:
        code, title, kind = _checked(entry)
        row = session.get(Role, code)
        if row is None and kind == "person":
            raise RoleError(f"角色 {code}: 按事项确定的个人角色由程序提供，文件只能为其改名")
        if row is None:
            session.add(Role(code=code, title=title, kind=kind or "pool"))
        elif kind not in (None, row.kind):
            raise RoleError(f"角色 {code} 已是「{KINDS[row.kind]}」，不能改为「{KINDS[kind]}」")
        else:
            row.title = title
    session.flush()
    return len(entries)


def _checked(entry: object) -> tuple[str, str, str | None]:
    if not isinstance(entry, dict):
        raise RoleError("roles 的每一项须为 {code, title, kind} 映射")
    code, title = str(entry.get("code") or ""), str(entry.get("title") or "").strip()
    kind = entry.get("kind")
    if not CODE.match(code):
        raise RoleError(f"角色代码「{code}」须为小写字母、数字和下划线 (e.g. publicity_office)")
    if not title:
        raise RoleError(f"角色 {code} 没有中文名称 (title)")
    if kind is not None and kind not in KINDS:
        raise RoleError(f"角色 {code} 的类型须为 pool（岗位）或 other（权限角色）")
    return code, title, kind
