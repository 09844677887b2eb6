"""CSRF protection, request-body limits and the security headers every response carries.

Bodies are small by default (``MAX_BODY_KB``, 1 MB: JSON, forms, sign-in);
only a signed-in user's attachment uploads and the designer's model uploads
get the large limit (``MAX_CONTENT_LENGTH``, from ``MAX_UPLOAD_MB``).  A larger body is refused with 413
before anything reads it, so anonymous requests cannot fill the memory.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, request
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import RequestEntityTooLarge

from .auth import token_username

csrf = CSRFProtect()

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; media-src 'self'; font-src 'self' data:; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


LARGE_BODY_ENDPOINTS = {"instances.upload", "api.Attachments"}
LARGE_BODY_PREFIXES = ("designer.",)


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
    csrf.init_app(app)
    app.after_request(_headers)


def protect_unless_token() -> None:
    """Check the CSRF token unless the request carries the user's bearer token."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    name = token_username(request)
    if name is None or name != current_user.get_id():
        csrf.protect()


def body_limit() -> int:
    """Return how many body bytes this request may send."""
    cfg = current_app.config
    endpoint = request.endpoint or ""
    large = endpoint in LARGE_BODY_ENDPOINTS or endpoint.startswith(LARGE_BODY_PREFIXES)
    if large and current_user.is_authenticated:
        return int(cfg["MAX_CONTENT_LENGTH"])
    return _small(cfg)


def limit_body() -> None:
    """Refuse a body over its limit with 413; enforce the limit on bodies without a length."""
    limit = body_limit()
    request.max_content_length = limit
    if (request.content_length or 0) > limit:
        abort(413, f"请求内容过大：此处上限为 {_size(limit)}，未作任何处理。")
    if request.content_length is None and limit <= _small(current_app.config):
        # A chunked body: read it now, one byte past the limit, so an excess answers 413.
        request.max_content_length = limit + 1
        try:
            too_big = len(request.get_data(cache=True)) > limit
        except RequestEntityTooLarge:
            too_big = True
        request.max_content_length = limit
        if too_big:
            abort(413, f"请求内容过大：此处上限为 {_size(limit)}，未作任何处理。")


def _small(cfg) -> int:
    return int(float(cfg["MAX_BODY_KB"]) * 1024)


def _size(limit: int) -> str:
    return f"{limit / 1048576:.0f} MB" if limit >= 1048576 else f"{limit // 1024} KB"


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint and not request.endpoint.startswith("static"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
