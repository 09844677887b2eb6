"""Comments on an item, visible to everyone who takes part in it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.base.errors import Invalid
from engine.base.text import is_clean, message
from engine.org.access import check_may_view
from engine.org.anonymity import covered
from engine.org.people import display_names
from engine.read.inbox import iso
from engine.store.schema import Comment

MAX_LENGTH = 2000


def add_comment(session: Session, instance_id: int, username: str, body: Any,
                now: datetime) -> int:
    """Add ``body`` as ``username``'s comment on the item; return its id."""
    check_may_view(session, instance_id, username)
    text = body.strip() if isinstance(body, str) else ""
    if not text:
        raise Invalid("评论内容不能为空。", {"body": ["请填写评论内容。"]})
    if not is_clean(text, multiline=True):
        raise Invalid("评论含有控制字符。", {"body": [message(multiline=True)]})
    if len(text) > MAX_LENGTH:
        raise Invalid("评论过长。", {"body": [f"评论不能超过 {MAX_LENGTH} 个字符。"]})
    comment = Comment(instance_id=instance_id, author=username, at=now, body=text)
    session.add(comment)
    session.flush()
    return comment.id


def comments_of(session: Session, instance_id: int) -> list[dict[str, Any]]:
    """Return an item's comments, oldest first."""
    rows = list(session.scalars(select(Comment).where(Comment.instance_id == instance_id)
                                .order_by(Comment.at, Comment.id)))
    names = display_names(session, {c.author for c in rows})
    return covered(session, instance_id, [
        {"id": c.id, "author": c.author, "author_name": names.get(c.author, c.author),
         "at": iso(c.at), "body": c.body} for c in rows])
