"""The worker: fires due timers and sends mail, standalone or inside ``shenfa serve``.

Several workers may run against PostgreSQL: they claim timers with
``FOR UPDATE SKIP LOCKED`` and a lease, and each firing re-checks the claim
under the instance's lock, so every timer fires exactly once.  On SQLite,
run one worker.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass, field

from .mailer import Mailer, MailSettings
from .runtime import Engine
from .schedules import start_due
from .timers import next_due


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@dataclass
class Worker:
    engine: Engine
    name: str = field(default_factory=worker_name)
    mailer: Mailer | None = None
    batch: int = 200

    @classmethod
    def from_env(cls, engine: Engine) -> Worker:
        settings = MailSettings.from_env()
        mailer = Mailer(engine.db, settings, engine.clock) if settings else None
        return cls(engine, mailer=mailer)

    def run_once(self) -> dict[str, int]:
        """Fire every due timer and send pending mail once; return the counts."""
        fired = total = self.engine.fire_due_timers(self.name, self.batch)
        while fired == self.batch:  # more were due than one batch
            fired = self.engine.fire_due_timers(self.name, self.batch)
            total += fired
        started = start_due(self.engine, self.name)  # timer start events (engine.schedules)
        mailed = self.mailer.send_pending() if self.mailer else 0
        return {"fired": total, "mailed": mailed} | ({"started": started} if started else {})

    def seconds_to_next(self, poll: float) -> float:
        """Sleep until the next due timer, but never longer than ``poll``."""
        with self.engine.db.reading() as session:
            due = next_due(session)
        if due is None:
            return poll
        return max(0.0, min(poll, (due - self.engine.clock.now()).total_seconds()))

    def run(self, stop: threading.Event, poll: float = 1.0) -> None:
        """Work until ``stop`` is set."""
        while not stop.is_set():
            self.run_once()
            stop.wait(self.seconds_to_next(poll))


def start_in_thread(engine: Engine, poll: float = 1.0) -> tuple[threading.Thread, threading.Event]:
    """Run a worker in a daemon thread (``shenfa serve``'s embedded worker)."""
    stop = threading.Event()
    thread = threading.Thread(target=Worker.from_env(engine).run, args=(stop, poll),
                              name="shenfa-worker", daemon=True)
    thread.start()
    return thread, stop
