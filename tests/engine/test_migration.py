"""Moving running items to a new version: dry run, bulk run, edge cases, replay."""

import re
import shutil
from pathlib import Path

import pytest

from engine.audit.replay import verify_instance
from engine.base.errors import Invalid
from engine.run.migration import Migrator
from tests.support import APPROVE, DRAFT

ROOT = Path(__file__).resolve().parents[2]
MODELS = Path(__file__).parent / "models"
START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}


@pytest.fixture
def project(tmp_path):
    shutil.copytree(ROOT / "processes", tmp_path / "processes")
    shutil.copytree(ROOT / "forms", tmp_path / "forms")
    return tmp_path


def edit(path: Path, *pairs) -> None:
    text = path.read_text(encoding="utf-8")
    for old, new in pairs:
        assert re.search(old, text, re.S), old
        text = re.sub(old, new, text, flags=re.S)
    path.write_text(text, encoding="utf-8")


def at(drive, stage: str) -> int:
    """An item walked up to ``stage`` (Task_review, Task_check or Task_sign)."""
    instance = drive.start("three_review", "zhangwei", START)
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    for spec, user in [("Task_review", "zhoujie"), ("Task_check", "sunli")]:
        if spec == stage:
            break
        drive.act(instance, spec, user, APPROVE)
    return instance


ADD_STAGE = [
    (r'(<bpmn:flowNodeRef>Gateway_check</bpmn:flowNodeRef>)', r'\1<bpmn:flowNodeRef>Task_compliance</bpmn:flowNodeRef>'),
    (r'<bpmn:sequenceFlow id="Flow_check_ok" name="通过" sourceRef="Gateway_check" targetRef="Task_sign" />',
     '<bpmn:sequenceFlow id="Flow_check_ok" name="通过" sourceRef="Gateway_check" targetRef="Task_compliance" />'
     '<bpmn:sequenceFlow id="Flow_compliance_sign" sourceRef="Task_compliance" targetRef="Task_sign" />'
     '<bpmn:userTask id="Task_compliance" name="合规复核"><bpmn:extensionElements><spiffworkflow:properties>'
     '<spiffworkflow:property name="formName" value="post_review" /></spiffworkflow:properties>'
     '</bpmn:extensionElements></bpmn:userTask>'),
    ("审稿（一审一校）", "初审（一审一校）"),
]


def test_item_migrated_midway_completes_on_the_new_version_and_replays(engine, drive, project):
    instance = at(drive, "Task_review")
    edit(project / "processes" / "three_review.bpmn", *ADD_STAGE)
    engine.deploy_directory(project / "processes", project / "forms", by="songyu")
    migrator = Migrator(engine, "three_review", 1)
    [plan] = [c for c in migrator.dry_run() if c.instance_id == instance]
    assert plan.migratable and plan.reasons == []
    assert drive.detail(instance)["model_version"] == 1  # a dry run changes nothing
    results = migrator.run("songyu")
    assert all(r.migratable for r in results)
    assert drive.detail(instance)["model_version"] == 2
    assert drive.task(instance, "Task_review").name == "初审（一审一校）"
    for spec, user in [("Task_review", "zhoujie"), ("Task_check", "sunli"),
                       ("Task_compliance", "zhaolei"), ("Task_sign", "zhengqiang")]:
        drive.act(instance, spec, user, APPROVE)
    assert drive.status(instance) == "completed"
    migrated = drive.events(instance, "migrated")
    assert migrated[0]["payload"]["to_version"] == 2 and migrated[0]["actor"] == "songyu"
    verdict = verify_instance(engine, instance)
    assert verdict.ok, verdict.message


REMOVE_CHECK = [
    (r'<bpmn:flowNodeRef>Task_check</bpmn:flowNodeRef>\s*<bpmn:flowNodeRef>Gateway_check</bpmn:flowNodeRef>', ''),
    (r'<bpmn:userTask id="Task_check".*?</bpmn:userTask>', ''),
    (r'<bpmn:exclusiveGateway id="Gateway_check".*?</bpmn:exclusiveGateway>', ''),
    (r'<bpmn:sequenceFlow id="Flow_check_gateway"[^>]*/>', ''),
    (r'<bpmn:sequenceFlow id="Flow_check_ok"[^>]*/>', ''),
    (r'<bpmn:sequenceFlow id="Flow_check_return".*?</bpmn:sequenceFlow>', ''),
    (r'<bpmn:incoming>Flow_check_return</bpmn:incoming>', ''),
    (r'<bpmn:incoming>Flow_check_ok</bpmn:incoming>', '<bpmn:incoming>Flow_review_ok</bpmn:incoming>'),
    (r'(<bpmn:sequenceFlow id="Flow_review_ok"[^>]*targetRef=")Task_check(")', r'\1Task_sign\2'),
    (r'<bpmn:outgoing>Flow_review_ok</bpmn:outgoing>', '<bpmn:outgoing>Flow_review_ok</bpmn:outgoing>'),
    (r'<bpmndi:BPMN(Shape|Edge) id="[^"]*" bpmnElement="(Task_check|Gateway_check|Flow_check_\w+)".*?</bpmndi:BPMN(Shape|Edge)>', ''),
]


def test_items_on_removed_elements_stay_untouched_and_say_why(engine, drive, project):
    waiting = at(drive, "Task_check")       # open task on the removed 核稿
    passed = at(drive, "Task_sign")         # 核稿 already done: its record names a removed element
    early = at(drive, "Task_review")        # not there yet: 核稿 is only predicted
    before = {i: drive.detail(i) for i in (waiting, passed)}
    edit(project / "processes" / "three_review.bpmn", *REMOVE_CHECK)
    engine.deploy_directory(project / "processes", project / "forms")
    plans = {c.instance_id: c for c in Migrator(engine, "three_review", 1).dry_run()}
    assert not plans[waiting].migratable and "「核稿（二审二校）」（办理中）在新版本中已删除" in plans[waiting].reasons
    assert not plans[passed].migratable and "「核稿（二审二校）」（已完成）在新版本中已删除" in plans[passed].reasons
    assert plans[early].migratable
    results = {r.instance_id: r for r in Migrator(engine, "three_review", 1).run("songyu")}
    assert not results[waiting].migratable and results[early].migratable
    for i in (waiting, passed):
        assert drive.detail(i) == before[i]
    drive.act(early, "Task_review", "zhoujie", APPROVE)
    assert drive.open_specs(early) == ["Task_sign"]
    assert verify_instance(engine, early).ok


def test_parallel_branches_are_reopened_and_join_on_the_new_version(engine, drive, tmp_path):
    processes = tmp_path / "processes"
    shutil.copytree(MODELS / "parallel", processes)
    engine.deploy_directory(processes, MODELS / "forms")
    both = drive.start("parallel_check", "zhangwei")
    one = drive.start("parallel_check", "zhangwei")
    drive.act(one, "Task_a", "zhangwei", {"note": "甲已查"})
    edit(processes / "parallel_check.bpmn", ("核查乙", "核查乙（复核）"))
    engine.deploy_directory(processes, MODELS / "forms")
    assert all(r.migratable for r in Migrator(engine, "parallel_check", 1).run(None))
    assert drive.open_specs(both) == ["Task_a", "Task_b"] and drive.open_specs(one) == ["Task_b"]
    assert drive.task(both, "Task_b").name == "核查乙（复核）"
    for instance, specs in ((both, ["Task_a", "Task_b"]), (one, ["Task_b"])):
        for spec in specs:
            drive.act(instance, spec, "zhangwei", {"note": "已查"})
        assert drive.status(instance) == "completed"
        assert verify_instance(engine, instance).ok


def test_a_changed_form_is_announced_and_applies_after_migration(engine, drive, project):
    instance = at(drive, "Task_review")
    edit(project / "forms" / "post_review.json",
         (r'"required": \[', '"required": ["legal_basis", '),
         (r'"properties": \{', '"properties": {"legal_basis": {"type": "string", "title": "合法性依据"}, '))
    engine.deploy_directory(project / "processes", project / "forms")
    [plan] = [c for c in Migrator(engine, "three_review", 1).dry_run() if c.instance_id == instance]
    assert plan.migratable and plan.warnings == ["「审稿（一审一校）」的表单已变更，办理人将看到新表单"]
    Migrator(engine, "three_review", 1).run(None)
    with pytest.raises(Invalid) as refused:
        drive.act(instance, "Task_review", "zhoujie", APPROVE)
    assert "legal_basis" in refused.value.errors
    drive.act(instance, "Task_review", "zhoujie", {**APPROVE, "legal_basis": "《广告法》"})
    assert drive.open_specs(instance) == ["Task_check"]
