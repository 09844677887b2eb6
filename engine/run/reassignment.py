"""Admin reassignment of an open task, visible in the item's history and the operations log.

spiff-arena users asked for exactly this: a reassignment by an admin that
left no trace.  Here it writes a ``task_reassigned`` event into the item's
hash chain and a ``task_reassigned`` entry into the operations log, in the
same transaction as the change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.chain import log_operation
from engine.audit.history import HistoryWriter
from engine.base.errors import Invalid, NotAllowed
from engine.org.policy import may_reassign
from engine.run.assignment import ROLE_TITLES, roles_of
from engine.run.tasks import update_task
from engine.store.schema import RoleHolding, User

if TYPE_CHECKING:
    from engine.run.handle import EngineHandle


def _holds(session: Session, username: str, role: str) -> bool:
    return session.scalar(select(RoleHolding.role).where(
        RoleHolding.username == username, RoleHolding.role == role)) is not None


def _static(session: Session, role: str) -> bool:
    """Tell whether ``role`` is held through the org (not resolved per item, like initiator)."""
    return session.scalar(select(RoleHolding.role).where(RoleHolding.role == role).limit(1)) is not None


def _check(session: Session, engine: EngineHandle, row, admin: str, new_user: str) -> None:
    if not may_reassign(roles_of(session, admin)):
        raise NotAllowed("只有管理员可以改派任务。")
    user = session.get(User, new_user) if new_user else None
    if user is None or not user.active:
        raise Invalid(f"改派对象不存在或已停用：{new_user or '（未填写）'}", {"to": ["请选择在职用户。"]})
    if new_user == row["assignee"]:
        raise Invalid("改派对象与当前办理人相同。", {"to": ["请选择另一位办理人。"]})
    if _static(session, row["role"]) and not _holds(session, new_user, row["role"]):
        title = ROLE_TITLES.get(row["role"], row["role"])
        raise Invalid(f"{user.display_name} 不具有角色「{title}」，不能办理此任务。",
                      {"to": [f"须具有角色「{title}」。"]})


def reassign(engine: EngineHandle, task_id: str, admin: str, new_user: str, reason: str = "") -> None:
    """Give open task ``task_id`` to ``new_user``; record who did it, when and why."""
    with engine.transaction() as conn:
        row, inst = engine.lock(conn, task_id)
        session = Session(bind=conn)
        _check(session, engine, row, admin, new_user)
        engine.check_separation(conn, row, new_user)
        now = engine.clock.now()
        update_task(conn, task_id, assignee=new_user)
        history = HistoryWriter.resume(inst)
        history.append("task_reassigned", now, admin, "admin", task_id, row["spec_name"],
                       task_name=row["name"], assignee=new_user, **{"from": row["assignee"]},
                       reason=reason)
        history.commit(conn)
        log_operation(session, "task_reassigned", admin, now, instance_id=inst["id"],
                      task_id=task_id, task_name=row["name"], to=new_user,
                      **{"from": row["assignee"]}, reason=reason)
