"""A joint reviewer (第十二条二) in a real Chromium, at desktop and phone sizes.

The expert field is a conditional field (``x-when``): hidden and not required
while the reviewer approves or returns; shown and required once 提请专家评议 is
chosen.  Optional fields carry no required star.
"""

from __future__ import annotations

import pytest

from engine.run.runtime import Engine
from tests.support import DRAFT, Driver
from tests.web.test_browser import ARTIFACTS, Person, answer_checklist, chromium, served

__all__ = ["chromium", "served"]  # the browser and server fixtures, shared with test_browser

HEAD_OK = {"decision": "approve", "secrecy": "public", "head_disputed": True,
           "checklist": {k: "pass" for k in ("political", "scientific", "lawful",
                                             "public_interest", "form", "forbidden")}}
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def at_joint_review(app) -> str:
    """Walk a disputed tier-3 post to joint review; return the office's claimed task id."""
    engine: Engine = app.extensions["shenfa"]
    drive = Driver(engine)
    with engine.db.transaction() as session:
        from sqlalchemy import select

        from engine.store.schema import Account
        account = session.scalar(select(Account.id).where(Account.account_name == "张伟医生谈心脏"))
    instance = drive.start("tier3_review", "zhangwei", {
        "account_id": account, "title": "高血压停药误区", "planned_date": "2026-12-01",
        "disputed": True})
    drive.act(instance, "Task_draft", "zhangwei", {**DRAFT, "title": "高血压停药误区"})
    drive.act(instance, "Task_head", "lina", HEAD_OK)
    task = drive.task(instance, "Task_joint_office")
    engine.claim(task.id, "zhaolei")
    return task.id


def starred(page, field: str) -> bool:
    return page.query_selector(f"[data-field='{field}'] .req") is not None


def submit(page) -> None:
    """Press the form's visible 提交: three choices leave no sticky 通过 / 退回 bar."""
    assert not page.is_visible("button.js-approve") and not page.is_visible("button.js-return")
    page.get_by_role("button", name="提交", exact=True).click()


def fill_review(page, decision: str) -> None:
    page.check(f"input[name=decision][value={decision}]")
    answer_checklist(page, failing=None if decision == "approve" else "scientific")
    page.check("input[name=secrecy][value=public]")
    if decision != "approve":
        page.fill("#f-comment", "停药建议需专家评议")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_joint_reviewer_approves_without_experts(served, chromium, size):
    task_id = at_joint_review(served.app)
    office = Person(chromium, served, "zhaolei")
    page = office.page
    page.set_viewport_size(SIZES[size])
    office.goto(f"/tasks/{task_id}")
    assert not page.is_visible("[data-field=experts]")
    assert not starred(page, "comment") and starred(page, "decision")
    fill_review(page, "approve")
    assert not page.is_visible("[data-field=experts]")
    submit(page)
    page.wait_for_url("**/items/*")
    assert "同意发布" in page.inner_text(".timeline")
    office.shot(f"joint-approve-{size}")
    assert office.problems == []
    office.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_calling_the_panel_shows_the_expert_field_and_requires_it(served, chromium, size):
    task_id = at_joint_review(served.app)
    office = Person(chromium, served, "zhaolei")
    page = office.page
    page.set_viewport_size(SIZES[size])
    office.goto(f"/tasks/{task_id}")
    fill_review(page, "experts")
    assert page.is_visible("[data-field=experts]") and starred(page, "experts")
    submit(page)
    page.wait_for_selector(".error-box")
    assert "此项为必填项" in page.inner_text("[data-field=experts]")
    assert page.is_visible("[data-field=experts]")
    page.check("input[name=experts][value=fengxue]")
    page.check("input[name=decision][value=return]")
    assert not page.is_visible("[data-field=experts]")
    page.check("input[name=decision][value=experts]")
    assert page.is_checked("input[name=experts][value=fengxue]")
    ARTIFACTS.mkdir(exist_ok=True)
    office.shot(f"joint-experts-{size}")
    submit(page)
    page.wait_for_url("**/items/*")
    told = page.inner_text(".timeline")
    assert "提请专家评议" in told and "评议专家：冯雪" in told and "experts" not in told
    assert [p for p in office.problems if "status of 400" not in p] == []  # 400: the refusal
    office.close()
