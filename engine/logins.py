"""Signing in: password check with a lockout after repeated failures.

Every attempt is recorded in ``login_attempts``.  After ``max_failures``
failures within ``window`` the name is locked until the oldest of them ages
out, whatever password is tried, so guessing gets nowhere fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import Refused
from .org import check_password
from .schema import LoginAttempt


class Locked(Refused):
    """Too many failed attempts: sign-in is refused for a while."""

    status = 429


@dataclass(frozen=True)
class Policy:
    """How many failures, within which window, lock a name."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)


def authenticate(session: Session, username: str, password: str, now: datetime,
                 remote: str | None = None, policy: Policy = Policy()) -> bool:
    """Return True when the password is right; record the attempt; raise Locked when locked."""
    wait = locked_for(session, username, now, policy)
    if wait:
        raise Locked(f"登录失败次数过多，请 {wait} 分钟后再试。")
    ok = check_password(session, username, password)
    session.add(LoginAttempt(username=username[:64], at=now, success=ok, remote=remote))
    return ok


def locked_for(session: Session, username: str, now: datetime, policy: Policy) -> int:
    """Return the minutes (rounded up) ``username`` stays locked, or 0."""
    failures = recent_failures(session, username, now - policy.window)
    if len(failures) < policy.max_failures:
        return 0
    oldest = failures[policy.max_failures - 1]
    remaining = (_aware(oldest, now) + policy.window - now).total_seconds()
    return max(1, int(-(-remaining // 60))) if remaining > 0 else 0


def recent_failures(session: Session, username: str, since: datetime) -> list[datetime]:
    """Return the times of failures since the last success after ``since``, newest first."""
    rows = session.execute(
        select(LoginAttempt.at, LoginAttempt.success)
        .where(LoginAttempt.username == username, LoginAttempt.at >= since)
        .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc()).limit(50)).all()
    failures = []
    for at, success in rows:
        if success:
            break
        failures.append(at)
    return failures


def _aware(value: datetime, like: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns.
    return value.replace(tzinfo=like.tzinfo) if value.tzinfo is None else value
