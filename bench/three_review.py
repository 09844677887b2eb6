"""Benchmark: three-review through the engine vs. raw in-memory SpiffWorkflow.

Runs N three-review instances end to end through the engine on an SQLite file
with durable commits (WAL, synchronous=FULL) and, in the same process, the
same model in raw SpiffWorkflow in memory; prints items/s, CPU per item,
p50/p95 step latency and the ratios (by wall and by CPU time: the machine
may be shared).  Then the cost of one step after 0, 5, 20 and 50
return-to-author loops, next to raw SpiffWorkflow's own step cost at those
sizes.  A report, not a test: nothing here asserts.

    python bench/three_review.py [--instances 300]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)  # bench/http.py must not hide the standard library's http
else:
    sys.path.insert(0, str(ROOT))

from engine.model.loading import load_model, parse_specs  # noqa: E402
from engine.org.directory import DEMO_FILE, import_org, read_org_file  # noqa: E402
from engine.run.runtime import Engine  # noqa: E402
from engine.store import state  # noqa: E402
from engine.store.persistence import Database  # noqa: E402
from engine.store.schema import Task  # noqa: E402
from tests.support import APPROVE, DRAFT, returned  # noqa: E402

START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}
STAGES = [("Task_review", "zhoujie"), ("Task_check", "sunli"), ("Task_sign", "zhengqiang")]
RETURN = returned()


def make_engine(tmp: Path) -> Engine:
    db = Database(f"sqlite:///{tmp / 'bench.sqlite'}")
    db.migrate()
    with db.transaction() as session:
        import_org(session, read_org_file(DEMO_FILE), password=None)
    engine = Engine(db)
    engine.deploy_directory(ROOT / "processes", ROOT / "forms")
    return engine


def open_task(engine: Engine, instance: int) -> dict:
    """Find an instance's open task (what an inbox does; used after start only)."""
    with engine.db.reading() as session:
        task = session.query(Task).filter_by(instance_id=instance, status="open").one()
        return {"id": task.id, "pool": task.pool}


class EngineRun:
    """Drives the engine, timing every engine call (a step)."""

    def __init__(self, engine: Engine):
        self.engine, self.steps = engine, []
        self.next: dict[int, dict] = {}

    def timed(self, func, *args):
        began = time.perf_counter()
        result = func(*args)
        self.steps.append(time.perf_counter() - began)
        return result

    def act(self, instance: int, user: str, data: dict) -> None:
        """Claim if needed and complete the open task, as the API's client would."""
        task = self.next.pop(instance, None) or open_task(self.engine, instance)
        if task["pool"]:
            self.timed(self.engine.claim, task["id"], user)
        opened = self.timed(self.engine.complete, task["id"], user, data)
        if opened:
            self.next[instance] = opened[0]

    def instance(self, loops: int = 0) -> int:
        instance = self.timed(self.engine.start, "three_review", "zhangwei", START)
        self.act(instance, "zhangwei", DRAFT)
        for _ in range(loops):
            self.act(instance, "zhoujie", RETURN)
            self.act(instance, "zhangwei", DRAFT)
        for _spec, user in STAGES:
            self.act(instance, user, APPROVE)
        return instance


def raw_workflow(specs: tuple) -> BpmnWorkflow:
    """A plain SpiffWorkflow instance with the same (safe) script engine, nothing else."""
    spec, subprocess_specs = specs
    return BpmnWorkflow(spec, subprocess_specs, script_engine=state.SCRIPT_ENGINE)


class RawRun:
    """The same walk in raw SpiffWorkflow, in memory, with its own script engine."""

    def __init__(self):
        model = load_model(ROOT / "processes" / "three_review.bpmn", ROOT / "forms")
        self.specs = parse_specs(model.xml)
        self.steps = []

    def complete(self, workflow, data: dict) -> None:
        began = time.perf_counter()
        task = workflow.get_next_task(state=TaskState.READY, manual=True)
        task.data.update(data)
        task.run()
        workflow.do_engine_steps()
        self.steps.append(time.perf_counter() - began)

    def instance(self, loops: int = 0):
        workflow = raw_workflow(self.specs)
        workflow.task_tree.data.update(START)
        workflow.do_engine_steps()
        self.complete(workflow, DRAFT)
        for _ in range(loops):
            self.complete(workflow, RETURN)
            self.complete(workflow, DRAFT)
        for _ in STAGES:
            self.complete(workflow, APPROVE)
        assert workflow.is_completed()
        return workflow


def throughput(run, n: int) -> tuple[float, float]:
    """Run ``n`` instances; return instances per wall second and CPU ms per instance.

    The machine is shared: CPU time of this process is the steadier figure.
    """
    began, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        run.instance()
    return n / (time.perf_counter() - began), (time.process_time() - cpu) * 1000 / n


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000


def loop_costs(engine_run: EngineRun, raw: RawRun, loops: int, samples: int = 20):
    """Cost of one review step at an instance that went ``loops`` times around."""
    eng_inst = engine_run.engine.start("three_review", "zhangwei", START)
    engine_run.act(eng_inst, "zhangwei", DRAFT)
    workflow = raw_workflow(raw.specs)
    workflow.task_tree.data.update(START)
    workflow.do_engine_steps()
    raw.complete(workflow, DRAFT)
    for _ in range(loops):
        engine_run.act(eng_inst, "zhoujie", RETURN)
        engine_run.act(eng_inst, "zhangwei", DRAFT)
        raw.complete(workflow, RETURN)
        raw.complete(workflow, DRAFT)
    engine_run.steps, raw.steps = [], []
    for _ in range(samples):  # return + redraft pairs at this size, measured
        task = engine_run.next.pop(eng_inst)
        engine_run.engine.claim(task["id"], "zhoujie")
        engine_run.next[eng_inst] = engine_run.timed(
            engine_run.engine.complete, task["id"], "zhoujie", RETURN)[0]
        engine_run.act(eng_inst, "zhangwei", DRAFT)
        raw.complete(workflow, RETURN)
        raw.complete(workflow, DRAFT)
    return statistics.median(engine_run.steps) * 1000, statistics.median(raw.steps) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=300)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, SQLite WAL synchronous=FULL")
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Path(tmp))
        eng, raw = EngineRun(engine), RawRun()
        throughput(eng, 20), throughput(raw, 20)  # warm-up
        eng.steps, raw.steps = [], []
        (eng_rate, eng_cpu), (raw_rate, raw_cpu) = (throughput(eng, args.instances),
                                                    throughput(raw, args.instances))
        print(f"\nthree_review end to end, {args.instances} items "
              f"(start, draft, 3 x claim + review):")
        for name, rate, cpu, steps in (("engine (durable SQLite)", eng_rate, eng_cpu, eng.steps),
                                       ("raw SpiffWorkflow (RAM)", raw_rate, raw_cpu, raw.steps)):
            print(f"  {name}: {rate:8.1f} items/s  {cpu:6.2f} ms CPU/item   step p50 "
                  f"{pct(steps, 50):.2f} ms  p95 {pct(steps, 95):.2f} ms")
        print(f"  ratio engine/raw: 1/{raw_rate / eng_rate:.1f} by wall time, "
              f"1/{eng_cpu / raw_cpu:.1f} by CPU  (target >= 150 items/s, >= 1/5)")
        print("\nstep cost after N return-to-author loops (median ms of a review step):")
        print(f"  {'loops':>5}  {'engine':>8}  {'raw':>8}  {'ratio':>6}   (target at 50: <= 2x)")
        for loops in (0, 5, 20, 50):
            eng_ms, raw_ms = loop_costs(eng, raw, loops)
            print(f"  {loops:>5}  {eng_ms:8.2f}  {raw_ms:8.2f}  {eng_ms / raw_ms:6.1f}x")
        engine.db.dispose()


if __name__ == "__main__":
    main()
