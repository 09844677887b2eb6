"""预审规则 in Chromium, at desktop (1366×768) and phone (390×844): songyu opens the page from the
designer workspace, adds a word to the advertising file, sees a bad edit refused naming the file,
tries a sample and sees the word marked with its article, deploys with a note, and the versions
list shows the new version, which the next screening uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.app import prescreen as prescreen_app
from tests.web.browser_sizes import SIZES, Sized, chromium_fixture, served_fixture  # noqa: F401
from tests.web.test_browser import pytestmark  # noqa: F401 - skipped without Chromium

WORDS = {"desktop": "灵丹妙药", "phone": "仙丹"}
SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
EDITOR = "textarea.ps-text[data-file='advertising.yaml']"


def in_use(served):
    with served.app.extensions["shenfa"].db.reading() as session:
        return prescreen_app.rules_in_use(session)


def open_rules_page(chromium, served, size: str) -> Sized:
    songyu = Sized(chromium, served, "songyu", size)
    songyu.goto("/designer/")
    songyu.page.click("#link-prescreen")
    songyu.page.wait_for_selector("#ps-rules")
    return songyu


def try_sample(page, sample: str) -> None:
    page.fill("#ps-sample", sample)
    page.click("#btn-ps-try")
    page.wait_for_function("() => ['ok', 'error'].includes(document.querySelector('#ps-rules').dataset.tried)")


@pytest.mark.parametrize("size", SIZES)
def test_designer_adds_a_word_tries_it_and_deploys(served, chromium, size):
    word, before = WORDS[size], in_use(served)
    songyu = open_rules_page(chromium, served, size)
    page = songyu.page
    files = page.inner_text("table.ps-files")
    assert "advertising.yaml" in files and "医疗广告与推广" in files
    page.click("tr[data-file='advertising.yaml'] button.ps-open")
    original = page.input_value(EDITOR)

    page.fill(EDITOR, original.replace("    severity: high\n", "    severity: high\n    colour: red\n", 1))
    try_sample(page, f"这是{word}。")
    assert "advertising.yaml 第 1 条规则" in page.inner_text("#ps-error") and "colour" in page.inner_text("#ps-error")
    beside = page.locator(".ps-editor[data-file='advertising.yaml'] .ps-file-error")
    assert beside.is_visible() and "colour" in beside.inner_text()  # shown by the file too

    page.fill(EDITOR, original.replace("神医, 神药,", f"神医, 神药, {word},"))
    assert page.locator("tr[data-file='advertising.yaml'] .ps-edited").is_visible()
    sample = f"朋友推荐的{word}，吃了三天就好了。\n供稿：心血管内科"
    try_sample(page, sample)
    assert page.locator("#ps-error").is_hidden()
    mark = page.locator("#ps-marked mark.pf")
    assert mark.inner_text() == word and "第七条二" in mark.get_attribute("data-tip")
    assert mark.is_visible() and (mark.bounding_box() or {"x": -1})["x"] >= 0
    finding = page.locator(".ps-findings li[data-rule='advertising.absolute']")
    assert "第七条二" in finding.inner_text() and "高风险" in finding.inner_text() and word in finding.inner_text()
    assert in_use(served).version == before.version  # tried, not deployed
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"prescreen-rules-{size}.png"), full_page=True)

    page.click("#btn-ps-deploy")  # without a note: refused, nothing deployed
    page.wait_for_function("() => document.querySelector('#ps-status').textContent.includes('部署说明')")
    assert in_use(served).version == before.version
    page.fill("#ps-note", f"医疗广告词表增加“{word}”")
    page.click("#btn-ps-deploy")
    page.wait_for_function("() => !!document.querySelector('#ps-rules').dataset.deployed")
    version = page.get_attribute("#ps-rules", "data-deployed")
    newest = page.locator("table.ps-versions tbody tr").first
    assert version in newest.inner_text() and f"增加“{word}”" in newest.inner_text() and "使用中" in newest.inner_text()
    assert "已部署" in page.inner_text("#ps-status") and page.inner_text("#rules-state") == "已部署"
    assert page.inner_text("#rules-version") == version
    after = in_use(served)
    assert after.version == version != before.version
    findings = prescreen_app.screen_post(after, sample).findings
    assert [(f.rule, f.text) for f in findings if f.text == word] == [("advertising.absolute", word)]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= SIZES[size]["width"]
    assert [p for p in songyu.problems if "status of 4" not in p] == []
    songyu.close()
