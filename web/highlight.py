"""The pre-screen's findings drawn in the post: each span a ``<mark>`` naming its article.

Findings give character offsets in the post's Markdown text, while the page shows the
rendered HTML.  The post is rendered exactly as without findings; then each character of
the rendered text is matched to its source character (in order: Markdown only drops its
syntax, and adds whitespace between blocks), and every run of rendered characters covered
by the same findings is wrapped in a ``<mark>``.  Marks are only ever added between the
characters of a text node, so the HTML stays well nested and the post shows the same words
(a span crossing an element is marked in each part).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from markupsafe import Markup, escape

from .post import render_post

_PIECES = re.compile(r"(<[^>]*>)")
_UNITS = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|.", re.S)
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&#34;": '"', "&#39;": "'",
             "&#x27;": "'", "&nbsp;": "\xa0"}


def of_field(findings: Iterable[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    """Return the findings with a span in ``field``, each with its index in the whole list."""
    return [{**f, "index": i} for i, f in enumerate(findings)
            if f.get("field") == field and int(f["end"]) > int(f["start"])]


def coverage(findings: Sequence[dict[str, Any]], length: int) -> list[tuple[int, ...]]:
    """Return, for each source character, the positions in ``findings`` that cover it."""
    cover: list[list[int]] = [[] for _ in range(length)]
    for k, f in enumerate(findings):
        for i in range(max(0, int(f["start"])), min(length, int(f["end"]))):
            cover[i].append(k)
    return [tuple(c) for c in cover]


def _char(unit: str) -> str:
    """Return the character an HTML text unit (a character or an entity) shows."""
    return _ENTITIES.get(unit, unit) if len(unit) > 1 else unit


def _mark(units: list[str], covering: tuple[int, ...], findings: Sequence[dict[str, Any]],
          field: str) -> str:
    """Wrap one run of text in a focusable mark naming its findings."""
    piece = "".join(units)
    if not covering:
        return piece
    named = [findings[k] for k in covering]
    tip = escape("；".join(f"{f['article']} {f['message']}" for f in named))
    level = "high" if any(f["severity"] == "high" for f in named) else named[0]["severity"]
    ids = " ".join(f"pf-{field}-{f['index']}" for f in named)
    return (f'<mark class="pf pf-{level}" tabindex="0" title="{tip}" data-tip="{tip}" '
            f'data-findings="{ids}">{piece}</mark>')


class _Aligner:
    """Match rendered characters to source characters, in order (one to one when ``exact``)."""

    def __init__(self, source: str, cover: list[tuple[int, ...]], exact: bool):
        self.source, self.cover, self.at, self.exact = source, cover, 0, exact

    def covering(self, char: str) -> tuple[int, ...]:
        if self.exact and self.at < len(self.cover):
            self.at += 1
            return self.cover[self.at - 1]
        if char.isspace():
            return ()  # whitespace may be added between blocks: never matched
        found = self.source.find(char, self.at)
        if found < 0:
            return ()
        self.at = found + 1
        return self.cover[found]


def _draw(html: str, source: str, findings: Sequence[dict[str, Any]], field: str,
          exact: bool = False) -> str:
    """Add marks to rendered HTML around the text the findings cover in ``source``."""
    align, out = _Aligner(source, coverage(findings, len(source)), exact), []
    for part in _PIECES.split(html):
        if part.startswith("<"):
            out.append(part)
            continue
        run: list[str] = []
        current: tuple[int, ...] = ()
        for unit in _UNITS.findall(part):
            covering = align.covering(_char(unit))
            if covering != current and run:
                out.append(_mark(run, current, findings, field))
                run = []
            current = covering
            run.append(unit)
        out.append(_mark(run, current, findings, field))
    return "".join(out)


def marked_body(text: str | None, attachment_ids: Iterable[int],
                findings: Iterable[dict[str, Any]]) -> tuple[Markup, list[str]]:
    """Render the body as :func:`render_post` does, with the findings' spans marked."""
    html, warnings = render_post(text, attachment_ids)
    own = of_field(findings, "body")
    if not own:
        return html, warnings
    return Markup(_draw(str(html), text or "", own, "body")), warnings


def marked_text(text: str | None, findings: Iterable[dict[str, Any]], field: str) -> Markup:
    """Return a plain field (the title, the source) escaped, with its findings' spans marked."""
    own = of_field(findings, field)
    if not own:
        return escape(text or "")
    return Markup(_draw(str(escape(text or "")), text or "", own, field, exact=True))
