"""Test helpers that walk procedures through the engine's public operations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from engine.read import queries
from engine.run.runtime import Engine
from engine.store.schema import Task

CHECKLIST_PASS = {k: "pass" for k in
                  ("political", "scientific", "lawful", "public_interest", "form", "forbidden")}
APPROVE = {"decision": "approve", "checklist": CHECKLIST_PASS, "secrecy": "public",
           "proofread": True}


def returned(reason: str = "标题不准确", failing: str = "form") -> dict[str, Any]:
    """Return a review submission that sends the draft back naming ``failing``."""
    return {**APPROVE, "decision": "return", "comment": reason,
            "checklist": {**CHECKLIST_PASS, failing: "fail"}}


DRAFT = {"media": ["订阅号"], "title": "冬季心血管健康提示",
         "body": "寒冷季节注意保暖，按时服药。", "source": "心血管内科原创"}


class Driver:
    """Walks instances: finds open tasks by element id, claims pool tasks, completes."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def start(self, model: str, user: str, data: dict | None = None, **kwargs) -> int:
        return self.engine.start(model, user, data, **kwargs)

    def open_tasks(self, instance_id: int) -> list[Task]:
        with self.engine.db.transaction() as session:
            return list(session.scalars(select(Task).where(
                Task.instance_id == instance_id, Task.status == "open").order_by(Task.spec_name)))

    def open_specs(self, instance_id: int) -> list[str]:
        return [t.spec_name for t in self.open_tasks(instance_id)]

    def task(self, instance_id: int, spec: str) -> Task:
        matches = [t for t in self.open_tasks(instance_id) if t.spec_name == spec]
        assert matches, f"no open task {spec}; open: {self.open_specs(instance_id)}"
        return matches[0]

    def act(self, instance_id: int, spec: str, user: str, data: dict) -> Task:
        """Claim (if it is a pool task) and complete the open task ``spec`` as ``user``."""
        row = self.task(instance_id, spec)
        if row.pool and row.assignee is None:
            self.engine.claim(row.id, user)
        self.engine.complete(row.id, user, data)
        return row

    def detail(self, instance_id: int) -> dict:
        with self.engine.db.transaction() as session:
            return queries.instance_detail(session, instance_id)

    def status(self, instance_id: int) -> str:
        return self.detail(instance_id)["status"]

    def events(self, instance_id: int, type_: str | None = None) -> list[dict]:
        history = self.detail(instance_id)["history"]
        return [e for e in history if type_ is None or e["type"] == type_]


def cli_runner(db_url: str, monkeypatch: Any, **env: str) -> Callable[..., Any]:
    """Return ``run(*args, code=0)``: the ``shenfa`` command on ``db_url`` (and ``env``), its exit code checked."""
    from click.testing import CliRunner

    from engine.cli import main

    monkeypatch.setenv("SHENFA_DATABASE_URL", db_url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()

    def run(*args: Any, code: int = 0) -> Any:
        result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == code, result.output + result.stderr
        return result

    return run
