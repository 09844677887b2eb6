"""A real Chromium drives the product served by waitress on 127.0.0.1.

Scenario (三审三校, 第十一条): zhangwei starts and drafts; zhoujie claims 审稿 and
returns it naming a failing checklist item; zhangwei revises; 审稿, 核稿 and
审签/签发 approve in turn.  Screenshots land in ``tests/artifacts/``.
"""

from __future__ import annotations

import shutil
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from waitress import create_server

from engine.store.schema import Task
from web import create_app

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian's chromium is not installed (make system-deps)")


class Served(str):
    """The base URL, carrying the app for set-up steps that need the engine."""


@pytest.fixture(scope="module")
def served(tmp_path_factory, sqlite_template):
    folder = tmp_path_factory.mktemp("browser")
    shutil.copy(sqlite_template, folder / "shenfa.sqlite")
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'shenfa.sqlite'}",
                      "SECRET_KEY": "browser-test", "VAR_DIR": str(folder / "var"),
                      "SESSION_COOKIE_SECURE": False})
    httpd = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=httpd.run, daemon=True)
    thread.start()
    base = Served(f"http://127.0.0.1:{httpd.effective_port}")
    base.app = app
    yield base
    httpd.close()
    thread.join(timeout=5)
    app.extensions["shenfa"].db.dispose()


@pytest.fixture(scope="module")
def chromium():
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Person:
    """One user's own browser context."""

    def __init__(self, chromium, base: str, username: str, home: str = "/inbox"):
        self.context = chromium.new_context(viewport={"width": 1280, "height": 900},
                                            locale="zh-CN")
        self.page = self.context.new_page()
        self.problems: list[str] = []  # console errors, CSP violations, uncaught exceptions
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(m.text))
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.base = base
        self.page.goto(f"{base}/login")
        self.page.fill("#username", username)
        self.page.fill("#password", "demo")
        self.page.click("button[type=submit]")
        self.page.wait_for_url(f"{base}{home}")

    def goto(self, path: str):
        return self.page.goto(self.base + path)

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


def open_first(person: Person, tab: str) -> None:
    person.goto(f"/inbox?tab={tab}")
    person.page.click("table.list tbody tr:first-child td a")


def claim_first(person: Person) -> None:
    person.goto("/inbox?tab=claimable")
    person.page.click("table.list tbody tr:first-child button:has-text('认领')")
    person.page.wait_for_selector("form.task-form")


def answer_checklist(page, failing: str | None = None) -> None:
    for row in page.query_selector_all(".checklist tbody tr"):
        radios = row.query_selector_all("input[type=radio]")
        radios[0].check()
    if failing:
        page.check(f"input[name='checklist.{failing}'][value=fail]")


def approve(person: Person) -> None:
    page = person.page
    page.check("input[name=decision][value=approve]")
    answer_checklist(page)
    page.check("input[name=secrecy][value=public]")
    page.check("input[name=proofread]")
    page.click("button.js-approve")  # the sticky 通过 / 退回 bar (issue 12)
    page.wait_for_url("**/items/*")


def make_overdue(app, username: str) -> None:
    """Give the user's open task a due time an hour ago (timers set it in real models)."""
    clock = app.extensions["shenfa"].clock
    with app.extensions["shenfa"].db.transaction() as session:
        session.execute(update(Task).where(Task.assignee == username, Task.status == "open")
                        .values(due_at=clock.now() - timedelta(hours=1)))


def test_three_review_in_the_browser(served, chromium):
    server = served
    author = Person(chromium, server, "zhangwei")
    page = author.page
    author.goto("/start")
    page.click("section.model:has(a[href$='/three_review']) a.button:has-text('发起')")
    page.fill("#f-title", "冬季心血管健康提示")
    page.check("input[name=media][value=订阅号]")
    page.click("button:has-text('发起')")
    page.wait_for_selector("form.task-form")
    assert page.input_value("#f-title") == "冬季心血管健康提示"
    page.fill("#f-body", "## 寒潮来袭\n\n注意**保暖**，规律服药。<script>alert(1)</script>")
    page.click("button[value=draft]")
    page.wait_for_selector(".flash")
    assert "草稿已保存" in page.inner_text(".flash")
    assert "寒潮来袭" in page.input_value("#f-body")
    page.fill("#f-source", "心血管内科原创")
    page.click("button[value=complete]")
    page.wait_for_url("**/items/*")
    item_path = page.url.split(server, 1)[1]

    reviewer = Person(chromium, server, "zhoujie")
    claim_first(reviewer)
    rpage = reviewer.page
    assert "寒潮来袭" in rpage.inner_text(".post-body")
    assert rpage.query_selector(".post-body script") is None
    rpage.check("input[name=decision][value=return]")
    answer_checklist(rpage, failing="scientific")
    rpage.fill("#f-proofread_notes", "第二段标点已校对")
    rpage.check("input[name=secrecy][value=public]")
    rpage.check("input[name=proofread]")
    rpage.click("button.js-return")
    rpage.wait_for_selector(".error-box")
    assert "退回或驳回时必须填写理由" in rpage.inner_text("[data-field=comment]")
    assert rpage.is_checked("input[name='checklist.scientific'][value=fail]")
    assert rpage.is_checked("input[name=decision][value=return]")
    assert rpage.input_value("#f-proofread_notes") == "第二段标点已校对"
    reviewer.shot("task-validation-error")
    rpage.fill("#f-comment", "请注明指南出处。")
    rpage.click("button.js-return")
    rpage.wait_for_url("**/items/*")

    make_overdue(served.app, "zhangwei")
    author.goto("/inbox")
    note = page.inner_text("tr.returned .returned-note")
    assert "周杰" in note and "请注明指南出处" in note
    assert "已超时" in page.inner_text("tr.overdue .countdown")
    author.shot("inbox")
    phone = author.context.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(f"{server}/inbox")
    assert phone.is_visible("tr.returned .returned-note")
    phone.screenshot(path=str(ARTIFACTS / "inbox-phone.png"), full_page=True)
    phone.close()
    open_first(author, "mine")
    page.fill("#f-source", "心血管内科原创（参考《中国心血管病预防指南》）")
    page.click("button[value=complete]")
    page.wait_for_url("**/items/*")

    claim_first(reviewer)
    approve(reviewer)
    office = Person(chromium, server, "sunli")
    claim_first(office)
    office.shot("task")
    office.page.set_viewport_size({"width": 390, "height": 844})
    office.shot("task-phone")
    office.page.set_viewport_size({"width": 1280, "height": 900})
    approve(office)
    leader = Person(chromium, server, "zhengqiang")
    open_first(leader, "mine")  # the only 宣传分管领导: the task is his without claiming
    leader.page.wait_for_selector("form.task-form")
    approve(leader)

    author.goto(item_path)
    page.wait_for_selector("#diagram[data-rendered=true]")
    assert "已办结" in page.inner_text("h1")
    assert page.query_selector(".state-completed") is not None
    author.shot("item")
    for person in (author, reviewer, office, leader):
        # the one expected: the form page answered 400 with the validation errors
        assert [p for p in person.problems if "status of 400" not in p] == []
        person.close()


def test_user_without_the_role_gets_403(served, chromium):
    server = served
    outsider = Person(chromium, server, "gaoyan", home="/audit/")  # auditors land on 审计
    response = outsider.goto("/start/three_review")
    assert response.status == 403
    assert "无权操作" in outsider.page.inner_text("h1")
    assert "Traceback" not in outsider.page.content()
    outsider.shot("forbidden")
    outsider.close()
