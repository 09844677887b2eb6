"""Benchmark: one three-review returned to its author 1,000 times (issue 10).

Before the fix the item showed 已办结 after ~250 returns; now every return must
cost about the same, and the stored state must stay small.  Prints the time per
return for each block of 100, the stored state's size, and the verified replay.

A report, not a test: nothing here asserts.

    python bench/returns.py [--returns 1000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)  # bench/http.py must not hide the standard library's http
else:
    sys.path.insert(0, str(ROOT))

from bench.three_review import START, make_engine, open_task  # noqa: E402
from engine.audit.replay import verify_instance  # noqa: E402
from engine.store.schema import Instance  # noqa: E402
from tests.support import DRAFT, returned  # noqa: E402


def one_return(engine, draft_id: str) -> str:
    """Hand in the draft, have 审稿 return it; give the id of the new draft task."""
    [review] = engine.complete(draft_id, "zhangwei", DRAFT)
    engine.claim(review["id"], "zhoujie")
    [draft] = engine.complete(review["id"], "zhoujie", returned())
    return draft["id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=1000)
    count = parser.parse_args().returns
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Path(tmp))
        instance = engine.start("three_review", "zhangwei", START)
        draft, began = open_task(engine, instance)["id"], time.perf_counter()
        block = began
        for done in range(1, count + 1):
            draft = one_return(engine, draft)
            if done % 100 == 0:
                now = time.perf_counter()
                with engine.db.reading() as s:
                    size = len(s.get(Instance, instance).state)
                print(f"returns {done - 99:>5}-{done:<5} {(now - block) * 10:7.1f} ms/return"
                      f"   state {size / 1024:7.1f} KiB")
                block = now
        print(f"{count} returns: {time.perf_counter() - began:.1f} s")
        t = time.perf_counter()
        verdict = verify_instance(engine, instance)
        print(f"verified replay of {verdict.steps} steps: {time.perf_counter() - t:.1f} s, "
              f"ok={verdict.ok}")
        engine.db.dispose()


if __name__ == "__main__":
    main()
