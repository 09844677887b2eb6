"""Differences between versions: an element's change is reported on that element only."""

from pathlib import Path

from engine.model.versions import diff_models

ROOT = Path(__file__).resolve().parents[2]
THREE = (ROOT / "processes" / "three_review.bpmn").read_text(encoding="utf-8")


def test_a_task_property_change_is_not_reported_on_the_process():
    new = THREE.replace('name="recordLabel" value="核稿"', 'name="recordLabel" value="复审"')
    changed = diff_models(THREE, new)["changed"]
    assert [(c["id"], c["fields"]) for c in changed] == [("Task_check", ["recordLabel"])]


def test_a_condition_change_is_reported_on_its_flow():
    new = THREE.replace('decision == "return"', 'decision in ("return", "reject")', 1)
    changed = diff_models(THREE, new)["changed"]
    assert len(changed) == 1 and changed[0]["fields"] == ["conditionExpression"]


def test_process_documentation_change_is_reported_on_the_process():
    new = THREE.replace("第十一条：一级平台发布信息", "第十一条（修订）：一级平台发布信息")
    changed = diff_models(THREE, new)["changed"]
    assert [(c["id"], c["fields"]) for c in changed] == [("three_review", ["documentation"])]
