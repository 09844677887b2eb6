"""Browser tests wait in a way the product's Content-Security-Policy allows.

The pages send ``script-src 'self'`` (no ``unsafe-eval``).  Playwright's ``wait_for_function``
with an *expression* string eval's that string again at every poll; the first check runs inside
Playwright's own call and passes, every later one is refused by the CSP.  Such a wait passes when
the condition already holds and fails when it has to wait — a flaky test (it failed CI once).
A *function* string (``"() => …"``) is compiled once and polled without eval.  This test reads
every test module and refuses an expression-string wait; the second test shows the mechanism
against a real Chromium and a page with the product's policy.
"""

import ast
import pathlib
import re

import pytest

from web.security import CSP

TESTS = pathlib.Path(__file__).resolve().parents[1]
POLLERS = {"wait_for_function"}


FUNCTION = re.compile(r"\s*(async\s+)?(function\b|(\([^)]*\)|\w+)\s*=>)")


def _function_text(text):
    return FUNCTION.match(text) is not None


def expression_waits(root=TESTS):
    found = []
    for path in sorted(root.rglob("*.py")):
        if path == pathlib.Path(__file__).resolve():
            continue  # this module shows the failing form on purpose
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in POLLERS and node.args):
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                if not _function_text(first.value):
                    found.append(f"{path.relative_to(root)}:{node.lineno}")
            elif not isinstance(first, ast.Name):  # a variable is checked where it is built
                found.append(f"{path.relative_to(root)}:{node.lineno} (not a literal)")
    return found


def test_no_test_waits_on_an_expression_string():
    assert expression_waits() == []


def test_the_scan_finds_an_expression_wait(tmp_path):
    sample = tmp_path / "test_sample.py"
    sample.write_text('page.wait_for_function("window.x === 1")\n'
                      'page.wait_for_function("() => window.x === 1")\n', encoding="utf-8")
    assert expression_waits(tmp_path) == ["test_sample.py:1"]


def _csp_page(driver):
    browser = driver.chromium.launch(executable_path="/usr/bin/chromium")
    page = browser.new_page()
    page.route("http://127.0.0.1:9/csp", lambda route: route.fulfill(
        status=200, body="<p>csp</p>",
        headers={"Content-Security-Policy": CSP, "Content-Type": "text/html"}))
    page.goto("http://127.0.0.1:9/csp")
    page.evaluate("() => { window.__ok = 0 }")
    return browser, page


def test_under_the_products_csp_an_expression_wait_fails_at_its_second_poll():
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as driver:
        browser, page = _csp_page(driver)
        try:  # false at the first check: the poll that follows eval's, and the CSP refuses
            with pytest.raises(Error, match="Content Security Policy"):
                page.wait_for_function("window.__ok === 1", timeout=5000)
        finally:
            browser.close()


def test_under_the_products_csp_a_function_wait_waits():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser, page = _csp_page(driver)
        try:  # false at first, true later: only polling can see it
            page.evaluate("() => { setTimeout(() => { window.__ok = 1 }, 300) }")
            page.wait_for_function("() => window.__ok === 1", timeout=10000)
            assert page.evaluate("() => window.__ok") == 1
        finally:
            browser.close()
