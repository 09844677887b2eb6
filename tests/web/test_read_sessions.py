"""Reads never wait for writers (issue 11 §3): every GET runs in a read session that refuses writes.

While another connection holds the write lock (SQLite ``BEGIN IMMEDIATE``; PostgreSQL an
EXCLUSIVE table lock, which blocks writers and lets readers through), every page and API read
still answers at once instead of queueing behind the 30 s busy timeout.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from engine.store.persistence import Database, ReadOnlySession
from engine.store.schema import Notification
from tests.support import DRAFT, Driver
from web.services import read_request, transaction

START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}
#: far below the 30 s busy timeout (PRAGMA busy_timeout=30000): a read that queued for the
#: lock would take 30 s; one that does not takes milliseconds.
PROMPT = 3.0
LOCKED_TABLES = "instances, tasks, events, notifications, sign_ins, operations, users"


@pytest.fixture
def drive(app) -> Driver:
    return Driver(app.extensions["shenfa"])


@contextmanager
def write_lock_held(db_url: str) -> Iterator[None]:
    """Hold the database's write lock from another connection for the block."""
    if db_url.startswith("sqlite"):
        raw = sqlite3.connect(db_url.split("///", 1)[1], isolation_level=None)
        raw.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            raw.execute("ROLLBACK")
            raw.close()
        return
    other = create_engine(db_url)
    with other.connect() as conn:
        conn.execute(text(f"LOCK TABLE {LOCKED_TABLES} IN EXCLUSIVE MODE"))
        yield
        conn.rollback()
    other.dispose()


def timed_get(client, url: str):
    began = time.monotonic()
    res = client.get(url)
    return res, time.monotonic() - began


def test_named_reads_answer_promptly_while_a_writer_holds_the_lock(app, db_url, browse, api, drive):
    instance = drive.start("three_review", "zhangwei", START)
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    page, client = browse("zhangwei"), api("zhangwei")
    with write_lock_held(db_url):
        for who, url in [(client, "/api/me"), (page, "/inbox"), (page, f"/items/{instance}"),
                         (client, f"/api/instances/{instance}"), (client, "/api/tasks"),
                         (page, "/notices/count.json")]:
            res, took = timed_get(who, url)
            assert res.status_code == 200, (url, res.status_code)
            assert took < PROMPT, f"{url} waited {took:.1f}s for the write lock"


def _fill(rule, values: dict) -> str | None:
    """Return the rule's URL with its arguments filled in, or None when one is unknown."""
    url = rule.rule
    for arg in rule.arguments:
        if arg not in values:
            return None
        url = re.sub(rf"<(?:[a-z]+:)?{arg}>", str(values[arg]), url)
    return url


def _read_urls(app, values: dict) -> list[str]:
    """Return every GET route of the app that reads only (not marked ``@writes``)."""
    urls = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if "GET" not in rule.methods or getattr(view, "shenfa_writes", False):
            continue
        if rule.endpoint in ("records.pdf", "static") or rule.endpoint.startswith("api-docs"):
            continue  # PDF rendering and static files are not about the database
        url = _fill(rule, values)
        if url is not None:
            urls.append(url)
    return urls


@pytest.mark.parametrize("user", ["zhangwei", "gaoyan", "admin", "songyu"])
def test_every_read_route_neither_waits_for_the_lock_nor_writes(app, db_url, browse, drive, user):
    instance = drive.start("three_review", "zhangwei", START)
    task = drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    values = {"instance_id": instance, "task_id": task.id, "key": "three_review", "number": 1,
              "n": 1, "name": "account_review", "attachment_id": 1, "timer_id": 1}
    urls = _read_urls(app, values)
    assert len(urls) > 30  # the sweep reaches the whole class, not a handful
    client = browse(user)
    with write_lock_held(db_url):
        for url in urls:
            res, took = timed_get(client, url)
            assert res.status_code != 500, (url, res.status_code)  # 503: /healthz, no worker here
            assert took < PROMPT, f"{url} waited {took:.1f}s for the write lock"


def test_opening_a_notice_is_a_write_and_marks_it_read(app, browse, drive):
    instance = drive.start("three_review", "zhangwei", START)
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    db = app.extensions["shenfa"].db
    with db.reading() as session:
        note = session.query(Notification).filter_by(username="zhoujie", read_at=None).first()
    assert note is not None
    res = browse("zhoujie").get(f"/notices/{note.id}/open")
    assert res.status_code == 302
    with db.reading() as session:
        assert session.get(Notification, note.id).read_at is not None


def test_the_request_method_decides_the_session_kind(app):
    with app.test_request_context("/inbox", method="GET"):
        assert read_request()
        with transaction() as session:  # a GET that writes fails at once, it does not lock
            session.add(Notification(username="zhangwei", kind="x", subject="s", body="b",
                                     created_at=app.extensions["shenfa"].clock.now()))
            with pytest.raises(ReadOnlySession):
                session.flush()
    with app.test_request_context("/inbox", method="POST"):
        assert not read_request()


def test_a_read_session_refuses_writes_and_leaves_writers_unharmed(db_url):
    db = Database(db_url)
    try:
        for _ in range(3):  # the same pooled connection serves readers and writers in turn
            with db.reading() as session, pytest.raises(DBAPIError):
                session.execute(text("UPDATE users SET display_name = 'x'"))
            with db.transaction() as session:
                session.execute(text("UPDATE users SET display_name = display_name"))
        with db.reading() as session:
            assert session.execute(text("SELECT count(*) FROM users")).scalar() > 0
    finally:
        db.dispose()
