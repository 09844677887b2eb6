"""The inbox service (待办): one tab of a user's tasks or items, filters, paging, counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.model.catalog import model_choices
from engine.org.people import departments
from engine.read import inbox as read
from engine.read.inbox import MAX_PER_PAGE, TAB_TITLES, TABS, InboxQuery
from engine.registry import accounts

__all__ = ["MAX_PER_PAGE", "TAB_NAMES", "TAB_TITLES", "FILTER_KEYS", "InboxChoices",
           "InboxPage", "InboxQuery", "choices", "next_task", "page_of", "query_of"]

#: the tabs, in the order the page shows them
TAB_NAMES = tuple(TABS)
FILTER_KEYS = ("q", "model", "account", "tier", "department", "since", "until")


@dataclass(frozen=True)
class InboxPage:
    """One page of a tab: rows (task rows, or item rows on 我发起的), the count of every tab."""

    tab: str
    rows: list[dict[str, Any]]
    total: int
    counts: dict[str, int]
    page: int
    per_page: int
    pages: int


@dataclass(frozen=True)
class InboxChoices:
    """What the filters offer: procedures, departments, platform accounts (tiers 1-3)."""

    models: list[dict[str, str]]
    departments: list[dict[str, Any]]
    accounts: list[dict[str, Any]]


def query_of(parsed: dict, per_page: int) -> InboxQuery:
    """Build the inbox query from already validated arguments (tab, filters, page)."""
    filters = {k: parsed[k] for k in FILTER_KEYS if k in parsed}
    return InboxQuery(parsed.get("tab", "mine"), filters, parsed.get("page", 1),
                      parsed.get("per_page", per_page))


def page_of(session: Session, username: str, query: InboxQuery, now: datetime,
            roles: set[str] | None = None) -> InboxPage:
    """Return the page ``query`` asks of ``username``'s inbox, covered for them (第十九条).

    ``roles``: the user's roles as read this request already (else read here).
    """
    return InboxPage(**read.inbox(session, username, query, now, roles))


def choices(session: Session) -> InboxChoices:
    """Return what the inbox's filters offer."""
    offered = [{"id": a.id, "name": a.account_name, "tier": a.tier}
               for a in accounts.active(session, (1, 2, 3))]
    return InboxChoices(model_choices(session), departments(session), offered)


def next_task(session: Session, username: str, now: datetime) -> tuple[dict[str, Any] | None, int]:
    """Return the first task of ``username``'s 我的待办 (or None) and how many there are."""
    page = page_of(session, username, InboxQuery("mine", {}, 1, 1), now)
    return (page.rows[0] if page.rows else None), page.total
