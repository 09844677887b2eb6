"""``/healthz``: a stalled worker is visible from outside (issue 11)."""

from __future__ import annotations

from engine.run.worker import Supervisor, Worker


def test_healthz_is_503_without_a_worker_and_200_once_one_beats(app):
    client = app.test_client()
    stalled = client.get("/healthz")
    body = stalled.get_json()
    assert stalled.status_code == 503 and body["ok"] is False and body["workers"] == []
    assert {"oldest_overdue_seconds", "pending_notifications", "failed_timers"} <= set(body)
    Worker(app.extensions["shenfa"], "w-test").run_once()
    healthy = client.get("/healthz")
    assert healthy.status_code == 200, healthy.get_json()
    assert healthy.get_json()["workers"][0]["name"] == "w-test"


def test_healthz_reports_the_embedded_worker_of_shenfa_serve(app):
    supervisor = Supervisor(app.extensions["shenfa"], poll=0.05, check=0.05).start()
    app.extensions["shenfa_supervisor"] = supervisor
    try:
        supervisor.worker.run_once()
        body = app.test_client().get("/healthz").get_json()
        assert body["embedded_worker"]["alive"] is True and body["embedded_worker"]["restarts"] == 0
    finally:
        supervisor.stop.set()
        supervisor.thread.join(5)
