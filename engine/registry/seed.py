"""Seeding the registry (accounts and key dates) from a data file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from engine.registry import accounts, key_dates

DEMO_FILE = accounts.DEMO_FILE


def seed_registry(session: Session, path: Path, now: datetime) -> dict[str, int]:
    """Add the accounts and key dates of ``path`` that are missing; return counts."""
    data = accounts.read_file(path)
    return {"accounts": accounts.seed(session, data, now),
            "key_dates": key_dates.seed(session, data)}
