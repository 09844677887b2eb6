"""Which procedures a user may start, read from the models themselves.

The lane holding a model's start event names who starts it: ``initiator``
means any member of staff (职工); a pool role (e.g. ``general_office`` for a
press release) means holders of that role.  A role resolved per item
(``account_operator``: whoever runs the account the start form names) cannot
be checked before the item exists, so it is open to staff and the model checks
the rest (``may_publish``).  No model is named in code.  The CLI, the web and
the API all start items through :meth:`engine.runtime.Engine.start`, which
applies :func:`check_may_start`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.base.errors import NotAllowed, NotFound
from engine.model.deployment import latest_version
from engine.model.specs import version_spec
from engine.org.policy import may_start
from engine.run.assignment import OTHER_ROLES, POOL_ROLES, ROLE_TITLES, roles_of
from engine.store.schema import Instance, ModelVersion

#: the role a user needs to start a model whose start lane is ``initiator``
STARTER_ROLE = "staff"


def start_facts(session: Session, version: ModelVersion) -> tuple[str, str | None, str]:
    """Return ``(start role, start form name, documentation)`` of a deployed version."""
    start = version_spec(session, version).start
    if start is None:
        return "initiator", None, ""
    return start.role, start.form, start.documentation


def starter_role(role: str) -> str:
    """Return the role a user needs to start a model whose start lane is ``role``."""
    return role if role in POOL_ROLES or role in OTHER_ROLES else STARTER_ROLE


def may_start_role(role: str, held: set[str]) -> bool:
    """Return True when a user holding ``held`` may start a model whose start lane is ``role``."""
    return may_start(held, starter_role(role))


def _latest_versions(session: Session) -> list[ModelVersion]:
    newest = (select(ModelVersion.model_key, func.max(ModelVersion.version).label("v"))
              .group_by(ModelVersion.model_key).subquery())
    return list(session.scalars(select(ModelVersion).join(newest, (
        ModelVersion.model_key == newest.c.model_key) & (ModelVersion.version == newest.c.v))
        .order_by(ModelVersion.model_key)))


def model_choices(session: Session) -> list[dict[str, str]]:
    """Return ``{key, name}`` of every deployed model, for filters."""
    return [{"key": v.model_key, "name": v.name} for v in _latest_versions(session)]


def startable(session: Session, username: str) -> list[dict[str, Any]]:
    """Return the latest version of every model ``username`` may start, with its start form."""
    held = roles_of(session, username)
    return [_entry(session, v) for v in _latest_versions(session)
            if may_start_role(start_facts(session, v)[0], held)]


def _entry(session: Session, version: ModelVersion) -> dict[str, Any]:
    role, form, doc = start_facts(session, version)
    return {"key": version.model_key, "name": version.name, "version": version.version,
            "start_role": role, "start_role_title": ROLE_TITLES.get(role, role),
            "documentation": doc, "start_form": form,
            "form_schema": version.forms.get(form) if form else None}


def check_may_start(session: Session, version: ModelVersion, username: str) -> None:
    """Refuse ``username`` unless they may start ``version``: the one policy of CLI, web and API."""
    role = start_facts(session, version)[0]
    if not may_start_role(role, roles_of(session, username)):
        needed = starter_role(role)
        raise NotAllowed(f"您没有发起「{version.name}」的权限"
                         f"（需要角色：{ROLE_TITLES.get(needed, needed)}）。")


def start_entry(session: Session, key: str, username: str) -> dict[str, Any]:
    """Return the start entry of ``key`` for ``username``; NotFound / NotAllowed otherwise."""
    version = latest_version(session, key)
    if version is None:
        raise NotFound(f"流程不存在或未部署: {key}")
    check_may_start(session, version, username)
    return _entry(session, version)


def instance_forms(session: Session, instance_id: int) -> dict[str, dict]:
    """Return ``{form name: schema}`` of the item's model version (and the models it calls)."""
    instance = session.get(Instance, instance_id)
    version = session.get(ModelVersion, instance.model_version_id) if instance else None
    return dict(version.forms) if version else {}


def checklist_titles(session: Session, instance_id: int) -> dict[str, str]:
    """Return ``{item key: title}`` of every checklist in the forms of an item's model version."""
    instance = session.get(Instance, instance_id)
    version = session.get(ModelVersion, instance.model_version_id) if instance else None
    titles: dict[str, str] = {}
    for form in (version.forms if version else {}).values():
        for spec in form.get("properties", {}).values():
            if spec.get("x-checklist"):
                titles.update({k: v.get("title", k) for k, v in spec["properties"].items()})
    return titles
