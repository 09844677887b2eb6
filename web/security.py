"""CSRF protection and the security headers every response carries."""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

from .auth import token_username

csrf = CSRFProtect()

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; media-src 'self'; font-src 'self' data:; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


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


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint and not request.endpoint.startswith("static"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
