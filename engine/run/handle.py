"""What the run modules the Engine calls may see of it, without importing ``engine.run.runtime``.

The Engine hands itself to ``schedules`` (timer starts) and ``reassignment``; they use its
public step API through this protocol, so ``runtime`` imports them and not the reverse.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, RowMapping

from engine.base.clock import Clock
from engine.run.step import Step, Version
from engine.store.persistence import Database


class EngineHandle(Protocol):
    """The Engine's public step API: transactions, locks, instances and steps."""

    db: Database
    clock: Clock

    def version(self, version_id: int, conn: Connection | None = None) -> Version: ...

    def transaction(self, deferred: bool = False) -> AbstractContextManager[Connection]: ...

    def lock(self, conn: Connection, task_id: str,
             username: str | None = None) -> tuple[RowMapping, RowMapping]: ...

    def check_separation(self, conn: Connection, row: RowMapping, username: str) -> None: ...

    def new_instance(self, conn: Connection, version: Version, username: str, data: dict,
                     department_id: int | None, now: datetime) -> dict[str, Any]: ...

    def finish(self, step: Step) -> None: ...
