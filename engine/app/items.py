"""Items (事项) as a service: the start page, the item page, comments, attachments.

Reads open a read session (never SQLite's write lock); a comment or an upload opens
one write transaction.  Whether the user may read the item is the policy's rule
(:func:`engine.org.policy.may_read_item`), checked by :mod:`engine.org.access`.

An attachment's source (来源/出处, 第九条) is given on upload by whoever uploads it.
Afterwards it may be changed only while the post is being drafted, by the one who
drafts it; once the post has left drafting it is fixed like the file itself (no file
is ever replaced or deleted), so what the reviewers and the drafting step's recorded
pre-screen saw stays what was submitted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine.app import screening
from engine.app.forms import item_labels
from engine.base.errors import Conflict, NotAllowed
from engine.model.catalog import start_entry, startable
from engine.org.access import check_may_view
from engine.read import queries
from engine.read.diagram import diagram
from engine.read.progress import facts, progress
from engine.run.attachments import (
    BlobStore,
    add_attachment,
    attachment_for,
    attachments_of,
    change_source,
    open_forms,
)
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
    sources_editable: bool = False


def item_page(engine: Engine, instance_id: int, username: str) -> ItemPage:
    """Return the item page for ``username``; NotFound / NotAllowed when they may not read it."""
    with engine.db.reading() as db:
        check_may_view(db, instance_id, username)
        item = queries.instance_detail(db, instance_id)
        values = queries.current_values(db, instance_id)
        return ItemPage(item, values, comments_of(db, instance_id), attachments_of(db, instance_id),
                        item_labels(db, item), progress(db, instance_id), facts(db, instance_id, values),
                        drafts(db, instance_id, username))


def item_diagram(engine: Engine, instance_id: int, username: str, *,
                 staff_labels: bool = True) -> dict[str, Any]:
    """Return the pinned model's XML and the state of each element, if ``username`` may see it.

    With ``staff_labels`` the lanes read as staff know them (拟稿人, not 拟稿人 (initiator));
    the API leaves the model's XML as deployed.
    """
    with engine.db.reading() as db:
        answer = diagram(db, check_may_view(db, instance_id, username))
    if staff_labels:
        answer["xml"] = LANE_KEY.sub(r"\1", answer["xml"])
    return answer


def comments(engine: Engine, instance_id: int, username: str | None = None) -> list[dict[str, Any]]:
    """Return the item's comments, oldest first; when ``username`` is given, only if they may read it."""
    with engine.db.reading() as db:
        if username is not None:
            check_may_view(db, instance_id, username)
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
           filename: str | None, data: bytes, max_bytes: int, source: Any = None) -> int:
    """Attach an image, PDF or video to the item with its stated source; return its id."""
    with engine.db.transaction() as db:
        return add_attachment(db, blobs, instance_id, username, filename, data,
                              engine.clock.now(), max_bytes, source)


def drafts(db: Session, instance_id: int, username: str) -> bool:
    """Tell whether ``username`` holds the item's open drafting task (may set sources)."""
    return any(assignee == username and screening.drafting(form)
               for assignee, form in open_forms(db, instance_id))


def sources_editable(engine: Engine, instance_id: int, username: str) -> bool:
    """Tell whether ``username`` may set the sources of the item's attachments now."""
    with engine.db.reading() as db:
        return drafts(db, instance_id, username)


def check_may_set_source(db: Session, instance_id: int, username: str) -> None:
    """Refuse a source change unless ``username`` drafts the post now (see the module)."""
    check_may_view(db, instance_id, username)  # who may upload to the item
    forms = open_forms(db, instance_id)
    if not any(screening.drafting(form) for _assignee, form in forms):
        raise Conflict("稿件已离开拟稿环节：附件的来源与附件本身一样已固定，不能再修改。")
    if not drafts(db, instance_id, username):
        raise NotAllowed("只有正在拟稿的拟稿人可以修改附件来源。")


def set_source(engine: Engine, attachment_id: int, username: str, source: Any) -> dict[str, Any]:
    """Set or clear the stated source of an attachment; return the attachment as now."""
    with engine.db.transaction() as db:
        instance_id = attachment_for(db, attachment_id, username)["instance_id"]
        check_may_set_source(db, instance_id, username)
        change_source(db, attachment_id, source)
        return attachment_for(db, attachment_id, username)


def attachment(engine: Engine, attachment_id: int, username: str) -> dict[str, Any]:
    """Return an attachment's record if ``username`` may read its item."""
    with engine.db.reading() as db:
        return attachment_for(db, attachment_id, username)
