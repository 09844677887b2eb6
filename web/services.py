"""The engine as the web layer reaches it: one Engine per app, one session per call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from engine.attachments import BlobStore
from engine.runtime import Engine


def engine() -> Engine:
    """Return the application's engine."""
    return current_app.extensions["shenfa"]


def act(operation: str, *args: Any) -> Any:
    """Run engine operation ``operation`` (start, claim, unclaim, complete, save_draft)."""
    return getattr(engine(), operation)(*args)


@contextmanager
def transaction() -> Iterator[Session]:
    """Yield a session for engine queries and small engine writes; all or nothing."""
    with engine().db.transaction() as session:
        yield session


@contextmanager
def reading() -> Iterator[Session]:
    """Yield a session for reads only: on SQLite it never waits for the write lock."""
    with engine().db.reading() as session:
        yield session


def now():
    return engine().clock.now()


def blobs() -> BlobStore:
    return BlobStore(Path(current_app.config["BLOB_DIR"]))
