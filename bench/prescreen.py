"""Pre-screen benchmark: precision/recall per category on the labelled corpus, and speed.

Prints, per category, precision and recall counted by post (a post is flagged in a category
when at least one finding of it is reported) and the share of labelled spans found; then
throughput over the corpus (characters per second) and the time to screen one
10,000-character post built from the corpus.  Times are CPU time of this process (the
machine is shared: wall time is printed beside it), medians of ``--runs`` runs.

    python bench/prescreen.py [--runs 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)  # bench/http.py must not hide the standard library's http
else:
    sys.path.insert(0, str(ROOT))

from engine.prescreen import default_rules, names, screen  # noqa: E402
from engine.prescreen.corpus import evaluate, load_corpus  # noqa: E402

CORPUS = ROOT / "tests" / "prescreen" / "corpus"
LONG = 10_000


def quality(posts) -> None:
    """Print precision and recall per category."""
    print(f"corpus: {len(posts)} posts, {sum(not p.labels for p in posts)} clean")
    print(f"{'category':<12} {'precision':>9} {'recall':>7} {'spans':>9}  (tp/fp/fn)")
    for category, s in evaluate(posts).items():
        print(f"{category:<12} {s.precision:>9.3f} {s.recall:>7.3f} {s.spans_found:>4}/{s.spans:<4}"
              f"  ({s.true_pos}/{s.false_pos}/{s.false_neg})")
        for miss in s.misses:
            print(f"    {miss}")


def timed(func, runs: int) -> tuple[float, float]:
    """Return the median CPU and wall seconds of ``func``, each run with jieba's tag cache empty."""
    cpu, wall = [], []
    for _ in range(runs):
        names.tags_of.cache_clear()  # a new post's names are new: do not time cache hits
        c, w = time.process_time(), time.perf_counter()
        func()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu), statistics.median(wall)


def first_call() -> None:
    """Print the cost of the first screening in a process: rules, automaton, jieba's dictionary."""
    c, w = time.process_time(), time.perf_counter()
    screen("患者张建国")
    print(f"first call (rules, automaton, jieba dictionary): {1000 * (time.process_time() - c):.0f} ms CPU, "
          f"{1000 * (time.perf_counter() - w):.0f} ms wall")


def speed(posts, runs: int) -> None:
    """Print throughput over the corpus and the time of one long post."""
    rules = default_rules()
    chars = sum(len(p.text) for p in posts)
    every = [(p.text, p.attachments) for p in posts]
    cpu, wall = timed(lambda: [screen(t, attachments=a, rules=rules) for t, a in every], max(5, runs // 5))
    print(f"corpus: {chars} chars in {1000 * cpu:.1f} ms CPU ({chars / cpu:,.0f} chars/s), {1000 * wall:.1f} ms wall")
    text = "".join(p.text for p in posts)
    long = (text * (LONG // len(text) + 1))[:LONG]
    findings = len(screen(long, rules=rules))
    cpu, wall = timed(lambda: screen(long, rules=rules), runs)
    print(f"one {LONG:,}-character post ({findings} findings): {1000 * cpu:.1f} ms CPU, {1000 * wall:.1f} ms wall "
          f"(median of {runs})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    first_call()
    posts = load_corpus(CORPUS)
    quality(posts)
    speed(posts, args.runs)


if __name__ == "__main__":
    main()
