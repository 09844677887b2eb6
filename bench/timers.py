"""Benchmark: timer lateness and throughput with 10,000 pending timers.

Creates N instances of a one-timer model whose due times are spread evenly
over a minute, then runs one worker (SQLite, durable commits) against the
real passage of time and prints how late timers fired (p50/p95/max) and how
many fired per second.  Creation runs on a virtual clock so that it does
not eat into the timers' window; the worker's clock is the real clock
shifted by a constant, so lateness is measured in real seconds.  Baseline,
in the same process: the time of one empty durable commit on the same file.

    python bench/timers.py [--timers 10000] [--window 60]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)  # bench/http.py must not hide the standard library's http
else:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

from engine.base.clock import Clock, FrozenClock  # noqa: E402
from engine.org.directory import DEMO_FILE, import_org, read_org_file  # noqa: E402
from engine.run.runtime import Engine  # noqa: E402
from engine.run.worker import Worker  # noqa: E402
from engine.store.persistence import Database  # noqa: E402
from engine.store.schema import Event, Timer  # noqa: E402

MODELS = ROOT / "tests" / "engine" / "models"


class ShiftedClock(Clock):
    def __init__(self, offset: timedelta):
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def setup(path: Path, count: int, window: float) -> tuple[Database, datetime]:
    db = Database(f"sqlite:///{path}")
    db.migrate()
    with db.transaction() as session:
        import_org(session, read_org_file(DEMO_FILE))
    virtual = FrozenClock(datetime(2030, 1, 1, tzinfo=UTC))
    engine = Engine(db, virtual)
    engine.deploy_directory(MODELS / "processes", MODELS / "forms")
    start = virtual.now()
    step = window / count
    for _ in range(count):  # timed_fix: a 20-minute reminder and a 30-minute deadline
        engine.start("timed_fix", "zhangwei")
        virtual.advance(seconds=step)
    return db, start + timedelta(minutes=20)


def commit_baseline(db: Database, n: int = 200) -> float:
    began = time.perf_counter()
    for _ in range(n):
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE timers SET attempts = attempts WHERE id = 0"))
    return (time.perf_counter() - began) / n * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        db, first_due = setup(Path(tmp) / "timers.sqlite", args.timers, args.window)
        print(f"created {args.timers} instances in {time.perf_counter() - began:.1f} s; "
              f"{args.timers * 2} timers pending (reminders due over {args.window:.0f} s)")
        baseline = commit_baseline(db)
        clock = ShiftedClock(first_due - datetime.now(UTC) - timedelta(seconds=2))
        engine = Engine(db, clock)
        stop = threading.Event()
        worker = Worker(engine, "bench", batch=100)
        thread = threading.Thread(target=worker.run, args=(stop, 0.05))
        thread.start()
        time.sleep(2 + args.window + 1)
        deadline = time.monotonic() + 120
        while _due_left(db, clock) and time.monotonic() < deadline:
            time.sleep(0.5)
        stop.set()
        thread.join()
        report(db, baseline)
        burst(engine, clock, args.timers)
        db.dispose()


def burst(engine: Engine, clock: ShiftedClock, count: int) -> None:
    """All deadlines overdue at once (a restart after downtime): how fast do they fire?"""
    clock.offset += timedelta(minutes=11)
    began = time.perf_counter()
    fired = Worker(engine, "burst", batch=200).run_once()["fired"]
    elapsed = time.perf_counter() - began
    print(f"burst: {fired} overdue deadlines fired in {elapsed:.1f} s = {fired / elapsed:.0f} timers/s")


def _due_left(db: Database, clock: Clock) -> int:
    with db.reading() as s:
        return len(s.scalars(select(Timer.id).where(Timer.status == "waiting",
                                                    Timer.due_at < clock.now())).all())


def report(db: Database, baseline: float) -> None:
    with db.reading() as s:
        rows = s.execute(select(Event.at, Event.payload).where(Event.type == "timer_fired")).all()
    late = sorted((at - datetime.fromisoformat(p["due_at"])).total_seconds() for at, p in rows)
    times = sorted(at for at, _p in rows)
    span = (times[-1] - times[0]).total_seconds() or 1
    print(f"fired {len(late)} timers; lateness p50 {statistics.median(late) * 1000:.0f} ms, "
          f"p95 {late[int(len(late) * 0.95)] * 1000:.0f} ms, max {late[-1] * 1000:.0f} ms "
          f"(target: max <= 2000 ms)")
    print(f"throughput while due: {len(late) / span:.0f} timers/s; "
          f"baseline durable commit {baseline:.2f} ms "
          f"(= at most {1000 / baseline:.0f} commits/s)")


if __name__ == "__main__":
    main()
