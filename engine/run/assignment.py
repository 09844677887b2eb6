"""Who may work a task: roles named by lanes, resolved per instance.

A lane is named by its role key, optionally after a Chinese label:
``科室负责人 (department_head)``.  *Person roles* resolve to one user for the
instance (the head of its department, the head of the author's party branch,
the initiator); *pool roles* go to a shared queue from which any holder claims.
A user task may instead name its assignee with an ``assignee`` expression
(e.g. the expert picked in a multi-instance panel); that user must still hold
the lane's role when it is a pool role.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from engine.org.roles import CATALOG
from engine.store.schema import Department, Instance, PartyBranch, Role, RoleHolding, Task, User

#: The organisation's roles (:mod:`engine.org.roles`): live views of the catalogue
#: loaded from the database, so every reader sees the roles the organisation imported.
POOL_ROLES = CATALOG.kinds["pool"]

#: Roles that are held but never named by a lane (web and audit permissions).
OTHER_ROLES = CATALOG.kinds["other"]

ROLE_TITLES = CATALOG.titles

#: Who takes a review stage whose person role falls to the item's own author: review
#: means someone else's eyes (第十一条 三审; docs/modeling.md "The author never reviews").
#: A department head's own post goes to the functional departments (相关职能科室, who
#: review posts under 第十一条); a branch head's to the General Office (supervisor, 第五条).
AUTHOR_FALLBACK = {"department_head": "functional_dept", "party_branch_head": "general_office"}
AUTHOR_REFUSAL = "审核须由他人进行：{user} 是本事项的拟稿人，不能承担其审核环节。"

_LANE_RE = re.compile(r"[(（]\s*([a-z_]+)\s*[)）]\s*$")

# Built once: every step asks these, and a statement built per call costs more than its query.
_HOLDINGS, _USERS = RoleHolding.__table__.c, User.__table__.c
ACTIVE_HOLDERS = (select(_HOLDINGS.username).join(User.__table__, _USERS.username == _HOLDINGS.username)
                  .where(_HOLDINGS.role == bindparam("role"), _USERS.active.is_(True)).limit(2))
ROLE_KIND = select(Role.__table__.c.kind).where(Role.__table__.c.code == bindparam("code"))
HOLDING = select(_HOLDINGS.role).where(_HOLDINGS.username == bindparam("username"),
                                       _HOLDINGS.role == bindparam("role"))
ROLES_OF = select(_HOLDINGS.role).where(_HOLDINGS.username == bindparam("username"))


class AssignmentError(ValueError):
    """Raised when a role cannot be resolved to anyone for an instance."""


@dataclass(frozen=True)
class InstanceFacts:
    """What role resolution needs to know about an instance."""

    initiator: str
    department_id: int | None


@dataclass(frozen=True)
class Assignment:
    """The resolved holder of a task: one assignee, or a pool role to claim from."""

    role: str
    assignee: str | None

    @property
    def pool(self) -> bool:
        return self.assignee is None


Resolver = Callable[[Session, InstanceFacts], str | None]
RESOLVERS: dict[str, Resolver] = {}


def resolver(role: str) -> Callable[[Resolver], Resolver]:
    """Register a function resolving person role ``role`` for an instance."""

    def register(func: Resolver) -> Resolver:
        RESOLVERS[role] = func
        return func

    return register


@resolver("initiator")
def _initiator(session: Session, facts: InstanceFacts) -> str | None:
    return facts.initiator


@resolver("department_head")
def _department_head(session: Session, facts: InstanceFacts) -> str | None:
    if facts.department_id is None:
        return None
    department = session.get(Department, facts.department_id)
    return department.head if department is not None else None


@resolver("party_branch_head")
def _party_branch_head(session: Session, facts: InstanceFacts) -> str | None:
    author = session.get(User, facts.initiator)
    if author is None or author.branch_id is None:
        return None
    branch = session.get(PartyBranch, author.branch_id)
    return branch.head if branch is not None else None


def known_roles() -> set[str]:
    """Return every role a lane may name."""
    return set(RESOLVERS) | set(POOL_ROLES)


def role_of_lane(lane_name: str) -> str:
    """Return the role key of a lane named ``key`` or ``中文 (key)``."""
    match = _LANE_RE.search(lane_name)
    return match.group(1) if match else lane_name.strip()


def resolve(session: Session, role: str, facts: InstanceFacts,
            assignee: str | None = None) -> Assignment:
    """Resolve ``role`` for an instance, or check an explicitly named ``assignee``."""
    pool = is_pool(session, role)
    if assignee is not None:
        if pool and not holds_role(session, assignee, role):
            raise AssignmentError(f"用户 {assignee} 不具有角色「{ROLE_TITLES.get(role, role)}」")
        return Assignment(role, assignee)
    if pool:
        return Assignment(role, None)
    if role not in RESOLVERS:
        raise AssignmentError(f"未知角色 (unknown role): {role}")
    person = RESOLVERS[role](session, facts)
    if person is None:
        raise AssignmentError(f"无法确定本事项的「{ROLE_TITLES.get(role, role)}」 (no holder)")
    return Assignment(role, person)


def sole_holder(session: Session, role: str, excluded: set[str]) -> str | None:
    """Return the one active holder of pool role ``role``, if exactly one holds it.

    A queue of one is that person's work: the task goes straight to their
    我的待办 instead of waiting to be claimed (宣传分管领导, 党委书记).  People in
    ``excluded`` (who may not take this task) keep it in the queue.
    """
    if not is_pool(session, role):
        return None
    holders = session.scalars(ACTIVE_HOLDERS, {"role": role}).all()
    if len(holders) != 1 or holders[0] in excluded:
        return None
    return holders[0]


def is_pool(session: Session, role: str) -> bool:
    """Tell whether ``role`` is a pool role of the organisation, as the database says.

    Read from the ``roles`` table, not the process's catalogue: a role imported by
    another process (``shenfa org import`` beside a running server) counts at once.
    """
    kinds = session.info.setdefault("shenfa_role_kinds", {})  # asked twice per opened task
    if role not in kinds:
        kinds[role] = session.scalar(ROLE_KIND, {"code": role})
    return kinds[role] == "pool"


def holds_role(session: Session, username: str, role: str) -> bool:
    """Return True when ``username`` holds pool or permission role ``role``."""
    return session.scalar(HOLDING, {"username": username, "role": role}) is not None


def roles_of(session: Session, username: str) -> set[str]:
    """Return the roles ``username`` holds directly."""
    return set(session.scalars(ROLES_OF, {"username": username}))


INITIATOR_OF = select(Instance.__table__.c.initiator).where(
    Instance.__table__.c.id == bindparam("instance_id"))
DRAFTED_BY = select(Task.__table__.c.completed_by).where(
    Task.__table__.c.instance_id == bindparam("instance_id"),
    Task.__table__.c.role == "initiator", Task.__table__.c.status == "completed").distinct()


def authors(connection: Connection, instance_id: int) -> set[str]:
    """Return the item's authors: its initiator and whoever completed one of its draft tasks."""
    ids = {"instance_id": instance_id}
    initiator = connection.execute(INITIATOR_OF, ids).scalar()
    drafted = connection.execute(DRAFTED_BY, ids).scalars()
    return {name for name in (initiator, *drafted) if name}


def resolve_review(session: Session, role: str, facts: InstanceFacts, assignee: str | None,
                   excluded: set[str]) -> Assignment:
    """Resolve a review stage, never to one of the ``excluded`` authors.

    A person role that falls to an author passes to the role's fallback pool
    (:data:`AUTHOR_FALLBACK`); an author named by an ``assignee`` expression is refused.
    """
    if assignee is not None and assignee in excluded:
        raise AssignmentError(AUTHOR_REFUSAL.format(user=assignee))
    assignment = resolve(session, role, facts, assignee)
    if assignment.assignee not in excluded:
        return assignment
    if role not in AUTHOR_FALLBACK:
        raise AssignmentError(AUTHOR_REFUSAL.format(user=assignment.assignee))
    return Assignment(AUTHOR_FALLBACK[role], None)
