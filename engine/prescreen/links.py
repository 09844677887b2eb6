"""External links whose host is not on the hospital's allow list (第九条: 删除无关外链)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

Span = tuple[int, int]
# A URL with a scheme, or a bare host starting with www.; stops at whitespace, CJK text and
# the punctuation that ends a link in running text.
URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+", re.IGNORECASE)
TRAILING = ".,;:!?)]'"


def host_of(url: str) -> str:
    """Return the lower-case host of a link, with or without its scheme."""
    full = url if "://" in url else f"http://{url}"
    try:
        return (urlsplit(full).hostname or "").rstrip(".")
    except ValueError:  # a malformed port or IPv6 literal: still a link a reviewer should see
        return ""


def allowed(host: str, allow: Iterable[str]) -> bool:
    """Tell whether a host is one on the list or a subdomain of one."""
    return bool(host) and any(host == a.lower() or host.endswith("." + a.lower()) for a in allow)


def foreign_links(text: str, allow: Iterable[str]) -> list[Span]:
    """Return the spans of links whose host is not allowed."""
    allow = tuple(allow)
    spans = []
    for match in URL.finditer(text):
        url = match.group().rstrip(TRAILING)
        if not allowed(host_of(url), allow):
            spans.append((match.start(), match.start() + len(url)))
    return spans
