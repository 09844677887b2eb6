"""图片来源 in Chromium at desktop (1366×768) and phone (390×844): zhangwei gives one image
its source on upload and another in place, typing his post all the while (nothing typed is
lost); lina's review shows each image's source beside it and marks only the image without."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.web.browser_sizes import SIZES, Sized, chromium_fixture, drafting_post, open_task, served_fixture  # noqa: F401
from tests.web.test_browser import pytestmark  # noqa: F401 - skipped without Chromium
from tests.web.test_browser_journeys import PNG

SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
BODY = "冬季注意保暖，按时服药。"
MORE = "\n\n供稿：心血管内科"


def uploaded(page, folder: Path, name: str, source: str = "") -> None:
    """Upload image ``name`` through the attachments box, with ``source`` typed in."""
    (folder / name).write_bytes(PNG)
    page.set_input_files("#attachments input[type=file]", str(folder / name))
    page.fill("#upload-source", source)
    page.click("#attachments .upload-form button[type=submit]")
    page.wait_for_selector(f"#attachments li:has-text('{name}')")


def drafted_with_images(served, chromium, size: str, folder: Path) -> int:
    """zhangwei drafts on his page, attaching 现场, 图表 and 流程 as he types; return the item."""
    instance, author = drafting_post(served, chromium, size, BODY)
    page = author.page
    page.evaluate("window.__same_page = true")
    uploaded(page, folder, "现场.png", "宣传科摄")
    page.type("#f-body", MORE)  # typed between the uploads
    uploaded(page, folder, "图表.png")
    uploaded(page, folder, "流程.png")
    row = page.locator("#attachments li:has-text('流程.png')")
    row.locator("input[name=source]").fill("科室自绘")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("#attachments li:has-text('流程.png') .att-source:has-text('来源：科室自绘')")
    assert page.evaluate("window.__same_page") is True  # no reload: the typed post is all there
    assert page.input_value("#f-body") == BODY + MORE
    assert page.input_value("#f-title") == f"护心-{size}"
    shown = page.locator("#attachments li:has-text('现场.png') .att-source").inner_text()
    assert shown == "来源：宣传科摄"
    assert page.locator("#attachments .att-nosource").count() == 1  # only 图表.png
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#attachments").screenshot(path=str(SHOTS / f"image-sources-draft-{size}.png"))
    page.fill("#f-source", "心血管内科原创")
    page.click("button.js-submit")
    page.wait_for_url(re.compile(r".*/(items|tasks)/.*"))
    assert author.problems == []
    author.close()
    return instance


@pytest.mark.parametrize("size", SIZES)
def test_lina_sees_each_images_source_and_only_the_unsourced_one_marked(served, chromium, size,
                                                                       tmp_path):
    engine = served.app.extensions["shenfa"]
    instance = drafted_with_images(served, chromium, size, tmp_path)
    task = open_task(engine, instance, "Task_review_dept")
    assert task is not None
    lina = Sized(chromium, served, "lina", size)
    page = lina.page
    lina.goto(f"/tasks/{task}")
    for name, source in (("现场.png", "宣传科摄"), ("流程.png", "科室自绘")):
        row = page.locator(f"#attachments li:has-text('{name}')")
        assert row.locator(".att-source").inner_text() == f"来源：{source}"
        assert row.locator(".att-nosource").count() == 0
        assert row.locator("img.thumb").is_visible()
    unsourced = page.locator("#attachments li:has-text('图表.png') .att-nosource")
    assert unsourced.is_visible() and unsourced.inner_text() == "未注明来源"
    box = unsourced.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= SIZES[size]["width"] + 1
    marks = page.locator("#prescreen .pf-item:has-text('未注明来源')")
    assert marks.count() == 1 and "「图表.png」" in marks.inner_text()
    assert page.locator("#attachments form.source-form").count() == 0  # fixed once submitted
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"image-sources-{size}.png"), full_page=True)
    assert [p for p in lina.problems if "status of 4" not in p] == []
    lina.close()
