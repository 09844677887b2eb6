"""The forms service: a task's form as shown (choices, applicable fields, starting values),
and an item's submissions told in their forms' words."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine.model.catalog import checklist_titles, instance_forms, model_choices
from engine.model.form_labels import decision_label, described
from engine.model.forms import applies
from engine.org.people import display_names
from engine.run.choices import with_choices

__all__ = ["applies", "form_shown", "initial_values", "item_labels", "shown_schema"]


def initial_values(detail: Any) -> dict:
    """Return the form's starting values: the draft, else the item's data for a non-review form."""
    if detail.draft:
        return detail.draft
    schema = detail.form_schema or {"properties": {}}
    if "decision" in schema["properties"]:
        return {}
    return {k: v for k, v in detail.values.items() if k in schema["properties"]}


def shown_schema(schema: dict | None, item_facts: dict) -> dict:
    """Leave out fields that do not apply to this item: 发布媒体 only for tier-1 accounts."""
    schema = schema or {"properties": {}}
    tier = item_facts.get("tier")
    if "media" not in schema.get("properties", {}) or tier in (None, 1):
        return schema
    props = {k: v for k, v in schema["properties"].items() if k != "media"}
    required = [k for k in schema.get("required", []) if k != "media"]
    return {**schema, "properties": props, "required": required}


def form_shown(session: Session, schema: dict | None, item_facts: dict,
               username: str) -> dict | None:
    """Return the form as ``username`` fills it in: applicable fields, their offered choices."""
    return with_choices(shown_schema(schema, item_facts), session, username)


def item_labels(session: Session, item: dict) -> dict[str, dict]:
    """Return display names of the item's people, titles of its checklist items, and
    each submission in its form's words (``events``: seq -> decision label, fields)."""
    people = {e["actor"] for e in item["history"] if e["actor"]} | {item["initiator"]}
    people |= {t["assignee"] for t in item["tasks"] if t["assignee"]}
    people |= {v for e in item["history"] for v in _chosen_people(e)}
    names = display_names(session, people)
    return {"names": names, "checks": checklist_titles(session, item["id"]),
            "models": {m["key"]: m["name"] for m in model_choices(session)},
            "events": _told(session, item, names)}


def _chosen_people(event: dict) -> list[str]:
    """Return usernames chosen in a submission (the experts a joint reviewer named)."""
    data = (event.get("payload") or {}).get("data") or {}
    chosen = data.get("experts")
    return [v for v in chosen if isinstance(v, str)] if isinstance(chosen, list) else []


def _told(session: Session, item: dict, names: dict[str, str]) -> dict[int, dict]:
    forms = instance_forms(session, item["id"])
    form_of = {t["id"]: t["form"] for t in item["tasks"]}
    told = {}
    for event in item["history"]:
        if event["type"] != "task_completed":
            continue
        spec = forms.get(form_of.get(event["task_id"]) or "")
        payload = event.get("payload") or {}
        told[event["seq"]] = {"decision": decision_label(spec, payload.get("decision")),
                              "fields": described(spec, payload.get("data"), names)}
    return told
