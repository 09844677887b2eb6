"""Timer start events: a model that starts itself once per period (第十九条 定期巡查).

A start event with a ``timeCycle`` (an ISO 8601 repeating interval,
``R[n]/<first instant>/<period>``) or a ``timeDate`` starts a new item at each
instant of its schedule.  Every instant is a row of ``start_timers``, unique
per model, start event and instant.  The worker claims due rows as it claims
timers (a lease; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), then starts the
item in the transaction that marks the row started and adds the next instant,
so each period starts exactly one item, across restarts and with several
workers.  A schedule begins at the first instant not before the time it is
first seen (a model deployed in November does not start January's patrol);
periods missed while no worker ran are started when one runs again.

The item is started by the user ``system`` (系统定时发起) at the worker's
instant; its data holds ``title`` and ``scheduled_for``.  A model may also
keep a plain start event (with a start form) for items started by hand:
starting by hand takes the plain start event, a timer takes its own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Connection, RowMapping, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.audit.chain import log_operation
from engine.model.expressions import Evaluator
from engine.run.determinism import IdSequence
from engine.run.step import Step
from engine.store import state
from engine.store.schema import ModelVersion, StartTimer

if TYPE_CHECKING:
    from engine.run.handle import EngineHandle

SYSTEM_USER = "system"
BEIJING = timezone(timedelta(hours=8))
#: How many instants of a calendar schedule (months, years) are walked to find the next one.
MAX_WALK = 100_000


class ScheduleError(ValueError):
    """A timer start event's expression is no schedule the engine can follow."""


def timer_starts(process_spec) -> list:
    """Return the timer start events of a process spec (its own, not its subprocesses')."""
    return sorted((s for s in process_spec.task_specs.values()
                   if isinstance(s, StartEvent)
                   and isinstance(s.event_definition, TimerEventDefinition)),
                  key=lambda s: s.name)


def plain_starts(process_spec) -> list:
    """Return the start events items are started from by hand (none with a timer)."""
    return sorted((s for s in process_spec.task_specs.values() if isinstance(s, StartEvent)
                   and not isinstance(s.event_definition, TimerEventDefinition)),
                  key=lambda s: s.name)


def choose_start(workflow, element: str | None) -> None:
    """Take start event ``element`` (a timer's) or, given None, the plain start events.

    The start events not taken are cancelled before anything runs, so a timer
    start event never waits inside an item: its schedule lives in ``start_timers``.
    """
    for task in workflow.get_tasks(spec_class=StartEvent, state=TaskState.NOT_FINISHED_MASK):
        timer = isinstance(task.task_spec.event_definition, TimerEventDefinition)
        taken = task.task_spec.name == element if element else not timer
        if taken and timer:
            task._set_internal_data(event_fired=True)
            # SpiffWorkflow predicts no path after a cycle timer (it adds one per
            # cycle while the event waits); this one fires once, so give it its path.
            task._sync_children(task.task_spec.outputs, TaskState.MAYBE)
        elif not taken:
            task.cancel()


def instant_after(definition, after: datetime, inclusive: bool) -> datetime | None:
    """Return the schedule's first instant after ``after`` (or at it, if ``inclusive``)."""
    value = Evaluator().evaluate(definition.expression, {})
    if not isinstance(value, str):
        raise ScheduleError(f"定时发起的时间表达式须为字符串: {definition.expression}")
    try:
        if isinstance(definition, TimeDateEventDefinition):
            at = _aware(TimerEventDefinition.get_datetime(value))
            return at if at > after or (inclusive and at == after) else None
        if isinstance(definition, CycleTimerEventDefinition):
            return _cycle_after(value, after, inclusive)
    except Exception as err:  # noqa: BLE001 - SpiffWorkflow's parsers raise bare Exception
        raise ScheduleError(f"无法解析定时发起的时间表达式 {value}: {err}") from None
    raise ScheduleError("定时发起只支持 timeCycle（周期）和 timeDate（日期）。")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _cycle_after(value: str, after: datetime, inclusive: bool) -> datetime | None:
    """Walk ``R[n]/<start>/<period>`` to the first instant past ``after``."""
    head, first, period = value.strip().upper().split("/")
    cycles = int(head[1:]) if head[1:] else None
    at = _aware(TimerEventDefinition.get_datetime(first))
    duration = TimerEventDefinition.parse_iso_duration(period)
    if not any(duration.values()):
        raise ScheduleError(f"周期不能为零: {value}")
    for _ in range(MAX_WALK if cycles is None else min(cycles, MAX_WALK)):
        if at > after or (inclusive and at == after):
            return at
        at = at + TimerEventDefinition.get_timedelta_from_start(dict(duration), at)
    return None


# -- the rows ---------------------------------------------------------------

START_TIMERS, VERSIONS = StartTimer.__table__, ModelVersion.__table__
MAX_ATTEMPTS = 5


def start_due(engine: EngineHandle, worker: str = "inline", batch: int = 50,
              lease: float = 60.0) -> int:
    """Schedule every timer start event, then start the items now due; return how many.

    Each start adds the next instant, so periods missed while no worker ran are
    started one after another until nothing more is due.
    """
    ensure(engine)
    total = 0
    while claimed := _claim(engine, worker, batch, lease):
        total += sum(_fire(engine, row_id, worker) for row_id in claimed)
    return total


def _latest(conn) -> list[RowMapping]:
    newest = (select(VERSIONS.c.model_key, func.max(VERSIONS.c.version).label("v"))
              .group_by(VERSIONS.c.model_key).subquery())
    return list(conn.execute(select(VERSIONS.c.id, VERSIONS.c.model_key, VERSIONS.c.name).join(
        newest, (VERSIONS.c.model_key == newest.c.model_key)
        & (VERSIONS.c.version == newest.c.v))).mappings())


def ensure(engine: EngineHandle) -> None:
    """Give every timer start event of every latest model version its next waiting instant."""
    now = engine.clock.now()
    with engine.db.engine.connect() as conn:  # read first: most passes change nothing
        wanted = {(v["model_key"], spec.name): spec for v in _latest(conn)
                  for spec in timer_starts(engine.version(v["id"], conn).specs[0])}
        rows = conn.execute(select(START_TIMERS.c.model_key, START_TIMERS.c.element,
                                   START_TIMERS.c.status, START_TIMERS.c.due_at)).all()
    waiting = {(k, e) for k, e, status, _ in rows if status == "waiting"}
    last: dict[tuple[str, str], datetime] = {}
    for key, element, _status, due in rows:
        last[(key, element)] = max(due, last.get((key, element), due))
    new = [_next_row(spec, key, element, last.get((key, element)), now)
           for (key, element), spec in sorted(wanted.items()) if (key, element) not in waiting]
    retired = waiting - set(wanted)
    if any(new) or retired:
        with engine.transaction() as conn:
            _insert(engine, conn, [row for row in new if row])
            for key, element in retired:  # the model no longer has this timer start event
                conn.execute(update(START_TIMERS).where(
                    START_TIMERS.c.model_key == key, START_TIMERS.c.element == element,
                    START_TIMERS.c.status == "waiting").values(status="retired"))


def _next_row(spec, key: str, element: str, last: datetime | None,
              now: datetime) -> dict[str, Any] | None:
    try:
        due = (instant_after(spec.event_definition, last, False) if last is not None
               else instant_after(spec.event_definition, now, True))
    except ScheduleError:
        return None  # refused at deploy; an older stored model is left unscheduled
    if due is None:
        return None
    return {"model_key": key, "element": element, "name": spec.bpmn_name or element,
            "due_at": due, "status": "waiting", "attempts": 0}


def _insert(engine: EngineHandle, conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert instants; one already there (another worker was quicker) is kept as it is."""
    dialect_insert = pg_insert if engine.db.is_postgres else sqlite_insert
    for row in rows:
        conn.execute(dialect_insert(START_TIMERS).values(row).on_conflict_do_nothing())


def _claim(engine: EngineHandle, worker: str, batch: int, lease: float) -> list[int]:
    now = engine.clock.now()
    query = (select(START_TIMERS.c.id).where(
        START_TIMERS.c.status == "waiting", START_TIMERS.c.due_at <= now,
        START_TIMERS.c.not_before.is_(None) | (START_TIMERS.c.not_before <= now),
        START_TIMERS.c.claimed_until.is_(None) | (START_TIMERS.c.claimed_until < now))
        .order_by(START_TIMERS.c.due_at, START_TIMERS.c.id).limit(batch))
    if engine.db.is_postgres:
        query = query.with_for_update(skip_locked=True)
    with engine.transaction() as conn:
        ids = list(conn.execute(query).scalars())
        if ids:
            conn.execute(update(START_TIMERS).where(START_TIMERS.c.id.in_(ids)).values(
                claimed_by=worker, claimed_until=now + timedelta(seconds=lease)))
    return ids


def _fire(engine: EngineHandle, row_id: int, worker: str) -> int:
    try:
        with engine.transaction() as conn:
            return _fire_in(engine, conn, row_id, worker)
    except Exception as err:  # noqa: BLE001 - any failure is retried, then an incident
        _failed(engine, row_id, err)
        return 0


def _fire_in(engine: EngineHandle, conn: Connection, row_id: int, worker: str) -> int:
    """Start the item of a claimed instant, mark it started and add the next instant."""
    row = conn.execute(select(START_TIMERS).where(
        START_TIMERS.c.id == row_id, START_TIMERS.c.status == "waiting",
        START_TIMERS.c.claimed_by == worker).with_for_update()).mappings().first()
    if row is None:  # started meanwhile, or our lease expired and another took it
        return 0
    version = next((v for v in _latest(conn) if v["model_key"] == row["model_key"]), None)
    specs = {s.name: s for s in timer_starts(engine.version(version["id"], conn).specs[0])} \
        if version else {}
    if row["element"] not in specs:
        conn.execute(update(START_TIMERS).where(START_TIMERS.c.id == row_id)
                     .values(status="retired"))
        return 0
    assert version is not None  # no version, no specs: retired above
    instance_id = _start(engine, conn, version, row)
    conn.execute(update(START_TIMERS).where(START_TIMERS.c.id == row_id).values(
        status="started", instance_id=instance_id, claimed_by=None, claimed_until=None))
    following = _next_row(specs[row["element"]], row["model_key"], row["element"],
                          row["due_at"], engine.clock.now())
    _insert(engine, conn, [following] if following else [])
    return 1


def _start(engine: EngineHandle, conn: Connection, version: RowMapping, row: RowMapping) -> int:
    """Start one item of ``version`` from timer start event ``row["element"]``."""
    spec_version, now, ids = engine.version(version["id"], conn), engine.clock.now(), \
        IdSequence(uuid4().hex)
    workflow = state.new_workflow(spec_version.specs, ids, now)
    day = row["due_at"].astimezone(BEIJING).date().isoformat()
    data = {"title": f"{version['name']}（{day}）", "scheduled_for": row["due_at"].isoformat()}
    inst = engine.new_instance(conn, spec_version, SYSTEM_USER, data, None, now)
    step = Step(conn, inst, spec_version, workflow, now, None)
    step.trigger = step.history.append(
        "instance_started", now, SYSTEM_USER, "initiator", data=data, department_id=None,
        model_key=spec_version.key, model_version=spec_version.version, seed=ids.seed,
        start_event=row["element"])
    workflow.task_tree.data.update(data)
    step.run(lambda: choose_start(workflow, row["element"]))
    engine.finish(step)
    return inst["id"]


def _failed(engine: EngineHandle, row_id: int, err: Exception) -> None:
    """Back off a failed start; after five attempts stop and raise an incident."""
    with engine.transaction() as conn:
        row = conn.execute(select(START_TIMERS).where(START_TIMERS.c.id == row_id)).mappings().one()
        attempts = row["attempts"] + 1
        values = {"attempts": attempts, "last_error": f"{type(err).__name__}: {err}"[:2000],
                  "claimed_by": None, "claimed_until": None,
                  "not_before": engine.clock.now() + timedelta(seconds=min(2 ** attempts, 300))}
        if attempts >= MAX_ATTEMPTS:
            values["status"] = "failed"
        conn.execute(update(START_TIMERS).where(START_TIMERS.c.id == row_id).values(values))
    if attempts >= MAX_ATTEMPTS:
        with engine.db.transaction() as session:
            log_operation(session, "incident_raised", None, engine.clock.now(),
                          kind="start_timer_failed", model=row["model_key"],
                          element=row["element"], due_at=row["due_at"].isoformat(),
                          message=values["last_error"])
