"""Claim and complete in one request (``?claim=true``), and answers that carry what the caller needs.

A step over the API costs one commit: completing an unclaimed pool task with
``?claim=true`` claims it in the same transaction, under the claim's own rules (the
role, and no author reviews their own work, 第十一条 三审).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.store.schema import RoleHolding, User
from tests.support import APPROVE, DRAFT, Driver

START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}


@pytest.fixture
def drive(app) -> Driver:
    return Driver(app.extensions["shenfa"])


def at_review(drive, author: str = "zhangwei") -> tuple[int, str]:
    instance = drive.start("three_review", author, START)
    drive.act(instance, "Task_draft", author, DRAFT)
    return instance, drive.task(instance, "Task_review").id


def test_complete_with_claim_claims_and_completes_in_one_request(api, drive):
    instance, task_id = at_review(drive)
    res = api("zhoujie").post(f"/api/tasks/{task_id}/complete?claim=true&include=history",
                              json={"data": APPROVE})
    assert res.status_code == 200
    item = res.get_json()
    assert [t["spec"] for t in item["tasks"] if t["status"] == "open"] == ["Task_check"]
    mine = [(e["type"], e["actor"]) for e in item["history"] if e["task_id"] == task_id]
    assert mine[-2:] == [("task_claimed", "zhoujie"), ("task_completed", "zhoujie")]
    assert drive.open_specs(instance) == ["Task_check"]


def test_answers_leave_the_history_out_unless_asked(api, drive):
    author = api("zhangwei")
    started = author.post("/api/models/three_review/instances", json={"data": START})
    assert started.status_code == 201 and "history" not in started.get_json()
    task_id = started.get_json()["tasks"][0]["id"]
    done = author.post(f"/api/tasks/{task_id}/complete", json={"data": DRAFT}).get_json()
    assert "history" not in done and done["tasks"][-1]["spec"] == "Task_review"
    full = author.get(f"/api/instances/{done['id']}").get_json()
    assert [e["type"] for e in full["history"]][:2] == ["instance_started", "task_opened"]
    bad = author.post(f"/api/tasks/{task_id}/complete?include=everything", json={"data": DRAFT})
    assert bad.status_code == 400 and "include" in bad.get_json()["errors"]


def _users(app) -> list[tuple[str, bool]]:
    """Every active user and whether they hold the review stage's role (functional_dept)."""
    with app.extensions["shenfa"].db.reading() as s:
        holders = set(s.scalars(select(RoleHolding.username)
                                .where(RoleHolding.role == "functional_dept")))
        names = s.scalars(select(User.username).where(User.active.is_(True))).all()
    return sorted(((n, n in holders) for n in names), key=lambda u: (u[1], u[0]))


def test_claim_on_complete_obeys_the_claim_rules_for_every_user(app, api, drive):
    """Whoever may not claim the task gets 403 and changes nothing; the first who may, does.

    The author holds the stage's role: claiming by completing is refused them too.
    """
    author = "zhoujie"
    instance, task_id = at_review(drive, author)
    for user, holds in _users(app):
        res = api(user).post(f"/api/tasks/{task_id}/complete?claim=true", json={"data": APPROVE})
        if holds and user != author:
            assert res.status_code == 200, (user, res.get_json())
            assert drive.open_specs(instance) == ["Task_check"]
            return
        assert res.status_code == 403, (user, res.get_json())
        row = drive.task(instance, "Task_review")
        assert (row.id, row.assignee) == (task_id, None)
    pytest.fail("no one could review")
