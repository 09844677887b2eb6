"""Users as the front ends see them: name, department, roles."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.run.assignment import ROLE_TITLES, roles_of
from engine.store.schema import Department, User


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
