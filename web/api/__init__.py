"""The REST API under ``/api``: marshmallow schemas, OpenAPI 3 at ``/api/openapi.json``."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from ..security import csrf
from . import schemas, views


class ShenfaApi(Api):
    """flask-smorest's Api, documenting the error shape :mod:`web.errors` really answers."""

    ERROR_SCHEMA = schemas.ErrorOut


def init_app(app: Flask) -> None:
    api = ShenfaApi(app, spec_kwargs={"components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"},
        "session": {"type": "apiKey", "in": "cookie", "name": app.config["SESSION_COOKIE_NAME"]},
    }}, "security": [{"bearer": []}, {"session": []}]})
    csrf.exempt(views.bp)  # checked in views._guard unless a bearer token signed in
    api.register_blueprint(views.bp)
