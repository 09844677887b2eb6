"""Open the engine for a front end (web or CLI): the database, its migrations, the clock."""

from __future__ import annotations

from engine.base.clock import Clock
from engine.org.anonymity import VIEWER
from engine.run.attachments import BlobStore
from engine.run.runtime import Engine
from engine.run.worker import start_in_thread
from engine.store.persistence import DEFAULT_URL, Database

__all__ = ["DEFAULT_URL", "VIEWER", "BlobStore", "Engine", "open_engine", "start_in_thread"]


def open_engine(url: str, migrate: bool = True, clock: Clock | None = None) -> Engine:
    """Return an engine on the database at ``url``, migrated first when ``migrate``."""
    db = Database(url)
    if migrate:
        db.migrate()
    return Engine(db, clock or Clock())
