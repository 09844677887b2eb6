"""Set-up (issue 12): ``make run`` twice, then a normal walk in Chromium at both sizes.

``make run`` runs ``shenfa init --demo``, ``shenfa demo`` and ``shenfa serve``.  Run
twice, the demo items are not duplicated and the summary names every item; during a
walk through the pages of several demo users the console shows no traceback and no
waitress ``Task queue depth`` warning.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.web.browser_sizes import SIZES, Sized, chromium_fixture  # noqa: F401
from tests.web.test_browser import pytestmark  # noqa: F401 - skipped without Chromium
from tests.web.test_serve import free_port, wait_for

SHENFA = [sys.executable, "-c", "from web.cli import main; main()"]


def shenfa(env: dict, *args: str) -> str:
    done = subprocess.run([*SHENFA, *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def made_twice(tmp_path_factory):
    """Do what ``make run`` does, twice, then serve; yield the URL, the outputs and the log."""
    folder = tmp_path_factory.mktemp("makerun")
    env = {**os.environ, "SHENFA_DATABASE_URL": f"sqlite:///{folder / 'shenfa.sqlite'}",
           "SHENFA_VAR_DIR": str(folder / "var")}
    outputs = []
    for _ in range(2):
        shenfa(env, "init", "--demo")
        outputs.append(shenfa(env, "demo"))
    port, log = free_port(), folder / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([*SHENFA, "serve", "--host", "127.0.0.1", "--port", str(port)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/login").close()
        yield f"http://127.0.0.1:{port}", outputs, log
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_second_run_finds_the_demo_items_and_the_summary_names_each(made_twice):
    _base, (first, second), _log = made_twice
    listed = re.findall(r"^  #(\d+) (.+)「(.+)」：(已办结|办理中|已取消)", first, re.M)
    assert len(listed) >= 19
    assert "未重复创建" in second and "未重复创建" not in first
    assert re.findall(r"^  #(\d+) ", second, re.M) == [n for n, *_ in listed]


@pytest.mark.parametrize("size", SIZES)
def test_a_normal_walk_leaves_a_clean_console(made_twice, chromium, size):
    base, (first, _second), log = made_twice
    demo_ids = {int(n) for n in re.findall(r"^  #(\d+) ", first, re.M)}
    auditor = Sized(chromium, base, "gaoyan", size)
    auditor.page.wait_for_selector("#audit-items")
    shown = {int(t[1:]) for t in auditor.page.locator("#audit-items tbody td:first-child a").all_inner_texts()}
    total = int(re.search(r"共 (\d+) 项", auditor.page.inner_text("main")).group(1))
    assert demo_ids <= shown and total < 2 * len(demo_ids)  # each once (+ called sub-items)
    item = auditor.page.locator("#audit-items tbody td:first-child a").first.get_attribute("href")
    auditor.goto(item + "?step=1")
    auditor.page.wait_for_selector("#diagram[data-rendered=true]")
    for username in ("zhangwei", "zhoujie", "sunli", "songyu"):
        person = Sized(chromium, base, username, size)
        for path in ("/inbox", "/inbox?tab=claimable", "/start", "/notices"):
            person.goto(path)
        link = person.page.locator("table.list tbody tr td a[href^='/items/']").first
        if link.count():
            person.goto(link.get_attribute("href"))
            person.page.wait_for_selector("#diagram[data-rendered=true]")
        assert person.problems == [], (username, person.problems)
        person.close()
    auditor.close()
    console = log.read_text()
    assert "Traceback" not in console and "Task queue depth" not in console, console[-2000:]
