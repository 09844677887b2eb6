"""model_versions: keep the form files as deployed, $refs and all (issue 13)

Versions deployed before this revision keep NULL and export their forms resolved.

Revision ID: 1300
Revises: 1200
"""
import sqlalchemy as sa
from alembic import op

revision = "1300"
down_revision = "1200"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("model_versions") as batch:
        batch.add_column(sa.Column("form_sources", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("model_versions") as batch:
        batch.drop_column("form_sources")
