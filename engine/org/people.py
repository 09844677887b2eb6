"""Users as the front ends see them: name, department, roles."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.run.assignment import ROLE_TITLES, roles_of
from engine.store.schema import Department, RoleHolding, SignIn, User

_USERS, _DEPTS = User.__table__.c, Department.__table__.c
_SIGN_INS, _HOLDINGS = SignIn.__table__.c, RoleHolding.__table__.c
#: every request signs in: the sign-in, its active user, department and roles in one query
SIGNED_IN_PERSON = (
    select(_USERS.username, _USERS.display_name, _USERS.department_id, _DEPTS.name,
           _HOLDINGS.role)
    .select_from(SignIn.__table__.join(User.__table__, _USERS.username == _SIGN_INS.username)
                 .outerjoin(Department.__table__, _DEPTS.id == _USERS.department_id)
                 .outerjoin(RoleHolding.__table__, _HOLDINGS.username == _USERS.username))
    .where(_SIGN_INS.id == bindparam("sid"), _SIGN_INS.username == bindparam("username"),
           _SIGN_INS.ended_at.is_(None), _USERS.active.is_(True)))


def person(session: Session, username: str) -> dict[str, Any] | None:
    """Return an active user's name, department and roles, or None."""
    user = session.get(User, username)
    if user is None or not user.active:
        return None
    department = session.get(Department, user.department_id) if user.department_id else None
    roles = sorted(roles_of(session, username))
    return {"username": user.username, "display_name": user.display_name,
            "department_id": user.department_id,
            "department": department.name if department else None,
            "roles": roles, "role_titles": [ROLE_TITLES.get(r, r) for r in roles]}


def signed_in_person(session: Session, sid: str | None, username: str) -> dict[str, Any] | None:
    """Return :func:`person` of ``username`` if ``sid`` is their sign-in and has not ended."""
    if not sid:
        return None
    rows = session.execute(SIGNED_IN_PERSON, {"sid": sid, "username": username}).all()
    if not rows:
        return None
    name, display, department_id, department, _ = rows[0]
    roles = sorted({r[4] for r in rows if r[4] is not None})
    return {"username": name, "display_name": display, "department_id": department_id,
            "department": department, "roles": roles,
            "role_titles": [ROLE_TITLES.get(r, r) for r in roles]}


def display_names(session: Session, usernames: set[str]) -> dict[str, str]:
    """Return ``{username: display name}`` for the given users."""
    if not usernames:
        return {}
    rows = session.execute(select(User.username, User.display_name)
                           .where(User.username.in_(usernames)))
    return {name: display for name, display in rows}


def departments(session: Session) -> list[dict[str, Any]]:
    """Return every department as ``{id, name}``, by name."""
    rows = session.execute(select(Department.id, Department.name).order_by(Department.name))
    return [{"id": i, "name": n} for i, n in rows]
