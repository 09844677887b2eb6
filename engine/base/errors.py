"""The errors an engine operation reports to its caller (CLI, web or API).

Each is a refusal: the operation changed nothing.  ``status`` is the HTTP
status the web layer answers with.
"""

from __future__ import annotations


class Refused(Exception):
    """An operation was refused; nothing was changed."""

    status = 400

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(Refused):
    status = 404


class NotAllowed(Refused):
    status = 403


class Conflict(Refused):
    status = 409


class Invalid(Refused):
    """Submitted data failed validation; ``errors`` maps fields to messages."""

    status = 400


class AlreadyDone(Conflict):
    """The task was already completed (or cancelled); ``by`` names who completed it.

    A second submit of a task its user just completed (a double tap, a slow
    network) is the user's own success; callers may answer it as such.
    """

    def __init__(self, message: str, by: str | None = None):
        super().__init__(message)
        self.by = by
