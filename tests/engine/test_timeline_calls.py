"""Replay attributes each step to the model that ran it, through call activities (issue 10)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.audit.timeline import timeline
from engine.demo.items import Walker
from engine.demo.procedures import tier1_published_monitoring, tier3_at_expert_panel
from engine.read.diagram import diagram
from engine.store.schema import Event, Instance


def _steps(engine, item: int) -> dict[str, set[str]]:
    """Return ``{task element: diagrams its steps were shown on}``."""
    with engine.db.reading() as session:
        steps = timeline(session, item)["steps"]
    seen: dict[str, set[str]] = {}
    for step in steps:
        if step["task_spec"]:
            seen.setdefault(step["task_spec"], set()).add(step["diagram"])
    return seen


def _forget_processes(engine, item: int) -> None:
    """Make the item's events look like those written before events named their model."""
    with engine.db.transaction() as session:
        for event in session.scalars(select(Event).where(Event.instance_id == item)):
            event.payload = {k: v for k, v in event.payload.items() if k != "process"}


@pytest.mark.parametrize("recorded", [True, False], ids=["recorded", "guessed"])
def test_three_review_inside_post_review_is_shown_on_three_review(engine, recorded):
    item = tier1_published_monitoring(Walker(engine, lambda _line: None))
    if not recorded:
        _forget_processes(engine, item)
    seen = _steps(engine, item)
    for spec in ("Task_draft", "Task_review", "Task_check", "Task_sign"):
        assert seen[spec] == {"three_review"}, spec
    assert seen["Task_publish"] == {"incident_closure"}


def test_the_expert_panel_is_shown_on_tier3_review(engine):
    item = tier3_at_expert_panel(Walker(engine, lambda _line: None))
    seen = _steps(engine, item)
    assert seen["Task_expert [child]"] == {"tier3_review"}
    with engine.db.reading() as session:
        last = timeline(session, item)["steps"][-1]
    assert last["states"]["Task_expert"] == "active"  # hanmei has not yet given her opinion
    assert last["states"]["Call_tier3"] == "active"


def test_the_item_diagram_marks_call_activities_and_opens_the_called_models(engine):
    item = tier1_published_monitoring(Walker(engine, lambda _line: None))
    with engine.db.reading() as session:
        shown = diagram(session, session.get(Instance, item))
    assert shown["states"]["Call_three"] == "completed"
    assert shown["states"]["Call_monitor"] == "active"
    called = shown["called"]
    assert called["three_review"]["states"]["Task_sign"] == "completed"
    assert called["incident_closure"]["states"]["Task_monitor"] == "active"
    assert "Call_four" not in shown["states"]
