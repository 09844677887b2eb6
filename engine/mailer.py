"""E-mail delivery of notifications over SMTP, after commit, with retries.

Configured by ``SHENFA_SMTP_HOST`` / ``SHENFA_SMTP_PORT`` / ``SHENFA_MAIL_FROM``;
without a host, mail is off and notifications stay in-app only.
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

from .clock import Clock
from .notifications import pending_mail
from .persistence import Database

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


class Mailer:
    """Sends pending notifications; a failure is retried later with backoff."""

    def __init__(self, db: Database, settings: MailSettings, clock: Clock):
        self.db, self.settings, self.clock = db, settings, clock

    def send_pending(self, limit: int = 50) -> int:
        """Send what is due; return how many were delivered."""
        sent = 0
        with self.db.transaction() as session:
            for note, address in pending_mail(session, self.clock.now(), limit):
                if not address:
                    note.mail_status = "no_address"
                    continue
                try:
                    self._send(address, note.subject, note.body)
                except (OSError, smtplib.SMTPException) as err:
                    self._failed(note, err)
                    continue
                note.mail_status, sent = "sent", sent + 1
        return sent

    def _send(self, address: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.settings.sender, address, subject
        message.set_content(body)
        with smtplib.SMTP(self.settings.host, self.settings.port,
                          timeout=self.settings.timeout) as smtp:
            smtp.send_message(message)

    def _failed(self, note, err: Exception) -> None:
        note.mail_attempts += 1
        note.mail_error = f"{type(err).__name__}: {err}"[:1000]
        if note.mail_attempts >= MAX_MAIL_ATTEMPTS:
            note.mail_status = "failed"
        else:
            delay = min(2 ** note.mail_attempts, 600)
            note.mail_not_before = self.clock.now() + timedelta(seconds=delay)
