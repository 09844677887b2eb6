"""Call activities: called models are checked, bundled and pinned with the caller's version."""

import shutil
from pathlib import Path

import pytest

from engine.model.expressions import Evaluator, UnsafeExpression, check_expression
from engine.model.loading import ModelError, check_model, library
from tests.proc_support import account_id
from tests.support import APPROVE, DRAFT

ROOT = Path(__file__).resolve().parents[2]
POST_REVIEW = (ROOT / "processes" / "post_review.bpmn").read_text(encoding="utf-8")


def copy_project(tmp_path: Path) -> tuple[Path, Path]:
    shutil.copytree(ROOT / "processes", tmp_path / "processes")
    shutil.copytree(ROOT / "forms", tmp_path / "forms")
    return tmp_path / "processes", tmp_path / "forms"


def test_a_caller_bundles_the_called_models_and_their_forms():
    model = check_model(POST_REVIEW, "post_review.bpmn", ROOT / "forms",
                        library(ROOT / "processes"))
    assert set(model.called) == {"three_review", "four_review", "tier3_review", "incident_closure"}
    assert {"post_review", "joint_review", "expert_opinion"} <= set(model.forms)


def test_a_missing_called_model_is_reported_with_file_and_line():
    with pytest.raises(ModelError) as refused:
        check_model(POST_REVIEW, "post_review.bpmn", ROOT / "forms", {})
    assert any(p.startswith("post_review.bpmn:") and "tier3_review" in p
               for p in refused.value.problems)


def test_running_items_keep_the_called_model_they_started_with(engine, drive, tmp_path):
    processes, forms = copy_project(tmp_path)
    data = {"account_id": account_id(engine, "绍兴市中医院"), "title": "t",
            "planned_date": "2026-12-01"}
    old = drive.start("post_review", "zhaolei", data)
    drive.act(old, "Task_draft", "zhaolei", DRAFT)
    called = processes / "three_review.bpmn"
    called.write_text(called.read_text(encoding="utf-8").replace(
        'name="审稿（一审一校）"', 'name="初审（一审一校）"'), encoding="utf-8")
    deployed = {d.key: d for d in engine.deploy_directory(processes, forms)}
    assert deployed["post_review"].created and deployed["post_review"].version == 2
    assert not deployed["tier3_review"].created
    new = drive.start("post_review", "zhaolei", data)
    drive.act(new, "Task_draft", "zhaolei", DRAFT)
    assert drive.task(old, "Task_review").name == "审稿（一审一校）"
    assert drive.task(new, "Task_review").name == "初审（一审一校）"
    for spec, user in [("Task_review", "zhoujie"), ("Task_check", "sunli"),
                       ("Task_sign", "zhengqiang")]:
        drive.act(old, spec, user, APPROVE)
    assert drive.open_specs(old) == ["Task_publish"]


@pytest.mark.parametrize("source,names,value", [
    ('defined("a")', {"a": 1}, True), ('defined("a")', {}, False),
    ('defined("a") and a == 2', {}, False), ('a if defined("a") else 0', {}, 0)])
def test_defined_tells_whether_the_data_holds_a_name(source, names, value):
    assert Evaluator().evaluate(source, names) == value


def test_defined_is_no_door_to_other_functions():
    with pytest.raises(UnsafeExpression):
        check_expression('defined("a").__class__')
