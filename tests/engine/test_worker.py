"""The worker: reminders and escalations by e-mail, restarts, scale-out, failures."""

import socket
import threading
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from engine.notify.mailer import Mailer, MailSettings
from engine.run.runtime import Engine
from engine.run.worker import Worker
from engine.store.persistence import Database
from engine.store.schema import Event, Notification, Timer, User
from tests.support import Driver

MODELS = Path(__file__).parent / "models"


class Inbox:
    """A real SMTP server on 127.0.0.1 collecting what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def timed(engine):
    engine.deploy_directory(MODELS / "processes", MODELS / "forms")
    with engine.db.transaction() as session:
        for user in session.scalars(select(User)):
            user.email = f"{user.username}@hospital.test"
    return engine


def mail_worker(engine, smtp) -> Worker:
    controller, _inbox = smtp
    settings = MailSettings("127.0.0.1", controller.port)
    return Worker(engine, "w1", Mailer(engine.db, settings, engine.clock))


def subjects(inbox, address):
    from email import message_from_string
    from email.header import decode_header, make_header

    return [str(make_header(decode_header(message_from_string(raw)["Subject"])))
            for rcpt, raw in inbox.messages if address in rcpt]


def test_reminder_at_20_minutes_and_escalation_at_30_arrive_by_mail(timed, drive, clock, smtp):
    worker = mail_worker(timed, smtp)
    instance = drive.start("timed_fix", "zhangwei")
    assert worker.run_once() == {"fired": 0, "mailed": 0}  # his own new task: no mail
    clock.advance(minutes=19, seconds=59)
    assert worker.run_once()["fired"] == 0
    clock.advance(seconds=2)
    assert worker.run_once() == {"fired": 1, "mailed": 1}
    assert subjects(smtp[1], "zhangwei@hospital.test")[-1].startswith("【办理提醒】30分钟内更正")
    clock.advance(minutes=10)
    assert worker.run_once() == {"fired": 1, "mailed": 2}
    assert subjects(smtp[1], "lina@hospital.test") == ["【超时督办】督办："]
    assert subjects(smtp[1], "zhangwei@hospital.test")[-1].startswith("【已升级督办】30分钟内更正")
    assert drive.open_specs(instance) == ["Task_escalated"]


def test_mail_failure_is_retried_and_never_blocks_a_step(timed, drive, clock):
    dead = MailSettings("127.0.0.1", 9)  # nothing listens on the discard port
    worker = Worker(timed, "w1", Mailer(timed.db, dead, clock))
    instance = drive.start("timed_fix", "zhangwei")
    clock.advance(minutes=20, seconds=1)  # the reminder is his first notification
    assert worker.run_once()["mailed"] == 0
    assert drive.open_specs(instance) == ["Task_fix"]
    with timed.db.reading() as s:
        note = s.scalars(select(Notification)).one()
        assert (note.mail_status, note.mail_attempts) == ("pending", 1)
        assert note.mail_not_before > clock.now()


def test_restart_fires_overdue_timers_once_in_due_order(timed, drive, clock, db_url):
    instances = []
    for _ in range(3):
        instances.append(drive.start("timed_fix", "zhangwei"))
        clock.advance(minutes=5)
    clock.advance(hours=3)  # everything was down for three hours
    restarted = Engine(Database(db_url), clock)
    try:
        assert Worker(restarted, "after-restart").run_once()["fired"] == 6
        assert Worker(restarted, "again").run_once()["fired"] == 0
    finally:
        restarted.db.dispose()
    with timed.db.reading() as s:
        fired = s.execute(select(Event.instance_id, Event.task_spec).where(
            Event.type == "timer_fired").order_by(Event.id)).all()
    # Instances advance in the order of their earliest due timer; within one instance
    # every overdue timer fires in the same step, in due order, each with its own event.
    assert fired == [(i, spec) for i in instances for spec in ("Timer_20", "Timer_30")]


def test_failing_timer_is_retried_with_backoff_then_raised_as_incident(timed, drive, clock):
    instance = drive.start("failing_timer", "zhangwei")
    clock.advance(minutes=21)
    for attempt in range(1, 6):
        assert timed.fire_due_timers() == 0
        with timed.db.reading() as s:
            timer = s.scalars(select(Timer).where(Timer.spec_name == "Timer_20")).one()
        assert timer.attempts == attempt and "ZeroDivisionError" in timer.last_error
        assert timed.fire_due_timers() == 0  # backing off: not retried at once
        clock.advance(seconds=2 ** attempt + 1)
    assert timer.status == "failed"
    failed = drive.events(instance, "timer_failed")
    assert len(failed) == 1 and failed[0]["payload"]["attempts"] == 5
    assert drive.open_specs(instance) == ["Task_fix"]  # the instance itself is intact


def test_two_workers_on_postgresql_fire_1000_timers_exactly_once(pg_url, clock):
    """Scale-out is for PostgreSQL (SQLite runs one worker)."""
    timed = Engine(Database(pg_url), clock)
    timed.deploy_directory(MODELS / "processes", MODELS / "forms")
    drive = Driver(timed)
    for _ in range(500):
        drive.start("timed_fix", "zhangwei")
    clock.advance(hours=1)  # 1,000 timers due: a reminder and a deadline each
    engines = [Engine(Database(pg_url), clock) for _ in range(2)]
    counts = [0, 0]

    def work(i):
        worker = Worker(engines[i], f"worker-{i}", batch=50)
        while (fired := worker.run_once()["fired"]) or _waiting(engines[i], clock):
            counts[i] += fired

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.db.dispose()
    with timed.db.reading() as s:
        fired = s.scalar(select(func.count()).where(Event.type == "timer_fired"))
        per_timer = s.execute(select(Event.task_id, func.count()).where(
            Event.type == "timer_fired").group_by(Event.task_id).having(func.count() > 1)).all()
    assert fired == 1000 and per_timer == [] and sum(counts) == 1000
    assert min(counts) > 0, f"both workers should share the work: {counts}"
    timed.db.dispose()


def _waiting(engine, clock) -> bool:
    with engine.db.reading() as s:
        return bool(s.scalar(select(func.count()).where(
            Timer.status == "waiting", Timer.due_at < clock.now())))
