"""Running instances: start, claim, unclaim, complete (timers: engine.run.firing) — each one transaction.

Completing a task validates the form, runs the workflow, stores the new
state, the task rows and the history events together, or changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Connection, RowMapping, bindparam, insert, select
from sqlalchemy.orm import Session

from engine.audit.chain import log_operation
from engine.audit.history import HistoryWriter, genesis_head
from engine.base.clock import Clock
from engine.base.errors import AlreadyDone, Conflict, Invalid, NotAllowed, NotFound
from engine.model import extensions
from engine.model.catalog import check_may_start
from engine.model.deployment import Deployed, Source, called_xml, deploy, latest_version
from engine.model.forms import FormInvalid, validate_draft, validate_submission
from engine.model.loading import parse_specs
from engine.org.directory import load as load_org
from engine.run import determinism, reassignment
from engine.run.approvals import Incident
from engine.run.assignment import AUTHOR_REFUSAL, authors
from engine.run.choices import check_choices
from engine.run.determinism import IdSequence
from engine.run.firing import TimerFiring
from engine.run.schedules import choose_start, plain_starts
from engine.run.step import INSTANCES, Step, Version, lock_instance
from engine.run.tasks import lock_task, read_task, review_conflict, took_part, update_task
from engine.store import state
from engine.store.optimistic import ReservedStarts, Stale, begin, is_stale, optimistic
from engine.store.persistence import Database
from engine.store.schema import ModelVersion, RoleHolding, User

determinism.install()
USERS, HOLDINGS, VERSIONS = User.__table__, RoleHolding.__table__, ModelVersion.__table__
READ_USER = select(USERS.c.username, USERS.c.department_id, USERS.c.active).where(
    USERS.c.username == bindparam("username"))
HOLDS_ROLE = select(HOLDINGS.c.role).where(HOLDINGS.c.username == bindparam("username"),
                                           HOLDINGS.c.role == bindparam("role"))


class Engine(ReservedStarts, TimerFiring):
    """The operations every front end (CLI, web, API) calls."""

    def __init__(self, db: Database, clock: Clock | None = None,
                 live_cache: bool | None = None):
        self.db = db
        self.clock = clock or Clock()
        self._versions: dict[int, Version] = {}
        self._live: dict[int, tuple[int, BpmnWorkflow]] = {}
        #: Keep each instance's workflow between steps; off (``SHENFA_NO_LIVE_CACHE=1``)
        #: every step loads it from the database onto freshly built specs, as a
        #: restarted server or another process would.
        self.live_cache = (os.environ.get("SHENFA_NO_LIVE_CACHE") != "1"
                           if live_cache is None else live_cache)
        with db.reading() as session:  # the organisation's roles and name are data
            load_org(session)

    # -- models -------------------------------------------------------------

    def deploy_directory(self, processes: Path, forms: Path, by: str | None = None,
                         note: str | None = None) -> list[Deployed]:
        """Check and deploy every model in ``processes``; all or nothing (the one deploy path)."""
        with self.db.transaction() as session:
            return deploy(session, Source.of(processes, forms), self.clock.now(), by, note)

    def version(self, version_id: int, conn: Connection | None = None) -> Version:
        """Return a deployed version (cached: a version never changes)."""
        if version_id not in self._versions:
            if conn is None:
                with self.db.engine.connect() as own:
                    return self.version(version_id, own)
            row = conn.execute(select(VERSIONS).where(VERSIONS.c.id == version_id)).mappings().one()
            self._versions[version_id] = Version(
                row["id"], row["model_key"], row["version"], row["forms"],
                parse_specs(row["bpmn_xml"], f"{row['model_key']}-v{row['version']}",
                                  called_xml(conn, version_id)))
            state.remember_pristine(self._versions[version_id].specs)  # before any run
        return self._versions[version_id]

    # -- instances ------------------------------------------------------------

    @optimistic
    def start(self, model_key: str, username: str, data: dict | None = None,
              department_id: int | None = None) -> int:
        """Start the latest version of ``model_key`` as ``username``; return its id."""
        with self.db.reading() as session:
            latest = latest_version(session, model_key)
            if latest is None:
                raise NotFound(f"流程不存在或未部署: {model_key}")
            check_may_start(session, latest, username)
        version = self.version(latest.id)
        now, ids = self.clock.now(), IdSequence(uuid4().hex)
        workflow = state.new_workflow(version.specs, ids, now)
        clean = self._validate(version, _start_form(workflow), data or {})
        with self.db.engine.connect() as conn:  # ui.choices: what this user was offered
            self._check_choices(conn, version, _start_form(workflow), clean, username)
        inst = self._reserve(version, username, clean, department_id, now)
        with self._released_on_failure(inst["id"]), self.transaction(deferred=True) as conn:
            step = Step(conn, inst, version, workflow, now, username)
            step.trigger = step.history.append(
                "instance_started", now, username, "initiator", data=clean,
                department_id=inst["department_id"], model_key=model_key,
                model_version=version.version, seed=ids.seed)
            workflow.task_tree.data.update(clean)
            step.run(lambda: choose_start(workflow, None))  # by hand: the plain start event
            self.finish(step)
            return inst["id"]

    def new_instance(self, conn: Connection, version: Version, username: str, data: dict,
                     department_id: int | None, now: datetime) -> dict[str, Any]:
        """Insert a running instance of ``version`` at the start of its history chain."""
        values = {"model_version_id": version.id, "model_key": version.key,
                  "title": str(data.get("title", ""))[:300], "status": "running",
                  "initiator": username, "department_id": department_id, "account_id": None,
                  "started_at": now, "ended_at": None, "state": "",
                  "state_version": "", "revision": 0, **genesis_head()}
        values["id"] = conn.execute(insert(INSTANCES).values(values)).inserted_primary_key[0]  # type: ignore[index]
        return values

    def claim(self, task_id: str, username: str) -> None:
        """Take a pool task for ``username``, who must hold its role."""
        with self.transaction() as conn:
            row, inst = self.lock(conn, task_id, username)
            if row["assignee"] == username:  # already theirs: a double tap, or a sole holder's
                return
            if not row["pool"]:
                raise NotAllowed("此任务不是公共待认领任务。")
            if not self._holds(conn, username, row["role"]):  # before naming who claimed it
                raise NotAllowed("您不具有认领此任务所需的角色。")
            if row["assignee"] is not None:
                raise Conflict(f"此任务已被 {row['assignee']} 认领。")
            self.check_separation(conn, row, username)
            self._set_assignee(conn, row, inst, username, "task_claimed", username)

    def unclaim(self, task_id: str, username: str) -> None:
        """Return a claimed pool task to its queue."""
        with self.transaction() as conn:
            row, inst = self.lock(conn, task_id, username)
            if not row["pool"] or row["assignee"] != username:
                raise NotAllowed("只能退回自己认领的公共任务。")
            self._set_assignee(conn, row, inst, None, "task_unclaimed", username)

    def _set_assignee(self, conn: Connection, row: RowMapping, inst: RowMapping,
                      assignee: str | None, event: str, actor: str) -> None:
        update_task(conn, row["id"], assignee=assignee)
        history = HistoryWriter.resume(inst)
        history.append(event, self.clock.now(), actor, row["role"], row["id"], row["spec_name"])
        history.commit(conn)

    def reassign(self, task_id: str, admin: str, new_user: str, reason: str = "") -> None:
        """Give an open task to ``new_user`` as admin ``admin`` (see engine.run.reassignment)."""
        reassignment.reassign(self, task_id, admin, new_user, reason)

    def save_draft(self, task_id: str, username: str, data: dict) -> None:
        """Keep unfinished form input on the task without validating or completing it."""
        with self.transaction() as conn:
            row, inst = self.lock(conn, task_id, username)
            self._check_may_complete(conn, row, username)
            self._validate_draft(self.version(inst["model_version_id"], conn), row["form_name"], data)
            update_task(conn, task_id, draft=dict(data))

    @optimistic
    def complete(self, task_id: str, username: str, data: dict,
                 facts: dict[str, Any] | None = None,
                 claim: bool = False) -> list[dict[str, Any]]:
        """Complete ``task_id`` as ``username`` with form ``data``; all or nothing.

        ``facts`` are recorded in the step's event beside the data (what the step was
        shown, e.g. the pre-screen's findings): data of the record, never replayed.
        With ``claim``, an unclaimed pool task ``username`` may claim is claimed in the
        same transaction (one commit, the claim in the history before the completion).
        Return the rows of the tasks this completion opened.
        """
        with self.transaction(deferred=True) as conn:  # the model runs before the first write
            row, inst = self.lock(conn, task_id, username)
            claiming = claim and self._claims_here(conn, row, username)
            self._check_may_complete(conn, row, username, claiming)
            version = self.version(inst["model_version_id"], conn)
            clean = self._validate(version, row["form_name"], data)
            self._check_choices(conn, version, row["form_name"], clean, username)
            step = self.open_step(conn, inst, version, username)
            task = step.workflow.get_task_from_id(UUID(task_id))
            if task is None or task.state != TaskState.READY:
                raise Conflict("此任务已不处于可办理状态。")
            now = step.now
            if claiming:
                step.history.append("task_claimed", now, username, row["role"], task_id,
                                    row["spec_name"])
            step.trigger = step.history.append(
                "task_completed", now, username, row["role"], task_id, row["spec_name"],
                data=clean, decision=clean.get("decision"), comment=clean.get("comment"),
                task_name=row["name"], review_stage=row["review_stage"], **(facts or {}))
            step.done.add(task_id)
            step.decision, step.comment = clean.get("decision"), clean.get("comment")
            task.data.update(clean)
            if clean.get("title"):
                step.inst["title"] = str(clean["title"])[:300]
            step.run(task.run)
            update_task(conn, task_id, status="completed", completed_by=username,
                        completed_at=now, draft=None, assignee=username)
            self.finish(step)
            return step.opened

    # -- steps (public for schedules, reassignment, migration) and internals --------

    @contextmanager
    def transaction(self, deferred: bool = False) -> Iterator[Connection]:
        """One all-or-nothing transaction; a failure forgets cached live workflows.

        ``deferred`` transactions take SQLite's write lock only at their first
        write, so a step runs its model before it holds the lock (see
        :mod:`engine.optimistic`); a snapshot gone stale meanwhile is retried.
        """
        try:
            with begin(self.db.engine, deferred) as conn:
                yield conn
        except BaseException as err:
            self._live.clear()
            if is_stale(err):
                raise Stale() from err
            if isinstance(err, Incident):
                self._raise_incident(err)
            raise

    def _raise_incident(self, err: Incident) -> None:
        """Log a refused step that must not go unnoticed (after its rollback)."""
        with self.db.transaction() as session:
            log_operation(session, "incident_raised", None, self.clock.now(), kind=err.kind,
                          instance_id=err.instance_id, message=err.message, **err.details)

    def open_step(self, conn: Connection, inst: RowMapping, version: Version,
                  actor: str | None) -> Step:
        """Open a step on the locked instance, from the live cache when it is current."""
        cached = self._live.pop(inst["id"], None)
        if self.live_cache and cached is not None and cached[0] == inst["revision"]:
            workflow = cached[1]
        else:
            specs = version.specs if self.live_cache else state.pristine(version.specs)
            workflow = state.load(inst["state"], inst["state_version"], specs)
        return Step(conn, inst, version, workflow, self.clock.now(), actor)

    def finish(self, step: Step) -> None:
        """Store the step's outcome and keep its workflow live for the next step."""
        step.finish()
        if self.live_cache:
            self._live[step.inst["id"]] = (step.inst["revision"], step.workflow)

    def lock(self, conn: Connection, task_id: str,
              username: str | None = None) -> tuple[RowMapping, RowMapping]:
        """Lock the task's instance, then the task; refuse unknown or finished tasks.

        Who finished a task is told only to the item's participants (not to ``username``
        if they took no part): a 409 must not leak who acted.
        """
        found = read_task(conn, task_id)
        if found is None:
            raise NotFound(f"任务不存在: {task_id}")
        inst = lock_instance(conn, found["instance_id"])
        # SQLite transactions begin IMMEDIATE: the first read is already serialised.
        row = lock_task(conn, task_id) if self.db.is_postgres else found
        if row is None:  # removed (by a migration) before the instance lock was taken
            raise NotFound(f"任务不存在: {task_id}")
        if row["status"] != "open":
            who = f"（由 {row['completed_by']} 办理）" if row["completed_by"] and (
                username is None or took_part(conn, inst, username)) else ""
            raise AlreadyDone(f"此任务已办结或已取消{who}。", row["completed_by"])
        return row, inst

    def _validate(self, version: Version, form_name: str | None, data: Any) -> dict:
        if not form_name:
            if data:
                raise Invalid("此流程的发起不需要填写数据。", {"_schema": ["此流程没有发起表单。"]})
            return {}
        try:
            return validate_submission(version.forms[form_name], data)
        except FormInvalid as err:
            raise Invalid("表单校验未通过，请修改标出的字段。", err.errors) from None

    def _check_choices(self, conn: Connection, version: Version, form_name: str | None,
                       clean: dict, username: str) -> None:
        """Refuse values of ``ui.choices`` fields that ``username`` was not offered."""
        if form_name:
            with Session(bind=conn) as session:
                check_choices(version.forms.get(form_name), clean, session, username)

    def _validate_draft(self, version: Version, form_name: str | None, data: Any) -> None:
        """Refuse a draft that does not fit its form's types and sizes (issue 11)."""
        try:
            validate_draft(version.forms[form_name] if form_name else {"properties": {}}, data)
        except FormInvalid as err:
            raise Invalid("草稿未保存：请修改标出的字段。", err.errors) from None

    def _user(self, conn: Connection, username: str) -> RowMapping:
        user = conn.execute(READ_USER, {"username": username}).mappings().first()
        if user is None or not user["active"]:
            raise NotAllowed(f"用户不存在或已停用: {username}")
        return user

    def _holds(self, conn: Connection, username: str, role: str) -> bool:
        return conn.execute(HOLDS_ROLE, {"username": username, "role": role}).first() is not None

    def _check_may_complete(self, conn: Connection, row: RowMapping, username: str,
                            claiming: bool = False) -> None:
        self._user(conn, username)
        if row["pool"] and row["assignee"] is None and not claiming:
            raise NotAllowed("请先认领此任务再办理。")
        if row["assignee"] != username and not claiming:
            raise NotAllowed("此任务不属于您。")
        self.check_separation(conn, row, username)  # authors never review, claimed or not

    def _claims_here(self, conn: Connection, row: RowMapping, username: str) -> bool:
        """Tell whether completing ``row`` claims it: an unclaimed pool task of ``username``'s role."""
        return bool(row["pool"] and row["assignee"] is None
                    and self._holds(conn, username, row["role"]))

    def check_separation(self, conn: Connection, row: RowMapping, username: str) -> None:
        """Refuse ``username`` a review task of an item they wrote or already reviewed (三审)."""
        if row["review_stage"] and username in authors(conn, row["instance_id"]):
            raise NotAllowed(AUTHOR_REFUSAL.format(user=username))
        other = review_conflict(conn, row, username)
        if other:
            raise NotAllowed(
                f"按三审制度，同一人不得承担同一事项的两个审核环节：您已办理「{other}」，"
                f"不能再办理「{row['name']}」。")


def _start_form(workflow: BpmnWorkflow) -> str | None:
    start = workflow.spec.start
    for spec in [start, *start.outputs, *plain_starts(workflow.spec)]:
        if "formName" in extensions.of_spec(spec):
            return extensions.of_spec(spec)["formName"]
    return None

