"""Configuration: defaults, then ``SHENFA_*`` environment variables, then a mapping."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from engine.app.setup import DEFAULT_URL
from engine.base import localtime
from engine.base.errors import Invalid

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": DEFAULT_URL,
    #: the hospital's time zone for every time a person reads (pages, notifications, CSV)
    "TIMEZONE": localtime.DEFAULT_ZONE,
    #: seconds between the bell's checks for new notifications while a page is open
    "NOTICE_POLL_SECONDS": 30,
    "MIGRATE": False,
    "VAR_DIR": "var",
    "BLOB_DIR": None,
    "NODE_MODULES": str(ROOT / "node_modules"),
    "MAX_UPLOAD_MB": 200,
    "MAX_BODY_KB": 1024,
    "PER_PAGE": 20,
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_WINDOW_MINUTES": 15,
    "TOKEN_MAX_AGE": 8 * 3600,
    "SESSION_COOKIE_NAME": "shenfa_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SECURE": True,
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    "API_TITLE": "审发 shenfa API",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
}


def load_config(app: Flask, config: Mapping[str, Any] | None) -> None:
    """Fill ``app.config`` from the three sources, in order."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("SHENFA")
    if config:
        app.config.from_mapping(config)
    _set_zone(app.config["TIMEZONE"])
    # The ceiling, for uploads by signed-in users; web.security lowers every other request
    # to MAX_BODY_KB.
    app.config["MAX_CONTENT_LENGTH"] = int(float(app.config["MAX_UPLOAD_MB"]) * 1048576) + 65536
    # Absolute from here on: Flask's send_file resolves a relative path against the
    # package folder, while writes resolve it against the working directory.
    app.config["VAR_DIR"] = str(Path(app.config["VAR_DIR"]).resolve())
    blob_dir = app.config.get("BLOB_DIR") or Path(app.config["VAR_DIR"]) / "blobs"
    app.config["BLOB_DIR"] = str(Path(blob_dir).resolve())
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _stored_secret(Path(app.config["VAR_DIR"]))


class ConfigError(ValueError):
    """A setting cannot be used; the message names it."""


def _set_zone(name: Any) -> None:
    """Use the configured zone in this process (the engine writes notification text too)."""
    try:
        localtime.set_zone(str(name or "").strip() or localtime.DEFAULT_ZONE)  # empty: unset
    except Invalid as err:
        raise ConfigError(err.message) from None


def _stored_secret(var_dir: Path) -> str:
    """Return the secret key kept in ``var/secret_key``, creating it once (mode 600)."""
    path = var_dir / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
