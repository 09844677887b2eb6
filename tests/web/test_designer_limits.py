"""The designer's check and preview endpoints answer deep nesting with a finding, never a 500."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.web.test_designer import designer, post_json

ROOT = Path(__file__).resolve().parents[2]
THREE_REVIEW = (ROOT / "processes" / "three_review.bpmn").read_text(encoding="utf-8")
CONDITION = 'decision == "return"'


def _nested_form(depth: int) -> str:
    inner: dict = {"type": "string", "title": "x"}
    for _ in range(depth):
        inner = {"type": "object", "title": "x", "properties": {"a": inner}}
    return json.dumps({"title": "深", **inner})


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    '{"a": ' * 900 + "1" + "}" * 900,
    _nested_form(300),
    '{"title": "x", "type": "object", "properties": {"n": {"type": "integer", "maximum": 1e999}}}',
], ids=["100k-deep", "900-deep", "nested-properties", "infinite"])
def test_form_preview_refuses_deep_or_odd_schemas_with_a_message(browse, text):
    res = post_json(designer(browse), "/designer/forms/post_draft/preview", {"text": text})
    assert res.status_code in (200, 400), res.get_data(as_text=True)[:300]
    assert res.get_json()["ok"] is False if res.status_code == 200 else res.get_json()["message"]


@pytest.mark.parametrize("source", ["-" * 3000 + "1", "(" * 1900 + "1" + ")" * 1900,
                                    "not " * 900 + "True"])
def test_model_check_reports_deeply_nested_expressions_as_findings(browse, source):
    xml = THREE_REVIEW.replace(CONDITION, source, 1)
    res = post_json(designer(browse), "/designer/models/three_review/check", {"xml": xml})
    assert res.status_code == 200, res.get_data(as_text=True)[:300]
    body = res.get_json()
    assert body["ok"] is False and any("表达式" in f["message"] for f in body["findings"])
