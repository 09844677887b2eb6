"""attachment sources: the source (来源/出处) the author states for a file (issue 15 follow-up)

第九条 asks that a post's images carry their source.  Until now an attachment had
no place to state one, so the pre-screen flagged every image.  Existing rows keep
NULL: no source was ever given for them, and the pre-screen still says so.

Revision ID: 1520
Revises: 1510
"""
import sqlalchemy as sa
from alembic import op

revision = "1520"
down_revision = "1510"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("source", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("source")
