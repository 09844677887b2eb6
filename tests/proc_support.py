"""Helpers for the procedure tests: registry look-ups and common submissions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.registry import accounts
from engine.store.schema import Account, Event, Task

NOW = "2026-11-26T09:10:00+00:00"


def account_id(engine, name: str) -> int:
    """Return the id of the registered account called ``name``."""
    with engine.db.transaction() as session:
        return session.scalar(select(Account.id).where(Account.account_name == name))


def account(engine, ident: int) -> dict[str, Any]:
    with engine.db.transaction() as session:
        return accounts.view(session, accounts.get(session, ident))


def account_named(engine, name: str) -> dict[str, Any]:
    return account(engine, account_id(engine, name))


def open_rows(engine, instance_id: int) -> list[Task]:
    with engine.db.transaction() as session:
        return list(session.scalars(select(Task).where(
            Task.instance_id == instance_id, Task.status == "open").order_by(Task.assignee)))


def recorded_inputs(engine, instance_id: int) -> list[dict]:
    """Return every helper reading recorded in an instance's history."""
    with engine.db.transaction() as session:
        events = session.scalars(select(Event).where(Event.instance_id == instance_id)
                                 .order_by(Event.seq))
        return [item for e in events for item in e.payload.get("inputs", [])]
