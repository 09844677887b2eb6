"""Attachments: files checked by content, stored once by SHA-256.

Only images, PDF and video are accepted, recognised from their first bytes
(``filetype``), never from the name or the browser's claim.  Each may carry the
source (来源/出处) its author states: 第九条 asks that a post's images name theirs.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import filetype
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.base.errors import Invalid, NotFound
from engine.base.text import is_clean, message
from engine.org.access import check_may_view
from engine.org.anonymity import covered
from engine.org.people import display_names
from engine.read.inbox import iso
from engine.store.schema import Attachment, Instance, ModelVersion, Task

ALLOWED = {
    "image/jpeg": "图片", "image/png": "图片", "image/gif": "图片", "image/webp": "图片",
    "application/pdf": "PDF", "video/mp4": "视频", "video/webm": "视频",
    "video/quicktime": "视频",
}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
#: a source is a line on a page and in the printed record: a credit, not an essay
MAX_SOURCE = 200


class BlobStore:
    """A directory of files named by the SHA-256 of their content."""

    def __init__(self, root: Path):
        # absolute: a relative root would name another folder after a chdir
        self.root = Path(root).resolve()

    def path(self, sha256: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise NotFound("附件不存在。")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store ``data`` (once) and return its SHA-256."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        return digest


def clean_filename(name: str | None) -> str:
    """Return a display-safe file name (no path parts or control characters)."""
    base = _UNSAFE.sub("_", (name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return base[:200] or "附件"


def clean_source(value: Any) -> str | None:
    """Return the stated source trimmed (None when blank); Invalid when it cannot be one.

    Refused, like a file name or a title, when it holds a line break or another control
    character: it is shown on pages and printed in the record as one line.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid("图片来源格式不正确。", {"source": ["图片来源必须是文字。"]})
    if not is_clean(value):
        raise Invalid("图片来源含有控制字符。", {"source": [f"图片来源{message()}"]})
    text = value.strip()
    if len(text) > MAX_SOURCE:
        raise Invalid("图片来源过长。", {"source": [f"图片来源不能超过 {MAX_SOURCE} 个字符。"]})
    return text or None


def add_attachment(session: Session, store: BlobStore, instance_id: int, username: str,
                   filename: str | None, data: bytes, now: datetime, max_bytes: int,
                   source: Any = None) -> int:
    """Check and store an upload on an item; return the attachment's id."""
    check_may_view(session, instance_id, username)
    stated = clean_source(source)
    if not data:
        raise Invalid("请选择要上传的文件。", {"file": ["文件为空。"]})
    if len(data) > max_bytes:
        raise Invalid("文件过大。", {"file": [f"文件不能超过 {_size(max_bytes)}。"]})
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in ALLOWED:
        raise Invalid("文件类型不允许。",
                      {"file": ["只能上传图片、PDF 或视频（按文件内容识别）。"]})
    digest = store.put(data)
    row = Attachment(instance_id=instance_id, sha256=digest, filename=clean_filename(filename),
                     mime=kind.mime, size=len(data), uploaded_by=username, uploaded_at=now,
                     source=stated)
    session.add(row)
    session.flush()
    return row.id


def change_source(session: Session, attachment_id: int, source: Any) -> None:
    """Set (or clear) an attachment's stated source; the caller decided who may."""
    row = session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound(f"附件不存在: {attachment_id}")
    row.source = clean_source(source)
    session.flush()


def open_forms(session: Session, instance_id: int) -> list[tuple[str | None, dict[str, Any] | None]]:
    """Return ``(assignee, form schema)`` of each of the item's open tasks."""
    instance = session.get(Instance, instance_id)
    if instance is None:
        raise NotFound(f"事项不存在: {instance_id}")
    version = session.get(ModelVersion, instance.model_version_id)
    forms = version.forms if version is not None else {}
    rows = session.execute(select(Task.assignee, Task.form_name).where(
        Task.instance_id == instance_id, Task.status == "open"))
    return [(assignee, forms.get(form)) for assignee, form in rows]


def _size(count: int) -> str:
    return f"{count / 1048576:g} MB" if count >= 1048576 else f"{count / 1024:.1f} KB"


def attachment_for(session: Session, attachment_id: int, username: str) -> dict[str, Any]:
    """Return an attachment's record if ``username`` may see its item."""
    row = session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound(f"附件不存在: {attachment_id}")
    check_may_view(session, row.instance_id, username)
    return covered(session, row.instance_id, _dict(row, {}))


#: built once: every completion's pre-screen and every task page read it
ATTACHMENTS_OF = (select(Attachment).where(Attachment.instance_id == bindparam("instance_id"))
                  .order_by(Attachment.id))


def attachments_of(session: Session, instance_id: int) -> list[dict[str, Any]]:
    """Return an item's attachments, oldest first."""
    rows = list(session.scalars(ATTACHMENTS_OF, {"instance_id": instance_id}))
    names = display_names(session, {r.uploaded_by for r in rows})
    return covered(session, instance_id, [_dict(r, names) for r in rows])


def _dict(row: Attachment, names: dict[str, str]) -> dict[str, Any]:
    return {"id": row.id, "instance_id": row.instance_id, "sha256": row.sha256,
            "filename": row.filename, "mime": row.mime, "kind": ALLOWED.get(row.mime, ""),
            "size": row.size, "uploaded_by": row.uploaded_by,
            "uploaded_by_name": names.get(row.uploaded_by, row.uploaded_by),
            "uploaded_at": iso(row.uploaded_at), "source": row.source}
