"""The engine as the web layer reaches it: one Engine per app, one session per call.

Pages and API views hand the session to the application services (``engine.app``) and
never look inside it: the web imports neither SQLAlchemy nor the tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any

from flask import current_app, g, has_request_context, request

from engine.app.setup import BlobStore, Engine


def engine() -> Engine:
    """Return the application's engine."""
    return current_app.extensions["shenfa"]


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes(view: Callable) -> Callable:
    """Mark a GET route that writes on purpose (opening a notification marks it read)."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.shenfa_writes = True
        return view(*args, **kwargs)
    wrapper.shenfa_writes = True  # type: ignore[attr-defined]  # seen by the tests' route sweep
    return wrapper


def read_request() -> bool:
    """Tell whether the current request only reads: GET/HEAD not marked ``@writes``."""
    return (has_request_context() and request.method in READ_METHODS
            and not g.get("shenfa_writes", False))


@contextmanager
def transaction() -> Iterator[Any]:
    """Yield the request's session: read-only for reads, else a write transaction (all or nothing).

    The request's method decides, in this one place, so no GET page or API read ever waits
    for SQLite's write lock behind sign-ins and completions; a read session refuses writes.
    """
    if read_request():
        with reading() as session:
            yield session
        return
    with engine().db.transaction() as session:
        yield session


@contextmanager
def reading() -> Iterator[Any]:
    """Yield a session for reads only: on SQLite it never waits for the write lock."""
    with engine().db.reading() as session:
        yield session


def now():
    return engine().clock.now()


def blobs() -> BlobStore:
    return BlobStore(Path(current_app.config["BLOB_DIR"]))


def roles() -> frozenset[str]:
    """Return the signed-in user's roles (none for a visitor), for the policy to judge."""
    from flask_login import current_user

    if not current_user.is_authenticated:
        return frozenset()
    return frozenset(current_user.info["roles"])


def require(rule: Callable[[frozenset[str]], bool], message: str = "您无权访问此页面。") -> None:
    """Abort with 403 unless ``rule`` of :mod:`engine.org.policy` allows the signed-in user."""
    from flask import abort

    if not rule(roles()):
        abort(403, message)


def grants():
    """Return what the signed-in user may do under the policy (menus and pages read it)."""
    from engine.org.policy import grants as grants_of

    return grants_of(roles())
