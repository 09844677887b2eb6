"""E-mail delivery of notifications over SMTP, after commit, with retries.

Configured by ``SHENFA_SMTP_HOST`` / ``SHENFA_SMTP_PORT`` / ``SHENFA_MAIL_FROM``;
without a host, mail is off and notifications stay in-app only.

Each notification is sent on its own, outside any database transaction, and its
outcome is stored in a short transaction of its own: a failing one (a refused
address, a dead server, data no message can carry) is retried with backoff and,
after ``MAX_MAIL_ATTEMPTS``, marked ``failed`` — an incident — while the others
go out.  Headers are built from one-line values whatever the stored data holds,
so an old row with CR/LF in its title cannot forge a header or stop the worker.
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP

from engine.base.clock import Clock
from engine.base.text import is_clean, one_line
from engine.notify.notifications import mail_outcome, pending_mail
from engine.store.persistence import Database

MAX_MAIL_ATTEMPTS = 8


@dataclass
class MailSettings:
    host: str
    port: int = 25
    sender: str = "shenfa@localhost"
    timeout: float = 10.0

    @classmethod
    def from_env(cls) -> MailSettings | None:
        host = os.environ.get("SHENFA_SMTP_HOST")
        if not host:
            return None
        return cls(host, int(os.environ.get("SHENFA_SMTP_PORT", "25")),
                   os.environ.get("SHENFA_MAIL_FROM", "shenfa@localhost"))


class UnsafeAddress(ValueError):
    """A recipient address that would break the message's headers: never sent to."""


def build_message(sender: str, address: str, subject: str, body: str) -> EmailMessage:
    """Return the message, with every header value on one line and the body encodable."""
    if not is_clean(address) or "," in address:
        raise UnsafeAddress(f"收件地址含控制字符或多个地址: {address!r}")
    message = EmailMessage(policy=SMTP)
    message["From"] = one_line(sender)
    message["To"] = address
    message["Subject"] = one_line(subject, 300)
    message.set_content(body.encode("utf-8", "replace").decode("utf-8"))
    return message


def send_mail(settings: MailSettings, address: str, subject: str, body: str) -> None:
    """Send one message over SMTP; raise on any failure (the caller retries)."""
    message = build_message(settings.sender, address, subject, body)
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
        smtp.send_message(message)


class Mailer:
    """Sends pending notifications; a failure is retried later with backoff."""

    def __init__(self, db: Database, settings: MailSettings, clock: Clock):
        self.db, self.settings, self.clock = db, settings, clock

    def send_pending(self, limit: int = 50) -> int:
        """Send what is due, each notification on its own; return how many were delivered."""
        with self.db.reading() as session:
            due = [(n.id, n.subject, n.body, n.mail_attempts, address)
                   for n, address in pending_mail(session, self.clock.now(), limit)]
        return sum(self._deliver(*item) for item in due)

    def _deliver(self, note_id: int, subject: str, body: str, attempts: int,
                 address: str | None) -> int:
        if not address:
            return self._store(note_id, {"mail_status": "no_address"})
        try:
            send_mail(self.settings, address, subject, body)
        except Exception as err:  # noqa: BLE001 - any failure of one message is its own
            return self._store(note_id, self._failure(attempts + 1, err))
        return self._store(note_id, {"mail_status": "sent"}, sent=1)

    def _failure(self, attempts: int, err: Exception) -> dict:
        values = {"mail_attempts": attempts, "mail_error": f"{type(err).__name__}: {err}"[:1000]}
        if attempts >= MAX_MAIL_ATTEMPTS:
            values["mail_status"] = "failed"  # an incident: listed by `shenfa incidents`
        else:
            values["mail_not_before"] = self.clock.now() + timedelta(seconds=min(2 ** attempts, 600))
        return values

    def _store(self, note_id: int, values: dict, sent: int = 0) -> int:
        with self.db.transaction() as session:
            mail_outcome(session, note_id, values)
        return sent
