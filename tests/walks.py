"""Random walks of every procedure for the property tests of replay and durability.

The walks are the demo's sample items (``engine.demo.WALKS``: every procedure,
its called models, returns, parallel reviews, the expert panel); what varies is
what must not matter: the key order of every submitted mapping, and whether the
engine reloads the workflow from the database before each step.
"""

from __future__ import annotations

import random
import shutil
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

from sqlalchemy import delete, func, select

from engine.base.clock import FrozenClock
from engine.demo.items import WALKS, Walker
from engine.org.directory import DEMO_FILE, import_org, read_org_file
from engine.registry.seed import DEMO_FILE as DEMO_REGISTRY
from engine.registry.seed import seed_registry
from engine.run.runtime import Engine
from engine.store import state
from engine.store.persistence import Database
from engine.store.schema import Event, Instance, Task

ROOT = Path(__file__).resolve().parent.parent
PROCESSES, FORMS = ROOT / "processes", ROOT / "forms"
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def shuffled(value: Any, rng: random.Random) -> Any:
    """Return ``value`` with every mapping's keys in a random order (lists keep theirs)."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: shuffled(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value


class RandomWalker(Walker):
    """A demo walker that shuffles key orders and reloads at random before each step."""

    def __init__(self, engine: Engine, rng: random.Random, reload_odds: float = 0.5):
        super().__init__(engine, lambda _line: None)
        self.rng, self.reload_odds = rng, reload_odds

    def start(self, model: str, user: str, data: dict) -> int:
        self._choose()
        return super().start(model, user, shuffled(data, self.rng))

    def act(self, instance: int, spec: str, user: str, data: dict) -> None:
        self._choose()
        super().act(instance, spec, user, shuffled(data, self.rng))

    def _choose(self) -> None:
        self.engine.live_cache = self.rng.random() >= self.reload_odds


def corpus_engine(path: Path) -> Engine:
    """Return an engine on a new database holding the demo hospital, registry and models."""
    db = Database(f"sqlite:///{path}")
    db.migrate()
    with db.transaction() as session:
        import_org(session, read_org_file(DEMO_FILE), password=None)
        seed_registry(session, DEMO_REGISTRY, START)
    engine = Engine(db, FrozenClock(START), live_cache=False)
    engine.deploy_directory(PROCESSES, FORMS)
    return engine


def walk_corpus(engine: Engine, rng: random.Random, count: int) -> tuple[list[int], int]:
    """Walk every procedure again and again until ``count`` items exist; fire due timers.

    Return the item ids and how many walks were refused (a sample that cannot
    repeat, e.g. a second account of the same name).
    """
    walker, refused = RandomWalker(engine, rng), 0
    while _count(engine) < count:
        for walk in WALKS:
            try:
                walk(walker)
            except Exception:  # noqa: BLE001 - a refused sample leaves no change; go on
                refused += 1
        engine.clock.advance(hours=2)
        engine.fire_due_timers()
    with engine.db.reading() as session:
        return list(session.scalars(select(Instance.id).order_by(Instance.id))), refused


def _count(engine: Engine) -> int:
    with engine.db.reading() as session:
        return session.scalar(select(func.count()).select_from(Instance))


def tamper(engine: Engine, item: int, rng: random.Random) -> int:
    """Edit one stored event of ``item`` as an SQL console would; return the event's seq."""
    field = rng.choice(["actor", "data", "at", "delete"])
    with engine.db.transaction() as session:
        last = session.scalar(select(func.max(Event.seq)).where(Event.instance_id == item))
        if field == "delete":
            session.execute(delete(Event).where(Event.instance_id == item, Event.seq == last))
            return last - 1  # the chain head now points past the last event left
        event = session.scalar(select(Event).where(
            Event.instance_id == item, Event.seq == rng.randint(1, last)))
        if field == "actor":
            event.actor = "someone_else"
        elif field == "at":
            event.at = event.at.replace(year=event.at.year - 1)
        else:
            event.payload = {**event.payload, "data": {"forged": True}}
        return event.seq


def copy_db(template: Path) -> Engine:
    """Return an engine (live cache off) on a new copy of ``template`` beside it."""
    target = template.with_name(f"walk-{uuid.uuid4().hex}.sqlite")
    shutil.copy(template, target)
    return Engine(Database(f"sqlite:///{target}"), FrozenClock(START), live_cache=False)


@contextmanager
def seeded_ids(seed: int):
    """Make the instance id seeds a fixed sequence, so two databases give the same states."""
    rng = random.Random(seed)
    with mock.patch("engine.run.runtime.uuid4", lambda: uuid.UUID(int=rng.getrandbits(128))):
        yield


def walks(rng: random.Random, count: int) -> list:
    """Return ``count`` walks drawn from every procedure's samples, all of them first."""
    chosen = list(WALKS)
    rng.shuffle(chosen)
    return (chosen * (count // len(chosen) + 1))[:count]


def snapshot(engine: Engine) -> dict[int, tuple]:
    """Return each item's open tasks and state digest, as a user and an auditor would see them."""
    with engine.db.reading() as session:
        tasks: dict[int, list] = {}
        for t in session.scalars(select(Task).where(Task.status == "open")):
            tasks.setdefault(t.instance_id, []).append((t.spec_name, t.assignee, t.role, t.pool))
        return {i.id: (i.status, sorted(tasks.get(i.id, []), key=repr),
                       state.digest(state.canonical_text(i.state)))
                for i in session.scalars(select(Instance))}
