"""The registry's tables: key dates, platform accounts, commendation bans."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.declarative import Base


class KeyDate(Base):
    """A key date (重要时间节点) of the General Office's calendar: one day or a range."""

    __tablename__ = "key_dates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    start: Mapped[str] = mapped_column(String(10))
    end: Mapped[str] = mapped_column(String(10))


class Account(Base):
    """A registered new-media platform account (第五、六条; 附件1)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    tier: Mapped[int] = mapped_column(Integer)
    platform_type: Mapped[str] = mapped_column(String(20))
    platform_other: Mapped[str | None] = mapped_column(String(100))
    platform_name: Mapped[str] = mapped_column(String(200))
    account_name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    holder: Mapped[str | None] = mapped_column(ForeignKey("users.username"))
    operator: Mapped[str] = mapped_column(ForeignKey("users.username"))
    supervisors: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"))
    created_at: Mapped[datetime]
    status_changed_at: Mapped[datetime]


class CommendationBan(Base):
    """Loss of a year's commendation eligibility ordered under 第十六条."""

    __tablename__ = "commendation_bans"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    subject_type: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"))
    reason: Mapped[str] = mapped_column(Text)
    ordered_at: Mapped[datetime]
