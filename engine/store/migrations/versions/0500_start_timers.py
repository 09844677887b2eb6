"""timer start events: one row per period of a model's timer start event; the system user

Revision ID: 0500
Revises: 0400
"""
import sqlalchemy as sa
from alembic import op

revision = "0500"
down_revision = "0400"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "start_timers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_key", sa.String(length=100), nullable=False),
        sa.Column("element", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("instances.id"), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("model_key", "element", "due_at"),
    )
    op.create_index("ix_start_timers_due", "start_timers", ["status", "due_at"])
    # Items started by a timer start event name this inactive user as their initiator.
    users = sa.table("users", sa.column("username"), sa.column("display_name"),
                     sa.column("active"))
    op.bulk_insert(users, [{"username": "system", "display_name": "系统（定时发起）",
                            "active": False}])


def downgrade() -> None:
    op.execute("DELETE FROM users WHERE username = 'system'")
    op.drop_index("ix_start_timers_due", table_name="start_timers")
    op.drop_table("start_timers")
