"""One injectable clock for the engine, helpers and workers.

Tests move time with :class:`FrozenClock`; nothing in the engine calls
``datetime.now`` directly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """The real time, always timezone-aware (UTC)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock(Clock):
    """A clock that stands still until moved."""

    def __init__(self, start: datetime | None = None):
        self.current = start or datetime.now(UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward by ``timedelta(**delta)`` and return the new time."""
        self.current += timedelta(**delta)
        return self.current
