"""web: sign-in attempts, comments, attachments, inbox indexes

Revision ID: 0100
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0100"
down_revision = "0200"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("remote", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_attempts_user_at", "login_attempts", ["username", "at"])
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["author"], ["users.username"]),
        sa.ForeignKeyConstraint(["instance_id"], ["instances.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_comments_instance_id", "comments", ["instance_id"])
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["instances.id"]),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.username"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_attachments_instance_id", "attachments", ["instance_id"])
    op.create_index("ix_attachments_sha256", "attachments", ["sha256"])
    op.create_index("ix_tasks_inbox_assignee", "tasks", ["status", "assignee", "created_at"])
    op.create_index("ix_tasks_inbox_pool", "tasks",
                    ["status", "pool", "role", "assignee", "created_at"])
    op.create_index("ix_tasks_done", "tasks", ["completed_by", "completed_at"])
    op.create_index("ix_instances_initiator_started", "instances", ["initiator", "started_at"])


def downgrade() -> None:
    for name, table in (("ix_instances_initiator_started", "instances"),
                        ("ix_tasks_done", "tasks"), ("ix_tasks_inbox_pool", "tasks"),
                        ("ix_tasks_inbox_assignee", "tasks")):
        op.drop_index(name, table_name=table)
    op.drop_table("attachments")
    op.drop_table("comments")
    op.drop_table("login_attempts")
