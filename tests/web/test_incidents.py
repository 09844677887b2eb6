"""A timer that keeps failing becomes an incident an admin sees and can put back in the queue."""

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.store.schema import Operation, Timer
from tests.support import Driver
from web import create_app

MODELS = Path(__file__).resolve().parents[1] / "engine" / "models"


@pytest.fixture
def app(db_url, tmp_path, clock):
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test-secret", "TESTING": True,
                      "VAR_DIR": str(tmp_path / "var"), "SESSION_COOKIE_SECURE": False,
                      "CLOCK": clock})
    yield app
    app.extensions["shenfa"].db.dispose()


def failed_timer(app) -> int:
    engine = app.extensions["shenfa"]
    engine.deploy_directory(MODELS / "processes", MODELS / "forms")
    Driver(engine).start("failing_timer", "zhangwei")
    engine.clock.advance(minutes=21)
    for _ in range(5):
        engine.fire_due_timers()
        engine.clock.advance(minutes=10)  # past the backoff
    with engine.db.reading() as s:
        timer = s.scalars(select(Timer).where(Timer.status == "failed")).one()
    return timer.id


def test_admin_sees_failed_timers_and_retries_them(app, browse):
    timer_id = failed_timer(app)
    admin = browse("admin")
    page = admin.get("/admin/incidents").get_data(as_text=True)
    assert "20分钟提醒" in page and "ZeroDivisionError" in page
    assert browse("zhangwei").get("/admin/incidents").status_code == 403
    assert browse("zhangwei").post(f"/admin/incidents/{timer_id}/retry").status_code == 403
    admin.post(f"/admin/incidents/{timer_id}/retry")
    with app.extensions["shenfa"].db.reading() as s:
        timer = s.get(Timer, timer_id)
        assert (timer.status, timer.attempts) == ("waiting", 0)
        assert s.scalars(select(Operation).where(Operation.type == "timer_retried")).one().actor == "admin"
    assert "没有失败的定时任务" in admin.get("/admin/incidents").get_data(as_text=True)
