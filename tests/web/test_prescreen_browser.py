"""Issue 15 in Chromium, at desktop (1366×768) and phone (390×844): zhangwei submits a post
with a patient's phone number and 根治; lina sees both highlighted with their articles, the
checklist items concerned flagged, and cannot approve without a reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.web.browser_sizes import SIZES, Sized, chromium_fixture, drafting_post, open_task, served_fixture  # noqa: F401
from tests.web.test_browser import pytestmark  # noqa: F401 - skipped without Chromium

BODY = "患者李某（电话 13912345678）来我院治疗三个月，高血压已根治。\n\n供稿：心血管内科"
SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
REASON = "号码已征得患者书面同意公开；“根治”经专家确认为“控制良好”，已改。"


def submitted_by_zhangwei(served, chromium, size: str) -> int:
    """zhangwei writes and submits the post on his drafting page; return the item."""
    instance, author = drafting_post(served, chromium, size, BODY)
    page = author.page
    page.fill("#f-source", "心血管内科原创")
    page.click("button.js-submit")
    page.wait_for_url(re.compile(r".*/(items|tasks)/.*"))
    assert author.problems == []
    author.close()
    return instance


@pytest.mark.parametrize("size", SIZES)
def test_lina_sees_both_findings_and_cannot_approve_without_a_reason(served, chromium, size):
    engine = served.app.extensions["shenfa"]
    instance = submitted_by_zhangwei(served, chromium, size)
    task = open_task(engine, instance, "Task_review_dept")
    assert task is not None
    lina = Sized(chromium, served, "lina", size)
    page = lina.page
    lina.goto(f"/tasks/{task}")
    width = SIZES[size]["width"]

    marks = {m.inner_text(): m.get_attribute("title") for m in page.query_selector_all(".post-body mark.pf")}
    assert "第七条三" in marks["13912345678"] and "第七条二" in marks["根治"]
    for text in ("13912345678", "根治"):
        box = page.locator(f".post-body mark.pf:has-text('{text}')").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    page.focus(".post-body mark.pf >> nth=0")  # keyboard: a mark takes focus, its tip shows
    assert page.evaluate("document.activeElement.tagName") == "MARK"
    tip = page.evaluate("getComputedStyle(document.activeElement, '::after').content")
    assert "第七条三" in tip

    listed = page.locator("#prescreen")
    assert listed.is_visible() and "机器预审提示" in listed.inner_text()
    items = listed.inner_text()
    assert "第七条三" in items and "第七条二" in items and "合法性与保密性" in items
    assert "科学性与真实性" in items
    for item in ("lawful", "scientific"):
        row = page.locator(f"#check-{item}")
        assert "attention" in (row.get_attribute("class") or "")
        assert row.locator(".pf-attention").is_visible()
        assert not row.locator("input[type=radio]:checked").count()  # flagged, not answered
    assert "attention" not in (page.locator("#check-public_interest").get_attribute("class") or "")

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"prescreen-{size}.png"), full_page=True)
    page.click("button.all-pass")
    page.check("input[name=secrecy][value=public]")
    page.check("input[name=proofread]")
    page.click("button.js-approve")
    page.wait_for_load_state()
    error = page.locator("[data-field=prescreen_reason]")
    assert error.is_visible() and "理由" in error.inner_text()
    assert open_task(engine, instance, "Task_review_dept") == task  # nothing went on
    page.screenshot(path=str(SHOTS / f"prescreen-refused-{size}.png"), full_page=True)

    page.fill("[name=prescreen_reason]", REASON)
    page.click("button.js-approve")
    page.wait_for_url(re.compile(r".*/(items|tasks)/.*"))
    assert open_task(engine, instance, "Task_review_dept") is None
    assert [p for p in lina.problems if "status of 4" not in p] == []
    lina.close()
