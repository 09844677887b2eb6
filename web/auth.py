"""Signing in and out: Flask-Login sessions for pages, bearer tokens for the API.

A sign-in is a row on the server (``engine.logins``): the page session and the
API token both carry its id, so signing out ends both at once, whatever copies
of the cookie or the token remain.  Bearer tokens are accepted under ``/api`` only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from itsdangerous import BadSignature, URLSafeTimedSerializer

from engine.app import accounts
from engine.app.accounts import Locked, Policy
from engine.app.setup import VIEWER

from .services import engine, reading

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
login_manager.session_protection = "strong"


class WebUser(UserMixin):
    """The signed-in person, as read from the engine."""

    def __init__(self, info: dict[str, Any]):
        self.info = info
        self.id = info["username"]

    @property
    def username(self) -> str:
        return self.info["username"]

    def has_role(self, role: str) -> bool:
        return role in self.info["roles"]


def load_user(username: str, sid: str | None = None) -> WebUser | None:
    """Return the active user ``username`` of a sign-in that has not ended, or None."""
    sid = sid if sid is not None else session.get("sid")
    with reading() as db:
        info = accounts.signed_in_person(db, sid, username)
    return WebUser(info) if info else None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="shenfa-api-token")


def issue_token(username: str) -> str:
    """Return a signed, time-limited API token for ``username``'s current sign-in."""
    return _serializer().dumps({"u": username, "s": session.get("sid")})


def token_claims(req) -> tuple[str, str] | None:
    """Return (user, sign-in id) of a valid ``Authorization: Bearer`` token on ``/api``, or None.

    Read once per request (kept on ``flask.g``): the loader and the CSRF check both ask.
    """
    if req is request and "token_claims" in g:
        return g.token_claims
    claims = _read_claims(req)
    if req is request:
        g.token_claims = claims
    return claims


def _read_claims(req) -> tuple[str, str] | None:
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not req.path.startswith("/api/"):
        return None
    try:
        data = _serializer().loads(header[7:].strip(),
                                   max_age=current_app.config["TOKEN_MAX_AGE"])
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), str):
        return None
    return data["u"], str(data.get("s") or "")


def token_username(req) -> str | None:
    """Return the user named by a valid bearer token whose sign-in has not ended, or None."""
    claims = token_claims(req)
    if claims is None:
        return None
    if req is request and g.get("token_user") == claims[0]:
        return claims[0]  # this request's loader found the sign-in active a moment ago
    with reading() as db:
        return claims[0] if accounts.signed_in(db, claims[1], claims[0]) else None


def _from_token(req) -> WebUser | None:
    claims = token_claims(req)
    user = load_user(*claims) if claims else None
    if user is not None and req is request:
        g.token_user = user.username  # the sign-in is active: token_username need not ask again
    return user


def check_credentials(username: str, password: str) -> bool:
    """Check a password through the engine; raise Locked after repeated failures."""
    cfg = current_app.config
    policy = Policy(int(cfg["LOGIN_MAX_FAILURES"]),
                    timedelta(minutes=int(cfg["LOGIN_WINDOW_MINUTES"])))
    return accounts.check_password(engine(), username, password, request.remote_addr, policy)


def start_session(username: str) -> None:
    """Replace any existing session with a fresh sign-in for ``username``."""
    session.clear()
    session["sid"] = accounts.open_sign_in(engine(), username, request.remote_addr)
    login_user(load_user(username))
    session.permanent = True


def end_session() -> None:
    """Sign out: end the sign-in on the server (cookie and token alike), forget the session."""
    claims = token_claims(request)
    accounts.end_sign_in(engine(), claims[1] if claims else session.get("sid"))
    if current_user.is_authenticated:
        accounts.log(engine(), "user_logged_out", current_user.username, request.remote_addr)
    logout_user()
    session.clear()


def is_local_path(target: str | None) -> bool:
    """Return True for a path on this site (no scheme, host, ``//`` or backslash tricks)."""
    return target is not None and target.startswith("/") and not target.startswith("//") \
        and "\\" not in target and not any(ord(c) < 32 for c in target)


def _safe_next(target: str | None) -> str:
    return target if target and is_local_path(target) else url_for("inbox.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; sign in on a correct password."""
    if request.method != "POST":
        if current_user.is_authenticated:
            return redirect(url_for("inbox.index"))
        return render_template("login.html", username="")
    username = request.form.get("username", "").strip()[:64]
    try:
        ok = check_credentials(username, request.form.get("password", ""))
    except Locked as err:
        return render_template("login.html", username=username, error=err.message), err.status
    if ok:
        start_session(username)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", username=username,
                           error="用户名或密码错误。"), 401


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out: the session ends on the server too."""
    end_session()
    flash("您已退出登录。")
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.request_loader(_from_token)
    app.before_request(_set_viewer)
    app.teardown_request(_forget_viewer)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        seconds=int(app.config["PERMANENT_SESSION_LIFETIME"]))


def _set_viewer() -> None:
    """Tell the engine who is looking, so what it returns is covered for them (第十九条)."""
    g.viewer_token = VIEWER.set(current_user.username if current_user.is_authenticated else "")


def _forget_viewer(_error: BaseException | None) -> None:
    token = g.pop("viewer_token", None)
    if token is not None:
        VIEWER.reset(token)
