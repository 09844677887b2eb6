"""Specs of models and deployed versions: remembered, or parsed now by SpiffWorkflow.

Sits above :mod:`engine.model.loading` (which builds and remembers a spec while it
parses) and :mod:`engine.model.deployment` (which knows a version's called models),
so :mod:`engine.model.spec` stays a leaf of plain types.
"""

from __future__ import annotations

from typing import Any

from engine.model.deployment import called_xml
from engine.model.loading import parse_specs
from engine.model.spec import ModelSpec, content_key, keep, recall


def model_spec(xml: str, called: dict[str, str] | None = None) -> ModelSpec:
    """Return the spec of a model version: remembered, or parsed now by SpiffWorkflow."""
    found = recall(content_key(xml, called))
    if found is None:
        parse_specs(xml, "<model>", called)  # builds the spec and remembers it
        found = recall(content_key(xml, called))
        assert found is not None
    return found


def version_spec(connection: Any, version: Any) -> ModelSpec:
    """Return the spec of a deployed :class:`ModelVersion` row (with its pinned called models)."""
    key = ("version", version.content_hash)  # the hash covers the called models
    found = recall(key)
    if found is None:
        found = keep(key, model_spec(version.bpmn_xml, called_xml(connection, version.id)))
    return found
