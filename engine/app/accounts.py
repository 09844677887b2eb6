"""The accounts service: signing in and out, and who a sign-in belongs to.

A sign-in is a row on the server (:mod:`engine.org.logins`): the page session and the
API token both carry its id, so ending it ends both.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine.audit.chain import log_operation
from engine.org import logins, people
from engine.org.logins import Locked, Policy
from engine.run.runtime import Engine

__all__ = ["Locked", "Policy", "check_password", "end_sign_in", "log", "open_sign_in",
           "signed_in", "signed_in_person"]


def check_password(engine: Engine, username: str, password: str, remote: str | None,
                   policy: Policy) -> bool:
    """Check a password and log the attempt; raise Locked (logged) after repeated failures."""
    try:
        ok = logins.authenticate(engine.db, username, password, engine.clock.now(), remote, policy)
    except Locked:
        log(engine, "login_refused", username, remote)
        raise
    log(engine, "user_logged_in" if ok else "login_failed", username, remote)
    return ok


def log(engine: Engine, kind: str, username: str | None, remote: str | None) -> None:
    """Write a sign-in event to the operations log (in a transaction of its own)."""
    with engine.db.transaction() as session:
        log_operation(session, kind, username or None, engine.clock.now(), ip=remote)


def open_sign_in(engine: Engine, username: str, remote: str | None) -> str:
    """Record a new sign-in for ``username``; return its secret id."""
    return logins.open_sign_in(engine.db, username, engine.clock.now(), remote)


def end_sign_in(engine: Engine, sid: str | None) -> None:
    """End sign-in ``sid``: its page session and its API token stop working at once."""
    logins.end_sign_in(engine.db, sid, engine.clock.now())


def signed_in(session: Session, sid: str | None, username: str) -> bool:
    """Tell whether ``sid`` is ``username``'s sign-in and has not ended."""
    return logins.sign_in_active(session, sid, username)


def signed_in_person(session: Session, sid: str | None, username: str) -> dict[str, Any] | None:
    """Return the active person ``username`` of a sign-in that has not ended, or None."""
    return people.signed_in_person(session, sid, username)  # one query: every request asks


