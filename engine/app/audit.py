"""The auditor's workspace as a service: register, exports, replay, verdicts, digests, purge.

Reads open a read session (never SQLite's write lock); the digest and the purge open
one write transaction each.  Who may call what is decided by :mod:`engine.org.policy`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import chain as auditing
from engine.audit import items as audit_items
from engine.audit.records import record as record  # the printed record, for the web
from engine.audit.replay import Verdict, verify_instance
from engine.audit.retention import purge as purge_before
from engine.audit.timeline import element_of, timeline
from engine.base import localtime
from engine.base.errors import Invalid, NotFound
from engine.org.people import departments, display_names
from engine.read.diagram import drawn
from engine.read.queries import instance_detail
from engine.run.attachments import attachments_of
from engine.run.comments import comments_of
from engine.run.runtime import Engine
from engine.store.schema import Account, Instance, ModelVersion

#: register columns holding times: exported in the hospital's zone, never UTC
TIME_KEYS = frozenset({"started_at", "ended_at"})
#: a cell starting with one of these is a formula to Excel: written as text instead
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Register:
    """One page of the register, the filters that were refused, and the filters' choices."""

    result: dict[str, Any]
    errors: dict[str, list[str]]
    choices: dict[str, Any]


def register(engine: Engine, args: dict[str, str]) -> Register:
    """Return one page of every item under the filters in ``args``; bad filters are named."""
    page, per_page = args.get("page", "1"), args.get("per_page", "50")
    filters, errors = audit_items.read_filters(args)
    query = audit_items.ItemQuery(filters, int(page) if page.isdigit() else 1,
                                  int(per_page) if per_page.isdigit() else 50)
    with engine.db.reading() as db:
        result = audit_items.search(db, query, engine.clock.now())
        return Register(result, errors, _choices(db))


def _choices(db: Session) -> dict[str, Any]:
    models = db.execute(select(ModelVersion.model_key, ModelVersion.name).distinct()).all()
    accounts = db.execute(select(Account.id, Account.account_name).order_by(Account.id)).all()
    return {"models": dict(sorted(models)), "departments": departments(db),
            "accounts": accounts, "statuses": audit_items.STATUSES}


def _matching(engine: Engine, args: dict[str, str]) -> list[dict[str, Any]]:
    with engine.db.reading() as db:
        return audit_items.matching(db, audit_items.parse_filters(args), engine.clock.now())


def export_json(engine: Engine, args: dict[str, str]) -> bytes:
    """Return the filtered register as JSON, times in the hospital's zone."""
    rows = _matching(engine, args)
    items = [{k: localtime.local_iso(v) if k in TIME_KEYS else v for k, v in r.items()} for r in rows]
    body = json.dumps({"exported_at": localtime.local_iso(engine.clock.now()), "filters": args,
                       "count": len(rows), "items": items}, ensure_ascii=False, indent=1)
    return body.encode("utf-8")


def export_csv(engine: Engine, args: dict[str, str]) -> bytes:
    """Return the filtered register as CSV (UTF-8 with BOM, so Excel reads Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title for _key, title in audit_items.EXPORT_COLUMNS])
    for row in _matching(engine, args):
        writer.writerow([_cell(localtime.local(row.get(key), localtime.SECONDS) if key in TIME_KEYS
                               else row.get(key)) for key, _t in audit_items.EXPORT_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _instance(db: Session, instance_id: int) -> Instance:
    inst = db.get(Instance, instance_id)
    if inst is None:
        raise NotFound(f"事项不存在: {instance_id}")
    return inst


@dataclass(frozen=True)
class Replay:
    """One item replayed up to step ``n``: detail, timeline, labels and both verdicts."""

    item: dict[str, Any]
    line: dict[str, Any]
    labels: dict[str, Any]
    chain: list[auditing.Problem]
    verdict: Verdict
    n: int
    extras: dict[str, list[dict[str, Any]]]

    @property
    def step(self) -> dict[str, Any]:
        return self.line["steps"][self.n - 1]

    @property
    def total(self) -> int:
        return len(self.line["steps"])

    @property
    def version(self) -> dict[str, Any]:
        return self.line["versions"][self.step["version_id"]]

    @property
    def submissions(self) -> list[dict[str, Any]]:
        return [s for s in self.line["steps"][:self.n] if s["data"] is not None]

    @property
    def position(self) -> dict[int, int]:
        return {s["seq"]: i for i, s in enumerate(self.line["steps"], 1)}


def replay(engine: Engine, instance_id: int, step: str = "") -> Replay:
    """Return the item replayed up to step ``step`` (default: the last) with both verdicts."""
    with engine.db.reading() as db:
        _instance(db, instance_id)
        detail = instance_detail(db, instance_id)
        line = timeline(db, instance_id)
        labels = _labels(db, line["steps"], line["versions"])
        chain = auditing.verify_chain(db, instance_id)
    n = _step_number(line["steps"], step)
    until = None if n == len(line["steps"]) else line["steps"][n - 1]["at"]
    return Replay(detail, line, labels, chain, verify_instance(engine, instance_id), n,
                  _extras(engine, instance_id, until))


def _step_number(steps: list[dict], raw: str) -> int:
    if not raw:
        return len(steps)
    if not raw.isdigit() or not 1 <= int(raw) <= len(steps):
        raise Invalid(f"步骤编号无效：{raw}（应为 1 至 {len(steps)}）", {"step": ["步骤编号超出范围。"]})
    return int(raw)


def _labels(db: Session, steps: list[dict], versions: dict) -> dict:
    users = {s["actor"] for s in steps if s["actor"]}
    users |= {s["extra"].get(k) for s in steps for k in ("assignee", "from") if s["extra"].get(k)}
    fields = _field_titles(db, versions)
    chosen = {v for s in steps for c in s.get("changes") or [] if fields["specs"].get(c["field"])
              for v in _leaves([c["old"], c["new"]]) if len(v) <= 64}
    fields["names"] = display_names(db, chosen)  # the experts a reviewer named, by name
    return {"names": display_names(db, users), "fields": fields}


def _leaves(value: Any) -> list[str]:
    """Return the strings inside a submitted value (people chosen are usernames)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _leaves(v)]
    return [s for v in value.values() for s in _leaves(v)] if isinstance(value, dict) else []


def _field_titles(db: Session, versions: dict) -> dict[str, dict]:
    """Return the Chinese titles of fields and of enum values over the item's forms."""
    titles: dict[str, str] = {}
    choices: dict[str, dict] = {}
    specs: dict[str, dict] = {}
    for version_id in versions:
        version = db.get(ModelVersion, version_id)
        assert version is not None  # an item's versions are never deleted
        for schema in (version.forms or {}).values():
            _read_schema(schema or {}, titles, choices, specs)
    return {"titles": titles, "choices": choices, "specs": specs}


def _read_schema(schema: dict, titles: dict, choices: dict, specs: dict | None = None) -> None:
    for name, spec in schema.get("properties", {}).items():
        titles.setdefault(name, spec.get("title", name))
        if specs is not None:
            specs.setdefault(name, spec)
        if spec.get("enum") and spec.get("enumNames"):
            choices.setdefault(name, dict(zip(spec["enum"], spec["enumNames"], strict=False)))
        if spec.get("properties"):
            _read_schema(spec, titles, choices)


def _by(moment: str, until: str | None) -> bool:
    """Tell whether ISO instant ``moment`` is not after ``until`` (None: no limit)."""
    return until is None or datetime.fromisoformat(moment) <= datetime.fromisoformat(until)


def _extras(engine: Engine, instance_id: int, until: str | None) -> dict:
    """Comments and attachments made up to the step's instant (all of them at the last step)."""
    with engine.db.reading() as db:
        comments = [c for c in comments_of(db, instance_id) if _by(c["at"], until)]
        files = [a for a in attachments_of(db, instance_id) if _by(a["uploaded_at"], until)]
    return {"comments": comments, "attachments": files}


def _line(engine: Engine, instance_id: int) -> dict[str, Any]:
    with engine.db.reading() as db:
        _instance(db, instance_id)
        return timeline(db, instance_id)


def step_view(engine: Engine, instance_id: int, n: int) -> dict[str, Any]:
    """Return the diagram XML of step ``n``'s model version and the element states."""
    line = _line(engine, instance_id)
    if not 1 <= n <= len(line["steps"]):
        raise Invalid(f"步骤编号无效：{n}", {"step": ["步骤编号超出范围。"]})
    step = line["steps"][n - 1]
    version = line["versions"][step["version_id"]]
    return {"xml": version["diagrams"][step["diagram"]], "states": step["states"],
            "seq": step["seq"], "diagram": step["diagram"], "focus": element_of(step["task_spec"]),
            "model": version["model"], "version": version["version"],
            "top": drawn(version, step["states"])}


def timeline_view(engine: Engine, instance_id: int) -> dict[str, Any]:
    """Return every step of the item, the versions without their diagram XML."""
    line = _line(engine, instance_id)
    versions = {k: {**v, "xml": None, "diagrams": sorted(v["diagrams"])}
                for k, v in line["versions"].items()}
    return {**line, "versions": versions}


def evidence(engine: Engine, instance_id: int) -> bytes:
    """Return the item's complete history with hashes and both verdicts, as JSON evidence."""
    with engine.db.reading() as db:
        _instance(db, instance_id)
        detail = instance_detail(db, instance_id)
        chain = [str(p) for p in auditing.verify_chain(db, instance_id)]
    body = {"exported_at": engine.clock.now().isoformat(), "item": detail, "chain_problems": chain,
            "replay": verify_instance(engine, instance_id).as_dict()}
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")


def digests(engine: Engine) -> list[dict[str, Any]]:
    """Return the daily digests over all history chains."""
    with engine.db.reading() as db:
        return auditing.export_digests(db)


def digests_json(engine: Engine) -> bytes:
    """Return the daily digests as a JSON download, to keep a copy outside the system."""
    text = json.dumps({"exported_at": engine.clock.now().isoformat(), "digests": digests(engine)},
                      ensure_ascii=False, indent=1)
    return text.encode("utf-8")


@dataclass(frozen=True)
class Verification:
    """The verdict over every item (since a day): chains, digests and replays."""

    instances: int
    replayed_ok: int
    problems: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"instances": self.instances, "replayed_ok": self.replayed_ok,
                "problems": self.problems}


def verify_all(engine: Engine, since: date | None = None) -> Verification:
    """Check every history chain and the daily digests, and replay every item."""
    with engine.db.reading() as db:
        ids = auditing.instances_since(db, since)
        problems = [p for i in ids for p in auditing.verify_chain(db, i)]
        problems += auditing.verify_digests(db)
    verdicts = [verify_instance(engine, i) for i in ids]
    problems += [auditing.Problem(v.instance_id, v.diverged_at, v.message) for v in verdicts if not v.ok]
    return Verification(len(ids), sum(v.ok for v in verdicts), [str(p) for p in problems])


def replay_verdict(engine: Engine, instance_id: int) -> Verdict:
    """Replay one item event by event and compare with the stored state."""
    return verify_instance(engine, instance_id)


def record_digest(engine: Engine, day: date) -> dict[str, Any]:
    """Record the digest of all history chains for ``day``."""
    with engine.db.transaction() as db:
        row = auditing.record_digest(db, day, engine.clock.now())
        return {"day": row.day, "digest": row.digest, "events": row.events}


def purge(engine: Engine, before: date, by: str | None) -> dict[str, Any]:
    """Delete the records of items ended before ``before`` (kept at least two years, 第十一条)."""
    with engine.db.transaction() as db:
        return purge_before(db, before, engine.clock.now(), by)


def operations(engine: Engine) -> list[dict[str, Any]]:
    """Return the latest entries of the operations log."""
    with engine.db.reading() as db:
        return auditing.operations(db)
