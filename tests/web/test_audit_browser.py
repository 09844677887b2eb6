"""A real Chromium: an auditor steps through a three-review with one return on its diagram.

At every step the diagram's markers must match the element states of that step
(completed / active / waiting); screenshots of the telling steps land in
``tests/artifacts/audit-replay-*.png``.
"""

from __future__ import annotations

from engine.audit.timeline import timeline
from tests.support import APPROVE, DRAFT, Driver, returned
from tests.web.test_browser import ARTIFACTS, Person, chromium, pytestmark, served  # noqa: F401

START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}


def returned_once(app) -> int:
    drive = Driver(app.extensions["shenfa"])
    item = drive.start("three_review", "zhaolei", START)
    drive.act(item, "Task_draft", "zhaolei", DRAFT)
    drive.act(item, "Task_review", "zhoujie", APPROVE)
    drive.act(item, "Task_check", "sunli", returned("请注明指南出处", "scientific"))
    drive.act(item, "Task_draft", "zhaolei", {**DRAFT, "source": "《中国高血压防治指南》"})
    for spec, user in [("Task_review", "zhoujie"), ("Task_check", "sunli"), ("Task_sign", "zhengqiang")]:
        drive.act(item, spec, user, APPROVE)
    return item


def markers(page) -> dict[str, str]:
    """Return the state marker bpmn-js drew on each element."""
    return page.evaluate("""() => {
      const out = {};
      for (const el of document.querySelectorAll('.djs-element[data-element-id]')) {
        for (const state of ['completed', 'active', 'waiting']) {
          if (el.classList.contains('state-' + state)) out[el.getAttribute('data-element-id')] = state;
        }
      }
      return out;
    }""")


def test_auditor_steps_through_a_returned_three_review(served, chromium):  # noqa: F811
    item = returned_once(served.app)
    with served.app.extensions["shenfa"].db.transaction() as session:
        steps = timeline(session, item)["steps"]
    auditor = Person(chromium, served, "gaoyan", home="/audit/")  # auditors land on 审计
    page = auditor.page
    auditor.goto("/audit/?model=three_review")
    page.click(f"a[href='/audit/items/{item}']:has-text('#{item}')")
    page.click("#step-first")
    for n, step in enumerate(steps, 1):
        page.wait_for_selector("#diagram[data-rendered=true]")
        assert page.inner_text("#step-n") == str(n)
        drawn = markers(page)
        assert drawn == step["states"], (n, step["type"], step["task_spec"])
        if step["type"] == "task_completed" or n == 1:
            auditor.shot(f"audit-replay-step-{n:02d}")
        if step["decision"] == "return":
            assert "退回修改" in page.inner_text("#step-detail")
            assert drawn["Task_check"] == "completed" and "Task_sign" not in drawn
        if n < len(steps):
            page.click("#step-next")
    assert drawn["Task_sign"] == "completed"
    assert "通过" in page.inner_text("#verdict-replay") and "完整" in page.inner_text("#verdict-chain")
    # keyboard and deep link
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(f"**/audit/items/{item}?step={len(steps) - 1}")
    auditor.goto(f"/audit/items/{item}?step=3")
    page.wait_for_selector("#diagram[data-rendered=true]")
    assert markers(page).get("Task_draft") == "completed"
    # auto-play moves on by itself
    page.click("#step-play")
    page.wait_for_url(f"**/audit/items/{item}?step=5&play=1", timeout=10000)
    page.click("#step-pause")
    auditor.goto(f"/audit/items/{item}/record")
    auditor.shot("audit-record-form2")
    assert not auditor.problems, auditor.problems
    auditor.close()
