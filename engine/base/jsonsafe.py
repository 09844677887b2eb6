"""Strict JSON and storable text: what the database can hold, refused otherwise.

Used by the web layer for every request body and by the designer for the form
schemas it previews and saves: no ``NaN``/``Infinity``, no lone surrogates, no
NUL characters, at most :data:`MAX_DEPTH` levels, integers of at most 64 bits.
"""

from __future__ import annotations

import json
import math
from typing import Any

INT64_MAX = 2**63 - 1
MAX_DEPTH = 64


class InputRefused(ValueError):
    """Input the application will not accept; the message says why (in Chinese)."""


def parse_int(text: str) -> int:
    """Return the integer ``text``, refusing one past 64 bits."""
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
            raise InputRefused(f"JSON 嵌套过深（超过 {MAX_DEPTH} 层）。")
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
        value = json.loads(text, parse_int=parse_int, parse_float=_float, parse_constant=_constant)
    except InputRefused:
        raise
    except json.JSONDecodeError as err:
        raise InputRefused(f"JSON 语法错误（第 {err.lineno} 行）：{err.msg}") from None
    except RecursionError:
        raise InputRefused(f"JSON 嵌套过深（超过 {MAX_DEPTH} 层）。") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise InputRefused(f"不是合法的 JSON：{str(err)[:100]}") from None
    _check_tree(value)
    return value
