"""A start's reservation commits without its own fsync; every other commit stays durable.

The reserved row (status ``starting``) matters only together with the start's
step, whose durable commit carries it to the disk (issue 14).  The connection
that reserved must go back to ``synchronous=FULL``: the next user of it in the
pool writes a step that must survive a crash.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from engine.base.errors import Refused
from engine.store.schema import Instance
from tests.engine.test_hostile_models import model_xml, smuggle
from tests.support import DRAFT

START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}
FULL = 2


def _sync_levels(engine) -> list[int]:
    """Record ``PRAGMA synchronous`` of each SQLite connection at every COMMIT."""
    levels: list[int] = []

    def before_commit(conn):
        levels.append(conn.connection.dbapi_connection.execute("PRAGMA synchronous").fetchone()[0])

    event.listen(engine.db.engine, "commit", before_commit)
    return levels


def test_only_the_reservation_skips_the_fsync(engine, drive):
    if engine.db.is_postgres:
        pytest.skip("SQLite's pragma; PostgreSQL turns synchronous_commit off for that transaction")
    levels = _sync_levels(engine)
    instance = drive.start("three_review", "zhangwei", START)
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    assert levels[0] == 1, "the reservation commits with synchronous=NORMAL"
    assert levels[1:] and all(level == FULL for level in levels[1:]), levels
    with engine.db.engine.connect() as conn:  # what the pool hands out next
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == FULL


def test_a_refused_start_leaves_no_row_and_a_durable_pool(engine):
    """A start the model refuses removes its reservation; the pool's connections stay FULL."""
    smuggle(engine, model_xml(script="who = 'u' * 99", assignee="who"))
    with pytest.raises(Refused):
        engine.start("hostile", "zhangwei")
    with engine.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Instance)) == 0
    if not engine.db.is_postgres:
        with engine.db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == FULL
