"""Template helpers: safe Markdown, local times, durations, labels."""

from __future__ import annotations

from datetime import datetime

import markdown
import nh3
from flask import Flask
from markupsafe import Markup

from engine.app.vocabulary import EVENT_TYPES, ROLE_TITLES, institution
from engine.base import localtime

ALLOWED_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i",
                "u", "s", "del", "blockquote", "code", "pre", "ul", "ol", "li", "a", "table",
                "thead", "tbody", "tr", "th", "td", "sup", "sub"}
DECISIONS = {"approve": "通过", "return": "退回修改"}
STATUS = {"running": "进行中", "completed": "已办结", "cancelled": "已取消", "open": "待办理"}


def markdown_html(text: str | None) -> Markup:
    """Render Markdown to HTML with only harmless tags and attributes kept."""
    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"])
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
    return Markup(clean)


def local_time(value: str | datetime | None, fmt: str = localtime.MINUTES) -> str:
    """Format a time in the hospital's zone (``SHENFA_TIMEZONE``); naive times are UTC."""
    return localtime.local(value, fmt)


def duration(seconds: int | float | None) -> str:
    """Say how long, in Chinese: 3天2小时, 5小时10分, 12分钟."""
    if seconds is None:
        return ""
    minutes = int(seconds) // 60
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{mins}分"
    return f"{mins}分钟"


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(markdown=markdown_html, local_time=local_time,
                                 local_iso=localtime.local_iso,
                                 duration=duration)
    app.jinja_env.globals.update(ROLE_TITLES=ROLE_TITLES, INSTITUTION=institution.CURRENT, EVENT_TYPES=EVENT_TYPES,
                                 DECISIONS=DECISIONS, STATUS=STATUS)
