"""Real days in Chromium at desktop (1366×768) and phone (390×844) size (issue 12).

Never lose typed work (async comments and uploads, autosave, images, a second
submit) and know where an item is (progress line, facts, return banner, review
bar, sole holders, urgent inbox, the start page).  The app is served by waitress
on 127.0.0.1 with the demo hospital and its sample items (``shenfa demo``).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import statistics
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from waitress import create_server

from engine.demo import items as demo
from engine.run.runtime import Engine
from engine.store.persistence import Database
from engine.store.schema import Task
from tests.web.browser_sizes import chromium_fixture  # noqa: F401 - the chromium fixture
from tests.web.test_browser import CHROMIUM
from web import create_app

playwright_api = pytest.importorskip("playwright.sync_api")

SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEh"
                       "QGAhKmMIQAAAABJRU5ErkJggg==")
APPROVE = {"decision": "approve", "comment": "同意。", "secrecy": "public", "proofread": True,
           "checklist": {k: "pass" for k in ("political", "scientific", "lawful",
                                              "public_interest", "form", "forbidden")}}
RETURN = {**APPROVE, "decision": "return", "comment": "请补充指南出处",
          "checklist": {**APPROVE["checklist"], "scientific": "fail"}}
DRAFT = {"title": "冬季护心", "body": "注意保暖。", "source": "心血管内科原创"}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian's chromium is not installed (make system-deps)")


class Served(str):
    """The base URL, carrying the app's engine for set-up steps."""


@pytest.fixture(scope="module")
def served(tmp_path_factory, sqlite_template):
    folder = tmp_path_factory.mktemp("journeys")
    shutil.copy(sqlite_template, folder / "shenfa.sqlite")
    url = f"sqlite:///{folder / 'shenfa.sqlite'}"
    db = Database(url)
    demo.run(Engine(db), lambda line: None)
    db.dispose()
    home = os.getcwd()
    os.chdir(folder)  # a relative var directory, resolved here; served from elsewhere
    try:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "journeys", "VAR_DIR": "var",
                          "SESSION_COOKIE_SECURE": False})
    finally:
        os.chdir(home)
    httpd = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=httpd.run, daemon=True)
    thread.start()
    base = Served(f"http://127.0.0.1:{httpd.effective_port}")
    base.engine, base.folder = app.extensions["shenfa"], folder
    yield base
    httpd.close()
    thread.join(timeout=5)
    app.extensions["shenfa"].db.dispose()


@pytest.fixture(params=list(SIZES))
def size(request) -> str:
    return request.param


class Person:
    """One user's browser context at one size."""

    def __init__(self, chromium, base: str, username: str, size: str):
        width, height = SIZES[size]
        self.context = chromium.new_context(viewport={"width": width, "height": height},
                                            locale="zh-CN", is_mobile=size == "phone",
                                            has_touch=size == "phone")
        self.page, self.base, self.size = self.context.new_page(), base, size
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(m.text))
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.goto(f"{base}/login")
        self.page.fill("#username", username)
        self.page.fill("#password", "demo")
        self.page.click("button[type=submit]")
        self.page.wait_for_url(f"{base}/inbox")

    def goto(self, path: str):
        return self.page.goto(self.base + path)

    def close(self) -> None:
        assert [p for p in self.problems if "status of 4" not in p] == []
        self.context.close()


@pytest.fixture
def person(chromium, served, size):
    people: list[Person] = []

    def login(username: str) -> Person:
        people.append(Person(chromium, served, username, size))
        return people[-1]

    yield login
    for p in people:
        p.close()


def open_task(engine: Engine, instance: int, spec: str) -> str:
    with engine.db.transaction() as session:
        return session.scalar(select(Task.id).where(
            Task.instance_id == instance, Task.spec_name == spec, Task.status == "open"))


def walk(engine: Engine, instance: int, steps: list[tuple[str, str, dict]]) -> None:
    for spec, user, data in steps:
        task = open_task(engine, instance, spec)
        engine.claim(task, user)
        engine.complete(task, user, data)


def drafted(served, title: str) -> int:
    """A tier-1 three-review drafted by zhaolei, waiting for 审稿 in the pool."""
    engine = served.engine
    instance = engine.start("three_review", "zhaolei", {"title": title, "media": ["官网"]})
    walk(engine, instance, [("Task_draft", "zhaolei", {**DRAFT, "title": title, "media": ["官网"]})])
    return instance


# -- never lose typed work -------------------------------------------------------------

def test_typed_work_survives_comments_uploads_and_reloads(served, person, size, tmp_path):
    instance = served.engine.start("three_review", "zhangwei", {"title": f"护心-{size}",
                                                                 "media": ["官网"]})
    author = person("zhangwei")
    page = author.page
    author.goto(f"/tasks/{open_task(served.engine, instance, 'Task_draft')}")
    page.evaluate("window.__same_page = true")
    page.fill("#f-body", "正文写到一半")
    page.fill("#f-source", "心血管内科原创")
    page.fill("#comment-body", "请帮忙看看标题")
    page.click("#comments button[type=submit]")
    page.wait_for_selector("#comments .cmt:has-text('请帮忙看看标题')")
    image = tmp_path / "photo.png"
    image.write_bytes(PNG)
    page.set_input_files("#attachments input[type=file]", str(image))
    page.click("#attachments button[type=submit]")
    page.wait_for_selector("#attachments img.thumb")
    assert page.evaluate("window.__same_page") is True  # no reload
    assert page.input_value("#f-body") == "正文写到一半"
    assert page.input_value("#f-source") == "心血管内科原创"
    # the thumbnail is drawn from the stored blob: wait for it to load (fails if it never does).
    # A function, not an expression: Playwright compiles it once inside its own call; an
    # expression is eval'd again at every poll, which the page's CSP (no unsafe-eval) refuses.
    page.wait_for_function(
        "() => document.querySelector('#attachments img.thumb').naturalWidth === 1")
    link = page.get_attribute("#attachments li a:not(:has(img))", "href")
    assert page.request.get(served + link).status == 200  # the blob, from another cwd
    page.wait_for_selector(".autosave-status:has-text('已自动保存')")
    assert re.search(r"已自动保存 \d\d:\d\d", page.inner_text(".autosave-status"))
    page.reload()
    assert page.input_value("#f-body") == "正文写到一半"  # the autosaved draft


def test_images_are_inserted_previewed_and_never_vanish_silently(served, person, size, tmp_path):
    instance = served.engine.start("three_review", "zhangwei", {"title": f"配图-{size}",
                                                                 "media": ["官网"]})
    author = person("zhangwei")
    page = author.page
    author.goto(f"/tasks/{open_task(served.engine, instance, 'Task_draft')}")
    image = tmp_path / "chart.png"
    image.write_bytes(PNG)
    page.set_input_files("#attachments input[type=file]", str(image))
    page.click("#attachments button[type=submit]")
    page.click("#attachments .insert-image")
    assert re.search(r"!\[chart\.png\]\(/attachments/\d+\)", page.input_value("#f-body"))
    page.wait_for_selector("#body-preview .preview-body img")
    page.wait_for_function(
        "() => document.querySelector('#body-preview .preview-body img').naturalWidth === 1")
    page.fill("#f-body", page.input_value("#f-body") + "\n![外链](http://example.com/x.png)")
    page.wait_for_selector("#body-preview .strip-warning:has-text('外链')")
    page.fill("#f-source", "原创")
    page.click("button.js-submit")
    page.wait_for_url(re.compile(r".*/(items|tasks)/.*"))
    author.goto(f"/items/{instance}")
    assert page.is_visible(".post .strip-warning:has-text('外链')")
    assert page.evaluate("document.querySelector('.post-body img').naturalWidth") == 1


def test_a_second_submit_by_the_same_user_is_their_success(served, person, size):
    instance = drafted(served, f"重复提交-{size}")
    task = open_task(served.engine, instance, "Task_review")
    reviewer = person("wuhua")
    page = reviewer.page
    reviewer.goto(f"/tasks/{task}")
    page.click("form[action$='/claim'] button")
    page.click("button.all-pass")
    page.check("input[name=secrecy][value=public]")
    page.check("input[name=proofread]")
    token = page.input_value("form.task-form input[name=csrf_token]")
    taps = page.evaluate("""() => new Promise(done => {
        const form = document.querySelector('form.task-form'), sent = [];
        form.addEventListener('submit', e => { sent.push(!e.defaultPrevented); e.preventDefault(); });
        const approve = document.querySelector('button.js-approve');
        approve.click(); approve.click();  // a quick double tap
        setTimeout(() => done({sent, disabled: [...form.querySelectorAll('.sticky-actions button')]
                                              .map(b => b.disabled), label: approve.textContent}), 50);
    })""")
    assert taps["sent"].count(True) == 1 and all(taps["disabled"]) and "提交中" in taps["label"]
    page.reload()
    page.click("button.all-pass")
    page.check("input[name=secrecy][value=public]")
    page.check("input[name=proofread]")
    page.click("button.js-approve")
    page.wait_for_url(lambda url: f"/tasks/{task}" not in url)
    again = page.request.post(f"{served}/tasks/{task}", form={
        "csrf_token": token, "action": "complete", "decision": "approve", "secrecy": "public",
        "proofread": "true", **{f"checklist.{k}": "pass" for k in APPROVE["checklist"]}})
    assert again.status == 200
    assert "操作冲突" not in again.text() and "已提交" in again.text()


# -- know where an item is and what to do -----------------------------------------------

def test_the_progress_line_names_the_path_people_and_times(served, person, size):
    engine = served.engine
    instance = engine.start("post_review", "zhaolei", {"account_id": 1, "title": f"节日-{size}",
                                                      "planned_date": "2026-12-01",
                                                      "important": True})
    walk(engine, instance, [("Task_draft", "zhaolei", {**DRAFT, "title": f"节日-{size}",
                                                       "media": ["官网"]}),
                            ("Task_review", "zhoujie", APPROVE), ("Task_check", "sunli", APPROVE),
                            ("Task_sign", "zhengqiang", APPROVE)])
    secretary = person("qianjun")
    page = secretary.page
    secretary.goto("/inbox")  # the Party Secretary alone holds the role: it is his at once
    page.click(f"table.list a:has-text('节日-{size}')")
    line = page.inner_text(".progress")
    assert "四审四校" in line
    names = page.eval_on_selector_all(".progress .step .step-name", "els => els.map(e => e.textContent)")
    assert names == ["拟稿", "审稿", "核稿", "审签/签发", "党委书记把关"]
    done = page.inner_text(".progress .step[data-spec=Task_check]")
    assert "孙丽" in done and "已完成" in done and re.search(r"\d\d-\d\d \d\d:\d\d", done)
    assert "钱军" in page.inner_text(".progress .step[data-spec=Task_final]")
    assert page.get_attribute(".progress .step[data-spec=Task_final]", "data-status") == "active"
    form_top = page.eval_on_selector("form.task-form", "e => e.getBoundingClientRect().top")
    assert page.eval_on_selector(".progress", "e => e.getBoundingClientRect().top") < form_top
    author = person("zhangwei")
    author.goto("/items/9")  # tier 3, disputed, joint review, experts (shenfa demo)
    path = author.page.inner_text(".progress .path")
    assert "三级平台审核" in path and "联合复审" in path and "专家评议" in path


def test_the_task_page_shows_facts_and_the_return_above_the_form(served, person, size):
    engine = served.engine
    instance = engine.start("post_review", "zhangwei", {"account_id": 5, "title": f"退回-{size}",
                                                       "planned_date": "2026-12-20"})
    walk(engine, instance, [("Task_draft", "zhangwei", DRAFT), ("Task_review_dept", "lina", RETURN)])
    author = person("zhangwei")
    page = author.page
    author.goto(f"/tasks/{open_task(engine, instance, 'Task_draft')}")
    facts = page.inner_text(".facts")
    assert "心血管内科健康课堂" in facts and "二级平台" in facts and "2026-12-20" in facts
    assert "三审三校" in facts
    banner = page.locator(".return-banner")
    assert "李娜" in banner.inner_text() and "请补充指南出处" in banner.inner_text()
    assert "科学性" in banner.inner_text()
    box = banner.bounding_box()
    assert box["y"] < page.locator("form.task-form").bounding_box()["y"]
    assert box["x"] + box["width"] <= SIZES[size][0] + 1  # inside the screen, also on phones
    assert page.query_selector("input[name=media]") is None  # 发布媒体: tier 1 only
    tier1 = engine.start("three_review", "zhangwei", {"title": f"一级-{size}", "media": ["官网"]})
    author.goto(f"/tasks/{open_task(engine, tier1, 'Task_draft')}")
    assert page.query_selector("input[name=media]") is not None


def test_review_forms_all_pass_big_targets_sticky_bar_and_next_task(served, person, size):
    first, second = drafted(served, f"第一篇-{size}"), drafted(served, f"第二篇-{size}")
    engine = served.engine
    for instance in (first, second):
        engine.claim(open_task(engine, instance, "Task_review"), "zhoujie")
    reviewer = person("zhoujie")
    page = reviewer.page
    reviewer.goto(f"/tasks/{open_task(engine, first, 'Task_review')}")
    page.click("button.all-pass")
    radios = page.query_selector_all(".checklist input[type=radio][value=pass]")
    assert radios and all(r.is_checked() for r in radios)
    page.evaluate("document.querySelector('form.task-form').scrollIntoView()")
    bar = page.locator(".sticky-actions").bounding_box()
    assert bar["y"] + bar["height"] <= SIZES[size][1] + 1  # the bar stays on screen
    for button in ("button.js-approve", "button.js-return"):
        assert page.locator(button).bounding_box()["height"] >= 44
    assert not page.is_visible("button.js-submit")
    page.check("input[name=secrecy][value=public]")
    page.check("input[name=proofread]")
    page.click("button.js-approve")
    following = open_task(engine, second, "Task_review")
    page.wait_for_url(f"**/tasks/{following}")
    assert "下一项待办" in page.inner_text("main")
    engine.complete(following, "zhoujie", APPROVE)  # 我的待办 empty again for the next size


def test_a_sole_holder_finds_the_task_in_my_todo_and_empty_todo_points_to_the_queue(
        served, person, size):
    leader = person("zhengqiang")
    page = leader.page
    instance = drafted(served, f"签发-{size}")
    walk(served.engine, instance, [("Task_review", "zhoujie", APPROVE),
                                   ("Task_check", "sunli", APPROVE)])
    leader.goto("/inbox?tab=mine")
    assert page.is_visible(f"table.list a:has-text('签发-{size}')")
    drafted(served, f"待认领-{size}")
    office = person("wuhua")  # nothing of her own, work in her queue
    office.goto("/inbox?tab=mine")
    assert office.page.query_selector("table.list tbody tr") is None
    hint = office.page.locator(".empty .hint")
    assert re.fullmatch(r"可认领 \d+ 项，去认领", hint.inner_text().strip())
    hint.click()
    office.page.wait_for_selector(f"table.list a:has-text('待认领-{size}')")


def test_inbox_is_urgent_first_filters_fold_on_phones_and_the_header_stays_readable(
        served, person, size):
    engine = served.engine
    old, returned, due = (drafted(served, f"{n}-{size}") for n in ("普通", "退回", "超时"))
    for instance in (old, returned, due):
        engine.claim(open_task(engine, instance, "Task_review"), "wuhua")
    walk(engine, returned, [("Task_review", "wuhua", RETURN)])
    walk(engine, returned, [("Task_draft", "zhaolei", {**DRAFT, "title": f"退回-{size}"})])
    engine.claim(open_task(engine, returned, "Task_review"), "wuhua")
    with engine.db.transaction() as session:
        session.execute(update(Task).where(Task.id == open_task(engine, due, "Task_review"))
                        .values(due_at=engine.clock.now() - timedelta(hours=1)))
    reviewer = person("wuhua")
    page = reviewer.page
    reviewer.goto("/inbox")
    titles = page.eval_on_selector_all("table.list tbody td[data-label=标题] > a",
                                       "els => els.map(e => e.textContent)")
    mine = [t for t in titles if t.endswith(size)]
    assert mine[:2] == [f"超时-{size}", f"退回-{size}"]
    assert page.evaluate("document.querySelector('details.filter-box').open") is (size == "desktop")
    for user in ("wuhua", "admin"):
        viewer = person(user)
        heights = viewer.page.eval_on_selector_all(
            "header.top nav a, header.top .me span",
            "els => els.map(e => [e.textContent, e.getBoundingClientRect().height,"
            " parseFloat(getComputedStyle(e).lineHeight) || 24])")
        for text, height, line in heights:
            assert height <= line * 1.5 + 2, f"{text!r} wraps ({height}px)"


def test_the_start_page_offers_writing_first_in_staff_words(served, person, size):
    author = person("zhangwei")
    page = author.page
    author.goto("/start")
    first = page.locator("section.model").first
    assert first.get_attribute("data-key") == "post_review" and "写稿件" in first.inner_text()
    for path in ("/start", "/inbox", "/items/7", f"/tasks/{open_task(served.engine, 7, 'Task_review_dept')}"):
        author.goto(path)
        if path.startswith("/items/"):
            page.wait_for_selector("#diagram[data-rendered=true]")  # lane labels too
        text = page.inner_text("body")
        assert not re.search(r"\bv\d+\b|initiator|department_head|functional_dept", text), path


# -- screenshots and page timings ------------------------------------------------------

def test_screenshots_and_page_timings(served, person, size):
    author = person("lina")
    page = author.page
    task = open_task(served.engine, 7, "Task_review_dept")
    pages = {"inbox": "/inbox", "start": "/start", "task": f"/tasks/{task}", "item": "/items/7"}
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in pages.items():
        author.goto(path)
        page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
        assert (SHOTS / f"{name}-{size}.png").stat().st_size > 5000
    for name in ("inbox", "task", "item"):
        times = []
        for _ in range(7):
            author.goto(pages[name])
            times.append(page.evaluate(
                "(() => { const n = performance.getEntriesByType('navigation')[0];"
                " return n.responseEnd - n.requestStart; })()"))
        print(f"page timing {size} {name}: median {statistics.median(times):.0f} ms "
              f"(min {min(times):.0f}, max {max(times):.0f}, n={len(times)})")
        assert statistics.median(times) < 5000  # a sanity bound, not a performance test
