"""Deadlines never stop: poison mail, degenerate timers, a killed worker, health (issue 11)."""

import json
import shutil
import threading
import time
from email import message_from_string

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from engine.cli import main
from engine.model.loading import ModelError
from engine.notify.mailer import MAX_MAIL_ATTEMPTS
from engine.read.health import report
from engine.run.worker import Supervisor, Worker
from engine.store.schema import Notification, Timer, User
from tests.engine.test_worker import MODELS, mail_worker, smtp, timed  # noqa: F401 - fixtures

POISON = "x\r\nBcc: evil@attacker.test"
CYCLE = (MODELS / "degenerate" / "cycle_zero.bpmn").read_text(encoding="utf-8")


def _poison(engine, subject=POISON, email=None):
    with engine.db.transaction() as s:  # rows written before titles were checked
        s.execute(update(Notification).values(subject=subject))
        if email:
            s.get(User, "zhangwei").email = email


def test_poison_notification_and_a_due_timer_the_timer_fires_the_poison_becomes_an_incident(
        timed, drive, clock, smtp):  # noqa: F811
    worker = mail_worker(timed, smtp)
    instance = drive.start("timed_fix", "zhangwei")
    _poison(timed, email="zhangwei@hospital.test\r\nBcc: evil@attacker.test")
    clock.advance(minutes=30, seconds=1)
    stalled = report(timed.db, clock.now())
    assert stalled["oldest_overdue_seconds"] == 601 and not stalled["ok"]  # Timer_20, 10 min late
    assert worker.run_once()["fired"] == 2  # reminder and deadline on time, whatever the mail holds
    assert drive.open_specs(instance) == ["Task_escalated"]
    assert smtp[1].messages and all("attacker" not in " ".join(r) for r, _ in smtp[1].messages)
    for _ in range(MAX_MAIL_ATTEMPTS):
        clock.advance(seconds=601)
        worker.run_once()
    with timed.db.reading() as s:
        notes = s.scalars(select(Notification).where(Notification.username == "zhangwei")).all()
    assert {n.mail_status for n in notes} == {"failed"}
    assert all("UnsafeAddress" in n.mail_error for n in notes)
    assert report(timed.db, clock.now())["failed_notifications"] == len(notes)


def test_crlf_in_an_old_title_is_mailed_on_one_line_and_forges_no_header(
        timed, drive, clock, smtp):  # noqa: F811
    worker = mail_worker(timed, smtp)
    instance = drive.start("timed_fix", "zhangwei")  # the author is not told of their own task
    with timed.db.transaction() as s:  # a row written before titles were checked
        s.add(Notification(username="zhangwei", kind="task_assigned", instance_id=instance,
                           subject="t", body="b", created_at=clock.now()))
    _poison(timed)
    assert worker.run_once()["mailed"] == 1
    [(rcpt, raw)] = smtp[1].messages
    message = message_from_string(raw)
    assert rcpt == ["zhangwei@hospital.test"] and message["Bcc"] is None
    assert message["Subject"] == "x  Bcc: evil@attacker.test"


def _deploy_cycle(engine, tmp_path, seconds: str, cycle: str):
    (tmp_path / "p").mkdir()
    shutil.copytree(MODELS / "forms", tmp_path / "f")
    xml = CYCLE.replace("SECONDS", seconds).replace("CYCLE", cycle)
    (tmp_path / "p" / "cycle_zero.bpmn").write_text(xml, encoding="utf-8")
    engine.deploy_directory(tmp_path / "p", tmp_path / "f")


def test_a_literal_zero_interval_cycle_is_refused_at_deploy(engine, tmp_path):
    with pytest.raises(ModelError, match="循环间隔为零"):
        _deploy_cycle(engine, tmp_path, "0", '"R100000/PT0S"')


def test_a_computed_zero_interval_cycle_becomes_an_incident_at_once(engine, drive, clock, tmp_path):
    _deploy_cycle(engine, tmp_path, '"R1000/PT0S"', "every")  # within the cycle-count bound
    instance = drive.start("cycle_zero", "zhangwei")
    clock.advance(seconds=1)
    assert Worker(engine, "w").run_once()["fired"] == 0
    with engine.db.reading() as s:
        timer = s.scalars(select(Timer).where(Timer.instance_id == instance)).one()
    assert timer.status == "failed" and "degenerate cycle" in timer.last_error
    [failed] = drive.events(instance, "timer_failed")
    assert "间隔为 0.0 秒" in failed["payload"]["error"]
    assert drive.open_specs(instance) == ["Task_fix"]


def _until(condition, seconds=10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_the_supervisor_restarts_a_killed_worker_and_timers_keep_firing(
        timed, drive, clock, monkeypatch):  # noqa: F811
    fatal = threading.Event()
    real = Worker.seconds_to_next

    def dies_once(self, poll):  # a fatal error between rounds, outside every guarded phase
        if not fatal.is_set():
            fatal.set()
            raise SystemExit("fatal")
        return real(self, poll)

    monkeypatch.setattr(Worker, "seconds_to_next", dies_once)
    supervisor = Supervisor(timed, poll=0.05, check=0.05).start()
    try:
        first = supervisor.thread
        assert _until(lambda: supervisor.restarts == 1 and supervisor.thread is not first)
        assert not first.is_alive() and supervisor.status()["alive"]
        instance = drive.start("timed_fix", "zhangwei")
        clock.advance(minutes=30, seconds=1)
        assert _until(lambda: drive.open_specs(instance) == ["Task_escalated"])
    finally:
        supervisor.stop.set()
        supervisor.thread.join(5)


def test_worker_status_reports_lateness_and_exits_1_when_stalled(db_url, monkeypatch):
    monkeypatch.setenv("SHENFA_DATABASE_URL", db_url)
    runner = CliRunner()
    started = runner.invoke(main, ["start", "incident_closure", "--as", "zhangwei", "--json",
                                   "--data", json.dumps({"title": "更正", "account_id": 1})])
    stalled = runner.invoke(main, ["worker", "--status", "--json"])
    body = json.loads(stalled.stdout)
    assert started.exit_code == 0, started.output
    assert stalled.exit_code == 1 and body["ok"] is False and body["workers"] == []
    assert runner.invoke(main, ["worker", "--once"]).exit_code == 0
    healthy = runner.invoke(main, ["worker", "--status"])
    assert healthy.exit_code == 0, healthy.output + started.output
    assert "状态: 正常" in healthy.stdout and "最久逾期定时器: 无" in healthy.stdout
