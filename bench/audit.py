"""Benchmark: verified replay of a 100-step item, and `audit verify` throughput.

1. One three-review returned to its author again and again until its history
   holds 100 state-changing steps; times ``verify_instance`` (target < 200 ms),
   ``verify_chain`` and the auditor's step list (``engine.timeline``).
2. N items (default 10,000) started and drafted; times what ``shenfa audit
   verify`` does per item (chain check + verified replay) and prints items/s.
3. A corpus of at least ``--corpus`` items (default 1,000) over every procedure
   (the demo's sample walks, repeated), submitted in random key orders with
   random reloads between steps, timers fired: counts items verified and false
   alarms (must be 0); then edits one random event of every item and counts the
   edits detected (must be all).

A report, not a test: nothing here asserts.

    python bench/audit.py [--items 10000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)  # bench/http.py must not hide the standard library's http
else:
    sys.path.insert(0, str(ROOT))

from bench.three_review import START, make_engine  # noqa: E402
from engine.audit import chain as auditing  # noqa: E402
from engine.audit.replay import verify_instance  # noqa: E402
from engine.audit.timeline import timeline  # noqa: E402
from tests.support import DRAFT, Driver, returned  # noqa: E402
from tests.walks import corpus_engine, tamper, walk_corpus  # noqa: E402


def long_item(drive: Driver, steps: int = 100) -> int:
    """A three-review whose 审稿 returns the draft until ``steps`` steps are recorded."""
    item = drive.start("three_review", "zhaolei", START)
    done = 1
    while done < steps - 1:
        drive.act(item, "Task_draft", "zhaolei", {**DRAFT, "title": f"第{done}稿"})
        drive.act(item, "Task_review", "zhoujie", returned())
        done += 2
    drive.act(item, "Task_draft", "zhaolei", DRAFT)
    return item


def timed(func, *args, rounds: int = 7) -> float:
    """Return the median wall time of ``func(*args)`` in milliseconds."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        func(*args)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def report_long(engine, drive: Driver) -> None:
    item = long_item(drive)
    verdict = verify_instance(engine, item)
    with engine.db.reading() as session:
        chain_ms = timed(lambda: auditing.verify_chain(session, item))
        line_ms = timed(lambda: timeline(session, item))
    print(f"100-step item: {verdict.steps} steps, {verdict.events} events, ok={verdict.ok}")
    print(f"  verified replay   {timed(verify_instance, engine, item):8.1f} ms  (target < 200 ms)")
    print(f"  chain check       {chain_ms:8.1f} ms")
    print(f"  replay step list  {line_ms:8.1f} ms")


def report_many(engine, drive: Driver, count: int) -> None:
    start = time.perf_counter()
    ids = []
    for _ in range(count):
        item = drive.start("three_review", "zhaolei", START)
        drive.act(item, "Task_draft", "zhaolei", DRAFT)
        ids.append(item)
    made = time.perf_counter() - start
    start = time.perf_counter()
    with engine.db.reading() as session:
        problems = [p for i in ids for p in auditing.verify_chain(session, i)]
    chains = time.perf_counter() - start
    start = time.perf_counter()
    ok = sum(verify_instance(engine, i).ok for i in ids)
    replays = time.perf_counter() - start
    print(f"{count} items (start + draft) made in {made:.1f} s")
    print(f"  chain check       {count / chains:8.0f} items/s  ({len(problems)} problems)")
    print(f"  verified replay   {count / replays:8.0f} items/s  ({ok} ok)")
    print(f"  audit verify      {count / (chains + replays):8.0f} items/s  "
          f"({chains + replays:.1f} s for {count})")


def report_corpus(tmp: Path, count: int) -> None:
    engine = corpus_engine(tmp / "corpus.sqlite")
    rng = random.Random(20261130)
    start = time.perf_counter()
    items, failed_walks = walk_corpus(engine, rng, count)
    made = time.perf_counter() - start
    start = time.perf_counter()
    verdicts = [verify_instance(engine, i) for i in items]
    verified = time.perf_counter() - start
    alarms = [v for v in verdicts if not v.ok]
    detected = sum(not verify_instance(engine, i).ok for i in items if tamper(engine, i, rng))
    print(f"corpus: {len(items)} items over every procedure in {made:.0f} s "
          f"(random key orders and reloads; {failed_walks} walks refused)")
    print(f"  verified          {len(items) - len(alarms):8d} items in {verified:.1f} s")
    print(f"  false alarms      {len(alarms):8d}  (must be 0)"
          + "".join(f"\n    #{v.instance_id} @{v.diverged_at}: {v.message}" for v in alarms[:5]))
    print(f"  edits detected    {detected:8d} of {len(items)}  (must be all)")
    engine.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--corpus", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.corpus:
            report_corpus(Path(tmp), args.corpus)
        engine = make_engine(Path(tmp))
        drive = Driver(engine)
        report_long(engine, drive)
        if args.items:
            report_many(engine, drive, args.items)
        engine.db.dispose()


if __name__ == "__main__":
    main()
