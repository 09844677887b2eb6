"""Database connections and transactions: the only module that opens sessions.

SQLite (the default) runs in WAL mode with ``synchronous=FULL`` so that every
commit is durable, and every transaction begins ``IMMEDIATE`` so that two
writers serialise instead of failing half-way.  PostgreSQL is reached through
``SHENFA_DATABASE_URL`` (``postgresql+psycopg://...``); conflicting writers
there are caught by row locks and the instance revision check.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///var/shenfa.sqlite"
MIGRATIONS = Path(__file__).parent / "migrations"


def database_url() -> str:
    """Return the configured database URL (``SHENFA_DATABASE_URL`` or the SQLite default)."""
    return os.environ.get("SHENFA_DATABASE_URL", DEFAULT_URL)


def make_engine(url: str | None = None) -> Engine:
    """Create an SQLAlchemy engine with this product's connection settings."""
    url = url or database_url()
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, pool_pre_ping=True, isolation_level="READ COMMITTED")
    _configure_postgres(engine)
    return engine


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # let SQLAlchemy's BEGIN below take over
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A reader takes no lock (deferred BEGIN) and the database refuses its writes
        # (query_only), so a read that writes fails at once instead of queueing for the lock.
        # A deferred writer (engine.optimistic) also begins plainly but may write.
        read_only = _read_only(conn)
        deferred = read_only or conn.get_execution_options().get("shenfa_deferred", False)
        info = conn.connection.info  # the pragma outlives transactions: set it only on a change
        if info.get("shenfa_query_only") is not read_only:
            conn.exec_driver_sql(f"PRAGMA query_only={int(read_only)}")
            info["shenfa_query_only"] = read_only
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def _configure_postgres(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if _read_only(conn):
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")


def _read_only(conn) -> bool:
    return bool(conn.get_execution_options().get("shenfa_read_only", False))


#: ``session.info`` key of a session opened by ``reading()``: what it reads cannot change
#: under it, so per-session memos (the anonymity veil) are safe there
READ_ONLY = "shenfa_read_only"


def is_reading(session: Session) -> bool:
    """Tell whether ``session`` was opened for reads only (its reads may be memoized)."""
    return bool(session.info.get(READ_ONLY))


class ReadOnlySession(RuntimeError):
    """A write was attempted in a session opened for reading."""


def _refuse_flush(session, _context, _instances) -> None:
    raise ReadOnlySession("写入被拒绝：只读会话不能写入（read-only session）。")


def migrate(engine: Engine) -> None:
    """Bring the database schema to the newest Alembic revision."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Database:
    """An engine plus a session factory; ``transaction()`` is all or nothing."""

    def __init__(self, url: str | None = None):
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a session; commit if the block succeeds, roll back if it raises."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """Yield a session for reads only: it never takes SQLite's write lock and refuses writes."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(shenfa_read_only=True)
            with Session(bind=conn, info={READ_ONLY: True}) as session:
                event.listen(session, "before_flush", _refuse_flush)
                yield session

    def migrate(self) -> None:
        migrate(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
