"""issue 11: server-side sign-ins, worker heartbeats, lockout per user and client

Revision ID: 1100
Revises: 0400
"""
import sqlalchemy as sa
from alembic import op

revision = "1100"
down_revision = "0500"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_ins",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("remote", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sign_ins_username", "sign_ins", ["username"])
    op.create_table(
        "worker_beats",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index("ix_login_attempts_user_remote_at", "login_attempts",
                    ["username", "remote", "at"])


def downgrade() -> None:
    op.drop_index("ix_login_attempts_user_remote_at", "login_attempts")
    op.drop_table("worker_beats")
    op.drop_index("ix_sign_ins_username", "sign_ins")
    op.drop_table("sign_ins")
