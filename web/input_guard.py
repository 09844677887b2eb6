"""Input the application refuses before any view sees it: 400 (or 404), never a 500.

One place for the whole app, so that every route is covered, present and
future: integers in paths and query strings fit the database's 64 bits;
JSON bodies are parsed strictly (no ``NaN``/``Infinity``, no lone surrogates,
no NUL characters, at most :data:`MAX_DEPTH` levels, integers of at most 64
bits); NUL characters in paths, queries and form fields are refused (the
database cannot store them).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

INT64_MAX = 2**63 - 1
MAX_DEPTH = 64
_INTEGER = re.compile(r"[+-]?\d+")


class BoundedInt(IntegerConverter):
    """``<int:…>`` that matches only integers the database can hold (else 404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT64_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class InputRefused(ValueError):
    """Input the application will not accept; the message says why (in Chinese)."""


def _int(text: str) -> int:
    if len(text.lstrip("-")) > 19 or abs(int(text)) > INT64_MAX:
        raise InputRefused("整数超出范围（最多 64 位）。")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InputRefused("数值超出范围。")
    return value


def _constant(name: str) -> Any:
    raise InputRefused(f"不支持的数值 {name}。")


def check_text(text: str) -> None:
    """Refuse text the database cannot store: NUL characters and lone surrogates."""
    if "\x00" in text:
        raise InputRefused("文本中不能含有空字符（NUL）。")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputRefused("文本中含有无效的 Unicode 字符（孤立代理项）。") from None


def _check_tree(value: Any) -> None:
    """Walk parsed JSON without recursion: bounded depth, storable strings."""
    todo = [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if depth > MAX_DEPTH:
            raise InputRefused(f"JSON 嵌套超过 {MAX_DEPTH} 层。")
        if isinstance(item, str):
            check_text(item)
        elif isinstance(item, dict):
            todo.extend((key, depth) for key in item)
            todo.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            todo.extend((v, depth + 1) for v in item)


def strict_loads(raw: str | bytes) -> Any:
    """Parse JSON strictly, or raise :class:`InputRefused` saying what is wrong."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
        value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except InputRefused:
        raise
    except RecursionError:
        raise InputRefused(f"JSON 嵌套超过 {MAX_DEPTH} 层。") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise InputRefused(f"不是合法的 JSON：{str(err)[:100]}") from None
    _check_tree(value)
    return value


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
            _int(value.strip().lstrip("+"))


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
