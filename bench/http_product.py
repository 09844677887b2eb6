"""The product as the HTTP benchmark runs it: a fresh database, ``shenfa serve`` processes, their CPU.

Used by ``bench/http.py``: SQLite or PostgreSQL (the tests' server), ``shenfa init --demo``,
``shenfa serve [--workers N]`` on a free port of 127.0.0.1, and the CPU of a process tree
read from /proc (children included).
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.pgserver import PostgresServer

ROOT = Path(__file__).resolve().parent.parent
SHENFA = str(Path(sys.executable).parent / "shenfa")
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- CPU of a process tree, from /proc --------------------------------------------------

def _stat(pid: int) -> tuple[int, int] | None:
    """Return (parent pid, CPU ticks of the process and its reaped children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return int(fields[1]), utime + stime + cutime + cstime


def tree_cpu(root: int) -> float:
    """Return CPU seconds used by ``root`` and every live or reaped descendant."""
    stats = {int(p): s for p in os.listdir("/proc") if p.isdigit() and (s := _stat(int(p)))}
    children = defaultdict(list)
    for pid, (ppid, _ticks) in stats.items():
        children[ppid].append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0))[1]
        todo.extend(children[pid])
    return total / TICKS


# --- the database ------------------------------------------------------------------------

class Backend:
    """Hands out fresh databases: an SQLite file, or a new PostgreSQL database."""

    def __init__(self, name: str, tmp: Path):
        self.name, self.tmp, self.count = name, tmp, 0
        self.pg: PostgresServer | None = None
        self.base = ""

    def __enter__(self) -> Backend:
        if self.name == "postgresql":
            self.pg = PostgresServer()
            self.base = self.pg.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.pg:
            self.pg.stop()

    def fresh(self) -> str:
        """Return the URL of a new, empty database."""
        self.count += 1
        if self.pg is None:
            return f"sqlite:///{self.tmp / f'bench{self.count}.sqlite'}"
        import psycopg

        plain = self.base.replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE bench{self.count}")
        return self.base.rsplit("/", 1)[0] + f"/bench{self.count}"

    def db_pid(self) -> int | None:
        """Return the postmaster's pid (its tree is the database's CPU)."""
        if self.pg is None:
            return None
        return int((self.pg.root / "data" / "postmaster.pid").read_text().split()[0])


# --- the server --------------------------------------------------------------------------

def environment(url: str, var: Path) -> dict[str, str]:
    return {**os.environ, "SHENFA_DATABASE_URL": url, "SHENFA_VAR_DIR": str(var),
            "SHENFA_SECRET_KEY": "bench-" + var.name, "PYTHONUNBUFFERED": "1"}


def init_demo(env: dict[str, str]) -> None:
    """Create the schema, the demo hospital and its deployed procedures."""
    subprocess.run([SHENFA, "init", "--demo"], env=env, cwd=ROOT, check=True,
                   capture_output=True)


@contextmanager
def server(env: dict[str, str], processes: int, log: Path) -> Iterator[tuple[int, int]]:
    """Run ``shenfa serve`` on a free port; yield (port, pid); stop it afterwards."""
    port = free_port()
    cmd = [SHENFA, "serve", "--port", str(port)]
    if processes > 1:
        cmd += ["--workers", str(processes)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_ready(port, proc)
        yield port, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_ready(port: int, proc: subprocess.Popen, limit: float = 60.0) -> None:
    """Wait until the server answers HTTP (any status)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"shenfa serve exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                return
            finally:
                conn.close()
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("shenfa serve did not answer in time")
