"""The auditor's register in Chromium at desktop and phone size (issue 12).

Auditors land on 审计; the register shows 当前环节; the person filter takes a name
(张伟) as well as a user name; a bad filter is named beside its field while the
register stays; the register and the replay use the full width and the diagram zooms;
the CSV export speaks local time.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from engine.demo import items as demo
from tests.web.browser_sizes import SIZES, Sized, chromium_fixture, serve_copy, stop  # noqa: F401
from tests.web.test_browser import pytestmark  # noqa: F401 - skipped without Chromium


@pytest.fixture(scope="module")
def served(tmp_path_factory, sqlite_template):
    base = serve_copy(tmp_path_factory, sqlite_template)
    demo.run(base.app.extensions["shenfa"], lambda line: None)
    yield base
    stop(base)


def register_ids(page) -> set[int]:
    return {int(t[1:]) for t in page.locator("#audit-items tbody td:first-child a").all_inner_texts()}


@pytest.mark.parametrize("size", SIZES)
def test_the_auditor_lands_on_the_register_and_filters_by_name(served, chromium, size):
    auditor = Sized(chromium, served, "gaoyan", size)
    page = auditor.page
    assert page.url == f"{served}/audit/"  # no detour through an empty inbox
    headers = page.locator("#audit-items thead th").all_inner_texts()
    assert "当前环节" in headers
    column = headers.index("当前环节") + 1
    stages = page.locator(f"#audit-items tbody td:nth-child({column})").all_inner_texts()
    assert any("核稿" in s for s in stages)  # 流感季就诊指引 waits at 核稿
    everyone = register_ids(page)
    page.fill("input[name=person]", "张伟")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"person="))
    by_name = register_ids(page)
    auditor.goto("/audit/?person=zhangwei")
    assert by_name and by_name == register_ids(page) and by_name < everyone
    assert auditor.problems == []
    auditor.close()


@pytest.mark.parametrize("size", SIZES)
def test_a_bad_filter_is_named_beside_it_and_the_register_stays(served, chromium, size):
    auditor = Sized(chromium, served, "gaoyan", size)
    page = auditor.page
    response = auditor.goto("/audit/?since=2026-13-01&model=three_review")
    assert response.status == 400
    error = page.locator(".field-error[data-field=since]")
    assert "开始日期格式应为 YYYY-MM-DD" in error.inner_text()
    label = page.locator("label", has=page.locator("input[name=since]"))
    assert label.locator(".field-error").count() == 1  # beside its own field
    assert page.locator("#filter-errors").is_visible()
    rows = register_ids(page)
    assert len(rows) == 2  # the good filter (三审三校) still applies
    auditor.close()


@pytest.mark.parametrize("size", SIZES)
def test_full_width_a_zoomable_replay_and_local_times_in_the_csv(served, chromium, size):
    auditor = Sized(chromium, served, "gaoyan", size)
    page = auditor.page
    width = SIZES[size]["width"]
    main = page.locator("main").bounding_box()
    assert main["width"] >= width - 20  # the register uses the whole window
    item = min(register_ids(page))
    auditor.goto(f"/audit/items/{item}?step=1")
    page.wait_for_selector("#diagram[data-rendered=true]")
    assert page.locator("#diagram").bounding_box()["width"] >= width - 80
    before = float(page.get_attribute("#diagram", "data-zoom"))
    page.click(".zoom-controls button[aria-label=放大]")
    after = float(page.get_attribute("#diagram", "data-zoom"))
    assert after == pytest.approx(before * 1.25, rel=0.01)
    page.click(".zoom-controls button[aria-label=适应窗口]")
    assert float(page.get_attribute("#diagram", "data-zoom")) == pytest.approx(before, rel=0.01)
    exported = page.request.get(f"{served}/audit/items.csv").text()
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    assert rows and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r["发起时间"]) for r in rows)
    assert "+00:00" not in exported and not re.search(r"\d\d:\d\d:\d\d\.\d{6}", exported)
    assert "当前环节" in rows[0]
    assert auditor.problems == []
    auditor.close()
