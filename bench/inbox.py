"""Inbox benchmark: p50/p95 of the inbox page and the tasks API on SQLite.

Sets up 100,000 open tasks and 1,000,000 history events by bulk-inserting
rows (the workflows themselves are not needed: the inbox never reads them),
then times requests through the WSGI app in-process.

    python bench/inbox.py [--tasks 100000] [--events 1000000] [--runs 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)  # bench/http.py must not hide the standard library's http
else:
    sys.path.insert(0, str(ROOT))

from engine.org.directory import DEMO_FILE, import_org, read_org_file  # noqa: E402
from engine.run.runtime import Engine  # noqa: E402
from engine.store.persistence import Database  # noqa: E402
from engine.store.schema import Event, Instance, ModelVersion, Task  # noqa: E402
from web import create_app  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)
#: (share of tasks, role, pool, assignee)
MIX = [(0.4, "general_office", True, None), (0.3, "functional_dept", True, None),
       (0.2, "initiator", False, "zhangwei"), (0.1, "publicity_leader", True, "zhengqiang")]
CHUNK = 20_000


def prepare(url: str, n_tasks: int, n_events: int) -> None:
    db = Database(url)
    db.migrate()
    with db.transaction() as session:
        import_org(session, read_org_file(DEMO_FILE), password="demo")
    Engine(db).deploy_directory(ROOT / "processes", ROOT / "forms")
    with db.transaction() as session:
        version = session.scalar(select(ModelVersion.id))
    per_instance = max(1, n_events // n_tasks)
    with db.engine.begin() as conn:
        for low in range(0, n_tasks, CHUNK):
            ids = range(low + 1, min(low + CHUNK, n_tasks) + 1)
            conn.execute(insert(Instance), [_instance(i, version) for i in ids])
            conn.execute(insert(Task), [_task(i) for i in ids])
            conn.execute(insert(Event), [e for i in ids for e in _events(i, version, per_instance)])
    db.dispose()


def _instance(i: int, version: int) -> dict:
    return {"id": i, "model_version_id": version, "model_key": "three_review",
            "title": f"稿件 {i}", "status": "running", "initiator": "zhangwei",
            "department_id": 8, "started_at": START + timedelta(minutes=i), "state": "",
            "state_version": "", "revision": 1}


def _mix(i: int) -> tuple[str, bool, str | None]:
    share, acc = (i % 100) / 100, 0.0
    for part, *rest in MIX:
        acc += part
        if share < acc:
            return tuple(rest)
    return tuple(MIX[-1][1:])


def _task(i: int) -> dict:
    role, pool, assignee = _mix(i)
    return {"id": f"{i:08d}-0000-4000-8000-000000000000", "instance_id": i,
            "spec_name": "Task_review", "name": "审稿（一审一校）", "form_name": "post_review",
            "role": role, "pool": pool, "department_id": 8, "assignee": assignee,
            "review_stage": True, "status": "open",
            "created_at": START + timedelta(minutes=i, seconds=30),
            "due_at": START + timedelta(days=2, minutes=i) if i % 10 == 0 else None}


def _events(i: int, version: int, count: int) -> list[dict]:
    rows = []
    for seq in range(1, count + 1):
        kind = "instance_started" if seq == 1 else "task_completed" if seq % 3 == 0 \
            else "task_opened"
        payload = {"decision": "return", "comment": "请注明出处", "task_name": "核稿"} \
            if kind == "task_completed" and i % 7 == 0 else {}
        rows.append({"instance_id": i, "seq": seq, "type": kind,
                     "at": START + timedelta(minutes=i, seconds=seq), "actor": "sunli",
                     "role": "general_office", "task_id": None, "task_spec": "Task_check",
                     "model_version_id": version, "payload": payload,
                     "prev_hash": "0" * 64, "hash": f"{i:032d}{seq:032d}"})
    return rows


def timed(client, url: str, runs: int, headers: dict) -> tuple[float, float]:
    client.get(url, headers=headers)  # warm caches
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        res = client.get(url, headers=headers)
        times.append((time.perf_counter() - began) * 1000)
        assert res.status_code == 200, (url, res.status_code)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="shenfa-bench-"))
    url = f"sqlite:///{folder / 'bench.sqlite'}"
    began = time.perf_counter()
    prepare(url, args.tasks, args.events)
    print(f"set-up: {args.tasks:,} open tasks, {args.events:,} events "
          f"in {time.perf_counter() - began:.0f} s ({folder})")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "VAR_DIR": str(folder),
                      "SESSION_COOKIE_SECURE": False})
    report(app, args.runs)


def report(app, runs: int) -> None:
    api = app.test_client()
    cases = []
    for user in ("sunli", "zhangwei"):
        token = api.post("/api/session", json={"username": user, "password": "demo"}
                         ).get_json()["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        cases += [(f"API  /api/tasks?tab=claimable ({user})", "/api/tasks?tab=claimable", bearer),
                  (f"API  /api/tasks?tab=mine ({user})", "/api/tasks?tab=mine", bearer),
                  (f"API  /api/tasks?tab=mine&page=50 ({user})", "/api/tasks?page=50", bearer)]
    pages = {user: app.test_client() for user in ("sunli", "zhangwei")}
    for user, client in pages.items():  # a signed-in browser session (cookie)
        client.post("/api/session", json={"username": user, "password": "demo"})
        cases += [(f"page /inbox ({user})", "/inbox", {}),
                  (f"page /inbox?tab=claimable ({user})", "/inbox?tab=claimable", {}),
                  (f"page /inbox?tab=started ({user})", "/inbox?tab=started", {})]
    print(f"{'request':<48} {'p50 ms':>8} {'p95 ms':>8}")
    for label, url, headers in cases:
        client = pages[label.split("(")[1][:-1]] if label.startswith("page") else api
        p50, p95 = timed(client, url, runs, headers)
        print(f"{label:<48} {p50:8.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
