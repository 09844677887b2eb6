"""Open the engine for a front end (web or CLI): the database, its migrations, the clock."""

from __future__ import annotations

from engine.base.clock import Clock
from engine.run.runtime import Engine
from engine.store.persistence import DEFAULT_URL, Database

__all__ = ["DEFAULT_URL", "open_engine"]


def open_engine(url: str, migrate: bool = True, clock: Clock | None = None) -> Engine:
    """Return an engine on the database at ``url``, migrated first when ``migrate``."""
    db = Database(url)
    if migrate:
        db.migrate()
    return Engine(db, clock or Clock())
