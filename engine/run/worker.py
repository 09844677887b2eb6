"""The worker: fires due timers and sends mail, standalone or inside ``shenfa serve``.

Several workers may run against PostgreSQL: they claim timers with
``FOR UPDATE SKIP LOCKED`` and a lease, and each firing re-checks the claim
under the instance's lock, so every timer fires exactly once.  On SQLite,
run one worker.

Nothing stops the loop: each timer fires in its own transaction and each
notification is mailed on its own (a failure becomes a retry, then an
incident); a phase that fails as a whole is logged and tried again on the next
round.  Every round leaves a heartbeat (``worker_beats``) that ``/healthz`` and
``shenfa worker --status`` read, and the :class:`Supervisor` of ``shenfa
serve`` restarts the worker thread if it ever exits.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from engine.notify import webhook
from engine.notify.mailer import Mailer, MailSettings
from engine.read.health import beat
from engine.run.runtime import Engine
from engine.run.schedules import start_due
from engine.run.timers import next_due

log = logging.getLogger("shenfa.worker")
BEAT_EVERY = 5.0  # seconds between heartbeats: often enough to see a stall, rarely a write


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@dataclass
class Worker:
    engine: Engine
    name: str = field(default_factory=worker_name)
    mailer: Mailer | None = None
    batch: int = 200
    started_at: datetime | None = None
    last_loop_at: datetime | None = None
    last_error: str | None = None
    _beaten: float = -BEAT_EVERY

    @classmethod
    def from_env(cls, engine: Engine) -> Worker:
        settings = MailSettings.from_env()
        mailer = Mailer(engine.db, settings, engine.clock) if settings else None
        return cls(engine, mailer=mailer)

    def run_once(self) -> dict[str, int]:
        """Fire every due timer and send pending mail once; return the counts."""
        self.started_at = self.started_at or self.engine.clock.now()
        self.last_error = None
        fired = self._guarded("timers", self._fire_all)
        # timer start events (engine.schedules), isolated like every other phase
        started = self._guarded("schedules", lambda: start_due(self.engine, self.name))
        mailed = self._guarded("mail", self.mailer.send_pending) if self.mailer else 0
        mailed += self._guarded("webhook", lambda: webhook.send_pending(self.engine.db, self.engine.clock))
        self.last_loop_at = self.engine.clock.now()
        self._beat()
        return {"fired": fired, "mailed": mailed} | ({"started": started} if started else {})

    def _fire_all(self) -> int:
        fired = total = self.engine.fire_due_timers(self.name, self.batch)
        while fired == self.batch:  # more were due than one batch
            fired = self.engine.fire_due_timers(self.name, self.batch)
            total += fired
        return total

    def _guarded(self, phase: str, work: Callable[[], int]) -> int:
        """Run one phase; a failure is logged and kept for the heartbeat, never raised."""
        try:
            return work()
        except Exception as err:  # noqa: BLE001 - the loop must outlive any one failure
            log.exception("worker %s: %s phase failed", self.name, phase)
            self.last_error = f"{phase}: {type(err).__name__}: {err}"[:2000]
            return 0

    def _beat(self) -> None:
        if self.last_error is None and time.monotonic() - self._beaten < BEAT_EVERY:
            return
        self._beaten = time.monotonic()
        self._guarded("heartbeat", lambda: beat(self.engine.db, self.name, self.started_at,
                                                self.last_loop_at, self.last_error))

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
            try:
                wait = self.seconds_to_next(poll)
            except Exception:  # noqa: BLE001 - a database hiccup: wait a round and retry
                log.exception("worker %s: cannot read the next due time", self.name)
                wait = poll
            stop.wait(wait)


class Supervisor:
    """Keep one worker thread running in this process; restart it whenever it exits."""

    def __init__(self, engine: Engine, poll: float = 1.0, check: float = 1.0):
        self.engine, self.poll, self.check = engine, poll, check
        self.stop = threading.Event()
        self.restarts = 0
        self.worker: Worker | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> Supervisor:
        """Start the worker thread and the watcher that restarts it."""
        self._spawn()
        threading.Thread(target=self._watch, name="shenfa-supervisor", daemon=True).start()
        return self

    def _spawn(self) -> None:
        # Published only once running: status() (the health page) never sees a thread that
        # exists but has not started, and whoever reads ``thread`` may join it.
        worker = Worker.from_env(self.engine)
        thread = threading.Thread(target=self._run, args=(worker,), name="shenfa-worker",
                                  daemon=True)
        thread.start()
        self.worker, self.thread = worker, thread

    def _run(self, worker: Worker) -> None:
        try:
            worker.run(self.stop, self.poll)
        except BaseException:  # noqa: BLE001 - whatever killed it, log it; the watcher restarts
            log.exception("worker thread %s died", worker.name)

    def _watch(self) -> None:
        while not self.stop.wait(self.check):
            if self.thread is not None and not self.thread.is_alive():
                log.error("worker thread exited; restarting it (restart %d)", self.restarts + 1)
                self._spawn()
                self.restarts += 1  # counted once the new thread runs

    def status(self) -> dict:
        """Return whether the embedded worker runs, its last round and its restarts."""
        last = self.worker.last_loop_at if self.worker else None
        return {"alive": bool(self.thread and self.thread.is_alive()), "restarts": self.restarts,
                "last_loop_at": last.isoformat() if last else None,
                "last_error": self.worker.last_error if self.worker else None}


def start_in_thread(engine: Engine, poll: float = 1.0) -> Supervisor:
    """Run a supervised worker in daemon threads (``shenfa serve``'s embedded worker)."""
    return Supervisor(engine, poll).start()
