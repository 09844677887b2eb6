"""``/healthz``: is background work keeping time?  Public, counts only, no names of items."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from engine.app.admin import health

from .services import engine, now

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    """Answer 200 when timers are on time and a worker beats, 503 otherwise (JSON either way)."""
    body = health(engine(), now())
    supervisor = current_app.extensions.get("shenfa_supervisor")
    if supervisor is not None:
        body["embedded_worker"] = supervisor.status()
        body["ok"] = body["ok"] and body["embedded_worker"]["alive"]
    response = jsonify(body)
    response.status_code = 200 if body["ok"] else 503
    return response
