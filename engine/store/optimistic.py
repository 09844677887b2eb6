"""Steps that run their model before they take the write lock.

SQLite has one write lock for the whole database.  A step used to take it
(``BEGIN IMMEDIATE``) before running the workflow, so one slow model made
every other user wait — sign-in included.  Now a step's transaction begins
*deferred*: it reads the instance and runs the workflow on a read snapshot,
and takes the lock only at its first write, after the model has run (under
the budget of :mod:`engine.budget`).  If another writer committed meanwhile,
SQLite refuses the stale snapshot; the step is run once more from fresh
state, this time taking the lock at BEGIN so that it cannot go stale again
(a hostile model never gets that far: the budget refuses it before its first
write).  On PostgreSQL the instance row lock and the
revision check do the same work.

A start needs its instance row before the model runs (helpers read it), so
the row is reserved first in a short transaction (status ``starting``) and
removed again if the start fails: a refused start leaves no item behind.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from datetime import datetime
from functools import wraps
from typing import Any

from sqlalchemy import Connection, Engine, delete, update
from sqlalchemy.exc import OperationalError

from engine.base.errors import Conflict
from engine.store.schema import Instance

INSTANCES = Instance.__table__
#: SQLite's answers to a deferred transaction that cannot write from its snapshot:
#: another writer holds the lock (SQLITE_BUSY, returned at once: waiting could not help,
#: the snapshot would be stale after) or committed since the snapshot (SQLITE_BUSY_SNAPSHOT).
SQLITE_BUSY_CODES = {5, 517}


#: Set while an operation is retried: its transaction takes the write lock at BEGIN.
_LOCK_FIRST: ContextVar[bool] = ContextVar("shenfa_lock_first", default=False)
#: Set for a transaction whose commit need not survive a crash on its own (see :func:`undurable`).
_UNDURABLE: ContextVar[bool] = ContextVar("shenfa_undurable", default=False)


class Stale(Exception):
    """The step read a state that another writer changed before this step could write."""


@contextmanager
def begin(engine: Engine, deferred: bool) -> Iterator[Connection]:
    """Begin a transaction; ``deferred`` ones take SQLite's write lock at their first write."""
    with engine.connect() as conn:
        if deferred and not _LOCK_FIRST.get():
            conn = conn.execution_options(shenfa_deferred=True)  # plain BEGIN, see persistence
        with _sync_off(conn) if _UNDURABLE.get() else nullcontext(), conn.begin():
            if _UNDURABLE.get() and conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            yield conn


@contextmanager
def undurable() -> Iterator[None]:
    """Commit the transactions begun in the block without waiting for the disk.

    For a start's reserved row only: it matters only together with the start's
    own step, whose durable commit comes next and carries it to the disk (SQLite
    WAL syncs every earlier frame with it; PostgreSQL flushes its log in order).
    A crash in between loses the reservation, which is what a failed start undoes
    anyway.  One fsync less per started item.
    """
    token = _UNDURABLE.set(True)
    try:
        yield
    finally:
        _UNDURABLE.reset(token)


@contextmanager
def _sync_off(conn: Connection) -> Iterator[None]:
    """Run SQLite's next commit on ``conn`` with ``synchronous=NORMAL``, then back to FULL."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.dbapi_connection  # outside any transaction: the pragma may change
    raw.execute("PRAGMA synchronous=NORMAL")  # type: ignore[union-attr]
    try:
        yield
    finally:
        raw.execute("PRAGMA synchronous=FULL")  # type: ignore[union-attr]


def is_stale(err: BaseException) -> bool:
    """Tell whether ``err`` is SQLite refusing to write from a stale snapshot."""
    orig = getattr(err, "orig", None)
    return isinstance(err, OperationalError) and isinstance(orig, sqlite3.OperationalError) \
        and getattr(orig, "sqlite_errorcode", None) in SQLITE_BUSY_CODES


def optimistic(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run an engine operation; on a stale read run it once more, then answer 409."""

    @wraps(method)
    def wrapper(engine: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(engine, *args, **kwargs)
        except Stale:
            pass
        token = _LOCK_FIRST.set(True)  # the retry cannot go stale: it takes the lock first
        try:
            return method(engine, *args, **kwargs)
        except Stale:
            raise Conflict("事项已被他人同时修改，请刷新后重试。") from None
        finally:
            _LOCK_FIRST.reset(token)

    return wrapper


class ReservedStarts:
    """Engine methods that reserve a new item's row before its first step runs."""

    def _reserve(self, version, username: str, data: dict, department_id: int | None,
                 now: datetime) -> dict[str, Any]:
        """Insert the item's row (status ``starting``) in a short transaction of its own."""
        with undurable(), self.transaction() as conn:  # type: ignore[attr-defined]
            user = self._user(conn, username)  # type: ignore[attr-defined]
            inst = self.new_instance(conn, version, username, data,  # type: ignore[attr-defined]
                                      department_id or user["department_id"], now)
            conn.execute(update(INSTANCES).where(INSTANCES.c.id == inst["id"])
                         .values(status="starting"))
        return inst

    @contextmanager
    def _released_on_failure(self, instance_id: int) -> Iterator[None]:
        """Remove a reserved row again if the start fails: a refused start leaves nothing."""
        try:
            yield
        except BaseException:
            with undurable(), self.transaction() as conn:  # type: ignore[attr-defined]
                conn.execute(delete(INSTANCES).where(INSTANCES.c.id == instance_id,
                                                     INSTANCES.c.status == "starting"))
            raise
