"""The engine as the web layer reaches it: one Engine per app, one session per call."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from engine.attachments import BlobStore
from engine.runtime import Engine

#: One engine operation at a time per process.  SQLite serialises writers anyway; on
#: PostgreSQL this guards state the engine shares between threads (the serializer's
#: encoder mode in engine/state.py, the live-workflow cache) until the engine is
#: thread-safe itself.
_WRITES = threading.Lock()


def engine() -> Engine:
    """Return the application's engine."""
    return current_app.extensions["shenfa"]


def act(operation: str, *args: Any) -> Any:
    """Run engine operation ``operation`` (start, claim, unclaim, complete, save_draft)."""
    with _WRITES:
        return getattr(engine(), operation)(*args)


@contextmanager
def transaction() -> Iterator[Session]:
    """Yield a session for engine queries and small engine writes; all or nothing."""
    with engine().db.transaction() as session:
        yield session


def now():
    return engine().clock.now()


def blobs() -> BlobStore:
    return BlobStore(Path(current_app.config["BLOB_DIR"]))
