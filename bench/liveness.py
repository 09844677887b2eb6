"""Liveness benchmark: p95 of ``/api/me`` for other users while a hostile start runs.

A hostile model (a script that spends the whole step budget, then is refused)
is started again and again in one thread — always one start in flight — while
another thread times ``/api/me`` (and, with ``--completions``, a third completes
other users' tasks).
Printed: p50/p95 of ``/api/me`` with no hostile start and with one in flight,
and how many completions finished meanwhile.  Target: p95 < 100 ms.

    python bench/liveness.py [--seconds 10] [--database sqlite|URL] [--completions]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)  # bench/http.py must not hide the standard library's http
else:
    sys.path.insert(0, str(ROOT))

from engine.org.directory import DEMO_FILE, import_org, read_org_file  # noqa: E402
from engine.run.runtime import Engine  # noqa: E402
from engine.store.persistence import Database  # noqa: E402
from tests.hostile_models import burning_model, smuggle  # noqa: E402
from web import create_app  # noqa: E402

DRAFT = {"media": ["订阅号"], "title": "冬季心血管健康提示",
         "body": "寒冷季节注意保暖，按时服药。", "source": "心血管内科原创"}


def prepare(url: str) -> None:
    db = Database(url)
    db.migrate()
    with db.transaction() as session:
        import_org(session, read_org_file(DEMO_FILE), password="demo")
    engine = Engine(db)
    engine.deploy_directory(ROOT / "processes", ROOT / "forms")
    smuggle(engine, burning_model())
    db.dispose()


def client(app, username: str):
    c = app.test_client()
    token = c.post("/api/session", json={"username": username, "password": "demo"}).get_json()
    return c, {"Authorization": f"Bearer {token['token']}"}


def time_me(app, until: float) -> list[float]:
    """Time ``/api/me`` for zhangwei until ``until``; return the latencies in ms."""
    c, headers = client(app, "zhangwei")
    times = []
    while time.perf_counter() < until:
        t0 = time.perf_counter()
        assert c.get("/api/me", headers=headers).status_code == 200
        times.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.01)
    return times


def hostile_loop(app, stop: threading.Event, counts: dict) -> None:
    c, headers = client(app, "lina")
    while not stop.is_set():
        res = c.post("/api/models/hostile/instances", json={"data": {}}, headers=headers)
        counts["hostile"] += 1
        assert res.status_code == 400, res.get_json()


def completion_loop(app, stop: threading.Event, counts: dict) -> None:
    c, headers = client(app, "wangfang")
    while not stop.is_set():
        res = c.post("/api/models/three_review/instances", headers=headers,
                     json={"data": {"title": "稿件", "media": ["官网"]}}).get_json()
        task = next(t for t in res["tasks"] if t["status"] == "open")
        done = c.post(f"/api/tasks/{task['id']}/complete", json={"data": DRAFT}, headers=headers)
        assert done.status_code == 200, done.get_json()
        counts["completed"] += 1


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def run(url: str, seconds: float, completions: bool) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    baseline = time_me(app, time.perf_counter() + min(seconds, 3))
    stop, counts = threading.Event(), {"hostile": 0, "completed": 0}
    workers = [threading.Thread(target=f, args=(app, stop, counts))
               for f in (hostile_loop, completion_loop)[:2 if completions else 1]]
    for w in workers:
        w.start()
    time.sleep(0.5)  # the first hostile start is under way
    loaded = time_me(app, time.perf_counter() + seconds)
    stop.set()
    for w in workers:
        w.join()
    print(f"database: {url.split(':')[0]}")
    print(f"/api/me alone:             p50 {p(baseline, 50):6.1f} ms   p95 {p(baseline, 95):6.1f} ms")
    print(f"/api/me, hostile in flight: p50 {p(loaded, 50):6.1f} ms   p95 {p(loaded, 95):6.1f} ms"
          f"   (target p95 < 100 ms; {len(loaded)} requests)")
    print(f"hostile starts refused: {counts['hostile']}; other users' completions meanwhile: "
          f"{counts['completed']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database", default="sqlite", help="sqlite (a temporary file) or a URL")
    parser.add_argument("--completions", action="store_true",
                        help="also complete other users' tasks in a third thread")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/liveness.sqlite" if args.database == "sqlite" else args.database
        prepare(url)
        run(url, args.seconds, args.completions)


if __name__ == "__main__":
    main()
