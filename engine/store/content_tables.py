"""Tables beside the items: comments, attachments, designer drafts, webhook messages, pre-screen
rule sets, worker heartbeats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.declarative import Base


class Comment(Base):
    """A remark on an item, visible to everyone who takes part in it."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    author: Mapped[str] = mapped_column(ForeignKey("users.username"))
    at: Mapped[datetime]
    body: Mapped[str] = mapped_column(Text)


class Attachment(Base):
    """A file attached to an item; the bytes live in the blob store under ``sha256``."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(ForeignKey("users.username"))
    uploaded_at: Mapped[datetime]
    #: where the file comes from, as its author states it (第九条); NULL: none given (1520)
    source: Mapped[str | None] = mapped_column(String(200))


class DesignerDraft(Base):
    """A process designer's unsaved work: a model's BPMN XML or a form's JSON schema text."""

    __tablename__ = "designer_drafts"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``model`` (name is the process key) or ``form`` (name is the form name).
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class WebhookMessage(Base):
    """A message for the group robot (企业微信/钉钉), queued in the step, posted after commit."""

    __tablename__ = "webhook_messages"
    __table_args__ = (Index("ix_webhook_messages_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"))
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    #: who it is for, so the robot can name them: usernames
    usernames: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class PrescreenRuleSet(Base):
    """A deployed version of the pre-screen's rules files (issue 15), named by its content hash."""

    __tablename__ = "prescreen_rule_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64), index=True)  # a rollback deploys an old one again
    files: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"privacy.yaml": text, ...} as deployed
    rule_count: Mapped[int] = mapped_column(Integer)
    deployed_by: Mapped[str | None] = mapped_column(String(64))
    deployed_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)


class WorkerBeat(Base):
    """A worker's heartbeat: when its loop last completed, for health checks."""

    __tablename__ = "worker_beats"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
