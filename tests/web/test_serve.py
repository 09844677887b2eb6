"""``shenfa serve`` runs the product behind waitress on a loopback address."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from web.server import is_loopback


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 20) -> urllib.response.addinfourl:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return urllib.request.urlopen(url, timeout=2)
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_answers_on_loopback_with_a_cookie_it_can_get_back(sqlite_template, tmp_path):
    shutil.copy(sqlite_template, tmp_path / "shenfa.sqlite")
    env = {**os.environ, "SHENFA_DATABASE_URL": f"sqlite:///{tmp_path / 'shenfa.sqlite'}",
           "SHENFA_VAR_DIR": str(tmp_path / "var")}
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from web.cli import main; main()", "serve",
         "--host", "127.0.0.1", "--port", str(port), "--threads", "2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        with wait_for(f"http://127.0.0.1:{port}/login") as res:
            body = res.read().decode("utf-8")
            assert res.status == 200 and "登录审发" in body
            assert res.headers["Server"] == "shenfa"
            cookie = res.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "Secure" not in cookie
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0


def test_loopback_detection():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3")


def test_serving_loads_the_prescreen_dictionary_before_the_first_post(
        sqlite_template, tmp_path, monkeypatch):
    """The first post screened after a restart must not wait ~2 s for jieba's dictionary."""
    import threading

    import web.server
    from engine.prescreen import names

    shutil.copy(sqlite_template, tmp_path / "shenfa.sqlite")
    monkeypatch.setenv("SHENFA_DATABASE_URL", f"sqlite:///{tmp_path / 'shenfa.sqlite'}")
    monkeypatch.setenv("SHENFA_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setattr(names, "_tokenizer", None)  # as in a fresh process
    monkeypatch.setattr(web.server, "waitress_serve", lambda app, **options: None)  # no socket
    assert web.server.serve(port=free_port(), worker=False) == 0
    for thread in threading.enumerate():
        if thread.name == "shenfa-prescreen-warm":
            thread.join(60)
    assert names._tokenizer is not None  # loaded without any post being screened
