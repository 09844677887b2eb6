"""Signing in and out: Flask-Login sessions for pages, bearer tokens for the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
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

from engine.anonymity import VIEWER
from engine.audit import log_operation
from engine.logins import Locked, Policy, authenticate
from engine.people import person

from .services import now, transaction

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


def load_user(username: str) -> WebUser | None:
    """Return the active user ``username`` or None (signs out a deactivated user)."""
    with transaction() as db:
        info = person(db, username)
    return WebUser(info) if info else None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="shenfa-api-token")


def issue_token(username: str) -> str:
    """Return a signed, time-limited API token for ``username``."""
    return _serializer().dumps({"u": username})


def token_username(req) -> str | None:
    """Return the user named by a valid ``Authorization: Bearer`` token, or None."""
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    try:
        data = _serializer().loads(header[7:].strip(),
                                   max_age=current_app.config["TOKEN_MAX_AGE"])
    except BadSignature:
        return None
    return data.get("u") if isinstance(data, dict) else None


def _from_token(req) -> WebUser | None:
    username = token_username(req)
    return load_user(username) if username else None


def check_credentials(username: str, password: str) -> bool:
    """Check a password through the engine; raise Locked after repeated failures."""
    cfg = current_app.config
    policy = Policy(int(cfg["LOGIN_MAX_FAILURES"]),
                    timedelta(minutes=int(cfg["LOGIN_WINDOW_MINUTES"])))
    with transaction() as db:
        ok = authenticate(db, username, password, now(), request.remote_addr, policy)
        log_operation(db, "user_logged_in" if ok else "login_failed", username or None, now(),
                      ip=request.remote_addr)
        return ok


def start_session(username: str) -> None:
    """Replace any existing session with a fresh one for ``username``."""
    session.clear()
    login_user(load_user(username))
    session.permanent = True


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
    """Sign out and forget the session."""
    logout_user()
    session.clear()
    flash("您已退出登录。")
    return redirect(url_for("auth.login"))


def require_role(role: str) -> None:
    """Abort with 403 unless the signed-in user holds ``role``."""
    if not current_user.has_role(role):
        abort(403)


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
