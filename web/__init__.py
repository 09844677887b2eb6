"""The web front end: server-rendered pages in Chinese and a REST API over the engine."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from engine.app.setup import open_engine

from . import (
    admin,
    api,
    audit,
    auth,
    designer,
    errors,
    health,
    inbox,
    instances,
    notices,
    records,
    render,
    security,
    tasks,
)
from .config import load_config
from .input_guard import init_app as guard_input


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: defaults, then ``SHENFA_*`` variables, then ``config``."""
    app = Flask(__name__)
    app.before_request(security.limit_body)  # first: nothing may read a body over its limit
    guard_input(app)  # before any route: the bounded <int:> converter applies to all
    load_config(app, config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined] # Chinese stays readable in API answers
    app.extensions["shenfa"] = open_engine(app.config["DATABASE_URL"], bool(app.config["MIGRATE"]),
                                           app.config.get("CLOCK"))
    security.init_app(app)
    auth.init_app(app)
    render.init_app(app)
    for module in (auth, inbox, tasks, instances, notices, audit, records, admin, health):
        app.register_blueprint(module.bp)
    designer.init_app(app)
    api.init_app(app)
    errors.init_app(app)
    return app
