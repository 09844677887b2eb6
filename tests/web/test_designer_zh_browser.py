"""The designer in Chromium at desktop and phone size (issue 12).

bpmn-js speaks Chinese (palette, context pad); findings are Chinese only and a lane's
problem sits on the lane; forms are chosen by title; the canvas uses the full width;
deploying a called model names its callers and redeploys them; the migration dry run
counts the items running inside callers and previews each item's changes.
"""

from __future__ import annotations

import re

import pytest

from engine.store.schema import Instance, ModelVersion
from tests.proc_support import account_id
from tests.support import DRAFT, Driver
from tests.web.browser_sizes import SIZES, Sized, chromium_fixture, serve_copy, stop  # noqa: F401
from tests.web.test_browser import pytestmark  # noqa: F401 - skipped without Chromium

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def served(tmp_path_factory, sqlite_template):
    base = serve_copy(tmp_path_factory, sqlite_template)
    yield base
    stop(base)


def english_words(text: str) -> list[str]:
    bare = re.sub(r"\[[^\]]*\]|`[^`]*`|'[^']*'|「[^」]*」|\([a-z_]+\)", "", text)
    return [w for w in re.findall(r"[A-Za-z]{3,}", bare) if w != "XML"]


def select(page, element_id: str) -> None:
    page.evaluate("""(id) => { const m = window.shenfaModeler;
      m.get('selection').select(m.get('elementRegistry').get(id)); }""", element_id)


def open_modeler(person: Sized, key: str = "three_review") -> None:
    person.goto(f"/designer/models/{key}/edit")
    person.page.wait_for_selector("#canvas[data-ready=true]")


@pytest.mark.parametrize("size", SIZES)
def test_bpmn_js_in_chinese_findings_on_the_lane_and_forms_by_title(served, chromium, size):
    songyu = Sized(chromium, served, "songyu", size)
    page = songyu.page
    open_modeler(songyu)
    palette = page.locator(".djs-palette .entry[title]").evaluate_all("els => els.map(e => e.title)")
    assert "任务" in palette and all(CJK.search(t) for t in palette), palette
    select(page, "Task_draft")
    pad = page.locator(".djs-context-pad .entry[title]").evaluate_all("els => els.map(e => e.title)")
    assert "追加任务" in pad and "删除" in pad and all(CJK.search(t) for t in pad), pad
    options = page.locator("#prop-formName option").all_inner_texts()
    assert "拟稿（附件2 信息发布审批及保密审查表）（post_draft）" in options
    assert page.locator("#prop-formName option:checked").inner_text().startswith("拟稿（附件2")
    select(page, "Lane_initiator")
    page.select_option("#prop-role", "")
    page.click("#btn-check")
    page.wait_for_selector(".finding-badge[data-element=Lane_initiator]")
    findings = page.inner_text("#findings")
    assert "所在泳道未指定角色" in findings and english_words(findings) == [], findings
    if size == "desktop":
        assert page.locator("#canvas").bounding_box()["width"] >= 1366 - 320 - 80
    assert songyu.problems == []
    songyu.close()


def running_on_old_versions(app, size: str) -> tuple[int, int]:
    """A tier-2 post inside its three_review call, and a plain three_review item."""
    engine = app.extensions["shenfa"]
    drive = Driver(engine)
    post = drive.start("post_review", "zhangwei", {"account_id": account_id(engine, "心血管内科健康课堂"),
                                                   "title": f"调用中（{size}）", "planned_date": "2026-12-01"})
    drive.act(post, "Task_draft", "zhangwei", {**DRAFT, "title": f"调用中（{size}）"})
    plain = drive.start("three_review", "zhangwei", {"title": f"直接发起（{size}）", "media": ["订阅号"]})
    return post, plain


def version_of(app, instance_id: int) -> int:
    with app.extensions["shenfa"].db.transaction() as session:
        inst = session.get(Instance, instance_id)
        return session.get(ModelVersion, inst.model_version_id).version


@pytest.mark.parametrize("size", SIZES)
def test_deploying_a_called_model_offers_to_redeploy_callers_and_previews_migration(served, chromium, size):
    post, plain = running_on_old_versions(served.app, size)
    songyu = Sized(chromium, served, "songyu", size)
    page = songyu.page
    open_modeler(songyu)
    select(page, "Task_draft")
    page.fill("#prop-name", f"拟稿（{size}）")
    page.press("#prop-name", "Tab")
    page.fill("#deploy-note", f"拟稿环节更名（{size}）")
    page.click("#btn-deploy")
    page.wait_for_selector("#canvas[data-deployed]")
    status = page.inner_text("#status")
    assert "以下流程仍调用旧版本" in status and "post_review" in status
    page.click("#redeploy-callers")
    page.wait_for_selector("#status:has-text('已重新部署')")
    assert "post_review v" in page.inner_text("#status")
    songyu.goto("/designer/models/three_review/migrate")
    inside = page.inner_text("#inside-callers")
    assert re.search(r"在调用方流程中运行的事项：\d+ 件", inside) and f"#{post} 调用中（{size}）" in inside
    page.select_option("select[name=from]", str(version_of(served.app, plain)))
    page.click("button:has-text('试迁移')")
    row = page.locator(f"tr[data-id='{plain}'] td.changes")
    assert f"改名为「拟稿（{size}）」" in row.inner_text()
    assert songyu.problems == []
    songyu.close()
