"""Plain text as the product accepts it: no control characters in single-line values.

A title, a name or a subject ends up in mail headers, CSV cells, log lines and
printed records; a CR/LF inside one forges a header (``"x\\r\\nBcc: …"``), a NUL
truncates it in C libraries, a lone surrogate cannot even be encoded as UTF-8.
Single-line values therefore refuse every C0 and C1 control character (CR, LF
and TAB included), DEL and lone surrogates; multi-line values (comments,
bodies) allow TAB, LF and CR but nothing else of the kind.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, and UTF-16 surrogates (never valid alone in text).
_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")
_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

SINGLE_LINE_MESSAGE = "不能包含换行符或其他控制字符。"
MULTI_LINE_MESSAGE = "不能包含控制字符。"


def bad_character(value: str, multiline: bool = False) -> str | None:
    """Return the first character ``value`` may not contain, or None when it is clean."""
    found = (_MULTI_LINE if multiline else _SINGLE_LINE).search(value)
    return found.group() if found else None


def is_clean(value: str, multiline: bool = False) -> bool:
    """Return True when ``value`` holds no refused control character."""
    return bad_character(value, multiline) is None


def message(multiline: bool = False) -> str:
    """Return the refusal shown beside a field holding a control character."""
    return MULTI_LINE_MESSAGE if multiline else SINGLE_LINE_MESSAGE


def one_line(value: str, limit: int = 998) -> str:
    """Return ``value`` with every control character replaced by a space, cut to ``limit``.

    For output that must stay one line whatever old data holds (mail headers).
    """
    return _SINGLE_LINE.sub(" ", value)[:limit]
