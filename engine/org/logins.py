"""Signing in: password check with a progressive delay and a lockout per user and client.

Every attempt is recorded in ``login_attempts``.  Failures count per user name
*and* client address, so nobody can lock a colleague out from their own
machine by guessing from elsewhere (OWASP ASVS 2.2.1).  After ``free_failures``
failures the next attempt waits 2, 4, … seconds after the last one; after
``max_failures`` within ``window`` the pair is locked until the oldest ages out.

An attempt is *reserved* (recorded as a failure) in a short transaction that
first takes a lock on the pair — an advisory lock on PostgreSQL, ``BEGIN
IMMEDIATE`` on SQLite — so 40 parallel guesses check at most ``max_failures``
passwords.  The password hash is computed after that transaction, outside the
write lock, and a success then marks its row.  Unknown names hash a dummy
password, so they answer in the same time as known ones.
"""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from engine.base.errors import Refused
from engine.org.passwords import check_password, hash_password
from engine.store.persistence import Database
from engine.store.schema import LoginAttempt, SignIn, User

_DUMMY_HASH = hash_password("shenfa-dummy-password")  # same cost as real hashes


class Locked(Refused):
    """Too many failed attempts: sign-in is refused for a while."""

    status = 429


@dataclass(frozen=True)
class Policy:
    """How many failures, within which window, lock a name for one client."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    free_failures: int = 2  # failures allowed before the progressive delay starts


class Busy(Locked):
    """Too many sign-ins are being checked at once: try again in a moment."""


# Password hashing is deliberately slow; a few at a time leave the server's threads and
# cores to everyone else, and a flood is answered "busy" at once instead of queueing.
_HASHING = threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) // 2))
HASH_WAIT = 0.25  # seconds a sign-in waits for a free hashing slot, then answers "busy"


def authenticate(db: Database, username: str, password: str, now: datetime,
                 remote: str | None = None, policy: Policy = Policy()) -> bool:
    """Return True when the password is right; record the attempt; raise Locked when locked."""
    if not _HASHING.acquire(timeout=HASH_WAIT):
        raise Busy("登录请求过多，请稍后再试。")
    try:
        attempt = reserve(db, username, remote, now, policy)
        ok = password_matches(db, username, password)
    finally:
        _HASHING.release()
    if ok:
        with db.transaction() as session:
            session.execute(update(LoginAttempt).where(LoginAttempt.id == attempt)
                            .values(success=True))
    return ok


def reserve(db: Database, username: str, remote: str | None, now: datetime,
            policy: Policy) -> int:
    """Record an attempt as a failure unless the pair must wait; return its id."""
    with db.transaction() as session:
        _lock_pair(session, username, remote)
        wait = wait_seconds(session, username, remote, now, policy)
        if wait:
            raise Locked(f"登录失败次数过多，请 {_as_text(wait)}后再试。")
        row = LoginAttempt(username=username[:64], at=now, success=False, remote=_client(remote))
        session.add(row)
        session.flush()
        return row.id


def password_matches(db: Database, username: str, password: str) -> bool:
    """Return True when ``password`` is the active user's; hash a dummy for unknown names."""
    with db.reading() as session:
        user = session.get(User, username)
        stored = user.password_hash if user is not None and user.active else None
    matches = check_password(stored or _DUMMY_HASH, password)
    return bool(stored) and matches


def wait_seconds(session: Session, username: str, remote: str | None, now: datetime,
                 policy: Policy) -> float:
    """Return how many seconds the pair must wait before its next attempt, or 0."""
    failures = recent_failures(session, username, remote, now - policy.window)
    if len(failures) >= policy.max_failures:
        oldest = _aware(failures[policy.max_failures - 1], now)
        return max(0.0, (oldest + policy.window - now).total_seconds())
    if len(failures) <= policy.free_failures:
        return 0.0
    delay = 2 ** (len(failures) - policy.free_failures)
    return max(0.0, (_aware(failures[0], now) + timedelta(seconds=delay) - now).total_seconds())


def recent_failures(session: Session, username: str, remote: str | None,
                    since: datetime) -> list[datetime]:
    """Return the times of the pair's failures since its last success after ``since``, newest first."""
    rows = session.execute(
        select(LoginAttempt.at, LoginAttempt.success)
        .where(LoginAttempt.username == username[:64], LoginAttempt.at >= since,
               _same_client(remote))
        .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc()).limit(50)).all()
    failures = []
    for at, success in rows:
        if success:
            break
        failures.append(at)
    return failures


def _lock_pair(session: Session, username: str, remote: str | None) -> None:
    # On SQLite the transaction began IMMEDIATE: it is already the only writer.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                        {"key": f"login|{username[:64]}|{_client(remote) or ''}"})


def _same_client(remote: str | None):
    client = _client(remote)
    return LoginAttempt.remote.is_(None) if client is None else LoginAttempt.remote == client


def _client(remote: str | None) -> str | None:
    return remote[:64] if remote else None


def _as_text(seconds: float) -> str:
    if seconds <= 90:
        return f"{max(1, int(-(-seconds // 1)))} 秒"
    return f"{int(-(-seconds // 60))} 分钟"


def _aware(value: datetime, like: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns.
    return value.replace(tzinfo=like.tzinfo) if value.tzinfo is None else value


# -- sign-ins: ended on the server at sign-out ------------------------------

def open_sign_in(db: Database, username: str, now: datetime, remote: str | None = None) -> str:
    """Record a new sign-in for ``username``; return its secret id."""
    sid = secrets.token_urlsafe(32)
    with db.transaction() as session:
        session.add(SignIn(id=sid, username=username, started_at=now, remote=_client(remote)))
    return sid


def sign_in_active(session: Session, sid: str | None, username: str) -> bool:
    """Return True when ``sid`` is ``username``'s sign-in and has not ended."""
    if not sid:
        return False
    row = session.get(SignIn, sid)
    return row is not None and row.username == username and row.ended_at is None


def end_sign_in(db: Database, sid: str | None, now: datetime) -> None:
    """End sign-in ``sid``: its page session and its API token stop working at once."""
    if not sid:
        return
    with db.transaction() as session:
        session.execute(update(SignIn).where(SignIn.id == sid, SignIn.ended_at.is_(None))
                        .values(ended_at=now))
