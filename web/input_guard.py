"""Input the application refuses before any view sees it: 400 (or 404), never a 500.

One place for the whole app, so that every route is covered, present and
future: integers in paths and query strings fit the database's 64 bits;
JSON bodies are parsed strictly (no ``NaN``/``Infinity``, no lone surrogates,
no NUL characters, at most :data:`MAX_DEPTH` levels, integers of at most 64
bits); NUL characters in paths, queries and form fields are refused (the
database cannot store them).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from engine.base.jsonsafe import INT64_MAX, InputRefused, check_text, parse_int, strict_loads

__all__ = ["INT64_MAX", "InputRefused", "check_text", "strict_loads"]
_INTEGER = re.compile(r"[+-]?\d+")


class BoundedInt(IntegerConverter):
    """``<int:…>`` that matches only integers the database can hold (else 404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT64_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading requests with :func:`strict_loads`."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return strict_loads(s)


def _check_query_and_path() -> None:
    check_text(request.path)
    fields = list(request.args.items(multi=True))
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields += request.form.items(multi=True)
    for key, value in fields:
        check_text(key)
        check_text(value)
        if _INTEGER.fullmatch(value.strip()):
            parse_int(value.strip().lstrip("+"))


def check_request():
    """Refuse a request whose path, query, form or JSON body the application cannot take."""
    try:
        _check_query_and_path()
        if request.is_json and request.content_length != 0 and request.get_data(cache=True):
            strict_loads(request.get_data(cache=True))
    except InputRefused as err:
        abort(400, str(err))


def init_app(app: Flask) -> None:
    """Install the bounded ``int`` converter and the request check (before any route)."""
    app.url_map.converters["int"] = BoundedInt
    app.json = StrictJSONProvider(app)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.before_request(check_request)
