"""What the modules a step calls may see of it, without importing ``engine.run.step``.

``Step`` hands itself to ``tasks`` (to open task rows) and ``approvals`` (to guard
completions); they read it through this protocol, so the dependency points one way.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from engine.audit.history import HistoryWriter
from engine.run.assignment import InstanceFacts


class StepView(Protocol):
    """The parts of a running step that task opening and approval checks read."""

    connection: Connection
    inst: dict[str, Any]
    history: HistoryWriter

    @property
    def session(self) -> Session: ...

    @property
    def facts(self) -> InstanceFacts: ...
