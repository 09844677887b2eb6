"""The organisation's tables: departments, branches, people, roles and who holds them, sign-ins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.declarative import Base


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    head: Mapped[str | None] = mapped_column(String(64))


class PartyBranch(Base):
    __tablename__ = "party_branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    head: Mapped[str | None] = mapped_column(String(64))


class User(Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("party_branches.id"))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RoleHolding(Base):
    __tablename__ = "role_holdings"

    username: Mapped[str] = mapped_column(ForeignKey("users.username"), primary_key=True)
    role: Mapped[str] = mapped_column(String(64), primary_key=True)


class Role(Base):
    """A role of the organisation: who a lane names, or who may read or administer.

    ``kind`` is ``person`` (resolved per item by a registered resolver), ``pool``
    (a shared queue any holder claims from) or ``other`` (held for permissions,
    never named by a lane).  Imported with the organisation file.
    """

    __tablename__ = "roles"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))


class OrgSetting(Base):
    """One setting of the organisation (its name, its short names), as JSON."""

    __tablename__ = "org_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class SignIn(Base):
    """One signed-in session (page cookie and API token share it); ended at sign-out."""

    __tablename__ = "sign_ins"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    remote: Mapped[str | None] = mapped_column(String(64))


class LoginAttempt(Base):
    """One sign-in attempt; repeated failures lock the name for a while."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_user_at", "username", "at"),
                      Index("ix_login_attempts_user_remote_at", "username", "remote", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    success: Mapped[bool] = mapped_column(Boolean)
    remote: Mapped[str | None] = mapped_column(String(64))
