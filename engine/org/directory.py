"""The organisation: departments (科室), party branches, users and their roles.

Imported from a YAML or JSON file (``shenfa org import FILE``)::

    institution: {name: 绍兴市中医院, short_names: [绍兴市中医院, 中医院]}
    roles: [{code: publicity_office, title: 宣传科, kind: pool}]
    departments: [{name: 心血管内科, head: lina}]
    party_branches: [{name: 内科第一党支部, head: wangfang}]
    users:
      - {username: zhangwei, name: 张伟, department: 心血管内科,
         branch: 内科第一党支部, roles: [staff]}

Importing is an upsert: running the same file twice changes nothing.  Roles
(:mod:`engine.org.roles`) and the institution (:mod:`engine.org.institution`)
are organisation data: a second institution brings its own file, no code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.base.errors import Refused
from engine.base.text import bad_character
from engine.org import institution, passwords, roles
from engine.org.passwords import hash_password
from engine.run.assignment import OTHER_ROLES, known_roles
from engine.store.schema import Department, PartyBranch, RoleHolding, User

DEMO_FILE = Path(__file__).resolve().parent.parent / "demo" / "demo_org.yaml"


class OrgError(ValueError):
    """Raised for an organisation file that cannot be imported as it is."""


def read_org_file(path: Path) -> dict[str, Any]:
    """Parse an organisation file (YAML or JSON) into a mapping."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict):
        raise OrgError(f"{path.name}: 组织文件必须是一个映射 (mapping expected)")
    return data


def import_org(session: Session, data: dict[str, Any], password: str | None = None) -> dict:
    """Upsert departments, branches and users from ``data``; return counts."""
    _check_text(data, "")
    _import_org_data(session, data)
    _check_roles(data)
    departments = {d["name"]: _upsert(session, Department, d["name"]) for d in
                   data.get("departments", [])}
    branches = {b["name"]: _upsert(session, PartyBranch, b["name"]) for b in
                data.get("party_branches", [])}
    session.flush()
    for entry in data.get("users", []):
        _import_user(session, entry, departments, branches, password)
    for item, model in ((data.get("departments", []), departments),
                        (data.get("party_branches", []), branches)):
        for d in item:
            model[d["name"]].head = d.get("head")
    session.flush()
    load(session)
    return {"departments": len(departments), "party_branches": len(branches),
            "users": len(data.get("users", []))}


def _import_org_data(session: Session, data: dict[str, Any]) -> None:
    """Import the file's roles and institution first: its users may hold the new roles."""
    try:
        if "institution" in data:
            institution.store(session, data["institution"])
        roles.upsert(session, data.get("roles") or [])
    except (roles.RoleError, Refused) as err:
        raise OrgError(str(err) if isinstance(err, roles.RoleError) else err.message) from None


def load(session: Session) -> None:
    """Load the database's roles and institution into this process (engine start, import)."""
    roles.load(session)
    institution.load(session)


def _check_text(node: Any, where: str) -> None:
    """Refuse control characters in any name, title or address of the file."""
    if isinstance(node, dict):
        for key, value in node.items():
            _check_text(key, where)
            _check_text(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_text(value, f"{where}[{i}]")
    elif isinstance(node, str) and (bad := bad_character(node)) is not None:
        raise OrgError(f"{where}: 不能包含换行符或其他控制字符 (U+{ord(bad):04X})")


def _check_roles(data: dict[str, Any]) -> None:
    declared = {entry["code"] for entry in data.get("roles") or []}
    allowed = known_roles() | OTHER_ROLES | declared
    for entry in data.get("users", []):
        unknown = set(entry.get("roles", [])) - allowed
        if unknown:
            raise OrgError(f"用户 {entry.get('username')} 的角色未知: {sorted(unknown)}")


def _upsert(session: Session, model, name: str):
    row = session.scalar(select(model).where(model.name == name))
    if row is None:
        row = model(name=name)
        session.add(row)
    return row


def _import_user(session, entry, departments, branches, password) -> None:
    username = entry["username"]
    user = session.get(User, username) or User(username=username)
    user.display_name = entry.get("name", username)
    user.email = entry.get("email")
    user.department_id = _ref(departments, entry.get("department"), username).id \
        if entry.get("department") else None
    user.branch_id = _ref(branches, entry.get("branch"), username).id \
        if entry.get("branch") else None
    if password is not None and user.password_hash is None:
        user.password_hash = hash_password(password)
    session.add(user)
    session.flush()
    session.execute(delete(RoleHolding).where(RoleHolding.username == username))
    for role in sorted(set(entry.get("roles", []))):
        session.add(RoleHolding(username=username, role=role))


def _ref(rows: dict, name: str, username: str):
    if name not in rows:
        raise OrgError(f"用户 {username} 引用了不存在的单位: {name}")
    return rows[name]


def set_password(session: Session, username: str, password: str) -> None:
    """Store a new password hash for ``username``."""
    user = session.get(User, username)
    if user is None:
        raise OrgError(f"用户不存在: {username}")
    user.password_hash = hash_password(password)


def check_password(session: Session, username: str, password: str) -> bool:
    """Return True when ``password`` is ``username``'s password."""
    user = session.get(User, username)
    return bool(user and user.active and user.password_hash
                and passwords.check_password(user.password_hash, password))
