"""organisation data: roles and the institution's name move from code into the database

Existing databases get the roles and the hospital's name the code knew until
now, so nothing changes for them; an organisation file adds or retitles roles.

Revision ID: 1310
Revises: 1300
"""
import sqlalchemy as sa
from alembic import op

revision = "1310"
down_revision = "1300"
branch_labels = None
depends_on = None

#: The roles of the code before this revision (frozen here: a migration never imports the app).
ROLES = [
    ("initiator", "发起人", "person"), ("department_head", "科室负责人", "person"),
    ("party_branch_head", "支部负责人", "person"), ("account_operator", "账号运营者", "person"),
    ("general_office", "党政综合办公室", "pool"), ("functional_dept", "相关职能科室", "pool"),
    ("medical_affairs", "医务科", "pool"), ("publicity_leader", "宣传分管领导", "pool"),
    ("party_secretary", "党委书记", "pool"), ("expert", "专家", "pool"),
    ("discipline_inspection", "纪检监察室", "pool"),
    ("party_building_office", "党建工作办公室", "pool"), ("patient_relations", "医患办", "pool"),
    ("it_office", "信息科", "pool"), ("staff", "职工", "other"), ("auditor", "审计", "other"),
    ("process_designer", "流程设计", "other"), ("admin", "系统管理员", "other"),
]
SETTINGS = [("institution_name", "绍兴市中医院"),
            ("institution_short_names", ["绍兴市中医院", "中医院"])]


def upgrade() -> None:
    roles = op.create_table(
        "roles",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    settings = op.create_table(
        "org_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.bulk_insert(roles, [{"code": c, "title": t, "kind": k} for c, t, k in ROLES])
    op.bulk_insert(settings, [{"key": k, "value": v} for k, v in SETTINGS])


def downgrade() -> None:
    op.drop_table("org_settings")
    op.drop_table("roles")
