"""A real Chromium: the item and replay diagrams open the called models with their own progress.

A tier-1 post runs 信息发布审核 → 三审三校 → 发布与发布后监测.  On the item page the
call activities are marked (三审三校 completed, 监测 active) and each opens its
model's diagram; the replay of a 三审三校 step shows three_review, and goes up to
post_review.  Desktop (1366×768) and phone (390×844).
"""

from __future__ import annotations

import pytest

from engine.audit.timeline import timeline
from engine.demo.items import Walker
from engine.demo.procedures import tier1_published_monitoring
from tests.web.test_audit_browser import markers
from tests.web.test_browser import Person, chromium, pytestmark, served  # noqa: F401

SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


def rendered(page, shown: str) -> dict[str, str]:
    page.wait_for_selector(f"#diagram[data-rendered=true][data-shown='{shown}']")
    return markers(page)


@pytest.mark.parametrize("size", SIZES)
def test_the_item_diagram_opens_the_called_models(served, chromium, size):  # noqa: F811
    item = tier1_published_monitoring(Walker(served.app.extensions["shenfa"], lambda _l: None))
    person = Person(chromium, served, "zhaolei")  # the post's author
    page = person.page
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    person.goto(f"/items/{item}")
    top = rendered(page, "")
    assert (top["Call_three"], top["Call_monitor"]) == ("completed", "active")
    assert "Call_four" not in top
    page.click("button:has-text('查看子流程「三审三校」')")
    inside = rendered(page, "Call_three")
    assert all(inside[s] == "completed" for s in ("Task_draft", "Task_review", "Task_check",
                                                  "Task_sign"))
    person.shot(f"item-called-three-review-{size}")
    page.click("button:has-text('返回上级流程')")
    assert rendered(page, "")["Call_monitor"] == "active"
    page.click("button:has-text('查看子流程「发布与发布后监测」')")
    assert rendered(page, "Call_monitor")["Task_monitor"] == "active"
    assert not person.problems, person.problems
    person.close()


def test_a_replayed_three_review_step_is_drawn_on_three_review(served, chromium):  # noqa: F811
    item = tier1_published_monitoring(Walker(served.app.extensions["shenfa"], lambda _l: None))
    with served.app.extensions["shenfa"].db.transaction() as session:
        steps = timeline(session, item)["steps"]
    n = next(i for i, s in enumerate(steps, 1)
             if s["type"] == "task_completed" and s["task_spec"] == "Task_check")
    auditor = Person(chromium, served, "gaoyan", home="/audit/")  # auditors land on 审计
    page = auditor.page
    auditor.goto(f"/audit/items/{item}?step={n}")
    inside = rendered(page, "Call_three")
    assert inside["Task_check"] == "completed" and "Task_secretary" not in inside
    assert "三审三校" in page.inner_text(".legend")
    page.click("button:has-text('返回上级流程')")
    assert rendered(page, "")["Call_three"] == "active"
    assert not auditor.problems, auditor.problems
    auditor.close()
