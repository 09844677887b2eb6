"""Scale-out on PostgreSQL: two server processes and two workers, nothing lost or twice.

The topology of docs/deployment.md on one machine: ``shenfa serve --workers 2
--no-worker`` (gunicorn, two processes) and two ``shenfa worker`` processes, all on one
PostgreSQL database, driven over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.http import USERS, Client, sign_in
from engine.base.clock import FrozenClock
from engine.run.runtime import Engine
from engine.store.persistence import Database
from engine.store.schema import Event, Timer
from tests.pgserver import new_database
from tests.support import APPROVE, DRAFT

from .test_serve import free_port, wait_for

MODELS = Path(__file__).resolve().parent.parent / "engine" / "models"
PYTHON = [sys.executable, "-m", "web.cli"]


def wait_ready(port: int, procs: list[subprocess.Popen], seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while True:
        assert all(p.poll() is None for p in procs), "a process of the topology exited"
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("GET", "/login")
                assert conn.getresponse().status == 200
                return
            finally:
                conn.close()
        except OSError:
            assert time.monotonic() < deadline, "the servers did not answer in time"
            time.sleep(0.2)


@pytest.fixture(scope="module")
def topology(pg_template, tmp_path_factory):
    """Yield (port, database URL) of two server processes and two workers."""
    url = new_database(pg_template)
    env = {**os.environ, "SHENFA_DATABASE_URL": url,
           "SHENFA_VAR_DIR": str(tmp_path_factory.mktemp("var"))}
    port = free_port()
    procs = [subprocess.Popen([*PYTHON, "serve", "--port", str(port), "--workers", "2",
                               "--threads", "4", "--no-worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    procs += [subprocess.Popen([*PYTHON, "worker", "--poll", "0.2"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
              for _ in range(2)]
    try:
        wait_ready(port, procs)
        yield port, url
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)


@pytest.fixture(scope="module")
def tokens(topology):
    return sign_in(topology[0], [*USERS, "wuhua"])


def at_once(calls: list) -> list:
    """Run the calls in threads released together; return their results in order."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def status_of(port: int, token: str, method: str, path: str, body: dict | None = None) -> int:
    """Send one request on its own connection (so both processes take part)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, json.dumps(body) if body is not None else None,
                 {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        return conn.getresponse().status
    finally:
        conn.close()


def test_racing_claims_and_completions_of_one_task_take_effect_once(topology, tokens):
    port = topology[0]
    client = Client(port, tokens)
    title = f"race-{uuid.uuid4().hex[:6]}"
    instance = client.item_started(title)
    assert client.stage("zhangwei", title, instance, {**DRAFT, "title": title})
    task = client.find("zhoujie", title, instance)
    claims = at_once([lambda u=u: status_of(port, tokens[u], "POST",
                                            f"/api/tasks/{task['id']}/claim")
                      for u in ["zhoujie", "wuhua"] * 3])
    assert sorted(set(claims)) == [200, 409]  # one of them holds it; the other is told
    winner = "zhoujie" if claims[0] == 200 else "wuhua"
    loser = "wuhua" if winner == "zhoujie" else "zhoujie"
    path, body = f"/api/tasks/{task['id']}/complete", {"data": APPROVE}
    done = at_once([lambda u=u: status_of(port, tokens[u], "POST", path, body)
                    for u in [winner, loser] * 4])
    assert set(done[0::2]) == {200} and set(done[1::2]) <= {403, 409}
    history = client.call("read", "zhangwei", "GET", f"/api/instances/{instance}/history")
    completed = [e for e in history if e["type"] == "task_completed"
                 and e["task_id"] == task["id"]]
    assert len(completed) == 1 and completed[0]["actor"] == winner
    item = client.call("read", "zhangwei", "GET", f"/api/instances/{instance}")
    client.close()
    assert [t["spec"] for t in item["tasks"] if t["status"] == "open"] == ["Task_check"]


def test_two_dozen_items_by_six_clients_all_complete_once(topology, tokens):
    port, prefix = topology[0], f"lot-{uuid.uuid4().hex[:6]}"
    clients = [Client(port, tokens) for _ in range(6)]
    titles = [f"{prefix}-{i:02d}" for i in range(24)]
    ids = at_once([lambda c=c, i=i: [c.item(t) for t in titles[i::6]]
                   for i, c in enumerate(clients)])
    ids = [i for share in ids for i in share]
    for c in clients:
        c.close()
    assert [e for c in clients for e in c.errors] == []
    assert None not in ids and len(set(ids)) == 24
    reader = Client(port, tokens)
    for instance in ids:
        item = reader.call("read", "zhangwei", "GET", f"/api/instances/{instance}")
        assert item["status"] == "completed"
        assert sorted(t["status"] for t in item["tasks"]) == ["completed"] * 4
        events = reader.call("read", "zhangwei", "GET", f"/api/instances/{instance}/history")
        completed = [e["task_id"] for e in events if e["type"] == "task_completed"]
        assert len(completed) == 4 == len(set(completed))
    started = reader.call("read", "zhangwei", "GET", f"/api/tasks?tab=started&q={prefix}")
    reader.close()
    assert started["total"] == 24


def test_two_workers_fire_every_due_timer_exactly_once(topology):
    url = topology[1]
    hour_ago = Engine(Database(url), FrozenClock(datetime.now(UTC) - timedelta(hours=1)))
    hour_ago.deploy_directory(MODELS / "processes", MODELS / "forms")
    items = [hour_ago.start("timed_fix", "zhangwei") for _ in range(20)]  # 40 timers, due
    db = hour_ago.db
    deadline = time.monotonic() + 40
    while _waiting(db, items) and time.monotonic() < deadline:
        time.sleep(0.2)
    with db.reading() as s:
        fired = s.execute(select(Event.task_id, func.count()).where(
            Event.type == "timer_fired", Event.instance_id.in_(items))
            .group_by(Event.task_id)).all()
    db.dispose()
    assert len(fired) == 40 and {n for _task, n in fired} == {1}


def _waiting(db: Database, items: list[int]) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).where(
            Timer.status == "waiting", Timer.instance_id.in_(items))) or 0


def descendants(root: int) -> set[int]:
    """Return the pids of the live processes below ``root``."""
    parents = {}
    for entry in Path("/proc").iterdir():
        try:
            parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (ValueError, OSError, IndexError):
            continue
    found, todo = set(), [root]
    while todo:
        parent = todo.pop()
        kids = [pid for pid, ppid in parents.items() if ppid == parent]
        found.update(kids)
        todo.extend(kids)
    return found


def test_serve_with_two_processes_runs_one_worker_and_stops_them_all(sqlite_template, tmp_path):
    """On SQLite too (one machine): gunicorn's master, two processes, one worker process."""
    shutil.copy(sqlite_template, tmp_path / "shenfa.sqlite")
    env = {**os.environ, "SHENFA_DATABASE_URL": f"sqlite:///{tmp_path / 'shenfa.sqlite'}",
           "SHENFA_VAR_DIR": str(tmp_path / "var")}
    port = free_port()
    serve = subprocess.Popen([*PYTHON, "serve", "--port", str(port), "--workers", "2"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port, [serve])
        with wait_for(f"http://127.0.0.1:{port}/login") as res:
            assert res.headers["Server"] == "shenfa"
            assert "Secure" not in res.headers["Set-Cookie"]
        children = descendants(serve.pid)
        assert len(children) == 4  # gunicorn's master, its two processes, one worker
        with wait_for(f"http://127.0.0.1:{port}/healthz") as res:  # the worker beats
            assert json.loads(res.read())["ok"] is True
    finally:
        serve.terminate()
        serve.wait(60)
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)


def test_serve_with_two_processes_refuses_a_taken_port_in_one_line(sqlite_template, tmp_path):
    shutil.copy(sqlite_template, tmp_path / "shenfa.sqlite")
    env = {**os.environ, "SHENFA_DATABASE_URL": f"sqlite:///{tmp_path / 'shenfa.sqlite'}",
           "SHENFA_VAR_DIR": str(tmp_path / "var")}
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        out = subprocess.run([*PYTHON, "serve", "--port", str(port), "--workers", "2"],
                             env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and "Address already in use" in out.stderr
