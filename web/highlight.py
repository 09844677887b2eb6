"""The pre-screen's findings drawn in the post: each span a ``<mark>`` naming its article.

Findings give character offsets in the post's Markdown text, while the page shows the
rendered HTML.  Each place where the set of covering findings changes gets a marker
character from Unicode's supplementary private use area before rendering; after
rendering and sanitising, every text piece between markers is wrapped in a ``<mark>``
for the findings that cover it (a span crossing an element is marked in each part, so
the HTML stays well nested).  A marker the renderer moved into an attribute is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from markupsafe import Markup, escape

from .post import render_post

BASE = 0xF0000  # Supplementary Private Use Area-A: never in a post
_MARKERS = re.compile("[\U000F0000-\U000FFFFD]")
_PIECES = re.compile(r"(<[^>]*>)")


def boundaries(findings: Sequence[dict[str, Any]], length: int) -> list[tuple[int, list[int]]]:
    """Return ``[(offset, indexes of the findings covering from there)]`` in order."""
    cuts = sorted({max(0, min(length, int(f[k]))) for f in findings for k in ("start", "end")})
    return [(cut, [i for i, f in enumerate(findings) if f["start"] <= cut < f["end"]])
            for cut in cuts]


def _with_markers(text: str, cuts: list[tuple[int, list[int]]]) -> str:
    out, last = [], 0
    for k, (cut, _covering) in enumerate(cuts):
        out.append(text[last:cut])
        out.append(chr(BASE + k))
        last = cut
    out.append(text[last:])
    return "".join(out)


def _mark(piece: str, covering: list[int], findings: Sequence[dict[str, Any]],
          field: str) -> str:
    """Wrap one text piece in a focusable mark naming its findings."""
    if not covering or not piece:
        return piece
    named = [findings[i] for i in covering]
    tip = "；".join(f"{f['article']} {f['message']}" for f in named)
    level = "high" if any(f["severity"] == "high" for f in named) else named[0]["severity"]
    ids = " ".join(f"pf-{field}-{findings[i]['index']}" for i in covering)
    return (f'<mark class="pf pf-{level}" tabindex="0" title="{escape(tip)}" '
            f'data-tip="{escape(tip)}" data-findings="{ids}" aria-label="{escape(tip)}">'
            f"{piece}</mark>")


def _draw(html: str, cuts: list[tuple[int, list[int]]], findings: Sequence[dict[str, Any]],
          field: str) -> str:
    """Replace the markers in rendered HTML by marks around the text they cover."""
    out, covering = [], []
    for part in _PIECES.split(html):
        if part.startswith("<"):
            found = _MARKERS.findall(part)
            if found:
                covering = cuts[ord(found[-1]) - BASE][1]
            out.append(_MARKERS.sub("", part))
            continue
        pieces = _MARKERS.split(part)
        markers = _MARKERS.findall(part)
        out.append(_mark(pieces[0], covering, findings, field))
        for marker, piece in zip(markers, pieces[1:], strict=True):
            covering = cuts[ord(marker) - BASE][1]
            out.append(_mark(piece, covering, findings, field))
    return "".join(out)


def of_field(findings: Iterable[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    """Return the findings in ``field`` (title or body), each with its index in the list."""
    return [{**f, "index": i} for i, f in enumerate(findings) if f.get("field") == field]


def marked_body(text: str | None, attachment_ids: Iterable[int],
                findings: Iterable[dict[str, Any]]) -> tuple[Markup, list[str]]:
    """Render the body as :func:`render_post` does, with the findings' spans marked."""
    text = _MARKERS.sub("", text or "")
    own = of_field(findings, "body")
    if not own:
        return render_post(text, attachment_ids)
    cuts = boundaries(own, len(text))
    html, warnings = render_post(_with_markers(text, cuts), attachment_ids)
    return Markup(_draw(str(html), cuts, own, "body")), warnings


def marked_title(text: str | None, findings: Iterable[dict[str, Any]]) -> Markup:
    """Return the title escaped, with the findings' spans marked."""
    text = text or ""
    own = of_field(findings, "title")
    if not own:
        return escape(text)
    cuts = boundaries(own, len(text))
    return Markup(_draw(str(escape(_with_markers(text, cuts))), cuts, own, "title"))
