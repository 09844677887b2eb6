"""Benchmark: a three-review item over the REST API, one waitress server process.

Serves the app with waitress on 127.0.0.1 in a child process (SQLite, durable commits,
the demo hospital) and drives N items per client: start, then for each of the four
tasks an inbox read, a claim for pool tasks, a complete — each stage by its own user.
Prints items/s, the server's CPU per item (from /proc), p50/p95 of completions.
``--profile FILE`` serves in this process with one thread and writes a cProfile of the
server side only (the app's requests), for ``python -m pstats``.

    python bench/api_item.py [--items 30] [--clients 1] [--threads 4] [--combined]
                             [--profile out.prof]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/http.py would hide the standard library's http: the project root goes first instead.
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)
else:
    sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import cProfile  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from urllib.parse import quote  # noqa: E402

from tests.support import APPROVE, DRAFT  # noqa: E402

STAGES = [("zhangwei", "mine", False), ("zhoujie", "claimable", True),
          ("sunli", "claimable", True), ("zhengqiang", "mine", False)]


def make_app(tmp: Path):
    from engine.org.directory import DEMO_FILE, import_org, read_org_file
    from web import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite", "MIGRATE": True,
                      "VAR_DIR": str(tmp), "SESSION_COOKIE_SECURE": False,
                      "LOGIN_MAX_FAILURES": 10**6})
    with app.extensions["shenfa"].db.transaction() as session:
        import_org(session, read_org_file(DEMO_FILE), "demo")
    app.extensions["shenfa"].deploy_directory(ROOT / "processes", ROOT / "forms")
    return app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_child(tmp: str, port: int, threads: int) -> None:
    """Run in the child: serve until killed."""
    from waitress import serve

    serve(make_app(Path(tmp)), host="127.0.0.1", port=port, threads=threads, _quiet=True)


class Client:
    """One keep-alive connection; every call returns (status, body)."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method: str, url: str, token: str | None = None, body=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.conn.request(method, url, json.dumps(body) if body is not None else None, headers)
        res = self.conn.getresponse()
        return res.status, json.loads(res.read() or b"null")


COMBINED = {"on": False}  # --combined: complete?claim=true instead of a claim, then a complete


def item(client: Client, tokens: dict, title: str, completes: list[float]) -> None:
    """Walk one three-review item through the API, as a client of each stage would."""
    status, body = client.call("POST", "/api/models/three_review/instances", tokens["zhangwei"],
                               {"data": {"title": title, "media": ["订阅号"]}})
    assert status == 201, body
    for user, tab, pool in STAGES:
        status, page = client.call("GET", f"/api/tasks?tab={tab}&q={quote(title)}", tokens[user])
        assert status == 200 and page["rows"], (user, page)
        task = page["rows"][0]["id"]
        if pool and not COMBINED["on"]:
            status, body = client.call("POST", f"/api/tasks/{task}/claim", tokens[user])
            assert status == 200, body
        began = time.perf_counter()
        query = "?claim=true" if pool and COMBINED["on"] else ""
        status, body = client.call("POST", f"/api/tasks/{task}/complete{query}", tokens[user],
                                   {"data": {**DRAFT, "title": title} if user == "zhangwei" else APPROVE})
        completes.append((time.perf_counter() - began) * 1000)
        assert status == 200, body


def sign_in(port: int) -> dict:
    client = Client(port)
    out = {}
    for user, _, _ in STAGES:
        status, body = client.call("POST", "/api/session", None,
                                   {"username": user, "password": "demo"})
        assert status == 200, body
        out[user] = body["token"]
    return out


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_up(port: int) -> None:
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def drive(port: int, items: int, clients: int, pid: int) -> None:
    tokens = sign_in(port)
    warm: list[float] = []
    item(Client(port), tokens, "预热", warm)
    completes: list[float] = []

    def run(n: int) -> None:
        client = Client(port)
        for i in range(items):
            item(client, tokens, f"条目{n}-{i}", completes)

    cpu0, began = cpu_seconds(pid), time.perf_counter()
    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - began, cpu_seconds(pid) - cpu0
    total = items * clients
    p95 = statistics.quantiles(completes, n=20)[-1]
    print(f"clients={clients} items={total}: {total / wall:6.1f} items/s, "
          f"server CPU {cpu * 1000 / total:6.1f} ms/item, complete p50 "
          f"{statistics.median(completes):6.1f} ms p95 {p95:6.1f} ms")


def profile(items: int, out: str) -> None:
    from waitress.server import create_server

    with tempfile.TemporaryDirectory() as tmp:
        app, prof = make_app(Path(tmp)), cProfile.Profile()

        def profiled(environ, start_response):
            prof.enable()
            try:
                return list(app(environ, start_response))
            finally:
                prof.disable()
        port = free_port()
        server = create_server(profiled, host="127.0.0.1", port=port, threads=1)
        threading.Thread(target=server.run, daemon=True).start()
        tokens, done = sign_in(port), []
        item(Client(port), tokens, "预热", done)
        prof = cProfile.Profile()
        for i in range(items):
            item(Client(port), tokens, f"条目{i}", done)
        prof.dump_stats(out)
        print(f"profile of {items} items written to {out}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--profile")
    parser.add_argument("--combined", action="store_true",
                        help="claim and complete in one request (complete?claim=true)")
    args = parser.parse_args()
    COMBINED["on"] = args.combined
    if args.profile:
        return profile(args.items, args.profile)
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        child = subprocess.Popen([sys.executable, "-c",
                                  "import sys; sys.path.insert(0, sys.argv[1]);"
                                  "from bench.api_item import serve_child;"
                                  "serve_child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))",
                                  str(ROOT), tmp, str(port), str(args.threads)])
        try:
            wait_up(port)
            drive(port, args.items, args.clients, child.pid)
        finally:
            child.terminate()
            child.wait()


if __name__ == "__main__":
    main()
