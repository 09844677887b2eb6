"""Times for people: the hospital's time zone, one formatting function.

The database keeps UTC; everything a person reads — notification text, pages,
CSV exports — goes through :func:`local`, so no one is shown UTC with
microseconds.  The zone comes from ``SHENFA_TIMEZONE`` (default
Asia/Shanghai); the web app sets it from its configuration with
:func:`set_zone`, and the engine, which writes the notification text, reads
the same setting.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.base.errors import Invalid

DEFAULT_ZONE = "Asia/Shanghai"
#: minutes, as people write them in a message: 2026-11-30 14:05
MINUTES = "%Y-%m-%d %H:%M"
SECONDS = "%Y-%m-%d %H:%M:%S"


#: the environment variable that names the zone
SETTING = "SHENFA_TIMEZONE"


def zone_named(name: str, setting: str = SETTING) -> ZoneInfo:
    """Return the IANA zone ``name``, or raise Invalid naming it and the setting it came from."""
    try:
        return ZoneInfo(str(name).strip())
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise Invalid(f"{setting} 时区设置无效：{str(name)[:80]!r}"
                      f"（应为 IANA 时区名，如 Asia/Shanghai）") from None


def configured() -> ZoneInfo:
    """Return the zone named by ``SHENFA_TIMEZONE`` (default Asia/Shanghai); Invalid if bad."""
    return zone_named(os.environ.get(SETTING) or DEFAULT_ZONE)


# Resolved on first use, not at import: a bad setting must reach a command's or the app's
# error boundary as one clear line, never a traceback from importing this module.
_ZONE: list[ZoneInfo | None] = [None]


def zone() -> ZoneInfo:
    """Return the configured zone."""
    found = _ZONE[0]
    if found is None:
        found = _ZONE[0] = configured()
    return found


def set_zone(name: str) -> ZoneInfo:
    """Use the zone ``name`` from now on in this process; return it."""
    chosen = _ZONE[0] = zone_named(name)
    return chosen


def to_local(value: datetime | str) -> datetime:
    """Return ``value`` in the configured zone; a naive time is read as UTC (as stored)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone())


def local(value: datetime | str | None, fmt: str = MINUTES) -> str:
    """Format ``value`` in the configured zone (``""`` for nothing)."""
    if not value:
        return ""
    return to_local(value).strftime(fmt)


def local_iso(value: datetime | str | None) -> str | None:
    """Return ISO 8601 text in the configured zone, to the second, with its offset."""
    if not value:
        return None
    return to_local(value).replace(microsecond=0).isoformat()
