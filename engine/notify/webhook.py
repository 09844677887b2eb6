"""The group robot: notifications posted to a 企业微信 or 钉钉 group, after commit, with retries.

Hospital staff read their work group far more than e-mail.  A group robot is
one webhook URL per group, so one message goes out per event (not one per
recipient) and names the people it is for.  Configured by
``SHENFA_WEBHOOK_URL``, ``SHENFA_WEBHOOK_KIND`` (``wecom`` or ``dingtalk``,
guessed from the URL when unset), ``SHENFA_WEBHOOK_SECRET`` (钉钉's 加签
secret, optional) and ``SHENFA_BASE_URL`` (for the link back into shenfa).
Without a URL the robot is off and nothing is queued.

The step queues the message in its own transaction (``webhook_messages``, an
outbox); the worker posts it after commit, so a slow or unreachable robot
never blocks or rolls back a step.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select

from engine.base.clock import Clock
from engine.base.localtime import local
from engine.store.persistence import Database
from engine.store.schema import User, WebhookMessage

MAX_ATTEMPTS = 8
MESSAGES = WebhookMessage.__table__


class WebhookError(Exception):
    """The robot did not take the message (network, HTTP status or its own errcode)."""


@dataclass(frozen=True)
class WebhookSettings:
    url: str
    kind: str = "wecom"
    secret: str | None = None
    base_url: str | None = None
    timeout: float = 5.0

    @classmethod
    def from_env(cls) -> WebhookSettings | None:
        """Read the settings from ``SHENFA_WEBHOOK_*``; None when no URL is set."""
        url = os.environ.get("SHENFA_WEBHOOK_URL", "").strip()
        if not url:
            return None
        kind = os.environ.get("SHENFA_WEBHOOK_KIND", "").strip() or guess_kind(url)
        if kind not in ROBOTS:
            raise ValueError(f"SHENFA_WEBHOOK_KIND 应为 {' 或 '.join(ROBOTS)}，而不是 {kind!r}")
        return cls(url, kind, os.environ.get("SHENFA_WEBHOOK_SECRET") or None,
                   (os.environ.get("SHENFA_BASE_URL") or "").rstrip("/") or None,
                   float(os.environ.get("SHENFA_WEBHOOK_TIMEOUT", "5")))


def guess_kind(url: str) -> str:
    """Tell the robot by its URL: 钉钉's oapi host says dingtalk, anything else wecom."""
    return "dingtalk" if "dingtalk" in urllib.parse.urlsplit(url).netloc else "wecom"


def wecom_body(title: str, text: str) -> dict[str, Any]:
    """企业微信 group robot: markdown message."""
    return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}"}}


def dingtalk_body(title: str, text: str) -> dict[str, Any]:
    """钉钉 custom robot: markdown message (the title shows in the chat list)."""
    return {"msgtype": "markdown", "markdown": {"title": title, "text": f"#### {title}\n{text}"}}


#: robot kind -> how its JSON body is built: a registry, not an if-chain
ROBOTS: dict[str, Callable[[str, str], dict[str, Any]]] = {
    "wecom": wecom_body, "dingtalk": dingtalk_body}


def signed_url(url: str, secret: str | None, now_ms: int | None = None) -> str:
    """Add 钉钉's 加签 parameters (timestamp, HMAC-SHA256 sign) when a secret is set."""
    if not secret:
        return url
    stamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign}"


def post(settings: WebhookSettings, title: str, text: str) -> None:
    """POST one message to the robot; raise WebhookError unless it answers errcode 0."""
    body = json.dumps(ROBOTS[settings.kind](title, text), ensure_ascii=False).encode()
    request = urllib.request.Request(signed_url(settings.url, settings.secret), data=body,
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout) as response:  # noqa: S310
            answer = json.loads(response.read(65536) or b"{}")
    except (OSError, ValueError) as err:
        raise WebhookError(f"{type(err).__name__}: {err}") from None
    if answer.get("errcode", 0) != 0:
        raise WebhookError(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")


def queue(connection: Connection, rows: list[dict[str, Any]],
          originals: list[dict[str, Any]] | None = None) -> None:
    """Queue one robot message per event of ``rows`` (notification rows), if the robot is on.

    ``originals`` are the rows before each was covered for its recipient (第十九条): the
    whole group reads the message, so when any copy was covered, the covered one is sent.
    """
    if not os.environ.get("SHENFA_WEBHOOK_URL", "").strip() or not rows:
        return
    events: dict[tuple, list[dict[str, Any]]] = {}
    for row, original in zip(rows, originals or rows, strict=True):
        covered = row["body"] != original["body"] or row["subject"] != original["subject"]
        group = events.setdefault((row["instance_id"], row["task_id"], row["kind"]), [])
        group.insert(0 if covered else len(group), row)  # message() reads the first
    connection.execute(insert(MESSAGES), [message(connection, group) for group in events.values()])


def message(connection: Connection, group: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the outbox row of one event: its subject, text and the people it is for."""
    first, usernames = group[0], [r["username"] for r in group]
    names = dict(connection.execute(select(User.username, User.display_name)
                                    .where(User.username.in_(usernames))).all())
    text = "\n".join([f"> {first['body']}",
                      f"> 请留意：{'、'.join(names.get(u, u) for u in usernames)}",
                      f"> 时间：{local(first['created_at'])}"])
    return {"instance_id": first["instance_id"], "title": f"审发{first['subject']}"[:300],
            "text": text, "usernames": usernames, "created_at": first["created_at"],
            "status": "pending", "attempts": 0}


class WebhookSender:
    """Posts queued robot messages; a failure is retried later with backoff, then given up."""

    def __init__(self, db: Database, settings: WebhookSettings, clock: Clock):
        self.db, self.settings, self.clock = db, settings, clock

    def send_pending(self, limit: int = 50) -> int:
        """Post what is due, oldest first; return how many the robot took."""
        sent = 0
        with self.db.transaction() as session:
            now = self.clock.now()
            for note in session.scalars(select(WebhookMessage).where(
                    WebhookMessage.status == "pending",
                    WebhookMessage.not_before.is_(None) | (WebhookMessage.not_before <= now))
                    .order_by(WebhookMessage.id).limit(limit)):
                sent += self._deliver(note, now)
        return sent

    def _deliver(self, note: WebhookMessage, now: datetime) -> int:
        try:
            post(self.settings, note.title, self._with_link(note))
        except WebhookError as err:
            note.attempts += 1
            note.error = str(err)[:1000]
            if note.attempts >= MAX_ATTEMPTS:
                note.status = "failed"
            else:
                note.not_before = now + timedelta(seconds=min(2 ** note.attempts, 600))
            return 0
        note.status, note.error = "sent", None
        return 1

    def _with_link(self, note: WebhookMessage) -> str:
        if not (self.settings.base_url and note.instance_id):
            return note.text
        return f"{note.text}\n\n[打开事项 #{note.instance_id}]({self.settings.base_url}/items/{note.instance_id})"


def send_pending(db: Database, clock: Clock) -> int:
    """Post the robot's queued messages if it is configured; return how many were taken."""
    settings = WebhookSettings.from_env()
    return WebhookSender(db, settings, clock).send_pending() if settings else 0
