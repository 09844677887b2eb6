"""tasks review index: an item's earlier reviewers found without scanning all its tasks (issue 14)

The separation-of-reviews checks (第十一条: nobody performs two review stages of
one item) ask for the completed review tasks of one instance on every review
step; over a long loop of returns an instance holds thousands of task rows.

Revision ID: 1510
Revises: 1500
"""
from alembic import op

revision = "1510"
down_revision = "1500"
branch_labels = None
depends_on = None

COLUMNS = ["instance_id", "review_stage", "status", "completed_by", "spec_name"]


def upgrade() -> None:
    op.create_index("ix_tasks_reviews", "tasks", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_tasks_reviews", table_name="tasks")
