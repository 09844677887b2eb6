"""Browser tests at the two sizes people use: a desktop (1366×768) and a phone (390×844).

Shared by the issue-12 browser tests: a server with a frozen clock (timers can be made
due) and a short bell poll, and a person signed in at a given size.
"""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime

import pytest
from waitress import create_server

from engine.base.clock import FrozenClock
from tests.web.test_browser import ARGS, CHROMIUM, Served
from web import create_app

playwright_api = pytest.importorskip("playwright.sync_api")

SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def serve_copy(tmp_path_factory, sqlite_template, **config) -> Served:
    """Serve a copy of the template database on 127.0.0.1 with a frozen clock."""
    folder = tmp_path_factory.mktemp("browser12")
    shutil.copy(sqlite_template, folder / "shenfa.sqlite")
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'shenfa.sqlite'}",
                      "SECRET_KEY": "browser-test", "VAR_DIR": str(folder / "var"),
                      "SESSION_COOKIE_SECURE": False, "NOTICE_POLL_SECONDS": 1, **config})
    app.extensions["shenfa"].clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    httpd = create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=httpd.run, daemon=True)
    thread.start()
    base = Served(f"http://127.0.0.1:{httpd.effective_port}")
    base.app, base.httpd, base.thread = app, httpd, thread
    return base


def stop(base: Served) -> None:
    base.httpd.close()
    base.thread.join(timeout=5)
    base.app.extensions["shenfa"].db.dispose()


@pytest.fixture(scope="module", name="chromium")
def chromium_fixture():
    """A headless Debian Chromium for the module (import this name to use ``chromium``)."""
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Sized:
    """One user's browser at one size; signs in and lands where the product sends them."""

    def __init__(self, chromium, base: str, username: str, size: str):
        self.context = chromium.new_context(viewport=SIZES[size], locale="zh-CN",
                                            is_mobile=size == "phone", has_touch=size == "phone")
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(m.text))
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.base = base
        self.page.goto(f"{base}/login")
        self.page.fill("#username", username)
        self.page.fill("#password", "demo")
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()

    def goto(self, path: str):
        return self.page.goto(self.base + path)

    def bell(self) -> int:
        """Return the unread count the bell shows now."""
        badge = self.page.query_selector("a.bell .badge")
        return int(badge.inner_text()) if badge else 0

    def close(self) -> None:
        self.context.close()


def open_task(engine, instance: int, spec: str) -> str | None:
    """Return the id of the item's open task of ``spec`` (None when there is none)."""
    from sqlalchemy import select

    from engine.store.schema import Task

    with engine.db.transaction() as session:
        return session.scalar(select(Task.id).where(
            Task.instance_id == instance, Task.spec_name == spec, Task.status == "open"))


@pytest.fixture(scope="module", name="served")
def served_fixture(tmp_path_factory, sqlite_template):
    """A server on a copy of the demo database for the module (import this name to use ``served``)."""
    base = serve_copy(tmp_path_factory, sqlite_template)
    yield base
    stop(base)


def drafting_post(served, chromium, size: str, body: str) -> tuple[int, Sized]:
    """Start a post_review item for zhangwei and open his drafting page with title and body typed.

    Return the item and his browser; the caller goes on typing, uploading and submitting.
    """
    from tests.proc_support import account_id

    engine = served.app.extensions["shenfa"]
    instance = engine.start("post_review", "zhangwei", {
        "account_id": account_id(engine, "心血管内科健康课堂"), "title": f"护心-{size}",
        "planned_date": "2026-12-20"})
    author = Sized(chromium, served, "zhangwei", size)
    author.goto(f"/tasks/{open_task(engine, instance, 'Task_draft')}")
    author.page.fill("#f-title", f"护心-{size}")
    author.page.fill("#f-body", body)
    return instance, author
