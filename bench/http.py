"""Benchmark: the three-review over the REST API, against real server processes.

For each backend (SQLite file; PostgreSQL from ``tests/pgserver.py``), each number of
server processes and each number of clients, starts a fresh database (``shenfa init
--demo``), starts ``shenfa serve`` on a free port of 127.0.0.1 (``--workers N`` for N
processes), and drives items through the API with client processes, each stage by its
own demo user: start, then per task an inbox read, a claim when the task waits in a
role's pool, and a complete — 11 requests an item in the demo hospital (the issue's 12
less the sign stage's claim: its role has one holder, who gets the task directly).
Every item is then read back: it must be completed, with its four tasks completed once,
and no other item may exist.

Prints items/s, the server's CPU ms per item (utime+stime of the server's process tree,
children included, from /proc), PostgreSQL's CPU ms per item, and p50/p95 of each
endpoint.  The machine may be shared: prefer CPU per item and ratios within one run.
A report, not a test: nothing here asserts.

    python bench/http.py [--backend sqlite|postgresql|both] [--clients 1,4,8]
                         [--processes 1,2] [--items 48] [--repeat 1]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on the path and this module, named
# http, would hide the standard library's http: put the project root there instead.
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)
else:
    sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

from tests.support import APPROVE, DRAFT  # noqa: E402

AUTHOR = "zhangwei"
STAGES = ["zhoujie", "sunli", "zhengqiang"]  # Task_review, Task_check, Task_sign
USERS = [AUTHOR, *STAGES]
ENDPOINTS = ("start", "inbox", "claim", "complete")
#: where each user usually finds the task: the draft is the author's own; review stages
#: wait in a role's pool (a sole holder's come straight to them: then "mine")
TABS = {AUTHOR: ("mine", "claimable"), "zhoujie": ("claimable", "mine"),
        "sunli": ("claimable", "mine"), "zhengqiang": ("mine", "claimable")}


from bench.http_product import Backend, environment, init_demo, server, tree_cpu  # noqa: E402

# --- a client ----------------------------------------------------------------------------

class Client:
    """One keep-alive connection; records each request's latency by endpoint."""

    def __init__(self, port: int, tokens: dict[str, str]):
        self.port, self.tokens = port, tokens
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []

    def call(self, kind: str, user: str, method: str, path: str, body: dict | None = None):
        """Send one request as ``user``; return the JSON answer (None on an error)."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {self.tokens[user]}",
                   "Content-Type": "application/json"}
        began = time.perf_counter()
        status, answer = self._send(method, path, data, headers)
        self.times[kind].append(time.perf_counter() - began)
        if status >= 300:
            self.errors.append(f"{method} {path} as {user}: {status} {answer[:200]!r}")
            return None
        return json.loads(answer)

    def close(self) -> None:
        self.conn.close()

    def _send(self, method: str, path: str, data, headers) -> tuple[int, bytes]:
        for attempt in (1, 2):  # a keep-alive connection the server closed: reconnect once
            try:
                self.conn.request(method, path, data, headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def find(self, user: str, title: str, instance: int) -> dict | None:
        """Read the user's inbox for the item's open task (the usual tab first)."""
        for tab in TABS[user]:
            page = self.call("inbox", user, "GET", f"/api/tasks?tab={tab}&q={title}")
            for row in (page or {}).get("rows", []):
                if row.get("instance_id") == instance and row.get("status") == "open":
                    return row
        self.errors.append(f"item {instance}: no open task in {user}'s inbox")
        return None

    def item_started(self, title: str) -> int | None:
        """Start a three-review item as the author; return its id."""
        started = self.call("start", AUTHOR, "POST", "/api/models/three_review/instances",
                            {"data": {"title": title, "media": ["订阅号"]}})
        return None if started is None else started["id"]

    def item(self, title: str) -> int | None:
        """Walk one item through the three-review; return its id."""
        instance = self.item_started(title)
        if instance is None:
            return None
        for user, data in [(AUTHOR, {**DRAFT, "title": title}),
                           *[(u, APPROVE) for u in STAGES]]:
            if not self.stage(user, title, instance, data):
                break
        return instance

    def stage(self, user: str, title: str, instance: int, data: dict) -> bool:
        task = self.find(user, title, instance)
        if task is None:
            return False
        if task.get("pool"):
            if self.call("claim", user, "POST", f"/api/tasks/{task['id']}/claim") is None:
                return False
        return self.call("complete", user, "POST", f"/api/tasks/{task['id']}/complete",
                         {"data": data}) is not None


def run_client(port: int, tokens: dict[str, str], titles: list[str]) -> dict:
    """Drive the given items (in a client process); return ids, latencies and errors."""
    client = Client(port, tokens)
    ids = [client.item(title) for title in titles]
    client.close()
    return {"ids": ids, "times": dict(client.times), "errors": client.errors}


def sign_in(port: int, users: list[str] = USERS) -> dict[str, str]:
    """Return a bearer token for each of the demo ``users`` (password ``demo``)."""
    tokens = {}
    for user in users:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = json.dumps({"username": user, "password": "demo"})
        conn.request("POST", "/api/session", body, {"Content-Type": "application/json"})
        tokens[user] = json.loads(conn.getresponse().read())["token"]
        conn.close()
    return tokens


# --- one cell of the matrix --------------------------------------------------------------

@dataclass
class Cell:
    backend: str
    processes: int
    clients: int
    items: int
    seconds: float = 0.0
    server_cpu: float = 0.0
    db_cpu: float | None = None
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    verified: str = ""


def drive(port: int, tokens: dict[str, str], titles: list[str], clients: int) -> list[dict]:
    """Spread the items over ``clients`` client processes, all at once."""
    shares = [titles[i::clients] for i in range(clients)]
    with ProcessPoolExecutor(clients) as pool:
        return list(pool.map(run_client, [port] * clients, [tokens] * clients, shares))


def verify(port: int, tokens: dict[str, str], ids: list[int | None], started: int) -> str:
    """Read every item back: completed, four tasks completed once, nothing extra."""
    client = Client(port, tokens)
    problems = []
    if None in ids or len(set(ids)) != len(ids):
        problems.append(f"ids missing or repeated: {len(set(ids) - {None})} of {len(ids)}")
    for instance in filter(None, ids):
        item = client.call("readback", AUTHOR, "GET", f"/api/instances/{instance}") or {}
        tasks = item.get("tasks", [])
        done = [t for t in tasks if t.get("status") == "completed"]
        if item.get("status") != "completed" or len(done) != 4 or len(tasks) != 4:
            problems.append(f"item {instance}: {item.get('status')}, {len(done)}/{len(tasks)}")
    page = client.call("readback", AUTHOR, "GET", "/api/tasks?tab=started&per_page=1") or {}
    if page.get("total") != started:
        problems.append(f"{page.get('total')} items exist, {started} were started")
    problems += client.errors
    client.close()
    return "ok" if not problems else f"{len(problems)} problems: {problems[0]}"


def measure(backend: Backend, processes: int, clients: int, items: int, tmp: Path) -> Cell:
    """Run one cell on a fresh database and a fresh server."""
    cell = Cell(backend.name, processes, clients, items)
    var = Path(tempfile.mkdtemp(prefix="var-", dir=tmp))
    env = environment(backend.fresh(), var)
    init_demo(env)
    with server(env, processes, var / "server.log") as (port, pid):
        tokens = sign_in(port)
        warm = [f"warm-{i}" for i in range(2 * processes)]
        drive(port, tokens, warm, processes)
        titles = [f"bench-{processes}-{clients}-{i:04d}" for i in range(items)]
        cpu0, db0, began = tree_cpu(pid), _db_cpu(backend), time.perf_counter()
        results = drive(port, tokens, titles, clients)
        cell.seconds = time.perf_counter() - began
        cell.server_cpu = tree_cpu(pid) - cpu0
        cell.db_cpu = None if db0 is None else (_db_cpu(backend) or 0.0) - db0
        ids = [i for r in results for i in r["ids"]]
        for result in results:
            cell.errors += result["errors"]
            for kind, values in result["times"].items():
                cell.times[kind] += values
        cell.verified = verify(port, tokens, ids, len(warm) + items)
    return cell


def _db_cpu(backend: Backend) -> float | None:
    pid = backend.db_pid()
    return None if pid is None else tree_cpu(pid)


# --- the report --------------------------------------------------------------------------

def quantiles(values: list[float]) -> str:
    """Return 'p50/p95' in milliseconds."""
    if len(values) < 2:
        return "-" if not values else f"{values[0] * 1000:.0f}"
    cuts = statistics.quantiles(values, n=20)
    return f"{statistics.median(values) * 1000:.0f}/{cuts[18] * 1000:.0f}"


HEADER = ("| backend | procs | clients | items | requests/item | items/s | server CPU ms/item | db CPU ms/item "
          "| start p50/p95 ms | inbox | claim | complete | read back |")


def row(cell: Cell) -> str:
    db = "-" if cell.db_cpu is None else f"{cell.db_cpu * 1000 / cell.items:.0f}"
    lat = " | ".join(quantiles(cell.times.get(k, [])) for k in ENDPOINTS)
    errors = f"; {len(cell.errors)} errors" if cell.errors else ""
    requests = sum(len(cell.times.get(k, [])) for k in ENDPOINTS) / cell.items
    return (f"| {cell.backend} | {cell.processes} | {cell.clients} | {cell.items} "
            f"| {requests:.0f} | {cell.items / cell.seconds:.1f} | {cell.server_cpu * 1000 / cell.items:.0f} "
            f"| {db} | {lat} | {cell.verified}{errors} |")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--clients", default="1,4,8")
    parser.add_argument("--processes", default="1,2")
    parser.add_argument("--items", type=int, default=48)
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds per cell, alternating the process counts (median ratio)")
    return parser.parse_args()


def main() -> None:
    args = parse()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    clients = [int(c) for c in args.clients.split(",")]
    processes = [int(p) for p in args.processes.split(",")]
    print(f"# three-review over HTTP: {args.items} items a cell; "
          f"Python {platform.python_version()}, {os.cpu_count()} CPUs (shared)")
    print(HEADER)
    print("|" + "---|" * (HEADER.count("|") - 1))
    ratios = []
    with tempfile.TemporaryDirectory(prefix="shenfa-http-") as tmp:
        for name in backends:
            with Backend(name, Path(tmp)) as backend:
                for count in clients:
                    ratios += group(backend, count, processes, args, Path(tmp))
    for line in ratios:
        print(line)


def group(backend: Backend, clients: int, processes: list[int], args: argparse.Namespace,
          tmp: Path) -> list[str]:
    """Measure each process count in turn; return the throughput ratios to the first.

    ``--repeat`` rounds alternate the process counts, so that a shared machine's changing
    load falls on each alike; the ratio is of the medians.
    """
    rate: dict[int, list[float]] = defaultdict(list)
    for _round in range(args.repeat):
        for procs in processes:
            cell = measure(backend, procs, clients, args.items, tmp)
            rate[procs].append(cell.items / cell.seconds)
            print(row(cell), flush=True)
    one = statistics.median(rate[processes[0]])
    return [f"{backend.name}, {clients} clients: {p} processes give "
            f"{statistics.median(rate[p]) / one:.2f}x the items/s of {processes[0]}"
            for p in processes[1:]]


if __name__ == "__main__":
    main()
