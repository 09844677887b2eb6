"""The tasks service: start, claim, unclaim, complete, drafts, and what a task page shows.

The web and the CLI call these functions, never the engine's methods by name.  Writes go
through the :class:`~engine.run.runtime.Engine`'s operations, so each keeps its own
transaction and the optimistic step (run once more on a stale snapshot, then 409).
Reads take the caller's session: the web opens a read session for GETs, a write
transaction for POSTs, and the CLI its own — the service does not decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from sqlalchemy.orm import Session

from engine.app import screening
from engine.app.forms import item_labels
from engine.base.errors import AlreadyDone
from engine.model import catalog
from engine.org import access
from engine.read import queries
from engine.read.inbox import last_returns
from engine.read.progress import facts, progress
from engine.run.assignment import holds_role
from engine.run.attachments import attachments_of
from engine.run.comments import comments_of
from engine.run.runtime import Engine
from engine.store.schema import User


def check_visible(session: Session, username: str, *, task_id: str | None = None,
                  instance_id: int | None = None, roles: set[str] | None = None) -> int:
    """Refuse (NotFound / NotAllowed) unless ``username`` may see the task or item; return the item id.

    The one place this service asks the permissions policy: who takes part in an item,
    and the auditors, may read it (第十一条).  ``roles``: the user's roles as read this
    request (the web's signed-in user), else they are read here.
    """
    if task_id is not None:
        return access.check_may_view_task(session, task_id, username, roles).instance_id
    if instance_id is None:
        raise TypeError("check_visible needs a task_id or an instance_id")
    return access.check_may_view(session, instance_id, username, roles).id


@dataclass(frozen=True)
class TaskDetail:
    """A task with its form schema, its draft and the item's current data (covered, 第十九条)."""

    id: str
    instance_id: int
    model: str
    title: str
    name: str
    spec: str
    role: str
    role_title: str
    pool: bool
    assignee: str | None
    status: str
    form: str | None
    review_stage: bool
    created_at: str | None
    due_at: str | None
    completed_by: str | None
    completed_at: str | None
    form_schema: dict | None
    draft: dict | None
    model_version: int
    values: dict[str, Any]
    submissions: list[dict[str, Any]]
    prescreen: dict[str, Any] | None = None  # the pre-screen's findings on the post (第七、九、十条)

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def as_dict(self) -> dict[str, Any]:
        """Return the detail as the engine's read model gives it (same keys, same order)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class TaskPage:
    """Everything the task page shows, and what the signed-in user may do there."""

    task: TaskDetail
    item: dict[str, Any]
    comments: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    holds_role: bool
    labels: dict[str, dict]
    progress: dict[str, Any]
    facts: dict[str, Any]
    returned: dict[str, Any] | None
    may_act: bool
    may_claim: bool
    may_unclaim: bool
    attention: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: the viewer drafts the post on this task: they may set the attachments' sources
    sources_editable: bool = False

    def context(self) -> dict[str, Any]:
        """Return the page's fields by name (the template's variables)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


# -- reads --------------------------------------------------------------------------


def task_detail(session: Session, task_id: str) -> TaskDetail:
    """Return task ``task_id`` as any reader sees it (no permission check: the CLI's operator)."""
    detail = TaskDetail(**queries.task_detail(session, task_id))
    return replace(detail, prescreen=_screened(session, detail))


def _screened(session: Session, detail: TaskDetail) -> dict[str, Any] | None:
    """Return the pre-screen's findings on the task's post: the draft's own while drafting."""
    files = screening.screened_files(attachments_of(session, detail.instance_id))
    if screening.drafting(detail.form_schema):
        post = {**detail.values, **(detail.draft or {})}
        if not screening.is_post(post):
            return None
        return {**screening.screen_post(post, files, screening.rules_for(session)),
                "stored": False, "seq": None, "draft": bool(detail.draft)}
    return screening.shown(session, detail.instance_id, detail.values, files,
                           screening.rules_for(session))


def task_for(session: Session, task_id: str, username: str,
             roles: set[str] | None = None) -> TaskDetail:
    """Return task ``task_id`` if ``username`` may see its item; the draft only to its assignee."""
    check_visible(session, username, task_id=task_id, roles=roles)
    detail = task_detail(session, task_id)
    if detail.assignee != username and detail.draft is not None:
        detail = replace(detail, draft=None)  # unfinished input is the assignee's own
        detail = replace(detail, prescreen=_screened(session, detail))  # nor its findings
    return detail


def task_page(session: Session, task_id: str, username: str) -> TaskPage:
    """Return the task page of ``task_id`` for ``username``, checking they may see the item."""
    instance_id = check_visible(session, username, task_id=task_id)
    detail = task_detail(session, task_id)
    item = queries.instance_detail(session, instance_id)
    holds = holds_role(session, username, detail.role)
    is_open, pool, mine = detail.is_open, detail.pool, detail.assignee == username
    if not mine and detail.draft is not None:  # another's unfinished draft is not screened here
        detail = replace(detail, prescreen=_screened(session, replace(detail, draft=None)))
    return TaskPage(
        task=detail, item=item, comments=comments_of(session, instance_id),
        attachments=attachments_of(session, instance_id), holds_role=holds,
        labels=item_labels(session, item), progress=progress(session, instance_id),
        facts=facts(session, instance_id, detail.values), returned=_returned(session, detail),
        may_act=is_open and mine,
        may_claim=bool(is_open and pool and detail.assignee is None and holds),
        may_unclaim=bool(is_open and pool and mine),
        attention=screening.attention(detail.prescreen),
        sources_editable=is_open and mine and screening.drafting(detail.form_schema))


def _returned(session: Session, detail: TaskDetail) -> dict | None:
    """Return the latest return on the item (who, why) while this task is open."""
    if not detail.is_open:
        return None
    return last_returns(session, {detail.instance_id}).get(detail.instance_id)


def startable(session: Session, username: str) -> list[dict[str, Any]]:
    """Return the procedures ``username`` may start, with their start forms."""
    return catalog.startable(session, username)


def check_may_start(session: Session, model_key: str, username: str) -> None:
    """Refuse (NotFound / NotAllowed) unless ``username`` may start ``model_key``."""
    catalog.start_entry(session, model_key, username)


def open_tasks_for(session: Session, username: str) -> list[dict[str, Any]]:
    """Return the tasks ``username`` may act on now, as they would see them (第十九条)."""
    return queries.tasks_for(session, username)


def find_task(session: Session, ref: str) -> str:
    """Return the id of the task ``ref`` names (an id or a unique prefix)."""
    return queries.find_task_id(session, ref)


def item_detail(session: Session, instance_id: int, *, history: bool = True) -> dict[str, Any]:
    """Return item ``instance_id`` with its tasks and history (no permission check).

    Without ``history`` the answer leaves the history out: a caller that completed a step
    needs the next tasks, not every event again.
    """
    return queries.instance_detail(session, instance_id, history=history)


def item_for(session: Session, instance_id: int, username: str) -> dict[str, Any]:
    """Return item ``instance_id`` if ``username`` may see it."""
    check_visible(session, username, instance_id=instance_id)
    return item_detail(session, instance_id)


def item_with_progress(session: Session, instance_id: int, username: str) -> dict[str, Any]:
    """Return item ``instance_id`` with its progress line, if ``username`` may see it."""
    return {**item_for(session, instance_id, username),
            "progress": progress(session, instance_id)}


def user_exists(session: Session, username: str) -> bool:
    """Tell whether ``username`` names a user (active or not)."""
    return session.get(User, username) is not None


# -- writes: each is one engine operation with its own transaction --------------------


def start(engine: Engine, model_key: str, username: str, data: dict) -> int:
    """Start an item of ``model_key`` as ``username``; return its id."""
    return engine.start(model_key, username, data)


def claim(engine: Engine, task_id: str, username: str) -> None:
    """Claim pool task ``task_id`` for ``username``, who must hold its role."""
    engine.claim(task_id, username)


def unclaim(engine: Engine, task_id: str, username: str) -> None:
    """Give a pool task ``username`` claimed back to its queue."""
    engine.unclaim(task_id, username)


def save_draft(engine: Engine, task_id: str, username: str, data: dict) -> None:
    """Keep unfinished form input on the task without completing it."""
    engine.save_draft(task_id, username, data)


def complete(engine: Engine, task_id: str, username: str, data: dict, *,
             repeat_ok: bool = False, claim: bool = False,
             viewer_roles: set[str] | None = None) -> int:
    """Complete ``task_id`` as ``username`` with form ``data``; all or nothing; return the item id.

    A repeat by the user who just completed it (a double tap on 提交, a retry after a
    lost answer) is, with ``repeat_ok``, their own success; anyone else's repeat, and every
    repeat without it, gets the engine's AlreadyDone (409).  With ``claim`` an unclaimed
    pool task the user may claim is claimed in the same transaction (the policy's
    rules of claiming hold: their role, and no author reviews their own work).  With
    ``viewer_roles`` (the signed-in user's roles) the user must first be able to see the
    task (NotFound / NotAllowed), checked in the same read as the pre-screen.
    """
    with engine.db.reading() as session:
        if viewer_roles is not None:
            check_visible(session, username, task_id=task_id, roles=viewer_roles)
        step = queries.step_input(session, task_id)
        facts = _screen_step(session, step, data)
    try:
        engine.complete(task_id, username, data, facts=facts, claim=claim)
    except AlreadyDone as err:
        if not repeat_ok or err.by != username:
            raise
    return int(step["instance_id"])


def _screen_step(session: Session, step: dict[str, Any], data: Any) -> dict[str, Any]:
    """Return what the step records of the pre-screen; refuse approving a high finding unexplained.

    A reviewer who approves over a high-severity finding must write why (the measures'
    第七条 and 第十条 name what must not be published; the machine only marks it).
    """
    if not isinstance(data, dict) or step["status"] != "open":
        return {}  # the engine's validation refuses it, or answers AlreadyDone
    schema, values = step["form_schema"], step["values"]
    drafting = screening.drafting(schema)
    if not drafting and not screening.is_post(values):
        return {}  # no post on this item: nothing was shown, nothing to record
    files = screening.screened_files(attachments_of(session, step["instance_id"]))
    rules = screening.rules_for(session)
    shown = None if drafting else screening.shown(session, step["instance_id"], values, files, rules)
    screening.check_reason(schema, data, shown)
    return screening.step_facts(schema, values, data, shown, files, rules)


def reassign(engine: Engine, task_id: str, admin: str, new_user: str, reason: str = "") -> None:
    """Give an open task to ``new_user`` as admin ``admin``."""
    engine.reassign(task_id, admin, new_user, reason)
