"""The database tables, as SQLAlchemy 2.x typed models.

Alembic migrations in ``engine/migrations`` create and change them; this
module is what the code reads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator):
    """Store UTC without an offset on every backend; read back timezone-aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: the engine works in aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: UTCDateTime}
    __table__: ClassVar[Table]  # every model here maps one table (DeclarativeBase says FromClause)


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    head: Mapped[str | None] = mapped_column(String(64))


class PartyBranch(Base):
    __tablename__ = "party_branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    head: Mapped[str | None] = mapped_column(String(64))


class User(Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("party_branches.id"))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RoleHolding(Base):
    __tablename__ = "role_holdings"

    username: Mapped[str] = mapped_column(ForeignKey("users.username"), primary_key=True)
    role: Mapped[str] = mapped_column(String(64), primary_key=True)


class Role(Base):
    """A role of the organisation: who a lane names, or who may read or administer.

    ``kind`` is ``person`` (resolved per item by a registered resolver), ``pool``
    (a shared queue any holder claims from) or ``other`` (held for permissions,
    never named by a lane).  Imported with the organisation file.
    """

    __tablename__ = "roles"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))


class OrgSetting(Base):
    """One setting of the organisation (its name, its short names), as JSON."""

    __tablename__ = "org_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


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


class KeyDate(Base):
    """A key date (重要时间节点) of the General Office's calendar: one day or a range."""

    __tablename__ = "key_dates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    start: Mapped[str] = mapped_column(String(10))
    end: Mapped[str] = mapped_column(String(10))


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


class Account(Base):
    """A registered new-media platform account (第五、六条; 附件1)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    tier: Mapped[int] = mapped_column(Integer)
    platform_type: Mapped[str] = mapped_column(String(20))
    platform_other: Mapped[str | None] = mapped_column(String(100))
    platform_name: Mapped[str] = mapped_column(String(200))
    account_name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    holder: Mapped[str | None] = mapped_column(ForeignKey("users.username"))
    operator: Mapped[str] = mapped_column(ForeignKey("users.username"))
    supervisors: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"))
    created_at: Mapped[datetime]
    status_changed_at: Mapped[datetime]


class CommendationBan(Base):
    """Loss of a year's commendation eligibility ordered under 第十六条."""

    __tablename__ = "commendation_bans"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    subject_type: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"))
    reason: Mapped[str] = mapped_column(Text)
    ordered_at: Mapped[datetime]
# -- web: sign-in attempts, comments, attachments (issue 4) --------------------


class SignIn(Base):
    """One signed-in session (page cookie and API token share it); ended at sign-out."""

    __tablename__ = "sign_ins"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    remote: Mapped[str | None] = mapped_column(String(64))


class WorkerBeat(Base):
    """A worker's heartbeat: when its loop last completed, for health checks."""

    __tablename__ = "worker_beats"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)


class LoginAttempt(Base):
    """One sign-in attempt; repeated failures lock the name for a while."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_user_at", "username", "at"),
                      Index("ix_login_attempts_user_remote_at", "username", "remote", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    success: Mapped[bool] = mapped_column(Boolean)
    remote: Mapped[str | None] = mapped_column(String(64))


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


#: Inbox paging sorts open tasks by creation time within an assignee or a pool role.
Index("ix_tasks_inbox_assignee", Task.status, Task.assignee, Task.created_at)
Index("ix_tasks_inbox_pool", Task.status, Task.pool, Task.role, Task.assignee, Task.created_at)
Index("ix_tasks_done", Task.completed_by, Task.completed_at)
# an item's earlier reviewers (第十一条), read on every review step (migration 1510)
Index("ix_tasks_reviews", Task.instance_id, Task.review_stage, Task.status, Task.completed_by,
      Task.spec_name)
Index("ix_instances_initiator_started", Instance.initiator, Instance.started_at)


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
