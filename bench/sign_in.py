"""Benchmark: /api/me latency while sign-ins flood the server; known vs unknown names.

Serves the app with waitress on 127.0.0.1 (SQLite, demo hospital), measures
``GET /api/me`` p50/p95 alone, then while 12 clients sign in over and over,
then the mean time of a wrong password for a known and an unknown user name
(they should match: unknown names hash a dummy password).

    python bench/sign_in.py [--seconds 5] [--flood 12]
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
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

from waitress.server import create_server  # noqa: E402

from engine.org.directory import DEMO_FILE, import_org, read_org_file  # noqa: E402
from web import create_app  # noqa: E402


def post(port: int, body: dict, remote_name: str) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/api/session", json.dumps(body),
                 {"Content-Type": "application/json", "X-Bench": remote_name})
    res = conn.getresponse()
    data = json.loads(res.read() or b"{}")
    conn.close()
    return res.status, data


def me_latencies(port: int, token: str, seconds: float) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    out, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.perf_counter()
        conn.request("GET", "/api/me", headers={"Authorization": f"Bearer {token}"})
        conn.getresponse().read()
        out.append((time.perf_counter() - start) * 1000)
    conn.close()
    return out


def flood(port: int, stop: threading.Event) -> None:
    while not stop.is_set():
        post(port, {"username": "zhangwei", "password": "demo"}, "flood")


def figures(name: str, values: list[float]) -> None:
    p95 = statistics.quantiles(values, n=20)[-1] if len(values) > 20 else max(values)
    print(f"{name:<34} n={len(values):>5}  p50={statistics.median(values):7.1f} ms  p95={p95:7.1f} ms")


def start_server(tmp: Path) -> int:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite", "MIGRATE": True,
                      "VAR_DIR": str(tmp), "SESSION_COOKIE_SECURE": False,
                      "LOGIN_MAX_FAILURES": 10**6})
    with app.extensions["shenfa"].db.transaction() as session:
        import_org(session, read_org_file(DEMO_FILE), "demo")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = create_server(app, host="127.0.0.1", port=port, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    return port


def wrong_password_ms(port: int, username: str, tries: int = 10) -> float:
    times = []
    for i in range(tries):
        start = time.perf_counter()
        post(port, {"username": username, "password": f"wrong{i}"}, username)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.mean(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--flood", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = start_server(Path(tmp))
        token = post(port, {"username": "lina", "password": "demo"}, "me")[1]["token"]
        figures("/api/me alone", me_latencies(port, token, args.seconds))
        stop = threading.Event()
        threads = [threading.Thread(target=flood, args=(port, stop)) for _ in range(args.flood)]
        for t in threads:
            t.start()
        figures(f"/api/me during {args.flood} sign-in loops", me_latencies(port, token, args.seconds))
        stop.set()
        for t in threads:
            t.join()
        known, unknown = wrong_password_ms(port, "qianjun"), wrong_password_ms(port, "nobody_here")
        print(f"wrong password, known name:   {known:7.1f} ms\nwrong password, unknown name: {unknown:7.1f} ms")


if __name__ == "__main__":
    main()
