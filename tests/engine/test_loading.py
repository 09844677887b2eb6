"""Deploy-time checks: hardened XML, BPMN XSD, roles, forms, gateways, versions."""

import shutil
from pathlib import Path

import pytest

from engine.model.loading import ModelError, check_model
from tests.support import APPROVE, DRAFT

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "forms"
THREE_REVIEW = (ROOT / "processes" / "three_review.bpmn").read_text(encoding="utf-8")


TASK_CHECK, TASK_DRAFT, GATEWAY_CHECK = 'id="Task_check"', 'id="Task_draft"', 'id="Gateway_check"'


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def by_key(deployed: list, key: str):
    return next(d for d in deployed if d.key == key)


def problems(xml: str) -> list[str]:
    with pytest.raises(ModelError) as refused:
        check_model(xml, "m.bpmn", FORMS)
    return refused.value.problems


def test_three_review_passes_every_check():
    model = check_model(THREE_REVIEW, "three_review.bpmn", FORMS)
    assert model.key == "three_review"
    assert set(model.forms) == {"post_start", "post_draft", "post_review"}


XXE = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
<bpmn:process id="p" name="&xxe;" isExecutable="true"/></bpmn:definitions>"""

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">&lol2;</bpmn:definitions>"""

REMOTE_DTD = """<?xml version="1.0"?>
<!DOCTYPE d SYSTEM "http://127.0.0.1:9/evil.dtd">
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"/>"""


@pytest.mark.parametrize("xml", [XXE, LAUGHS, REMOTE_DTD], ids=["xxe", "billion-laughs", "dtd"])
def test_dtds_and_entities_are_refused(xml):
    found = problems(xml)
    assert found == ["m.bpmn:1: 不允许 DTD 或实体声明 (DTD/entity declarations refused)"]


def test_oversized_model_is_refused():
    found = problems(THREE_REVIEW + "<!--" + "x" * 3_000_000 + "-->")
    assert "文件过大" in found[0]


def test_malformed_xml_and_xsd_violations_name_the_line():
    assert "XML 语法错误" in problems(THREE_REVIEW.replace("</bpmn:process>", "", 1))[0]
    bad = THREE_REVIEW.replace('<bpmn:endEvent id="EndEvent_issued"',
                               '<bpmn:endEvent bogus="1" id="EndEvent_issued"')
    found = problems(bad)
    assert found[0].startswith(f"m.bpmn:{line_of(bad, 'bogus=')}:")


def test_user_task_outside_a_lane_or_in_an_unknown_role_is_refused():
    no_lane = THREE_REVIEW.replace("<bpmn:flowNodeRef>Task_check</bpmn:flowNodeRef>", "")
    assert problems(no_lane) == [
        f"m.bpmn:{line_of(no_lane, TASK_CHECK)}: 用户任务「核稿（二审二校）」"
        "不在任何泳道中 (user task has no lane)"]
    bad_role = THREE_REVIEW.replace("(publicity_leader)", "(janitor)")
    assert "不是已知角色" in problems(bad_role)[0]


def test_missing_form_and_missing_default_flow_are_all_reported():
    bad = THREE_REVIEW.replace('value="post_draft"', 'value="no_such_form"').replace(
        ' default="Flow_check_ok"', "")
    found = problems(bad)
    assert len(found) == 2
    assert f"m.bpmn:{line_of(bad, TASK_DRAFT)}:" in found[0] and "表单文件不存在" in found[0]
    assert f"m.bpmn:{line_of(bad, GATEWAY_CHECK)}:" in found[1] and "默认流" in found[1]


def copy_project(tmp_path: Path) -> tuple[Path, Path]:
    shutil.copytree(ROOT / "processes", tmp_path / "processes")
    shutil.copytree(FORMS, tmp_path / "forms")
    return tmp_path / "processes", tmp_path / "forms"


def test_redeploying_unchanged_models_creates_no_version(engine):
    deployed = engine.deploy_directory(ROOT / "processes", FORMS)
    assert all(not d.created and d.version == 1 for d in deployed)


def test_running_instances_stay_on_their_version(engine, drive, tmp_path):
    processes, forms = copy_project(tmp_path)
    old = drive.start("three_review", "zhangwei", {"title": "旧版", "media": ["官网"]})
    drive.act(old, "Task_draft", "zhangwei", DRAFT)
    model = processes / "three_review.bpmn"
    model.write_text(model.read_text(encoding="utf-8").replace("审稿（一审一校）", "初审（一审一校）"),
                     encoding="utf-8")
    deployed = by_key(engine.deploy_directory(processes, forms), "three_review")
    assert (deployed.created, deployed.version) == (True, 2)
    new = drive.start("three_review", "zhangwei", {"title": "新版", "media": ["官网"]})
    drive.act(new, "Task_draft", "zhangwei", DRAFT)
    assert drive.task(old, "Task_review").name == "审稿（一审一校）"
    assert drive.task(new, "Task_review").name == "初审（一审一校）"
    for spec, user in [("Task_review", "zhoujie"), ("Task_check", "sunli"),
                       ("Task_sign", "zhengqiang")]:
        drive.act(old, spec, user, APPROVE)
    assert drive.detail(old)["model_version"] == 1 and drive.status(old) == "completed"
    assert drive.detail(new)["model_version"] == 2


def test_a_form_change_alone_makes_a_new_version(engine, tmp_path):
    processes, forms = copy_project(tmp_path)
    draft = forms / "post_draft.json"
    draft.write_text(draft.read_text(encoding="utf-8").replace('"maxLength": 200', '"maxLength": 100', 1),
                     encoding="utf-8")
    deployed = by_key(engine.deploy_directory(processes, forms), "three_review")
    assert (deployed.created, deployed.version) == (True, 2)


def test_unreachable_elements_are_reported_and_placed_on_the_diagram():
    from engine.model.findings import locate

    bad = THREE_REVIEW.replace('sourceRef="Gateway_review" targetRef="Task_check"',
                               'sourceRef="Gateway_review" targetRef="Task_draft"')
    found = problems(bad)
    assert any("「核稿（二审二校）」从开始事件无法到达" in p for p in found)
    placed = locate(bad, found)
    assert {p["element_id"] for p in placed} >= {"Task_check", "Gateway_check"}


def test_a_50_mb_upload_is_refused_before_parsing():
    huge = THREE_REVIEW.replace("</bpmn:definitions>", "<!--" + "x" * (50 * 1024 * 1024) + "--></bpmn:definitions>")
    assert "文件过大" in problems(huge)[0]
