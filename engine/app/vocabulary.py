"""The words the pages show for the engine's keys: role titles, event types, field values.

The web layer speaks to the engine only through :mod:`engine.app`; these names are the
vocabulary it needs to render what the services return (a role key as 拟稿人, an event
type as 提交, a form value in its form's words) and the institution's own names.
"""

from __future__ import annotations

from engine.audit.history import EVENT_TYPES
from engine.model import extensions
from engine.model.form_labels import value_text
from engine.model.forms import NAME_RE
from engine.org import institution
from engine.run.assignment import ROLE_TITLES, known_roles
from engine.run.attachments import MAX_SOURCE

__all__ = ["EVENT_TYPES", "MAX_SOURCE", "NAME_RE", "ROLE_TITLES", "extensions", "institution",
           "known_roles", "value_text"]
