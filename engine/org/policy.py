"""The one permissions policy: who may do what, as plain functions over a user's roles.

Every web view, API endpoint and CLI command that checks a permission asks here; no
other module keeps a list of roles that grant something.  Rules over an item take the
viewer's :class:`Participation` in it, which :mod:`engine.org.access` reads from the store.

纪检监察室 (discipline_inspection): 第十九条 (常态化监督) makes it, with 医务科, lead the
verification and handling of complaints, and a complaint may concern any post or account.
Verifying one means reading the item's whole record, so it reads every item and the
auditor's workspace (replay, exports, verdicts) and the operations log, like the auditor.
Unlike the auditor it is not read-only: it acts in the complaint procedure (核查, 处理决定,
答复匿名投诉人).  It does not reassign work or design procedures (those are the admin's and
the process designer's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: roles that read every item and its records (第十一条: records kept for audit; 第十九条)
READ_ALL_ROLES = frozenset({"auditor", "admin", "discipline_inspection"})
#: a user holding only these roles changes nothing anywhere (DOMAIN.md: the auditor
#: "reads and replays every record; changes nothing")
READ_ONLY_ROLES = frozenset({"auditor"})


@dataclass(frozen=True)
class Participation:
    """How a user takes part in one item: started it, acted in it, or holds one of its tasks."""

    initiator: bool = False
    acted: bool = False
    holds_task: bool = False

    @property
    def any(self) -> bool:
        return self.initiator or self.acted or self.holds_task


def _held(roles: Iterable[str]) -> frozenset[str]:
    return frozenset(roles)


def may_read_every_item(roles: Iterable[str]) -> bool:
    """Tell whether the roles read every item (auditor, admin, 纪检监察室)."""
    return bool(_held(roles) & READ_ALL_ROLES)


def may_read_item(roles: Iterable[str], participation: Participation) -> bool:
    """Tell whether a user may read an item: those taking part in it, and the readers of all."""
    return participation.any or may_read_every_item(roles)


def may_audit(roles: Iterable[str]) -> bool:
    """Tell whether the roles open the auditor's workspace (register, exports, replay, verdicts)."""
    return may_read_every_item(roles)


def may_see_operations_log(roles: Iterable[str]) -> bool:
    """Tell whether the roles read the operations log (deployments, sign-ins, reassignments)."""
    return may_read_every_item(roles)


def may_reassign(roles: Iterable[str]) -> bool:
    """Tell whether the roles give an open task to another person (the admin only)."""
    return "admin" in _held(roles)


def may_handle_incidents(roles: Iterable[str]) -> bool:
    """Tell whether the roles see and retry failed timers (the admin only)."""
    return "admin" in _held(roles)


def may_design(roles: Iterable[str]) -> bool:
    """Tell whether the roles edit and deploy procedures and forms (流程设计)."""
    return "process_designer" in _held(roles)


def may_start(roles: Iterable[str], needed_role: str) -> bool:
    """Tell whether the roles start a procedure whose start needs ``needed_role``."""
    return needed_role in _held(roles)


def is_read_only(roles: Iterable[str]) -> bool:
    """Tell whether the roles only read: an auditor holding nothing else changes nothing."""
    held = _held(roles)
    return bool(held) and held <= READ_ONLY_ROLES


def lands_on_audit(roles: Iterable[str]) -> bool:
    """Tell whether the user's home is 审计 rather than 待办 (auditors have no tasks)."""
    return "auditor" in _held(roles)


@dataclass(frozen=True)
class Grants:
    """What one user may do, computed once from their roles (menus and pages read it)."""

    read_every_item: bool
    audit: bool
    operations_log: bool
    reassign: bool
    incidents: bool
    design: bool
    read_only: bool


def grants(roles: Iterable[str]) -> Grants:
    """Return the user's grants under this policy."""
    held = _held(roles)
    return Grants(read_every_item=may_read_every_item(held), audit=may_audit(held),
                  operations_log=may_see_operations_log(held), reassign=may_reassign(held),
                  incidents=may_handle_incidents(held), design=may_design(held),
                  read_only=is_read_only(held))
