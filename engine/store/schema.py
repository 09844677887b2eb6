"""The database tables, as SQLAlchemy 2.x typed models.

Alembic migrations in ``engine/store/migrations`` create and change them; this module is what
the code reads.  The models, items, history, timers and operations are defined here (the
history chain's columns with them); the organisation's, the registry's and the tables beside
the items live in their own modules and are named here too, so every table is one import.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.content_tables import Attachment, Comment, DesignerDraft, PrescreenRuleSet, WebhookMessage, WorkerBeat
from engine.store.declarative import Base, UTCDateTime
from engine.store.org_tables import Department, LoginAttempt, OrgSetting, PartyBranch, Role, RoleHolding, SignIn, User
from engine.store.registry_tables import Account, CommendationBan, KeyDate

__all__ = [
    "Account", "Attachment", "Base", "CalledModels", "ChainDigest", "CommendationBan",
    "Comment", "Department", "DesignerDraft", "Event", "Instance", "KeyDate", "LoginAttempt",
    "ModelVersion", "Notification", "Operation", "OrgSetting", "PartyBranch",
    "PrescreenRuleSet", "Role", "RoleHolding", "SignIn", "StartTimer", "Task", "Timer",
    "UTCDateTime", "User", "WebhookMessage", "WorkerBeat",
]


class ModelVersion(Base):
    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("model_key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the form files as deployed, $refs kept ({"x.json": text, "_shared/y.json": text});
    # None for versions deployed before migration 1300 (export resolves those)
    form_sources: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    deployed_by: Mapped[str | None] = mapped_column(String(64))
    deployed_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)


class Instance(Base):
    __tablename__ = "instances"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    model_key: Mapped[str] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default="running", index=True)
    initiator: Mapped[str] = mapped_column(ForeignKey("users.username"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(Text)
    state_version: Mapped[str] = mapped_column(String(20))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    #: The platform account the item concerns (a post's account, an incident's, ...).
    account_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: Head of the history chain: the last event's sequence number and hash.
    event_seq: Mapped[int] = mapped_column(Integer, default=0)
    event_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)


class Task(Base):
    """A user task as the inbox sees it; listing never deserializes workflows."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_open_assignee", "status", "assignee"),
        Index("ix_tasks_open_role", "status", "role"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    spec_name: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    form_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(64))
    pool: Mapped[bool] = mapped_column(Boolean, default=False)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    assignee: Mapped[str | None] = mapped_column(String(64))
    review_stage: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(64), index=True)
    completed_at: Mapped[datetime | None]
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Event(Base):
    """One entry of an instance's append-only, hash-chained history."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("instance_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(64))
    task_id: Mapped[str | None] = mapped_column(String(36))
    task_spec: Mapped[str | None] = mapped_column(String(100))
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Timer(Base):
    """A waiting timer event of an instance, with its due time (durable timers)."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    spec_name: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    fired_at: Mapped[datetime | None]
    #: A worker's lease on the timer: who fires it, until when (then another may).
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None]


class StartTimer(Base):
    """One period of a model's timer start event, and the item it started (exactly once)."""

    __tablename__ = "start_timers"
    __table_args__ = (UniqueConstraint("model_key", "element", "due_at"),
                      Index("ix_start_timers_due", "status", "due_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    model_key: Mapped[str] = mapped_column(String(100))
    #: The timer start event's id in the model.
    element: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime]
    #: waiting, started, failed, or retired (the model no longer has this start event).
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None]


class Notification(Base):
    """A message to one user: shown in the app (the bell) and sent by e-mail after commit."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user", "username", "read_at"),
                      Index("ix_notifications_mail", "mail_status", "mail_not_before"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username"))
    kind: Mapped[str] = mapped_column(String(30))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    mail_status: Mapped[str] = mapped_column(String(20), default="pending")
    mail_attempts: Mapped[int] = mapped_column(Integer, default=0)
    mail_not_before: Mapped[datetime | None]
    mail_error: Mapped[str | None] = mapped_column(Text)


class Operation(Base):
    """An operations-log entry (deploys, org imports, logins, reassignments...), hash-chained."""

    __tablename__ = "operations"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    type: Mapped[str] = mapped_column(String(40), index=True)
    actor: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChainDigest(Base):
    """The heads of every history chain at the end of a day, kept apart from the events."""

    __tablename__ = "chain_digests"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    heads: Mapped[dict[str, Any]] = mapped_column(JSON)
    events: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


class CalledModels(Base):
    """The models a deployed version reaches through call activities, pinned with it."""

    __tablename__ = "called_models"

    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"),
                                                  primary_key=True)
    models: Mapped[dict[str, Any]] = mapped_column(JSON)


#: Inbox paging sorts open tasks by creation time within an assignee or a pool role.
Index("ix_tasks_inbox_assignee", Task.status, Task.assignee, Task.created_at)
Index("ix_tasks_inbox_pool", Task.status, Task.pool, Task.role, Task.assignee, Task.created_at)
Index("ix_tasks_done", Task.completed_by, Task.completed_at)
# an item's earlier reviewers (第十一条), read on every review step (migration 1510)
Index("ix_tasks_reviews", Task.instance_id, Task.review_stage, Task.status, Task.completed_by,
      Task.spec_name)
Index("ix_instances_initiator_started", Instance.initiator, Instance.started_at)
