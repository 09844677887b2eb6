"""The author never reviews their own item (第十一条 三审; issue 10): at assignment and at claim."""

import pytest
from sqlalchemy import select

from engine.base.errors import NotAllowed, Refused
from engine.model.catalog import startable
from engine.run.assignment import AssignmentError, InstanceFacts, resolve_review
from engine.store.schema import RoleHolding, Task, User
from tests.proc_support import account_id
from tests.support import APPROVE, DRAFT

STAGES = [("Task_review", "functional_dept"), ("Task_check", "general_office"),
          ("Task_sign", "publicity_leader")]
#: Someone else holding each stage's role, who may review.
OTHERS = {"functional_dept": ["zhoujie", "wuhua"], "general_office": ["zhaolei", "sunli"],
          "publicity_leader": ["zhengqiang"]}
START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}


def open_row(engine, instance: int) -> Task:
    with engine.db.reading() as s:
        return s.scalars(select(Task).where(Task.instance_id == instance,
                                            Task.status == "open")).one()


@pytest.mark.parametrize("author", ["zhoujie", "wuhua", "zhaolei", "sunli", "zhengqiang"])
def test_an_author_holding_a_review_role_is_refused_that_stage_of_their_own_item(
        engine, drive, author):
    """Every reviewer of the hospital as author: refused at claim, others review."""
    instance = drive.start("three_review", author, START)
    drive.act(instance, "Task_draft", author, DRAFT)
    used: set[str] = set()
    for spec, role in STAGES:
        row = open_row(engine, instance)
        sole = OTHERS[role][0] if len(OTHERS[role]) == 1 and author not in OTHERS[role] else None
        assert (row.spec_name, row.pool, row.assignee) == (spec, sole is None, sole)
        if author in OTHERS[role]:
            with pytest.raises(NotAllowed) as refused:
                engine.claim(row.id, author)
            assert "拟稿人" in refused.value.message
        reviewer = next((u for u in OTHERS[role] if u != author and u not in used), None)
        if reviewer is None:  # the only 宣传分管领导 wrote it: it waits for another one
            assert drive.open_specs(instance) == [spec]
            return
        used.add(reviewer)
        drive.act(instance, spec, reviewer, APPROVE)
    assert drive.status(instance) == "completed"


def test_a_department_heads_own_post_goes_to_the_functional_departments(engine, drive):
    start = {"account_id": account_id(engine, "心血管内科健康课堂"), "title": "科室动态",
             "planned_date": "2026-12-01"}
    instance = drive.start("post_review", "lina", start)  # lina heads 心血管内科
    drive.act(instance, "Task_draft", "lina", DRAFT)
    row = open_row(engine, instance)
    assert (row.spec_name, row.role, row.pool, row.assignee) == (
        "Task_review_dept", "functional_dept", True, None)
    drive.act(instance, "Task_review_dept", "zhoujie", APPROVE)
    assert drive.open_specs(instance) == ["Task_check"]


def test_whoever_completed_the_draft_is_an_author_too(engine, drive):
    instance = drive.start("three_review", "zhangwei", START)
    draft = open_row(engine, instance)
    engine.reassign(draft.id, "admin", "wuhua", "拟稿人休假")
    drive.act(instance, "Task_draft", "wuhua", DRAFT)
    review = open_row(engine, instance)
    with pytest.raises(NotAllowed):
        engine.claim(review.id, "wuhua")
    drive.act(instance, "Task_review", "zhoujie", APPROVE)


def test_an_author_named_as_reviewer_is_refused_at_assignment(engine):
    facts = InstanceFacts("fengxue", None)
    with engine.db.transaction() as session:
        with pytest.raises(AssignmentError) as refused:
            resolve_review(session, "expert", facts, "fengxue", {"fengxue"})
        assert "拟稿人" in str(refused.value)
        with pytest.raises(AssignmentError):  # a role with no one else to go to
            resolve_review(session, "initiator", facts, None, {"fengxue"})
        other = resolve_review(session, "expert", facts, "hanmei", {"fengxue"})
        assert other.assignee == "hanmei"


def test_the_cli_and_the_api_share_one_start_policy(engine):
    """For every deployed model and every user: Engine.start refuses iff the catalog hides it."""
    with engine.db.reading() as s:
        users = list(s.scalars(select(User.username).where(User.active.is_(True))))
        offered = {u: {m["key"] for m in startable(s, u)} for u in users}
        keys = {m for u in users for m in offered[u]} | {"post_review", "complaint_handling"}
    for user in users:
        for key in sorted(keys):
            try:
                engine.start(key, user, {})
            except NotAllowed:
                assert key not in offered[user], (user, key)
            except Refused:  # form or model refusals: the user was allowed to start
                assert key in offered[user], (user, key)
            else:
                assert key in offered[user], (user, key)


def test_the_auditor_cannot_start_anything_from_the_engine(engine):
    with engine.db.reading() as s:
        assert s.scalar(select(RoleHolding.role).where(RoleHolding.username == "gaoyan")) \
            == "auditor"
    for key in ["post_review", "complaint_handling", "three_review"]:
        with pytest.raises(NotAllowed):
            engine.start(key, "gaoyan", {})


def claimable(engine, user: str) -> tuple[list[str], int]:
    """Return the task ids in ``user``'s 可认领 tab and the tab's count."""
    from engine.read.inbox import InboxQuery, inbox

    with engine.db.reading() as session:
        found = inbox(session, user, InboxQuery("claimable", per_page=100), engine.clock.now())
    return [r["id"] for r in found["rows"]], found["counts"]["claimable"]


@pytest.mark.parametrize("author", ["zhoujie", "wuhua", "zhaolei", "sunli"])
def test_the_inbox_never_offers_an_author_a_review_of_their_own_item(engine, drive, author):
    """The claim would be refused: 可认领 and its count leave the stage out, for the author only."""
    instance = drive.start("three_review", author, START)
    drive.act(instance, "Task_draft", author, DRAFT)
    for spec, role in STAGES[:2]:
        row = open_row(engine, instance)
        holders = OTHERS[role]
        for user in holders:
            ids, total = claimable(engine, user)
            assert (row.id in ids) == (user != author), (spec, user)
            assert total == len(ids), (spec, user)  # the count agrees with the rows
        drive.act(instance, spec, next(u for u in holders if u != author), APPROVE)


def test_whoever_completed_the_draft_is_not_offered_its_review(engine, drive):
    instance = drive.start("three_review", "zhangwei", START)
    engine.reassign(open_row(engine, instance).id, "admin", "wuhua", "拟稿人休假")
    drive.act(instance, "Task_draft", "wuhua", DRAFT)
    review = open_row(engine, instance)
    assert review.id not in claimable(engine, "wuhua")[0]
    assert review.id in claimable(engine, "zhoujie")[0]
