"""Cheap, bounded sign-in (issue 11): server-side sign-out, token scope, lockout per client."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from engine.base.clock import FrozenClock
from engine.org import logins
from engine.org.logins import Locked, Policy, authenticate
from engine.store.persistence import Database
from engine.store.schema import LoginAttempt
from tests.conftest import START
from tests.web.conftest import csrf_of


def _sign_in(client, username="zhangwei", password="demo", remote="10.0.0.1"):
    return client.post("/api/session", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": remote})


def test_sign_out_ends_the_token_and_every_copy_of_the_session_cookie(app):
    client = app.test_client()
    token = _sign_in(client).get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    copy = app.test_client()
    copy.set_cookie("shenfa_session", client.get_cookie("shenfa_session").value)
    assert copy.get("/api/me").status_code == 200
    out = app.test_client().delete("/api/session", headers=bearer)
    assert out.status_code == 200
    assert app.test_client().get("/api/me", headers=bearer).status_code == 401
    assert copy.get("/api/me").status_code == 401  # the old cookie is dead on the server


def test_page_sign_out_ends_the_api_token_of_the_same_sign_in(app):
    client = app.test_client()
    token = _sign_in(client).get_json()["token"]
    csrf = csrf_of(client.get("/inbox").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302
    res = app.test_client().get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 401


def test_a_bearer_token_opens_the_api_only(app):
    token = _sign_in(app.test_client()).get_json()["token"]
    anon = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert anon.get("/api/me", headers=bearer).status_code == 200
    page = anon.get("/inbox", headers=bearer)
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_guessing_from_one_client_never_locks_the_user_out_elsewhere(app):
    attacker = app.test_client()
    for _ in range(12):
        _sign_in(attacker, "lina", "guess", remote="203.0.113.9")
    refused = _sign_in(attacker, "lina", "demo", remote="203.0.113.9")
    assert refused.status_code == 429 and "登录失败次数过多" in refused.get_json()["message"]
    assert _sign_in(app.test_client(), "lina", "demo", remote="10.1.2.3").status_code == 200


def test_failures_wait_longer_and_longer_then_lock(db_url):
    clock = FrozenClock(START)
    db = Database(db_url)
    try:
        policy = Policy(max_failures=5, window=timedelta(minutes=15), free_failures=2)
        def attempt(password="guess", client="c1"):
            try:
                return authenticate(db, "lina", password, clock.now(), client, policy)
            except Locked as err:
                return err.message

        for _ in range(3):  # two free failures, and a third
            assert attempt() is False
            clock.advance(seconds=1)
        assert "请 1 秒后再试" in attempt()  # 2 s after the third failure
        clock.advance(seconds=1)
        assert attempt() is False  # the fourth
        assert "请 4 秒后再试" in attempt()
        clock.advance(seconds=4)
        assert attempt() is False  # the fifth: locked for the window
        clock.advance(minutes=10)
        assert "5 分钟后再试" in attempt("demo")  # even the right password waits
        assert attempt("demo", client="c2") is True  # another client is not locked out
    finally:
        db.dispose()


def test_40_parallel_wrong_guesses_check_at_most_the_allowed_number(pg_url, monkeypatch):
    monkeypatch.setattr(logins, "_HASHING", threading.BoundedSemaphore(40))  # all at once
    clock = FrozenClock(START)
    dbs = [Database(pg_url) for _ in range(8)]
    policy = Policy(max_failures=5, window=timedelta(minutes=15), free_failures=5)
    outcomes: list[str] = []
    barrier = threading.Barrier(40)

    def guess(i: int) -> None:
        barrier.wait()
        try:
            authenticate(dbs[i % 8], "lina", f"guess{i}", clock.now(), "198.51.100.7", policy)
            outcomes.append("checked")
        except Locked:
            outcomes.append("locked")

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with dbs[0].reading() as s:
        recorded = s.scalar(select(func.count()).where(LoginAttempt.username == "lina"))
    for db in dbs:
        db.dispose()
    assert outcomes.count("checked") == 5 and recorded == 5 and len(outcomes) == 40
