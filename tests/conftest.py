"""Fixtures: a fresh database per test on SQLite and on a real PostgreSQL server.

Each backend gets one template database, migrated and loaded with the demo
hospital and the models in ``processes/``; every test gets a copy of it.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from engine.base.clock import FrozenClock
from engine.org.directory import DEMO_FILE, import_org, read_org_file
from engine.registry.seed import DEMO_FILE as DEMO_REGISTRY
from engine.registry.seed import seed_registry
from engine.run.runtime import Engine
from engine.store.persistence import Database
from tests.pgserver import PostgresServer, new_database
from tests.support import Driver

ROOT = Path(__file__).resolve().parent.parent
PROCESSES, FORMS = ROOT / "processes", ROOT / "forms"
BACKENDS = ["sqlite", "postgresql"]
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _prepare(url: str) -> None:
    db = Database(url)
    db.migrate()
    with db.transaction() as session:
        import_org(session, read_org_file(DEMO_FILE), password="demo")
        seed_registry(session, DEMO_REGISTRY, START)
    Engine(db, FrozenClock(START)).deploy_directory(PROCESSES, FORMS)
    db.dispose()


@pytest.fixture(scope="session")
def pg_server():
    external = os.environ.get("SHENFA_TEST_PG_URL")
    if external:
        yield external
        return
    server = PostgresServer()
    url = server.start()
    yield url
    server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    _prepare(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template(pg_server) -> str:
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS shenfa_template"))
        conn.execute(text("CREATE DATABASE shenfa_template"))
    admin.dispose()
    _prepare(pg_server.rsplit("/", 1)[0] + "/shenfa_template")
    return pg_server


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    """Yield the URL of a fresh copy of the template database on each backend."""
    if request.param == "sqlite":
        target = tmp_path / "shenfa.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    return new_database(request.getfixturevalue("pg_template"))


@pytest.fixture
def pg_url(pg_template) -> str:
    """A fresh PostgreSQL copy of the template, for tests about PostgreSQL only."""
    return new_database(pg_template)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


#: The procedure tests run twice: with the engine's live cache, and with every step
#: loading the workflow from the database onto fresh specs (a restarted server).
RELOADED_MODULES = {
    "test_account_approval", "test_account_reinstatement", "test_call_activities",
    "test_commendation", "test_complaint_handling", "test_incident_closure", "test_patrol",
    "test_post_review", "test_press_release", "test_three_review", "test_tier3_review",
    "test_timers", "test_prescreen_steps",
}


def pytest_addoption(parser):
    parser.addoption("--cache-mode", choices=["both", "live", "reloaded"], default="both",
                     help="how the procedure tests run the engine (default: both ways)")


def pytest_generate_tests(metafunc):
    """Run the procedure tests with the live cache and reloaded before every step."""
    if "live_cache" not in metafunc.fixturenames:
        return
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    mode = metafunc.config.getoption("--cache-mode")
    modes = {"both": [True, False], "live": [True], "reloaded": [False]}[mode]
    if module not in RELOADED_MODULES:
        modes = [None]  # the engine's default (SHENFA_NO_LIVE_CACHE decides)
    metafunc.parametrize("live_cache", modes, ids=[
        {True: "cached", False: "reloaded", None: "default"}[m] for m in modes])


@pytest.fixture
def engine(db_url, clock, live_cache):
    eng = Engine(Database(db_url), clock, live_cache=live_cache)
    yield eng
    eng.db.dispose()


@pytest.fixture
def drive(engine) -> Driver:
    return Driver(engine)
