"""The institution the product serves: its name and the short names it goes by.

Organisation data, not code: ``institution:`` in the organisation file
(``{name: 绍兴市中医院, short_names: [绍兴市中医院, 中医院]}``) sets it, and the
``org_settings`` table keeps it (migration 1310 seeds the first hospital's).
The printed records and the sign-in page show its name; the short names are
the words a person may not use in an account's name (第六条).

:data:`CURRENT` is the institution of the database this process works on,
loaded with the roles (:func:`load`) and filled in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from engine.base.errors import Refused
from engine.store.schema import OrgSetting


@dataclass
class Institution:
    """The institution's name and short names."""

    name: str = ""
    short_names: list[str] = field(default_factory=list)


CURRENT = Institution()


def read(session: Session) -> Institution:
    """Return the institution stored in the database."""
    values = {key: value for key, value in session.execute(select(OrgSetting.key, OrgSetting.value))}
    name = values.get("institution_name") or ""
    short = values.get("institution_short_names") or []
    return Institution(name, [s for s in short if isinstance(s, str) and s])


def load(session: Session) -> Institution:
    """Fill :data:`CURRENT` from the database (left as it is before migration 1310)."""
    if inspect(session.connection()).has_table("org_settings"):
        stored = read(session)
        CURRENT.name, CURRENT.short_names = stored.name, stored.short_names
    return CURRENT


def store(session: Session, data: Any) -> None:
    """Keep the ``institution:`` section of an organisation file."""
    if not isinstance(data, dict) or not str(data.get("name") or "").strip():
        raise Refused("institution 须为 {name, short_names} 映射，且须有名称 (name)")
    name = str(data["name"]).strip()
    short = data.get("short_names") or [name]
    if not isinstance(short, list) or not all(isinstance(s, str) and s.strip() for s in short):
        raise Refused("institution.short_names 须为非空名称的列表")
    _put(session, "institution_name", name)
    _put(session, "institution_short_names", [s.strip() for s in short])


def _put(session: Session, key: str, value: Any) -> None:
    row = session.get(OrgSetting, key)
    if row is None:
        session.add(OrgSetting(key=key, value=value))
    else:
        row.value = value
