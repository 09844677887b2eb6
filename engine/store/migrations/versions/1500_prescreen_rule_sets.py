"""prescreen rule sets: the pre-screen's rules files, deployed and versioned like models (issue 15)

Revision ID: 1500
Revises: 1310
"""
import sqlalchemy as sa
from alembic import op

revision = "1500"
down_revision = "1310"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prescreen_rule_sets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.String(64), nullable=False, index=True),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("rule_count", sa.Integer(), nullable=False),
        sa.Column("deployed_by", sa.String(64), nullable=True),
        sa.Column("deployed_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("prescreen_rule_sets")
