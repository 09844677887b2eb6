"""A post's body: Markdown rendered safely, images from the item's attachments, and
a plain account of everything the sanitiser left out (nothing disappears silently)."""

from __future__ import annotations

import re
from collections.abc import Iterable

import markdown
import nh3
from markupsafe import Markup

from .render import ALLOWED_TAGS

ATTACHMENT_SRC = re.compile(r"^/attachments/(\d+)$")
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_NO_SRC = re.compile(r"<img\b(?![^>]*\bsrc=)[^>]*>")
_TAG = re.compile(r"<\s*([a-zA-Z][a-zA-Z0-9-]*)")


def render_post(text: str | None, attachment_ids: Iterable[int] = ()) -> tuple[Markup, list[str]]:
    """Return the body as safe HTML and the warnings for what was left out of it."""
    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"])
    ids = {str(i) for i in attachment_ids}

    def keep(tag: str, attr: str, value: str) -> str | None:
        if tag == "img" and attr == "src":
            found = ATTACHMENT_SRC.match(value)
            return value if found and found.group(1) in ids else None
        return value

    clean = nh3.clean(html, tags=ALLOWED_TAGS | {"img"},
                      attributes={"a": {"href", "title"}, "img": {"src", "alt", "title"}},
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer",
                      attribute_filter=keep)
    return Markup(_NO_SRC.sub("", clean)), _warnings(html, ids)


def _warnings(html: str, ids: set[str]) -> list[str]:
    warnings = []
    for tag in _IMG.findall(html):
        attrs = dict(_ATTR.findall(tag))
        found = ATTACHMENT_SRC.match(attrs.get("src", ""))
        if not (found and found.group(1) in ids):
            name = attrs.get("alt") or attrs.get("src") or "图片"
            warnings.append(f"图片「{name}」未显示：只能插入本事项的附件图片"
                            "（先上传附件，再点附件旁的「插入正文」）。")
    stripped = sorted({t.lower() for t in _TAG.findall(html)} - ALLOWED_TAGS - {"img"})
    if stripped:
        warnings.append("已去除不允许的 HTML 标签：" + "、".join(f"<{t}>" for t in stripped)
                        + "（只保留 Markdown 排版）。")
    return warnings
