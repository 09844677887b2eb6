"""Behind a load balancer (``SHENFA_PROXIES``): each client is told apart by its own address."""

from __future__ import annotations

import pytest

from web import create_app
from web.config import ConfigError
from web.server import behind_proxies

BALANCER = {"REMOTE_ADDR": "10.0.0.2"}


@pytest.fixture
def proxied_app(db_url, tmp_path):
    def make(proxies):
        app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test-secret", "TESTING": True,
                          "VAR_DIR": str(tmp_path / "var"), "LOGIN_MAX_FAILURES": 2,
                          "PROXIES": proxies})
        made.append(app)
        return behind_proxies(app)

    made: list = []
    yield make
    for app in made:
        app.extensions["shenfa"].db.dispose()


def sign_in(client, password: str, client_address: str) -> int:
    return client.post("/api/session", json={"username": "lina", "password": password},
                       headers={"X-Forwarded-For": client_address},
                       environ_base=BALANCER).status_code


def test_guesses_from_one_client_do_not_lock_out_another_behind_the_balancer(proxied_app):
    client = proxied_app(1).test_client()
    assert [sign_in(client, "guess", "198.51.100.7") for _ in range(3)] == [401, 401, 429]
    assert sign_in(client, "demo", "203.0.113.9") == 200  # lina, at her own desk
    assert sign_in(client, "demo", "198.51.100.7") == 429  # the guesser stays locked


def test_without_the_setting_every_client_has_the_balancers_address(proxied_app):
    client = proxied_app(0).test_client()
    assert [sign_in(client, "guess", "198.51.100.7") for _ in range(3)] == [401, 401, 429]
    assert sign_in(client, "demo", "203.0.113.9") == 429  # why SHENFA_PROXIES exists


@pytest.mark.parametrize("bad", [-1, 6, "one", True, 1.5])
def test_a_bad_proxy_count_is_refused_by_name(sqlite_template, bad, tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{sqlite_template}", "SECRET_KEY": "s",
                      "VAR_DIR": str(tmp_path), "PROXIES": bad})
    with pytest.raises(ConfigError, match="SHENFA_PROXIES"):
        behind_proxies(app)
    app.extensions["shenfa"].db.dispose()
