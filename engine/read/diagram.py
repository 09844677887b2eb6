"""The diagram of an item: its pinned model's XML, each element's state, and the called models.

States come from the history (``engine.timeline``, the same reading the audit
replay uses): completed, active (held by a person), waiting (in a role's pool).
A call activity is active while the item is inside the called model and
completed after it came back; each called model the item entered is returned
with its own XML and states, so the viewer can open it from the call activity.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine.audit.timeline import shape_of, timeline
from engine.store.schema import Instance


def diagram(session: Session, instance: Instance) -> dict[str, Any]:
    """Return ``{xml, states, model, version, called}`` for ``instance``."""
    line = timeline(session, instance.id)
    last = line["steps"][-1]
    return drawn(line["versions"][last["version_id"]], last["states"])


def drawn(version: dict[str, Any], states: dict[str, str]) -> dict[str, Any]:
    """Split one step's ``states`` over the version's own diagram and its called models."""
    own = shape_of(version["xml"])
    called = {}
    for call, (key, name) in sorted(own.calls.items()):
        if call in states and key in version["diagrams"]:
            nodes = shape_of(version["diagrams"][key]).nodes
            called[key] = {"xml": version["diagrams"][key], "name": name, "call": call,
                           "states": {k: v for k, v in states.items() if k in nodes}}
    return {"xml": version["xml"], "model": version["model"], "version": version["version"],
            "states": {k: v for k, v in states.items() if k in own.nodes}, "called": called}
