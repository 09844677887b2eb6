"""procedures: account registry, commendation bans, models pinned by call activities

Revision ID: 0200
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0200"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "called_models",
        sa.Column("model_version_id", sa.Integer(), sa.ForeignKey("model_versions.id"),
                  primary_key=True),
        sa.Column("models", sa.JSON(), nullable=False),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("platform_type", sa.String(20), nullable=False),
        sa.Column("platform_other", sa.String(100), nullable=True),
        sa.Column("platform_name", sa.String(200), nullable=False),
        sa.Column("account_name", sa.String(200), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id"), nullable=False),
        sa.Column("holder", sa.String(64), sa.ForeignKey("users.username"), nullable=True),
        sa.Column("operator", sa.String(64), sa.ForeignKey("users.username"), nullable=False),
        sa.Column("supervisors", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("instances.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "commendation_bans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("instances.id"), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("ordered_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("commendation_bans")
    op.drop_table("accounts")
    op.drop_table("called_models")
