"""The process designer in a real Chromium: model a fourth review stage, deploy, migrate.

songyu opens three_review in the modeler, adds a stage (四审: the Party Secretary's gate,
第十一条) in a new lane, sees the check's markers (the lane names no role, the task has no
form), fixes both in the properties panel, deploys version 2 with a change note, dry-runs
the migration of the running items and migrates them.  An item migrated mid-way then
completes on version 2 and its verified replay passes.  Screenshots: ``tests/artifacts/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.audit.replay import verify_instance
from tests.support import APPROVE, DRAFT, Driver
from tests.web import test_browser
from tests.web.test_browser import CHROMIUM, Person

served, chromium = test_browser.served, test_browser.chromium  # the same module-scoped fixtures

START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}
V1_TASKS = {"Task_draft", "Task_review_dept", "Task_review", "Task_check", "Task_sign"}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian's chromium is not installed (make system-deps)")


def rect(page, element_id: str) -> dict:
    return page.evaluate("""(id) => {
        const g = window.shenfaModeler.get('elementRegistry').getGraphics(id).getBoundingClientRect();
        return {x: g.x, y: g.y, w: g.width, h: g.height}; }""", element_id)


def ids(page, kind: str) -> set[str]:
    return set(page.evaluate("""(t) => window.shenfaModeler.get('elementRegistry')
        .filter(e => e.type === t).map(e => e.id)""", kind))


def fit(page) -> None:
    """Zoom to show the whole diagram, as a designer would after it grew."""
    page.evaluate("() => window.shenfaModeler.get('canvas').zoom('fit-viewport')")


def centre(box: dict) -> tuple[float, float]:
    return box["x"] + box["w"] / 2, box["y"] + box["h"] / 2


def add_lane_below(page, lane_id: str) -> str:
    before = ids(page, "bpmn:Lane")
    box = rect(page, lane_id)
    page.mouse.click(box["x"] + 12, box["y"] + box["h"] / 2)  # the lane's label strip
    page.click('.djs-context-pad .entry[data-action="lane-insert-below"]')
    return (ids(page, "bpmn:Lane") - before).pop()


def drop_task_on_flow(page, flow_id: str) -> str:
    before = ids(page, "bpmn:Task")
    x, y = centre(rect(page, flow_id))
    page.click('.djs-palette .entry[data-action="create.task"]')
    page.mouse.move(x, y, steps=5)
    page.mouse.click(x, y)
    fit(page)
    return (ids(page, "bpmn:Task") - before).pop()


def make_user_task(page, task_id: str) -> str:
    # The replace menu is opened through its API at the context pad's wrench (a click on the
    # wrench opens and closes it again under headless Chromium); its entry is clicked for real.
    page.evaluate("""(id) => { const m = window.shenfaModeler;
        const pad = document.querySelector('.djs-context-pad .entry[data-action=replace]').getBoundingClientRect();
        m.get('popupMenu').open(m.get('elementRegistry').get(id), 'bpmn-replace', {x: pad.x, y: pad.y + 20}); }""",
                  task_id)
    page.click('.djs-popup [data-id="replace-with-user-task"]')
    return (ids(page, "bpmn:UserTask") - V1_TASKS).pop()


def drag_into(page, element_id: str, lane_id: str) -> None:
    x, y = centre(rect(page, element_id))
    _, lane_y = centre(rect(page, lane_id))
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, lane_y, steps=10)
    page.mouse.up()
    fit(page)


def select_lane(page, lane_id: str) -> None:
    box = rect(page, lane_id)
    page.mouse.click(box["x"] + 12, box["y"] + box["h"] / 2)  # the lane's label strip
    page.wait_for_selector(f"#panel:has-text('{lane_id}')")


def items_on_v1(app) -> tuple[int, int]:
    drive = Driver(app.extensions["shenfa"])
    midway = drive.start("three_review", "zhangwei", START)
    drive.act(midway, "Task_draft", "zhangwei", DRAFT)
    drive.act(midway, "Task_review", "zhoujie", APPROVE)
    fresh = drive.start("three_review", "zhangwei", START)
    return midway, fresh


def test_designer_adds_a_stage_deploys_and_migrates(served, chromium):
    midway, fresh = items_on_v1(served.app)
    songyu = Person(chromium, served, "songyu")
    page = songyu.page
    page.set_viewport_size({"width": 1600, "height": 1000})
    songyu.goto("/designer/")
    assert "v1：2 件" in page.inner_text("tr[data-key=three_review]")
    songyu.shot("designer-workspace")
    page.click("tr[data-key=three_review] a:has-text('打开建模器')")
    page.wait_for_selector("#canvas[data-ready=true]")

    lane = add_lane_below(page, "Lane_publicity_leader")
    fit(page)
    task = make_user_task(page, drop_task_on_flow(page, "Flow_sign_ok"))
    drag_into(page, task, lane)
    page.click("#btn-check")
    page.wait_for_selector(f".finding-badge[data-element={task}]")
    findings = page.inner_text("#findings")
    assert "所在泳道未指定角色" in findings and "未指定表单" in findings
    songyu.shot("designer-markers")

    page.click("#findings li:has-text('未指定表单')")  # a finding selects its element
    page.wait_for_selector(f"#panel:has-text('{task}')")
    page.fill("#prop-name", "党委书记终审（四审四校）")
    page.press("#prop-name", "Tab")
    page.select_option("#prop-formName", "post_review")
    page.check("#prop-reviewStage")
    page.fill("#prop-recordLabel", "终审")
    page.press("#prop-recordLabel", "Tab")
    select_lane(page, lane)
    page.select_option("#prop-role", "party_secretary")
    page.click("#btn-save")
    page.wait_for_selector("#status:has-text('草稿已保存')")
    page.click("#btn-check")
    page.wait_for_selector("#findings li.ok")
    assert page.query_selector(".finding-badge") is None
    page.fill("#deploy-note", "第十一条：重要时间节点增加党委书记终审")
    page.click("#btn-deploy")
    page.wait_for_selector("#canvas[data-deployed='2']")
    assert "已部署为版本 2" in page.inner_text("#status")
    songyu.shot("designer-deployed")

    songyu.goto("/designer/models/three_review/diff")
    page.wait_for_selector("#diagram-new[data-rendered=true]")
    assert page.query_selector(f"#diagram-new .diff-added[data-element-id={task}]") is not None
    assert "党委书记终审（四审四校）" in page.inner_text(".diff-table")
    songyu.shot("designer-diff")

    songyu.goto("/designer/models/three_review/migrate")
    rows = page.query_selector_all("table.dry-run tbody tr[data-migratable=true]")
    assert {int(r.get_attribute("data-id")) for r in rows} == {midway, fresh}
    page.click("#btn-migrate")
    page.wait_for_selector("#progress-text:has-text('完成')")
    assert page.inner_text(f"tr[data-id='{midway}'] .outcome") == "已迁移"
    songyu.shot("designer-migrated")
    songyu.goto("/designer/models/three_review")
    assert "第十一条：重要时间节点增加党委书记终审" in page.inner_text("table.versions")
    songyu.shot("designer-model")
    assert songyu.problems == [] or all("deprecated" in p for p in songyu.problems)
    songyu.close()

    drive = Driver(served.app.extensions["shenfa"])
    drive.act(midway, "Task_check", "sunli", APPROVE)
    drive.act(midway, "Task_sign", "zhengqiang", APPROVE)
    drive.act(midway, task, "qianjun", APPROVE)
    detail = drive.detail(midway)
    assert detail["status"] == "completed" and detail["model_version"] == 2
    verdict = verify_instance(served.app.extensions["shenfa"], midway)
    assert verdict.ok, verdict.message


def test_form_editor_previews_live_and_checks_the_schema(served, chromium):
    songyu = Person(chromium, served, "songyu")
    page = songyu.page
    page.set_viewport_size({"width": 1400, "height": 1000})
    songyu.goto("/designer/forms")
    page.click("a:has-text('post_draft')")
    page.wait_for_selector("#form-editor[data-checked=ok]")
    assert page.query_selector("#preview [data-field=title]") is not None
    schema = page.input_value("#schema")
    page.fill("#schema", schema[:-5])
    page.wait_for_selector("#form-editor[data-checked=error]")
    assert "JSON 语法错误" in page.inner_text("#schema-error")
    summary = '\n    "summary": {"type": "string", "title": "内容摘要"},'
    added = schema.replace('"properties": {', '"properties": {' + summary, 1)
    page.fill("#schema", added)
    page.wait_for_selector("#preview [data-field=summary]")
    assert page.is_hidden("#schema-error")
    page.click("#btn-form-save")
    page.wait_for_selector("#form-status:has-text('表单草稿已保存')")
    songyu.shot("designer-form-editor")
    assert songyu.problems == []
    songyu.close()


def pick(page, element_id: str) -> None:
    """Select an element (the panel under test reads the selection)."""
    page.evaluate("""(id) => { const m = window.shenfaModeler;
        m.get('selection').select(m.get('elementRegistry').get(id)); }""", element_id)
    page.wait_for_selector(f"#panel:has-text('{element_id}')")


def test_panel_edits_timers_conditions_and_keeps_spiff_properties(served, chromium):
    songyu = Person(chromium, served, "songyu")
    page = songyu.page
    songyu.goto("/designer/models/incident_closure/edit")
    page.wait_for_selector("#canvas[data-ready=true]")
    pick(page, "Timer_correct")
    assert page.input_value("#prop-timer") == '"PT30M"'
    page.fill("#prop-timer", '"PT20M"')
    page.press("#prop-timer", "Tab")
    pick(page, "Flow_type_wording")
    page.fill("#prop-condition", 'finding in ("wording", "typo")')
    page.press("#prop-condition", "Tab")
    pick(page, "Gateway_type")
    assert page.input_value("#prop-default") != ""
    songyu.shot("designer-panel-timer")
    page.click("#btn-save")
    page.wait_for_selector("#status:has-text('草稿已保存')")
    xml = page.evaluate("() => fetch(document.getElementById('canvas').dataset.source)"
                        ".then(r => r.json()).then(d => d.xml)")
    plain = xml.replace("&#34;", '"').replace("&quot;", '"')
    assert '"PT20M"' in plain and 'finding in ("wording", "typo")' in plain
    assert xml.count("<spiffworkflow:property ") == 16  # every extension property survived
    page.click("#btn-check")
    page.wait_for_selector("#findings li.ok")
    assert songyu.problems == []
    songyu.close()
