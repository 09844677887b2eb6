"""Web fixtures: an app on a fresh database per backend, clients signed in by name."""

from __future__ import annotations

import re

import pytest

from web import create_app

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app(db_url, tmp_path):
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test-secret", "TESTING": True,
                      "VAR_DIR": str(tmp_path / "var"), "SESSION_COOKIE_SECURE": False,
                      "MAX_UPLOAD_MB": 1})
    yield app
    app.extensions["shenfa"].db.dispose()


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Browser:
    """A test client that signs in through the login form and posts with CSRF tokens."""

    def __init__(self, app, username: str | None = None):
        self.client = app.test_client()
        self.token = None
        if username:
            self.login(username)

    def login(self, username: str, password: str = "demo"):
        page = self.client.get("/login")
        self.token = csrf_of(page.get_data(as_text=True))
        res = self.client.post("/login", data={"username": username, "password": password,
                                               "csrf_token": self.token})
        if res.status_code == 302:  # a new session: its CSRF token is new too
            self.token = csrf_of(self.client.get("/inbox").get_data(as_text=True))
        return res

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs):
        return self.client.post(url, data={**(data or {}), "csrf_token": self.token}, **kwargs)


@pytest.fixture
def browse(app):
    return lambda username=None: Browser(app, username)


class Api:
    """A JSON client signed in with a bearer token."""

    def __init__(self, app, username: str | None = None):
        self.client = app.test_client()
        self.headers = {}
        if username:
            res = self.client.post("/api/session", json={"username": username,
                                                         "password": "demo"})
            assert res.status_code == 200, res.get_json()
            self.headers = {"Authorization": f"Bearer {res.get_json()['token']}"}

    def get(self, url: str, **kwargs):
        return self.client.get(url, headers=self.headers, **kwargs)

    def post(self, url: str, json=None, **kwargs):
        return self.client.post(url, json=json, headers=self.headers, **kwargs)

    def put(self, url: str, json=None, **kwargs):
        return self.client.put(url, json=json, headers=self.headers, **kwargs)


@pytest.fixture
def api(app):
    return lambda username=None: Api(app, username)
