"""Items (事项) as a service: the start page, the item page, comments, attachments.

Reads open a read session (never SQLite's write lock); a comment or an upload opens
one write transaction.  Whether the user may read the item is the policy's rule
(:func:`engine.org.policy.may_read_item`), checked by :mod:`engine.org.access`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine.app.forms import item_labels
from engine.model.catalog import start_entry, startable
from engine.org.access import check_may_view
from engine.read import queries
from engine.read.diagram import diagram
from engine.read.progress import facts, progress
from engine.run.attachments import BlobStore, add_attachment, attachment_for, attachments_of
from engine.run.choices import with_choices
from engine.run.comments import add_comment, comments_of
from engine.run.runtime import Engine

#: a lane's role key in its name, "拟稿人（initiator）": staff read only the Chinese
LANE_KEY = re.compile(r'(<(?:bpmn:)?lane\b[^>]*?\bname="[^"]*?)\s*[(（][a-z_]+[)）]\s*(?=")')
#: what staff call the procedures they start most; listed first, in this order
STAFF_WORDS = {"post_review": ("写稿件", "写好稿件提交审核，按账号级别自动走三审三校、四审四校或三级平台审核。")}


def start_list(engine: Engine, username: str) -> list[dict[str, Any]]:
    """Return the procedures ``username`` may start, the everyday one (写稿件) first."""
    with engine.db.reading() as db:
        models = startable(db, username)
    for m in models:
        m["staff_name"], m["staff_help"] = STAFF_WORDS.get(m["key"], (None, None))
    models.sort(key=lambda m: (m["staff_name"] is None, list(STAFF_WORDS).index(m["key"])
                               if m["key"] in STAFF_WORDS else 0))
    return models


@dataclass(frozen=True)
class StartForm:
    """A procedure's start entry and its form with the choices filled in for the user."""

    entry: dict[str, Any]
    schema: dict[str, Any]


def start_form(engine: Engine, key: str, username: str) -> StartForm:
    """Return the start form of ``key``; NotFound / NotAllowed when it may not be started."""
    with engine.db.reading() as db:
        entry = start_entry(db, key, username)
        schema = with_choices(entry["form_schema"], db, username) or {"properties": {}}
    return StartForm(entry, schema)


def next_task(engine: Engine, instance_id: int, username: str) -> str | None:
    """Return the id of the item's first open task assigned to ``username``, if any."""
    with engine.db.reading() as db:
        tasks = queries.instance_detail(db, instance_id)["tasks"]
    mine = [t for t in tasks if t["status"] == "open" and t["assignee"] == username]
    return mine[0]["id"] if mine else None


@dataclass(frozen=True)
class ItemPage:
    """What the item page shows: status, post, labels, progress, timeline, comments, files."""

    item: dict[str, Any]
    values: dict[str, Any]
    comments: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    labels: dict[str, Any]
    progress: Any
    facts: Any


def item_page(engine: Engine, instance_id: int, username: str) -> ItemPage:
    """Return the item page for ``username``; NotFound / NotAllowed when they may not read it."""
    with engine.db.reading() as db:
        check_may_view(db, instance_id, username)
        item = queries.instance_detail(db, instance_id)
        values = queries.current_values(db, instance_id)
        return ItemPage(item, values, comments_of(db, instance_id), attachments_of(db, instance_id),
                        item_labels(db, item), progress(db, instance_id), facts(db, instance_id, values))


def item_diagram(engine: Engine, instance_id: int, username: str) -> dict[str, Any]:
    """Return the pinned model's XML (lanes named for staff) and the state of each element."""
    with engine.db.reading() as db:
        answer = diagram(db, check_may_view(db, instance_id, username))
    answer["xml"] = LANE_KEY.sub(r"\1", answer["xml"])  # staff read 拟稿人, not (initiator)
    return answer


def comments(engine: Engine, instance_id: int) -> list[dict[str, Any]]:
    """Return the item's comments, oldest first."""
    with engine.db.reading() as db:
        return comments_of(db, instance_id)


def attachments(engine: Engine, instance_id: int, username: str | None = None) -> list[dict[str, Any]]:
    """Return the item's attachments; when ``username`` is given, only if they may read it."""
    with engine.db.reading() as db:
        if username is not None:
            check_may_view(db, instance_id, username)
        return attachments_of(db, instance_id)


def comment(engine: Engine, instance_id: int, username: str, body: Any) -> int:
    """Add ``username``'s comment to the item; return its id (Invalid when empty or too long)."""
    with engine.db.transaction() as db:
        return add_comment(db, instance_id, username, body, engine.clock.now())


def attach(engine: Engine, blobs: BlobStore, instance_id: int, username: str,
           filename: str | None, data: bytes, max_bytes: int) -> int:
    """Attach an image, PDF or video to the item; return the attachment's id."""
    with engine.db.transaction() as db:
        return add_attachment(db, blobs, instance_id, username, filename, data,
                              engine.clock.now(), max_bytes)


def attachment(engine: Engine, attachment_id: int, username: str) -> dict[str, Any]:
    """Return an attachment's record if ``username`` may read its item."""
    with engine.db.reading() as db:
        return attachment_for(db, attachment_id, username)
